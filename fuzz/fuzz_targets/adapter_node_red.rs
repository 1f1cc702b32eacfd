//! The Node-RED adapter: package.json `node-red` section, runtime JS and editor HTML.
#![no_main]
#[path = "common/mod.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pkg = common::package(&["package.json", "acme.js", "acme.html"], data);
    if let Some(Ok(pj)) = portcullis_adapters::npm::PackageJson::load(&pkg) {
        let _ = portcullis_adapters::node_red::detect(&pkg, &pj);
    }
});
