//! Registry authorization: may this principal perform this action on this resource?
//!
//! Roles are policies, not code paths: the registry builds a [`Principal`] and a [`Resource`]
//! and asks [`Authorizer::authorize`]; the Cedar policies in `policies/authz/` decide. The
//! default is deny, and the `forbid` rules (separation of duties, justification required,
//! prod needs an approved and signed version) override every `permit`.

use crate::PolicyError;
use crate::load::{self, Source};
use cedar_policy::{
    Authorizer as CedarAuthorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName,
    EntityUid, PolicySet, Request, RestrictedExpression, Schema,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The authorization schema, shipped in the repository and embedded in the binary.
pub const AUTHZ_SCHEMA: &str = include_str!("../schema/authz.cedarschema");

/// The default authorization policies (file name, text).
pub const DEFAULT_AUTHZ_POLICIES: &[(&str, &str)] = &[
    ("roles.cedar", include_str!("../policies/authz/roles.cedar")),
    (
        "separation-of-duties.cedar",
        include_str!("../policies/authz/separation-of-duties.cedar"),
    ),
];

macro_rules! kebab_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The kebab-case name (the serde form, and the Cedar entity id).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseNameError;
            /// Accepts the kebab-case name in any case, with `_` or ` ` for `-`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let norm: String = s
                    .trim()
                    .chars()
                    .map(|c| if c == '_' || c == ' ' { '-' } else { c.to_ascii_lowercase() })
                    .collect();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == norm)
                    .ok_or_else(|| ParseNameError {
                        what: $what,
                        value: s.to_string(),
                        expected: $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

/// An unknown role, action or resource-kind name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}` (expected one of: {expected})")]
pub struct ParseNameError {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

kebab_enum!(
    /// A role a principal holds. Roles are Cedar entities (`Role::"security-steward"`) the
    /// principal is a member of.
    Role, "role" {
        Developer => "developer",
        Reviewer => "reviewer",
        SecurityChampion => "security-champion",
        SecuritySteward => "security-steward",
        PlatformEngineer => "platform-engineer",
        /// Reads everything, changes nothing.
        Auditor => "auditor",
        /// The no-code platform itself (a machine): reads install status only.
        PlatformRuntime => "platform-runtime",
    }
);

kebab_enum!(
    /// What a registry endpoint does. Each is a Cedar action (`Action::"approve"`), member of
    /// the group `Action::"read"` or `Action::"write"`.
    Action, "action" {
        ReadCatalog => "read-catalog",
        CreateExtension => "create-extension",
        UpdateExtension => "update-extension",
        Submit => "submit",
        /// Withdraw one's own pending submission.
        WithdrawSubmission => "withdraw-submission",
        ReadSubmission => "read-submission",
        Review => "review",
        Approve => "approve",
        /// Ask for a waiver of a finding (granted by someone else).
        RequestWaiver => "request-waiver",
        GrantWaiver => "grant-waiver",
        Promote => "promote",
        Quarantine => "quarantine",
        Release => "release",
        Revoke => "revoke",
        OverrideRisk => "override-risk",
        ManagePolicy => "manage-policy",
        /// Read the policy sets in force (gate and authorization).
        ReadPolicy => "read-policy",
        ManageTrustedSources => "manage-trusted-sources",
        ReadAudit => "read-audit",
        ExportAudit => "export-audit",
        IssueToken => "issue-token",
        RevokeToken => "revoke-token",
        ManageRoles => "manage-roles",
        ReadStatus => "read-status",
        /// Dashboards and metrics (MTTR, compliance rate, ...).
        ReadMetrics => "read-metrics",
        ReadIncidents => "read-incidents",
        ManageIncidents => "manage-incidents",
    }
);

kebab_enum!(
    /// What kind of record a [`Resource`] is (the Cedar attribute `resource.kind`).
    ResourceKind, "resource kind" {
        /// The catalog as a whole (listing, approved extension types).
        Catalog => "catalog",
        Extension => "extension",
        Version => "version",
        Submission => "submission",
        Review => "review",
        Waiver => "waiver",
        Policy => "policy",
        TrustedSource => "trusted-source",
        Audit => "audit",
        Token => "token",
        /// A principal whose roles or tokens are managed.
        Principal => "principal",
        Status => "status",
        Incident => "incident",
        Metrics => "metrics",
    }
);

impl Action {
    /// Whether the action only reads (member of the Cedar group `Action::"read"`).
    pub fn is_read(self) -> bool {
        matches!(
            self,
            Action::ReadCatalog
                | Action::ReadSubmission
                | Action::ReadAudit
                | Action::ExportAudit
                | Action::ReadStatus
                | Action::ReadPolicy
                | Action::ReadMetrics
                | Action::ReadIncidents
        )
    }
}

/// Who is asking: the holder of an API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub id: String,
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Teams the principal belongs to (matched against [`Resource::owner_team`]).
    #[serde(default)]
    pub teams: Vec<String>,
}

impl Principal {
    pub fn new(id: impl Into<String>, roles: impl IntoIterator<Item = Role>) -> Principal {
        Principal {
            id: id.into(),
            roles: roles.into_iter().collect(),
            teams: Vec::new(),
        }
    }

    pub fn with_team(mut self, team: impl Into<String>) -> Principal {
        self.teams.push(team.into());
        self
    }
}

/// What the request is about.
///
/// `attrs` are facts about the request rather than the record and become the Cedar context.
/// Recognised keys (anything else is refused, so a typo cannot silently weaken a policy):
///
/// | key | type | used by |
/// |---|---|---|
/// | `justification` | string (blank = absent) | `grant-waiver`, `override-risk`, `release` |
/// | `approved` | bool | `promote` (to prod) |
/// | `signed` | bool | `promote` (to prod) |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub kind: ResourceKind,
    pub id: String,
    /// The team owning the extension this record belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_team: Option<String>,
    /// Principal id of who submitted the version or requested the waiver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitter: Option<String>,
    /// Risk rating: `low`, `medium`, `high` or `critical` (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    /// Environment concerned (`dev`, `staging`, `prod`); for `promote`, the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attrs: Map<String, Value>,
}

impl Resource {
    pub fn new(kind: ResourceKind, id: impl Into<String>) -> Resource {
        Resource {
            kind,
            id: id.into(),
            owner_team: None,
            submitter: None,
            risk: None,
            environment: None,
            attrs: Map::new(),
        }
    }

    pub fn owned_by(mut self, team: impl Into<String>) -> Resource {
        self.owner_team = Some(team.into());
        self
    }

    pub fn submitted_by(mut self, principal_id: impl Into<String>) -> Resource {
        self.submitter = Some(principal_id.into());
        self
    }

    pub fn with_risk(mut self, risk: impl Into<String>) -> Resource {
        self.risk = Some(risk.into());
        self
    }

    pub fn in_environment(mut self, env: impl Into<String>) -> Resource {
        self.environment = Some(env.into());
        self
    }

    pub fn with_attr(mut self, key: impl Into<String>, value: impl Into<Value>) -> Resource {
        self.attrs.insert(key.into(), value.into());
        self
    }
}

/// The answer, with what decided it (for the audit log and for error messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthzDecision {
    pub allowed: bool,
    /// `@id`s of the determining policies: the permits that allowed, or the forbids that
    /// denied. Empty when nothing matched (default deny).
    pub policies: Vec<String>,
    /// Problems evaluating the request (a malformed attribute, a policy erroring). Any error
    /// means deny.
    pub errors: Vec<String>,
}

