//! The rule registry: every built-in rule of every analyzer crate, in one list.
//!
//! `rules list`, `rules show`, `rules docs`, SARIF's `tool.driver.rules` and the report's
//! rule metadata all read [`builtin`] (through [`crate::Pipeline::all_rules`], which adds the
//! rules a configuration defines, e.g. a user's own secret detectors).

use portcullis_core::RuleMeta;
use portcullis_core::rule::Rule;
use std::borrow::Cow;

/// The declared rule slices of the analyzer crates.
fn declared() -> impl Iterator<Item = &'static Rule> {
    portcullis_adapters::RULES
        .iter()
        .chain(portcullis_capabilities::RULES)
        .chain(portcullis_deps::rules::RULES)
        .chain(portcullis_js::RULES)
        .chain(portcullis_supply_chain::rules::RULES)
        .chain(portcullis_behaviour::RULES)
        .chain(portcullis_dynamic::RULES)
        .chain(crate::unanalysed::RULES)
        .copied()
        .chain(portcullis_secrets::decl::rules())
}

/// Every built-in rule with a declaration, sorted by id.
///
/// Crates whose rules are still described by legacy [`RuleMeta`] (their `Analyzer::rules`)
/// join through [`crate::Pipeline::all_rules`] until they expose a `RULES` slice.
pub fn builtin() -> Vec<Rule> {
    let mut out: Vec<Rule> = declared().cloned().collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out.dedup_by(|a, b| a.id == b.id);
    out
}

/// A [`Rule`] from legacy metadata: no signals, no fixtures, confidence high.
pub fn from_meta(m: RuleMeta) -> Rule {
    let mut r = Rule::dynamic(m.id, m.name, m.category, m.default_severity);
    r.summary = Cow::Owned(m.short_description);
    r.docs = Cow::Owned(m.help);
    r.cwe = Cow::Owned(m.cwe);
    r
}

/// The rule with this id in `rules`, or the ids closest to it (for an error message).
pub fn lookup<'a>(rules: &'a [Rule], id: &str) -> Result<&'a Rule, Vec<&'a str>> {
    if let Some(r) = rules.iter().find(|r| r.id == id) {
        return Ok(r);
    }
    let wanted = id.trim().to_ascii_lowercase();
    let tail = wanted.rsplit('/').next().unwrap_or(&wanted).to_string();
    let mut near: Vec<&str> = rules
        .iter()
        .map(|r| r.id())
        .filter(|rid| {
            let l = rid.to_ascii_lowercase();
            !tail.is_empty()
                && (l.contains(&tail) || wanted.contains(l.rsplit('/').next().unwrap_or("")))
        })
        .collect();
    near.truncate(5);
    Err(near)
}

/// A rule's documentation page: title, facts, the declaration's docs and its fixtures. The
/// same text `portcullis rules show` prints and `docs/rules/` holds.
pub fn page(rule: &Rule) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "# {} (`{}`)\n", rule.title, rule.id);
    if !rule.summary.is_empty() {
        let _ = writeln!(out, "{}\n", rule.summary.trim());
    }
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Category | {} |", rule.category);
    let _ = writeln!(out, "| Default severity | {} |", rule.severity);
    let _ = writeln!(out, "| Confidence | {} |", rule.confidence.as_str());
    if !rule.signals.is_empty() {
        let s: Vec<String> = rule.signals.iter().map(|s| format!("`{s}`")).collect();
        let _ = writeln!(out, "| Gate signals | {} |", s.join(", "));
    }
    if !rule.cwe.is_empty() {
        let c: Vec<String> = rule
            .cwe
            .iter()
            .map(|c| format!("[CWE-{c}](https://cwe.mitre.org/data/definitions/{c}.html)"))
            .collect();
        let _ = writeln!(out, "| CWE | {} |", c.join(", "));
    }
    if !rule.owasp.is_empty() {
        let o: Vec<&str> = rule.owasp.iter().map(|o| o.as_ref()).collect();
        let _ = writeln!(out, "| OWASP Top 10 | {} |", o.join(", "));
    }
    let docs = rule.docs_markdown();
    if !docs.trim().is_empty() {
        let _ = writeln!(out, "\n{}", docs.trim());
    }
    if !rule.fixtures.is_empty() {
        let _ = writeln!(out, "\n## Fixtures\n");
        for f in rule.fixtures.iter() {
            let what = if f.fires {
                "fires on"
            } else {
                "stays quiet on"
            };
            let _ = writeln!(out, "- {what} `{}`", f.path);
        }
    }
    out
}

