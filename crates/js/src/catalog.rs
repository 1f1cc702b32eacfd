//! The compiled rule catalog: built-in and user spec files merged, validated and indexed by
//! callee name so the evaluator's per-call lookup is a hash probe, not a scan of every rule.

use crate::JsError;
use crate::spec::{
    AliasDef, BUILTIN, CapabilityDef, PatternDef, RuleDef, SanitizerDef, SinkDef, SourceDef,
    SpecFile,
};
use portcullis_core::RuleMeta;
use regex::bytes::{Regex, RegexBuilder};
use std::collections::HashMap;

/// Which files a source applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Always,
    N8n,
    NodeRed,
    Forge,
}

/// Callee names → entry numbers, for exact names, `*.method` and `prefix.*` patterns.
#[derive(Debug, Default)]
pub struct NameIndex {
    exact: HashMap<String, Vec<u32>>,
    method: HashMap<String, Vec<u32>>,
    prefix: Vec<(String, u32)>,
}

impl NameIndex {
    fn insert(&mut self, pattern: &str, entry: u32) {
        if let Some(m) = pattern.strip_prefix("*.") {
            self.method.entry(m.to_string()).or_default().push(entry);
        } else if let Some(p) = pattern.strip_suffix(".*") {
            self.prefix.push((p.to_string(), entry));
        } else {
            self.exact
                .entry(pattern.to_string())
                .or_default()
                .push(entry);
        }
    }

    /// Entries matching a resolved name and/or method name, deduplicated, in entry order.
    pub fn lookup(&self, qname: Option<&str>, method: Option<&str>, out: &mut Vec<u32>) {
        out.clear();
        if let Some(q) = qname {
            if let Some(v) = self.exact.get(q) {
                out.extend_from_slice(v);
            }
            for (p, e) in &self.prefix {
                if let Some(rest) = q.strip_prefix(p.as_str())
                    && rest.starts_with('.')
                    && !rest[1..].contains('.')
                {
                    out.push(*e);
                }
            }
        }
        if let Some(m) = method
            && let Some(v) = self.method.get(m)
        {
            out.extend_from_slice(v);
        }
        out.sort_unstable();
        out.dedup();
    }
}

#[derive(Debug)]
pub struct CompiledPattern {
    pub def: PatternDef,
    pub rule: usize,
    pub regex: Option<Regex>,
}

#[derive(Debug, Default)]
pub struct Catalog {
    pub rules: Vec<RuleDef>,
    rule_index: HashMap<String, usize>,
    pub sources: Vec<(Scope, SourceDef)>,
    pub source_calls: NameIndex,
    pub source_callbacks: NameIndex,
    pub source_members: HashMap<String, Vec<u32>>,
    pub sinks: Vec<(usize, SinkDef)>,
    pub sink_calls: NameIndex,
    pub sink_props: HashMap<String, Vec<u32>>,
    pub sink_assign: HashMap<String, Vec<u32>>,
    pub sanitizers: Vec<(u64, SanitizerDef)>,
    pub sanitizer_calls: NameIndex,
    pub patterns: Vec<CompiledPattern>,
    pub pattern_calls: NameIndex,
    pub pattern_members: HashMap<String, Vec<u32>>,
    pub pattern_imports: HashMap<String, Vec<u32>>,
    pub caps: Vec<CapabilityDef>,
    pub cap_calls: NameIndex,
    pub aliases: Vec<AliasDef>,
    /// First segments of alias sources: most names need no alias scan.
    alias_heads: std::collections::HashSet<String>,
}