impl AuthzDecision {
    fn deny_error(error: String) -> AuthzDecision {
        AuthzDecision {
            allowed: false,
            policies: Vec::new(),
            errors: vec![error],
        }
    }
}

/// A loaded, validated authorization policy set.
#[derive(Debug, Clone)]
pub struct Authorizer {
    /// Kept for the unit test that checks request entities against the schema.
    #[cfg_attr(not(test), allow(dead_code))]
    schema: Schema,
    policies: PolicySet,
    authorizer: std::sync::Arc<CedarAuthorizer>,
    /// The schema's action entities by action id, each knowing its groups. A request carries
    /// only its own action's entity: enough for `action in Action::"write"`, and ten times
    /// cheaper than recomputing the hierarchy of every action per request.
    actions: HashMap<String, Entity>,
    ids: Vec<String>,
}

const MAX_ID_LEN: usize = 512;
const MAX_LIST: usize = 256;

impl Authorizer {
    /// The shipped default policy set (strict, least privilege).
    pub fn default_policies() -> Result<Self, PolicyError> {
        let sources: Vec<Source> = DEFAULT_AUTHZ_POLICIES
            .iter()
            .map(|(name, text)| Source::new(format!("embedded:authz/{name}"), *text))
            .collect();
        Self::from_sources(&sources)
    }

