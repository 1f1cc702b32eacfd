//! The Cedar-backed authorizer: the server's request mapped onto the policy crate's
//! [`portcullis_policy::Authorizer`] (schema-validated policy set, deny by default, forbids
//! win). This is what `serve` uses unless the caller passes another [`Authorize`].

use crate::authz::{Authorize, AuthzDecision, AuthzRequest};
use portcullis_policy::{Action, Authorizer, PolicyError, Principal, Resource, ResourceKind, Role};
use std::path::Path;
use std::str::FromStr;

pub struct CedarAuthorizer {
    inner: Authorizer,
}

impl CedarAuthorizer {
    /// The shipped default policies (validated; an invalid set is an error, not a deny-all).
    pub fn default_policies() -> Result<CedarAuthorizer, PolicyError> {
        Ok(CedarAuthorizer {
            inner: Authorizer::default_policies()?,
        })
    }

    /// A policy directory replacing the defaults (validated against the schema).
    pub fn from_dir(dir: &Path) -> Result<CedarAuthorizer, PolicyError> {
        Ok(CedarAuthorizer {
            inner: Authorizer::from_dir(dir)?,
        })
    }

    pub fn policy_ids(&self) -> &[String] {
        self.inner.policy_ids()
    }
}

fn deny(error: String) -> AuthzDecision {
    AuthzDecision {
        allowed: false,
        policies: vec![],
        errors: vec![error],
    }
}

impl Authorize for CedarAuthorizer {
    fn authorize(&self, q: &AuthzRequest<'_>) -> AuthzDecision {
        let action = match Action::from_str(q.action.as_str()) {
            Ok(a) => a,
            Err(e) => return deny(e.to_string()),
        };
        let kind = match ResourceKind::from_str(&q.resource.kind) {
            Ok(k) => k,
            Err(e) => return deny(e.to_string()),
        };
        // Unknown role names (stored before a role was renamed) grant nothing.
        let roles: Vec<Role> = q
            .roles
            .iter()
            .filter_map(|r| Role::from_str(r).ok())
            .collect();
        let mut principal = Principal::new(q.principal_id, roles);
        principal.teams = q.teams.to_vec();
        let mut resource = Resource::new(kind, q.resource.id.clone());
        resource.owner_team = q.resource.owner_team.clone();
        resource.submitter = q.resource.submitter.clone();
        resource.risk = q.resource.risk.clone();
        resource.environment = q.resource.environment.clone();
        if let Some(j) = q
            .context
            .justification
            .as_deref()
            .filter(|j| !j.trim().is_empty())
        {
            resource = resource.with_attr("justification", j.to_string());
        }
        if action == Action::Promote {
            resource = resource
                .with_attr("approved", q.context.approved)
                .with_attr("signed", q.context.signed);
        }
        let d = self.inner.authorize(&principal, action, &resource);
        AuthzDecision {
            allowed: d.allowed,
            policies: d.policies,
            errors: d.errors,
        }
    }
}
