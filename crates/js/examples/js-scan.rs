//! Benchmark/evaluation driver: runs the `js` analyzer alone over a directory tree and prints
//! one JSON line per finding (`path`, `line`, `rule`, `severity`, `message`), then a summary on
//! stderr (files, bytes, CPU time of the analysis, findings per rule, notices).
//!
//! usage: js-scan [--library | --platform n8n|node-red|forge|npm] [--caps] DIR...
//!
//! Single-threaded on purpose: the number it prints is analysis CPU time, comparable with the
//! CPU time of other tools.

use portcullis_core::{CapabilitySet, Extension, Platform};
use portcullis_js::{Config, JsAnalyzer, LibraryMode};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn walk(dir: &Path, depth: u32, out: &mut Vec<PathBuf>) {
    if depth > 32 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&p, depth + 1, out);
        } else if ft.is_file() {
            let n = p.to_string_lossy().to_ascii_lowercase();
            let script = [
                ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".html", ".htm",
            ]
            .iter()
            .any(|x| n.ends_with(x))
                && !n.ends_with(".d.ts");
            if script {
                out.push(p);
            }
        }
    }
}

fn main() {
    let mut platform: Option<Platform> = None;
    let mut library = false;
    let mut caps = false;
    let mut dirs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--library" => library = true,
            "--caps" => caps = true,
            "--platform" => {
                platform = match args.next().as_deref() {
                    Some("n8n") => Some(Platform::N8n),
                    Some("node-red") => Some(Platform::NodeRed),
                    Some("forge") => Some(Platform::Forge),
                    Some("npm") => Some(Platform::Npm),
                    other => {
                        eprintln!("unknown platform {other:?}");
                        std::process::exit(2);
                    }
                }
            }
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    let cfg = Config {
        library_mode: if library {
            LibraryMode::Always
        } else {
            LibraryMode::Auto
        },
        ..Config::default()
    };
    let analyzer = match JsAnalyzer::new(cfg) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let ext = platform.map(|p| Extension {
        platform: p,
        name: "bench".into(),
        version: None,
        description: None,
        manifest_path: "package.json".into(),
        entry_points: vec![],
        declared: CapabilitySet::new(),
    });
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    let (mut files, mut bytes, mut notices) = (0usize, 0usize, 0usize);
    let mut spent = Duration::ZERO;
    let mut slowest: Vec<(Duration, String)> = Vec::new();
    // A directory of packages (the benchmark corpus) is scanned package by package, each with
    // the platform its package.json declares, as the pipeline's adapters would.
    let mut roots: Vec<PathBuf> = Vec::new();
    for d in &dirs {
        if d.join("package.json").is_file() {
            roots.push(d.clone());
        } else if let Ok(rd) = std::fs::read_dir(d) {
            let mut subs: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            subs.sort();
            roots.extend(subs);
        }
    }
    for root in &roots {
        let detected = if platform.is_some() || library {
            None
        } else {
            std::fs::read_to_string(root.join("package.json"))
                .ok()
                .and_then(|m| {
                    if m.contains("\"n8n\"") {
                        Some(Platform::N8n)
                    } else if m.contains("\"node-red\"") {
                        Some(Platform::NodeRed)
                    } else {
                        None
                    }
                })
        };
        let pkg_ext = detected.map(|p| Extension {
            platform: p,
            name: "bench".into(),
            version: None,
            description: None,
            manifest_path: "package.json".into(),
            entry_points: vec![],
            declared: CapabilitySet::new(),
        });
        let ext = pkg_ext.as_ref().or(ext.as_ref());
        let mut paths = Vec::new();
        walk(root, 0, &mut paths);
        paths.sort();
        for p in paths {
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            let t0 = Instant::now();
            let out = analyzer.analyze_text(&rel, &text, ext);
            let dt = t0.elapsed();
            spent += dt;
            slowest.push((dt, rel.clone()));
            files += 1;
            bytes += text.len();
            notices += out.notices.len();
            for n in &out.notices {
                eprintln!(
                    "notice: {}: {}",
                    n.path.as_deref().unwrap_or("-"),
                    n.message
                );
            }
            for f in &out.findings {
                *per_rule.entry(f.rule_id.clone()).or_default() += 1;
                let line = serde_json::json!({
                    "root": root.to_string_lossy(),
                    "path": f.location.path,
                    "line": f.location.start_line().unwrap_or(0),
                    "rule": f.rule_id,
                    "severity": f.severity.as_str(),
                    "confidence": f.confidence.as_str(),
                    "message": f.message,
                    "snippet": f.location.snippet,
                    "trace": f.evidence.iter().map(|e| format!("{}:{} {}", e.location.path, e.location.start_line().unwrap_or(0), e.message)).collect::<Vec<_>>(),
                });
                println!("{line}");
            }
            if caps {
                for item in out.observed.iter() {
                    let line = serde_json::json!({"root": root.to_string_lossy(), "path": rel, "capability": item.capability});
                    println!("{line}");
                }
            }
        }
    }
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    eprintln!(
        "js-scan: {files} files, {:.1} MB, analysis {:.3} s CPU ({:.1} MB/s), {notices} notices",
        bytes as f64 / 1e6,
        spent.as_secs_f64(),
        bytes as f64 / 1e6 / spent.as_secs_f64().max(1e-9)
    );
    for (d, p) in slowest.iter().take(3) {
        eprintln!("  slowest: {:.3} s {p}", d.as_secs_f64());
    }
    for (r, n) in &per_rule {
        eprintln!("  {n:6} {r}");
    }
}
