//! The result of one scan: everything every report format renders.

use crate::{
    CapabilitySet, Component, Decision, Extension, Finding, Notice, Origin, RuleMeta, Severity,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON report schema (`docs/json-report.md`). Bumped on breaking changes.
pub const REPORT_SCHEMA_VERSION: &str = "1.0";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetInfo {
    /// What the user named.
    pub source: String,
    pub origin: Origin,
    pub sha256: String,
    pub files: usize,
    pub bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanStats {
    pub duration_ms: u64,
    pub files_analyzed: usize,
    /// Wall-clock milliseconds spent per analyzer (summed across threads).
    #[serde(default)]
    pub analyzer_ms: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanReport {
    pub schema_version: String,
    pub tool: ToolInfo,
    pub target: TargetInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    /// Every finding, suppressed ones included (marked), sorted most severe first.
    pub findings: Vec<Finding>,
    /// Capabilities observed in the code.
    pub observed: CapabilitySet,
    pub components: Vec<Component>,
    pub decision: Decision,
    /// Metadata of the rules that produced findings (for SARIF and help text).
    pub rules: Vec<RuleMeta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Notice>,
    /// Extra facts about the scan (vulnerability database date, config file used, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, serde_json::Value>,
    pub stats: ScanStats,
}

impl ScanReport {
    /// Counts of active (unsuppressed, non-baseline) findings per severity.
    pub fn active_counts(&self) -> BTreeMap<Severity, usize> {
        let mut m = BTreeMap::new();
        for f in self.findings.iter().filter(|f| f.is_active()) {
            *m.entry(f.severity).or_insert(0) += 1;
        }
        m
    }

    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.id == id)
    }
}
