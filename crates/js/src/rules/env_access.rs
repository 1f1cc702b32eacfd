use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Finds `process.env` reads in extension code for platforms whose extension guidelines forbid them (n8n community nodes).
///
/// ## Why is this bad?
/// The platform's environment holds its database password and credential encryption key; an extension that reads it can exfiltrate everything.
///
/// ## Example
/// ```js
/// const key = process.env.ACME_KEY;
/// ```
///
/// ## Use instead
/// ```js
/// const { apiKey } = await this.getCredentials('acmeApi');
/// ```
///
/// ## References
/// - CWE-526: Exposure of Sensitive Information Through Environmental Variables
    pub static ENV_ACCESS = {
        id: "js/env-access",
        title: "Environment access",
        category: Code,
        severity: Medium,
        confidence: High,
        summary: "Extension code reads the platform's process environment.",
        cwe: [526],
        signals: [Hygiene],
        fixtures: [pos "crates/js/tests/fixtures/n8n/AcmeApi.node.ts", neg "crates/js/tests/fixtures/safe/AcmeSafe.node.ts"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "reads `{sink}` from the platform's environment";

pub const REMEDIATION: &str = "Take configuration from node parameters or credentials; the platform's environment holds its own secrets (database passwords, encryption keys) and is not the extension's to read.";
