//! Wires the concrete crates (ingest, adapters, analyzers, capability checks, policy) into a
//! [`Pipeline`]. The only module of this crate that knows them by name.

use crate::config::Config;
use crate::gate::{GateError, GateEvaluator, ThresholdGate};
use crate::pipeline::{CapabilityChecker, DetectOutput, ExtensionDetector, Pipeline};
use crate::triage::Baseline;
use crate::{ScanError, ScanOptions};
use portcullis_core::{
    Analyzer, CapabilitySet, Component, Decision, Extension, Finding, Notice, NoticeLevel, Package,
    RuleMeta, ScanReport, VULNDB_STATUS_PROPERTY, VulnDbStatus,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub(crate) struct IngestSettings {
    limits: portcullis_ingest::Limits,
}

pub(crate) fn ingest_settings(config: &Config) -> Result<IngestSettings, ScanError> {
    Ok(IngestSettings {
        limits: config.section("ingest", &config.ingest)?,
    })
}

pub(crate) fn load(
    path: &Path,
    settings: &IngestSettings,
) -> Result<(Package, Vec<Notice>), ScanError> {
    portcullis_ingest::load_with_notices(path, &settings.limits)
        .map_err(|e| ScanError::Input(e.to_string()))
}

struct Adapters {
    generic: Option<portcullis_adapters::GenericManifest>,
}

impl ExtensionDetector for Adapters {
    fn detect(&self, package: &Package) -> DetectOutput {
        let out = portcullis_adapters::detect(package, self.generic.as_ref());
        DetectOutput {
            extension: out.extension,
            findings: out.findings,
            notices: out.notices,
        }
    }
    fn rules(&self) -> Vec<RuleMeta> {
        portcullis_adapters::rules()
            .iter()
            .map(|r| r.meta())
            .collect()
    }
}

struct Capabilities {
    config: portcullis_capabilities::Config,
}

impl CapabilityChecker for Capabilities {
    fn check(
        &self,
        extension: Option<&Extension>,
        observed: &CapabilitySet,
        components: &[Component],
    ) -> Vec<Finding> {
        portcullis_capabilities::check(extension, observed, components, &self.config)
    }
    fn rules(&self) -> Vec<RuleMeta> {
        portcullis_capabilities::rules()
            .iter()
            .map(|r| r.meta())
            .collect()
    }
}

struct PolicyGate {
    gate: portcullis_policy::Gate,
}

impl GateEvaluator for PolicyGate {
    fn evaluate(&self, report: &ScanReport) -> Result<Decision, GateError> {
        let input = portcullis_policy::GateInput::from_report(report);
        self.gate
            .evaluate(&input)
            .map_err(|e| GateError::Policy(Box::new(e)))
    }
}

/// Opens the vulnerability database, if there is one, and records what the scan used as a
/// typed [`VulnDbStatus`] in the report properties. A missing database is not an error (the
/// reports say so); a corrupt one is reported and skipped.
fn open_db(
    options: &ScanOptions,
    max_age_days: u32,
    notices: &mut Vec<Notice>,
    properties: &mut BTreeMap<String, serde_json::Value>,
) -> Option<Arc<portcullis_vulndb::VulnDb>> {
    let (status, db) = match options
        .db_dir
        .clone()
        .or_else(portcullis_vulndb::VulnDb::default_dir)
    {
        Some(dir) if dir.join(portcullis_vulndb::DB_FILE_NAME).exists() => {
            match portcullis_vulndb::VulnDb::open(&dir) {
                Ok(db) => {
                    let meta = db.meta();
                    let (path, updated, advisories) = (
                        dir.display().to_string(),
                        meta.updated_at_rfc3339(),
                        db.len() as u64,
                    );
                    let status = if meta.is_stale(max_age_days) {
                        VulnDbStatus::Stale {
                            path,
                            updated,
                            advisories,
                            age_days: meta.age_days(),
                            max_age_days,
                        }
                    } else {
                        VulnDbStatus::Current {
                            path,
                            updated,
                            advisories,
                        }
                    };
                    (status, Some(Arc::new(db)))
                }
                Err(e) => {
                    notices.push(Notice {
                        kind: portcullis_core::NoticeKind::General,
                        level: NoticeLevel::Warning,
                        path: None,
                        message: format!(
                            "vulnerability database at {} cannot be read ({e}); dependencies are not checked against advisories",
                            dir.display()
                        ),
                    });
                    (
                        VulnDbStatus::Unreadable {
                            path: dir.display().to_string(),
                            error: e.to_string(),
                        },
                        None,
                    )
                }
            }
        }
        _ => (VulnDbStatus::Missing, None),
    };
    if let Ok(v) = serde_json::to_value(&status) {
        properties.insert(VULNDB_STATUS_PROPERTY.into(), v);
    }
    db
}

pub(crate) fn build(config: Config, options: &ScanOptions) -> Result<Pipeline, ScanError> {
    let mut properties = BTreeMap::new();
    let mut setup_notices = Vec::new();
    if let Some(path) = &config.source {
        properties.insert(
            "config".into(),
            serde_json::Value::String(path.display().to_string()),
        );
    }
    let setup = |what: &str, e: &dyn std::fmt::Display| {
        ScanError::Config(crate::ConfigError::Parse {
            path: config
                .source
                .clone()
                .unwrap_or_else(|| crate::config::CONFIG_FILE.into()),
            message: format!("{what}: {e}"),
        })
    };

    let mut analyzers: Vec<Box<dyn Analyzer>> = Vec::new();
    analyzers.push(Box::new(portcullis_supply_chain::SupplyChainAnalyzer::new(
        config.section("supply-chain", &config.supply_chain)?,
    )));
    // Malware behaviours, and the code lifecycle scripts run, analysed as install-time code.
    analyzers.push(Box::new(portcullis_behaviour::BehaviourAnalyzer::new()));

    let mut js: portcullis_js::Config = config.section("js", &config.js)?;
    js.base_dir = config
        .source
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf);
    let js_max = js.max_file_bytes as u64;
    analyzers.push(Box::new(crate::unanalysed::SizeLimited {
        inner: portcullis_js::JsAnalyzer::new(js).map_err(|e| setup("[js]", &e))?,
        max_bytes: js_max,
        setting: "[js] max-file-bytes",
    }));

    // Forge scopes and PCF features the code needs, for the capability checks.
    analyzers.push(Box::new(portcullis_adapters::ScopeAnalyzer::new()));

    let mut secrets: portcullis_secrets::Config = config.section("secrets", &config.secrets)?;
    secrets.verify |= options.verify_secrets;
    let secrets_max = secrets.max_file_bytes;
    let secrets = Arc::new(
        portcullis_secrets::SecretsAnalyzer::new(secrets).map_err(|e| setup("[secrets]", &e))?,
    );
    analyzers.push(Box::new(crate::unanalysed::SizeLimited {
        inner: Shared(Arc::clone(&secrets)),
        max_bytes: secrets_max,
        setting: "[secrets] max-file-bytes",
    }));
    let history: Option<Box<crate::pipeline::HistoryFn>> = options.history.then(|| {
        Box::new(move |repo: &Path| {
            secrets
                .scan_history(repo)
                .map_err(|e| crate::pipeline::HistoryError {
                    path: repo.to_path_buf(),
                    source: Box::new(e),
                })
        }) as Box<crate::pipeline::HistoryFn>
    });

    let deps: portcullis_deps::Config = config.section("deps", &config.deps)?;
    let db = open_db(
        options,
        deps.max_db_age_days,
        &mut setup_notices,
        &mut properties,
    );
    analyzers.push(Box::new(portcullis_deps::DepsAnalyzer::new(deps, db)));

    if options.dynamic {
        analyzers.push(Box::new(portcullis_dynamic::DynamicAnalyzer::default()));
    }

    let generic: Option<portcullis_adapters::GenericManifest> = match &config.extension {
        Some(_) => Some(config.section("extension", &config.extension)?),
        None => None,
    };
    let detector: Box<dyn ExtensionDetector> = Box::new(Adapters { generic });
    let checker: Box<dyn CapabilityChecker> = Box::new(Capabilities {
        config: config.section("capabilities", &config.capabilities)?,
    });

    let policy_dir = options
        .policy_dir
        .clone()
        .or_else(|| config.policy.dir.clone());
    let gate = match &policy_dir {
        Some(dir) => portcullis_policy::Gate::from_dir(dir),
        None => portcullis_policy::Gate::default_policies(),
    }
    .map_err(|e| match &policy_dir {
        Some(dir) => ScanError::Input(format!("policy set {}: {e}", dir.display())),
        None => ScanError::Setup(format!("built-in policy set: {e}")),
    })?;
    let gate: Box<dyn GateEvaluator> = Box::new(PolicyGate { gate });
    let fail_on_override = options
        .fail_on
        .or(config.scan.fail_on)
        .map(|threshold| ThresholdGate { threshold });

    let baseline = options
        .baseline
        .as_deref()
        .map(Baseline::load)
        .transpose()?;
    let allow_inline_suppressions =
        config.scan.allow_inline_suppressions && !options.forbid_inline_suppressions;
    Ok(Pipeline {
        config,
        analyzers,
        detector: Some(detector),
        checker: Some(checker),
        gate,
        fail_on_override,
        allow_inline_suppressions,
        baseline,
        properties,
        setup_notices,
        history,
        rule_cache: Default::default(),
    })
}

/// An analyzer shared with another part of the pipeline (the secrets analyzer also scans
/// git history).
struct Shared<A>(Arc<A>);

impl<A: Analyzer> Analyzer for Shared<A> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn rules(&self) -> Vec<RuleMeta> {
        self.0.rules()
    }
    fn wants(&self, file: &portcullis_core::SourceFile) -> bool {
        self.0.wants(file)
    }
    fn analyze_file(
        &self,
        file: &portcullis_core::SourceFile,
        cx: &portcullis_core::Context<'_>,
    ) -> portcullis_core::Output {
        self.0.analyze_file(file, cx)
    }
    fn analyze_package(&self, cx: &portcullis_core::Context<'_>) -> portcullis_core::Output {
        self.0.analyze_package(cx)
    }
}
