//! The n8n adapter: package.json `n8n` section, node and credential classes in TypeScript.
#![no_main]
#[path = "common/mod.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let pkg = common::package(
        &[
            "package.json",
            "nodes/Acme/Acme.node.ts",
            "credentials/AcmeApi.credentials.ts",
            "dist/nodes/Acme/Acme.node.js",
        ],
        data,
    );
    if let Some(Ok(pj)) = portcullis_adapters::npm::PackageJson::load(&pkg) {
        let out = portcullis_adapters::n8n::detect(&pkg, &pj);
        common::scopes(&pkg, out.as_ref().and_then(|o| o.extension.as_ref()));
    }
});
