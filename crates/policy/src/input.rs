//! The gate's input: what a scan report (and, in the registry, the catalog) says about one
//! extension version, reduced to counts and sets a policy can test.

use portcullis_core::{
    Capability, Category, Confidence, Finding, Fingerprint, ScanReport, Severity,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Most distinct rule ids, capability kinds or data classes passed to the policies; more is
/// not a real extension (and is cut, keeping the first in sorted order).
pub const MAX_SET_ITEMS: usize = 4096;
/// Most findings kept as evidence in a [`GateInput`].
pub const MAX_EVIDENCE_FINDINGS: usize = 100_000;

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

/// A supply-chain or secret signal the default policies test, recognised from a finding's
/// tags, properties or rule id (see [`Signal::of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signal {
    MaliciousDependency,
    /// Any hard-coded secret.
    Secret,
    /// A secret verified live, or detected with high confidence.
    VerifiedSecret,
    UndeclaredEgress,
    LifecycleScript,
    DownloadExecute,
    NativeBinary,
    Obfuscation,
}

impl Signal {
    pub const ALL: [Signal; 8] = [
        Signal::MaliciousDependency,
        Signal::Secret,
        Signal::VerifiedSecret,
        Signal::UndeclaredEgress,
        Signal::LifecycleScript,
        Signal::DownloadExecute,
        Signal::NativeBinary,
        Signal::Obfuscation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Signal::MaliciousDependency => "malicious-dependency",
            Signal::Secret => "secret",
            Signal::VerifiedSecret => "verified-secret",
            Signal::UndeclaredEgress => "undeclared-egress",
            Signal::LifecycleScript => "lifecycle-script",
            Signal::DownloadExecute => "download-execute",
            Signal::NativeBinary => "native-binary",
            Signal::Obfuscation => "obfuscation",
        }
    }

    pub fn parse(s: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The signals a finding carries.
    ///
    /// An analyzer states a signal exactly with a tag of the signal's name (`malicious`
    /// also works for [`Signal::MaliciousDependency`]), or a boolean property of the same
    /// name set to `true`. Without one, the signal is inferred from the category and the
    /// rule id, so findings of analyzers that predate the convention still count:
    /// a dependency finding tagged `malware` or whose rule id or advisory id says
    /// `malicious` / `MAL-` (`deps/malicious-package`), a capability finding whose rule id
    /// says `undeclared` and `egress`/`host`/`network` (`capability/undeclared-egress`), a
    /// supply-chain rule id naming `obfusc` (`supply-chain/obfuscated-code`),
    /// `binary`/`native-addon`/`prebuilt` (`supply-chain/native-binary`), `download` with
    /// `exec`/`run`/`install` (`supply-chain/install-script-download-exec`), or
    /// `install-script`/`lifecycle`.
    pub fn of(f: &Finding) -> Vec<Signal> {
        let mut out = Vec::new();
        let tagged = |name: &str| {
            f.tags.iter().any(|t| t.eq_ignore_ascii_case(name))
                || f.properties.get(name) == Some(&serde_json::Value::Bool(true))
        };
        let rule = f.rule_id.to_ascii_lowercase();
        let has = |needle: &str| rule.contains(needle);

        let malicious = tagged("malicious-dependency")
            || (f.category == Category::Dependency
                && (tagged("malicious")
                    || tagged("malware")
                    || has("malicious")
                    || has("malware")
                    || f.properties.values().any(mentions_mal_advisory)
                    || f.references.iter().any(|r| r.contains("/MAL-"))));
        if malicious {
            out.push(Signal::MaliciousDependency);
        }
        if f.category == Category::Secret || tagged("secret") {
            out.push(Signal::Secret);
            if tagged("verified-secret") || tagged("verified") || f.confidence == Confidence::High {
                out.push(Signal::VerifiedSecret);
            }
        }
        let supply = f.category == Category::SupplyChain;
        if tagged("undeclared-egress")
            || (f.category == Category::Capability
                && has("undeclared")
                && (has("egress") || has("host") || has("network")))
        {
            out.push(Signal::UndeclaredEgress);
        }
        if tagged("download-execute")
            || (supply && has("download") && (has("exec") || has("run") || has("install")))
        {
            out.push(Signal::DownloadExecute);
        }
        if tagged("lifecycle-script") || (supply && (has("install-script") || has("lifecycle"))) {
            out.push(Signal::LifecycleScript);
        }
        // Not `install-script-native-build`: compiling shipped C++ source is reviewable.
        if tagged("native-binary")
            || (supply && (has("binary") || has("native-addon") || has("prebuilt")))
        {
            out.push(Signal::NativeBinary);
        }
        if tagged("obfuscation") || tagged("obfuscated") || (supply && has("obfusc")) {
            out.push(Signal::Obfuscation);
        }
        out
    }
}

fn mentions_mal_advisory(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.starts_with("MAL-"),
        serde_json::Value::Array(a) => a
            .iter()
            .any(|x| matches!(x, serde_json::Value::String(s) if s.starts_with("MAL-"))),
        _ => false,
    }
}

/// One active finding, as much as the gate needs to cite it in a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRef {
    pub fingerprint: Fingerprint,
    pub rule_id: String,
    pub severity: Severity,
    pub category: Category,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<Signal>,
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
    pub malicious_dependencies: u64,
    pub secrets: u64,
    pub verified_secrets: u64,
    pub undeclared_egress: u64,
    pub lifecycle_scripts: u64,
    pub download_execute: u64,
    pub native_binaries: u64,
    pub obfuscation: u64,
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
        let signals = Signal::of(f);
        for s in &signals {
            let slot = match s {
                Signal::MaliciousDependency => &mut self.malicious_dependencies,
                Signal::Secret => &mut self.secrets,
                Signal::VerifiedSecret => &mut self.verified_secrets,
                Signal::UndeclaredEgress => &mut self.undeclared_egress,
                Signal::LifecycleScript => &mut self.lifecycle_scripts,
                Signal::DownloadExecute => &mut self.download_execute,
                Signal::NativeBinary => &mut self.native_binaries,
                Signal::Obfuscation => &mut self.obfuscation,
            };
            *slot = slot.saturating_add(1);
        }
        if self.evidence.len() < MAX_EVIDENCE_FINDINGS {
            self.evidence.push(FindingRef {
                fingerprint: f.fingerprint.clone(),
                rule_id: f.rule_id.clone(),
                severity: f.severity,
                category: f.category,
                signals,
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
