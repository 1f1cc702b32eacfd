//! SARIF: the official 2.1.0 schema, Microsoft's Multitool, and the mapping itself.

use crate::{fixture, tools};
use portcullis_report::{Format, RenderOptions, render};
use serde_json::Value;
use std::process::Command;

fn sarif_of(report: &portcullis_core::ScanReport) -> (String, Value) {
    let text = render(report, Format::Sarif, &RenderOptions::default()).expect("render sarif");
    let value: Value = serde_json::from_str(&text).expect("sarif is JSON");
    (text, value)
}

fn schema_errors(instance: &Value) -> Vec<String> {
    tools::ensure();
    let schema = tools::read_json(&tools::sarif_schema());
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Runs `Sarif.Multitool validate` (default levels: error and warning) and returns what it
/// reported, one line per result.
fn multitool_findings(sarif_text: &str) -> Vec<String> {
    tools::ensure();
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("portcullis.sarif");
    let output = dir.path().join("validation.sarif");
    std::fs::write(&input, sarif_text).expect("write sarif");
    let run = Command::new(tools::multitool())
        .arg("validate")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .args(["--log", "ForceOverwrite"])
        // The multitool is a self-contained .NET app; without ICU on the machine it needs
        // invariant globalization.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("run Sarif.Multitool");
    assert!(
        output.is_file(),
        "Sarif.Multitool wrote no log ({}):\n{}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let log = tools::read_json(&output);
    let mut out = Vec::new();
    for run in log["runs"].as_array().into_iter().flatten() {
        for r in run["results"].as_array().into_iter().flatten() {
            out.push(format!(
                "{} {}: {}",
                r["level"].as_str().unwrap_or("warning"),
                r["ruleId"].as_str().unwrap_or("?"),
                r["message"]["arguments"]
            ));
        }
        for inv in run["invocations"].as_array().into_iter().flatten() {
            for n in inv["toolExecutionNotifications"]
                .as_array()
                .into_iter()
                .flatten()
            {
                out.push(format!("tool notification: {}", n["message"]["text"]));
            }
        }
    }
    out
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let (_, v) = sarif_of(&fixture::report());
    let errors = schema_errors(&v);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    // And the validator really checks: a broken log must fail.
    let mut broken = v.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    broken["runs"][0]["columnKind"] = Value::from(3);
    assert!(schema_errors(&broken).len() >= 2);
}

#[test]
fn hostile_sarif_is_still_valid() {
    let (_, v) = sarif_of(&fixture::hostile_report());
    let errors = schema_errors(&v);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    let uris: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.contains(&"nodes/%1B%5D0%3Bowned%07%1B%5B2K%0DApproved.node.js"),
        "{uris:?}"
    );
}

#[test]
fn sarif_passes_the_microsoft_multitool() {
    let (text, _) = sarif_of(&fixture::report());
    let (hostile, _) = sarif_of(&fixture::hostile_report());
    let problems = multitool_findings(&hostile);
    assert!(
        problems.is_empty(),
        "Sarif.Multitool on the hostile report:\n{}",
        problems.join("\n")
    );
    let problems = multitool_findings(&text);
    assert!(
        problems.is_empty(),
        "Sarif.Multitool reported:\n{}",
        problems.join("\n")
    );
    // The multitool must actually be looking: a log without a tool version or
    // informationUri draws SARIF2005 warnings.
    let mut bare: Value = serde_json::from_str(&text).unwrap();
    let driver = bare["runs"][0]["tool"]["driver"].as_object_mut().unwrap();
    driver.remove("version");
    driver.remove("semanticVersion");
    driver.remove("informationUri");
    let problems = multitool_findings(&bare.to_string());
    assert!(
        problems.iter().any(|p| p.contains("SARIF2005")),
        "{problems:?}"
    );
}

#[test]
fn rules_carry_github_metadata() {
    let (_, v) = sarif_of(&fixture::report());
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let ci = &rules[0];
    assert_eq!(ci["id"], "js/command-injection");
    assert_eq!(ci["name"], "CommandInjection");
    assert_eq!(
        ci["shortDescription"]["text"],
        "User-controlled data reaches a shell command"
    );
    assert_eq!(
        ci["fullDescription"]["text"],
        "User-controlled data reaches a shell command."
    );
    assert!(
        ci["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Why is this bad?")
    );
    assert_eq!(ci["defaultConfiguration"]["level"], "error");
    assert_eq!(ci["properties"]["security-severity"], "8.0");
    let tags: Vec<&str> = ci["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        tags.contains(&"security") && tags.contains(&"external/cwe/cwe-78"),
        "{tags:?}"
    );
    // Every result's ruleIndex points at its rule, synthesised ones included.
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), 7, "one descriptor per distinct rule: {ids:?}");
    let driver = &v["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "portcullis");
    assert_eq!(driver["semanticVersion"], "0.1.0");
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
}

fn result_for<'a>(v: &'a Value, rule: &str) -> &'a Value {
    v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == rule)
        .unwrap_or_else(|| panic!("no result for {rule}"))
}

