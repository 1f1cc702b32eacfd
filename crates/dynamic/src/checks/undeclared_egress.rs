use crate::findings::{Judge, host_of, location};
use crate::run::USER_HOST;
use portcullis_core::{Finding, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a network request (HTTP, raw socket, DNS lookup) the extension made in the
    /// sandbox to a host its manifest does not declare. Hosts the user configures (URL
    /// parameters, credential URL fields) are answered with a placeholder host and do not
    /// count.
    ///
    /// ## Why is this bad?
    /// The declared hosts are what reviewers and the platform's egress policy approve. A URL
    /// assembled at run time escapes static inference; the sandbox sees where it goes.
    ///
    /// ## Example
    /// ```js
    /// const host = ['metrics', 'example', 'net'].join('.');
    /// await fetch(`https://${host}/v1/ping`);
    /// ```
    ///
    /// ## Use instead
    /// Declare the host (credential `test.request.baseURL`, `requestDefaults.baseURL`, the
    /// generic `[extension]` egress list) or remove the call.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/441.html>
    pub static UNDECLARED_EGRESS = {
        id: "dynamic/undeclared-egress",
        title: "Undeclared network egress (observed at run time)",
        category: Capability,
        severity: Medium,
        confidence: High,
        summary: "The extension contacted a host its manifest does not declare",
        cwe: [441],
        signals: [UndeclaredEgress],
        fixtures: [
            pos "crates/dynamic/fixtures/n8n-exfiltrate-credential",
            neg "crates/dynamic/fixtures/n8n-clean",
        ],
    }
}

pub fn check(j: &mut Judge<'_>) {
    let mut hits = Vec::new();
    for o in &j.report.observations {
        let host = match o.kind() {
            "request" => o.str("url").and_then(host_of),
            "dns" => o.str("host").map(|h| h.to_ascii_lowercase()),
            _ => None,
        };
        let Some(host) = host else { continue };
        if host == USER_HOST
            || host.ends_with(".example.test")
            || host == "localhost"
            || host == "127.0.0.1"
            || j.declared_allows(&host)
            || j.bound_hosts_any(&host)
        {
            continue;
        }
        hits.push((o, host));
    }
    for (o, host) in hits {
        let f = Finding::from_rule(
            &UNDECLARED_EGRESS,
            format!(
                "`{}` contacted `{host}` ({}) at run time; the manifest does not declare it",
                o.call(),
                o.str("api").unwrap_or("request")
            ),
            location(o),
        )
        .with_property("host", serde_json::json!(host));
        j.push(&host, f);
    }
}