    /// Loads the `.cedar` files of `dir` (or of `dir/authz/`), validated against the
    /// embedded schema. Replaces the defaults entirely.
    pub fn from_dir(dir: &Path) -> Result<Self, PolicyError> {
        Self::from_sources(&load::read_dir(dir, "authz")?)
    }

    /// Loads policies from in-memory texts (`(file name, text)`), e.g. from the database.
    pub fn from_texts<'a>(
        texts: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, PolicyError> {
        let sources: Vec<Source> = texts.into_iter().map(|(n, t)| Source::new(n, t)).collect();
        Self::from_sources(&sources)
    }

    pub(crate) fn from_sources(sources: &[Source]) -> Result<Self, PolicyError> {
        let schema = load::parse_schema("authz.cedarschema", AUTHZ_SCHEMA)?;
        let loaded = load::load(sources, &schema, |_, _| Ok(()))?;
        let actions = schema
            .action_entities()
            .map_err(|e| PolicyError::Schema {
                file: "authz.cedarschema".into(),
                message: e.to_string(),
            })?
            .iter()
            .map(|e| (e.uid().id().unescaped().to_string(), e.clone()))
            .collect();
        Ok(Authorizer {
            schema,
            actions,
            policies: loaded.set,
            authorizer: std::sync::Arc::new(CedarAuthorizer::new()),
            ids: loaded.files.into_keys().collect(),
        })
    }

    /// The `@id`s of the loaded policies, sorted.
    pub fn policy_ids(&self) -> &[String] {
        &self.ids
    }

    /// Decides one request. Never panics; anything malformed (an unknown context key, an
    /// over-long id) is a deny with the reason in `errors`.
    pub fn authorize(
        &self,
        principal: &Principal,
        action: Action,
        resource: &Resource,
    ) -> AuthzDecision {
        match self.request(principal, action, resource) {
            Ok((request, entities)) => {
                let response = self
                    .authorizer
                    .is_authorized(&request, &self.policies, &entities);
                let diagnostics = response.diagnostics();
                let mut policies: Vec<String> =
                    diagnostics.reason().map(|id| id.to_string()).collect();
                policies.sort();
                let errors: Vec<String> = diagnostics.errors().map(|e| e.to_string()).collect();
                AuthzDecision {
                    // A policy that errored could have been a forbid: fail closed.
                    allowed: response.decision() == Decision::Allow && errors.is_empty(),
                    policies,
                    errors,
                }
            }
            Err(e) => AuthzDecision::deny_error(e),
        }
    }

    fn request(
        &self,
        principal: &Principal,
        action: Action,
        resource: &Resource,
    ) -> Result<(Request, Entities), String> {
        check_len("principal id", &principal.id)?;
        check_len("resource id", &resource.id)?;
        if principal.teams.len() > MAX_LIST {
            return Err(format!("principal has more than {MAX_LIST} teams"));
        }
        let principal_uid = entity_uid("Principal", &principal.id)?;
        let mut parents = HashSet::new();
        for role in &principal.roles {
            parents.insert(entity_uid("Role", role.as_str())?);
        }
        for team in &principal.teams {
            check_len("team", team)?;
            parents.insert(entity_uid("Team", team)?);
        }
        let principal_entity = Entity::new(
            principal_uid.clone(),
            HashMap::from([("id".to_string(), string(&principal.id))]),
            parents,
        )
        .map_err(|e| format!("invalid principal: {e}"))?;

        let resource_uid = entity_uid("Resource", &format!("{}/{}", resource.kind, resource.id))?;
        let mut attrs = HashMap::from([
            ("kind".to_string(), string(resource.kind.as_str())),
            ("id".to_string(), string(&resource.id)),
        ]);
        if let Some(team) = &resource.owner_team {
            check_len("owner team", team)?;
            attrs.insert(
                "owner_team".into(),
                RestrictedExpression::new_entity_uid(entity_uid("Team", team)?),
            );
        }
        if let Some(sub) = &resource.submitter {
            check_len("submitter", sub)?;
            attrs.insert(
                "submitter".into(),
                RestrictedExpression::new_entity_uid(entity_uid("Principal", sub)?),
            );
        }
        // Normalized so `Prod` or ` HIGH` cannot slip past a policy comparing strings.
        if let Some(risk) = &resource.risk {
            check_len("risk", risk)?;
            attrs.insert("risk".into(), string(&risk.trim().to_ascii_lowercase()));
        }
        if let Some(env) = &resource.environment {
            check_len("environment", env)?;
            attrs.insert(
                "environment".into(),
                string(&env.trim().to_ascii_lowercase()),
            );
        }
        let resource_entity = Entity::new(resource_uid.clone(), attrs, HashSet::new())
            .map_err(|e| format!("invalid resource: {e}"))?;

        let action_entity = self
            .actions
            .get(action.as_str())
            .cloned()
            .ok_or_else(|| format!("action `{action}` is not in the schema"))?;
        let entities =
            Entities::from_entities([action_entity, principal_entity, resource_entity], None)
                .map_err(|e| format!("invalid principal or resource: {e}"))?;
        let context = Context::from_pairs(context_pairs(&resource.attrs)?)
            .map_err(|e| format!("invalid resource attrs: {e}"))?;
        // Entities and context are built to the schema by the code above (a unit test checks
        // them against it), so the request skips Cedar's per-request schema check.
        let request = Request::new(
            principal_uid,
            entity_uid("Action", action.as_str())?,
            resource_uid,
            context,
            None,
        )
        .map_err(|e| format!("invalid request: {e}"))?;
        Ok((request, entities))
    }
}

