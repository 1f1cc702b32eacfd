use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Tracks untrusted data into the URL or host of `fetch`, `axios`, `got`, `request`, `http(s).request`, n8n's `this.helpers.httpRequest` / `requestWithAuthentication` and similar. A taint that only reaches the path after a constant `https://host/` prefix is not reported.
///
/// ## Why is this bad?
/// An attacker who picks the host can reach internal services (cloud metadata at `169.254.169.254`, admin interfaces), and with `requestWithAuthentication` the platform attaches the user's credentials to a request sent wherever the attacker says.
///
/// ## Example
/// ```js
/// const body = this.getBodyData();
/// await this.helpers.httpRequest({ url: body.callback });
/// ```
///
/// ## Use instead
/// ```js
/// const url = new URL(`/v1/items/${encodeURIComponent(id)}`, 'https://api.example.com');
/// ```
///
/// ## References
/// - CWE-918: Server-Side Request Forgery
    pub static SSRF = {
        id: "js/ssrf",
        title: "Server-side request forgery",
        category: Code,
        severity: High,
        confidence: High,
        summary: "Untrusted data controls the host of an outbound request.",
        cwe: [918],
        owasp: ["A10:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/n8n/AcmeApi.node.ts", neg "crates/js/tests/fixtures/safe/AcmeSafe.node.ts"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "untrusted data from {source} controls the URL of {sink}";

pub const REMEDIATION: &str = "Build request URLs from a fixed base URL and encode untrusted parts with `encodeURIComponent`; if the host must vary, check it against an allow-list and refuse private and link-local addresses.";
