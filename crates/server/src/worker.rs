//! The scan worker pool: takes jobs from the database queue, scans the stored artifact,
//! stores findings and the decision.
//!
//! Workers hold a lease on their job and renew it while the scan runs; a worker (or the
//! whole process) that dies leaves the lease to expire and another worker — in this
//! process or another machine — retries the job. Scans run on blocking threads and never
//! execute package code (the scanner is static analysis).

use crate::AppState;
use portcullis_capabilities::CapabilityManifest;
use portcullis_core::{Decision, Outcome, Reason, ScanReport, Severity};
use portcullis_registry::{DOC_CAPABILITY_MANIFEST, DOC_SBOM, ScanJob, ScanResult, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Scans one uploaded package. The CLI wires this to `portcullis_scan::scan_path` plus the
/// policy gate; tests use a fake.
pub trait Scanner: Send + Sync {
    /// `path` is the artifact as uploaded (a `.tgz` or `.zip`), in a private temp dir.
    fn scan(&self, path: &Path) -> Result<ScanReport, String>;

    /// [`Scanner::scan`], saying whether a failure killed the process that scanned (see
    /// [`crate::isolation::ChildScanner`]). The worker retries such a job at most once.
    fn scan_job(&self, path: &Path) -> Result<ScanReport, ScanFailure> {
        self.scan(path).map_err(ScanFailure::Error)
    }
}

/// How a scan failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanFailure {
    /// The scan ended with an error (a refused archive, a bad configuration): retried
    /// while the job has attempts left.
    #[error("{0}")]
    Error(String),
    /// The process doing the scan died — a signal, a resource limit, the deadline. A job
    /// that does this twice is poison and fails for good.
    #[error("{0}")]
    Crashed(String),
}

/// A scanner whose setup (rules, policies, vulnerability database: far more work than most
/// scans) is built once and reused until one of its input files changes on disk.
///
/// `inputs` are files or directories (walked, bounded); their modification times and sizes
/// are compared before every job with a few `stat` calls. `db update` / `db import` replace
/// the database file and a policy edit rewrites a policy file, so either causes a rebuild
/// before the next job. A failed rebuild fails that job (retried later) and keeps nothing.
pub struct CachedScanner<S> {
    inputs: Vec<PathBuf>,
    build: Box<dyn Fn() -> Result<S, String> + Send + Sync>,
    built: Mutex<Option<(InputsStamp, Arc<S>)>>,
    builds: AtomicU64,
}

/// Modification time and size (or absence) of every input file.
type InputsStamp = Vec<(PathBuf, Option<(SystemTime, u64)>)>;

/// Most files looked at under one input directory: a policy directory has a handful.
const MAX_STAMPED_FILES: usize = 2000;

fn stamp_of(path: &Path, out: &mut InputsStamp, depth: u32) {
    let meta = std::fs::metadata(path).ok();
    if let Some(m) = &meta
        && m.is_dir()
    {
        if depth < 4
            && let Ok(entries) = std::fs::read_dir(path)
        {
            let mut names: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .take(MAX_STAMPED_FILES)
                .collect();
            names.sort();
            for p in names {
                if out.len() >= MAX_STAMPED_FILES {
                    break;
                }
                stamp_of(&p, out, depth + 1);
            }
        }
        return;
    }
    out.push((
        path.to_path_buf(),
        meta.map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len())),
    ));
}

impl<S: Scanner> CachedScanner<S> {
    pub fn new(
        inputs: Vec<PathBuf>,
        build: impl Fn() -> Result<S, String> + Send + Sync + 'static,
    ) -> CachedScanner<S> {
        CachedScanner {
            inputs,
            build: Box::new(build),
            built: Mutex::new(None),
            builds: AtomicU64::new(0),
        }
    }

