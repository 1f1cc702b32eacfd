//! The gate's input: what a scan report (and, in the registry, the catalog) says about one
//! extension version, reduced to counts and sets a policy can test.

use crate::incidental::is_incidental_path;
use portcullis_core::rule::Signal;
use portcullis_core::{Capability, Category, Finding, Fingerprint, ScanReport, Severity};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most distinct rule ids, capability kinds or data classes passed to the policies; more is
/// not a real extension (and is cut, keeping the first in sorted order).
pub const MAX_SET_ITEMS: usize = 4096;
/// Most findings kept as evidence in a [`GateInput`].
pub const MAX_EVIDENCE_FINDINGS: usize = 100_000;
/// Most unanalysed files named in a [`GateInput`] (the count stays exact).
pub const MAX_UNANALYSED_FILES: usize = 200;

/// Active findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeverityCounts {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub info: u64,
}

impl SeverityCounts {
    pub fn get(&self, s: Severity) -> u64 {
        match s {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    fn bump(&mut self, s: Severity) {
        let slot = match s {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        };
        *slot = slot.saturating_add(1);
    }
}

/// Active findings per category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CategoryCounts {
    pub code: u64,
    pub secret: u64,
    pub dependency: u64,
    pub capability: u64,
    pub supply_chain: u64,
    pub manifest: u64,
}

impl CategoryCounts {
    pub fn get(&self, c: Category) -> u64 {
        match c {
            Category::Code => self.code,
            Category::Secret => self.secret,
            Category::Dependency => self.dependency,
            Category::Capability => self.capability,
            Category::SupplyChain => self.supply_chain,
            Category::Manifest => self.manifest,
        }
    }

    fn bump(&mut self, c: Category) {
        let slot = match c {
            Category::Code => &mut self.code,
            Category::Secret => &mut self.secret,
            Category::Dependency => &mut self.dependency,
            Category::Capability => &mut self.capability,
            Category::SupplyChain => &mut self.supply_chain,
            Category::Manifest => &mut self.manifest,
        };
        *slot = slot.saturating_add(1);
    }
}

/// What this version adds relative to the previous version of the same extension.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CapabilityDiff {
    pub new_hosts: u64,
    pub new_scopes: u64,
    pub new_processes: u64,
    pub new_dependencies: u64,
}

/// One active finding, as much as the gate needs to cite it in a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRef {
    pub fingerprint: Fingerprint,
    pub rule_id: String,
    pub severity: Severity,
    pub category: Category,
    /// The finding's declared signals (see [`portcullis_core::Finding::signals`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<Signal>,
    /// Located in a test, fixture, example, documentation or locale file: it is cited, but
    /// never decides on its own (see [`crate::is_incidental_path`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incidental: bool,
}

/// A file that was not (fully) analysed, and why: what a quarantine for unanalysed code
/// names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnanalysedFile {
    pub path: String,
    pub reason: String,
}

/// Everything the gate policies see about one extension version.
///
/// Built from a scan with [`GateInput::from_report`]; the registry then fills the registry
/// context (`trusted_source`, `data_classes`, `previous`, `environment`). Serializable, so a
/// decision can be recorded with its input and replayed by [`crate::test_policies`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GateInput {
    /// Platform name (`n8n`, `forge`, ...); `unknown` when no adapter recognised the package.
    pub platform: String,
    pub name: String,
    pub version: String,
    /// Active findings per severity.
    pub findings: SeverityCounts,
    /// Active findings per category.
    pub categories: CategoryCounts,
    /// Active findings per rule id.
    pub rules: BTreeMap<String, u64>,
    /// Active findings per severity that may decide an outcome on their own: not hygiene,
    /// not informational, not in a test, fixture, example, documentation or locale file.
    pub deciding: SeverityCounts,
    /// Active findings per severity in test, fixture, example, documentation and locale
    /// files (hygiene excluded): these only ever send a package to review.
    pub incidental: SeverityCounts,
    /// Signals carried by those incidental findings.
    pub incidental_signals: BTreeSet<String>,
    // Deciding findings per signal (the finding's declared signals, never its rule id).
    pub malicious_dependencies: u64,
    /// Hard-coded secrets ([`Signal::HardCodedSecret`]).
    pub secrets: u64,
    /// Hard-coded secrets that are also [`Signal::VerifiedSecret`].
    pub verified_secrets: u64,
    pub undeclared_egress: u64,
    pub lifecycle_scripts: u64,
    pub download_execute: u64,
    pub native_binaries: u64,
    pub obfuscation: u64,
    pub install_time_execution: u64,
    pub exfiltration: u64,
    pub credential_harvesting: u64,
    /// Findings saying code was not analysed ([`Signal::UnanalysedCode`]), wherever they
    /// are: what was not analysed is never approved.
    pub unanalysed_code: u64,
    /// Hygiene findings: reported, never deciding.
    pub hygiene: u64,
    /// Capability kinds observed in the code (`network-egress`, `child-process`, ...).
    pub capabilities: BTreeSet<String>,
    /// Registry context: whether the source is trusted (`None` outside the registry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_source: Option<bool>,
    /// Registry context: data classes the extension touches (`pii`, `credentials`, ...).
    pub data_classes: BTreeSet<String>,
    /// Registry context: what this version adds over the previous one (`None` for a first
    /// version or outside the registry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<CapabilityDiff>,
    /// Registry context: the environment the decision is for (`dev`, `staging`, `prod`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The active findings behind the counts, for the reasons' evidence. Not seen by policies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<FindingRef>,
    /// The files behind [`GateInput::unanalysed_code`], for the reason's message (at most
    /// [`MAX_UNANALYSED_FILES`]). Not seen by policies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unanalysed: Vec<UnanalysedFile>,
}

