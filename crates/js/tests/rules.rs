//! Every built-in rule is tested through the fixture harness (`ruleid:` / `ok:` annotations
//! in `tests/fixtures`), the same way `portcullis rules test DIR` runs a user's fixtures.

use portcullis_core::Analyzer;
use portcullis_js::{Config, JsAnalyzer, run_rule_tests};
use std::path::Path;

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

#[test]
fn builtin_rule_fixtures_pass() {
    let a = JsAnalyzer::new(Config::default()).expect("analyzer");
    let report = run_rule_tests(fixtures(), &a);
    assert!(report.passed(), "{}", report.summary());
}

#[test]
fn every_builtin_rule_has_positive_and_negative_fixtures() {
    let a = JsAnalyzer::new(Config::default()).expect("analyzer");
    let report = run_rule_tests(fixtures(), &a);
    for rule in a.rules() {
        assert!(
            report.positive.contains(&rule.id),
            "no passing `ruleid: {}` fixture",
            rule.id
        );
        if rule.id != "js/parse-error" {
            assert!(
                report.negative.contains(&rule.id),
                "no passing `ok: {}` fixture",
                rule.id
            );
        }
    }
}

/// The repository root (fixture paths in rule declarations are relative to it).
fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn declared_fixtures_fire_and_stay_quiet() {
    let a = JsAnalyzer::new(Config::default()).expect("analyzer");
    for rule in portcullis_js::RULES {
        let pos = rule.fixtures.iter().filter(|f| f.fires).count();
        let neg = rule.fixtures.iter().filter(|f| !f.fires).count();
        assert!(
            pos > 0 && neg > 0,
            "{}: needs a positive and a negative fixture",
            rule.id
        );
        for fx in rule.fixtures.iter() {
            let path = repo_root().join(&*fx.path);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {}: {e}", rule.id, fx.path));
            let out = portcullis_js::harness::analyze_fixture(&a, &fx.path, &text);
            let hits = out.findings.iter().filter(|f| f.rule_id == rule.id).count();
            if fx.fires {
                assert!(hits > 0, "{} does not fire on {}", rule.id, fx.path);
            } else {
                assert_eq!(
                    hits, 0,
                    "{} fires on its negative fixture {}",
                    rule.id, fx.path
                );
            }
        }
    }
}

#[test]
fn declarations_are_documented_and_signalled() {
    use portcullis_core::rule::Signal;
    let mut ids = std::collections::HashSet::new();
    for rule in portcullis_js::RULES {
        assert!(ids.insert(rule.id()), "{} declared twice", rule.id);
        assert!(rule.id.starts_with("js/"), "{}", rule.id);
        for s in [
            "What it does",
            "Why is this bad?",
            "Example",
            "Use instead",
            "References",
        ] {
            assert!(
                rule.section(s).is_some_and(|t| !t.is_empty()),
                "{}: no `## {s}` section",
                rule.id
            );
        }
        // Unanalysed code is what the not-analysed rule says, and only it.
        assert_eq!(
            rule.has_signal(Signal::UnanalysedCode),
            rule.id == "js/not-analysed",
            "{}",
            rule.id
        );
        // Injection-class findings are decided by severity, not by a malware signal.
        if rule
            .cwe
            .iter()
            .any(|c| [78, 94, 89, 22, 918, 79].contains(c))
        {
            assert!(rule.signals.is_empty(), "{}: {:?}", rule.id, rule.signals);
        }
    }
    // The catalog lists exactly the declarations (user rules aside).
    let a = JsAnalyzer::new(Config::default()).expect("analyzer");
    let listed: Vec<String> = a.rules().into_iter().map(|m| m.id).collect();
    let declared: Vec<String> = portcullis_js::RULES
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(listed, declared);
}
