//! `db`, `capabilities`, `diff`, `policy` and `rules test`: one call each into the crates
//! that do the work.

use crate::cli::{scan_error, usage};
use crate::{EXIT_GATE_FAILED, EXIT_PASS};
use anyhow::Context as _;
use portcullis_capabilities::{CapabilityManifest, diff, render_table};
use portcullis_scan::{ScanOptions, Scanner};
use std::path::{Path, PathBuf};

fn db_dir(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    explicit
        .or_else(portcullis_vulndb::VulnDb::default_dir)
        .ok_or_else(|| usage("no database directory: set --db, PORTCULLIS_DB_DIR or HOME"))
}

fn input_error(e: impl std::fmt::Display) -> anyhow::Error {
    usage(e.to_string())
}

pub fn db_update(
    db: Option<PathBuf>,
    url: Option<String>,
    ecosystems: Vec<String>,
) -> anyhow::Result<u8> {
    let dir = db_dir(db)?;
    let url = url.unwrap_or_else(|| portcullis_vulndb::DEFAULT_BASE_URL.to_string());
    let ecos: Vec<&str> = ecosystems.iter().map(String::as_str).collect();
    let summary = portcullis_vulndb::update_into(&dir, &url, &ecos).map_err(input_error)?;
    println!(
        "{} advisories in {}",
        summary.total_advisories,
        dir.display()
    );
    for s in &summary.sources {
        println!(
            "  {:<40} {:>7} advisories  ({})",
            s.name, s.advisories, s.location
        );
    }
    Ok(EXIT_PASS)
}

pub fn db_import(db: Option<PathBuf>, path: PathBuf) -> anyhow::Result<u8> {
    let dir = db_dir(db)?;
    let summary = portcullis_vulndb::import_into(&dir, &path).map_err(input_error)?;
    println!(
        "imported {}: {} advisories in {}",
        path.display(),
        summary.total_advisories,
        dir.display()
    );
    for example in &summary.invalid_examples {
        eprintln!("  skipped invalid record: {example}");
    }
    Ok(EXIT_PASS)
}

pub fn db_status(db: Option<PathBuf>, format: &str) -> anyhow::Result<u8> {
    let dir = db_dir(db)?;
    let meta = portcullis_vulndb::status(&dir).map_err(input_error)?;
    match format {
        "json" => println!("{}", serde_json::to_string_pretty(&meta)?),
        "text" => {
            println!("database: {}", dir.display());
            println!(
                "updated:  {} ({} days ago)",
                meta.updated_at_rfc3339(),
                meta.age_days()
            );
            println!(
                "content:  {} advisories, {} packages, {} malicious-package records",
                meta.advisories, meta.packages, meta.malicious
            );
            for s in &meta.sources {
                println!(
                    "  {:<40} {:>7} advisories  ({})",
                    s.name, s.advisories, s.location
                );
            }
        }
        other => return Err(usage(format!("--format: unknown `{other}` (text, json)"))),
    }
    Ok(EXIT_PASS)
}

/// A scanned package's capability manifest, or a saved one (a `.json` file).
fn manifest_of(path: &Path, config: Option<PathBuf>) -> anyhow::Result<CapabilityManifest> {
    if path.is_file() && path.extension().is_some_and(|e| e == "json") {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return CapabilityManifest::from_json(&path.display().to_string(), &text)
            .map_err(input_error);
    }
    let options = ScanOptions {
        config,
        ..Default::default()
    };
    let scanner = Scanner::for_path(path, &options).map_err(scan_error)?;
    let report = scanner.scan(path, None).map_err(scan_error)?;
    Ok(CapabilityManifest::from_report(&report))
}

pub fn capabilities(path: PathBuf, format: &str, config: Option<PathBuf>) -> anyhow::Result<u8> {
    let manifest = manifest_of(&path, config)?;
    match format {
        "json" => println!("{}", manifest.to_json()),
        "text" => print!("{}", render_table(&manifest)),
        other => return Err(usage(format!("--format: unknown `{other}` (text, json)"))),
    }
    Ok(EXIT_PASS)
}