    /// How many times the scanner was built (for tests and benchmarks).
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    /// The scanner for the inputs as they are now, built only if they changed.
    pub fn current(&self) -> Result<Arc<S>, String> {
        let mut stamp = Vec::new();
        for p in &self.inputs {
            stamp_of(p, &mut stamp, 0);
        }
        // Held while building, so concurrent workers build once, not once each.
        let mut built = self
            .built
            .lock()
            .map_err(|_| "the scanner cache lock is poisoned".to_string())?;
        if let Some((s, scanner)) = built.as_ref()
            && *s == stamp
        {
            return Ok(scanner.clone());
        }
        *built = None;
        let started = Instant::now();
        let scanner = Arc::new((self.build)()?);
        self.builds.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            build_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "built the scan pipeline (first job, or its database, policies or configuration changed)"
        );
        *built = Some((stamp, scanner.clone()));
        Ok(scanner)
    }
}

impl<S: Scanner> Scanner for CachedScanner<S> {
    fn scan(&self, path: &Path) -> Result<ScanReport, String> {
        self.current()?.scan(path)
    }

    fn scan_job(&self, path: &Path) -> Result<ScanReport, ScanFailure> {
        self.current().map_err(ScanFailure::Error)?.scan_job(path)
    }
}

/// How long a job may run before another worker may take it, unless renewed (default).
pub const LEASE_MS: i64 = 120_000;

/// Timing of the scan workers. Defaults suit one machine; set them with the
/// `PORTCULLIS_WORKER_*` environment variables ([`WorkerConfig::from_env`]) or the
/// `[worker]` table of the serve configuration.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct WorkerConfig {
    /// A job's lease (ms): how long after a worker died another one may take the job. It is
    /// renewed every third of this while the scan runs. `PORTCULLIS_WORKER_LEASE_MS`.
    pub lease_ms: u64,
    /// How often an idle worker looks at the queue (ms); a submission to this process wakes
    /// it at once, one to another process is seen within this. `PORTCULLIS_WORKER_POLL_MS`.
    pub poll_ms: u64,
    /// Pause after the database failed to answer (ms). `PORTCULLIS_WORKER_ERROR_BACKOFF_MS`.
    pub error_backoff_ms: u64,
    /// A failed scan attempt is retried no sooner than this (ms), doubled with each attempt
    /// (capped at 32×). `PORTCULLIS_WORKER_RETRY_BACKOFF_MS`.
    pub retry_backoff_ms: u64,
}

impl Default for WorkerConfig {
    fn default() -> WorkerConfig {
        WorkerConfig {
            lease_ms: LEASE_MS as u64,
            poll_ms: 1000,
            error_backoff_ms: 2000,
            retry_backoff_ms: 5000,
        }
    }
}

impl WorkerConfig {
    /// Overrides from `PORTCULLIS_WORKER_LEASE_MS`, `_POLL_MS`, `_ERROR_BACKOFF_MS` and
    /// `_RETRY_BACKOFF_MS`. A value that is not a number is an error naming the variable.
    pub fn from_env(mut self) -> Result<WorkerConfig, String> {
        for (var, field) in [
            ("PORTCULLIS_WORKER_LEASE_MS", &mut self.lease_ms),
            ("PORTCULLIS_WORKER_POLL_MS", &mut self.poll_ms),
            (
                "PORTCULLIS_WORKER_ERROR_BACKOFF_MS",
                &mut self.error_backoff_ms,
            ),
            (
                "PORTCULLIS_WORKER_RETRY_BACKOFF_MS",
                &mut self.retry_backoff_ms,
            ),
        ] {
            if let Ok(v) = std::env::var(var) {
                *field = v
                    .trim()
                    .parse()
                    .map_err(|e| format!("{var}={v}: not a number of milliseconds ({e})"))?;
            }
        }
        if self.lease_ms < 1000 {
            return Err(format!(
                "worker lease of {} ms is too short: a scan would be taken over while it runs (minimum 1000)",
                self.lease_ms
            ));
        }
        Ok(self)
    }

    fn lease(&self) -> i64 {
        i64::try_from(self.lease_ms).unwrap_or(i64::MAX)
    }

    /// Backoff before attempt `attempts + 1`, after `attempts` failed.
    fn retry_after(&self, attempts: i64) -> i64 {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 5)).unwrap_or(5);
        i64::try_from(self.retry_backoff_ms.saturating_mul(1 << doublings)).unwrap_or(i64::MAX)
    }
}

