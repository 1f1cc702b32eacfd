//! Degenerate and extreme input: every format renders without panicking, and the machine
//! formats stay schema-valid.

use crate::fixture;
use portcullis_core::*;
use portcullis_report::{Format, RenderOptions, render};

fn weird_report() -> ScanReport {
    let mut r = fixture::report();
    let regions = [
        None,
        Some(Region::default()),
        Some(Region {
            start_line: u32::MAX,
            start_column: u32::MAX,
            end_line: u32::MAX,
            end_column: u32::MAX,
        }),
        Some(Region {
            start_line: 7,
            start_column: 90,
            end_line: 3,
            end_column: 1,
        }),
        Some(Region::line(2)),
    ];
    for (i, region) in regions.into_iter().enumerate() {
        let mut f = Finding::new(
            format!("weird/rule-{i}"),
            Category::Manifest,
            Severity::ALL[i % 5],
            "",
            Location {
                path: if i == 0 {
                    String::new()
                } else {
                    format!("🦀/{i}?#%.js")
                },
                region,
                snippet: Some("\n\n\r\n\t\u{0}".repeat(i + 1)),
            },
        )
        .with_evidence(Location::file(""), "")
        .with_fix(Fix {
            description: String::new(),
            replacements: vec![Replacement {
                path: "a.js".into(),
                start: 10,
                end: 2,
                text: String::new(),
            }],
        });
        f.cwe = vec![u32::MAX];
        r.findings.push(f);
    }
    r.components.push(Component {
        ecosystem: Ecosystem::PyPI,
        name: "Weird_Name".into(),
        version: None,
        requested: Some(">=1".into()),
        direct: false,
        scope: DependencyScope::Optional,
        path: vec!["x".into(); 3],
        found_in: String::new(),
        source: Some("file:../local".into()),
        license: Some("(((".into()),
        integrity: Some("sha512-".into()),
    });
    r.rules.push(r.rules[0].clone()); // duplicate metadata
    r.tool.version = "dev".into();
    r.stats = ScanStats::default();
    r
}

#[test]
fn degenerate_input_renders_everywhere() {
    let r = weird_report();
    for format in Format::ALL {
        for verbose in [false, true] {
            let out = render(
                &r,
                format,
                &RenderOptions {
                    verbose,
                    color: verbose,
                    max_per_rule: 0,
                    ..RenderOptions::default()
                },
            )
            .unwrap_or_else(|e| panic!("{format}: {e}"));
            assert!(out.ends_with('\n'), "{format}");
        }
    }
}

#[test]
fn degenerate_input_is_still_valid_sarif() {
    let text = render(&weird_report(), Format::Sarif, &RenderOptions::default()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    crate::tools::ensure();
    let schema = crate::tools::read_json(&crate::tools::sarif_schema());
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The duplicated rule metadata yields one descriptor.
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: std::collections::BTreeSet<&str> =
        rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), rules.len());
    assert!(v["runs"][0]["tool"]["driver"]["semanticVersion"].is_null());
}

#[test]
fn degenerate_input_is_still_valid_cyclonedx() {
    let text = render(
        &weird_report(),
        Format::Cyclonedx,
        &RenderOptions::default(),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let errors = crate::cyclonedx::schema_errors(&v);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let weird = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Weird_Name")
        .unwrap();
    assert_eq!(weird["purl"], "pkg:pypi/weird-name");
    assert_eq!(weird["scope"], "optional");
    assert!(
        weird.get("hashes").is_none(),
        "an empty SRI digest is not a hash"
    );
    assert_eq!(weird["licenses"][0]["license"]["name"], "(((");
    assert_eq!(weird["externalReferences"][0]["type"], "other");
}
