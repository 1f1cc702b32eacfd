//! The scan worker pool: takes jobs from the database queue, scans the stored artifact,
//! stores findings and the decision.
//!
//! Workers hold a lease on their job and renew it while the scan runs; a worker (or the
//! whole process) that dies leaves the lease to expire and another worker — in this
//! process or another machine — retries the job. Scans run on blocking threads and never
//! execute package code (the scanner is static analysis).

use crate::AppState;
use portcullis_core::{Decision, Outcome, Reason, ScanReport, Severity};
use portcullis_registry::{ScanJob, ScanResult, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Scans one uploaded package. The CLI wires this to `portcullis_scan::scan_path` plus the
/// policy gate; tests use a fake.
pub trait Scanner: Send + Sync {
    /// `path` is the artifact as uploaded (a `.tgz` or `.zip`), in a private temp dir.
    fn scan(&self, path: &Path) -> Result<ScanReport, String>;
}

/// How long a job may run before another worker may take it, unless renewed.
pub const LEASE_MS: i64 = 120_000;

/// Spawns `n` workers. They stop when `shutdown` fires.
pub fn spawn_workers(
    state: &AppState,
    scanner: Arc<dyn Scanner>,
    n: usize,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    (0..n)
        .map(|i| {
            let state = state.clone();
            let scanner = scanner.clone();
            let mut shutdown = shutdown.clone();
            let id = format!("{host}:{}:{i}", std::process::id());
            tokio::spawn(async move {
                loop {
                    if *shutdown.borrow() {
                        return;
                    }
                    match state.store.claim_job(&id, LEASE_MS).await {
                        Ok(Some(job)) => run_job(&state.store, scanner.clone(), &id, job).await,
                        Ok(None) => {
                            tokio::select! {
                                _ = state.job_notify.notified() => {}
                                _ = tokio::time::sleep(Duration::from_millis(1000)) => {}
                                _ = shutdown.changed() => {}
                            }
                        }
                        Err(e) => {
                            tracing::warn!(worker = %id, error = %e, "claiming a job failed");
                            tokio::time::sleep(Duration::from_secs(2)).await;
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

/// Runs one job to completion or failure.
pub async fn run_job(store: &Store, scanner: Arc<dyn Scanner>, worker: &str, job: ScanJob) {
    let key = job.version.key();
    tracing::info!(worker, job = job.id, version = %key, attempt = job.attempts, "scanning");
    let outcome = scan_job(store, scanner, worker, &job).await;
    let stored = match outcome {
        Ok(result) => store.complete_job(job.id, worker, &result).await.map(|d| {
            tracing::info!(worker, job = job.id, version = %key, outcome = %d.outcome, "scan stored");
        }),
        Err(e) => {
            tracing::warn!(worker, job = job.id, version = %key, error = %e, "scan failed");
            store.fail_job(job.id, worker, &e).await
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
) -> Result<ScanResult, String> {
    let bytes = store
        .read_artifact(&job.version.artifact_sha256)
        .await
        .map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a scan directory: {e}"))?;
    let path = dir.path().join(artifact_file_name(&bytes));
    tokio::fs::write(&path, &bytes)
        .await
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    drop(bytes);
    // Renew the lease while the scan runs so a long scan is not taken over.
    let renew = {
        let store = store.clone();
        let worker = worker.to_string();
        let id = job.id;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis((LEASE_MS / 3) as u64)).await;
                if !matches!(store.renew_lease(id, &worker, LEASE_MS).await, Ok(true)) {
                    return;
                }
            }
        })
    };
    let scan_path = path.clone();
    let report = tokio::task::spawn_blocking(move || scanner.scan(&scan_path)).await;
    renew.abort();
    let report = report.map_err(|e| format!("the scanner panicked: {e}"))??;
    let trusted = store
        .is_trusted(&job.version.platform, &job.version.name)
        .await
        .map_err(|e| e.to_string())?;
    let sub = store
        .get_submission(job.submission_id)
        .await
        .map_err(|e| e.to_string())?;
    let mut result = to_result(&report, trusted, &sub.metadata);
    // Capability diff against the previous version: what the gate and reviewers look at to
    // see whether this version asks for more than the one already approved.
    let previous = previous_capabilities(store, &job.version)
        .await
        .map_err(|e| e.to_string())?;
    if let (Some((prev_version, prev_caps)), Some(obj)) = (previous, result.inputs.as_object_mut())
    {
        let now: BTreeSet<String> = report
            .observed
            .iter()
            .map(|c| c.capability.kind().to_string())
            .collect();
        let added: Vec<&String> = now.difference(&prev_caps).collect();
        let removed: Vec<&String> = prev_caps.difference(&now).collect();
        obj.insert(
            "capability_diff".into(),
            serde_json::json!({"previous_version": prev_version, "added": added, "removed": removed}),
        );
    }
    Ok(result)
}

/// Capability kinds recorded for the latest earlier version of the same extension that has
/// a decision (the baseline for the capability diff).
async fn previous_capabilities(
    store: &Store,
    current: &portcullis_registry::VersionRecord,
) -> portcullis_registry::Result<Option<(String, BTreeSet<String>)>> {
    let versions = store
        .list_versions(&current.platform, &current.name)
        .await?;
    for v in versions.iter().rev().filter(|v| v.id < current.id) {
        if let Some(d) = store.list_decisions(v.id).await?.pop() {
            let caps = d
                .inputs
                .get("capabilities")
                .and_then(|c| c.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            return Ok(Some((v.version.clone(), caps)));
        }
    }
    Ok(None)
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
pub fn to_result(report: &ScanReport, trusted: bool, metadata: &serde_json::Value) -> ScanResult {
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
    }
}
