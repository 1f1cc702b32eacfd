use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Tracks untrusted data into `node-serialize.unserialize`, `serialize-to-js`, `funcster`, `cryo.parse` and js-yaml `load` with the full schema.
///
/// ## Why is this bad?
/// These formats revive functions: `{"rce":"_$$ND_FUNC$$_function(){…}()"}` runs when it is read.
///
/// ## Example
/// ```js
/// const serialize = require('node-serialize');
/// serialize.unserialize(msg.payload);
/// ```
///
/// ## Use instead
/// ```js
/// const data = JSON.parse(msg.payload);
/// ```
///
/// ## References
/// - CWE-502: Deserialization of Untrusted Data
    pub static UNSAFE_DESERIALIZATION = {
        id: "js/unsafe-deserialization",
        title: "Unsafe deserialization",
        category: Code,
        severity: Critical,
        confidence: High,
        summary: "Untrusted data is deserialized with a format that can run code.",
        cwe: [502],
        owasp: ["A08:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/node/server.js", neg "crates/js/tests/fixtures/safe/safe-server.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "untrusted data from {source} is deserialized by {sink}";

pub const REMEDIATION: &str = "Use `JSON.parse`; with js-yaml use `load` of v4 or `safeLoad`; never use node-serialize, funcster or serialize-to-js on input.";
