//! Role × action table for the default authorization policies, and the guard rails
//! (separation of duties, justification, prod promotion, self role change, kill switch).

use portcullis_policy::{Action, Authorizer, PolicyError, Principal, Resource, ResourceKind, Role};
use std::collections::BTreeSet;

fn authorizer() -> Authorizer {
    Authorizer::default_policies().expect("default authorization policies load")
}

/// The record an endpoint would authorize each action against.
fn kind_for(action: Action) -> ResourceKind {
    use Action::*;
    match action {
        ReadCatalog => ResourceKind::Extension,
        CreateExtension | UpdateExtension | OverrideRisk => ResourceKind::Extension,
        Submit | WithdrawSubmission | ReadSubmission => ResourceKind::Submission,
        Review | Approve | Promote | Quarantine | Release | Revoke => ResourceKind::Version,
        RequestWaiver | GrantWaiver => ResourceKind::Waiver,
        ManagePolicy | ReadPolicy => ResourceKind::Policy,
        ManageTrustedSources => ResourceKind::TrustedSource,
        ReadAudit | ExportAudit => ResourceKind::Audit,
        IssueToken | RevokeToken => ResourceKind::Token,
        ManageRoles => ResourceKind::Principal,
        ReadStatus => ResourceKind::Status,
        ReadMetrics => ResourceKind::Metrics,
        ReadIncidents | ManageIncidents => ResourceKind::Incident,
    }
}

/// The most favourable resource: the principal's own team, submitted by someone else,
/// medium risk, promotion to staging, justified, approved and signed.
fn favourable(action: Action) -> Resource {
    Resource::new(kind_for(action), "n8n-nodes-acme-crm@1.4.0")
        .owned_by("payments")
        .submitted_by("dave")
        .with_risk("medium")
        .in_environment("staging")
        .with_attr(
            "justification",
            "finding is in test fixture code, not shipped",
        )
        .with_attr("approved", true)
        .with_attr("signed", true)
}

fn alice(role: Role) -> Principal {
    Principal::new("alice", [role]).with_team("payments")
}

fn expected(role: Role) -> BTreeSet<Action> {
    use Action::*;
    let people_reads = [ReadStatus, ReadPolicy];
    let v: Vec<Action> = match role {
        Role::Developer => vec![
            ReadCatalog,
            CreateExtension,
            UpdateExtension,
            Submit,
            WithdrawSubmission,
            ReadSubmission,
            RequestWaiver,
        ],
        Role::Reviewer => vec![ReadCatalog, ReadSubmission, ReadMetrics, Review, Approve],
        Role::SecurityChampion => vec![
            ReadCatalog,
            ReadSubmission,
            ReadMetrics,
            Review,
            Approve,
            GrantWaiver,
            Quarantine,
            ReadIncidents,
        ],
        Role::SecuritySteward => vec![
            ReadCatalog,
            ReadSubmission,
            ReadMetrics,
            GrantWaiver,
            Quarantine,
            UpdateExtension,
            Release,
            Revoke,
            OverrideRisk,
            ManagePolicy,
            ManageTrustedSources,
            IssueToken,
            RevokeToken,
            ManageRoles,
            ManageIncidents,
            ReadIncidents,
            ReadAudit,
            ExportAudit,
        ],
        Role::PlatformEngineer => vec![
            ReadCatalog,
            ReadSubmission,
            ReadMetrics,
            Quarantine,
            Promote,
            ReadIncidents,
        ],
        Role::Auditor => Action::ALL
            .iter()
            .copied()
            .filter(|a| a.is_read())
            .collect(),
        Role::PlatformRuntime => vec![ReadStatus],
    };
    let mut set: BTreeSet<Action> = v.into_iter().collect();
    if !matches!(role, Role::Auditor | Role::PlatformRuntime) {
        set.extend(people_reads);
    }
    set
}

