//! Precision on realistic extension packages (`crates/secrets/fixtures/<package>/`): what
//! is a secret of the extension, what is hygiene, and what is neither. Each package is
//! scanned as the product scans it (paths relative to the package root).

use portcullis_core::rule::Signal;
use portcullis_core::{Analyzer, Context, Finding, Origin, Package, Severity, SourceFile};
use portcullis_secrets::context::kind_from_path;
use portcullis_secrets::decl::{BUNDLED_DEPENDENCY_KEY, FIXED_RULES};
use portcullis_secrets::{Config, SecretsAnalyzer};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let kind = kind_from_path(&rel);
            out.push(SourceFile::new(&rel, kind, std::fs::read(&p).unwrap()));
        }
    }
}

/// Findings of the default analyzer on one fixture package, with every file's text (for
/// the redaction checks).
fn scan(package: &str) -> Vec<Finding> {
    let an = SecretsAnalyzer::new(Config::default()).unwrap();
    let root = fixtures().join(package);
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    let mut pkg = Package {
        source: package.into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files,
    };
    pkg.sort();
    let cx = Context {
        package: &pkg,
        extension: None,
    };
    let mut out = Vec::new();
    for f in &pkg.files {
        if an.wants(f) {
            out.extend(an.analyze_file(f, &cx).findings);
        }
    }
    out
}

fn on<'a>(fs: &'a [Finding], path: &str) -> Vec<&'a Finding> {
    fs.iter().filter(|f| f.location.path == path).collect()
}

fn describe(fs: &[Finding]) -> Vec<String> {
    fs.iter()
        .map(|f| format!("{} {}:{:?}", f.rule_id, f.location.path, f.location.region))
        .collect()
}

/// No serialized form of a finding holds `secret`.
fn assert_redacted(fs: &[Finding], secret: &str) {
    for f in fs {
        let json = serde_json::to_string(f).unwrap();
        assert!(!json.contains(secret), "{json}");
    }
}

#[test]
fn bundled_dependency_localhost_key_is_hygiene_not_a_secret() {
    let fs = scan("node-red-email-bundled");
    let key = on(&fs, "node_modules/smtp-server/lib/tls-options.js");
    assert_eq!(key.len(), 1, "{:?}", describe(&fs));
    let f = key[0];
    assert_eq!(f.rule_id, BUNDLED_DEPENDENCY_KEY.id());
    assert_eq!(f.severity, Severity::Info);
    assert!(f.has_signal(Signal::Hygiene));
    assert!(!f.has_signal(Signal::HardCodedSecret) && !f.has_signal(Signal::VerifiedSecret));
    let advice = f.remediation.as_deref().unwrap_or("");
    assert!(!advice.to_ascii_lowercase().contains("revoke"), "{advice}");
    assert!(!advice.to_ascii_lowercase().contains("rotate"), "{advice}");
    assert!(f.message.contains("smtp-server"), "{}", f.message);
    // The dependency list (`passport`, `password-prompt`) holds no password.
    assert!(on(&fs, "package.json").is_empty(), "{:?}", describe(&fs));
    assert_eq!(fs.len(), 1, "{:?}", describe(&fs));
    let text = std::fs::read_to_string(
        fixtures().join("node-red-email-bundled/node_modules/smtp-server/lib/tls-options.js"),
    )
    .unwrap();
    let body_line = text
        .lines()
        .nth(11)
        .unwrap()
        .trim()
        .trim_matches(['\'', '+', ' ']);
    assert!(body_line.len() > 40, "{body_line}");
    assert_redacted(&fs, body_line.trim_end_matches("\\n"));
}

#[test]
fn the_extensions_own_private_key_is_a_certain_secret() {
    let fs = scan("forge-app-own-key");
    assert_eq!(fs.len(), 1, "{:?}", describe(&fs));
    let f = &fs[0];
    assert_eq!(f.rule_id, "secrets/rsa-private-key");
    assert_eq!(f.location.path, "src/signing.js");
    assert!(f.has_signal(Signal::HardCodedSecret));
    assert!(f.has_signal(Signal::VerifiedSecret));
    assert!(!f.has_signal(Signal::Hygiene));
    assert_eq!(f.severity, Severity::Critical);
    let text =
        std::fs::read_to_string(fixtures().join("forge-app-own-key/src/signing.js")).unwrap();
    assert_redacted(&fs, text.lines().nth(5).unwrap());
}

