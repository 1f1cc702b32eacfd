//! The Forge adapter (`manifest.yml`) and Forge scope inference (manifest trigger events and
//! the product API calls of the resolver code).
#![no_main]
#[path = "common/mod.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pkg = common::package(&["manifest.yml", "src/index.js", "package.json"], data);
    if let Some(out) = portcullis_adapters::forge::detect(&pkg) {
        common::scopes(&pkg, out.extension.as_ref());
    }
});