impl Catalog {
    /// The built-in catalog plus user spec files (`(display name, parsed file)`).
    pub fn build(user: Vec<(String, SpecFile)>) -> Result<Catalog, JsError> {
        let mut files: Vec<(String, Scope, SpecFile)> = Vec::new();
        for (name, text) in BUILTIN {
            let spec: SpecFile = toml::from_str(text).map_err(|e| JsError::Spec {
                file: format!("built-in {name}"),
                reason: e.to_string(),
            })?;
            let scope = match *name {
                "n8n.toml" => Scope::N8n,
                "node-red.toml" => Scope::NodeRed,
                "forge.toml" => Scope::Forge,
                _ => Scope::Always,
            };
            files.push((format!("built-in {name}"), scope, spec));
        }
        for (name, spec) in user {
            files.push((name, Scope::Always, spec));
        }
        let mut cat = Catalog::default();
        for b in crate::rules::BUILTINS {
            let r = b.rule;
            cat.rule_index.insert(r.id.to_string(), cat.rules.len());
            cat.rules.push(RuleDef {
                decl: Some(r),
                id: r.id.to_string(),
                name: r.title.to_string(),
                severity: r.severity,
                category: r.category,
                cwe: r.cwe.to_vec(),
                short: r.summary.to_string(),
                message: b.message.to_string(),
                remediation: b.remediation.to_string(),
                help: r.docs_markdown(),
                references: Vec::new(),
            });
        }
        // Rules first, so sinks in any file may refer to rules of any file.
        for (file, _, spec) in &files {
            for r in &spec.rule {
                if r.id.trim().is_empty() || r.id.contains(char::is_whitespace) {
                    return Err(JsError::Spec {
                        file: file.clone(),
                        reason: format!("rule id `{}` is empty or has spaces", r.id),
                    });
                }
                if cat.rule_index.contains_key(&r.id) {
                    return Err(JsError::Spec {
                        file: file.clone(),
                        reason: format!("rule `{}` is defined twice", r.id),
                    });
                }
                cat.rule_index.insert(r.id.clone(), cat.rules.len());
                cat.rules.push(r.clone());
            }
        }
        for (file, scope, spec) in files {
            let rule_of = |id: &str, what: &str| -> Result<usize, JsError> {
                cat.rule_index
                    .get(id)
                    .copied()
                    .ok_or_else(|| JsError::Spec {
                        file: file.clone(),
                        reason: format!("{what} refers to unknown rule `{id}`"),
                    })
            };
            let mut resolved_sinks = Vec::new();
            for s in spec.sink {
                let r = rule_of(&s.rule, "a [[sink]]")?;
                if s.call.is_empty() && s.property.is_empty() && s.assign.is_empty() {
                    return Err(JsError::Spec {
                        file: file.clone(),
                        reason: format!(
                            "a [[sink]] of `{}` has no `call`, `property` or `assign`",
                            s.rule
                        ),
                    });
                }
                resolved_sinks.push((r, s));
            }
            let mut resolved_patterns = Vec::new();
            for p in spec.pattern {
                let r = rule_of(&p.rule, "a [[pattern]]")?;
                if p.call.is_empty() && p.member.is_empty() && p.import.is_empty() {
                    return Err(JsError::Spec {
                        file: file.clone(),
                        reason: format!(
                            "a [[pattern]] of `{}` has no `call`, `member` or `import`",
                            p.rule
                        ),
                    });
                }
                let regex = match &p.arg {
                    Some(a) => Some(RegexBuilder::new(&a.regex).unicode(false).build().map_err(
                        |e| JsError::Spec {
                            file: file.clone(),
                            reason: format!("bad regex in a [[pattern]] of `{}`: {e}", p.rule),
                        },
                    )?),
                    None => None,
                };
                resolved_patterns.push(CompiledPattern {
                    def: p,
                    rule: r,
                    regex,
                });
            }
            let mut resolved_sanitizers = Vec::new();
            for s in spec.sanitizer {
                let mut mask = 0u64;
                for id in &s.rules {
                    let r = rule_of(id, "a [[sanitizer]]")?;
                    if r < 64 {
                        mask |= 1 << r;
                    }
                }
                resolved_sanitizers.push((if s.rules.is_empty() { u64::MAX } else { mask }, s));
            }
            for c in &spec.capability {
                if !matches!(
                    c.kind.as_str(),
                    "network"
                        | "client-fetch"
                        | "websocket"
                        | "raw-socket"
                        | "child-process"
                        | "fs-read"
                        | "fs-write"
                        | "dynamic-code"
                        | "native-module"
                ) {
                    return Err(JsError::Spec {
                        file: file.clone(),
                        reason: format!("unknown capability kind `{}`", c.kind),
                    });
                }
            }
            for (r, s) in resolved_sinks {
                let i = idx(cat.sinks.len());
                for c in &s.call {
                    cat.sink_calls.insert(c, i);
                }
                for p in &s.property {
                    cat.sink_props.entry(p.clone()).or_default().push(i);
                }
                for a in &s.assign {
                    cat.sink_assign.entry(a.clone()).or_default().push(i);
                }
                cat.sinks.push((r, s));
            }
            for p in resolved_patterns {
                let i = idx(cat.patterns.len());
                for c in &p.def.call {
                    cat.pattern_calls.insert(c, i);
                }
                for m in &p.def.member {
                    cat.pattern_members.entry(m.clone()).or_default().push(i);
                }
                for m in &p.def.import {
                    cat.pattern_imports.entry(m.clone()).or_default().push(i);
                }
                cat.patterns.push(p);
            }
            for (mask, s) in resolved_sanitizers {
                let i = idx(cat.sanitizers.len());
                for c in &s.call {
                    cat.sanitizer_calls.insert(c, i);
                }
                cat.sanitizers.push((mask, s));
            }
            for s in spec.source {
                let i = idx(cat.sources.len());
                for c in &s.call {
                    cat.source_calls.insert(c, i);
                }
                for c in &s.callback {
                    cat.source_callbacks.insert(c, i);
                }
                for m in &s.member {
                    cat.source_members.entry(m.clone()).or_default().push(i);
                }
                cat.sources.push((scope, s));
            }
            for c in spec.capability {
                let i = idx(cat.caps.len());
                for n in &c.call {
                    cat.cap_calls.insert(n, i);
                }
                cat.caps.push(c);
            }
            cat.aliases.extend(spec.alias);
        }
        cat.alias_heads = cat
            .aliases
            .iter()
            .map(|a| a.from.split('.').next().unwrap_or("").to_string())
            .collect();
        // Longest alias first, so `fs.promises` wins over a shorter prefix.
        cat.aliases
            .sort_by(|a, b| b.from.len().cmp(&a.from.len()).then(a.from.cmp(&b.from)));
        Ok(cat)
    }

