//! The declarative rule format shared by built-in and user rules.
//!
//! Sources, sinks, sanitizers, capability probes and plain call/member patterns are *data*: the
//! built-in catalog is a handful of TOML files embedded with `include_str!` (one per platform
//! plus the platform-independent sinks), and a user's `portcullis.toml` `[js]` section or rule
//! files use exactly the same tables. Only what a pattern cannot say (ReDoS analysis of regex
//! literals, prototype-pollution shape, TLS literals) is Rust.
//!
//! Callee patterns are matched against *resolved* qualified names: `child_process.exec` matches
//! `const cp = require('node:child_process'); cp.exec(x)` and `import {exec as run} from
//! 'child_process'; run(x)`. A pattern `*.name` matches a method called `name` on any receiver.

use portcullis_core::{Category, Severity};
use serde::Deserialize;

/// One file of declarative rules. Every table is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct SpecFile {
    /// Rule metadata (id, severity, CWE, help). Sinks and patterns refer to these ids.
    pub rule: Vec<RuleDef>,
    pub source: Vec<SourceDef>,
    pub sink: Vec<SinkDef>,
    pub sanitizer: Vec<SanitizerDef>,
    pub pattern: Vec<PatternDef>,
    pub capability: Vec<CapabilityDef>,
    /// Qualified-name prefixes that mean the same module (`fs-extra` → `fs`).
    pub alias: Vec<AliasDef>,
}

impl SpecFile {
    pub fn extend(&mut self, other: SpecFile) {
        self.rule.extend(other.rule);
        self.source.extend(other.source);
        self.sink.extend(other.sink);
        self.sanitizer.extend(other.sanitizer);
        self.pattern.extend(other.pattern);
        self.capability.extend(other.capability);
        self.alias.extend(other.alias);
    }
}

/// Metadata of one rule: what `rules list` and SARIF show. Built-in rules are
/// [`crate::rules`] declarations (`decl`); user rules are this table.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RuleDef {
    /// The declaration of a built-in rule; `None` for user rules.
    #[serde(skip)]
    pub decl: Option<&'static portcullis_core::rule::Rule>,
    pub id: String,
    pub name: String,
    pub severity: Severity,
    #[serde(default = "default_category")]
    pub category: Category,
    #[serde(default)]
    pub cwe: Vec<u32>,
    /// One line for `rules list`.
    pub short: String,
    /// The finding message; `{source}` and `{sink}` are replaced for taint findings.
    pub message: String,
    pub remediation: String,
    /// Markdown: what it does, why it is bad, example, fix, references.
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub references: Vec<String>,
}

fn default_category() -> Category {
    Category::Code
}

/// Where untrusted (or secret) data enters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct SourceDef {
    /// Human label shown in traces (`n8n node parameter`).
    pub label: String,
    /// The result of calling one of these is tainted.
    pub call: Vec<String>,
    /// Reading one of these member paths is tainted. The first segment is an identifier
    /// *name* (`req.query`): request objects are parameters whose type is not visible.
    pub member: Vec<String>,
    /// A callback given to one of these calls receives tainted parameters.
    pub callback: Vec<String>,
    /// For `callback`: only when argument `index` is the string literal `equals`.
    pub when_arg: Option<ArgEquals>,
    /// For `callback`: which parameters of the callback are tainted.
    pub params: Vec<usize>,
    /// Credential material (drives the credential-leak and cleartext rules), not attacker data.
    pub secret: bool,
    /// Configured by the platform user (a node parameter) rather than by arbitrary input.
    pub user_configured: bool,
    /// For `call`: the argument whose string literal names the parameter (`getNodeParameter('url')`).
    pub name_arg: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ArgEquals {
    pub index: usize,
    pub equals: String,
}

