use super::{Cx, Hit, has_network};
use crate::api;
use portcullis_core::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds obfuscated files — javascript-obfuscator names (`_0x1a2b`, ten or more), dense
    /// `\xNN` escapes, Dean Edwards' packer, JSFuck — that also make network requests,
    /// spawn processes or run dynamic code.
    ///
    /// ## Why is this bad?
    /// Obfuscation alone is a review problem; obfuscation around network or process access
    /// is how droppers and stealers ship. There is no legitimate reason for an extension to
    /// hide where it connects or what it runs.
    ///
    /// ## Example
    /// ```js
    /// var _0x2f1c=['\x68\x74\x74\x70\x73'];function _0x4b(_0x1){return _0x2f1c[_0x1];}
    /// require(_0x4b(0)).get(...)
    /// ```
    ///
    /// ## Use instead
    /// Ship readable code; minification is fine, obfuscation is not.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - GuardDog `npm-obfuscation`
    pub static RULE = {
        id: "behaviour/obfuscated-network",
        title: "Obfuscated code with network or process access",
        category: SupplyChain,
        severity: Critical,
        confidence: High,
        summary: "An obfuscated file talks to the network, spawns processes or runs dynamic code",
        cwe: [506],
        signals: [Obfuscation, Exfiltration],
        fixtures: [
            pos "crates/behaviour/fixtures/obfuscated-network/pos/packed-loader.js",
            neg "crates/behaviour/fixtures/obfuscated-network/neg/minified-lib.js",
        ],
    }
}

/// Whether the file is obfuscated rather than minified.
pub fn obfuscated(f: &crate::facts::Facts) -> Option<String> {
    let size = (f.program.end - f.program.start).max(1) as usize;
    if f.hex_names >= 10 {
        return Some(format!("{} `_0x…` names", f.hex_names));
    }
    if f.packed {
        return Some("packer or JSFuck encoding".into());
    }
    // At least a tenth of the file is `\xNN` escapes.
    if f.escapes >= 64 && f.escapes * 4 * 10 > size {
        return Some(format!("{} `\\x` escapes", f.escapes));
    }
    None
}

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let f = cx.facts;
    let Some(why) = obfuscated(f) else {
        return Vec::new();
    };
    let what = if has_network(f)
        || f.hidden
            .iter()
            .any(|h| api::is_network(h.name.trim_start_matches("require(").trim_end_matches(')')))
    {
        "network"
    } else if f.calls.iter().any(|c| api::is_spawn(&c.callee)) || f.imports_module("child_process")
    {
        "child processes"
    } else if f.calls.iter().any(|c| api::is_dynamic_code(&c.callee)) {
        "dynamic code"
    } else {
        return Vec::new();
    };
    vec![Hit::new(
        &RULE,
        f.program,
        format!("obfuscated ({why}) and uses {what}"),
    )]
}
