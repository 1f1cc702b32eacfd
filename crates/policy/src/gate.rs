//! The gate: approve, quarantine or reject one scanned extension version, explained.
//!
//! Outcomes are Cedar actions (`Action::"reject"`, `Action::"quarantine"`,
//! `Action::"approve"`) on a `Version` resource that carries the [`GateInput`] as attributes.
//! The outcome is the strictest action any policy permits (approve when none does); a
//! `forbid` on an action is an exception that switches that outcome off. Each permit is
//! annotated with `@id`, `@message`, and optionally `@remediation`, `@reviewers` and
//! `@evidence`; every policy that fires becomes a [`Reason`] naming the findings behind it.

use crate::input::GateInput;
use crate::load::{self, Source};
use crate::{PolicyError, Role};
use cedar_policy::{
    ActionConstraint, Authorizer as CedarAuthorizer, Context, Decision as CedarDecision, Effect,
    Entities, Entity, EntityId, EntityTypeName, EntityUid, Policy, PolicySet, Request,
    RestrictedExpression, Schema,
};
use portcullis_core::rule::Signal;
use portcullis_core::{Category, Decision, Fingerprint, Outcome, Reason, Severity};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::str::FromStr;

/// The gate schema, shipped in the repository and embedded in the binary.
pub const GATE_SCHEMA: &str = include_str!("../schema/gate.cedarschema");

/// The default gate policies (file name, text).
pub const DEFAULT_GATE_POLICIES: &[(&str, &str)] = &[
    (
        "reject.cedar",
        include_str!("../policies/gate/reject.cedar"),
    ),
    (
        "quarantine.cedar",
        include_str!("../policies/gate/quarantine.cedar"),
    ),
];

/// Most finding fingerprints cited by one reason (the counts in the message stay exact).
pub const MAX_REASON_FINDINGS: usize = 1000;

/// Which findings a policy's `@evidence` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceSelector {
    Severity(Severity),
    Category(Category),
    Rule(String),
    Signal(Signal),
}

impl EvidenceSelector {
    fn parse(s: &str) -> Result<EvidenceSelector, String> {
        let s = s.trim();
        if let Some(v) = s.strip_prefix("severity:") {
            return Severity::from_str(v)
                .map(EvidenceSelector::Severity)
                .map_err(|e| e.to_string());
        }
        if let Some(v) = s.strip_prefix("category:") {
            return Category::from_str(v)
                .map(EvidenceSelector::Category)
                .map_err(|e| e.to_string());
        }
        if let Some(v) = s.strip_prefix("rule:") {
            if v.is_empty() {
                return Err("empty rule id in `rule:`".into());
            }
            return Ok(EvidenceSelector::Rule(v.to_string()));
        }
        let name = s.strip_prefix("signal:").unwrap_or(s);
        // `secret` was the name before signals were declared by rules.
        let name = if name == "secret" {
            "hard-coded-secret"
        } else {
            name
        };
        Signal::parse(name).map(EvidenceSelector::Signal).ok_or_else(|| {
            format!(
                "unknown evidence selector `{s}` (expected severity:<s>, category:<c>, rule:<id> or one of: {})",
                Signal::ALL.map(|x| x.as_str()).join(", ")
            )
        })
    }

    fn matches(&self, f: &crate::input::FindingRef) -> bool {
        match self {
            EvidenceSelector::Severity(s) => f.severity == *s,
            EvidenceSelector::Category(c) => f.category == *c,
            EvidenceSelector::Rule(r) => f.rule_id == *r,
            EvidenceSelector::Signal(s) => f.signals.contains(s),
        }
    }
}

/// What the gate knows about one loaded policy, from its annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatePolicy {
    pub id: String,
    /// The file the policy came from.
    pub file: String,
    pub effect: Effect,
    /// The outcome a permit grants (its action). `None` for a forbid on several actions.
    pub outcome: Option<Outcome>,
    pub message: String,
    pub remediation: Option<String>,
    pub reviewers: Vec<String>,
    pub evidence: Vec<EvidenceSelector>,
}

