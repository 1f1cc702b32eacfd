//! The pipeline proper: analyzers in parallel over the files of one package, then capability
//! checks, triage and the gate. Generic over its parts so it can be tested with fakes.

use crate::config::Config;
use crate::gate::GateEvaluator;
use crate::triage::{self, Baseline};
use portcullis_core::rule::Rule;
use portcullis_core::{
    Analyzer, CapabilitySet, Component, Context, Decision, Extension, Finding, Notice, NoticeLevel,
    Output, Package, REPORT_SCHEMA_VERSION, RuleMeta, ScanReport, ScanStats, TargetInfo, ToolInfo,
};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Recognises the extension's platform and reads its manifest.
pub trait ExtensionDetector: Send + Sync {
    fn detect(&self, package: &Package) -> DetectOutput;
    fn rules(&self) -> Vec<RuleMeta>;
}

#[derive(Debug, Default)]
pub struct DetectOutput {
    pub extension: Option<Extension>,
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
}

/// Compares what the extension declares with what the analyzers observed.
pub trait CapabilityChecker: Send + Sync {
    fn check(
        &self,
        extension: Option<&Extension>,
        observed: &CapabilitySet,
        components: &[Component],
    ) -> Vec<Finding>;
    fn rules(&self) -> Vec<RuleMeta>;
}

/// Progress of a scan, for a progress bar.
pub type ProgressFn<'a> = dyn Fn(usize, usize) + Send + Sync + 'a;

pub struct Pipeline {
    pub config: Config,
    pub analyzers: Vec<Box<dyn Analyzer>>,
    pub detector: Option<Box<dyn ExtensionDetector>>,
    pub checker: Option<Box<dyn CapabilityChecker>>,
    pub gate: Box<dyn GateEvaluator>,
    /// Explicit `--fail-on`: overrides the gate's pass/fail with a severity threshold.
    pub fail_on_override: Option<crate::gate::ThresholdGate>,
    pub allow_inline_suppressions: bool,
    pub baseline: Option<Baseline>,
    /// Facts recorded in every report (vulnerability database date, config path, …).
    pub properties: BTreeMap<String, serde_json::Value>,
    /// Notices from building the pipeline (stale database, …), added to every report.
    pub setup_notices: Vec<Notice>,
    /// Scans the git history of a working directory (`--history`), when requested.
    pub history: Option<Box<HistoryFn>>,
    /// [`Pipeline::all_rules`], computed on first use (`Default::default()` to build).
    pub rule_cache: std::sync::OnceLock<Vec<Rule>>,
}

/// Finds secrets in every commit of the repository at a path.
pub type HistoryFn = dyn Fn(&std::path::Path) -> Result<Vec<Finding>, HistoryError> + Send + Sync;

