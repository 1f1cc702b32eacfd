//! One file per behaviour rule. Each declares its [`Rule`] (docs, signals, fixtures) and a
//! `check` over the [`Facts`] of one file.

use crate::facts::Facts;
use oxc_span::Span;
use portcullis_core::Severity;
use portcullis_core::rule::{Rule, Signal};

pub mod credential_harvesting;
pub mod dll_hijacking;
pub mod encoded_payload;
pub mod env_exfiltration;
pub mod eval_network;
pub mod hidden_api_call;
pub mod obfuscated_network;
pub mod phone_home;
pub mod prototype_hijack;
pub mod shady_link;
pub mod silent_process;
pub mod steganography;
pub mod webhook_exfiltration;

/// What a check sees.
pub struct Cx<'a> {
    pub facts: &'a Facts,
    pub path: &'a str,
}

/// One occurrence a check reports.
pub struct Hit {
    pub rule: &'static Rule,
    pub span: Span,
    pub message: String,
    /// Overrides the rule's default severity for this occurrence.
    pub severity: Option<Severity>,
    /// Signals this occurrence adds to the rule's.
    pub signals: Vec<Signal>,
}

impl Hit {
    pub fn new(rule: &'static Rule, span: Span, message: String) -> Hit {
        Hit {
            rule,
            span,
            message,
            severity: None,
            signals: Vec::new(),
        }
    }
    pub fn severity(mut self, s: Severity) -> Hit {
        self.severity = Some(s);
        self
    }
    pub fn signal(mut self, s: Signal) -> Hit {
        self.signals.push(s);
        self
    }
}

pub type Check = fn(&Cx<'_>) -> Vec<Hit>;

/// Every file-level behaviour check with its rule.
pub static CHECKS: &[(&Rule, Check)] = &[
    (&credential_harvesting::RULE, credential_harvesting::check),
    (&eval_network::RULE, eval_network::check),
    (&encoded_payload::RULE, encoded_payload::check),
    (&prototype_hijack::RULE, prototype_hijack::check),
    (&phone_home::RULE, phone_home::check),
    (&webhook_exfiltration::RULE, webhook_exfiltration::check),
    (&obfuscated_network::RULE, obfuscated_network::check),
    (&env_exfiltration::RULE, env_exfiltration::check),
    (&silent_process::RULE, silent_process::check),
    (&steganography::RULE, steganography::check),
    (&dll_hijacking::RULE, dll_hijacking::check),
    (&shady_link::RULE, shady_link::check),
    (&hidden_api_call::RULE, hidden_api_call::check),
];

/// Whether the file makes a network call anywhere.
pub fn has_network(f: &Facts) -> bool {
    f.calls.iter().any(|c| crate::api::is_network(&c.callee))
}

/// The first network call in the function `func` or lexically inside `span`.
pub fn network_near(f: &Facts, func: Span, span: Span) -> Option<&crate::facts::Call> {
    f.calls.iter().find(|c| {
        crate::api::is_network(&c.callee)
            && (c.func == func
                || (c.span.start >= span.start && c.span.end <= span.end)
                || (span.start >= c.span.start && span.end <= c.span.end))
    })
}

/// `/`-separated, lower-case form of a path-like string.
pub fn norm(s: &str) -> String {
    s.replace('\\', "/").to_ascii_lowercase()
}

/// The folded texts of a call's arguments and every string written inside them
/// (`path.join(dir, 'version.dll')` yields `version.dll`).
pub fn arg_texts(f: &Facts, c: &crate::facts::Call) -> Vec<String> {
    let mut out: Vec<String> = c.args.iter().filter_map(|a| a.text.clone()).collect();
    for a in &c.args {
        out.extend(
            f.strings
                .iter()
                .filter(|l| l.span.start >= a.span.start && l.span.end <= a.span.end)
                .take(16)
                .map(|l| l.value.clone()),
        );
    }
    out
}
