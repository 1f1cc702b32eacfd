//! The gate's outcome and the reasons behind it.

use crate::Fingerprint;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Ordered by strictness: `Approve < Quarantine < Reject`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Approve,
    /// Held for human review; not loadable in production until released.
    Quarantine,
    Reject,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approve => "approve",
            Outcome::Quarantine => "quarantine",
            Outcome::Reject => "reject",
        }
    }

    /// Whether the CLI's exit code reports a gate failure.
    pub fn fails(self) -> bool {
        self != Outcome::Approve
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One policy that contributed to the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Policy id (`fail-on-severity`, a Cedar policy's `@id`).
    pub policy: String,
    pub outcome: Outcome,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// Findings behind this reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Fingerprint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    /// Every policy that decided the outcome (empty for a clean approve).
    pub reasons: Vec<Reason>,
    /// Reviewer roles the outcome requires (e.g. `security-champion`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_reviewers: Vec<String>,
}

impl Decision {
    pub fn approve() -> Decision {
        Decision {
            outcome: Outcome::Approve,
            reasons: Vec::new(),
            required_reviewers: Vec::new(),
        }
    }

    /// Adds a reason; the outcome becomes the strictest seen.
    pub fn push(&mut self, reason: Reason) {
        self.outcome = self.outcome.max(reason.outcome);
        self.reasons.push(reason);
    }
}
