use crate::findings::{Judge, location};
use portcullis_core::{Finding, Signal, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports code that, when run, decodes a payload (base64, hex, `atob`, a decipher,
    /// gunzip) and hands the result to `eval`, `Function`, `vm` or a worker — or evaluates
    /// what a network request returned.
    ///
    /// ## Why is this bad?
    /// Encoding the code that runs hides it from review and from static analysis; fetching
    /// it lets its author change what runs after the extension was approved. Both are the
    /// shape of a malicious package's loader.
    ///
    /// ## Example
    /// ```js
    /// const stage2 = Buffer.from(BLOB, 'base64').toString();
    /// new Function('require', stage2)(require);
    /// ```
    ///
    /// ## Use instead
    /// Ship the code as code. Never evaluate data.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/506.html>
    /// - <https://cwe.mitre.org/data/definitions/95.html>
    pub static DECODE_AND_RUN = {
        id: "dynamic/decode-and-run",
        title: "Payload decoded and run (observed at run time)",
        category: SupplyChain,
        severity: Critical,
        confidence: High,
        summary: "The extension decoded a payload and evaluated it at run time",
        cwe: [506, 95],
        signals: [Obfuscation],
        fixtures: [
            pos "crates/dynamic/fixtures/node-red-decode-payload",
            neg "crates/dynamic/fixtures/node-red-clean",
        ],
    }
}

pub fn check(j: &mut Judge<'_>) {
    let mut hits = Vec::new();
    for o in j
        .report
        .observations
        .iter()
        .filter(|o| o.kind() == "dynamic-code")
    {
        let b = |k: &str| o.data.get(k).and_then(|v| v.as_bool()) == Some(true);
        if b("fromDecoded") || b("fromNetwork") {
            hits.push((o, b("fromNetwork")));
        }
    }
    for (o, network) in hits {
        let source: String = o.str("source").unwrap_or("").chars().take(100).collect();
        let what = if network {
            "a network response"
        } else {
            "a decoded payload"
        };
        let mut f = Finding::from_rule(
            &DECODE_AND_RUN,
            format!(
                "`{}` ran {what} through `{}` during `{}`: `{source}`",
                o.entry,
                o.str("api").unwrap_or("eval"),
                o.call()
            ),
            location(o),
        );
        if network {
            f = f.with_signal(Signal::DownloadExecute);
        }
        j.push(&format!("{}:{}", o.entry, o.str("api").unwrap_or("")), f);
    }
}
