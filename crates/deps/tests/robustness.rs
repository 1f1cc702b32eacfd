//! Hostile-input robustness: every lockfile format, truncated at many points and with bytes
//! replaced by structural characters, must go through the analyzer without panicking.

use portcullis_core::{Analyzer, Context, FileKind, Origin, Package, SourceFile};
use portcullis_deps::{Config, DepsAnalyzer};
use portcullis_vulndb::VulnDb;
use portcullis_vulndb::model::from_osv;
use std::path::Path;
use std::sync::Arc;

const NPM_V3: &str = r#"{"name":"x","lockfileVersion":3,"packages":{"":{"dependencies":{"a":"^1.0.0"}},"node_modules/a":{"version":"1.0.0","resolved":"https://registry.npmjs.org/a/-/a-1.0.0.tgz","dependencies":{"b":"^2"},"license":"MIT OR GPL-3.0"},"node_modules/a/node_modules/b":{"version":"2.0.0","deprecated":"no"}}}"#;
const NPM_V1: &str = r#"{"name":"x","lockfileVersion":1,"dependencies":{"a":{"version":"1.0.0","requires":{"b":"^2"},"dependencies":{"b":{"version":"2.0.0"}}}}}"#;
const YARN_V1: &str = "# yarn lockfile v1\n\n\"a@^1.0.0\", a@^1.1.0:\n  version \"1.1.0\"\n  resolved \"https://registry.yarnpkg.com/a/-/a-1.1.0.tgz#abc\"\n  dependencies:\n    b \"^2.0.0\"\n\nb@^2.0.0:\n  version \"2.0.1\"\n";
const YARN_BERRY: &str = "__metadata:\n  version: 8\n\n\"x@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"x@workspace:.\"\n  dependencies:\n    a: \"npm:^1.0.0\"\n\n\"a@npm:^1.0.0\":\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n";
const PNPM_V9: &str = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1.0.0\n        version: 1.0.0(b@2.0.0)\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-x}\n  b@2.0.0:\n    resolution: {integrity: sha512-y}\nsnapshots:\n  a@1.0.0(b@2.0.0):\n    dependencies:\n      b: 2.0.0\n  b@2.0.0: {}\n";
const PNPM_V5: &str = "lockfileVersion: 5.4\nspecifiers:\n  a: ^1.0.0\ndependencies:\n  a: 1.0.0_b@2.0.0\npackages:\n  /a/1.0.0_b@2.0.0:\n    resolution: {integrity: sha512-x}\n    dependencies:\n      b: 2.0.0\n    dev: false\n  /b/2.0.0:\n    resolution: {integrity: sha512-y}\n    dev: false\n";
const POETRY: &str = "[[package]]\nname = \"django\"\nversion = \"3.2.1\"\ncategory = \"main\"\n\n[package.dependencies]\nsqlparse = \">=0.2.2\"\n\n[[package]]\nname = \"sqlparse\"\nversion = \"0.4.1\"\n";
const REQS: &str =
    "Django==3.2.1\nrequests[socks]>=2.20 ; python_version > \"3\"\n-e git+https://x/y.git#egg=z\n";
const MANIFEST: &str = r#"{"name":"x","dependencies":{"a":"^1.0.0"},"license":{"type":"MIT"},"bundledDependencies":true}"#;

fn analyzer() -> DepsAnalyzer {
    let adv = from_osv(
        serde_json::from_str(r#"{"id":"GHSA-x","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.1"}]}]}]}"#).unwrap(),
        "t",
    )
    .unwrap();
    let cfg = Config {
        license_deny: vec!["GPL-3.0".into()],
        license_allow: vec!["MIT".into()],
        internal_packages: vec!["a".into()],
        ..Config::default()
    };
    DepsAnalyzer::new(
        cfg,
        Some(Arc::new(VulnDb::from_advisories(
            Path::new("/x"),
            vec![adv],
        ))),
    )
}

fn run(a: &DepsAnalyzer, files: Vec<(&str, Vec<u8>)>) {
    let mut p = Package {
        source: "fuzz".into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files: files
            .into_iter()
            .map(|(path, b)| SourceFile::new(path, FileKind::Lockfile, b))
            .collect(),
    };
    p.sort();
    let _ = a.analyze_package(&Context {
        package: &p,
        extension: None,
    });
}

/// Deterministic variants: prefixes at ~150 cut points, and 300 single-byte replacements.
fn variants(text: &str) -> Vec<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let step = (bytes.len() / 150).max(1);
    for cut in (0..bytes.len()).step_by(step) {
        out.push(bytes[..cut].to_vec());
    }
    let specials = b"{}[]\":,\n -@/()_#'\\\x00\xff";
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..300 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let pos = (seed >> 33) as usize % bytes.len().max(1);
        let ch = specials[(seed >> 17) as usize % specials.len()];
        let mut v = bytes.to_vec();
        if let Some(b) = v.get_mut(pos) {
            *b = ch;
        }
        out.push(v);
    }
    out
}

#[test]
fn mutated_lockfiles_never_panic() {
    let a = analyzer();
    let cases = [
        ("package-lock.json", NPM_V3),
        ("npm-shrinkwrap.json", NPM_V1),
        ("yarn.lock", YARN_V1),
        ("yarn.lock", YARN_BERRY),
        ("pnpm-lock.yaml", PNPM_V9),
        ("pnpm-lock.yaml", PNPM_V5),
        ("poetry.lock", POETRY),
        ("requirements.txt", REQS),
        (
            "node_modules/a/package.json",
            r#"{"name":"a","version":"1.0.0","license":"MIT"}"#,
        ),
    ];
    for (name, text) in cases {
        for v in variants(text) {
            run(
                &a,
                vec![(name, v), ("package.json", MANIFEST.as_bytes().to_vec())],
            );
        }
    }
    for v in variants(MANIFEST) {
        run(&a, vec![("package.json", v)]);
    }
}

#[test]
fn pathological_shapes_are_bounded() {
    let a = analyzer();
    // Deep JSON nesting, a dependency cycle, an enormous yarn descriptor line, YAML aliases.
    let deep = format!(
        "{}{}",
        "{\"dependencies\":{\"a\":".repeat(3000),
        "}}".repeat(3000)
    );
    let cycle = r#"{"lockfileVersion":3,"packages":{"":{"dependencies":{"a":"*"}},"node_modules/a":{"version":"1.0.0","dependencies":{"b":"*"}},"node_modules/b":{"version":"1.0.0","dependencies":{"a":"*"}}}}"#;
    let long_yarn = format!("{}:\n  version \"1.0.0\"\n", "a@^1, ".repeat(50_000));
    let aliases = "lockfileVersion: '9.0'\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
    run(&a, vec![("package-lock.json", deep.into_bytes())]);
    run(&a, vec![("package-lock.json", cycle.as_bytes().to_vec())]);
    run(&a, vec![("yarn.lock", long_yarn.into_bytes())]);
    run(&a, vec![("pnpm-lock.yaml", aliases.as_bytes().to_vec())]);
}
