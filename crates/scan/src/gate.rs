//! Gate evaluation: turns the triaged findings into a [`Decision`].
//!
//! The policy engine plugs in through [`GateEvaluator`]; [`ThresholdGate`] is the simple
//! `--fail-on <severity>` rule, which also serves as an explicit override on top of a policy.

use portcullis_core::{Decision, Finding, Outcome, Reason, ScanReport, Severity};

pub trait GateEvaluator: Send + Sync {
    /// Decides on a report whose findings are final (triaged, fingerprinted).
    fn evaluate(&self, report: &ScanReport) -> Result<Decision, GateError>;
}

/// Why a gate could not decide. The pipeline rejects to stay safe and records the reason.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The policy engine could not evaluate the report (a policy or the input it refused).
    #[error("policy evaluation failed: {0}")]
    Policy(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Rejects when any active finding is at or above `threshold`.
#[derive(Debug, Clone, Copy)]
pub struct ThresholdGate {
    pub threshold: Severity,
}

impl ThresholdGate {
    pub fn decide(&self, findings: &[Finding]) -> Decision {
        let failing: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.is_active() && f.severity >= self.threshold)
            .collect();
        let mut decision = Decision::approve();
        if !failing.is_empty() {
            decision.push(Reason {
                policy: "fail-on-severity".into(),
                outcome: Outcome::Reject,
                message: format!(
                    "{} active finding{} at or above `{}`",
                    failing.len(),
                    if failing.len() == 1 { "" } else { "s" },
                    self.threshold
                ),
                remediation: Some(
                    "Fix the findings, or suppress a false positive with `// portcullis-ignore[rule-id]: reason`."
                        .into(),
                ),
                findings: failing.iter().map(|f| f.fingerprint.clone()).collect(),
            });
        }
        decision
    }
}

impl GateEvaluator for ThresholdGate {
    fn evaluate(&self, report: &ScanReport) -> Result<Decision, GateError> {
        Ok(self.decide(&report.findings))
    }
}
