//! The generic adapter: an `[extension]` section of `portcullis.toml` declaring capabilities.
#![no_main]
#[path = "common/mod.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(Some(m)) =
        portcullis_adapters::GenericManifest::from_config_toml("portcullis.toml", text)
    {
        let pkg = common::package(&["package.json"], b"{\"name\":\"x\",\"version\":\"1.0.0\"}");
        let _ = m.declared();
        let _ = portcullis_adapters::detect(&pkg, Some(&m));
    }
});
