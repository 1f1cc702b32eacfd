//! Authorization: every endpoint names an action and a resource and asks the authorizer.
//!
//! The decision logic lives in the policy crate's Cedar policies
//! (`crates/policy/policies/authz/*.cedar`). This module defines the request the server
//! builds ([`AuthzRequest`]) and the [`Authorize`] trait it calls. `serve` uses
//! [`crate::CedarAuthorizer`] (the policy crate). [`BuiltinAuthorizer`] mirrors the default
//! Cedar policy set rule for rule (deny by default, forbids win); the tests run the same
//! role × action matrix against both, so a change to the `.cedar` files that is not
//! reflected here (or the reverse) fails the build.
//!
//! Token scopes narrow a principal's roles: a token without `write` cannot change anything
//! even if its principal could.

use portcullis_registry::Authenticated;
use serde::Serialize;

/// What a request asks to do. Names match the Cedar `Action` entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Action {
    ReadStatus,
    ReadCatalog,
    CreateExtension,
    UpdateExtension,
    Submit,
    ReadSubmission,
    Review,
    Approve,
    Quarantine,
    Promote,
    Release,
    Revoke,
    OverrideRisk,
    ManageTrustedSources,
    IssueToken,
    RevokeToken,
    ManageRoles,
    ReadAudit,
    ExportAudit,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::ReadStatus,
        Action::ReadCatalog,
        Action::CreateExtension,
        Action::UpdateExtension,
        Action::Submit,
        Action::ReadSubmission,
        Action::Review,
        Action::Approve,
        Action::Quarantine,
        Action::Promote,
        Action::Release,
        Action::Revoke,
        Action::OverrideRisk,
        Action::ManageTrustedSources,
        Action::IssueToken,
        Action::RevokeToken,
        Action::ManageRoles,
        Action::ReadAudit,
        Action::ExportAudit,
    ];

    /// The Cedar action id.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ReadStatus => "read-status",
            Action::ReadCatalog => "read-catalog",
            Action::CreateExtension => "create-extension",
            Action::UpdateExtension => "update-extension",
            Action::Submit => "submit",
            Action::ReadSubmission => "read-submission",
            Action::Review => "review",
            Action::Approve => "approve",
            Action::Quarantine => "quarantine",
            Action::Promote => "promote",
            Action::Release => "release",
            Action::Revoke => "revoke",
            Action::OverrideRisk => "override-risk",
            Action::ManageTrustedSources => "manage-trusted-sources",
            Action::IssueToken => "issue-token",
            Action::RevokeToken => "revoke-token",
            Action::ManageRoles => "manage-roles",
            Action::ReadAudit => "read-audit",
            Action::ExportAudit => "export-audit",
        }
    }

    /// Whether the auditor's blanket read permission (`Action::"read"` group) covers it.
    pub fn is_read(self) -> bool {
        matches!(
            self,
            Action::ReadStatus
                | Action::ReadCatalog
                | Action::ReadSubmission
                | Action::ReadAudit
                | Action::ExportAudit
        )
    }

    /// The token scope this action needs.
    pub fn scope(self) -> &'static str {
        match self {
            Action::ReadStatus => "status",
            a if a.is_read() => "read",
            Action::ManageTrustedSources
            | Action::IssueToken
            | Action::RevokeToken
            | Action::ManageRoles => "admin",
            _ => "write",
        }
    }
}

/// The thing acted on, with the attributes the policies look at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Resource {
    /// `catalog`, `extension`, `version`, `submission`, `trusted-source`, `token`,
    /// `principal`, `audit`.
    pub kind: String,
    pub id: String,
    pub owner_team: Option<String>,
    /// Risk rating in effect (`low`..`critical`).
    pub risk: Option<String>,
    /// Principal id of the submitter (for separation of duties).
    pub submitter: Option<String>,
    pub environment: Option<String>,
}

impl Resource {
    pub fn new(kind: &str, id: impl Into<String>) -> Resource {
        Resource {
            kind: kind.into(),
            id: id.into(),
            ..Default::default()
        }
    }
}