impl GateInput {
    /// Derives the input from a scan report. Only active findings count (suppressed,
    /// waived and baseline-unchanged findings never fail the gate).
    pub fn from_report(report: &ScanReport) -> GateInput {
        let mut input = GateInput {
            platform: "unknown".to_string(),
            ..GateInput::default()
        };
        if let Some(ext) = &report.extension {
            input.platform = ext.platform.as_str().to_string();
            input.name = ext.name.clone();
            input.version = ext.version.clone().unwrap_or_default();
        }
        for f in report.findings.iter().filter(|f| f.is_active()) {
            input.add_finding(f);
        }
        for item in report.observed.iter() {
            if input.capabilities.len() >= MAX_SET_ITEMS {
                break;
            }
            input
                .capabilities
                .insert(item.capability.kind().to_string());
        }
        input
    }

    /// Counts one active finding (the caller decides what is active).
    pub fn add_finding(&mut self, f: &Finding) {
        self.findings.bump(f.severity);
        self.categories.bump(f.category);
        if let Some(n) = self.rules.get_mut(&f.rule_id) {
            *n = n.saturating_add(1);
        } else if self.rules.len() < MAX_SET_ITEMS {
            self.rules.insert(f.rule_id.clone(), 1);
        }
        let incidental = is_incidental_path(&f.location.path);
        let hygiene = f.has_signal(Signal::Hygiene);
        if hygiene {
            self.hygiene = self.hygiene.saturating_add(1);
        }
        // Not analysed is never approved, wherever the file is.
        if f.has_signal(Signal::UnanalysedCode) {
            self.unanalysed_code = self.unanalysed_code.saturating_add(1);
            if self.unanalysed.len() < MAX_UNANALYSED_FILES {
                self.unanalysed.push(UnanalysedFile {
                    path: f.location.path.clone(),
                    reason: f.message.clone(),
                });
            }
        }
        if !hygiene && incidental {
            self.incidental.bump(f.severity);
            for s in &f.signals {
                if *s != Signal::UnanalysedCode && self.incidental_signals.len() < MAX_SET_ITEMS {
                    self.incidental_signals.insert(s.as_str().to_string());
                }
            }
        }
        // Informational findings are inventory (e.g. egress on a platform that cannot
        // declare it) and hygiene is advice: neither decides.
        let deciding = !hygiene && !incidental && f.severity > Severity::Info;
        if deciding {
            self.deciding.bump(f.severity);
            for s in &f.signals {
                let slot = match s {
                    Signal::MaliciousDependency => &mut self.malicious_dependencies,
                    Signal::HardCodedSecret => &mut self.secrets,
                    Signal::VerifiedSecret if f.has_signal(Signal::HardCodedSecret) => {
                        &mut self.verified_secrets
                    }
                    Signal::UndeclaredEgress => &mut self.undeclared_egress,
                    Signal::LifecycleScript => &mut self.lifecycle_scripts,
                    Signal::DownloadExecute => &mut self.download_execute,
                    Signal::NativeBinary => &mut self.native_binaries,
                    Signal::Obfuscation => &mut self.obfuscation,
                    Signal::InstallTimeExecution => &mut self.install_time_execution,
                    Signal::Exfiltration => &mut self.exfiltration,
                    Signal::CredentialHarvesting => &mut self.credential_harvesting,
                    Signal::VerifiedSecret | Signal::UnanalysedCode | Signal::Hygiene => continue,
                };
                *slot = slot.saturating_add(1);
            }
        }
        if self.evidence.len() < MAX_EVIDENCE_FINDINGS {
            self.evidence.push(FindingRef {
                fingerprint: f.fingerprint.clone(),
                rule_id: f.rule_id.clone(),
                severity: f.severity,
                category: f.category,
                signals: f.signals.clone(),
                incidental,
            });
        }
    }

    /// Sets the previous-version diff from two capability sets and dependency name lists
    /// (a convenience for the registry): new hosts are egress hosts, new scopes data
    /// scopes, new processes child-process capabilities absent from `previous`.
    pub fn with_previous(
        mut self,
        previous: &portcullis_core::CapabilitySet,
        current: &portcullis_core::CapabilitySet,
        new_dependencies: u64,
    ) -> GateInput {
        let mut diff = CapabilityDiff {
            new_dependencies,
            ..CapabilityDiff::default()
        };
        let mut new_hosts = BTreeSet::new();
        for item in current.iter() {
            if previous.contains(&item.capability) {
                continue;
            }
            match &item.capability {
                Capability::NetworkEgress { host, .. } => {
                    // A host reached through another channel before is not new.
                    let known = previous.iter().any(|p| {
                        matches!(&p.capability, Capability::NetworkEgress { host: h, .. } if h == host)
                    });
                    if !known {
                        new_hosts.insert(host);
                    }
                }
                Capability::DataScope { .. } => {
                    diff.new_scopes = diff.new_scopes.saturating_add(1);
                }
                Capability::ChildProcess { .. } => {
                    diff.new_processes = diff.new_processes.saturating_add(1);
                }
                _ => {}
            }
        }
        diff.new_hosts = new_hosts.len() as u64;
        self.previous = Some(diff);
        self
    }
}
