//! The Cedar-backed authorizer: the server's request mapped onto the policy crate's
//! [`portcullis_policy::Authorizer`] (schema-validated policy set, deny by default, forbids
//! win). This is what `serve` uses unless the caller passes another [`Authorize`].
//!
//! Decisions are memoized. A decision is a pure function of the request (the entities are
//! built from it alone) and of the policy set, which is fixed for the authorizer's life, so
//! a remembered answer is exactly the answer Cedar would give again: no staleness. It
//! spares the hot status path building Cedar entities per request. The memo is bounded.

use crate::authz::{self, Authorize, AuthzDecision, AuthzRequest};
use portcullis_policy::{Action, Authorizer, PolicyError, Principal, Resource, ResourceKind, Role};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;

/// Most remembered decisions; the memo is emptied when full (hostile ids cannot grow it).
const MEMO_ENTRIES: usize = 4096;

pub struct CedarAuthorizer {
    inner: Authorizer,
    memo: Mutex<HashMap<u64, (MemoKey, AuthzDecision)>>,
    hasher: RandomState,
}

/// An owned copy of everything an [`AuthzRequest`] holds.
#[derive(PartialEq, Eq)]
struct MemoKey {
    principal_id: String,
    roles: Vec<String>,
    teams: Vec<String>,
    action: authz::Action,
    resource: authz::Resource,
    context: authz::RequestContext,
}

impl MemoKey {
    fn of(q: &AuthzRequest<'_>) -> MemoKey {
        MemoKey {
            principal_id: q.principal_id.to_string(),
            roles: q.roles.to_vec(),
            teams: q.teams.to_vec(),
            action: q.action,
            resource: q.resource.clone(),
            context: q.context.clone(),
        }
    }

    fn matches(&self, q: &AuthzRequest<'_>) -> bool {
        self.principal_id == q.principal_id
            && self.roles == q.roles
            && self.teams == q.teams
            && self.action == q.action
            && &self.resource == q.resource
            && &self.context == q.context
    }
}

impl CedarAuthorizer {
    /// The shipped default policies (validated; an invalid set is an error, not a deny-all).
    pub fn default_policies() -> Result<CedarAuthorizer, PolicyError> {
        Ok(CedarAuthorizer::new(Authorizer::default_policies()?))
    }

    /// A policy directory replacing the defaults (validated against the schema).
    pub fn from_dir(dir: &Path) -> Result<CedarAuthorizer, PolicyError> {
        Ok(CedarAuthorizer::new(Authorizer::from_dir(dir)?))
    }

    fn new(inner: Authorizer) -> CedarAuthorizer {
        CedarAuthorizer {
            inner,
            memo: Mutex::new(HashMap::new()),
            hasher: RandomState::new(),
        }
    }

    fn hash(&self, q: &AuthzRequest<'_>) -> u64 {
        let mut h = self.hasher.build_hasher();
        q.principal_id.hash(&mut h);
        q.roles.hash(&mut h);
        q.teams.hash(&mut h);
        q.action.hash(&mut h);
        q.resource.hash(&mut h);
        q.context.hash(&mut h);
        h.finish()
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
        let h = self.hash(q);
        if let Ok(memo) = self.memo.lock()
            && let Some((key, d)) = memo.get(&h)
            && key.matches(q)
        {
            return d.clone();
        }
        let d = self.decide(q);
        if memoizable(q)
            && let Ok(mut memo) = self.memo.lock()
        {
            if memo.len() >= MEMO_ENTRIES {
                memo.clear();
            }
            memo.insert(h, (MemoKey::of(q), d.clone()));
        }
        d
    }
}

/// Small, repeatable requests only (the status and read paths): a justification is free
/// text and each one is asked once, and long ids would let a caller fill memory.
fn memoizable(q: &AuthzRequest<'_>) -> bool {
    const MAX_KEY_BYTES: usize = 512;
    let r = q.resource;
    q.context.justification.is_none()
        && q.principal_id.len()
            + r.id.len()
            + r.kind.len()
            + r.owner_team.as_ref().map_or(0, String::len)
            + r.submitter.as_ref().map_or(0, String::len)
            + r.risk.as_ref().map_or(0, String::len)
            + r.environment.as_ref().map_or(0, String::len)
            <= MAX_KEY_BYTES
}

impl CedarAuthorizer {
    fn decide(&self, q: &AuthzRequest<'_>) -> AuthzDecision {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::{Action as A, RequestContext, Resource as R};

    fn ask(a: &CedarAuthorizer, teams: &[String], action: A, owner: &str) -> AuthzDecision {
        let resource = R {
            kind: "version".into(),
            id: "n8n/n8n-nodes-acme@1.0.0".into(),
            owner_team: Some(owner.into()),
            risk: Some("low".into()),
            submitter: Some("prn_dev".into()),
            ..Default::default()
        };
        a.authorize(&AuthzRequest {
            principal_id: "prn_dev",
            roles: &["developer".to_string()],
            teams,
            action,
            resource: &resource,
            context: &RequestContext::default(),
        })
    }

    #[test]
    fn memoized_answers_are_the_policies_answers() {
        let a = CedarAuthorizer::default_policies().unwrap();
        let crm = vec!["team-crm".to_string()];
        for _ in 0..3 {
            let own = ask(&a, &crm, A::ReadSubmission, "team-crm");
            assert!(own.allowed, "{own:?}");
            assert_eq!(own.policies, ["developer-works-on-own-team"]);
            // Same principal, another team's version; and another action on its own.
            assert!(!ask(&a, &crm, A::ReadSubmission, "team-ops").allowed);
            assert!(!ask(&a, &crm, A::Approve, "team-crm").allowed);
            // The same principal id with other teams is another request, not a memo hit.
            assert!(!ask(&a, &["team-ops".to_string()], A::ReadSubmission, "team-crm").allowed);
        }
        assert_eq!(a.memo.lock().unwrap().len(), 4);
    }
}
