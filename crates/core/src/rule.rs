//! Rules as first-class objects.
//!
//! Every rule is declared once, as a [`Rule`]: its id, title, category, default severity and
//! confidence, CWE and OWASP references, the gate [`Signal`]s it contributes, its user
//! documentation and its fixtures. Analyzers build findings from the declaration
//! ([`crate::Finding::from_rule`]), so a finding's category, severity, CWEs and signals come
//! from one place, and the gate reads the signals, never the text of the id. `rules list`,
//! `rules show`, SARIF's `tool.driver.rules` and `docs/rules/` all render the same value.
//!
//! Built-in rules are statics made with [`declare_rule!`], whose doc comment *is* the rule's
//! documentation (ruff's model: `## What it does`, `## Why is this bad?`, `## Example`,
//! `## Use instead`, `## References`). A typed static is the id: a misspelt rule is a
//! compile error. Rules that are data (secret detectors, user rules) build the same type at
//! run time; the fields are `Cow` so both kinds need no leaking.

use crate::{Category, Confidence, Severity};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// What a rule contributes to the gate. The policies test signals; a rule declares which it
/// carries, and a finding inherits them from its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signal {
    /// A credential written into the package.
    HardCodedSecret,
    /// A hard-coded secret confirmed live (or matched by a provider format that cannot be a
    /// placeholder). Set on the finding by the analyzer, not by the rule.
    VerifiedSecret,
    /// Code that npm (or the platform) runs when the package is installed.
    LifecycleScript,
    /// Install-time code doing something an install never needs: network, DNS, spawning,
    /// reading the environment, the home directory or credential stores, writing outside
    /// the package.
    InstallTimeExecution,
    /// A payload fetched and run.
    DownloadExecute,
    /// Data (credentials, environment, host facts) sent somewhere it was not declared to go.
    Exfiltration,
    /// Reading stores of other programs' credentials (browser profiles, Discord, `~/.ssh`,
    /// `~/.npmrc`, `~/.aws`, keychains).
    CredentialHarvesting,
    /// Code or calls hidden from review (encoded payloads, computed API names, packers).
    Obfuscation,
    /// A dependency known to be malicious.
    MaliciousDependency,
    /// A shipped executable or native addon.
    NativeBinary,
    /// Network egress the manifest does not declare.
    UndeclaredEgress,
    /// Code that was not analysed (too large, too deep, unparsable, out of time).
    UnanalysedCode,
    /// Good practice that does not by itself make the extension unsafe.
    Hygiene,
}

impl Signal {
    pub const ALL: [Signal; 13] = [
        Signal::HardCodedSecret,
        Signal::VerifiedSecret,
        Signal::LifecycleScript,
        Signal::InstallTimeExecution,
        Signal::DownloadExecute,
        Signal::Exfiltration,
        Signal::CredentialHarvesting,
        Signal::Obfuscation,
        Signal::MaliciousDependency,
        Signal::NativeBinary,
        Signal::UndeclaredEgress,
        Signal::UnanalysedCode,
        Signal::Hygiene,
    ];

    /// The name the policies and reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::HardCodedSecret => "hard-coded-secret",
            Signal::VerifiedSecret => "verified-secret",
            Signal::LifecycleScript => "lifecycle-script",
            Signal::InstallTimeExecution => "install-time-execution",
            Signal::DownloadExecute => "download-execute",
            Signal::Exfiltration => "exfiltration",
            Signal::CredentialHarvesting => "credential-harvesting",
            Signal::Obfuscation => "obfuscation",
            Signal::MaliciousDependency => "malicious-dependency",
            Signal::NativeBinary => "native-binary",
            Signal::UndeclaredEgress => "undeclared-egress",
            Signal::UnanalysedCode => "unanalysed-code",
            Signal::Hygiene => "hygiene",
        }
    }

    pub fn parse(s: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule's declaration. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// `<analyzer>/<rule>`, the id findings carry.
    pub id: Cow<'static, str>,
    /// Human name (`Command injection`).
    pub title: Cow<'static, str>,
    pub category: Category,
    /// Severity of a finding unless the analyzer has a reason to say otherwise.
    pub severity: Severity,
    pub confidence: Confidence,
    /// One line: what a finding of this rule means.
    pub summary: Cow<'static, str>,
    /// Markdown with the sections `## What it does`, `## Why is this bad?`, `## Example`,
    /// `## Use instead`, `## References`.
    pub docs: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub cwe: Cow<'static, [u32]>,
    /// OWASP Top 10 entries (`A03:2021`).
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub owasp: Cow<'static, [Cow<'static, str>]>,
    /// Gate signals every finding of this rule carries.
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub signals: Cow<'static, [Signal]>,
    /// Fixture paths relative to the repository root: files the rule must fire on
    /// (`pos`) and must not (`neg`). Tests of the declaring crate check both.
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub fixtures: Cow<'static, [Fixture]>,
}