/// Facts about the request itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct RequestContext {
    pub justification: Option<String>,
    /// The version is approved (for promotions).
    pub approved: bool,
    /// The approval is signed (for promotions).
    pub signed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthzRequest<'a> {
    pub principal_id: &'a str,
    pub roles: &'a [String],
    pub teams: &'a [String],
    pub action: Action,
    pub resource: &'a Resource,
    pub context: &'a RequestContext,
}

/// The answer, with the policies that decided it (for the 403 body and the logs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuthzDecision {
    pub allowed: bool,
    pub policies: Vec<String>,
    pub errors: Vec<String>,
}

/// Anything that can decide requests. Implemented by the Cedar-backed authorizer (wired by
/// the CLI) and by [`BuiltinAuthorizer`].
pub trait Authorize: Send + Sync {
    fn authorize(&self, request: &AuthzRequest<'_>) -> AuthzDecision;
}

/// Checks scope, then asks the authorizer.
pub fn check(
    authorizer: &dyn Authorize,
    caller: &Authenticated,
    action: Action,
    resource: &Resource,
    context: &RequestContext,
) -> AuthzDecision {
    let scoped = caller.has_scope(action.scope())
        || (action == Action::ReadStatus && caller.has_scope("read"));
    if !scoped {
        return AuthzDecision {
            allowed: false,
            policies: vec![format!("token-scope:{}", action.scope())],
            errors: vec![],
        };
    }
    authorizer.authorize(&AuthzRequest {
        principal_id: &caller.principal.id,
        roles: &caller.principal.roles,
        teams: &caller.principal.teams,
        action,
        resource,
        context,
    })
}

/// The default policy set in Rust, one rule per Cedar policy id (see the `.cedar` files).
#[derive(Debug, Default, Clone, Copy)]
pub struct BuiltinAuthorizer;

impl Authorize for BuiltinAuthorizer {
    fn authorize(&self, q: &AuthzRequest<'_>) -> AuthzDecision {
        use Action::*;
        let has = |r: &str| q.roles.iter().any(|x| x == r);
        let res = q.resource;
        let ctx = q.context;
        let mut permits: Vec<&'static str> = Vec::new();
        let mut forbids: Vec<&'static str> = Vec::new();
        let human = has("developer")
            || has("reviewer")
            || has("security-champion")
            || has("security-steward")
            || has("platform-engineer");
        let staff = has("reviewer")
            || has("security-champion")
            || has("security-steward")
            || has("platform-engineer");
        let a = q.action;
        if has("auditor") && a.is_read() {
            permits.push("auditor-reads-everything");
        }
        if has("platform-runtime") && a == ReadStatus {
            permits.push("runtime-reads-status");
        }
        if human && a == ReadStatus {
            permits.push("people-read-status-and-policy");
        }
        if has("developer")
            && a == ReadCatalog
            && (res.kind == "catalog" || res.kind == "trusted-source")
        {
            permits.push("developer-reads-catalog-root");
        }
        let own_team = res
            .owner_team
            .as_ref()
            .is_some_and(|t| q.teams.iter().any(|x| x == t));
        if has("developer")
            && own_team
            && matches!(
                a,
                ReadCatalog | CreateExtension | UpdateExtension | Submit | ReadSubmission
            )
        {
            permits.push("developer-works-on-own-team");
        }
        if staff && matches!(a, ReadCatalog | ReadSubmission) {
            permits.push("reviewers-read-submissions");
        }
        if (has("reviewer") || has("security-champion")) && a == Review {
            permits.push("reviewers-review");
        }
        if has("reviewer")
            && a == Approve
            && res
                .risk
                .as_deref()
                .is_some_and(|r| r == "low" || r == "medium")
        {
            permits.push("reviewer-approves-low-medium-risk");
        }
        if has("security-champion") && a == Approve && res.risk.is_some() {
            permits.push("champion-approves-any-risk");
        }
        if (has("platform-engineer") || has("security-champion") || has("security-steward"))
            && a == Quarantine
        {
            permits.push("kill-switch");
        }
        if has("platform-engineer") && a == Promote {
            permits.push("platform-engineer-promotes");
        }
        if has("security-steward")
            && matches!(
                a,
                UpdateExtension
                    | Release
                    | Revoke
                    | OverrideRisk
                    | ManageTrustedSources
                    | IssueToken
                    | RevokeToken
                    | ManageRoles
                    | ReadAudit
                    | ExportAudit
            )
        {
            permits.push("steward-governs");
        }
        if matches!(a, Review | Approve) && res.submitter.as_deref() == Some(q.principal_id) {
            forbids.push("sod-no-self-approval");
        }
        if matches!(a, OverrideRisk | Release)
            && ctx
                .justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty())
        {
            forbids.push("risk-override-needs-justification");
        }
        if a == Promote && res.environment.is_none() {
            forbids.push("promotion-needs-target");
        }
        if a == Promote
            && res
                .environment
                .as_deref()
                .is_some_and(|e| e == "prod" || e == "production")
            && !(ctx.approved && ctx.signed)
        {
            forbids.push("prod-needs-approved-signed");
        }
        if a == ManageRoles && res.kind == "principal" && res.id == q.principal_id {
            forbids.push("no-self-role-change");
        }
        if !forbids.is_empty() {
            return AuthzDecision {
                allowed: false,
                policies: forbids.into_iter().map(String::from).collect(),
                errors: vec![],
            };
        }
        AuthzDecision {
            allowed: !permits.is_empty(),
            policies: permits.into_iter().map(String::from).collect(),
            errors: vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    fn authorizers() -> Vec<(&'static str, Box<dyn Authorize>)> {
        vec![
            ("builtin", Box::new(BuiltinAuthorizer)),
            (
                "cedar",
                Box::new(
                    crate::CedarAuthorizer::default_policies().expect("default policies validate"),
                ),
            ),
        ]
    }

    fn ask(
        auth: &dyn Authorize,
        role: &str,
        action: Action,
        resource: &Resource,
        ctx: &RequestContext,
    ) -> AuthzDecision {
        let roles = vec![role.to_string()];
        let teams = vec!["team-crm".to_string()];
        auth.authorize(&AuthzRequest {
            principal_id: "prn_me",
            roles: &roles,
            teams: &teams,
            action,
            resource,
            context: ctx,
        })
    }

    fn version(owner: &str, risk: &str, submitter: &str, env: Option<&str>) -> Resource {
        Resource {
            kind: "version".into(),
            id: "n8n/n8n-nodes-acme@1.0.0".into(),
            owner_team: Some(owner.into()),
            risk: Some(risk.into()),
            submitter: Some(submitter.into()),
            environment: env.map(String::from),
        }
    }

    /// Every role × every action on a typical resource (own team, medium risk, someone
    /// else's submission, staging, justified, approved): exactly the listed actions pass,
    /// for the Cedar policies and for the built-in mirror alike.
    #[test]
    fn role_action_matrix() {
        let expected: &[(&str, &[Action])] = &[
            (
                "auditor",
                &[
                    ReadStatus,
                    ReadCatalog,
                    ReadSubmission,
                    ReadAudit,
                    ExportAudit,
                ],
            ),
            ("platform-runtime", &[ReadStatus]),
            (
                "developer",
                &[
                    ReadStatus,
                    ReadCatalog,
                    CreateExtension,
                    UpdateExtension,
                    Submit,
                    ReadSubmission,
                ],
            ),
            (
                "reviewer",
                &[ReadStatus, ReadCatalog, ReadSubmission, Review, Approve],
            ),
            (
                "security-champion",
                &[
                    ReadStatus,
                    ReadCatalog,
                    ReadSubmission,
                    Review,
                    Approve,
                    Quarantine,
                ],
            ),
            (
                "security-steward",
                &[
                    ReadStatus,
                    ReadCatalog,
                    ReadSubmission,
                    Quarantine,
                    UpdateExtension,
                    Release,
                    Revoke,
                    OverrideRisk,
                    ManageTrustedSources,
                    IssueToken,
                    RevokeToken,
                    ManageRoles,
                    ReadAudit,
                    ExportAudit,
                ],
            ),
            (
                "platform-engineer",
                &[ReadStatus, ReadCatalog, ReadSubmission, Quarantine, Promote],
            ),
        ];
        let res = version("team-crm", "medium", "prn_other", Some("staging"));
        let ctx = RequestContext {
            justification: Some("documented".into()),
            approved: true,
            signed: true,
        };
        for (name, auth) in authorizers() {
            for (role, allowed) in expected {
                for a in Action::ALL {
                    let d = ask(auth.as_ref(), role, a, &res, &ctx);
                    assert_eq!(
                        d.allowed,
                        allowed.contains(&a),
                        "{name}: {role} × {}: {d:?}",
                        a.as_str()
                    );
                }
            }
            // A principal with no known role gets nothing.
            for a in Action::ALL {
                assert!(
                    !ask(auth.as_ref(), "intern", a, &res, &ctx).allowed,
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn guard_rails_override_permits() {
        for (name, auth) in authorizers() {
            let auth = auth.as_ref();
            let ok = RequestContext {
                justification: Some("ok".into()),
                approved: true,
                signed: true,
            };
            let none = RequestContext::default();
            let d = ask(
                auth,
                "security-champion",
                Approve,
                &version("team-crm", "high", "prn_me", None),
                &ok,
            );
            assert_eq!(
                (d.allowed, d.policies),
                (false, vec!["sod-no-self-approval".to_string()]),
                "{name}"
            );
            assert!(
                !ask(
                    auth,
                    "reviewer",
                    Approve,
                    &version("team-crm", "high", "x", None),
                    &ok
                )
                .allowed,
                "{name}"
            );
            assert!(
                ask(
                    auth,
                    "security-champion",
                    Approve,
                    &version("team-crm", "critical", "x", None),
                    &ok
                )
                .allowed,
                "{name}"
            );
            assert!(
                !ask(
                    auth,
                    "developer",
                    Submit,
                    &version("team-ops", "low", "x", None),
                    &ok
                )
                .allowed,
                "{name}"
            );
            let d = ask(
                auth,
                "platform-engineer",
                Promote,
                &version("t", "low", "x", Some("prod")),
                &none,
            );
            assert_eq!(
                d.policies,
                vec!["prod-needs-approved-signed".to_string()],
                "{name}"
            );
            assert!(
                ask(
                    auth,
                    "platform-engineer",
                    Promote,
                    &version("t", "low", "x", Some("dev")),
                    &none
                )
                .allowed,
                "{name}"
            );
            assert!(
                !ask(
                    auth,
                    "platform-engineer",
                    Promote,
                    &version("t", "low", "x", None),
                    &ok
                )
                .allowed,
                "{name}"
            );
            assert!(
                !ask(
                    auth,
                    "security-steward",
                    Release,
                    &version("t", "low", "x", None),
                    &none
                )
                .allowed,
                "{name}"
            );
            let me = Resource::new("principal", "prn_me");
            assert_eq!(
                ask(auth, "security-steward", ManageRoles, &me, &ok).policies,
                vec!["no-self-role-change".to_string()],
                "{name}"
            );
            assert!(
                ask(
                    auth,
                    "security-steward",
                    ManageRoles,
                    &Resource::new("principal", "prn_other"),
                    &ok
                )
                .allowed,
                "{name}"
            );
        }
    }

    #[test]
    fn scopes_narrow_roles() {
        assert_eq!(ReadStatus.scope(), "status");
        assert_eq!(ReadAudit.scope(), "read");
        assert_eq!(IssueToken.scope(), "admin");
        assert_eq!(Submit.scope(), "write");
    }
}
