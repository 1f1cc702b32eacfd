//! The Portcullis scan pipeline.
//!
//! `source (dir | tarball | zip) → ingest → adapters → analyzers (parallel) → capability
//! checks → triage → gate → ScanReport`. [`Scanner`] builds the pipeline once from a
//! configuration and scans any number of paths with it; [`scan_path`] does both for one path.
//! The CLI and the registry's scan workers both call this crate, so a developer sees the
//! registry's decision before submitting.

pub mod config;
mod engine;
pub mod fix;
pub mod gate;
pub mod pipeline;
pub mod rules;
pub mod triage;
pub mod unanalysed;

pub use config::{Config, ConfigError};
pub use pipeline::{Pipeline, ProgressFn, had_internal_error};

use portcullis_core::{Package, ScanReport, Severity};
use std::path::{Path, PathBuf};

/// How to scan, beyond what `portcullis.toml` says. Command-line flags win over the file.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// `--config FILE`; otherwise `portcullis.toml` is looked up from the scanned path upwards.
    pub config: Option<PathBuf>,
    /// Do not look for a config file at all (the registry passes its own).
    pub no_config_discovery: bool,
    /// `--fail-on`: decide pass/fail by this severity threshold instead of the policy.
    pub fail_on: Option<Severity>,
    /// `--baseline FILE`: a previous JSON or SARIF report; only new findings count.
    pub baseline: Option<PathBuf>,
    /// `--policy DIR`: gate policies replacing the built-in set.
    pub policy_dir: Option<PathBuf>,
    /// Refuse inline suppressions whatever the config says (the registry does).
    pub forbid_inline_suppressions: bool,
    /// Vulnerability database directory (default: the vulndb crate's default location).
    pub db_dir: Option<PathBuf>,
    /// `--verify`: check found secrets against their providers (network).
    pub verify_secrets: bool,
    /// `--history`: also scan every commit of a directory that is a git repository.
    pub history: bool,
    /// `--dynamic`: also run the entry points in the sandbox (`portcullis-dynamic`).
    pub dynamic: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Baseline(#[from] triage::BaselineError),
    #[error(transparent)]
    History(#[from] pipeline::HistoryError),
    #[error("{0}")]
    Setup(String),
}

impl ScanError {
    /// The documented exit code: 2 for bad input, usage or configuration; 3 for internal errors.
    pub fn exit_code(&self) -> i32 {
        match self {
            ScanError::Config(_)
            | ScanError::Input(_)
            | ScanError::Baseline(_)
            | ScanError::History(_) => 2,
            ScanError::Setup(_) => 3,
        }
    }
}

/// A configured pipeline plus the settings needed to load packages.
pub struct Scanner {
    pipeline: Pipeline,
    ingest: engine::IngestSettings,
}

impl Scanner {
    /// Builds a scanner for `scanned` (used to discover `portcullis.toml`).
    pub fn for_path(scanned: &Path, options: &ScanOptions) -> Result<Scanner, ScanError> {
        let config = match (&options.config, options.no_config_discovery) {
            (Some(path), _) => Config::load(path)?,
            (None, false) => match Config::discover(scanned) {
                Some(path) => Config::load(&path)?,
                None => Config::default(),
            },
            (None, true) => Config::default(),
        };
        Self::with_config(config, options)
    }

    pub fn with_config(config: Config, options: &ScanOptions) -> Result<Scanner, ScanError> {
        let ingest = engine::ingest_settings(&config)?;
        let pipeline = engine::build(config, options)?;
        Ok(Scanner { pipeline, ingest })
    }

    pub fn config(&self) -> &Config {
        &self.pipeline.config
    }

    /// Every rule the configured pipeline can report.
    pub fn rules(&self) -> &[portcullis_core::rule::Rule] {
        self.pipeline.all_rules()
    }

    /// Safely unpacks a directory, tarball or zip.
    pub fn load(&self, path: &Path) -> Result<(Package, Vec<portcullis_core::Notice>), ScanError> {
        engine::load(path, &self.ingest)
    }

    pub fn scan_package(&self, package: &Package, progress: Option<&ProgressFn<'_>>) -> ScanReport {
        self.pipeline.run(package, progress)
    }

    /// Scans a loaded package; with `--history`, also the git history of `path`.
    pub fn scan_loaded(
        &self,
        path: &Path,
        package: &Package,
        progress: Option<&ProgressFn<'_>>,
    ) -> Result<ScanReport, ScanError> {
        let extra = match &self.pipeline.history {
            Some(history) if path.is_dir() => history(path)?,
            Some(_) => {
                return Err(ScanError::Input(format!(
                    "{}: --history needs a directory that is a git repository",
                    path.display()
                )));
            }
            None => Vec::new(),
        };
        Ok(self.pipeline.run_with(package, extra, progress))
    }

    pub fn scan(
        &self,
        path: &Path,
        progress: Option<&ProgressFn<'_>>,
    ) -> Result<ScanReport, ScanError> {
        let (package, notices) = self.load(path)?;
        let mut report = self.scan_loaded(path, &package, progress)?;
        report.notices.extend(notices);
        Ok(report)
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }
}

/// Scans one path with its discovered configuration.
pub fn scan_path(path: &Path, options: &ScanOptions) -> Result<ScanReport, ScanError> {
    Scanner::for_path(path, options)?.scan(path, None)
}