/// The git history of a directory could not be scanned.
#[derive(Debug, thiserror::Error)]
#[error("cannot scan the git history of {}: {source}", path.display())]
pub struct HistoryError {
    pub path: std::path::PathBuf,
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl Pipeline {
    /// Every rule any part of the pipeline can report: the registry's declared rules
    /// ([`crate::rules::builtin`]) plus rules only an analyzer knows (legacy metadata, a
    /// configuration's own rules). Built once per pipeline.
    pub fn all_rules(&self) -> &[Rule] {
        self.rule_cache.get_or_init(|| {
            let mut rules = crate::rules::builtin();
            let mut extra: Vec<RuleMeta> = self.analyzers.iter().flat_map(|a| a.rules()).collect();
            if let Some(d) = &self.detector {
                extra.extend(d.rules());
            }
            if let Some(c) = &self.checker {
                extra.extend(c.rules());
            }
            let known: std::collections::HashSet<String> =
                rules.iter().map(|r| r.id.to_string()).collect();
            rules.extend(
                extra
                    .into_iter()
                    .filter(|m| !known.contains(&m.id))
                    .map(crate::rules::from_meta),
            );
            rules.sort_by(|a, b| a.id.cmp(&b.id));
            rules.dedup_by(|a, b| a.id == b.id);
            rules
        })
    }

    pub fn run(&self, package: &Package, progress: Option<&ProgressFn<'_>>) -> ScanReport {
        self.run_with(package, Vec::new(), progress)
    }

    /// [`Pipeline::run`] plus findings produced outside the per-file analysis (the git
    /// history scan), which go through the same triage and gate.
    pub fn run_with(
        &self,
        package: &Package,
        extra: Vec<Finding>,
        progress: Option<&ProgressFn<'_>>,
    ) -> ScanReport {
        // On the analysis threads: their stack size is known, the caller's is not.
        match crate::unanalysed::analysis_pool() {
            Some(pool) => pool.install(|| self.run_here(package, extra, progress)),
            None => self.run_here(package, extra, progress),
        }
    }

    fn run_here(
        &self,
        package: &Package,
        extra: Vec<Finding>,
        progress: Option<&ProgressFn<'_>>,
    ) -> ScanReport {
        let started = Instant::now();
        let mut notices = self.setup_notices.clone();
        let detected = match &self.detector {
            Some(d) => {
                guarded("adapters", None, &mut notices, || d.detect(package)).unwrap_or_default()
            }
            None => DetectOutput::default(),
        };
        notices.extend(detected.notices);
        let extension = detected.extension;
        let cx = Context {
            package,
            extension: extension.as_ref(),
        };

        let excluded = exclusion_matcher(&self.config, &mut notices);
        let files: Vec<usize> = (0..package.files.len())
            .filter(|&i| {
                !excluded
                    .as_ref()
                    .is_some_and(|m| m.is_match(&package.files[i].path))
            })
            .collect();

        // Work items: every (analyzer, file) pair it wants, plus one package pass each.
        let mut tasks: Vec<(usize, Option<usize>)> = Vec::new();
        for (ai, analyzer) in self.analyzers.iter().enumerate() {
            tasks.push((ai, None));
            for &fi in &files {
                if analyzer.wants(&package.files[fi]) {
                    tasks.push((ai, Some(fi)));
                }
            }
        }
        let analyzed_files: std::collections::HashSet<usize> =
            tasks.iter().filter_map(|t| t.1).collect();
        let total = tasks.len();
        let done = AtomicUsize::new(0);
        let results: Vec<(usize, u64, Output, Vec<Notice>)> = tasks
            .par_iter()
            .map(|&(ai, fi)| {
                let analyzer = &self.analyzers[ai];
                let t = Instant::now();
                let mut local = Vec::new();
                let path = fi.map(|i| package.files[i].path.as_str());
                let out = guarded(analyzer.name(), path, &mut local, || match fi {
                    Some(i) => analyzer.analyze_file(&package.files[i], &cx),
                    None => analyzer.analyze_package(&cx),
                })
                .unwrap_or_default();
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if let Some(p) = progress {
                    p(n, total);
                }
                (ai, t.elapsed().as_micros() as u64, out, local)
            })
            .collect();

        let mut merged = Output::default();
        let mut analyzer_us: BTreeMap<String, u64> = BTreeMap::new();
        for (ai, micros, out, local) in results {
            *analyzer_us
                .entry(self.analyzers[ai].name().to_string())
                .or_default() += micros;
            merged.merge(out);
            notices.extend(local);
        }
        // Analyzers' own notices (a file skipped, a limit hit) belong in the report too.
        notices.append(&mut merged.notices);
        let mut findings = detected.findings;
        findings.append(&mut merged.findings);
        findings.extend(extra);
        // Before the capability check: a crash there is recorded below, after this point.
        findings.extend(crate::unanalysed::findings(&notices));
        let mut components = merged.components;
        components.sort_by(|a, b| {
            (&a.name, &a.version, &a.found_in).cmp(&(&b.name, &b.version, &b.found_in))
        });
        components.dedup_by(|a, b| {
            a.name == b.name && a.version == b.version && a.ecosystem == b.ecosystem
        });

        if let Some(checker) = &self.checker {
            let t = Instant::now();
            let mut local = Vec::new();
            let found = guarded("capabilities", None, &mut local, || {
                checker.check(extension.as_ref(), &merged.observed, &components)
            })
            .unwrap_or_default();
            findings.extend(found);
            findings.extend(crate::unanalysed::findings(&local));
            notices.extend(local);
            analyzer_us.insert("capabilities".into(), t.elapsed().as_micros() as u64);
        }

        triage::select(&mut findings, &self.config);
        notices.extend(triage::triage(
            &mut findings,
            package,
            &self.config,
            self.allow_inline_suppressions,
            self.baseline.as_ref(),
        ));
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

        let used: std::collections::BTreeSet<&str> =
            findings.iter().map(|f| f.rule_id.as_str()).collect();
        let rules = self
            .all_rules()
            .iter()
            .filter(|r| used.contains(r.id()))
            .map(Rule::meta)
            .collect();

        notices.sort_by(|a, b| (b.level, &a.path).cmp(&(a.level, &b.path)));
        let mut report = ScanReport {
            schema_version: REPORT_SCHEMA_VERSION.to_string(),
            tool: ToolInfo {
                name: "portcullis".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            target: TargetInfo {
                source: package.source.clone(),
                origin: package.origin,
                sha256: package.sha256.clone(),
                files: package.files.len(),
                bytes: package.total_bytes(),
            },
            extension,
            findings,
            observed: merged.observed,
            components,
            decision: Decision::approve(),
            rules,
            notices,
            properties: self.properties.clone(),
            stats: ScanStats {
                duration_ms: 0,
                files_analyzed: analyzed_files.len(),
                analyzer_ms: analyzer_us
                    .into_iter()
                    .map(|(k, us)| (k, us / 1000))
                    .collect(),
            },
        };
        report.decision = match self.gate.evaluate(&report) {
            Ok(d) => d,
            Err(e) => {
                report.notices.push(Notice {
                    kind: portcullis_core::NoticeKind::General,
                    level: NoticeLevel::Error,
                    path: None,
                    message: format!("policy evaluation failed, rejecting to stay safe: {e}"),
                });
                let mut d = Decision::approve();
                d.push(portcullis_core::Reason {
                    policy: "policy-error".into(),
                    outcome: portcullis_core::Outcome::Reject,
                    message: format!("the gate policy could not be evaluated: {e}"),
                    remediation: Some("Fix the policy set (`portcullis policy validate`).".into()),
                    findings: vec![],
                });
                d
            }
        };
        if let Some(threshold) = &self.fail_on_override {
            let by_threshold = threshold.decide(&report.findings);
            report.properties.insert(
                "gate.policy-outcome".into(),
                serde_json::Value::String(report.decision.outcome.to_string()),
            );
            report.decision = by_threshold;
        }
        report.stats.duration_ms = started.elapsed().as_millis() as u64;
        report
    }
}

fn exclusion_matcher(config: &Config, notices: &mut Vec<Notice>) -> Option<globset::GlobSet> {
    if config.scan.exclude.is_empty() {
        return None;
    }
    let mut b = globset::GlobSetBuilder::new();
    for pattern in &config.scan.exclude {
        match globset::Glob::new(pattern) {
            Ok(g) => {
                b.add(g);
            }
            Err(e) => notices.push(Notice {
                kind: portcullis_core::NoticeKind::General,
                level: NoticeLevel::Error,
                path: None,
                message: format!("[scan] exclude pattern `{pattern}` is invalid: {e}"),
            }),
        }
    }
    b.build().ok()
}

/// Runs `f`, turning a panic into an error notice: one analyzer's bug on one file must not
/// lose the rest of the scan. The CLI exits with the internal-error code when any is seen.
fn guarded<T>(
    what: &str,
    path: Option<&str>,
    notices: &mut Vec<Notice>,
    f: impl FnOnce() -> T,
) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            notices.push(Notice {
                kind: portcullis_core::NoticeKind::InternalError,
                level: NoticeLevel::Error,
                path: path.map(str::to_string),
                message: format!("{INTERNAL_ERROR_PREFIX} in {what}: {msg}"),
            });
            None
        }
    }
}

/// Prefix of the message of the notice recorded when an analyzer crashed (its kind is
/// [`portcullis_core::NoticeKind::InternalError`]; the text is for people).
pub const INTERNAL_ERROR_PREFIX: &str = "internal error";

/// Whether a report records an analyzer crash.
pub fn had_internal_error(report: &ScanReport) -> bool {
    report
        .notices
        .iter()
        .any(|n| n.kind == portcullis_core::NoticeKind::InternalError)
}
