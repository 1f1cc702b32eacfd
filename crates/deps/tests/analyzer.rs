//! The `deps` analyzer end to end on realistic extension packages (n8n community node,
//! Node-RED node, Forge app), with a small in-memory OSV database.

use portcullis_core::{
    Analyzer, Context, DependencyScope, FileKind, NoticeLevel, Origin, Output, Package, Severity,
    SourceFile,
};
use portcullis_deps::{Config, DepsAnalyzer, diff, rematch};
use portcullis_vulndb::VulnDb;
use portcullis_vulndb::model::from_osv;
use std::path::Path;
use std::sync::Arc;

fn adv(json: &str) -> portcullis_vulndb::Advisory {
    from_osv(serde_json::from_str(json).unwrap(), "test").unwrap()
}

const GHSA_LODASH: &str = r#"{"id": "GHSA-35jh-r3h4-6jhm", "aliases": ["CVE-2021-23337"], "summary": "Command Injection in lodash",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}],
  "database_specific": {"cwe_ids": ["CWE-94"]}}"#;
const CVE_LODASH: &str = r#"{"id": "CVE-2021-23337", "aliases": ["GHSA-35jh-r3h4-6jhm"], "summary": "",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}"#;
const FOLLOW: &str = r#"{"id": "GHSA-cxjh-pqwp-8mfp", "aliases": ["CVE-2024-28849"], "summary": "follow-redirects' Proxy-Authorization header kept across hosts",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
  "affected": [{"package": {"ecosystem": "npm", "name": "follow-redirects"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.15.6"}]}]}]}"#;
const COMBINED: &str = r#"{"id": "GHSA-fake-comb-ined", "summary": "Prototype pollution in combined-stream (test fixture)",
  "database_specific": {"severity": "MODERATE"},
  "affected": [{"package": {"ecosystem": "npm", "name": "combined-stream"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.0.0"}]}]}]}"#;
const MAL: &str = r#"{"id": "MAL-2023-4242", "summary": "Malicious code in n8n-nodes-helper-utils (npm)",
  "affected": [{"package": {"ecosystem": "npm", "name": "n8n-nodes-helper-utils"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}"#;

fn db(records: &[&str]) -> Arc<VulnDb> {
    Arc::new(VulnDb::from_advisories(
        Path::new("/nonexistent"),
        records.iter().map(|r| adv(r)).collect(),
    ))
}

fn package(files: &[(&str, &str)]) -> Package {
    let mut p = Package {
        source: "n8n-nodes-acme-0.3.1.tgz".into(),
        origin: Origin::Tarball,
        sha256: String::new(),
        files: files
            .iter()
            .map(|(path, body)| {
                let kind = if path.ends_with(".json") {
                    FileKind::Json
                } else {
                    FileKind::Lockfile
                };
                SourceFile::new(*path, kind, body.as_bytes().to_vec())
            })
            .collect(),
    };
    p.sort();
    p
}

fn run(a: &DepsAnalyzer, p: &Package) -> Output {
    a.analyze_package(&Context {
        package: p,
        extension: None,
    })
}

const MANIFEST: &str = r#"{
  "name": "n8n-nodes-acme",
  "version": "0.3.1",
  "license": "MIT",
  "n8n": {"n8nNodesApiVersion": 1, "credentials": ["dist/credentials/AcmeApi.credentials.js"], "nodes": ["dist/nodes/Acme/Acme.node.js"]},
  "dependencies": {"axios": "^1.6.0", "lodash": "^4.17.15", "loadsh": "^1.0.0", "acme-billing-client": "^2.0.0"},
  "devDependencies": {"typescript": "~5.3.0"}
}"#;

const LOCK: &str = r#"{
  "name": "n8n-nodes-acme",
  "version": "0.3.1",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "n8n-nodes-acme",
      "version": "0.3.1",
      "dependencies": {"axios": "^1.6.0", "lodash": "^4.17.15", "loadsh": "^1.0.0", "acme-billing-client": "^2.0.0"},
      "devDependencies": {"typescript": "~5.3.0"}
    },
    "node_modules/acme-billing-client": {
      "version": "2.1.0",
      "resolved": "https://registry.npmjs.org/acme-billing-client/-/acme-billing-client-2.1.0.tgz",
      "license": "MIT"
    },
    "node_modules/axios": {
      "version": "1.6.0",
      "resolved": "https://registry.npmjs.org/axios/-/axios-1.6.0.tgz",
      "license": "MIT",
      "dependencies": {"follow-redirects": "~1.15.0", "form-data": "^4.0.0"}
    },
    "node_modules/follow-redirects": {
      "version": "1.15.3",
      "resolved": "https://registry.npmjs.org/follow-redirects/-/follow-redirects-1.15.3.tgz",
      "license": "MIT"
    },
    "node_modules/form-data": {
      "version": "4.0.0",
      "resolved": "https://registry.npmjs.org/form-data/-/form-data-4.0.0.tgz",
      "license": "MIT",
      "dependencies": {"combined-stream": "^1.0.8", "n8n-nodes-helper-utils": "*"}
    },
    "node_modules/combined-stream": {
      "version": "1.0.8",
      "resolved": "git+ssh://git@github.com/felixge/node-combined-stream.git#abc123",
      "license": "AGPL-3.0-only"
    },
    "node_modules/n8n-nodes-helper-utils": {
      "version": "0.0.7",
      "resolved": "https://registry.npmjs.org/n8n-nodes-helper-utils/-/n8n-nodes-helper-utils-0.0.7.tgz"
    },
    "node_modules/loadsh": {
      "version": "1.0.0",
      "resolved": "https://registry.npmjs.org/loadsh/-/loadsh-1.0.0.tgz",
      "license": "ISC"
    },
    "node_modules/lodash": {
      "version": "4.17.20",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz",
      "license": "MIT"
    },
    "node_modules/typescript": {
      "version": "5.3.3",
      "resolved": "https://registry.npmjs.org/typescript/-/typescript-5.3.3.tgz",
      "dev": true,
      "license": "Apache-2.0"
    },
    "node_modules/request": {
      "version": "2.88.2",
      "resolved": "https://registry.npmjs.org/request/-/request-2.88.2.tgz",
      "deprecated": "request has been deprecated, see https://github.com/request/request/issues/3142",
      "dev": true,
      "license": "Apache-2.0"
    }
  }
}"#;

fn config() -> Config {
    Config {
        internal_packages: vec!["acme-*".into()],
        internal_registries: vec!["npm.acme.internal".into()],
        license_deny: vec!["AGPL-3.0-only".into()],
        ..Config::default()
    }
}

#[test]
fn n8n_node_with_lockfile_full_report() {
    let pkg = package(&[("package.json", MANIFEST), ("package-lock.json", LOCK)]);
    let a = DepsAnalyzer::new(
        config(),
        Some(db(&[GHSA_LODASH, CVE_LODASH, FOLLOW, COMBINED, MAL])),
    );
    let out = run(&a, &pkg);

    assert_eq!(out.components.len(), 10);
    let fr = out
        .components
        .iter()
        .find(|c| c.name == "follow-redirects")
        .unwrap();
    assert_eq!(fr.path, ["n8n-nodes-acme", "axios", "follow-redirects"]);
    assert!(!fr.direct);
    assert_eq!(fr.scope, DependencyScope::Runtime);

    let rules = |id: &str| {
        out.findings
            .iter()
            .filter(|f| f.rule_id == id)
            .collect::<Vec<_>>()
    };

    // GHSA + CVE merged into one finding, max severity, fix within ^4.17.15.
    let lodash = rules("deps/vulnerable-dependency")
        .into_iter()
        .find(|f| f.properties["package"] == "lodash")
        .unwrap();
    assert!(
        lodash
            .message
            .starts_with("lodash@4.17.20 is vulnerable to GHSA-35jh-r3h4-6jhm (CVE-2021-23337)"),
        "{}",
        lodash.message
    );
    assert_eq!(
        lodash.severity,
        Severity::Critical,
        "9.8 from the CVE record wins"
    );
    assert_eq!(lodash.properties["fixed_version"], "4.17.21");
    assert_eq!(lodash.properties["fix_within_declared_range"], true);
    assert!(
        lodash
            .remediation
            .as_deref()
            .unwrap()
            .contains("npm update lodash")
    );
    assert_eq!(lodash.location.path, "package-lock.json");
    let line = lodash.location.region.unwrap().start_line;
    assert_eq!(
        LOCK.lines().nth(line as usize - 1).unwrap().trim(),
        "\"node_modules/lodash\": {"
    );
    assert!(lodash.cwe.contains(&1395) && lodash.cwe.contains(&94));

    // Transitive: follow-redirects 1.15.6 is outside axios' `~1.15.0`? No: ~1.15.0 allows 1.15.6.
    let f = rules("deps/vulnerable-dependency")
        .into_iter()
        .find(|f| f.properties["package"] == "follow-redirects")
        .unwrap();
    assert_eq!(f.properties["fixed_version"], "1.15.6");
    assert_eq!(f.properties["fix_within_declared_range"], true);
    assert!(
        f.remediation
            .as_deref()
            .unwrap()
            .contains("required by `axios`"),
        "{:?}",
        f.remediation
    );

    // combined-stream: the fix 2.0.0 is outside `^1.0.8` declared by form-data.
    let cs = rules("deps/vulnerable-dependency")
        .into_iter()
        .find(|f| f.properties["package"] == "combined-stream")
        .unwrap();
    assert_eq!(cs.severity, Severity::Medium);
    assert_eq!(cs.properties["fix_within_declared_range"], false);
    assert!(
        cs.remediation
            .as_deref()
            .unwrap()
            .contains("`form-data` requires `^1.0.8`"),
        "{:?}",
        cs.remediation
    );
    assert!(cs.remediation.as_deref().unwrap().contains("overrides"));

    let mal = rules("deps/malicious-package");
    assert_eq!(mal.len(), 1);
    assert_eq!(mal[0].severity, Severity::Critical);
    assert!(mal[0].message.contains("MAL-2023-4242"));
    assert_eq!(
        mal[0].properties["dependency_path"],
        serde_json::json!([
            "n8n-nodes-acme",
            "axios",
            "form-data",
            "n8n-nodes-helper-utils"
        ])
    );

    let typo = rules("deps/typosquatting");
    assert_eq!(typo.len(), 1, "{typo:#?}");
    assert_eq!(typo[0].properties["imitates"], "lodash");

    let conf = rules("deps/dependency-confusion");
    assert_eq!(conf.len(), 1);
    assert_eq!(conf[0].severity, Severity::High);
    assert!(conf[0].message.contains("registry.npmjs.org"));

    let src = rules("deps/non-registry-source");
    assert_eq!(src.len(), 1);
    assert!(src[0].message.contains("combined-stream"));

    let dep = rules("deps/deprecated-package");
    assert_eq!(dep.len(), 1);
    assert!(dep[0].message.starts_with("request@2.88.2 is deprecated"));

    let lic = rules("deps/license-denied");
    assert_eq!(lic.len(), 1);
    assert!(lic[0].message.contains("combined-stream@1.0.8"));

    assert!(
        out.notices
            .iter()
            .any(|n| n.level == NoticeLevel::Info && n.message.contains("5 advisories"))
    );
    // Every finding's rule is documented.
    let ids: Vec<String> = a.rules().into_iter().map(|r| r.id).collect();
    assert!(out.findings.iter().all(|f| ids.contains(&f.rule_id)));
}

#[test]
fn without_a_database_inventory_and_supply_chain_still_run() {
    let pkg = package(&[("package.json", MANIFEST), ("package-lock.json", LOCK)]);
    let out = run(&DepsAnalyzer::new(Config::default(), None), &pkg);
    assert_eq!(out.components.len(), 10);
    assert!(
        out.findings
            .iter()
            .all(|f| f.rule_id != "deps/vulnerable-dependency")
    );
    assert!(
        out.findings
            .iter()
            .any(|f| f.rule_id == "deps/typosquatting")
    );
    let n = out
        .notices
        .iter()
        .find(|n| n.level == NoticeLevel::Warning)
        .unwrap();
    assert!(n.message.contains("portcullis db update"), "{}", n.message);
}

#[test]
fn stale_database_warns_with_its_age() {
    let mut old = VulnDb::from_advisories(Path::new("/x"), vec![adv(GHSA_LODASH)]);
    old.set_updated_at(0);
    let pkg = package(&[("package.json", MANIFEST), ("package-lock.json", LOCK)]);
    let out = run(
        &DepsAnalyzer::new(Config::default(), Some(Arc::new(old))),
        &pkg,
    );
    let n = out
        .notices
        .iter()
        .find(|n| n.level == NoticeLevel::Warning)
        .unwrap();
    assert!(
        n.message.contains("days old") && n.message.contains("1970-01-01"),
        "{}",
        n.message
    );
    // Still used for matching.
    assert!(
        out.findings
            .iter()
            .any(|f| f.rule_id == "deps/vulnerable-dependency")
    );
}

#[test]
fn dev_dependencies_can_be_excluded() {
    let pkg = package(&[("package.json", MANIFEST), ("package-lock.json", LOCK)]);
    let cfg = Config {
        include_dev: false,
        ..Config::default()
    };
    let out = run(&DepsAnalyzer::new(cfg, None), &pkg);
    assert!(
        out.findings
            .iter()
            .all(|f| f.rule_id != "deps/deprecated-package")
    );
    assert_eq!(out.components.len(), 10, "the SBOM keeps dev dependencies");
}

#[test]
fn malformed_lockfile_is_reported_and_others_still_parse() {
    let pkg = package(&[
        ("package.json", MANIFEST),
        ("package-lock.json", &LOCK[..LOCK.len() / 2]),
        (
            "examples/forge-app/package.json",
            r#"{"name": "forge-app", "dependencies": {"@forge/api": "^3.0.0"}}"#,
        ),
        (
            "examples/forge-app/yarn.lock",
            "\"@forge/api@^3.0.0\":\n  version \"3.2.0\"\n  resolved \"https://registry.yarnpkg.com/@forge/api/-/api-3.2.0.tgz#abc\"\n",
        ),
    ]);
    let out = run(&DepsAnalyzer::new(Config::default(), None), &pkg);
    let bad = out
        .findings
        .iter()
        .find(|f| f.rule_id == "deps/malformed-lockfile")
        .unwrap();
    assert_eq!(bad.location.path, "package-lock.json");
    assert!(bad.message.contains("invalid JSON"), "{}", bad.message);
    assert!(
        out.notices.iter().any(
            |n| n.level == NoticeLevel::Error && n.path.as_deref() == Some("package-lock.json")
        )
    );
    let forge = out
        .components
        .iter()
        .find(|c| c.name == "@forge/api")
        .unwrap();
    assert_eq!(forge.version.as_deref(), Some("3.2.0"));
    assert_eq!(forge.found_in, "examples/forge-app/yarn.lock");
}

#[test]
fn node_red_package_without_lockfile_uses_bundled_modules() {
    let pkg = package(&[
        (
            "package.json",
            r#"{"name": "node-red-contrib-acme", "version": "1.0.0", "node-red": {"nodes": {"acme": "acme.js"}},
               "dependencies": {"lodash": "^4.17.0", "mqtt": "^5.0.0", "crossenv": "^6.0.0"}, "bundledDependencies": ["lodash"]}"#,
        ),
        (
            "node_modules/lodash/package.json",
            r#"{"name": "lodash", "version": "4.17.19", "license": "MIT"}"#,
        ),
        (
            "node_modules/lodash/lib/package.json",
            r#"{"name": "not-a-package"}"#,
        ),
    ]);
    let crossenv_mal = r#"{"id": "MAL-2022-999", "summary": "Malicious code in crossenv (npm)",
      "affected": [{"package": {"ecosystem": "npm", "name": "crossenv"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}"#;
    let mqtt_vuln = r#"{"id": "GHSA-mqtt-fake-0001", "summary": "fixture",
      "affected": [{"package": {"ecosystem": "npm", "name": "mqtt"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "5.1.0"}]}]}]}"#;
    let out = run(
        &DepsAnalyzer::new(
            Config::default(),
            Some(db(&[GHSA_LODASH, crossenv_mal, mqtt_vuln])),
        ),
        &pkg,
    );
    // An unresolved range can still be known-malicious: every version is.
    let mal = out
        .findings
        .iter()
        .find(|f| f.rule_id == "deps/malicious-package")
        .unwrap();
    assert!(
        mal.message.starts_with(
            "crossenv (unresolved `^6.0.0`: every version is affected) is a known malicious package"
        ),
        "{}",
        mal.message
    );
    assert_eq!(mal.location.path, "package.json");
    assert_eq!(mal.location.start_line(), Some(2));
    let un = out
        .findings
        .iter()
        .find(|f| f.rule_id == "deps/unresolved-dependencies")
        .unwrap();
    assert!(
        un.message
            .starts_with("2 dependencies are declared as ranges"),
        "{}",
        un.message
    );
    assert!(un.message.contains("mqtt@^5.0.0") && !un.message.contains("lodash"));
    let vulns: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == "deps/vulnerable-dependency")
        .collect();
    assert_eq!(
        vulns.len(),
        1,
        "range-only advisories are not claimed for unresolved deps"
    );
    let v = vulns[0];
    assert_eq!(v.location.path, "node_modules/lodash/package.json");
    assert_eq!(v.properties["fix_within_declared_range"], true);
    let typo = out
        .findings
        .iter()
        .find(|f| f.rule_id == "deps/typosquatting")
        .unwrap();
    assert!(typo.message.contains("`cross-env`"), "{}", typo.message);
    assert_eq!(
        out.components
            .iter()
            .filter(|c| c.version.is_none())
            .count(),
        2
    );
    assert!(out.components.iter().all(|c| c.name != "not-a-package"));
}

