use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Finds values derived from `Math.random()` stored in variables or properties named like tokens, secrets, passwords, keys, nonces, salts or OTPs.
///
/// ## Why is this bad?
/// `Math.random()` is predictable: its state can be recovered from a few outputs.
///
/// ## Example
/// ```js
/// const token = Math.random().toString(36).slice(2);
/// ```
///
/// ## Use instead
/// ```js
/// const token = crypto.randomBytes(32).toString('hex');
/// ```
///
/// ## References
/// - CWE-338: Use of Cryptographically Weak PRNG
    pub static INSECURE_RANDOMNESS = {
        id: "js/insecure-randomness",
        title: "Insecure randomness for secrets",
        category: Code,
        severity: Medium,
        confidence: High,
        summary: "`Math.random()` generates a token, password, key or nonce.",
        cwe: [338],
        owasp: ["A02:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/node/server.js", neg "crates/js/tests/fixtures/safe/safe-server.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "`Math.random()` is used to generate `{sink}`";

pub const REMEDIATION: &str =
    "Use `crypto.randomBytes`, `crypto.randomUUID` or `crypto.getRandomValues`.";