#[test]
fn every_role_times_every_action() {
    let authz = authorizer();
    let mut mismatches = Vec::new();
    for &role in Role::ALL {
        let allowed = expected(role);
        for &action in Action::ALL {
            let d = authz.authorize(&alice(role), action, &favourable(action));
            assert!(d.errors.is_empty(), "{role} {action}: {:?}", d.errors);
            if d.allowed != allowed.contains(&action) {
                mismatches.push(format!(
                    "{role} {action}: allowed={} (policies {:?})",
                    d.allowed, d.policies
                ));
            }
            if d.allowed {
                assert!(
                    !d.policies.is_empty(),
                    "{role} {action}: no determining policy"
                );
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "unexpected decisions:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn auditor_changes_nothing_and_runtime_reads_status_only() {
    let authz = authorizer();
    for &action in Action::ALL {
        let auditor = authz.authorize(&alice(Role::Auditor), action, &favourable(action));
        assert_eq!(auditor.allowed, action.is_read(), "auditor {action}");
        let runtime = Principal::new("n8n-prod-runtime", [Role::PlatformRuntime]);
        let d = authz.authorize(&runtime, action, &favourable(action));
        assert_eq!(d.allowed, action == Action::ReadStatus, "runtime {action}");
    }
}

#[test]
fn nobody_without_a_role_gets_anything() {
    let authz = authorizer();
    let nobody = Principal::new("mallory", []).with_team("payments");
    for &action in Action::ALL {
        let d = authz.authorize(&nobody, action, &favourable(action));
        assert!(!d.allowed, "{action}");
        assert!(
            d.policies.is_empty(),
            "default deny has no determining policy"
        );
    }
}

#[test]
fn submitter_can_never_approve_their_own_version() {
    let authz = authorizer();
    // Alice holds every approving role and submitted the version herself.
    let alice = Principal::new(
        "alice",
        [
            Role::Reviewer,
            Role::SecurityChampion,
            Role::SecuritySteward,
        ],
    )
    .with_team("payments");
    let own = Resource::new(ResourceKind::Version, "acme-crm@2.0.0")
        .owned_by("payments")
        .submitted_by("alice")
        .with_risk("low")
        .with_attr("justification", "accepted risk");
    for action in [Action::Approve, Action::Review, Action::GrantWaiver] {
        let d = authz.authorize(&alice, action, &own);
        assert!(!d.allowed, "{action}");
        assert_eq!(
            d.policies,
            vec!["sod-no-self-approval".to_string()],
            "{action}"
        );
    }
    // The same principal may approve someone else's version.
    let other = own.clone().submitted_by("bob");
    let d = authz.authorize(&alice, Action::Approve, &other);
    assert!(d.allowed, "{d:?}");
}

#[test]
fn approval_tier_follows_risk() {
    let authz = authorizer();
    let reviewer = alice(Role::Reviewer);
    let champion = alice(Role::SecurityChampion);
    for (risk, reviewer_ok) in [
        ("low", true),
        ("medium", true),
        ("High", false),
        ("CRITICAL", false),
    ] {
        let v = Resource::new(ResourceKind::Version, "x@1.0.0")
            .submitted_by("dave")
            .with_risk(risk);
        assert_eq!(
            authz.authorize(&reviewer, Action::Approve, &v).allowed,
            reviewer_ok,
            "{risk}"
        );
        let d = authz.authorize(&champion, Action::Approve, &v);
        assert!(d.allowed, "champion {risk}");
        assert_eq!(d.policies, vec!["champion-approves-any-risk".to_string()]);
    }
    // Unknown or missing risk: nobody approves (fail closed until the rating exists).
    for v in [
        Resource::new(ResourceKind::Version, "x@1.0.0").submitted_by("dave"),
        Resource::new(ResourceKind::Version, "x@1.0.0")
            .submitted_by("dave")
            .with_risk("unrated"),
    ] {
        assert!(!authz.authorize(&reviewer, Action::Approve, &v).allowed);
        assert!(!authz.authorize(&champion, Action::Approve, &v).allowed);
    }
}

#[test]
fn waivers_need_security_role_and_justification() {
    let authz = authorizer();
    let steward = alice(Role::SecuritySteward);
    let waiver = Resource::new(ResourceKind::Waiver, "w-17").submitted_by("dave");
    let d = authz.authorize(&steward, Action::GrantWaiver, &waiver);
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["waiver-needs-justification".to_string()]);
    let blank = waiver.clone().with_attr("justification", "   \t");
    assert!(
        !authz
            .authorize(&steward, Action::GrantWaiver, &blank)
            .allowed
    );
    let justified = waiver.with_attr("justification", "compensating control: egress proxy");
    assert!(
        authz
            .authorize(&steward, Action::GrantWaiver, &justified)
            .allowed
    );
    assert!(
        !authz
            .authorize(&alice(Role::Reviewer), Action::GrantWaiver, &justified)
            .allowed
    );
    assert!(
        !authz
            .authorize(&alice(Role::Developer), Action::GrantWaiver, &justified)
            .allowed
    );
}

#[test]
fn prod_promotion_needs_an_approved_signed_version() {
    let authz = authorizer();
    let pe = alice(Role::PlatformEngineer);
    let base = Resource::new(ResourceKind::Version, "acme-crm@1.4.0");
    let cases = [
        (base.clone().in_environment("staging"), true),
        (base.clone(), false),
        (base.clone().in_environment("prod"), false),
        (
            base.clone()
                .in_environment("prod")
                .with_attr("approved", true),
            false,
        ),
        (
            base.clone()
                .in_environment(" Prod ")
                .with_attr("approved", true)
                .with_attr("signed", false),
            false,
        ),
        (
            base.clone()
                .in_environment("production")
                .with_attr("approved", true)
                .with_attr("signed", true),
            true,
        ),
    ];
    for (resource, allowed) in cases {
        let d = authz.authorize(&pe, Action::Promote, &resource);
        assert_eq!(d.allowed, allowed, "{resource:?} -> {d:?}");
    }
}

#[test]
fn quarantine_is_a_kill_switch_but_release_needs_a_steward() {
    let authz = authorizer();
    let v = Resource::new(ResourceKind::Version, "acme-crm@1.4.0")
        .in_environment("prod")
        .with_attr("justification", "IOC matched in incident INC-42");
    for role in [
        Role::PlatformEngineer,
        Role::SecurityChampion,
        Role::SecuritySteward,
    ] {
        assert!(
            authz
                .authorize(&alice(role), Action::Quarantine, &v)
                .allowed,
            "{role}"
        );
    }
    for role in [
        Role::PlatformEngineer,
        Role::SecurityChampion,
        Role::Reviewer,
    ] {
        assert!(
            !authz.authorize(&alice(role), Action::Release, &v).allowed,
            "{role}"
        );
    }
    assert!(
        authz
            .authorize(&alice(Role::SecuritySteward), Action::Release, &v)
            .allowed
    );
    let unjustified = Resource::new(ResourceKind::Version, "acme-crm@1.4.0");
    let d = authz.authorize(&alice(Role::SecuritySteward), Action::Release, &unjustified);
    assert!(!d.allowed);
}

#[test]
fn developers_only_touch_their_own_team() {
    let authz = authorizer();
    let dev = alice(Role::Developer);
    for action in [
        Action::Submit,
        Action::ReadSubmission,
        Action::UpdateExtension,
        Action::ReadCatalog,
    ] {
        let other = Resource::new(kind_for(action), "billing-node").owned_by("billing");
        let d = authz.authorize(&dev, action, &other);
        assert!(!d.allowed, "{action} on another team's record");
        let unowned = Resource::new(kind_for(action), "orphan");
        assert!(
            !authz.authorize(&dev, action, &unowned).allowed,
            "{action} unowned"
        );
    }
    // The catalog itself is visible.
    let catalog = Resource::new(ResourceKind::Catalog, "catalog");
    assert!(authz.authorize(&dev, Action::ReadCatalog, &catalog).allowed);
}

#[test]
fn stewards_cannot_change_their_own_roles() {
    let authz = authorizer();
    let steward = alice(Role::SecuritySteward);
    let me = Resource::new(ResourceKind::Principal, "alice");
    let d = authz.authorize(&steward, Action::ManageRoles, &me);
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["no-self-role-change".to_string()]);
    let bob = Resource::new(ResourceKind::Principal, "bob");
    assert!(authz.authorize(&steward, Action::ManageRoles, &bob).allowed);
}

#[test]
fn malformed_requests_are_denied_with_a_reason() {
    let authz = authorizer();
    let steward = alice(Role::SecuritySteward);
    // A typo in an attribute name must not silently drop a condition.
    let typo = Resource::new(ResourceKind::Waiver, "w-1").with_attr("justifcation", "because");
    let d = authz.authorize(&steward, Action::GrantWaiver, &typo);
    assert!(!d.allowed);
    assert!(
        d.errors.iter().any(|e| e.contains("justifcation")),
        "{:?}",
        d.errors
    );
    // Wrong type.
    let wrong = Resource::new(ResourceKind::Version, "v")
        .in_environment("prod")
        .with_attr("approved", "yes")
        .with_attr("signed", true);
    let d = authz.authorize(&alice(Role::PlatformEngineer), Action::Promote, &wrong);
    assert!(!d.allowed && !d.errors.is_empty(), "{d:?}");
    // Absurd ids.
    let huge = Principal::new("x".repeat(10_000), [Role::Auditor]);
    let d = authz.authorize(
        &huge,
        Action::ReadAudit,
        &Resource::new(ResourceKind::Audit, "log"),
    );
    assert!(!d.allowed && !d.errors.is_empty());
    // Ids with Cedar syntax in them are data, not code.
    let tricky = Principal::new("\"} permit(principal,action,resource); //", [Role::Auditor]);
    let d = authz.authorize(
        &tricky,
        Action::ReadAudit,
        &Resource::new(ResourceKind::Audit, "\"log"),
    );
    assert!(d.allowed, "{d:?}");
}

#[test]
fn names_parse_from_kebab_snake_and_case() {
    assert_eq!(
        "security-champion".parse::<Role>().unwrap(),
        Role::SecurityChampion
    );
    assert_eq!(
        "Platform_Engineer".parse::<Role>().unwrap(),
        Role::PlatformEngineer
    );
    assert_eq!(
        "grant-waiver".parse::<Action>().unwrap(),
        Action::GrantWaiver
    );
    assert!("admin".parse::<Role>().is_err());
    let json = serde_json::to_string(&Role::PlatformRuntime).unwrap();
    assert_eq!(json, "\"platform-runtime\"");
    for &a in Action::ALL {
        assert_eq!(a.as_str().parse::<Action>().unwrap(), a);
    }
}

#[test]
fn custom_policy_dir_replaces_defaults_and_is_validated() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("readonly.cedar"),
        "@id(\"everyone-reads-status\")\npermit (principal, action == Action::\"read-status\", resource);\n",
    )
    .unwrap();
    let authz = Authorizer::from_dir(dir.path()).unwrap();
    assert_eq!(authz.policy_ids(), ["everyone-reads-status".to_string()]);
    let nobody = Principal::new("x", []);
    assert!(
        authz
            .authorize(
                &nobody,
                Action::ReadStatus,
                &Resource::new(ResourceKind::Status, "s")
            )
            .allowed
    );

    // An attribute the schema does not have: refused at load, naming the file and line.
    std::fs::write(
        dir.path().join("zz-bad.cedar"),
        "@id(\"bad\")\npermit (principal, action == Action::\"approve\", resource)\nwhen { resource.owner == principal };\n",
    )
    .unwrap();
    let err = Authorizer::from_dir(dir.path()).unwrap_err();
    assert!(matches!(err, PolicyError::Invalid { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("zz-bad.cedar"), "{msg}");
    assert!(msg.contains("owner"), "{msg}");
    assert!(msg.contains("line 3"), "{msg}");
}

#[test]
fn custom_forbid_on_an_action_group_applies_to_every_member() {
    let dir = tempfile::tempdir().unwrap();
    let defaults = portcullis_policy::DEFAULT_AUTHZ_POLICIES;
    for (name, text) in defaults {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    std::fs::write(
        dir.path().join("freeze.cedar"),
        "@id(\"change-freeze\")\nforbid (principal, action in Action::\"write\", resource)\nunless { principal in Role::\"security-steward\" };\n",
    )
    .unwrap();
    let authz = Authorizer::from_dir(dir.path()).unwrap();
    let pe = alice(Role::PlatformEngineer);
    let d = authz.authorize(&pe, Action::Quarantine, &favourable(Action::Quarantine));
    assert!(!d.allowed);
    assert_eq!(d.policies, vec!["change-freeze".to_string()]);
    // Reads are not in the group; stewards are exempt.
    assert!(
        authz
            .authorize(&pe, Action::ReadCatalog, &favourable(Action::ReadCatalog))
            .allowed
    );
    let steward = alice(Role::SecuritySteward);
    assert!(
        authz
            .authorize(
                &steward,
                Action::Quarantine,
                &favourable(Action::Quarantine)
            )
            .allowed
    );
}
