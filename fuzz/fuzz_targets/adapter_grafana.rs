//! The Grafana adapter: `plugin.json`, the signed `MANIFEST.txt`, the module file.
#![no_main]
#[path = "common/mod.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pkg = common::package(
        &["src/plugin.json", "src/MANIFEST.txt", "src/module.ts", "package.json"],
        data,
    );
    let pj = portcullis_adapters::npm::PackageJson::load(&pkg).and_then(Result::ok);
    let _ = portcullis_adapters::grafana::detect(&pkg, pj.as_ref());
});