#[test]
fn rematch_and_diff_report_new_and_resolved_advisories() {
    let pkg = package(&[("package.json", MANIFEST), ("package-lock.json", LOCK)]);
    let out = run(&DepsAnalyzer::new(Config::default(), None), &pkg);
    let components = out.components;

    let before = rematch(&components, &db(&[GHSA_LODASH, COMBINED]));
    assert_eq!(before.len(), 2);
    assert!(
        before
            .iter()
            .all(|f| f.location.path == "package-lock.json")
    );
    // The update adds the follow-redirects advisory and withdraws the combined-stream one.
    let after = rematch(&components, &db(&[GHSA_LODASH, CVE_LODASH, FOLLOW]));
    let d = diff(&before, &after);
    assert_eq!(d.new.len(), 1);
    assert_eq!(d.new[0].properties["package"], "follow-redirects");
    assert_eq!(d.resolved.len(), 1);
    assert_eq!(d.resolved[0].properties["package"], "combined-stream");
    // lodash keeps its identity although a CVE alias joined it.
    assert_eq!(d.unchanged.len(), 1);
    assert_eq!(
        d.unchanged[0].properties["advisory_ids"],
        serde_json::json!(["GHSA-35jh-r3h4-6jhm", "CVE-2021-23337"])
    );
}

