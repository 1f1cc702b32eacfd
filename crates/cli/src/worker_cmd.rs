//! `portcullis worker` (scan workers alone, on the shared PostgreSQL queue) and the hidden
//! `__scan-job` command every registry scan runs as: a child process of the same binary
//! under resource limits ([`portcullis_server::isolation`]), so a package that crashes or
//! hangs the scanner costs its job, never the server or the worker.
//!
//! Limits come from the environment: `PORTCULLIS_SCAN_CPU_SECS` (default 300),
//! `PORTCULLIS_SCAN_MEMORY_MB` (4096), `PORTCULLIS_SCAN_DEADLINE_SECS` (600).

use crate::EXIT_PASS;
use crate::cli::{StoreArgs, scan_error, usage};
use crate::registry_cmd::store_config;
use portcullis_scan::{ScanOptions, Scanner};
use portcullis_server::isolation::{ChildScanner, IsolationLimits};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a scan child is built from: the registry's scan configuration.
#[derive(Debug, Clone, Default)]
pub struct ScanInputs {
    pub config: Option<PathBuf>,
    pub policy: Option<PathBuf>,
    pub db: Option<PathBuf>,
}

impl ScanInputs {
    /// The options every registry scan uses: no configuration from the package, no inline
    /// suppressions.
    pub fn options(&self) -> ScanOptions {
        ScanOptions {
            config: self.config.clone(),
            no_config_discovery: true,
            policy_dir: self.policy.clone(),
            forbid_inline_suppressions: true,
            db_dir: self.db.clone(),
            ..Default::default()
        }
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The scanner the registry's workers use: this binary's `__scan-job` in a child process.
pub fn child_scanner(inputs: &ScanInputs) -> anyhow::Result<ChildScanner> {
    let exe = std::env::current_exe()
        .map_err(|e| usage(format!("cannot find the portcullis executable: {e}")))?;
    let limits = IsolationLimits::default().from_env().map_err(usage)?;
    // The child runs in the scan's temp directory: every path it is given is absolute.
    let mut args: Vec<OsString> = vec!["__scan-job".into()];
    let db = inputs
        .db
        .clone()
        .or_else(portcullis_vulndb::VulnDb::default_dir);
    for (flag, value) in [
        ("--config", &inputs.config),
        ("--policy", &inputs.policy),
        ("--db", &db),
    ] {
        if let Some(v) = value {
            args.push(flag.into());
            args.push(absolute(v).into_os_string());
        }
    }
    args.push("--".into());
    Ok(ChildScanner::new(exe, args, limits))
}

/// `__scan-job`: one registry scan, the JSON [`portcullis_core::ScanReport`] on stdout.
pub fn scan_job(path: PathBuf, inputs: ScanInputs) -> anyhow::Result<u8> {
    let scanner = Scanner::for_path(Path::new("."), &inputs.options()).map_err(scan_error)?;
    let report = scanner.scan(&path, None).map_err(scan_error)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer(&mut out, &report)?;
    out.flush()?;
    Ok(EXIT_PASS)
}

/// `portcullis worker`: scan workers without the HTTP API.
pub fn worker(store: StoreArgs, workers: usize, inputs: ScanInputs) -> anyhow::Result<u8> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // Fail at start-up, not on the first job, when the configuration or policies are bad.
    Scanner::for_path(Path::new("."), &inputs.options()).map_err(scan_error)?;
    let scanner = child_scanner(&inputs)?;
    let timing = portcullis_server::worker::WorkerConfig::default()
        .from_env()
        .map_err(usage)?;
    let config = store_config(store)?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(portcullis_server::run_workers(
            config,
            Arc::new(scanner),
            workers,
            timing,
        ))?;
    Ok(EXIT_PASS)
}
