use super::{Cx, Hit};
use crate::api;
use portcullis_core::Severity;
use portcullis_core::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds sensitive APIs reached through a computed name that is built at run time:
    /// `global['ev' + 'al']`, `process['bin' + 'ding']`, `require('child' + '_process')`,
    /// `require(Buffer.from('Y2hpbGRfcHJvY2Vzcw==', 'base64').toString())`,
    /// `this['constr' + 'uctor']`. The name is folded the way the engine would and reported
    /// when it resolves to code execution, process, network, file-system or credential APIs.
    ///
    /// ## Why is this bad?
    /// Splitting an API name has one purpose: to hide the call from review and from
    /// scanners that match names. Real code writes `eval` or `require('child_process')`.
    ///
    /// ## Example
    /// ```js
    /// const cp = require(['child', 'process'].join('_'));
    /// global['ev' + 'al'](payload);
    /// ```
    ///
    /// ## Use instead
    /// Call APIs by their names.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - GuardDog `npm-obfuscation` (computed names)
    pub static RULE = {
        id: "behaviour/hidden-api-call",
        title: "API name hidden in a computed expression",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "A sensitive API is reached through a name assembled at run time",
        cwe: [506],
        signals: [Obfuscation],
        fixtures: [
            pos "crates/behaviour/fixtures/hidden-api-call/pos/split-eval.js",
            neg "crates/behaviour/fixtures/hidden-api-call/neg/dynamic-locale.js",
        ],
    }
}

const SENSITIVE_MODULES: &[&str] = &[
    "child_process",
    "fs",
    "fs/promises",
    "http",
    "https",
    "net",
    "dns",
    "vm",
    "os",
    "worker_threads",
    "module",
];

fn sensitive(name: &str) -> bool {
    if let Some(m) = name
        .strip_prefix("require(")
        .and_then(|r| r.strip_suffix(')'))
    {
        return SENSITIVE_MODULES.contains(&m);
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    api::is_dynamic_code(name)
        || api::is_spawn(name)
        || api::is_network(name)
        || name.starts_with("child_process")
        || matches!(
            last,
            "eval" | "binding" | "dlopen" | "constructor" | "_compile" | "mainModule"
        )
}

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let mut out = Vec::new();
    for h in &cx.facts.hidden {
        if !sensitive(&h.name) {
            continue;
        }
        let mut hit = Hit::new(
            &RULE,
            h.span,
            format!("reaches `{}` through a name built at run time", h.name),
        );
        if h.decoded || api::is_dynamic_code(&h.name) || h.name.contains("child_process") {
            hit = hit.severity(Severity::Critical);
        }
        out.push(hit);
        if out.len() >= 4 {
            break;
        }
    }
    out
}
