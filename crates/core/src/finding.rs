//! The one `Finding` type every analyzer produces.

use crate::fingerprint::normalize_key;
use crate::rule::{Rule, Signal};
use crate::{Category, Confidence, Fingerprint, Location, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One problem found in a scanned extension.
///
/// Build it with [`Finding::new`] and the `with_*` methods. The pipeline assigns
/// [`Finding::fingerprint`] (from `rule_id`, the location's path, [`Finding::fingerprint_key`]
/// and an occurrence counter), then triage fills `suppression` and `baseline_state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule identifier, `<analyzer>/<rule>` (e.g. `js/command-injection`).
    pub rule_id: String,
    pub category: Category,
    pub severity: Severity,
    pub confidence: Confidence,
    /// One sentence, specific to this occurrence.
    pub message: String,
    pub location: Location,
    /// CWE numbers (`78` for CWE-78).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwe: Vec<u32>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// URLs (advisories, documentation).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// How the analyzer got here, in order (e.g. a taint trace: source, steps, sink).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceStep>,
    /// Assigned by the pipeline; empty until then.
    #[serde(default)]
    pub fingerprint: Fingerprint,
    /// What identifies this finding apart from rule and path. Defaults to the snippet;
    /// analyzers override it when the snippet is not the identity (a secret's hash, a
    /// dependency's `name@advisory`). Never a line number.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fingerprint_key: String,
    /// Free-form structured details (advisory ids, package versions, secret hash, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Gate signals: the rule's declared ones (see [`Finding::from_rule`]) plus any the
    /// analyzer adds for this occurrence (a verified secret). The gate reads these, never
    /// the rule id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<Signal>,
    /// Set by triage when an inline comment, the config, or a waiver suppresses the finding.
    /// Suppressed findings are reported, marked, and never fail the gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Set by triage when a baseline is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_state: Option<BaselineState>,
    /// A mechanical fix, offered in reports and applied only with `--fix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// One step of the evidence behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceStep {
    pub location: Location,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// Why — required for every kind.
    pub justification: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionKind {
    /// `// portcullis-ignore[rule-id]: reason` in the source.
    Inline,
    /// An ignore entry in `portcullis.toml`.
    Config,
    /// A waiver granted by a reviewer in the registry.
    Waiver,
}

/// SARIF's `baselineState`, relative to a previous scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    New,
    Unchanged,
    Absent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub description: String,
    pub replacements: Vec<Replacement>,
}

/// Replace bytes `start..end` of `path` with `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replacement {
    pub path: String,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl Finding {
    pub fn new(
        rule_id: impl Into<String>,
        category: Category,
        severity: Severity,
        message: impl Into<String>,
        location: Location,
    ) -> Finding {
        Finding {
            rule_id: rule_id.into(),
            category,
            severity,
            confidence: Confidence::High,
            message: message.into(),
            location,
            cwe: Vec::new(),
            remediation: None,
            references: Vec::new(),
            evidence: Vec::new(),
            fingerprint: Fingerprint::default(),
            fingerprint_key: String::new(),
            properties: BTreeMap::new(),
            tags: Vec::new(),
            signals: Vec::new(),
            suppression: None,
            baseline_state: None,
            fix: None,
        }
    }

    /// A finding of a declared rule: id, category, default severity and confidence, CWEs and
    /// signals come from the declaration.
    pub fn from_rule(rule: &Rule, message: impl Into<String>, location: Location) -> Finding {
        let mut f = Finding::new(
            rule.id.to_string(),
            rule.category,
            rule.severity,
            message,
            location,
        );
        f.confidence = rule.confidence;
        f.cwe = rule.cwe.to_vec();
        f.signals = rule.signals.to_vec();
        f.signals.sort();
        f.signals.dedup();
        f
    }

    /// Adds a signal for this occurrence (kept sorted and unique).
    pub fn with_signal(mut self, signal: Signal) -> Self {
        if let Err(i) = self.signals.binary_search(&signal) {
            self.signals.insert(i, signal);
        }
        self
    }

    pub fn has_signal(&self, signal: Signal) -> bool {
        self.signals.contains(&signal)
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = confidence;
        self
    }

    pub fn with_cwe(mut self, cwe: u32) -> Self {
        if !self.cwe.contains(&cwe) {
            self.cwe.push(cwe);
        }
        self
    }

    pub fn with_remediation(mut self, text: impl Into<String>) -> Self {
        self.remediation = Some(text.into());
        self
    }

    pub fn with_reference(mut self, url: impl Into<String>) -> Self {
        self.references.push(url.into());
        self
    }

    pub fn with_evidence(mut self, location: Location, message: impl Into<String>) -> Self {
        self.evidence.push(EvidenceStep {
            location,
            message: message.into(),
        });
        self
    }

    pub fn with_fingerprint_key(mut self, key: impl Into<String>) -> Self {
        self.fingerprint_key = key.into();
        self
    }

    pub fn with_property(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.properties.insert(key.into(), value.into());
        self
    }

    pub fn with_tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// The key the fingerprint hashes: the explicit key, else the normalized snippet, else
    /// the message (a file-level finding).
    pub fn identity_key(&self) -> String {
        if !self.fingerprint_key.is_empty() {
            return self.fingerprint_key.clone();
        }
        match &self.location.snippet {
            Some(s) if !s.trim().is_empty() => normalize_key(s),
            _ => self.message.clone(),
        }
    }

    /// True when the finding counts against the gate (not suppressed, not unchanged
    /// relative to a baseline).
    pub fn is_active(&self) -> bool {
        self.suppression.is_none() && self.baseline_state != Some(BaselineState::Unchanged)
    }

    /// Sort key: most severe first, then by file and position.
    pub fn sort_key(&self) -> (std::cmp::Reverse<Severity>, &str, u32, u32, &str) {
        let r = self.location.region.unwrap_or_default();
        (
            std::cmp::Reverse(self.severity),
            &self.location.path,
            r.start_line,
            r.start_column,
            &self.rule_id,
        )
    }
}

