use super::{Cx, Hit, has_network};
use portcullis_core::Severity;
use portcullis_core::declare_rule;
use portcullis_core::rule::Signal;

declare_rule! {
    /// ## What it does
    /// Finds assignments to a method of an imported library's class —
    /// `Client.prototype.login = …`, `Object.defineProperty(Lib.prototype, 'on', …)` — where
    /// `Client` comes from `require`/`import` of another package. With network access in the
    /// same file it is reported as exfiltration.
    ///
    /// ## Why is this bad?
    /// Replacing a library's method intercepts everything that passes through it in every
    /// other module of the process: a Discord stealer overrides `Client.prototype.login` or
    /// `.on` to capture the bot token and every message, then posts them home.
    ///
    /// ## Example
    /// ```js
    /// const { Client } = require('discord.js');
    /// const login = Client.prototype.login;
    /// Client.prototype.login = function (t) { send(t); return login.call(this, t); };
    /// ```
    ///
    /// ## Use instead
    /// Wrap the library in your own class or use its documented hooks and events.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - CWE-913: Improper Control of Dynamically-Managed Code Resources
    pub static RULE = {
        id: "behaviour/prototype-hijack",
        title: "Imported library's class patched",
        category: SupplyChain,
        severity: Medium,
        confidence: Medium,
        summary: "A method of another package's class prototype is overwritten",
        cwe: [506, 913],
        fixtures: [
            pos "crates/behaviour/fixtures/prototype-hijack/pos/discord-login-hook.js",
            neg "crates/behaviour/fixtures/prototype-hijack/neg/own-class.js",
        ],
    }
}

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let f = cx.facts;
    let network = has_network(f);
    f.proto_writes
        .iter()
        .take(4)
        .map(|w| {
            let mut h = Hit::new(
                &RULE,
                w.span,
                format!("overwrites `{}` of an imported package", w.target),
            );
            if network {
                h = h
                    .severity(Severity::Critical)
                    .signal(Signal::Exfiltration)
                    .signal(Signal::CredentialHarvesting);
                h.message
                    .push_str(" in a file that sends data over the network");
            }
            h
        })
        .collect()
}
