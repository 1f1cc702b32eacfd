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