/// Assigns fingerprints to `findings` in place. Findings that share rule, path and key get
/// increasing occurrence numbers in source order, so duplicates stay distinct and stable.
pub fn assign_fingerprints(findings: &mut [Finding]) {
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| {
        let f = &findings[i];
        let r = f.location.region.unwrap_or_default();
        (
            f.location.path.clone(),
            r.start_line,
            r.start_column,
            f.rule_id.clone(),
        )
    });
    let mut seen: std::collections::HashMap<(String, String, String), u32> = Default::default();
    for i in order {
        let f = &findings[i];
        let key = f.identity_key();
        let n = seen
            .entry((f.rule_id.clone(), f.location.path.clone(), key.clone()))
            .or_insert(0);
        let fp = Fingerprint::compute(&f.rule_id, &f.location.path, &key, *n);
        *n += 1;
        findings[i].fingerprint = fp;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding_at(text: &str, needle: &str) -> Finding {
        let off = text.find(needle).unwrap();
        Finding::new(
            "js/command-injection",
            Category::Code,
            Severity::High,
            "tainted command",
            Location::from_offsets("nodes/Run.node.js", text, off, off + needle.len()),
        )
    }

    #[test]
    fn fingerprints_survive_line_shifts() {
        let v1 = "const cp = require('child_process');\ncp.exec(cmd);\n";
        let v2 = "// a new header comment\n\nconst cp = require('child_process');\n\n    cp.exec(cmd);\n";
        let mut a = vec![finding_at(v1, "cp.exec(cmd)")];
        let mut b = vec![finding_at(v2, "cp.exec(cmd)")];
        assign_fingerprints(&mut a);
        assign_fingerprints(&mut b);
        assert_ne!(a[0].location.region, b[0].location.region);
        assert_eq!(a[0].fingerprint, b[0].fingerprint);
    }

    #[test]
    fn identical_lines_get_distinct_stable_fingerprints() {
        let text = "exec(cmd);\nexec(cmd);\n";
        let first = text.find("exec").unwrap();
        let second = text.rfind("exec").unwrap();
        let mk = |off| {
            Finding::new(
                "js/command-injection",
                Category::Code,
                Severity::High,
                "m",
                Location::from_offsets("a.js", text, off, off + 4),
            )
        };
        let mut fs = vec![mk(second), mk(first)];
        assign_fingerprints(&mut fs);
        assert_ne!(fs[0].fingerprint, fs[1].fingerprint);
        let mut again = vec![mk(first), mk(second)];
        assign_fingerprints(&mut again);
        assert_eq!(fs[1].fingerprint, again[0].fingerprint);
    }

    #[test]
    fn explicit_key_wins_over_snippet() {
        let text = "const key = 'AKIA...';\n";
        let f = finding_at(text, "AKIA").with_fingerprint_key("sha256:abc");
        assert_eq!(f.identity_key(), "sha256:abc");
    }
}
