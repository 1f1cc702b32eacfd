use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Finds requests to a literal `http://` URL (other than localhost) that carry credential material, and credential definitions whose authentication or test request uses `http://`.
///
/// ## Why is this bad?
/// API keys and passwords cross the network readable by anyone on the path.
///
/// ## Example
/// ```js
/// const { apiKey } = await this.getCredentials('acmeApi');
/// await this.helpers.httpRequest({ url: 'http://api.acme.test/v1', headers: { 'x-api-key': apiKey } });
/// ```
///
/// ## Use instead
/// ```js
/// await this.helpers.httpRequest({ url: 'https://api.acme.test/v1', headers: { 'x-api-key': apiKey } });
/// ```
///
/// ## References
/// - CWE-319: Cleartext Transmission of Sensitive Information
    pub static CLEARTEXT_CREDENTIALS = {
        id: "js/cleartext-credentials",
        title: "Credentials sent over plain HTTP",
        category: Code,
        severity: High,
        confidence: High,
        summary: "Credentials are sent to an `http://` endpoint.",
        cwe: [319],
        owasp: ["A02:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/n8n/AcmeApi.node.ts", neg "crates/js/tests/fixtures/safe/AcmeSafe.node.ts"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "credentials from {source} are sent in cleartext to {sink}";

pub const REMEDIATION: &str = "Use `https://` for every endpoint that receives credentials.";