#[test]
fn results_map_locations_flows_fingerprints() {
    let report = fixture::report();
    let (_, v) = sarif_of(&report);
    let run = &v["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(
        run["automationDetails"]["id"],
        "portcullis/n8n-nodes-acme-shell/"
    );
    assert!(run["originalUriBaseIds"]["PKGROOT"]["description"]["text"].is_string());

    let r = result_for(&v, "js/command-injection");
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], fixture::SHELL_NODE_PATH);
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "PKGROOT");
    assert_eq!(loc["region"]["startLine"], 14);
    assert_eq!(loc["region"]["startColumn"], 29);
    assert_eq!(loc["region"]["endColumn"], 37);
    assert_eq!(
        loc["region"]["snippet"]["text"],
        "\t\t\tconst { stdout } = await run(cmd);"
    );
    let f = report
        .findings
        .iter()
        .find(|f| f.rule_id == "js/command-injection")
        .unwrap();
    assert_eq!(
        r["partialFingerprints"]["portcullis/v1"],
        f.fingerprint.as_str()
    );
    let steps = r["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(
        steps[0]["location"]["physicalLocation"]["region"]["startLine"],
        12
    );
    assert_eq!(
        steps[1]["location"]["physicalLocation"]["region"]["startLine"],
        13
    );
    assert!(
        steps[2]["location"]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("sink:")
    );
    assert_eq!(steps[2]["executionOrder"], 3);
    assert_eq!(r["baselineState"], "new");
    assert_eq!(r["properties"]["details"]["sink"], "child_process.exec");

    let dep = result_for(&v, "deps/vulnerable-dependency");
    assert_eq!(
        dep["properties"]["details"]["primary_advisory"],
        "GHSA-cph5-m8f7-6c5x"
    );
    assert_eq!(
        dep["properties"]["details"]["advisory_ids"][1],
        "CVE-2021-3749"
    );
    assert_eq!(dep["properties"]["tags"][0], "vulnerability");
}

#[test]
fn fixes_suppressions_and_baseline_states() {
    let (_, v) = sarif_of(&fixture::report());
    let tls = result_for(&v, "js/tls-verification-disabled");
    let change = &tls["fixes"][0]["artifactChanges"][0];
    assert_eq!(
        change["artifactLocation"]["uri"],
        fixture::GENERIC_FUNCTIONS_PATH
    );
    let rep = &change["replacements"][0];
    let off = rep["deletedRegion"]["byteOffset"].as_u64().unwrap() as usize;
    let len = rep["deletedRegion"]["byteLength"].as_u64().unwrap() as usize;
    assert_eq!(&fixture::GENERIC_FUNCTIONS[off..off + len], "false");
    assert_eq!(rep["insertedContent"]["text"], "true");
    assert_eq!(
        tls["fixes"][0]["description"]["text"],
        "Enable certificate verification"
    );

    let sup = result_for(&v, "js/dynamic-code");
    assert_eq!(sup["suppressions"][0]["kind"], "inSource");
    assert_eq!(sup["suppressions"][0]["status"], "accepted");
    assert!(
        sup["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("constant")
    );

    assert_eq!(
        result_for(&v, "supply-chain/install-script")["baselineState"],
        "unchanged"
    );
    assert!(result_for(&v, "secrets/aws-access-key-id")["suppressions"].is_null());

    // Config ignores and waivers are external suppressions.
    let mut report = fixture::report();
    for f in report
        .findings
        .iter_mut()
        .filter(|f| f.rule_id == "js/dynamic-code")
    {
        if let Some(s) = f.suppression.as_mut() {
            s.kind = portcullis_core::SuppressionKind::Waiver;
        }
    }
    let (_, v) = sarif_of(&report);
    assert_eq!(
        result_for(&v, "js/dynamic-code")["suppressions"][0]["kind"],
        "external"
    );
}

#[test]
fn invocation_reports_notices() {
    let (_, v) = sarif_of(&fixture::report());
    let inv = &v["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["level"], "warning");
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dist/bundle.min.js"
    );
    assert_eq!(notes[1]["level"], "note");
    // An error notice means the scan was incomplete.
    let (_, v) = sarif_of(&fixture::hostile_report());
    assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], false);
    assert_eq!(
        v["runs"][0]["properties"]["portcullis"]["decision"]["outcome"],
        "reject"
    );
}

#[test]
fn huge_runs_are_cut_to_what_github_accepts() {
    let report = fixture::many_findings_report(25_010);
    let (_, v) = sarif_of(&report);
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 25_000);
    // The cut drops the least severe: every critical and high finding is still there.
    let severe = report
        .findings
        .iter()
        .filter(|f| f.severity >= portcullis_core::Severity::High)
        .count();
    let kept_severe = results.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(kept_severe, severe);
    let notes = v["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes.iter().any(|n| n["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("17 of 25017 findings omitted")),
        "{notes:?}"
    );
}
