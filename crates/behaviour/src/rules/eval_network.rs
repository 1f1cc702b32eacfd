use super::{Cx, Hit, network_near};
use crate::api;
use portcullis_core::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `eval`, `Function`, `vm.run*`/`vm.Script`, `Module._compile` or a code-running
    /// deserialiser (`node-serialize`'s `unserialize`, `funcster`, `cryo`) applied to a
    /// non-constant value in a function that also makes a network request (or inside the
    /// request's callback).
    ///
    /// ## Why is this bad?
    /// This is a remote-code loader: whoever controls the server (or the network path) runs
    /// code inside the platform, and the code that runs is never part of the reviewed
    /// package. `node-serialize` executes functions embedded in its input (CVE-2017-5941).
    ///
    /// ## Example
    /// ```js
    /// https.get(url, (res) => { let b = ''; res.on('data', (d) => (b += d));
    ///   res.on('end', () => serialize.unserialize(b)); });
    /// ```
    ///
    /// ## Use instead
    /// Ship the code in the package. Parse data with `JSON.parse`, never with a deserialiser
    /// that revives functions.
    ///
    /// ## References
    /// - CWE-94: Improper Control of Generation of Code
    /// - CWE-502: Deserialization of Untrusted Data
    /// - CWE-494: Download of Code Without Integrity Check
    pub static RULE = {
        id: "behaviour/eval-network-response",
        title: "Network response executed or deserialised",
        category: SupplyChain,
        severity: Critical,
        confidence: High,
        summary: "Data fetched from the network reaches eval, Function, vm or a code-running deserialiser",
        cwe: [94, 502, 494],
        signals: [DownloadExecute],
        fixtures: [
            pos "crates/behaviour/fixtures/eval-network-response/pos/remote-config.js",
            pos "crates/behaviour/fixtures/eval-network-response/pos/unserialize-poll.js",
            neg "crates/behaviour/fixtures/eval-network-response/neg/template-engine.js",
        ],
    }
}

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let f = cx.facts;
    let mut out = Vec::new();
    for c in &f.calls {
        let dynamic = api::is_dynamic_code(&c.callee);
        let deser = api::is_unsafe_deserialize(&c.callee);
        if !(dynamic || deser) {
            continue;
        }
        // A constant argument is not a response.
        if c.args.is_empty() || c.args.iter().all(|a| a.text.is_some() && !a.decoded) {
            continue;
        }
        if let Some(net) = network_near(f, c.func, c.span) {
            let what = if deser { "deserialises" } else { "executes" };
            out.push(Hit::new(
                &RULE,
                c.span,
                format!(
                    "`{}` {what} data in the function that calls `{}`",
                    c.callee, net.callee
                ),
            ));
            if out.len() >= 4 {
                break;
            }
        }
    }
    out
}