#[test]
fn node_red_empty_and_placeholder_defaults_are_never_secrets() {
    let fs = scan("node-red-weather-defaults");
    assert!(fs.is_empty(), "{:?}", describe(&fs));
}

#[test]
fn node_red_default_with_a_real_key_is_reported_and_exported() {
    let fs = scan("node-red-weather-leak");
    assert_eq!(fs.len(), 1, "{:?}", describe(&fs));
    let f = &fs[0];
    assert_eq!(f.rule_id, "secrets/node-red-default-credential");
    assert!(f.has_signal(Signal::HardCodedSecret));
    // A generic value under a key name: a credential, but not format-certain.
    assert!(!f.has_signal(Signal::VerifiedSecret));
    assert_eq!(
        f.properties.get("exported").and_then(|v| v.as_str()),
        Some("node-red-node-default")
    );
    assert_redacted(&fs, "9c2fd81e6b07a4f35d9e1ab7c4086e2f");
}

#[test]
fn n8n_dependencies_and_empty_credential_defaults_are_not_secrets() {
    let fs = scan("n8n-nodes-acme");
    assert!(on(&fs, "package.json").is_empty(), "{:?}", describe(&fs));
    assert!(
        on(&fs, "credentials/AcmeApi.credentials.ts").is_empty(),
        "{:?}",
        describe(&fs)
    );
    let legacy = on(&fs, "credentials/AcmeLegacyApi.credentials.ts");
    assert_eq!(legacy.len(), 1, "{:?}", describe(&fs));
    assert!(
        legacy[0]
            .rule_id
            .starts_with("secrets/n8n-credential-default")
    );
    assert!(legacy[0].has_signal(Signal::HardCodedSecret));
    assert_redacted(&fs, "q7RkT2vN9xLmW4bZ8cYd3FhJ");
}

#[test]
fn prompts_in_a_bundled_yarn_release_are_not_passwords() {
    let fs = scan("yarn-berry-release");
    assert!(
        on(&fs, ".yarn/releases/yarn-4.1.0.cjs").is_empty(),
        "{:?}",
        describe(&fs)
    );
    let db = on(&fs, "src/db.js");
    assert_eq!(db.len(), 1, "{:?}", describe(&fs));
    assert_eq!(db[0].rule_id, "secrets/generic-password");
    assert!(db[0].has_signal(Signal::HardCodedSecret));
    assert_redacted(&fs, "k7Vq2mZ9pLx");
}

#[test]
fn fixed_rules_fire_on_their_positive_fixtures_only() {
    for rule in FIXED_RULES {
        assert!(!rule.fixtures.is_empty(), "{}", rule.id());
        for fx in rule.fixtures.iter() {
            let rel = fx
                .path
                .strip_prefix("crates/secrets/fixtures/")
                .expect("fixture under crates/secrets/fixtures");
            let (package, file) = rel.split_once('/').unwrap();
            let fs = scan(package);
            let fired = on(&fs, file).iter().any(|f| f.rule_id == rule.id());
            assert_eq!(
                fired,
                fx.fires,
                "{} on {}: {:?}",
                rule.id(),
                fx.path,
                describe(&fs)
            );
        }
    }
}

