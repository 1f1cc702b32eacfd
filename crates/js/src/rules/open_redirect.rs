use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Tracks untrusted data into `res.redirect`, a `Location` header, or `location.href` / `window.location` assignments.
///
/// ## Why is this bad?
/// Phishing and OAuth token theft: a trusted platform URL forwards users to the attacker's site.
///
/// ## Example
/// ```js
/// res.redirect(req.query.next);
/// ```
///
/// ## Use instead
/// ```js
/// const next = ALLOWED.has(req.query.next) ? req.query.next : '/';
/// res.redirect(next);
/// ```
///
/// ## References
/// - CWE-601: URL Redirection to Untrusted Site
    pub static OPEN_REDIRECT = {
        id: "js/open-redirect",
        title: "Open redirect",
        category: Code,
        severity: Medium,
        confidence: High,
        summary: "Untrusted data chooses a redirect target.",
        cwe: [601],
        owasp: ["A01:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/node/server.js", neg "crates/js/tests/fixtures/safe/safe-server.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "untrusted data from {source} chooses the redirect target of {sink}";

pub const REMEDIATION: &str = "Redirect only to relative paths or to hosts on an allow-list.";