#[test]
fn python_inventory() {
    let pkg = package(&[("requirements.txt", "Django==3.2.1\nrequests>=2.20\n")]);
    let pypi = r#"{"id": "PYSEC-2021-98", "aliases": ["CVE-2021-33203"], "summary": "Directory traversal in Django admindocs",
      "affected": [{"package": {"ecosystem": "PyPI", "name": "django"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "3.2"}, {"fixed": "3.2.4"}]}]}]}"#;
    let out = run(
        &DepsAnalyzer::new(Config::default(), Some(db(&[pypi]))),
        &pkg,
    );
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "deps/vulnerable-dependency")
        .unwrap();
    assert_eq!(f.properties["fixed_version"], "3.2.4");
    assert_eq!(f.location.start_line(), Some(1));
    assert_eq!(out.components.len(), 2);
}

#[test]
fn transitive_typosquats_and_unknown_licenses_are_opt_in() {
    let lock = r#"{"name": "n8n-nodes-acme", "lockfileVersion": 3, "packages": {
      "": {"dependencies": {"axios": "^1.6.0"}},
      "node_modules/axios": {"version": "1.6.0", "dependencies": {"mongose": "*"}, "license": "SEE LICENSE IN EULA"},
      "node_modules/mongose": {"version": "1.0.0", "license": "MIT"}}}"#;
    let pkg = package(&[("package-lock.json", lock)]);
    let quiet = run(&DepsAnalyzer::new(Config::default(), None), &pkg);
    assert!(quiet.findings.is_empty(), "{:#?}", quiet.findings);
    let cfg = Config {
        typosquat_transitive: true,
        license_allow: vec!["MIT".into()],
        ..Config::default()
    };
    let loud = run(&DepsAnalyzer::new(cfg, None), &pkg);
    let rules: Vec<&str> = loud.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert!(rules.contains(&"deps/typosquatting"), "{rules:?}");
    assert!(rules.contains(&"deps/license-unknown"), "{rules:?}");
}