/// A loaded, validated gate policy set.
#[derive(Debug, Clone)]
pub struct Gate {
    /// Kept for the unit test that checks the input entity against the schema.
    #[cfg_attr(not(test), allow(dead_code))]
    schema: Schema,
    set: PolicySet,
    meta: HashMap<String, GatePolicy>,
    /// Policy ids in load order (file order, then order within the file).
    order: Vec<String>,
    authorizer: std::sync::Arc<CedarAuthorizer>,
    principal: EntityUid,
    /// Outcomes some policy (permit or forbid) is scoped to; only these are evaluated.
    outcomes: Vec<Outcome>,
}

fn uid(ty: &str, id: &str) -> Result<EntityUid, PolicyError> {
    let ty = EntityTypeName::from_str(ty).map_err(|e| PolicyError::Request(e.to_string()))?;
    Ok(EntityUid::from_type_name_and_id(ty, EntityId::new(id)))
}

fn outcome_of_action(uid: &EntityUid) -> Option<Outcome> {
    match uid.id().unescaped() {
        "approve" => Some(Outcome::Approve),
        "quarantine" => Some(Outcome::Quarantine),
        "reject" => Some(Outcome::Reject),
        _ => None,
    }
}

fn parse_outcome(s: &str) -> Option<Outcome> {
    match s.trim().to_ascii_lowercase().as_str() {
        "approve" => Some(Outcome::Approve),
        "quarantine" => Some(Outcome::Quarantine),
        "reject" => Some(Outcome::Reject),
        _ => None,
    }
}

/// Reads and checks a gate policy's annotations.
fn gate_policy(policy: &Policy, file: &str, text: &str) -> Result<GatePolicy, PolicyError> {
    let id = policy.annotation("id").unwrap_or_default().to_string();
    let err = |message: String| PolicyError::Policy {
        file: file.to_string(),
        message: format!(
            "policy `{id}`{}: {message}",
            load::line_suffix(policy, text)
        ),
    };
    let effect = policy.effect();
    let action_outcome = match policy.action_constraint() {
        ActionConstraint::Eq(a) => outcome_of_action(&a),
        _ => None,
    };
    if effect == Effect::Permit && action_outcome.is_none() {
        return Err(err(
            "a gate permit must name exactly one outcome: `action == Action::\"reject\"` (or \"quarantine\", \"approve\")".into(),
        ));
    }
    if let Some(declared) = policy.annotation("outcome") {
        match (parse_outcome(declared), action_outcome) {
            (None, _) => {
                return Err(err(format!(
                    "@outcome(\"{declared}\") is not approve, quarantine or reject"
                )));
            }
            (Some(o), Some(a)) if o != a => {
                return Err(err(format!(
                    "@outcome(\"{declared}\") contradicts the policy's action `{a}`"
                )));
            }
            _ => {}
        }
    }
    let message = match policy.annotation("message") {
        Some(m) if !m.trim().is_empty() => m.trim().to_string(),
        _ if effect == Effect::Forbid => String::new(),
        _ => return Err(err("a gate permit needs a @message(\"...\")".into())),
    };
    let remediation = policy
        .annotation("remediation")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let mut reviewers = Vec::new();
    for r in policy
        .annotation("reviewers")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let role = Role::from_str(r).map_err(|e| err(format!("@reviewers: {e}")))?;
        if !reviewers.iter().any(|x| x == role.as_str()) {
            reviewers.push(role.as_str().to_string());
        }
    }
    let evidence = policy
        .annotation("evidence")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(EvidenceSelector::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(format!("@evidence: {e}")))?;
    Ok(GatePolicy {
        id,
        file: file.to_string(),
        effect,
        outcome: action_outcome,
        message,
        remediation,
        reviewers,
        evidence,
    })
}

