//! JSON: the `ScanReport` itself, round-trippable.

use crate::fixture;
use portcullis_core::ScanReport;
use portcullis_report::{Format, RenderOptions, render};

#[test]
fn json_round_trips_and_keeps_every_field() {
    let report = fixture::report();
    let text = render(&report, Format::Json, &RenderOptions::default()).unwrap();
    assert!(text.ends_with("}\n"));
    let back: ScanReport = serde_json::from_str(&text).expect("parses back into a ScanReport");
    assert_eq!(back.findings, report.findings);
    assert_eq!(back.components, report.components);
    assert_eq!(back.decision, report.decision);
    assert_eq!(back.observed, report.observed);
    assert_eq!(back.notices, report.notices);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema_version"], portcullis_core::REPORT_SCHEMA_VERSION);
    assert_eq!(v["findings"][0]["rule_id"], "js/command-injection");
    assert_eq!(v["findings"][0]["evidence"].as_array().unwrap().len(), 3);
    assert_eq!(v["decision"]["outcome"], "reject");
}

#[test]
fn json_escapes_control_characters() {
    let text = render(
        &fixture::hostile_report(),
        Format::Json,
        &RenderOptions::default(),
    )
    .unwrap();
    assert!(!text.contains('\x1b'));
    assert!(text.contains("\\u001b"));
}

/// Every key the JSON report can contain (as exercised by the fixture) is documented in
/// `docs/json-report.md`, so the document cannot silently fall behind the format.
#[test]
fn every_field_is_documented() {
    let doc_path = crate::tools::workspace_root().join("docs/json-report.md");
    let doc = std::fs::read_to_string(&doc_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", doc_path.display()));
    let text = render(&fixture::report(), Format::Json, &RenderOptions::default()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut keys = std::collections::BTreeSet::new();
    collect_keys(&v, &mut keys);
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(missing.is_empty(), "undocumented JSON fields: {missing:?}");
    assert!(doc.contains(&format!("`\"{}\"`", portcullis_core::REPORT_SCHEMA_VERSION)));
}

/// Object keys, recursively, except inside free-form maps (their keys are data).
fn collect_keys(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                out.insert(k.clone());
                if !matches!(k.as_str(), "properties" | "analyzer_ms") {
                    collect_keys(child, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_keys(x, out)),
        _ => {}
    }
}
