//! The Power Apps PCF adapter (`ControlManifest.Input.xml`) and PCF feature inference.
#![no_main]
#[path = "common/mod.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pkg = common::package(
        &["AcmeControl/ControlManifest.Input.xml", "AcmeControl/index.ts", "package.json"],
        data,
    );
    let pj = portcullis_adapters::npm::PackageJson::load(&pkg).and_then(Result::ok);
    if let Some(out) = portcullis_adapters::pcf::detect(&pkg, pj.as_ref()) {
        common::scopes(&pkg, out.extension.as_ref());
    }
});
