use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Finds `algorithms`/`algorithm` including `none`, `jwt.verify` with an empty key, and `jwt.decode` in files that never call `jwt.verify`.
///
/// ## Why is this bad?
/// An unsigned or unverified token lets anyone claim any identity.
///
/// ## Example
/// ```js
/// const claims = jwt.decode(req.headers.authorization);
/// ```
///
/// ## Use instead
/// ```js
/// const claims = jwt.verify(token, key, { algorithms: ['RS256'] });
/// ```
///
/// ## References
/// - CWE-347: Improper Verification of Cryptographic Signature
    pub static JWT_MISUSE = {
        id: "js/jwt-misuse",
        title: "JWT misuse",
        category: Code,
        severity: High,
        confidence: High,
        summary: "A JWT is accepted without a valid signature check.",
        cwe: [347],
        owasp: ["A07:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/node/decode-only.js", neg "crates/js/tests/fixtures/safe/safe-server.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "{sink}";

pub const REMEDIATION: &str = "Verify tokens with `jwt.verify(token, key, { algorithms: ['RS256'] })`; never allow `none`, never verify with an empty key, never trust `jwt.decode` output.";