pub fn diff_cmd(
    old: PathBuf,
    new: PathBuf,
    format: &str,
    fail_on_escalation: bool,
    config: Option<PathBuf>,
) -> anyhow::Result<u8> {
    let (a, b) = (
        manifest_of(&old, config.clone())?,
        manifest_of(&new, config)?,
    );
    let d = diff(&a, &b);
    match format {
        "json" => println!("{}", d.to_json()),
        "text" => print!("{}", d.render_text()),
        other => return Err(usage(format!("--format: unknown `{other}` (text, json)"))),
    }
    Ok(if fail_on_escalation && d.escalates() {
        EXIT_GATE_FAILED
    } else {
        EXIT_PASS
    })
}

pub fn policy_validate(dir: PathBuf) -> anyhow::Result<u8> {
    let summary = portcullis_policy::validate_dir(&dir).map_err(input_error)?;
    let mut parts = Vec::new();
    if let Some(n) = summary.gate_policies {
        parts.push(format!("{n} gate policies"));
    }
    if let Some(n) = summary.authz_policies {
        parts.push(format!("{n} authorization policies"));
    }
    println!("{}: valid ({})", dir.display(), parts.join(", "));
    Ok(EXIT_PASS)
}

pub fn policy_test(cases: PathBuf, policy: Option<PathBuf>) -> anyhow::Result<u8> {
    let gate = match &policy {
        Some(dir) => portcullis_policy::Gate::from_dir(dir),
        None => portcullis_policy::Gate::default_policies(),
    }
    .map_err(input_error)?;
    let text = std::fs::read_to_string(&cases)
        .map_err(|e| input_error(format!("cannot read {}: {e}", cases.display())))?;
    let recorded = portcullis_policy::parse_recorded(&cases.display().to_string(), &text)
        .map_err(input_error)?;
    let report = portcullis_policy::test_policies(&gate, &recorded);
    for c in &report.changed {
        let id =
            c.id.clone()
                .unwrap_or_else(|| format!("line {}", c.index + 1));
        println!("CHANGED {id}: {} -> {}", c.recorded, c.now);
        for r in &c.reasons {
            println!("    [{}] {}: {}", r.outcome, r.policy, r.message);
        }
    }
    for e in &report.errors {
        let id =
            e.id.clone()
                .unwrap_or_else(|| format!("line {}", e.index + 1));
        println!("ERROR   {id}: {}", e.error);
    }
    println!(
        "{} cases: {} unchanged, {} stricter, {} more lenient, {} errors",
        report.total,
        report.unchanged,
        report.stricter,
        report.more_lenient,
        report.errors.len()
    );
    Ok(if report.passed() {
        EXIT_PASS
    } else {
        EXIT_GATE_FAILED
    })
}

pub fn rules_test(dir: PathBuf, config: Option<PathBuf>) -> anyhow::Result<u8> {
    let cfg = match &config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| input_error(format!("cannot read {}: {e}", path.display())))?;
            portcullis_js::config_from_toml(&text, path.parent()).map_err(input_error)?
        }
        None => portcullis_js::Config::default(),
    };
    let analyzer = portcullis_js::JsAnalyzer::new(cfg).map_err(input_error)?;
    if !dir.is_dir() {
        return Err(usage(format!(
            "{} is not a directory of rule fixtures",
            dir.display()
        )));
    }
    let report = portcullis_js::run_rule_tests(&dir, &analyzer);
    for f in &report.failures {
        println!(
            "FAIL {}:{} {} {:?}: {}",
            f.path, f.line, f.rule, f.kind, f.detail
        );
    }
    println!("{}", report.summary());
    Ok(if report.passed() {
        EXIT_PASS
    } else {
        EXIT_GATE_FAILED
    })
}