/// A file a rule is tested against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fixture {
    pub path: Cow<'static, str>,
    /// Whether the rule must fire on it.
    pub fires: bool,
}

impl Rule {
    /// A rule built at run time (a data-driven detector, a user's rule).
    pub fn dynamic(
        id: impl Into<String>,
        title: impl Into<String>,
        category: Category,
        severity: Severity,
    ) -> Rule {
        Rule {
            id: Cow::Owned(id.into()),
            title: Cow::Owned(title.into()),
            category,
            severity,
            confidence: Confidence::High,
            summary: Cow::Borrowed(""),
            docs: Cow::Borrowed(""),
            cwe: Cow::Borrowed(&[]),
            owasp: Cow::Borrowed(&[]),
            signals: Cow::Borrowed(&[]),
            fixtures: Cow::Borrowed(&[]),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The analyzer prefix of the id (`js` of `js/command-injection`).
    pub fn analyzer(&self) -> &str {
        self.id.split('/').next().unwrap_or(&self.id)
    }

    pub fn has_signal(&self, s: Signal) -> bool {
        self.signals.contains(&s)
    }

    /// The body of one `## heading` section of [`Rule::docs`], trimmed; `None` when absent.
    pub fn section(&self, heading: &str) -> Option<&str> {
        let mut start = None;
        let mut offset = 0;
        for line in self.docs.split_inclusive('\n') {
            let t = line.trim();
            if let Some(h) = t.strip_prefix("## ") {
                if let Some(s) = start {
                    return Some(self.docs[s..offset].trim());
                }
                if h.trim()
                    .trim_end_matches(['?', ':'])
                    .eq_ignore_ascii_case(heading.trim().trim_end_matches(['?', ':']))
                {
                    start = Some(offset + line.len());
                }
            }
            offset += line.len();
        }
        start.map(|s| self.docs[s..].trim())
    }

    /// [`Rule::docs`] as plain Markdown (the space rustdoc keeps after `///` removed).
    pub fn docs_markdown(&self) -> String {
        doc_text(&self.docs)
    }

    /// The legacy metadata view (`rules list`, SARIF) until every consumer reads [`Rule`].
    pub fn meta(&self) -> RuleMeta {
        RuleMeta {
            id: self.id.to_string(),
            name: self.title.to_string(),
            category: self.category,
            default_severity: self.severity,
            short_description: self.summary.to_string(),
            help: self.docs_markdown(),
            cwe: self.cwe.to_vec(),
            references: Vec::new(),
        }
    }
}

/// Strips the one space rustdoc leaves after `///` from each line of a doc comment that
/// [`declare_rule!`] collected.
pub fn doc_text(raw: &str) -> String {
    raw.lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Declares a built-in rule as a `static` [`Rule`]; the doc comment is its documentation.
///
/// ```
/// use portcullis_core::declare_rule;
/// declare_rule! {
///     /// ## What it does
///     /// Finds `eval` of a network response.
///     ///
///     /// ## Why is this bad?
///     /// Whoever controls the server runs code in the platform.
///     pub static EVAL_NETWORK = {
///         id: "example/eval-network",
///         title: "Network response evaluated",
///         category: Code,
///         severity: Critical,
///         confidence: High,
///         summary: "A network response reaches eval",
///         cwe: [94, 95],
///         owasp: ["A03:2021"],
///         signals: [DownloadExecute],
///         fixtures: [pos "crates/x/fixtures/eval.js", neg "crates/x/fixtures/no-eval.js"],
///     }
/// }
/// assert_eq!(EVAL_NETWORK.id(), "example/eval-network");
/// assert!(EVAL_NETWORK.section("Why is this bad?").unwrap().contains("platform"));
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        $vis:vis static $name:ident = {
            id: $id:expr,
            title: $title:expr,
            category: $cat:ident,
            severity: $sev:ident,
            confidence: $conf:ident,
            summary: $summary:expr
            $(, cwe: [$($cwe:expr),* $(,)?])?
            $(, owasp: [$($owasp:expr),* $(,)?])?
            $(, signals: [$($sig:ident),* $(,)?])?
            $(, fixtures: [$($kind:ident $fx:expr),* $(,)?])?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis static $name: $crate::rule::Rule = $crate::rule::Rule {
            id: ::std::borrow::Cow::Borrowed($id),
            title: ::std::borrow::Cow::Borrowed($title),
            category: $crate::Category::$cat,
            severity: $crate::Severity::$sev,
            confidence: $crate::Confidence::$conf,
            summary: ::std::borrow::Cow::Borrowed($summary),
            docs: ::std::borrow::Cow::Borrowed(concat!($($doc, "\n"),*)),
            cwe: ::std::borrow::Cow::Borrowed(&[$($($cwe),*)?]),
            owasp: ::std::borrow::Cow::Borrowed(&[$($(::std::borrow::Cow::Borrowed($owasp)),*)?]),
            signals: ::std::borrow::Cow::Borrowed(&[$($($crate::rule::Signal::$sig),*)?]),
            fixtures: ::std::borrow::Cow::Borrowed(&[$($($crate::rule::Fixture {
                path: ::std::borrow::Cow::Borrowed($fx),
                fires: $crate::declare_rule!(@fires $kind),
            }),*)?]),
        };
    };
    (@fires pos) => { true };
    (@fires neg) => { false };
}

/// Rule metadata: what `rules list`, SARIF `tool.driver.rules` and the docs show.
///
/// Derived from a [`Rule`] with [`Rule::meta`]; kept while consumers move to [`Rule`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMeta {
    /// `<analyzer>/<rule>`, the same id findings carry.
    pub id: String,
    /// Human name (`Command injection`).
    pub name: String,
    pub category: Category,
    pub default_severity: Severity,
    /// One line.
    pub short_description: String,
    /// Markdown: what it does, why it is bad, example, fix, references.
    pub help: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwe: Vec<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    declare_rule! {
        /// ## What it does
        /// Finds a thing.
        ///
        /// ## Why is this bad?
        /// Because.
        ///
        /// ## References
        /// - <https://cwe.mitre.org/data/definitions/78.html>
        static SAMPLE = {
            id: "test/sample",
            title: "Sample",
            category: Code,
            severity: High,
            confidence: Medium,
            summary: "A sample rule",
            cwe: [78],
            signals: [Exfiltration, Hygiene],
            fixtures: [pos "a.js", neg "b.js"],
        }
    }

    #[test]
    fn declaration_carries_everything() {
        assert_eq!(SAMPLE.id(), "test/sample");
        assert_eq!(SAMPLE.analyzer(), "test");
        assert_eq!(SAMPLE.severity, Severity::High);
        assert_eq!(SAMPLE.confidence, Confidence::Medium);
        assert_eq!(&*SAMPLE.cwe, &[78]);
        assert!(SAMPLE.has_signal(Signal::Exfiltration));
        assert!(!SAMPLE.has_signal(Signal::HardCodedSecret));
        assert_eq!(SAMPLE.fixtures.len(), 2);
        assert!(SAMPLE.fixtures[0].fires && !SAMPLE.fixtures[1].fires);
        assert_eq!(SAMPLE.section("what it does"), Some("Finds a thing."));
        assert_eq!(SAMPLE.section("Why is this bad"), Some("Because."));
        assert!(
            SAMPLE
                .section("References")
                .unwrap()
                .contains("cwe.mitre.org")
        );
        assert_eq!(SAMPLE.section("Example"), None);
    }

    #[test]
    fn signal_names_round_trip() {
        for s in Signal::ALL {
            assert_eq!(Signal::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(Signal::parse("secret"), None);
    }

    #[test]
    fn rule_serializes_and_reads_back() {
        let json = serde_json::to_string(&SAMPLE).unwrap();
        let back: Rule = serde_json::from_str(&json).unwrap();
        assert_eq!(back, SAMPLE);
    }
}