impl Gate {
    /// The shipped default gate policies.
    pub fn default_policies() -> Result<Gate, PolicyError> {
        let sources: Vec<Source> = DEFAULT_GATE_POLICIES
            .iter()
            .map(|(name, text)| Source::new(format!("embedded:gate/{name}"), *text))
            .collect();
        Gate::from_sources(&sources)
    }

    /// Loads the `.cedar` files of `dir` (or of `dir/gate/`), validated against the embedded
    /// schema. They replace the defaults entirely (copy the defaults to start from them).
    pub fn from_dir(dir: &Path) -> Result<Gate, PolicyError> {
        Gate::from_sources(&load::read_dir(dir, "gate")?)
    }

    /// Loads policies from in-memory texts (`(file name, text)`), e.g. from the database.
    pub fn from_texts<'a>(
        texts: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Gate, PolicyError> {
        let sources: Vec<Source> = texts.into_iter().map(|(n, t)| Source::new(n, t)).collect();
        Gate::from_sources(&sources)
    }

    pub(crate) fn from_sources(sources: &[Source]) -> Result<Gate, PolicyError> {
        let schema = load::parse_schema("gate.cedarschema", GATE_SCHEMA)?;
        let texts: HashMap<&str, &str> = sources
            .iter()
            .map(|s| (s.name.as_str(), s.text.as_str()))
            .collect();
        let mut meta = HashMap::new();
        let mut order = Vec::new();
        let loaded = load::load(sources, &schema, |policy, file| {
            let text = texts.get(file).copied().unwrap_or_default();
            let m = gate_policy(policy, file, text)?;
            order.push(m.id.clone());
            meta.insert(m.id.clone(), m);
            Ok(())
        })?;
        let outcomes: Vec<Outcome> = [Outcome::Reject, Outcome::Quarantine, Outcome::Approve]
            .into_iter()
            .filter(|o| {
                meta.values()
                    .any(|m: &GatePolicy| m.outcome.is_none_or(|x| x == *o))
            })
            .collect();
        Ok(Gate {
            schema,
            set: loaded.set,
            meta,
            order,
            authorizer: std::sync::Arc::new(CedarAuthorizer::new()),
            principal: uid("Gate", "portcullis")?,
            outcomes,
        })
    }

    /// The loaded policies, in load order.
    pub fn policies(&self) -> impl Iterator<Item = &GatePolicy> {
        self.order.iter().filter_map(|id| self.meta.get(id))
    }

    /// Decides the outcome for `input`, with every determining policy as a reason.
    ///
    /// A policy that fails to evaluate (e.g. an arithmetic overflow) counts as firing: a
    /// broken reject policy rejects rather than silently approving. `Err` only when the input
    /// cannot be expressed as a Cedar request at all.
    pub fn evaluate(&self, input: &GateInput) -> Result<Decision, PolicyError> {
        let entities = self.entities(input)?;
        let resource = uid("Version", &version_id(input))?;
        let mut fired: Vec<(Outcome, String, Option<String>)> = Vec::new();
        for outcome in [Outcome::Reject, Outcome::Quarantine, Outcome::Approve] {
            // Nothing to ask Cedar about an outcome no policy names.
            if !self.outcomes.contains(&outcome) {
                continue;
            }
            let request = Request::new(
                self.principal.clone(),
                uid("Action", outcome.as_str())?,
                resource.clone(),
                Context::empty(),
                None,
            )
            .map_err(|e| PolicyError::Request(e.to_string()))?;
            let response = self
                .authorizer
                .is_authorized(&request, &self.set, &entities);
            if response.decision() == CedarDecision::Allow {
                for id in response.diagnostics().reason() {
                    fired.push((outcome, id.to_string(), None));
                }
            }
            for e in response.diagnostics().errors() {
                let cedar_policy::AuthorizationError::PolicyEvaluationError(pe) = e;
                let id = pe.policy_id().to_string();
                let is_permit = self
                    .meta
                    .get(&id)
                    .is_some_and(|m| m.effect == Effect::Permit);
                if is_permit {
                    fired.push((outcome, id, Some(pe.to_string())));
                }
            }
            // An approve reason only matters when nothing stricter fired.
            if outcome == Outcome::Quarantine && !fired.is_empty() {
                break;
            }
        }
        let index: HashMap<&str, usize> = self
            .order
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        fired.sort_by_key(|(o, id, _)| {
            (
                std::cmp::Reverse(*o),
                index.get(id.as_str()).copied().unwrap_or(usize::MAX),
            )
        });
        fired.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);

