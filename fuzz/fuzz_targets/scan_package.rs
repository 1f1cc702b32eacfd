//! Arbitrary bytes through the whole scan pipeline (every adapter, analyzer, the capability
//! check, triage and the Cedar gate), no panics allowed.
//!
//! The input is split on `\0` into up to eight chunks; each becomes a file whose name selects
//! a parser: platform manifests (package.json with n8n / node-red sections, Forge
//! manifest.yml, PCF ControlManifest.Input.xml, Grafana plugin.json), lockfiles (npm, yarn,
//! pnpm), JS/TS, and a Node-RED editor HTML file. The vulnerability database is pointed at an
//! empty directory so runs are deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::{Origin, Package, SourceFile};
use portcullis_scan::{Config, ScanOptions, Scanner};
use std::sync::OnceLock;

const NAMES: [&str; 8] = [
    "package.json",
    "nodes/Acme/Acme.node.ts",
    "manifest.yml",
    "ControlManifest.Input.xml",
    "plugin.json",
    "package-lock.json",
    "yarn.lock",
    "acme.html",
];

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let db = std::env::temp_dir().join("portcullis-fuzz-empty-db");
        let _ = std::fs::create_dir_all(&db);
        let options = ScanOptions {
            no_config_discovery: true,
            db_dir: Some(db),
            ..ScanOptions::default()
        };
        Scanner::with_config(Config::default(), &options).expect("default scanner builds")
    })
}

fuzz_target!(|data: &[u8]| {
    let mut files = Vec::new();
    for (name, chunk) in NAMES.iter().zip(data.split(|b| *b == 0)) {
        let kind = portcullis_ingest::classify(name, chunk, false);
        files.push(SourceFile::new(*name, kind, chunk.to_vec()));
    }
    // pnpm's lockfile shares yarn's chunk: both are YAML-ish line formats.
    if let Some(chunk) = data.split(|b| *b == 0).nth(6) {
        let kind = portcullis_ingest::classify("pnpm-lock.yaml", chunk, false);
        files.push(SourceFile::new("pnpm-lock.yaml", kind, chunk.to_vec()));
    }
    let mut package = Package {
        source: "fuzz".into(),
        origin: Origin::Tarball,
        sha256: String::new(),
        files,
    };
    package.sort();
    let _ = scanner().scan_package(&package, None);
});
