//! The malware-behaviour analyzer.
//!
//! [`BehaviourAnalyzer`] looks for what malicious npm packages *do*, not for bugs: it parses
//! every JavaScript/TypeScript file once with oxc, records facts ([`facts`]: resolved calls,
//! folded and decoded strings, prototype writes, computed API names, environment reads) and
//! runs one rule per behaviour over them ([`rules`]: credential harvesting, remote code
//! loaders, encoded payloads, prototype hijacking, beacons, webhook drop boxes, obfuscated
//! droppers, environment exfiltration, silent processes, steganography, DLL planting, shady
//! links, hidden API names). GuardDog's npm source-code rules are the anchor for the list.
//!
//! Per package it resolves the npm lifecycle hooks the way npm runs them ([`shell`],
//! [`lifecycle`]) and analyses the JavaScript they start as install-time code ([`install`]),
//! adding the platform context GuardDog lacks (a platform extension has no reason to run
//! code at install).
//!
//! Every rule is a [`declare_rule!`](portcullis_core::declare_rule) static listed in
//! [`RULES`]; findings carry the rule's gate signals. Parsing is bounded by size and nesting,
//! folding by depth and length, and lifecycle resolution by a command budget.

pub mod api;
pub mod facts;
pub mod install;
pub mod lifecycle;
pub mod rules;
pub mod shell;

use portcullis_core::location::LineIndex;
use portcullis_core::rule::Rule;
use portcullis_core::{Analyzer, Context, Finding, NoticeLevel, Output, RuleMeta, SourceFile};

/// Every rule of this analyzer: the file behaviours, then the install-time rules. A test
/// checks it lists exactly the rules of [`rules::CHECKS`] and [`install::INSTALL_RULES`].
pub static RULES: &[&Rule] = &[
    &rules::credential_harvesting::RULE,
    &rules::eval_network::RULE,
    &rules::encoded_payload::RULE,
    &rules::prototype_hijack::RULE,
    &rules::phone_home::RULE,
    &rules::webhook_exfiltration::RULE,
    &rules::obfuscated_network::RULE,
    &rules::env_exfiltration::RULE,
    &rules::silent_process::RULE,
    &rules::steganography::RULE,
    &rules::dll_hijacking::RULE,
    &rules::shady_link::RULE,
    &rules::hidden_api_call::RULE,
    &install::INSTALL_NETWORK,
    &install::INSTALL_PROCESS,
    &install::INSTALL_SENSITIVE_READ,
    &install::INSTALL_WRITE_OUTSIDE,
    &install::EXTENSION_INSTALL_HOOK,
];

/// See the crate documentation.
#[derive(Debug, Clone, Default)]
pub struct BehaviourAnalyzer;

impl BehaviourAnalyzer {
    pub fn new() -> Self {
        BehaviourAnalyzer
    }

    /// The behaviour findings of one file's text.
    pub fn check_source(&self, path: &str, text: &str, out: &mut Output) {
        let facts = match facts::collect(path, text) {
            Ok(f) => f,
            Err(why) => {
                let reason = match why {
                    facts::Skipped::TooLarge(n) => {
                        format!("{n} bytes, over the {} byte limit", facts::MAX_FILE_BYTES)
                    }
                    facts::Skipped::TooDeep(n) => {
                        format!("brackets nest {n} deep, over {}", facts::MAX_NESTING)
                    }
                    facts::Skipped::Unparsable => "the parser gave up".into(),
                };
                out.notice(
                    NoticeLevel::Warning,
                    Some(path),
                    format!("behaviour analysis skipped: {reason}"),
                );
                return;
            }
        };
        let cx = rules::Cx {
            facts: &facts,
            path,
        };
        let index = LineIndex::new(text);
        for (_, check) in rules::CHECKS {
            for hit in check(&cx) {
                let loc =
                    index.location(path, text, hit.span.start as usize, hit.span.end as usize);
                let mut f = Finding::from_rule(hit.rule, hit.message, loc);
                if let Some(s) = hit.severity {
                    f.severity = s;
                }
                for s in hit.signals {
                    f = f.with_signal(s);
                }
                out.finding(f);
            }
        }
    }
}

impl Analyzer for BehaviourAnalyzer {
    fn name(&self) -> &'static str {
        "behaviour"
    }

    fn rules(&self) -> Vec<RuleMeta> {
        RULES.iter().map(|r| r.meta()).collect()
    }

    fn wants(&self, file: &SourceFile) -> bool {
        file.kind.is_script() && facts::source_type(&file.path).is_some()
    }

    fn analyze_file(&self, file: &SourceFile, _cx: &Context<'_>) -> Output {
        let mut out = Output::default();
        if let Some(text) = file.text() {
            self.check_source(&file.path, text, &mut out);
        }
        // Tests and examples are not loaded by the platform: they never decide a reject on
        // their own (install-time code is judged by `analyze_package`, wherever it lives).
        if file.is_test_or_example() {
            for f in &mut out.findings {
                f.signals.clear();
                f.severity = f.severity.lower().lower();
            }
        }
        out
    }

    fn analyze_package(&self, cx: &Context<'_>) -> Output {
        let mut out = Output::default();
        install::analyze(cx.package, cx.extension.map(|e| e.platform), &mut out);
        out
    }
}