        let mut decision = Decision::approve();
        for (outcome, id, error) in fired {
            let Some(meta) = self.meta.get(&id) else {
                continue;
            };
            let findings = evidence(input, &meta.evidence);
            let message = match error {
                Some(e) => format!("policy could not be evaluated, treated as firing: {e}"),
                None => render(&meta.message, input, findings.len()),
            };
            decision.push(Reason {
                policy: id,
                outcome,
                message,
                remediation: meta.remediation.clone(),
                findings,
            });
        }
        let mut reviewers: Vec<String> = Vec::new();
        for reason in decision
            .reasons
            .iter()
            .filter(|r| r.outcome == decision.outcome)
        {
            if let Some(meta) = self.meta.get(&reason.policy) {
                for r in &meta.reviewers {
                    if !reviewers.contains(r) {
                        reviewers.push(r.clone());
                    }
                }
            }
        }
        if decision.outcome == Outcome::Quarantine && reviewers.is_empty() {
            // Held for human review: somebody has to do it.
            reviewers.push(Role::Reviewer.as_str().to_string());
        }
        if decision.outcome != Outcome::Reject {
            decision.required_reviewers = reviewers;
        }
        Ok(decision)
    }

    /// The `Version` entity carrying the input. Built directly (no per-request schema check:
    /// the unit test `version_entity_conforms_to_the_schema` checks the shape once).
    fn entities(&self, input: &GateInput) -> Result<Entities, PolicyError> {
        let entity = version_entity(input)?;
        Entities::from_entities([entity], None).map_err(|e| PolicyError::Request(e.to_string()))
    }
}

fn long(v: u64) -> RestrictedExpression {
    RestrictedExpression::new_long(i64::try_from(v).unwrap_or(i64::MAX))
}

fn string(s: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(s.to_string())
}

fn strings<'a>(items: impl Iterator<Item = &'a String>) -> RestrictedExpression {
    RestrictedExpression::new_set(items.take(crate::input::MAX_SET_ITEMS).map(|s| string(s)))
}

