use super::{Cx, Hit};
use portcullis_core::Severity;
use portcullis_core::declare_rule;
use portcullis_core::rule::Signal;

declare_rule! {
    /// ## What it does
    /// Decodes base64, hex, `String.fromCharCode` and percent-encoded constants the way the
    /// code would at run time, and reports those that decode to a URL, a host, a shell
    /// command or JavaScript (`require(`, `child_process`, `eval(`).
    ///
    /// ## Why is this bad?
    /// Nobody encodes their own API endpoint. Hiding a URL or code from the reader is what
    /// droppers and stealers do so that a reviewer (and a grep) sees only noise.
    ///
    /// ## Example
    /// ```js
    /// const u = Buffer.from('aHR0cHM6Ly9leGFtcGxlLnRvcC9wYXlsb2Fk', 'base64').toString();
    /// ```
    ///
    /// ## Use instead
    /// Write endpoints and code in plain text, where review (and the capability manifest)
    /// can see them.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - GuardDog `npm-obfuscation`
    pub static RULE = {
        id: "behaviour/encoded-payload",
        title: "URL or code hidden in an encoded string",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "A base64/hex/char-code constant decodes to a URL, a command or code",
        cwe: [506],
        signals: [Obfuscation],
        fixtures: [
            pos "crates/behaviour/fixtures/encoded-payload/pos/hidden-endpoint.js",
            neg "crates/behaviour/fixtures/encoded-payload/neg/data-uri-icon.js",
        ],
    }
}

/// What a decoded string looks like, if it is worth reporting.
pub fn classify(s: &str) -> Option<&'static str> {
    let l = s.to_ascii_lowercase();
    if l.contains("http://")
        || l.contains("https://")
        || l.contains("wss://")
        || l.contains("ws://")
    {
        return Some("a URL");
    }
    if [
        "require(",
        "child_process",
        "eval(",
        "new function",
        "process.env",
        "exec(",
        "spawn(",
    ]
    .iter()
    .any(|k| l.contains(k))
    {
        return Some("JavaScript");
    }
    if [
        "curl ",
        "wget ",
        "powershell",
        "cmd.exe",
        "/bin/sh",
        "bash -c",
        "nslookup ",
    ]
    .iter()
    .any(|k| l.contains(k))
    {
        return Some("a shell command");
    }
    None
}

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut shown_values: Vec<&str> = Vec::new();
    for lit in cx.facts.strings.iter().filter(|l| l.decoded) {
        // `u` and `u + '?h=' + host` are one hidden endpoint.
        if shown_values
            .iter()
            .any(|v| lit.value.starts_with(v) || v.starts_with(lit.value.as_str()))
        {
            continue;
        }
        if let Some(kind) = classify(&lit.value) {
            shown_values.push(&lit.value);
            let shown = portcullis_core::location::truncate_chars(&lit.value, 80);
            let mut h = Hit::new(
                &RULE,
                lit.span,
                format!("an encoded constant decodes to {kind}: `{shown}`"),
            );
            if kind != "a URL" {
                // Hidden code is run, not read.
                h = h
                    .severity(Severity::Critical)
                    .signal(Signal::DownloadExecute);
            }
            out.push(h);
            if out.len() >= 4 {
                break;
            }
        }
    }
    out
}
