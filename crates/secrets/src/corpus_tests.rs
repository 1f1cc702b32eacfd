//! The labelled corpus: every rule's `t` fixtures must be reported by that rule, none of its
//! `f` fixtures may be, and no serialized finding may contain the secret.

use crate::rules::{self, Rule};
use crate::{Config, SecretsAnalyzer};
use portcullis_core::{Analyzer, Context, FileKind, Finding, Origin, Package, SourceFile};

/// Expands `{{cls:n}}` into `n` deterministic pseudo-random characters of class `cls`, so the
/// rule file holds no real-looking token (push protection, and honesty: these are synthetic).
pub(crate) fn expand(template: &str, seed: u64) -> String {
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            out.push_str(&rest[i..]);
            return out;
        };
        let spec = &after[..j];
        match spec.split_once(':') {
            Some((cls, n)) if n.parse::<usize>().is_ok() => {
                let n: usize = n.parse().unwrap_or(0);
                let alphabet: &str = match cls {
                    "an" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                    "hex" => "0123456789abcdef",
                    "HEX" => "0123456789ABCDEF",
                    "up" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                    "lo" => "abcdefghijklmnopqrstuvwxyz0123456789",
                    "al" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                    "AL" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                    "az" => "abcdefghijklmnopqrstuvwxyz",
                    "d" => "0123456789",
                    "b64" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                    "url" => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
                    "b32" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                    "x" => "x",
                    "bech" => "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
                    _ => panic!("unknown fixture class `{cls}`"),
                };
                let a = alphabet.as_bytes();
                let mut prev = 0u8;
                let mut k = 0;
                while k < n {
                    let c = a[(next() % a.len() as u64) as usize];
                    // Avoid runs (the placeholder filter rejects 6 equal characters).
                    if c == prev && a.len() > 1 {
                        continue;
                    }
                    prev = c;
                    out.push(c as char);
                    k += 1;
                }
            }
            _ if spec == "uuid" => {
                let h = expand(
                    "{{hex:8}}-{{hex:4}}-4{{hex:3}}-a{{hex:3}}-{{hex:12}}",
                    next(),
                );
                out.push_str(&h);
            }
            _ => {
                out.push_str("{{");
                out.push_str(spec);
                out.push_str("}}");
            }
        }
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    out
}

/// A fixture may start with `@path\n` to choose the file it is scanned as.
pub(crate) fn split_path(fixture: &str) -> (&str, &str) {
    let rest = fixture.strip_prefix('@');
    // `\n` in a TOML literal string is two characters: accept both separators.
    let split = rest.and_then(|r| {
        let a = r.find('\n');
        let b = r.find("\\n");
        match (a, b) {
            (Some(a), Some(b)) if b < a => Some((&r[..b], &r[b + 2..])),
            (Some(a), _) => Some((&r[..a], &r[a + 1..])),
            (None, Some(b)) => Some((&r[..b], &r[b + 2..])),
            (None, None) => None,
        }
    });
    match split {
        Some((p, body)) => (p, body),
        None => ("nodes/Acme/Acme.node.js", fixture),
    }
}

pub(crate) fn scan_one(an: &SecretsAnalyzer, path: &str, text: &str) -> Vec<Finding> {
    let kind = crate::context::kind_from_path(path);
    let file = SourceFile::new(path, kind, text.as_bytes().to_vec());
    let pkg = Package {
        source: "t".into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files: vec![file.clone()],
    };
    let cx = Context {
        package: &pkg,
        extension: None,
    };
    assert!(an.wants(&file) || kind == FileKind::Lockfile);
    an.analyze_file(&file, &cx).findings
}

fn secret_of(an: &SecretsAnalyzer, rule: &Rule, text: &str) -> Option<String> {
    if rule.spec.kind == rules::RuleKind::Extract {
        // No regex: the first pair the rule reads in the fixture.
        let idx = an.set.rules.iter().position(|r| r.id == rule.id)?;
        let m = an
            .set
            .find(text.as_bytes(), &|r| r == idx)
            .into_iter()
            .next()?;
        return text.get(m.secret.0..m.secret.1).map(str::to_string);
    }
    rule.regex()?
        .captures(text.as_bytes())
        .and_then(|c| c.get(rule.group))
        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
}

fn seed(id: &str, i: usize) -> u64 {
    id.bytes()
        .fold(1469598103934665603u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(1099511628211)
        })
        .wrapping_add(i as u64 * 7919)
}

#[test]
fn every_rule_compiles_and_has_labelled_fixtures() {
    let specs = rules::parse_rules(rules::BUILTIN_RULES, "built-in").unwrap();
    assert!(specs.len() >= 150, "only {} rules", specs.len());
    let mut ids = std::collections::HashSet::new();
    for s in &specs {
        assert!(ids.insert(s.id.clone()), "duplicate id {}", s.id);
        assert!(!s.t.is_empty(), "{}: no true fixture", s.id);
        assert!(!s.f.is_empty(), "{}: no false fixture", s.id);
    }
    // The analyzer compiles built-in regexes lazily; here every one must compile eagerly
    // (syntax and size limit), so that none can silently match nothing at scan time.
    for s in specs {
        let id = s.id.clone();
        if let Err(e) = Rule::compile(s, "built-in") {
            panic!("{id}: {e}");
        }
    }
}

#[test]
fn corpus_true_fixtures_are_found_and_redacted() {
    let an = SecretsAnalyzer::new(Config::default()).unwrap();
    let mut failures = Vec::new();
    for rule in &an.set.rules {
        for (i, t) in rule.spec.t.iter().enumerate() {
            let text = expand(t, seed(&rule.spec.id, i));
            let (path, body) = split_path(&text);
            let findings = scan_one(&an, path, body);
            let Some(f) = findings.iter().find(|f| f.rule_id == rule.id) else {
                let got: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
                failures.push(format!(
                    "{} t[{i}] not found (got {got:?}): {body}",
                    rule.id
                ));
                continue;
            };
            let Some(secret) = secret_of(&an, rule, body) else {
                failures.push(format!("{} t[{i}]: regex does not match directly", rule.id));
                continue;
            };
            let json = serde_json::to_string(&findings).unwrap();
            let escaped = serde_json::to_string(&secret).unwrap();
            let escaped = escaped.trim_matches('"');
            // The redacted form shows 4 characters; nothing past them may appear.
            let tail: String = secret.chars().skip(4).collect();
            let tail_json = serde_json::to_string(&tail).unwrap();
            let tail_json = tail_json.trim_matches('"');
            if json.contains(&secret) || json.contains(escaped) || json.contains(tail_json) {
                failures.push(format!("{} t[{i}]: secret leaked into {json}", rule.id));
            }
            if f.fingerprint_key != portcullis_core::redact::secret_hash(&secret) {
                failures.push(format!(
                    "{} t[{i}]: fingerprint key is not the hash",
                    rule.id
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_false_fixtures_are_not_reported() {
    let an = SecretsAnalyzer::new(Config::default()).unwrap();
    let mut failures = Vec::new();
    for rule in &an.set.rules {
        for (i, f) in rule.spec.f.iter().enumerate() {
            let text = expand(f, seed(&rule.spec.id, 1000 + i));
            let (path, body) = split_path(&text);
            if scan_one(&an, path, body)
                .iter()
                .any(|x| x.rule_id == rule.id)
            {
                failures.push(format!("{} f[{i}] reported: {body}", rule.id));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