fn record(
    fields: impl IntoIterator<Item = (&'static str, RestrictedExpression)>,
) -> Result<RestrictedExpression, PolicyError> {
    RestrictedExpression::new_record(fields.into_iter().map(|(k, v)| (k.to_string(), v)))
        .map_err(|e| PolicyError::Request(e.to_string()))
}

fn severity_record(c: &crate::input::SeverityCounts) -> Result<RestrictedExpression, PolicyError> {
    record([
        ("critical", long(c.critical)),
        ("high", long(c.high)),
        ("medium", long(c.medium)),
        ("low", long(c.low)),
        ("info", long(c.info)),
    ])
}

fn version_entity(input: &GateInput) -> Result<Entity, PolicyError> {
    let f = &input.findings;
    let c = &input.categories;
    let diff = input.previous.unwrap_or_default();
    let mut attrs: HashMap<String, RestrictedExpression> = [
        ("platform", string(&input.platform)),
        ("name", string(&input.name)),
        ("version", string(&input.version)),
        ("findings", severity_record(f)?),
        (
            "categories",
            record([
                ("code", long(c.code)),
                ("secret", long(c.secret)),
                ("dependency", long(c.dependency)),
                ("capability", long(c.capability)),
                ("supply_chain", long(c.supply_chain)),
                ("manifest", long(c.manifest)),
            ])?,
        ),
        ("rules", strings(input.rules.keys())),
        ("malicious_dependencies", long(input.malicious_dependencies)),
        ("secrets", long(input.secrets)),
        ("verified_secrets", long(input.verified_secrets)),
        ("undeclared_egress", long(input.undeclared_egress)),
        ("lifecycle_scripts", long(input.lifecycle_scripts)),
        ("download_execute", long(input.download_execute)),
        ("native_binaries", long(input.native_binaries)),
        ("obfuscation", long(input.obfuscation)),
        ("install_time_execution", long(input.install_time_execution)),
        ("exfiltration", long(input.exfiltration)),
        ("credential_harvesting", long(input.credential_harvesting)),
        ("unanalysed_code", long(input.unanalysed_code)),
        ("hygiene", long(input.hygiene)),
        ("deciding", severity_record(&input.deciding)?),
        ("incidental", severity_record(&input.incidental)?),
        (
            "incidental_signals",
            strings(input.incidental_signals.iter()),
        ),
        ("capabilities", strings(input.capabilities.iter())),
        ("data_classes", strings(input.data_classes.iter())),
        (
            "has_previous",
            RestrictedExpression::new_bool(input.previous.is_some()),
        ),
        (
            "diff",
            record([
                ("new_hosts", long(diff.new_hosts)),
                ("new_scopes", long(diff.new_scopes)),
                ("new_processes", long(diff.new_processes)),
                ("new_dependencies", long(diff.new_dependencies)),
            ])?,
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some(t) = input.trusted_source {
        attrs.insert("trusted_source".into(), RestrictedExpression::new_bool(t));
    }
    if let Some(env) = &input.environment {
        attrs.insert(
            "environment".into(),
            string(&env.trim().to_ascii_lowercase()),
        );
    }
    let tags = input
        .rules
        .iter()
        .take(crate::input::MAX_SET_ITEMS)
        .map(|(k, v)| (k.clone(), long(*v)));
    Entity::new_with_tags(
        uid("Version", &version_id(input))?,
        attrs,
        std::iter::empty(),
        tags,
    )
    .map_err(|e| PolicyError::Request(e.to_string()))
}

fn version_id(input: &GateInput) -> String {
    format!("{}/{}@{}", input.platform, input.name, input.version)
}

/// Fingerprints of the active findings matching any selector (deduplicated, bounded).
fn evidence(input: &GateInput, selectors: &[EvidenceSelector]) -> Vec<Fingerprint> {
    if selectors.is_empty() {
        return Vec::new();
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for f in &input.evidence {
        if out.len() >= MAX_REASON_FINDINGS {
            break;
        }
        if !f.fingerprint.is_empty()
            && selectors.iter().any(|s| s.matches(f))
            && seen.insert(&f.fingerprint)
        {
            out.push(f.fingerprint.clone());
        }
    }
    out
}

/// Replaces `{placeholder}`s in a policy message with input values; unknown placeholders
/// are left as written.
fn render(template: &str, input: &GateInput, count: usize) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if close <= 64 => {
                let name = &after[..close];
                match placeholder(name, input, count) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn placeholder(name: &str, input: &GateInput, count: usize) -> Option<String> {
    let diff = input.previous.unwrap_or_default();
    let v: u64 = match name {
        "count" => count as u64,
        "platform" => return Some(input.platform.clone()),
        "name" => return Some(input.name.clone()),
        "version" => return Some(input.version.clone()),
        "malicious_dependencies" => input.malicious_dependencies,
        "secrets" => input.secrets,
        "verified_secrets" => input.verified_secrets,
        "undeclared_egress" => input.undeclared_egress,
        "lifecycle_scripts" => input.lifecycle_scripts,
        "download_execute" => input.download_execute,
        "native_binaries" => input.native_binaries,
        "obfuscation" => input.obfuscation,
        "install_time_execution" => input.install_time_execution,
        "exfiltration" => input.exfiltration,
        "credential_harvesting" => input.credential_harvesting,
        "unanalysed_code" => input.unanalysed_code,
        "hygiene" => input.hygiene,
        "unanalysed_files" => return Some(unanalysed_files(input)),
        "diff.new_hosts" => diff.new_hosts,
        "diff.new_scopes" => diff.new_scopes,
        "diff.new_processes" => diff.new_processes,
        "diff.new_dependencies" => diff.new_dependencies,
        _ => {
            if let Some(s) = name.strip_prefix("findings.") {
                input.findings.get(Severity::from_str(s).ok()?)
            } else if let Some(s) = name.strip_prefix("deciding.") {
                input.deciding.get(Severity::from_str(s).ok()?)
            } else if let Some(s) = name.strip_prefix("incidental.") {
                input.incidental.get(Severity::from_str(s).ok()?)
            } else if let Some(c) = name.strip_prefix("categories.") {
                input
                    .categories
                    .get(Category::from_str(&c.replace('_', "-")).ok()?)
            } else if let Some(r) = name.strip_prefix("rules.") {
                input.rules.get(r).copied().unwrap_or(0)
            } else {
                return None;
            }
        }
    };
    Some(v.to_string())
}

/// Most unanalysed files a message names before "and N more".
const MAX_NAMED_UNANALYSED: usize = 10;

/// `path (reason); path (reason); … and N more` for `{unanalysed_files}`.
fn unanalysed_files(input: &GateInput) -> String {
    let mut parts: Vec<String> = input
        .unanalysed
        .iter()
        .take(MAX_NAMED_UNANALYSED)
        .map(|u| {
            let path = if u.path.is_empty() {
                "(package)"
            } else {
                &u.path
            };
            format!("{path} ({})", cut(&u.reason, 160))
        })
        .collect();
    let named = parts.len() as u64;
    if input.unanalysed_code > named {
        parts.push(format!("and {} more", input.unanalysed_code - named));
    }
    parts.join("; ")
}

/// `s` cut to at most `max` bytes on a character boundary, with `…` when cut.
fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_entity_conforms_to_the_schema() {
        let gate = Gate::default_policies().unwrap();
        let mut input = GateInput {
            platform: "forge".into(),
            name: "acme-jira-sync".into(),
            version: "2.1.0".into(),
            trusted_source: Some(false),
            environment: Some("Prod".into()),
            previous: Some(crate::input::CapabilityDiff::default()),
            ..GateInput::default()
        };
        input.rules.insert("js/eval".into(), 2);
        input.capabilities.insert("network-egress".into());
        input.data_classes.insert("pii".into());
        let entity = version_entity(&input).unwrap();
        let checked = Entities::from_entities([entity], Some(&gate.schema));
        assert!(checked.is_ok(), "{checked:?}");
        let request = Request::new(
            gate.principal.clone(),
            uid("Action", "reject").unwrap(),
            uid("Version", &version_id(&input)).unwrap(),
            Context::empty(),
            Some(&gate.schema),
        );
        assert!(request.is_ok(), "{request:?}");
    }

    #[test]
    fn placeholders_render_and_unknown_ones_stay() {
        let mut input = GateInput::default();
        input.findings.high = 3;
        input.categories.supply_chain = 2;
        input.rules.insert("js/eval".into(), 4);
        let out = render(
            "{findings.high} high, {categories.supply_chain} sc, {rules.js/eval} eval, {count} cited, {nope}, {unclosed",
            &input,
            7,
        );
        assert_eq!(out, "3 high, 2 sc, 4 eval, 7 cited, {nope}, {unclosed");
    }
}
