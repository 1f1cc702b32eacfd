//! Scans a directory tree with the secrets analyzer alone and prints one JSON line per
//! finding (redacted, as always) plus a summary on stderr. Used by `bench/secrets/`:
//!
//! ```text
//! cargo run --release -p portcullis-secrets --example scan_dir -- <dir> [--history]
//! ```

use portcullis_core::{Analyzer, Context, FileKind, Origin, Package, SourceFile};
use portcullis_secrets::{Config, SecretsAnalyzer, context::kind_from_path};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>, depth: usize) {
    if depth > 64 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if e.file_name() != ".git" {
                walk(root, &p, out, depth + 1);
            }
        } else if ft.is_file()
            && let Ok(rel) = p.strip_prefix(root)
        {
            out.push((rel.to_string_lossy().replace('\\', "/"), p));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first().map(PathBuf::from) else {
        eprintln!("usage: scan_dir <dir> [--history]");
        std::process::exit(2);
    };
    let analyzer = match SecretsAnalyzer::new(Config::default()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let start = Instant::now();
    if args.iter().any(|a| a == "--history") {
        match analyzer.scan_history(&root) {
            Ok(fs) => {
                for f in &fs {
                    println!("{}", serde_json::to_string(f).unwrap_or_default());
                }
                eprintln!("history: {} findings in {:?}", fs.len(), start.elapsed());
            }
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(2);
            }
        }
        return;
    }
    let mut paths = Vec::new();
    walk(&root, &root, &mut paths, 0);
    let files: Vec<SourceFile> = paths
        .par_iter()
        .filter_map(|(rel, p)| {
            let bytes = std::fs::read(p).ok()?;
            let text =
                !bytes.iter().take(8192).any(|&b| b == 0) && std::str::from_utf8(&bytes).is_ok();
            let kind = if text {
                kind_from_path(rel)
            } else {
                FileKind::Binary(portcullis_core::BinaryKind::Other)
            };
            Some(SourceFile::new(rel.clone(), kind, bytes))
        })
        .collect();
    let read = start.elapsed();
    let mut pkg = Package {
        source: root.display().to_string(),
        origin: Origin::Directory,
        sha256: String::new(),
        files,
    };
    pkg.sort();
    let bytes = pkg.total_bytes();
    let cx = Context {
        package: &pkg,
        extension: None,
    };
    let scan_start = Instant::now();
    let findings: Vec<_> = pkg
        .files
        .par_iter()
        .filter(|f| analyzer.wants(f))
        .flat_map_iter(|f| analyzer.analyze_file(f, &cx).findings)
        .collect();
    let scan = scan_start.elapsed();
    for f in &findings {
        println!("{}", serde_json::to_string(f).unwrap_or_default());
    }
    eprintln!(
        "files={} bytes={} findings={} read={:.3}s scan={:.3}s throughput={:.1}MB/s",
        pkg.files.len(),
        bytes,
        findings.len(),
        read.as_secs_f64(),
        scan.as_secs_f64(),
        bytes as f64 / 1e6 / scan.as_secs_f64().max(1e-9)
    );
}
