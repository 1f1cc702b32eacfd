//! Arbitrary bytes as a package.json and as a JS file: the supply-chain analyzer must not
//! panic (manifest parsing, key location, script classification, obfuscation heuristics).
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::{Analyzer, Context, Origin, Package, SourceFile};
use portcullis_supply_chain::SupplyChainAnalyzer;

fuzz_target!(|data: &[u8]| {
    let files = vec![
        SourceFile::new(
            "index.js",
            portcullis_ingest::classify("index.js", data, false),
            data.to_vec(),
        ),
        SourceFile::new(
            "package.json",
            portcullis_ingest::classify("package.json", data, false),
            data.to_vec(),
        ),
        SourceFile::new(
            "scripts/setup.js",
            portcullis_ingest::classify("setup.js", data, false),
            data.to_vec(),
        ),
    ];
    let mut package = Package {
        source: "fuzz".into(),
        origin: Origin::Tarball,
        sha256: String::new(),
        files,
    };
    package.sort();
    let analyzer = SupplyChainAnalyzer::default();
    let cx = Context {
        package: &package,
        extension: None,
    };
    let _ = analyzer.analyze_package(&cx);
    for f in &package.files {
        if analyzer.wants(f) {
            let _ = analyzer.analyze_file(f, &cx);
        }
    }
});
