//! Shared by the adapter targets: the fuzz input split on NUL into the files of a package.
#![allow(dead_code)]

use portcullis_core::{Origin, Package, SourceFile};

/// A package whose files are `names`, filled in order with the NUL-separated chunks of
/// `data` (missing chunks leave the file out).
pub fn package(names: &[&str], data: &[u8]) -> Package {
    let mut files = Vec::new();
    for (name, chunk) in names.iter().zip(data.split(|b| *b == 0)) {
        let kind = portcullis_ingest::classify(name, chunk, false);
        files.push(SourceFile::new(*name, kind, chunk.to_vec()));
    }
    let mut package = Package {
        source: "fuzz".into(),
        origin: Origin::Tarball,
        sha256: String::new(),
        files,
    };
    package.sort();
    package
}

/// The scope analyzer over every JS/TS file and the package, as the pipeline runs it.
pub fn scopes(package: &Package, extension: Option<&portcullis_core::Extension>) {
    use portcullis_core::{Analyzer, Context};
    let a = portcullis_adapters::ScopeAnalyzer::new();
    let cx = Context {
        package,
        extension,
    };
    for f in &package.files {
        if a.wants(f) {
            let _ = a.analyze_file(f, &cx);
        }
    }
    let _ = a.analyze_package(&cx);
}