#[test]
fn every_rule_is_declared_with_its_gate_signals() {
    let decls = portcullis_secrets::rules();
    assert!(decls.len() > 200);
    let mut ids: Vec<&str> = decls.iter().map(|r| r.id()).collect();
    ids.sort_unstable();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate rule ids");
    for r in decls {
        assert!(r.id().starts_with("secrets/"), "{}", r.id());
        let secret = r.has_signal(Signal::HardCodedSecret);
        let hygiene = r.has_signal(Signal::Hygiene);
        assert!(
            secret != hygiene,
            "{}: exactly one of secret/hygiene",
            r.id()
        );
        // VerifiedSecret is per finding, never declared on a rule.
        assert!(!r.has_signal(Signal::VerifiedSecret), "{}", r.id());
        for s in [
            "What it does",
            "Why is this bad?",
            "Use instead",
            "References",
        ] {
            assert!(
                r.section(s).is_some_and(|t| !t.is_empty()),
                "{}: {s}",
                r.id()
            );
        }
    }
    // The analyzer lists the same rules.
    let an = SecretsAnalyzer::new(Config::default()).unwrap();
    let listed: Vec<String> = an.rules().into_iter().map(|m| m.id).collect();
    let declared: Vec<String> = decls.iter().map(|r| r.id().to_string()).collect();
    assert_eq!(listed, declared);
}

#[test]
fn provider_prefixed_tokens_are_format_certain_generic_values_are_not() {
    let an = SecretsAnalyzer::new(Config::default()).unwrap();
    // Built at run time so no token-shaped literal sits in the source.
    let body: String = (0..36)
        .map(|i| b"Qx7Lm2Vb9Nc4Zr8Tk3Wp6Hd"[(i * 7) % 23] as char)
        .collect();
    let token = ["gh", "p_"].concat() + &body;
    let src = format!(
        "const {{ Octokit }} = require('@octokit/rest');\nconst gh = new Octokit({{ auth: '{token}' }});\nconst db = {{ password: 'Rf4kq9Zm2xW' }};\n"
    );
    let file = SourceFile::new(
        "nodes/Repo/Repo.node.js",
        kind_from_path("x.js"),
        src.into_bytes(),
    );
    let pkg = Package {
        source: "p".into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files: vec![file],
    };
    let cx = Context {
        package: &pkg,
        extension: None,
    };
    let fs = an.analyze_file(&pkg.files[0], &cx).findings;
    assert_eq!(fs.len(), 2, "{:?}", describe(&fs));
    let gh = fs.iter().find(|f| f.rule_id.contains("github")).unwrap();
    assert!(gh.has_signal(Signal::HardCodedSecret) && gh.has_signal(Signal::VerifiedSecret));
    let pw = fs
        .iter()
        .find(|f| f.rule_id == "secrets/generic-password")
        .unwrap();
    assert!(pw.has_signal(Signal::HardCodedSecret) && !pw.has_signal(Signal::VerifiedSecret));
    assert_redacted(&fs, &token);
    assert_redacted(&fs, "Rf4kq9Zm2xW");
}

#[test]
fn credentials_in_compose_escaped_json_and_sql_are_found_placeholders_and_prose_are_not() {
    let fs = scan("n8n-nodes-pgvector-compose");
    let compose = on(&fs, "docker-compose.yml");
    assert_eq!(compose.len(), 1, "{:?}", describe(&fs));
    assert_eq!(
        compose[0].location.region.as_ref().map(|r| r.start_line),
        Some(7)
    );
    let json = on(&fs, "test/fixtures/oauth-exchange.json");
    assert_eq!(json.len(), 1, "{:?}", describe(&fs));
    let sql = on(&fs, "migrations/001_init.sql");
    assert_eq!(sql.len(), 1, "{:?}", describe(&fs));
    for f in compose.iter().chain(&json).chain(&sql) {
        assert!(f.has_signal(Signal::HardCodedSecret), "{}", f.rule_id);
        assert!(!f.has_signal(Signal::VerifiedSecret), "{}", f.rule_id);
    }
    for quiet in [
        "README.md",
        ".env.example",
        "package.json",
        "nodes/PgVector/PgVector.node.ts",
    ] {
        assert!(on(&fs, quiet).is_empty(), "{quiet}: {:?}", describe(&fs));
    }
    assert_eq!(fs.len(), 3, "{:?}", describe(&fs));
    for s in ["Vx8q2LmR4tWn", "q8Zt3LmP0vXa7RkEw2Yc9NbT", "r3adOnly-Kq7w"] {
        assert_redacted(&fs, s);
    }
}