/// Spawns `n` workers with the default timing. They stop when `shutdown` fires.
pub fn spawn_workers(
    state: &AppState,
    scanner: Arc<dyn Scanner>,
    n: usize,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    spawn_workers_with(state, scanner, n, &WorkerConfig::default(), shutdown)
}

/// Spawns `n` workers. They stop when `shutdown` fires.
pub fn spawn_workers_with(
    state: &AppState,
    scanner: Arc<dyn Scanner>,
    n: usize,
    timing: &WorkerConfig,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    (0..n)
        .map(|i| {
            let state = state.clone();
            let scanner = scanner.clone();
            let timing = timing.clone();
            let mut shutdown = shutdown.clone();
            let id = format!("{host}:{}:{i}", std::process::id());
            tokio::spawn(async move {
                loop {
                    if *shutdown.borrow() {
                        return;
                    }
                    match state.store.claim_job(&id, timing.lease()).await {
                        Ok(Some(job)) => {
                            run_job_with(&state.store, scanner.clone(), &id, job, &timing).await
                        }
                        Ok(None) => {
                            tokio::select! {
                                _ = state.job_notify.notified() => {}
                                _ = tokio::time::sleep(Duration::from_millis(timing.poll_ms.max(10))) => {}
                                _ = shutdown.changed() => {}
                            }
                        }
                        Err(e) => {
                            tracing::warn!(worker = %id, error = %e, "claiming a job failed");
                            tokio::time::sleep(Duration::from_millis(timing.error_backoff_ms))
                                .await;
                        }
                    }
                }
            })
        })
        .collect()
}

/// Picks a file name the scanner recognises from the archive's magic bytes.
fn artifact_file_name(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        "package.tgz"
    } else if bytes.starts_with(b"PK\x03\x04") {
        "package.zip"
    } else {
        "package.tar"
    }
}

/// Runs one job to completion or failure with the default lease; a failed attempt may be
/// retried at once (no backoff: for callers that drive the queue themselves).
pub async fn run_job(store: &Store, scanner: Arc<dyn Scanner>, worker: &str, job: ScanJob) {
    let timing = WorkerConfig {
        retry_backoff_ms: 0,
        ..WorkerConfig::default()
    };
    run_job_with(store, scanner, worker, job, &timing).await
}

/// Runs one job to completion or failure.
pub async fn run_job_with(
    store: &Store,
    scanner: Arc<dyn Scanner>,
    worker: &str,
    job: ScanJob,
    timing: &WorkerConfig,
) {
    let key = job.version.key();
    tracing::info!(worker, job = job.id, version = %key, attempt = job.attempts, "scanning");
    let outcome = scan_job(store, scanner, worker, &job, timing.lease()).await;
    let stored = match outcome {
        Ok(result) => store.complete_job(job.id, worker, &result).await.map(|d| {
            tracing::info!(worker, job = job.id, version = %key, outcome = %d.outcome, "scan stored");
        }),
        Err(ScanFailure::Crashed(why)) => {
            tracing::warn!(worker, job = job.id, version = %key, reason = %why, "the scan killed its process");
            store
                .record_scan_crash(job.id, worker, &why, timing.retry_after(job.attempts))
                .await
                .map(|poisoned| {
                    if poisoned {
                        tracing::warn!(worker, job = job.id, version = %key, "poison job: failed for good");
                    }
                })
        }
        Err(ScanFailure::Error(e)) => {
            tracing::warn!(worker, job = job.id, version = %key, error = %e, "scan failed");
            store
                .fail_job_retry_after(job.id, worker, &e, timing.retry_after(job.attempts))
                .await
        }
    };
    if let Err(e) = stored {
        tracing::warn!(worker, job = job.id, error = %e, "could not record the scan result");
    }
}

