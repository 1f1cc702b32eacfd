//! Every rule's declared fixtures: the rule fires on each `pos` and not on each `neg`.
//! A fixture is a `.js` file (file-level behaviours) or a package directory (install-time
//! rules, which see the whole package the way the pipeline passes it).

use portcullis_behaviour::{BehaviourAnalyzer, RULES};
use portcullis_core::{Analyzer, Context, FileKind, Finding, Package, SourceFile};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn kind(path: &str) -> FileKind {
    let l = path.to_ascii_lowercase();
    if l.ends_with(".js") || l.ends_with(".cjs") || l.ends_with(".mjs") {
        FileKind::JavaScript
    } else if l.ends_with(".ts") {
        FileKind::TypeScript
    } else if l.ends_with(".json") {
        FileKind::Json
    } else if l.ends_with(".exe") {
        FileKind::Binary(portcullis_core::BinaryKind::Pe)
    } else {
        FileKind::Text
    }
}

fn load_dir(dir: &Path) -> Package {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push(SourceFile::new(
                    rel.clone(),
                    kind(&rel),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    let mut pkg = Package {
        source: dir.display().to_string(),
        origin: portcullis_core::Origin::Directory,
        sha256: String::new(),
        files,
    };
    pkg.sort();
    pkg
}

/// All findings of the analyzer on a fixture path (relative to the repository root).
pub fn scan(fixture: &str) -> Vec<Finding> {
    let path = root().join(fixture);
    let pkg = if path.is_dir() {
        load_dir(&path)
    } else {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut p = Package {
            source: fixture.into(),
            origin: portcullis_core::Origin::Directory,
            sha256: String::new(),
            files: vec![SourceFile::new(
                name.clone(),
                kind(&name),
                std::fs::read(&path).unwrap(),
            )],
        };
        p.sort();
        p
    };
    let a = BehaviourAnalyzer::new();
    let extension = extension_of(&pkg);
    let cx = Context {
        package: &pkg,
        extension: extension.as_ref(),
    };
    let mut out = a.analyze_package(&cx);
    for f in &pkg.files {
        if a.wants(f) {
            out.merge(a.analyze_file(f, &cx));
        }
    }
    out.findings
}

/// The platform as the adapters would see it, from package.json keys (enough for fixtures).
fn extension_of(pkg: &Package) -> Option<portcullis_core::Extension> {
    let m: serde_json::Value = serde_json::from_slice(&pkg.manifest()?.bytes).ok()?;
    let platform = if m.get("n8n").is_some() {
        portcullis_core::Platform::N8n
    } else if m.get("node-red").is_some() {
        portcullis_core::Platform::NodeRed
    } else {
        return None;
    };
    Some(portcullis_core::Extension {
        platform,
        name: m.get("name")?.as_str()?.to_string(),
        version: None,
        description: None,
        manifest_path: "package.json".into(),
        entry_points: Vec::new(),
        declared: Default::default(),
    })
}

#[test]
fn every_rule_fires_on_its_positive_fixtures_and_not_on_its_negatives() {
    let mut failures = Vec::new();
    for rule in RULES {
        assert!(
            rule.fixtures.iter().any(|f| f.fires) && rule.fixtures.iter().any(|f| !f.fires),
            "{} needs a positive and a negative fixture",
            rule.id()
        );
        for fx in rule.fixtures.iter() {
            let findings = scan(&fx.path);
            let fired = findings.iter().any(|f| f.rule_id == rule.id());
            if fired != fx.fires {
                let ids: Vec<_> = findings
                    .iter()
                    .map(|f| format!("{} ({})", f.rule_id, f.message))
                    .collect();
                failures.push(format!(
                    "{} on {}: fired={fired}, want {}; findings: {ids:#?}",
                    rule.id(),
                    fx.path,
                    fx.fires
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rules_are_documented_and_unique() {
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len());
    for r in RULES {
        assert!(r.id().starts_with("behaviour/"), "{}", r.id());
        for s in [
            "What it does",
            "Why is this bad?",
            "Example",
            "Use instead",
            "References",
        ] {
            assert!(
                r.section(s).is_some_and(|t| !t.is_empty()),
                "{} lacks {s}",
                r.id()
            );
        }
    }
}

/// The install-time malware fixtures carry a signal the default gate rejects on; the
/// benign install scripts carry none.
#[test]
fn install_time_malware_carries_reject_signals_and_benign_scripts_do_not() {
    use portcullis_core::rule::Signal::*;
    let reject = [
        InstallTimeExecution,
        DownloadExecute,
        Exfiltration,
        CredentialHarvesting,
        MaliciousDependency,
    ];
    for m in [
        "dns-hostname-leak",
        "node-dot-postinstall",
        "detached-exe",
        "npmrc-reader",
        "bashrc-persistence",
        "unserialize-beacon",
    ] {
        let fx = format!("crates/behaviour/fixtures/install/{m}");
        let f = scan(&fx);
        assert!(
            f.iter()
                .any(|f| f.signals.iter().any(|s| reject.contains(s))),
            "{m}: {:#?}",
            f.iter()
                .map(|f| (&f.rule_id, &f.signals))
                .collect::<Vec<_>>()
        );
    }
    for b in [
        "banner-postinstall",
        "husky-prepare",
        "native-addon",
        "prebuilt-addon",
        "n8n-node-clean",
        "n8n-node-postinstall",
    ] {
        let fx = format!("crates/behaviour/fixtures/install/{b}");
        let f = scan(&fx);
        assert!(
            !f.iter()
                .any(|f| f.signals.iter().any(|s| reject.contains(s))),
            "{b}: {:#?}",
            f.iter()
                .map(|f| (&f.rule_id, &f.message))
                .collect::<Vec<_>>()
        );
    }
}