/// The request context from a resource's `attrs`: only the keys the schema declares, with
/// their types; blank justifications are dropped (a justification of spaces is none).
fn context_pairs(
    attrs: &Map<String, Value>,
) -> Result<Vec<(String, RestrictedExpression)>, String> {
    let mut out = Vec::with_capacity(attrs.len());
    for (key, value) in attrs {
        match (key.as_str(), value) {
            ("justification", Value::String(s)) => {
                if s.len() > MAX_JUSTIFICATION {
                    return Err(format!(
                        "justification longer than {MAX_JUSTIFICATION} bytes"
                    ));
                }
                if !s.trim().is_empty() {
                    out.push((key.clone(), string(s.trim())));
                }
            }
            ("approved" | "signed", Value::Bool(b)) => {
                out.push((key.clone(), RestrictedExpression::new_bool(*b)));
            }
            ("justification", _) => {
                return Err("resource attribute `justification` must be a string".into());
            }
            ("approved" | "signed", _) => {
                return Err(format!("resource attribute `{key}` must be a boolean"));
            }
            _ => {
                return Err(format!(
                    "unknown resource attribute `{key}` (expected one of: {})",
                    CONTEXT_KEYS.join(", ")
                ));
            }
        }
    }
    Ok(out)
}

/// The context attributes the authorization schema declares (`RequestContext`).
pub const CONTEXT_KEYS: &[&str] = &["justification", "approved", "signed"];
const MAX_JUSTIFICATION: usize = 64 * 1024;

fn string(s: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(s.to_string())
}

fn check_len(what: &str, s: &str) -> Result<(), String> {
    if s.len() > MAX_ID_LEN {
        Err(format!("{what} longer than {MAX_ID_LEN} bytes"))
    } else {
        Ok(())
    }
}

fn entity_uid(ty: &str, id: &str) -> Result<EntityUid, String> {
    let ty = EntityTypeName::from_str(ty).map_err(|e| e.to_string())?;
    Ok(EntityUid::from_type_name_and_id(ty, EntityId::new(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entities and context built without Cedar's schema check must still conform to
    /// the schema: rebuild them with the check, for a fully populated request.
    #[test]
    fn request_entities_conform_to_the_schema() {
        let authz = Authorizer::default_policies().unwrap();
        let principal = Principal::new("alice", Role::ALL.iter().copied())
            .with_team("payments")
            .with_team("billing");
        let resource = Resource::new(ResourceKind::Version, "acme@1.0.0")
            .owned_by("payments")
            .submitted_by("bob")
            .with_risk("High")
            .in_environment("prod")
            .with_attr("justification", "why")
            .with_attr("approved", true)
            .with_attr("signed", true);
        let (request, entities) = authz
            .request(&principal, Action::Promote, &resource)
            .unwrap();
        let checked = Entities::from_entities(entities.iter().cloned(), Some(&authz.schema));
        assert!(checked.is_ok(), "{checked:?}");
        let strict = Request::new(
            request.principal().unwrap().clone(),
            request.action().unwrap().clone(),
            request.resource().unwrap().clone(),
            request.context().unwrap().clone(),
            Some(&authz.schema),
        );
        assert!(strict.is_ok(), "{strict:?}");
        // And the schema's context type lists exactly the keys accepted here.
        for key in CONTEXT_KEYS {
            assert!(AUTHZ_SCHEMA.contains(&format!("\"{key}\"?:")), "{key}");
        }
    }
}
