//! The interface every analyzer implements.
//!
//! The pipeline calls [`Analyzer::analyze_file`] for every file the analyzer
//! [wants](Analyzer::wants), in parallel across files and analyzers, and
//! [`Analyzer::analyze_package`] once per package (also in parallel with the file work). An
//! analyzer never panics on input and never blocks on I/O: everything it needs is in the
//! [`Context`]. Problems that are not findings (a file skipped for size, a database missing)
//! are [`Notice`]s.

use crate::{CapabilitySet, Component, Extension, Finding, Package, RuleMeta, SourceFile};
use serde::{Deserialize, Serialize};

/// What an analyzer sees besides the file at hand.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub package: &'a Package,
    /// The extension the adapters recognised, if any.
    pub extension: Option<&'a Extension>,
}

/// What an analyzer produces for one file or package.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub findings: Vec<Finding>,
    /// Capabilities observed in code or metadata.
    pub observed: CapabilitySet,
    /// Dependency inventory (SBOM entries).
    pub components: Vec<Component>,
    pub notices: Vec<Notice>,
}

impl Output {
    pub fn merge(&mut self, other: Output) {
        self.findings.extend(other.findings);
        self.observed.extend(other.observed);
        self.components.extend(other.components);
        self.notices.extend(other.notices);
    }

    pub fn finding(&mut self, f: Finding) {
        self.findings.push(f);
    }

    pub fn notice(&mut self, level: NoticeLevel, path: Option<&str>, message: impl Into<String>) {
        self.notices.push(Notice {
            level,
            path: path.map(str::to_string),
            message: message.into(),
            kind: crate::NoticeKind::General,
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

/// Something the user should know about the scan itself (not about the extension's security).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub level: NoticeLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
    /// What the notice is about; general unless it records unanalysed code or a crash.
    #[serde(default, skip_serializing_if = "crate::NoticeKind::is_general")]
    pub kind: crate::NoticeKind,
}

pub trait Analyzer: Send + Sync {
    /// Short stable name (`js`, `secrets`, `deps`, `supply-chain`); the prefix of its rule ids.
    fn name(&self) -> &'static str;

    /// Every rule this analyzer can report, for `rules list` and SARIF metadata.
    fn rules(&self) -> Vec<RuleMeta>;

    /// Cheap filter: whether [`Analyzer::analyze_file`] should be called for this file.
    fn wants(&self, _file: &SourceFile) -> bool {
        false
    }

    fn analyze_file(&self, _file: &SourceFile, _cx: &Context<'_>) -> Output {
        Output::default()
    }

    fn analyze_package(&self, _cx: &Context<'_>) -> Output {
        Output::default()
    }
}
