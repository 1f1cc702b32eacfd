//! Runs the adapters over unpacked packages and prints one summary line per package plus
//! totals: platform, declared capabilities, runtime dependencies, lifecycle scripts, findings.
//!
//! Usage: `cargo run -p portcullis-adapters --example survey -- DIR...` where each DIR is an
//! unpacked package (the `package/` directory of an npm tarball). Used by `bench/survey.sh`.

use portcullis_adapters::detect;
use portcullis_core::{BinaryKind, FileKind, Origin, Package, SourceFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Files above this size are skipped (ingest enforces its own limits in the real pipeline).
const MAX_FILE: u64 = 8 * 1024 * 1024;

fn kind_of(path: &str, bytes: &[u8]) -> FileKind {
    if std::str::from_utf8(bytes).is_err() || bytes.contains(&0) {
        return FileKind::Binary(BinaryKind::Other);
    }
    match path.rsplit('.').next().unwrap_or("") {
        "js" | "mjs" | "cjs" | "jsx" => FileKind::JavaScript,
        "ts" | "tsx" | "mts" | "cts" if !path.ends_with(".d.ts") => FileKind::TypeScript,
        "ts" => FileKind::TypeDeclaration,
        "json" => FileKind::Json,
        "yml" | "yaml" => FileKind::Yaml,
        "xml" => FileKind::Xml,
        "html" | "htm" => FileKind::Html,
        "md" => FileKind::Markdown,
        _ => FileKind::Text,
    }
}

fn load(root: &Path) -> std::io::Result<Package> {
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let ft = entry.file_type()?;
            let p = entry.path();
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() && entry.metadata()?.len() <= MAX_FILE {
                let rel = p
                    .strip_prefix(root)
                    .map(|r| r.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                let bytes = std::fs::read(&p)?;
                let kind = kind_of(&rel, &bytes);
                files.push(SourceFile::new(rel, kind, bytes));
            }
        }
    }
    let mut pkg = Package {
        source: root.display().to_string(),
        origin: Origin::Directory,
        sha256: String::new(),
        files,
    };
    pkg.sort();
    Ok(pkg)
}

fn main() {
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    let mut rules: BTreeMap<String, usize> = BTreeMap::new();
    let mut total_ms = 0.0;
    let mut total_bytes = 0u64;
    for arg in std::env::args().skip(1) {
        let pkg = match load(Path::new(&arg)) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{arg}: cannot read: {e}");
                continue;
            }
        };
        total_bytes += pkg.total_bytes();
        let t = Instant::now();
        let out = detect(&pkg, None);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        total_ms += ms;
        let pj: serde_json::Value = pkg
            .manifest()
            .and_then(|f| f.text())
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default();
        let deps = pj
            .get("dependencies")
            .and_then(|d| d.as_object())
            .map_or(0, |d| d.len());
        let lifecycle: Vec<&str> = ["preinstall", "install", "postinstall", "prepare"]
            .into_iter()
            .filter(|s| pj.pointer(&format!("/scripts/{s}")).is_some())
            .collect();
        let Some(ext) = &out.extension else {
            println!("{arg}: no extension recognised");
            continue;
        };
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for i in ext.declared.iter() {
            *kinds.entry(i.capability.kind()).or_default() += 1;
        }
        for f in &out.findings {
            *rules.entry(f.rule_id.clone()).or_default() += 1;
        }
        *totals
            .entry(format!("platform:{}", ext.platform))
            .or_default() += 1;
        if deps > 0 {
            *totals
                .entry("with runtime dependencies".into())
                .or_default() += 1;
        }
        if !lifecycle.is_empty() {
            *totals.entry("with lifecycle scripts".into()).or_default() += 1;
        }
        println!(
            "{} {}@{} [{}] files={} entry_points={} declared={:?} runtime_deps={} lifecycle={:?} findings={} notices={} {:.1}ms",
            ext.platform,
            ext.name,
            ext.version.as_deref().unwrap_or("?"),
            arg,
            pkg.files.len(),
            ext.entry_points.len(),
            kinds,
            deps,
            lifecycle,
            out.findings.len(),
            out.notices.len(),
            ms
        );
        for f in &out.findings {
            println!(
                "    {} {} {}:{} {}",
                f.severity,
                f.rule_id,
                f.location.path,
                f.location.start_line().unwrap_or(0),
                f.message
            );
        }
        for i in ext.declared.iter() {
            println!("    declared {} {:?}", i.capability.kind(), i.capability);
        }
    }
    println!("\ntotals: {totals:?}");
    println!("findings by rule: {rules:?}");
    println!(
        "adapter time: {total_ms:.1} ms over {:.1} MB",
        total_bytes as f64 / 1e6
    );
}
