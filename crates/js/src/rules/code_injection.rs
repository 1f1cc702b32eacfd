use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Tracks untrusted data into `eval`, `new Function`, `vm.runIn*Context`, `vm.Script`, `vm2`, string arguments of `setTimeout`/`setInterval`, and `require`/`import()` of computed module names.
///
/// ## Why is this bad?
/// Evaluated input runs with the full privileges of the platform process: it can read every credential the platform holds.
///
/// ## Example
/// ```js
/// module.exports = function compile(expr) { return new Function('x', 'return ' + expr); };
/// ```
///
/// ## Use instead
/// a real expression parser with a fixed grammar, or a sandbox with no access to the host.
///
/// ## References
/// - CWE-94: Improper Control of Generation of Code
/// - CWE-95: Eval Injection
    pub static CODE_INJECTION = {
        id: "js/code-injection",
        title: "Code injection",
        category: Code,
        severity: Critical,
        confidence: High,
        summary: "Untrusted data is evaluated as code.",
        cwe: [94, 95],
        owasp: ["A03:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/library/expr.js", neg "crates/js/tests/fixtures/safe/safe-lib.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "untrusted data from {source} is evaluated as code by {sink}";

pub const REMEDIATION: &str = "Never evaluate input. Parse data with `JSON.parse`, look functions up in a fixed table, and load modules by fixed names only.";
