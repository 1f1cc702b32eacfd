use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Tracks credentials (`this.getCredentials()` in n8n, `this.credentials` / `RED.nodes.getCredentials()` in Node-RED) into `console.*` and platform loggers, `Error` messages and output items (`returnJsonArray`, `node.send`). Requests that carry a credential to a statically known host are recorded as an observed credential capability (credential name, host, secret fields); `capability/credential-host-mismatch` reports the ones whose host the manifest does not bind the credential to.
///
/// ## Why is this bad?
/// Logs, execution data and error messages are visible to many more people than the credential store; a request to another host hands the secret to a third party.
///
/// ## Example
/// ```js
/// const creds = await this.getCredentials('acmeApi');
/// console.log('using', creds);
/// ```
///
/// ## Use instead
/// ```js
/// this.logger.debug(`calling ${url}`); // no credential in the message
/// ```
///
/// ## References
/// - CWE-532: Insertion of Sensitive Information into Log File
/// - CWE-209: Generation of Error Message Containing Sensitive Information
/// - CWE-200: Exposure of Sensitive Information
    pub static CREDENTIAL_LEAK = {
        id: "js/credential-leak",
        title: "Credential leak",
        category: Code,
        severity: High,
        confidence: High,
        summary: "Credentials are written to logs, error messages or output data.",
        cwe: [532, 209, 200],
        owasp: ["A09:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/n8n/AcmeApi.node.ts", neg "crates/js/tests/fixtures/safe/AcmeSafe.node.ts"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "credential material from {source} leaks into {sink}";

pub const REMEDIATION: &str = "Never log or return credentials; put only non-secret identifiers in error messages and output items; send a credential only to its own service.";
