//! The bundled examples produce exactly what `examples/expected.toml` promises: every
//! planted problem found at its line (taint findings with their trace), the clean example
//! clean, and each gate outcome as documented.

use std::path::Path;
use std::process::Command;

#[derive(serde::Deserialize)]
struct Expectation {
    outcome: String,
    find: Vec<(String, String, u32)>,
}

const TAINT_RULES: &[&str] = &[
    "js/command-injection",
    "js/code-injection",
    "js/path-traversal",
    "js/ssrf",
    "js/xss",
    "js/credential-leak",
];

#[test]
fn every_example_produces_its_documented_findings() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let text = std::fs::read_to_string(examples.join("expected.toml")).unwrap();
    let expected: std::collections::BTreeMap<String, Expectation> = toml::from_str(&text).unwrap();
    assert!(expected.len() >= 4);
    let mut problems = Vec::new();
    for (name, exp) in &expected {
        let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .args([
                "scan",
                examples.join(name).to_str().unwrap(),
                "--format",
                "json",
            ])
            .env(
                "PORTCULLIS_DB_DIR",
                std::env::temp_dir().join("portcullis-examples-test-no-db"),
            )
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{name}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let findings = report["findings"].as_array().unwrap();
        if report["decision"]["outcome"] != exp.outcome.as_str() {
            problems.push(format!(
                "{name}: outcome {} (expected {})",
                report["decision"]["outcome"], exp.outcome
            ));
        }
        let expected_code = if exp.outcome == "approve" { 0 } else { 1 };
        if out.status.code() != Some(expected_code) {
            problems.push(format!(
                "{name}: exit code {:?} (expected {expected_code})",
                out.status.code()
            ));
        }
        for (rule, path, line) in &exp.find {
            let hit = findings.iter().find(|f| {
                f["rule_id"] == rule.as_str()
                    && f["location"]["path"] == path.as_str()
                    && f["location"]["region"]["start_line"].as_u64().unwrap_or(0)
                        == u64::from(*line)
            });
            match hit {
                None => problems.push(format!("{name}: missing {rule} at {path}:{line}")),
                Some(f)
                    if TAINT_RULES.contains(&rule.as_str())
                        && f["evidence"].as_array().is_none_or(|e| e.len() < 2) =>
                {
                    problems.push(format!(
                        "{name}: {rule} at {path}:{line} has no source-to-sink trace"
                    ))
                }
                Some(_) => {}
            }
        }
        if exp.find.is_empty() && !findings.is_empty() {
            problems.push(format!(
                "{name}: expected no findings, got {}",
                serde_json::Value::Array(findings.clone())
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
