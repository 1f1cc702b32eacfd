//! `portcullis policy test` and `policy validate`: replaying recorded decisions against a
//! policy set so a policy change is reviewed before it takes effect, and checking a policy
//! directory without using it.

use crate::input::GateInput;
use crate::{Authorizer, Gate, PolicyError, load};
use portcullis_core::{Outcome, Reason};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Most recorded decisions read from one JSON Lines text.
pub const MAX_RECORDED_CASES: usize = 1_000_000;

/// One recorded gate decision: the input and the outcome it got at the time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedDecision {
    /// A label for the report (submission id, `name@version`); optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub input: GateInput,
    pub outcome: Outcome,
}

/// A case whose outcome would change under the tested policy set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedCase {
    /// 0-based position in the cases (the line number minus one for JSON Lines).
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub recorded: Outcome,
    pub now: Outcome,
    /// Why the new outcome (empty for a clean approve).
    pub reasons: Vec<Reason>,
}

/// A case the tested policy set could not evaluate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseError {
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub error: String,
}

/// What a policy change would do to past decisions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyTestReport {
    pub total: usize,
    pub unchanged: usize,
    /// Cases that become stricter (e.g. approve → quarantine).
    pub stricter: usize,
    /// Cases that become more lenient (e.g. reject → approve): review these first.
    pub more_lenient: usize,
    pub changed: Vec<ChangedCase>,
    pub errors: Vec<CaseError>,
}

impl PolicyTestReport {
    /// True when every case keeps its outcome and none failed to evaluate.
    pub fn passed(&self) -> bool {
        self.changed.is_empty() && self.errors.is_empty()
    }
}

/// Evaluates `gate` on every recorded input and reports each case whose outcome changes.
pub fn test_policies(gate: &Gate, cases: &[RecordedDecision]) -> PolicyTestReport {
    let mut report = PolicyTestReport {
        total: cases.len(),
        ..PolicyTestReport::default()
    };
    for (index, case) in cases.iter().enumerate() {
        match gate.evaluate(&case.input) {
            Ok(decision) if decision.outcome == case.outcome => report.unchanged += 1,
            Ok(decision) => {
                if decision.outcome > case.outcome {
                    report.stricter += 1;
                } else {
                    report.more_lenient += 1;
                }
                report.changed.push(ChangedCase {
                    index,
                    id: case.id.clone(),
                    recorded: case.outcome,
                    now: decision.outcome,
                    reasons: decision.reasons,
                });
            }
            Err(e) => report.errors.push(CaseError {
                index,
                id: case.id.clone(),
                error: e.to_string(),
            }),
        }
    }
    report
}

/// Parses recorded decisions from JSON Lines (`{"input": {...}, "outcome": "approve"}` per
/// line; blank lines and lines starting with `#` are skipped). `name` is used in errors.
pub fn parse_recorded(name: &str, text: &str) -> Result<Vec<RecordedDecision>, PolicyError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if out.len() >= MAX_RECORDED_CASES {
            return Err(PolicyError::TooLarge {
                path: name.into(),
                reason: format!("more than {MAX_RECORDED_CASES} recorded decisions"),
            });
        }
        let case: RecordedDecision =
            serde_json::from_str(line).map_err(|e| PolicyError::Parse {
                file: name.to_string(),
                message: format!("line {}: {e}", i + 1),
            })?;
        out.push(case);
    }
    Ok(out)
}

/// What [`validate_dir`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationSummary {
    /// Number of gate policies, when the directory holds a gate policy set.
    pub gate_policies: Option<usize>,
    /// Number of authorization policies, when the directory holds one.
    pub authz_policies: Option<usize>,
}

/// Validates a policy directory without using it: `dir/gate/` and `dir/authz/` when present
/// (the shipped layout), otherwise the `.cedar` files of `dir` as a gate policy set. The
/// first invalid file is reported with its name and the reason.
pub fn validate_dir(dir: &Path) -> Result<ValidationSummary, PolicyError> {
    let mut summary = ValidationSummary::default();
    let gate_dir = dir.join("gate");
    let authz_dir = dir.join("authz");
    let nested = gate_dir.is_dir() || authz_dir.is_dir();
    if !nested || !load::cedar_files(dir)?.is_empty() {
        summary.gate_policies = Some(Gate::from_dir(dir)?.policies().count());
        return Ok(summary);
    }
    if gate_dir.is_dir() {
        summary.gate_policies = Some(Gate::from_dir(&gate_dir)?.policies().count());
    }
    if authz_dir.is_dir() {
        summary.authz_policies = Some(Authorizer::from_dir(&authz_dir)?.policy_ids().len());
    }
    Ok(summary)
}
