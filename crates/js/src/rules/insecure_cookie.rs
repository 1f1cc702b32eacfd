use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Finds session and cookie options that turn off a browser protection: `httpOnly: false`
/// (scripts can read the cookie), `secure: false` (it travels over plain HTTP), `sameSite:
/// 'none'` without `secure`, in `res.cookie(…)`, `cookies.set(…)` and the `cookie` options
/// of `express-session` / `cookie-session`.
///
/// ## Why is this bad?
/// A session cookie readable by script is stolen by any XSS; one sent over HTTP is stolen on
/// the network. The platform's users are logged in to the extension's back end with it.
///
/// ## Example
/// ```js
/// res.cookie('sid', token, { httpOnly: false, secure: false });
/// app.use(session({ secret, cookie: { secure: false } }));
/// ```
///
/// ## Use instead
/// ```js
/// res.cookie('sid', token, { httpOnly: true, secure: true, sameSite: 'lax' });
/// ```
///
/// ## References
/// - <https://cwe.mitre.org/data/definitions/1004.html>
/// - <https://cwe.mitre.org/data/definitions/614.html>
    pub static INSECURE_COOKIE = {
        id: "js/insecure-cookie",
        title: "Insecure cookie options",
        category: Code,
        severity: Low,
        confidence: High,
        summary: "A cookie or session is configured without `httpOnly` or `secure`.",
        cwe: [1004, 614],
        owasp: ["A05:2021"],
        signals: [Hygiene],
        fixtures: [pos "crates/js/tests/fixtures/node/session.js", neg "crates/js/tests/fixtures/safe/safe-server.js"],
    }
}

pub const MESSAGE: &str = "a cookie is set with a browser protection turned off";

pub const REMEDIATION: &str = "Set `httpOnly: true` and `secure: true` (and `sameSite: 'lax'` or `'strict'`) on session cookies.";
