use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Finds `rejectUnauthorized: false`, `strictSSL: false`, `insecure: true` and assignments of `0` to `process.env.NODE_TLS_REJECT_UNAUTHORIZED`.
///
/// ## Why is this bad?
/// Anyone on the network path can impersonate the server and read the credentials the platform sends. Setting the environment variable turns verification off for *every* connection of the whole platform process, not only the extension's.
///
/// ## Example
/// ```js
/// new https.Agent({ rejectUnauthorized: false });
/// ```
///
/// ## Use instead
/// ```js
/// new https.Agent({ ca: fs.readFileSync(caPath) });
/// ```
///
/// ## References
/// - CWE-295: Improper Certificate Validation
    pub static TLS_VERIFICATION_DISABLED = {
        id: "js/tls-verification-disabled",
        title: "TLS certificate verification disabled",
        category: Code,
        severity: High,
        confidence: High,
        summary: "TLS certificate verification is turned off.",
        cwe: [295],
        owasp: ["A02:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/n8n/AcmeApi.node.ts", neg "crates/js/tests/fixtures/safe/AcmeSafe.node.ts"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "{sink} disables TLS certificate verification";

pub const REMEDIATION: &str = "Remove `rejectUnauthorized: false` / `NODE_TLS_REJECT_UNAUTHORIZED=0`; to trust a private CA pass it with the `ca` option, or make skipping verification an explicit, off-by-default user option.";
