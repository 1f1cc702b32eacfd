//! CycloneDX: the official 1.6 schema (with its SPDX and JSF sub-schemas) and the mapping.

use crate::{fixture, tools};
use portcullis_report::{Format, RenderOptions, render};
use serde_json::Value;

fn bom_of(report: &portcullis_core::ScanReport) -> Value {
    let text = render(report, Format::Cyclonedx, &RenderOptions::default()).expect("render");
    serde_json::from_str(&text).expect("bom is JSON")
}

pub fn schema_errors(bom: &Value) -> Vec<String> {
    tools::ensure();
    let dir = tools::cyclonedx_schema_dir();
    let schema = tools::read_json(&dir.join("bom-1.6.SNAPSHOT.schema.json"));
    // The BOM schema refers to its siblings relative to its `$id`
    // (http://cyclonedx.org/schema/…); serve them from the npm package, offline.
    let registry = jsonschema::Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
            tools::read_json(&dir.join("spdx.SNAPSHOT.schema.json")),
        )
        .and_then(|r| {
            r.add(
                "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
                tools::read_json(&dir.join("jsf-0.82.SNAPSHOT.schema.json")),
            )
        })
        .and_then(|r| r.prepare())
        .expect("registry of CycloneDX sub-schemas");
    let validator = jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the CycloneDX schema compiles");
    validator
        .iter_errors(bom)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sbom_is_valid_cyclonedx_1_6() {
    let bom = bom_of(&fixture::report());
    let errors = schema_errors(&bom);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    // The validator is really checking: a wrong scope and a bad hash must fail.
    let mut broken = bom.clone();
    broken["components"][0]["scope"] = Value::from("sometimes");
    broken["components"][0]["hashes"][0]["content"] = Value::from("xyz");
    assert!(schema_errors(&broken).len() >= 2);
}

#[test]
fn hostile_and_empty_reports_are_valid_too() {
    let errors = schema_errors(&bom_of(&fixture::hostile_report()));
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let mut bare = fixture::report();
    bare.extension = None;
    bare.components.clear();
    bare.target.sha256 = "not a hash".into();
    let bom = bom_of(&bare);
    let errors = schema_errors(&bom);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(
        bom["metadata"]["component"]["name"],
        "n8n-nodes-acme-shell-1.4.2.tgz"
    );
}

fn component<'a>(bom: &'a Value, purl: &str) -> &'a Value {
    bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["purl"] == purl)
        .unwrap_or_else(|| panic!("no component {purl}"))
}

#[test]
fn components_carry_purls_scopes_hashes_licenses() {
    let bom = bom_of(&fixture::report());
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    let meta = &bom["metadata"]["component"];
    assert_eq!(meta["name"], "n8n-nodes-acme-shell");
    assert_eq!(meta["version"], "1.4.2");
    assert_eq!(meta["purl"], "pkg:npm/n8n-nodes-acme-shell@1.4.2");
    assert_eq!(meta["hashes"][0]["alg"], "SHA-256");
    assert_eq!(
        bom["metadata"]["tools"]["components"][0]["name"],
        "portcullis"
    );

    // axios is listed twice in the input (lockfile + node_modules): once in the SBOM.
    let comps = bom["components"].as_array().unwrap();
    assert_eq!(comps.len(), 6);

    let axios = component(&bom, "pkg:npm/axios@0.21.1");
    assert_eq!(axios["scope"], "required");
    assert_eq!(axios["hashes"][0]["alg"], "SHA-512");
    // sha512("axios-0.21.1"), hex of the base64 SRI digest.
    assert!(
        axios["hashes"][0]["content"]
            .as_str()
            .unwrap()
            .starts_with("5728487a0acd277d")
    );
    assert_eq!(axios["licenses"][0]["expression"], "MIT");

    let types = component(&bom, "pkg:npm/%40types/node@20.0.0");
    assert_eq!(types["group"], "@types");
    assert_eq!(types["name"], "node");
    assert_eq!(types["scope"], "excluded");

    let wf = component(&bom, "pkg:npm/n8n-workflow@1.0.0");
    assert_eq!(
        wf["licenses"][0]["license"]["name"],
        "SEE LICENSE IN LICENSE.md"
    );
    assert!(
        wf["properties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "portcullis:scope" && p["value"] == "peer")
    );

    let git = component(&bom, "pkg:npm/acme-utils@0.3.0");
    assert_eq!(git["externalReferences"][0]["type"], "vcs");
    assert_eq!(
        git["externalReferences"][0]["url"],
        "git+https://github.com/acme/acme-utils.git#8d5c0f1"
    );
    assert!(git.get("hashes").is_none());
}

#[test]
fn dependency_graph_follows_paths() {
    let bom = bom_of(&fixture::report());
    let deps = bom["dependencies"].as_array().unwrap();
    let of = |r: &str| -> Vec<String> {
        deps.iter()
            .find(|d| d["ref"] == r)
            .map(|d| {
                d["dependsOn"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let root = of("pkg:npm/n8n-nodes-acme-shell@1.4.2");
    assert!(
        root.contains(&"pkg:npm/axios@0.21.1".to_string()),
        "{root:?}"
    );
    assert!(root.contains(&"pkg:npm/typescript@5.4.5".to_string()));
    assert!(!root.contains(&"pkg:npm/follow-redirects@1.14.0".to_string()));
    assert_eq!(
        of("pkg:npm/axios@0.21.1"),
        vec!["pkg:npm/follow-redirects@1.14.0"]
    );
    // Every ref in the graph names a component in the BOM.
    let mut refs: Vec<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["bom-ref"].as_str())
        .collect();
    refs.push("pkg:npm/n8n-nodes-acme-shell@1.4.2");
    for d in deps {
        assert!(refs.contains(&d["ref"].as_str().unwrap()));
        for x in d["dependsOn"].as_array().unwrap() {
            assert!(refs.contains(&x.as_str().unwrap()), "{x} not a component");
        }
    }
}

#[test]
fn serial_number_is_reproducible_per_artifact() {
    let a = bom_of(&fixture::report());
    let b = bom_of(&fixture::report());
    assert_eq!(a, b);
    let mut other = fixture::report();
    other.target.sha256 = "0".repeat(64);
    assert_ne!(a["serialNumber"], bom_of(&other)["serialNumber"]);
}

#[test]
fn vulnerable_dependencies_become_vulnerabilities() {
    let bom = bom_of(&fixture::report());
    let vulns = bom["vulnerabilities"].as_array().expect("vulnerabilities");
    assert_eq!(vulns.len(), 1);
    let v = &vulns[0];
    assert_eq!(v["id"], "GHSA-cph5-m8f7-6c5x");
    assert_eq!(v["source"]["name"], "GitHub Advisory Database");
    assert_eq!(v["references"][0]["id"], "CVE-2021-3749");
    assert_eq!(v["ratings"][0]["severity"], "high");
    assert_eq!(v["cwes"][0], 1333);
    assert_eq!(v["affects"][0]["ref"], "pkg:npm/axios@0.21.1");
    assert_eq!(v["recommendation"], "Upgrade axios to 0.21.2 or later.");
    // A finding about a package that is not in the inventory is not attached to anything.
    let mut r = fixture::report();
    r.components.retain(|c| c.name != "axios");
    assert!(bom_of(&r).get("vulnerabilities").is_none());
}
