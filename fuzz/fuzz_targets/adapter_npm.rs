//! The npm adapter: `package.json` as any plugin's manifest.
#![no_main]
#[path = "common/mod.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pkg = common::package(&["package.json"], data);
    if let Some(Ok(pj)) = portcullis_adapters::npm::PackageJson::load(&pkg) {
        let _ = portcullis_adapters::npm::extension(&pj);
        let _ = pj.keywords();
    }
    let _ = portcullis_adapters::detect(&pkg, None);
});
