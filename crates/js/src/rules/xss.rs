use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Tracks untrusted data (URL, messages from the runtime, HTTP responses, request data in server-rendered pages) into `innerHTML`, `outerHTML`, `document.write`, `insertAdjacentHTML`, jQuery `.html()`/`.append()`, `dangerouslySetInnerHTML` and `res.send` of HTML.
///
/// ## Why is this bad?
/// Script in the platform's editor runs with the administrator's session: it can deploy flows, read credentials and install more extensions.
///
/// ## Example
/// ```js
/// $('#status').html(msg.payload);
/// ```
///
/// ## Use instead
/// ```js
/// $('#status').text(msg.payload);
/// ```
///
/// ## References
/// - CWE-79: Cross-site Scripting
    pub static XSS = {
        id: "js/xss",
        title: "Cross-site scripting in editor/UI code",
        category: Code,
        severity: High,
        confidence: High,
        summary: "Untrusted data is written into HTML.",
        cwe: [79],
        owasp: ["A03:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/ui/Panel.jsx", neg "crates/js/tests/fixtures/safe/safe-server.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "untrusted data from {source} is written as HTML by {sink}";

pub const REMEDIATION: &str = "Use `textContent` / jQuery `.text()` instead of `innerHTML` / `.html()`, or sanitize with DOMPurify.";