async fn scan_job(
    store: &Store,
    scanner: Arc<dyn Scanner>,
    worker: &str,
    job: &ScanJob,
    lease_ms: i64,
) -> Result<ScanResult, ScanFailure> {
    let e = ScanFailure::Error;
    let bytes = store
        .read_artifact(&job.version.artifact_sha256)
        .await
        .map_err(|x| e(x.to_string()))?;
    let dir = tempfile::tempdir().map_err(|x| e(format!("cannot create a scan directory: {x}")))?;
    let path = dir.path().join(artifact_file_name(&bytes));
    tokio::fs::write(&path, &bytes)
        .await
        .map_err(|x| e(format!("cannot write {}: {x}", path.display())))?;
    drop(bytes);
    // Renew the lease while the scan runs so a long scan is not taken over.
    let renew = {
        let store = store.clone();
        let worker = worker.to_string();
        let id = job.id;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis((lease_ms / 3).max(1) as u64)).await;
                if !matches!(store.renew_lease(id, &worker, lease_ms).await, Ok(true)) {
                    return;
                }
            }
        })
    };
    let scan_path = path.clone();
    let report = tokio::task::spawn_blocking(move || scanner.scan_job(&scan_path)).await;
    renew.abort();
    let report = report.map_err(|x| e(format!("the scanner panicked: {x}")))??;
    let trusted = store
        .is_trusted(&job.version.platform, &job.version.name)
        .await
        .map_err(|x| e(x.to_string()))?;
    let sub = store
        .get_submission(job.submission_id)
        .await
        .map_err(|x| e(x.to_string()))?;
    let manifest = CapabilityManifest::from_report(&report);
    let mut result = to_result(&report, &manifest, trusted, &sub.metadata);
    // Capability diff against the previous version: what reviewers look at to see whether
    // this version asks for more (new hosts, scopes, processes, dependencies) than the last.
    let previous = previous_manifest(store, &job.version)
        .await
        .map_err(|x| e(x.to_string()))?;
    if let (Some((prev_version, prev)), Some(obj)) = (previous, result.inputs.as_object_mut()) {
        let mut d = portcullis_capabilities::diff(&prev, &manifest);
        d.old = prev_version;
        d.new = job.version.version.clone();
        let escalates = d.escalates();
        let mut value = serde_json::to_value(&d).map_err(|x| e(x.to_string()))?;
        if let Some(o) = value.as_object_mut() {
            o.insert("escalates".into(), escalates.into());
        }
        obj.insert("capability_diff".into(), value);
    }
    Ok(result)
}

/// The capability manifest stored for the latest earlier version of the same extension (the
/// baseline for the capability diff).
async fn previous_manifest(
    store: &Store,
    current: &portcullis_registry::VersionRecord,
) -> portcullis_registry::Result<Option<(String, CapabilityManifest)>> {
    let versions = store
        .list_versions(&current.platform, &current.name)
        .await?;
    for v in versions.iter().rev().filter(|v| v.id < current.id) {
        if let Some(doc) = store.get_document(v.id, DOC_CAPABILITY_MANIFEST).await?
            && let Ok(m) = serde_json::from_value::<CapabilityManifest>(doc)
        {
            return Ok(Some((v.version.clone(), m)));
        }
    }
    Ok(None)
}

/// The documents stored with a decision: the capability manifest and the CycloneDX SBOM.
pub fn documents(
    report: &ScanReport,
    manifest: &CapabilityManifest,
) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    if let Ok(v) = serde_json::to_value(manifest) {
        out.insert(DOC_CAPABILITY_MANIFEST.to_string(), v);
    }
    out.insert(
        DOC_SBOM.to_string(),
        portcullis_report::cyclonedx_value(report),
    );
    out
}

/// Risk from findings and observed capabilities: the worst active severity, raised to at
/// least `high` when the code runs processes or evaluates dynamic code.
pub fn compute_risk(report: &ScanReport) -> &'static str {
    let worst = report
        .findings
        .iter()
        .filter(|f| f.is_active())
        .map(|f| f.severity)
        .max();
    let dangerous = report.observed.iter().any(|c| {
        matches!(
            c.capability.kind(),
            "child-process" | "dynamic-code" | "native-module"
        )
    });
    let mut risk = match worst {
        Some(Severity::Critical) => 4,
        Some(Severity::High) => 3,
        Some(Severity::Medium) => 2,
        _ => 1,
    };
    if dangerous {
        risk = risk.max(3);
    }
    ["low", "low", "medium", "high", "critical"][risk]
}

