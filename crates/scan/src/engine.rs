//! Wires the concrete crates (ingest, adapters, analyzers, capability checks, policy) into a
//! [`Pipeline`]. The only module of this crate that knows them by name.

use crate::config::Config;
use crate::gate::{GateEvaluator, ThresholdGate};
use crate::pipeline::Pipeline;
use crate::triage::Baseline;
use crate::{ScanError, ScanOptions};
use portcullis_core::{Analyzer, Notice, Package, Severity};
use std::collections::BTreeMap;
use std::path::Path;

/// The default failing threshold when neither a policy nor `--fail-on` decides.
pub const DEFAULT_FAIL_ON: Severity = Severity::High;

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

pub(crate) fn build(config: Config, options: &ScanOptions) -> Result<Pipeline, ScanError> {
    let properties = BTreeMap::new();
    let setup_notices = Vec::new();
    let analyzers: Vec<Box<dyn Analyzer>> = Vec::new();

    let baseline = options
        .baseline
        .as_deref()
        .map(Baseline::load)
        .transpose()?;
    let threshold = ThresholdGate {
        threshold: options
            .fail_on
            .or(config.scan.fail_on)
            .unwrap_or(DEFAULT_FAIL_ON),
    };
    let gate: Box<dyn GateEvaluator> = Box::new(threshold);
    let allow_inline_suppressions =
        config.scan.allow_inline_suppressions && !options.forbid_inline_suppressions;
    Ok(Pipeline {
        config,
        analyzers,
        detector: None,
        checker: None,
        gate,
        fail_on_override: None,
        allow_inline_suppressions,
        baseline,
        properties,
        setup_notices,
    })
}