    pub fn rule_index(&self, id: &str) -> Option<usize> {
        self.rule_index.get(id).copied()
    }

    /// The catalog entry of a built-in rule (always present: built-ins are seeded first).
    pub fn builtin(&self, rule: &'static portcullis_core::rule::Rule) -> usize {
        crate::rules::BUILTINS
            .iter()
            .position(|b| std::ptr::eq(b.rule, rule))
            .unwrap_or(usize::MAX)
    }

    /// The sanitizer bit of a rule (only the first 64 rules can be sanitized selectively).
    pub fn rule_bit(rule: usize) -> Option<u32> {
        u32::try_from(rule).ok().filter(|r| *r < 64)
    }

    /// Applies module aliases to a qualified name (`fs-extra.readFile` → `fs.readFile`,
    /// `window.fetch` → `fetch`).
    pub fn alias(&self, qname: &str) -> String {
        if !self
            .alias_heads
            .contains(qname.split('.').next().unwrap_or(""))
        {
            return qname.to_string();
        }
        for a in &self.aliases {
            if let Some(rest) = qname.strip_prefix(a.from.as_str())
                && (rest.is_empty() || rest.starts_with('.'))
            {
                if a.to.is_empty() {
                    return rest.trim_start_matches('.').to_string();
                }
                return format!("{}{}", a.to, rest);
            }
        }
        qname.to_string()
    }

    pub fn metas(&self) -> Vec<RuleMeta> {
        self.rules
            .iter()
            .map(|r| match r.decl {
                Some(d) => d.meta(),
                None => RuleMeta {
                    id: r.id.clone(),
                    name: r.name.clone(),
                    category: r.category,
                    default_severity: r.severity,
                    short_description: r.short.clone(),
                    help: r.help.clone(),
                    cwe: r.cwe.clone(),
                    references: r.references.clone(),
                },
            })
            .collect()
    }
}

fn idx(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_builds_and_aliases() {
        let cat = Catalog::build(Vec::new()).expect("builtin catalog");
        assert!(cat.rule_index("js/command-injection").is_some());
        assert_eq!(cat.alias("fs-extra.readFile"), "fs.readFile");
        assert_eq!(cat.alias("fs.promises.readFile"), "fs.readFile");
        assert_eq!(cat.alias("window.fetch"), "fetch");
        assert_eq!(cat.alias("windowed.fetch"), "windowed.fetch");
        let mut out = Vec::new();
        cat.sink_calls
            .lookup(Some("child_process.exec"), Some("exec"), &mut out);
        assert!(!out.is_empty());
    }

    #[test]
    fn unknown_rule_in_user_spec_is_an_error() {
        let spec: SpecFile = toml::from_str(
            r#"
            [[sink]]
            rule = "acme/nope"
            call = ["x.y"]
            "#,
        )
        .unwrap();
        let err = Catalog::build(vec![("acme.toml".into(), spec)]).unwrap_err();
        assert!(err.to_string().contains("acme.toml"));
        assert!(err.to_string().contains("acme/nope"));
    }
}