/// Turns a scan report into what the registry stores: the gate decision, plus the
/// registry's own policy that an untrusted source is quarantined, and the inputs the
/// decision was made on.
pub fn to_result(
    report: &ScanReport,
    manifest: &CapabilityManifest,
    trusted: bool,
    metadata: &serde_json::Value,
) -> ScanResult {
    let mut decision: Decision = report.decision.clone();
    if !trusted {
        decision.push(Reason {
            policy: "untrusted-source".into(),
            outcome: Outcome::Quarantine,
            message: "the extension type or its npm scope is not on the trusted-source list".into(),
            remediation: Some("ask a security steward to approve the platform / scope, or publish under a trusted scope".into()),
            findings: vec![],
        });
    }
    let mut by_severity: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_category: BTreeMap<&str, usize> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.is_active()) {
        *by_severity.entry(f.severity.as_str()).or_default() += 1;
        *by_category.entry(f.category.as_str()).or_default() += 1;
    }
    let capabilities: Vec<String> = report
        .observed
        .iter()
        .map(|c| c.capability.kind().to_string())
        .collect();
    let inputs = serde_json::json!({
        "findings_by_severity": by_severity,
        "findings_by_category": by_category,
        "capabilities": capabilities,
        "trusted_source": trusted,
        "data_classes": metadata.get("data_classes").cloned().unwrap_or(serde_json::Value::Null),
        "risk_self_assessment": metadata.get("risk_self_assessment").cloned().unwrap_or(serde_json::Value::Null),
        "target_sha256": report.target.sha256,
        "tool": format!("{} {}", report.tool.name, report.tool.version),
    });
    ScanResult {
        findings: report.findings.clone(),
        decision,
        inputs,
        risk: Some(compute_risk(report).to_string()),
        decided_by: "gate:default".into(),
        documents: documents(report, manifest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nop;

    impl Scanner for Nop {
        fn scan(&self, _: &Path) -> Result<ScanReport, String> {
            Err("not used".into())
        }
    }

    #[test]
    fn the_pipeline_is_rebuilt_only_when_an_input_changes() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("osv-index.bin");
        let policies = dir.path().join("policies");
        std::fs::create_dir(&policies).unwrap();
        std::fs::write(
            policies.join("gate.cedar"),
            "permit(principal, action, resource);",
        )
        .unwrap();
        let cached = CachedScanner::new(vec![db.clone(), policies.clone()], || Ok(Nop));
        cached.current().unwrap();
        cached.current().unwrap();
        assert_eq!(cached.builds(), 1, "nothing changed: one build");
        // The database appears (first `db import`), then is replaced by a bigger one.
        std::fs::write(&db, b"v1").unwrap();
        cached.current().unwrap();
        assert_eq!(cached.builds(), 2);
        std::fs::write(&db, b"version 2").unwrap();
        cached.current().unwrap();
        cached.current().unwrap();
        assert_eq!(cached.builds(), 3);
        // A policy file added to the policy directory.
        std::fs::write(
            policies.join("extra.cedar"),
            "forbid(principal, action, resource);",
        )
        .unwrap();
        cached.current().unwrap();
        assert_eq!(cached.builds(), 4);
    }

    #[test]
    fn a_failed_build_is_not_kept() {
        let fail = std::sync::atomic::AtomicBool::new(true);
        let fail = Arc::new(fail);
        let f = fail.clone();
        let cached = CachedScanner::new(vec![], move || {
            if f.load(Ordering::Relaxed) {
                Err("policy does not validate".to_string())
            } else {
                Ok(Nop)
            }
        });
        assert_eq!(
            cached.current().err().as_deref(),
            Some("policy does not validate")
        );
        fail.store(false, Ordering::Relaxed);
        assert!(cached.current().is_ok());
        assert_eq!(cached.builds(), 1);
    }

    #[test]
    fn retry_backoff_doubles_per_attempt_and_is_capped() {
        let t = WorkerConfig::default();
        assert_eq!(t.retry_after(1), 5000);
        assert_eq!(t.retry_after(3), 20_000);
        assert_eq!(t.retry_after(100), 5000 * 32);
        let off = WorkerConfig {
            retry_backoff_ms: 0,
            ..WorkerConfig::default()
        };
        assert_eq!(off.retry_after(2), 0);
    }
}
