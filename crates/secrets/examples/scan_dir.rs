//! Scans a directory tree with the secrets analyzer alone and prints one JSON line per
//! finding (redacted, as always) plus a summary on stderr. Used by `bench/secrets/`:
//!
//! ```text
//! cargo run --release -p portcullis-secrets --example scan_dir -- <dir> [--history|--packages]
//! ```
//!
//! `--packages`: each top-level directory of `<dir>` is a separate package (bench corpus).

use portcullis_core::{Analyzer, Context, FileKind, Origin, Package, SourceFile};
use portcullis_secrets::{Config, SecretsAnalyzer, context::kind_from_path};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// Reads a file straight into the shared buffer a [`SourceFile`] holds (reading into a
/// `Vec` and converting would copy every byte once more).
fn read_shared(path: &Path) -> Option<Arc<[u8]>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let len = usize::try_from(f.metadata().ok()?.len()).ok()?;
    let mut buf: Arc<[u8]> = std::iter::repeat_n(0u8, len).collect();
    let exact = Arc::get_mut(&mut buf).is_some_and(|b| f.read_exact(b).is_ok());
    let mut probe = [0u8; 1];
    if exact && matches!(f.read(&mut probe), Ok(0)) {
        return Some(buf);
    }
    // The file changed size while being read: fall back to a plain read.
    std::fs::read(path).ok().map(Arc::from)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first().map(PathBuf::from) else {
        eprintln!("usage: scan_dir <dir> [--history|--packages]");
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
    // With `--packages` every top-level directory is its own package (a corpus of unpacked
    // npm packages): the product scans one package at a time, and a package's source maps
    // are checked against that package's files only. It also keeps one package in memory
    // at a time.
    let mut groups: Vec<(String, Vec<(String, PathBuf)>)> = Vec::new();
    if args.iter().any(|a| a == "--packages") {
        paths.sort();
        for (rel, p) in paths {
            let top = rel.split_once('/').map_or("", |(t, _)| t).to_string();
            match groups.last_mut() {
                Some((t, v)) if *t == top => v.push((rel, p)),
                _ => groups.push((top, vec![(rel, p)])),
            }
        }
    } else {
        groups.push((String::new(), paths));
    }
    let (mut read, mut scan) = (Duration::ZERO, Duration::ZERO);
    let (mut n_files, mut bytes) = (0usize, 0u64);
    let mut findings = Vec::new();
    for (top, paths) in groups {
        let t = Instant::now();
        let files: Vec<SourceFile> = paths
            .par_iter()
            .filter_map(|(rel, p)| {
                let bytes = read_shared(p)?;
                // A NUL in the first 8 KiB marks a binary file (as `grep -I` decides); the
                // analyzer itself skips text that is not UTF-8, so that is not checked here.
                let text = memchr::memchr(0, bytes.get(..8192).unwrap_or(&bytes)).is_none();
                let kind = if text {
                    kind_from_path(rel)
                } else {
                    FileKind::Binary(portcullis_core::BinaryKind::Other)
                };
                Some(SourceFile::new(rel.clone(), kind, bytes))
            })
            .collect();
        read += t.elapsed();
        let mut pkg = Package {
            source: root.join(top).display().to_string(),
            origin: Origin::Directory,
            sha256: String::new(),
            files,
        };
        pkg.sort();
        n_files += pkg.files.len();
        bytes += pkg.total_bytes();
        let cx = Context {
            package: &pkg,
            extension: None,
        };
        let t = Instant::now();
        findings.extend(
            pkg.files
                .par_iter()
                .filter(|f| analyzer.wants(f))
                .flat_map_iter(|f| analyzer.analyze_file(f, &cx).findings)
                .collect::<Vec<_>>(),
        );
        scan += t.elapsed();
    }
    for f in &findings {
        println!("{}", serde_json::to_string(f).unwrap_or_default());
    }
    eprintln!(
        "files={} bytes={} findings={} read={:.3}s scan={:.3}s throughput={:.1}MB/s",
        n_files,
        bytes,
        findings.len(),
        read.as_secs_f64(),
        scan.as_secs_f64(),
        bytes as f64 / 1e6 / scan.as_secs_f64().max(1e-9)
    );
}
