//! The JS/TS analyzer (parser, interpreter, checks, ReDoS analysis) and the adapters' static
//! JS fact extraction. The first byte picks the file type (and platform hint); the rest is the
//! source.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::{Extension, Platform};
use std::sync::OnceLock;

const PATHS: [&str; 6] = [
    "index.js",
    "nodes/Acme/Acme.node.ts",
    "src/App.tsx",
    "acme.html",
    "lib/util.mjs",
    "src/resolver.js",
];

fn analyzer() -> &'static portcullis_js::JsAnalyzer {
    static A: OnceLock<portcullis_js::JsAnalyzer> = OnceLock::new();
    A.get_or_init(|| portcullis_js::JsAnalyzer::new(Default::default()).expect("default config"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let path = PATHS[usize::from(sel) % PATHS.len()];
    let platform = match sel / 8 % 4 {
        0 => None,
        1 => Some(Platform::N8n),
        2 => Some(Platform::NodeRed),
        _ => Some(Platform::Forge),
    };
    let ext = platform.map(|platform| Extension {
        platform,
        name: "fuzz".into(),
        version: Some("1.0.0".into()),
        description: None,
        manifest_path: "package.json".into(),
        entry_points: vec![path.to_string()],
        declared: Default::default(),
    });
    let _ = analyzer().analyze_text(path, text, ext.as_ref());
    let _ = portcullis_adapters::js::parse_path(text, path);
});