/// Where a rule's page lives under `docs/rules/`: `<analyzer>/<rule>.md`, with anything but
/// `[a-z0-9._-]` in a name replaced (ids of data-driven rules are not ours to trust).
pub fn page_path(rule: &Rule) -> std::path::PathBuf {
    let clean = |s: &str| -> String {
        let s: String = s
            .chars()
            .map(|c| {
                let c = c.to_ascii_lowercase();
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        match s.trim_matches('.') {
            "" => "_".to_string(),
            t => t.to_string(),
        }
    };
    let (analyzer, name) = rule.id.split_once('/').unwrap_or(("other", &rule.id));
    std::path::Path::new(&clean(analyzer)).join(format!("{}.md", clean(name)))
}

/// Every file of `docs/rules/`: one page per rule and a `README.md` index, as
/// `(relative path, text)` sorted by path.
pub fn doc_files(rules: &[Rule]) -> Vec<(std::path::PathBuf, String)> {
    use std::fmt::Write;
    let mut files: Vec<(std::path::PathBuf, String)> =
        rules.iter().map(|r| (page_path(r), page(r))).collect();
    let mut index = String::from(
        "# Rules\n\nGenerated from the rule declarations by `portcullis rules docs --out docs/rules`; \
         do not edit by hand (a test fails when these pages and the declarations differ).\n\n\
         | Rule | Severity | Signals | Summary |\n|---|---|---|---|\n",
    );
    for r in rules {
        let signals: Vec<&str> = r.signals.iter().map(|s| s.as_str()).collect();
        let _ = writeln!(
            index,
            "| [`{}`]({}) | {} | {} | {} |",
            r.id,
            page_path(r).display(),
            r.severity,
            signals.join(", "),
            r.summary.trim().replace('|', "\\|").replace('\n', " ")
        );
    }
    files.push(("README.md".into(), index));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::rule::Signal;

    #[test]
    fn every_declared_rule_is_in_the_registry_once_with_docs() {
        let rules = builtin();
        let n = declared().count();
        assert_eq!(rules.len(), n, "duplicate rule ids across crates");
        for r in &rules {
            assert!(r.section("What it does").is_some(), "{}", r.id);
            assert!(r.section("Why is this bad?").is_some(), "{}", r.id);
            assert!(!r.summary.is_empty(), "{}", r.id);
        }
    }

    #[test]
    fn signals_are_declared_where_the_gate_needs_them() {
        let rules = builtin();
        let get = |id: &str| rules.iter().find(|r| r.id == id).unwrap();
        assert!(get("deps/malicious-package").has_signal(Signal::MaliciousDependency));
        assert!(get("capability/undeclared-egress").has_signal(Signal::UndeclaredEgress));
        assert!(get("deps/malformed-lockfile").has_signal(Signal::UnanalysedCode));
        let field = get("n8n/credential-password-field");
        assert!(field.has_signal(Signal::Hygiene));
        assert!(!field.has_signal(Signal::HardCodedSecret));
        assert_ne!(field.category, portcullis_core::Category::Secret);
    }

    #[test]
    fn lookup_names_near_ids() {
        let rules = builtin();
        assert!(lookup(&rules, "deps/malicious-package").is_ok());
        let near = lookup(&rules, "deps/malicious").unwrap_err();
        assert!(near.contains(&"deps/malicious-package"), "{near:?}");
        assert!(
            lookup(&rules, "nope/nothing-like-it")
                .unwrap_err()
                .is_empty()
        );
    }
}