/// Where tainted data must not arrive.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct SinkDef {
    pub rule: String,
    /// Calls (or `new`) of these qualified names.
    pub call: Vec<String>,
    /// Assignments to a property with one of these names (`innerHTML`).
    pub property: Vec<String>,
    /// Assignments to one of these qualified member paths (`location.href`).
    pub assign: Vec<String>,
    /// Argument indices checked; empty means every argument.
    pub args: Vec<usize>,
    /// When the argument is an object, only these properties are checked.
    pub props: Vec<String>,
    /// Check credential (secret) taint instead of untrusted-input taint.
    pub secret: bool,
    /// Fire only when the tainted part can reach the URL's host (SSRF).
    pub host_only: bool,
    /// Do not fire for library-mode taint (exported-function parameters).
    pub skip_library: bool,
    /// Do not fire for user-configured sources (node parameters).
    pub skip_user_configured: bool,
    /// Only when argument `index` is the string literal `equals`.
    pub when_arg: Option<ArgEquals>,
    /// Only calls with at least this many arguments (`collection.update(query, doc)`, not
    /// `hash.update(data)`).
    pub min_args: usize,
    /// Not when this argument is a string literal (`hash.update(data, 'utf8')`).
    pub unless_literal_arg: Option<usize>,
    /// Only in browser/editor code (HTML script blocks, JSX/TSX, code using `document`).
    pub ui_only: bool,
    /// Only when the argument's constant text looks like SQL (`SELECT`, `INSERT`, …).
    pub sql_like: bool,
    /// Words for the message (`shell command`).
    pub what: String,
}

/// Calls whose result is clean for some rules.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct SanitizerDef {
    pub call: Vec<String>,
    /// The rules the result is safe for; empty means all.
    pub rules: Vec<String>,
}

/// A non-taint pattern: a call, member read, or import that is itself the problem.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct PatternDef {
    pub rule: String,
    pub call: Vec<String>,
    pub member: Vec<String>,
    /// `require`/`import` of one of these module names.
    pub import: Vec<String>,
    /// Only when this argument's source text matches `regex`.
    pub arg: Option<ArgText>,
    /// Only when no call to one of these appears in the same file.
    pub unless_call_in_file: Vec<String>,
    /// Only for these platforms (`n8n`, `node-red`, …); empty means all.
    pub platforms: Vec<String>,
    /// The finding message (defaults to the rule's).
    pub message: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ArgText {
    pub index: usize,
    /// When the argument is an object literal, match this property's value instead.
    pub prop: Option<String>,
    pub regex: String,
}

/// What a call tells about the extension's capabilities.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct CapabilityDef {
    pub call: Vec<String>,
    /// `network`, `client-fetch`, `websocket`, `raw-socket`, `child-process`, `fs-read`,
    /// `fs-write`, `dynamic-code`, `native-module`.
    pub kind: String,
    /// The argument holding the URL / host / path / command.
    pub arg: Option<usize>,
    /// When that argument is an object: the properties that hold it.
    pub props: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AliasDef {
    pub from: String,
    pub to: String,
}

/// The built-in spec files, in load order.
pub const BUILTIN: &[(&str, &str)] = &[
    ("common.toml", include_str!("../specs/common.toml")),
    ("node.toml", include_str!("../specs/node.toml")),
    ("n8n.toml", include_str!("../specs/n8n.toml")),
    ("node-red.toml", include_str!("../specs/node-red.toml")),
    ("forge.toml", include_str!("../specs/forge.toml")),
    ("library.toml", include_str!("../specs/library.toml")),
];

/// Whether a callee pattern matches a resolved qualified name or a method name.
pub fn callee_matches(pattern: &str, qname: Option<&str>, method: Option<&str>) -> bool {
    if let Some(m) = pattern.strip_prefix("*.") {
        return method == Some(m);
    }
    if let Some(prefix) = pattern.strip_suffix(".*") {
        return qname.is_some_and(|q| {
            q.strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.') && !rest[1..].contains('.'))
        });
    }
    qname == Some(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_specs_parse() {
        for (name, text) in BUILTIN {
            let parsed: Result<SpecFile, _> = toml::from_str(text);
            assert!(parsed.is_ok(), "{name}: {:?}", parsed.err());
        }
    }

    #[test]
    fn callee_patterns() {
        assert!(callee_matches(
            "child_process.exec",
            Some("child_process.exec"),
            Some("exec")
        ));
        assert!(!callee_matches(
            "child_process.exec",
            Some("child_process.execSync"),
            None
        ));
        assert!(callee_matches("*.query", None, Some("query")));
        assert!(callee_matches(
            "RED.httpAdmin.*",
            Some("RED.httpAdmin.get"),
            Some("get")
        ));
        assert!(!callee_matches(
            "RED.httpAdmin.*",
            Some("RED.httpAdmin.a.b"),
            Some("b")
        ));
    }
}
