//! Registry authorization: may this principal perform this action on this resource?
//!
//! Roles are policies, not code paths: the registry builds a [`Principal`] and a [`Resource`]
//! and asks [`Authorizer::authorize`]; the Cedar policies in `policies/authz/` decide. The
//! default is deny, and the `forbid` rules (separation of duties, justification required,
//! prod needs an approved and signed version) override every `permit`.

use crate::load::{self, Source};
use crate::PolicyError;
use cedar_policy::{
    Authorizer as CedarAuthorizer, Context, Decision, Entities, EntityId, EntityTypeName,
    EntityUid, PolicySet, Request, Schema,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
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
    schema: Schema,
    policies: PolicySet,
    authorizer: std::sync::Arc<CedarAuthorizer>,
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
        let sources: Vec<Source> = texts
            .into_iter()
            .map(|(n, t)| Source::new(n, t))
            .collect();
        Self::from_sources(&sources)
    }

    pub(crate) fn from_sources(sources: &[Source]) -> Result<Self, PolicyError> {
        let schema = load::parse_schema("authz.cedarschema", AUTHZ_SCHEMA)?;
        let loaded = load::load(sources, &schema, |_, _| Ok(()))?;
        Ok(Authorizer {
            schema,
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
        let mut parents: Vec<Value> = principal
            .roles
            .iter()
            .map(|r| json!({"type": "Role", "id": r.as_str()}))
            .collect();
        for team in &principal.teams {
            check_len("team", team)?;
            parents.push(json!({"type": "Team", "id": team}));
        }
        let mut res_attrs = Map::new();
        res_attrs.insert("kind".into(), resource.kind.as_str().into());
        res_attrs.insert("id".into(), resource.id.clone().into());
        if let Some(team) = &resource.owner_team {
            check_len("owner team", team)?;
            res_attrs.insert("owner_team".into(), json!({"type": "Team", "id": team}));
        }
        if let Some(sub) = &resource.submitter {
            check_len("submitter", sub)?;
            res_attrs.insert("submitter".into(), json!({"type": "Principal", "id": sub}));
        }
        // Normalized so `Prod` or ` HIGH` cannot slip past a policy comparing strings.
        if let Some(risk) = &resource.risk {
            check_len("risk", risk)?;
            res_attrs.insert("risk".into(), risk.trim().to_ascii_lowercase().into());
        }
        if let Some(env) = &resource.environment {
            check_len("environment", env)?;
            res_attrs.insert("environment".into(), env.trim().to_ascii_lowercase().into());
        }
        let entities = json!([
            {
                "uid": {"type": "Principal", "id": principal.id},
                "attrs": {"id": principal.id},
                "parents": parents,
            },
            {
                "uid": {"type": "Resource", "id": format!("{}/{}", resource.kind, resource.id)},
                "attrs": res_attrs,
                "parents": [],
            }
        ]);
        let entities = Entities::from_json_value(entities, Some(&self.schema))
            .map_err(|e| format!("invalid principal or resource: {e}"))?;

        let action_uid = entity_uid("Action", action.as_str())?;
        let context = Context::from_json_value(
            Value::Object(context_attrs(&resource.attrs)?),
            Some((&self.schema, &action_uid)),
        )
        .map_err(|e| format!("invalid resource attrs: {e}"))?;
        let request = Request::new(
            entity_uid("Principal", &principal.id)?,
            action_uid,
            entity_uid("Resource", &format!("{}/{}", resource.kind, resource.id))?,
            context,
            Some(&self.schema),
        )
        .map_err(|e| format!("invalid request: {e}"))?;
        Ok((request, entities))
    }
}

/// The context record: `attrs` with blank justifications dropped (a justification of spaces
/// is no justification).
fn context_attrs(attrs: &Map<String, Value>) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (key, value) in attrs {
        match (key.as_str(), value) {
            ("justification", Value::String(s)) if s.trim().is_empty() => {}
            ("justification", Value::String(s)) => {
                out.insert(key.clone(), Value::String(s.trim().to_string()));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(out)
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
