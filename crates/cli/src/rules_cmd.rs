//! `portcullis rules list | show | docs`: every command reads the one rule registry
//! (`Scanner::rules`, the declarations plus a configuration's own rules).

use crate::cli::{ListFormat, scan_error, usage};
use crate::{EXIT_GATE_FAILED, EXIT_PASS};
use portcullis_core::rule::Rule;
use portcullis_scan::{ScanOptions, Scanner};
use std::path::{Path, PathBuf};

fn registry(config: Option<PathBuf>) -> anyhow::Result<Vec<Rule>> {
    let options = ScanOptions {
        config,
        no_config_discovery: true,
        ..Default::default()
    };
    let scanner = Scanner::for_path(Path::new("."), &options).map_err(scan_error)?;
    Ok(scanner.rules().to_vec())
}

pub fn list(format: ListFormat, config: Option<PathBuf>) -> anyhow::Result<u8> {
    let rules = registry(config)?;
    match format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(&rules)?),
        ListFormat::Text => {
            for r in &rules {
                let cwe = r
                    .cwe
                    .iter()
                    .map(|c| format!("CWE-{c}"))
                    .collect::<Vec<_>>()
                    .join(",");
                println!(
                    "{:<48} {:<8} {:<12} {:<14} {}",
                    r.id, r.severity, r.category, cwe, r.summary
                );
            }
            println!("\n{} rules", rules.len());
        }
    }
    Ok(EXIT_PASS)
}

/// Prints one rule's documentation (like `ruff rule`); an unknown id is a usage error that
/// names the closest ids.
pub fn show(id: &str, format: ListFormat, config: Option<PathBuf>) -> anyhow::Result<u8> {
    let rules = registry(config)?;
    let rule = portcullis_scan::rules::lookup(&rules, id).map_err(|near| {
        let hint = if near.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", near.join(", "))
        };
        usage(format!(
            "unknown rule `{id}`{hint} (`portcullis rules list` lists every rule)"
        ))
    })?;
    match format {
        ListFormat::Text => print!("{}", portcullis_scan::rules::page(rule)),
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(rule)?),
    }
    Ok(EXIT_PASS)
}

/// Writes `docs/rules/` (one page per rule and an index) into `out`, removing pages of rules
/// that no longer exist; with `check`, writes nothing and exits 1 when `out` differs.
pub fn docs(out: &Path, check: bool, config: Option<PathBuf>) -> anyhow::Result<u8> {
    let rules = registry(config)?;
    let files = portcullis_scan::rules::doc_files(&rules);
    let existing = markdown_files(out);
    let wanted: std::collections::BTreeSet<PathBuf> =
        files.iter().map(|(p, _)| p.clone()).collect();
    let mut differs = Vec::new();
    for (rel, text) in &files {
        let path = out.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        differs.push(rel.clone());
        if !check {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| usage(format!("cannot create {}: {e}", dir.display())))?;
            }
            std::fs::write(&path, text)
                .map_err(|e| usage(format!("cannot write {}: {e}", path.display())))?;
        }
    }
    for rel in existing.iter().filter(|p| !wanted.contains(*p)) {
        differs.push(rel.clone());
        if !check {
            let path = out.join(rel);
            std::fs::remove_file(&path)
                .map_err(|e| usage(format!("cannot remove {}: {e}", path.display())))?;
        }
    }
    if check {
        if differs.is_empty() {
            println!("{}: {} pages up to date", out.display(), files.len());
            return Ok(EXIT_PASS);
        }
        for p in &differs {
            println!("out of date: {}", p.display());
        }
        println!("run `portcullis rules docs --out {}`", out.display());
        return Ok(EXIT_GATE_FAILED);
    }
    println!(
        "{}: {} pages, {} written or removed",
        out.display(),
        files.len(),
        differs.len()
    );
    Ok(EXIT_PASS)
}

/// `.md` files under `dir` (relative), two levels deep as the generator writes them.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(top) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in top.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_file() && p.extension().is_some_and(|x| x == "md") {
            out.push(PathBuf::from(e.file_name()));
        } else if ft.is_dir() {
            let Ok(inner) = std::fs::read_dir(&p) else {
                continue;
            };
            for f in inner.flatten() {
                let fp = f.path();
                if f.file_type().is_ok_and(|t| t.is_file())
                    && fp.extension().is_some_and(|x| x == "md")
                {
                    out.push(PathBuf::from(e.file_name()).join(f.file_name()));
                }
            }
        }
    }
    out.sort();
    out
}
