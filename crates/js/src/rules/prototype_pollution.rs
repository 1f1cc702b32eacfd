use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Finds writes `obj[key1][key2] = value` and path-walking setters (`cur = cur[k]; cur[last] = v`) whose keys come from untrusted data, and recursive merge/extend functions that copy untrusted keys without excluding `__proto__` and `constructor`.
///
/// ## Why is this bad?
/// A key of `__proto__` makes the write land on `Object.prototype`: every object in the process gains the property, which changes authorization checks, template rendering and `child_process` options (gadgets to remote code execution).
///
/// ## Example
/// ```js
/// function merge(target, source) {
///   for (const key in source) {
///     if (typeof source[key] === 'object') merge(target[key], source[key]);
///     else target[key] = source[key];
///   }
/// }
/// ```
///
/// ## Use instead
/// ```js
/// for (const key of Object.keys(source)) {
///   if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
///   …
/// }
/// ```
///
/// ## References
/// - CWE-1321: Improperly Controlled Modification of Object Prototype Attributes
    pub static PROTOTYPE_POLLUTION = {
        id: "js/prototype-pollution",
        title: "Prototype pollution",
        category: Code,
        severity: High,
        confidence: High,
        summary: "Untrusted keys are used to write nested properties.",
        cwe: [1321],
        owasp: ["A08:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/library/merge.js", neg "crates/js/tests/fixtures/safe/safe-lib.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "untrusted key from {source} is used in {sink}; `__proto__`/`constructor` keys pollute Object.prototype";

pub const REMEDIATION: &str = "Skip `__proto__`, `constructor` and `prototype` keys (or use `Object.create(null)` / `Map` as targets) in merge, clone and path-setter functions.";
