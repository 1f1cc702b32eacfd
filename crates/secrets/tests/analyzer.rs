//! Behaviour of the whole analyzer on realistic extension files: platform exports raise
//! severity, tests lower confidence, allowlists, lockfiles, source maps, gitleaks import,
//! verification plumbing, configuration parsing, and redaction in every serialized form.

use portcullis_core::redact::secret_hash;
use portcullis_core::{
    Analyzer, Confidence, Context, FileKind, Finding, Origin, Package, Severity, SourceFile,
};
use portcullis_secrets::{
    Allowlist, Config, SecretsAnalyzer, Verification, Verifier, VerifierRegistry,
};
use std::sync::Arc;

/// Builds synthetic tokens from fragments at run time, so no token-shaped literal is in the
/// source (and push protection has nothing to flag).
fn tok(prefix: &str, body_seed: &str, len: usize) -> String {
    let alphabet = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut h: u64 = 0xcbf29ce484222325;
    for b in body_seed.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
    }
    let mut s = String::from(prefix);
    for _ in 0..len {
        h ^= h << 13;
        h ^= h >> 7;
        h ^= h << 17;
        s.push(alphabet[(h % alphabet.len() as u64) as usize] as char);
    }
    s
}

fn ghp(seed: &str) -> String {
    tok(&["gh", "p_"].concat(), seed, 36)
}

fn file(path: &str, text: &str) -> SourceFile {
    let kind = match path.rsplit('.').next() {
        Some("ts") => FileKind::TypeScript,
        Some("js") => FileKind::JavaScript,
        Some("html") => FileKind::Html,
        Some("json") if path.ends_with("package-lock.json") => FileKind::Lockfile,
        Some("json") => FileKind::Json,
        Some("map") => FileKind::SourceMap,
        _ => FileKind::Text,
    };
    SourceFile::new(path, kind, text.as_bytes().to_vec())
}

fn scan_pkg(an: &SecretsAnalyzer, files: Vec<SourceFile>) -> Vec<Finding> {
    let mut pkg = Package {
        source: "acme".into(),
        origin: Origin::Tarball,
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

fn default_analyzer() -> SecretsAnalyzer {
    SecretsAnalyzer::new(Config::default()).unwrap()
}

#[test]
fn n8n_credential_default_is_raised_and_redacted() {
    let secret = tok("", "n8n-default", 32);
    let src = format!(
        "import {{ ICredentialType, INodeProperties }} from 'n8n-workflow';\n\n\
         export class AcmeApi implements ICredentialType {{\n\
         \tname = 'acmeApi';\n\
         \tdisplayName = 'Acme API';\n\
         \tproperties: INodeProperties[] = [\n\
         \t\t{{\n\
         \t\t\tdisplayName: 'API Key',\n\
         \t\t\tname: 'apiKey',\n\
         \t\t\ttype: 'string',\n\
         \t\t\ttypeOptions: {{ password: true }},\n\
         \t\t\tdefault: '{secret}',\n\
         \t\t}},\n\
         \t];\n}}\n"
    );
    let found = scan_pkg(
        &default_analyzer(),
        vec![file("credentials/AcmeApi.credentials.ts", &src)],
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.rule_id, "secrets/n8n-credential-default");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.properties["exported"], "n8n-credential-default");
    assert_eq!(f.location.region.unwrap().start_line, 12);
    assert_eq!(f.fingerprint_key, secret_hash(&secret));
    assert!(!f.evidence.is_empty());
    let json = serde_json::to_string(f).unwrap();
    assert!(!json.contains(&secret[4..]), "{json}");
    assert!(!format!("{f:?}").contains(&secret[4..]));
}

#[test]
fn provider_token_in_node_red_defaults_is_raised() {
    let token = ghp("node-red");
    let js = format!(
        "module.exports = function (RED) {{\n\
         \tfunction AcmeNode(config) {{ RED.nodes.createNode(this, config); }}\n\
         \tRED.nodes.registerType('acme', AcmeNode, {{\n\
         \t\tdefaults: {{\n\
         \t\t\tname: {{ value: '' }},\n\
         \t\t\ttoken: {{ value: '{token}' }},\n\
         \t\t}},\n\
         \t}});\n}};\n"
    );
    let found = scan_pkg(&default_analyzer(), vec![file("acme/acme.js", &js)]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule_id, "secrets/github-pat");
    assert_eq!(found[0].severity, Severity::Critical);
    assert_eq!(found[0].properties["exported"], "node-red-node-default");

    // The editor side (.html) of a Node-RED node registers the same defaults.
    let html = format!(
        "<script type=\"text/javascript\">\n  RED.nodes.registerType('acme', {{\n    \
         category: 'function',\n    defaults: {{\n      apiKey: {{ value: \"{}\" }}\n    }}\n  }});\n</script>\n",
        tok("", "html-default", 28)
    );
    let found = scan_pkg(&default_analyzer(), vec![file("acme/acme.html", &html)]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule_id, "secrets/node-red-default-credential");
    assert_eq!(found[0].severity, Severity::Critical);
}

#[test]
fn secrets_in_tests_have_lower_confidence() {
    let line = format!("const token = '{}';\n", ghp("tests"));
    let found = scan_pkg(
        &default_analyzer(),
        vec![
            file("nodes/Acme/Acme.node.js", &line),
            file("test/Acme.test.js", &line),
        ],
    );
    let by_path = |p: &str| found.iter().find(|f| f.location.path == p).unwrap();
    assert_eq!(
        by_path("nodes/Acme/Acme.node.js").confidence,
        Confidence::High
    );
    assert_eq!(by_path("test/Acme.test.js").confidence, Confidence::Medium);
}

#[test]
fn placeholders_and_env_references_are_not_secrets() {
    let src = "const a = { apiKey: process.env.ACME_API_KEY };\n\
               const b = { apiKey: '{{ $credentials.apiKey }}' };\n\
               const c = { password: '${PASSWORD}' };\n\
               const d = { token: '<your-token>' };\n\
               const e = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' };\n\
               const f = { password: 'changeme' };\n\
               const g = { secret: 'xxxxxxxxxxxxxxxxxxxx' };\n";
    let found = scan_pkg(&default_analyzer(), vec![file("nodes/A.node.js", src)]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn allowlists_by_rule_path_hash_and_regex() {
    let t1 = ghp("allow-1");
    let t2 = ghp("allow-2");
    let t3 = ghp("allow-3");
    let files = || {
        vec![
            file("nodes/A.node.js", &format!("const a = '{t1}';\n")),
            file("docs/setup.js", &format!("const b = '{t2}';\n")),
            file("nodes/C.node.js", &format!("const c = '{t3}';\n")),
        ]
    };
    assert_eq!(scan_pkg(&default_analyzer(), files()).len(), 3);
    let config = Config {
        allowlist: vec![
            Allowlist {
                description: "docs are published on purpose".into(),
                paths: vec!["docs/**".into()],
                ..Default::default()
            },
            Allowlist {
                description: "revoked test token".into(),
                rules: vec!["secrets/github-pat".into()],
                secret_sha256: vec![secret_hash(&t1)],
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let an = SecretsAnalyzer::new(config).unwrap();
    let found = scan_pkg(&an, files());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].location.path, "nodes/C.node.js");

    // By rule only: the rule is off for the package.
    let off = Config {
        disable_rules: vec!["secrets/github-pat".into()],
        ..Default::default()
    };
    assert!(scan_pkg(&SecretsAnalyzer::new(off).unwrap(), files()).is_empty());

    // By regex on the value.
    let re = Config {
        allowlist: vec![Allowlist {
            regexes: vec![format!("^{}$", &t3)],
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(
        scan_pkg(&SecretsAnalyzer::new(re).unwrap(), files()).len(),
        2
    );

    // Invalid entries are errors naming the entry.
    let bad = Config {
        allowlist: vec![Allowlist {
            secret_sha256: vec!["abc".into()],
            ..Default::default()
        }],
        ..Default::default()
    };
    let err = SecretsAnalyzer::new(bad).unwrap_err().to_string();
    assert!(
        err.contains("allowlist entry 0") && err.contains("secret-sha256"),
        "{err}"
    );
}

#[test]
fn lockfile_integrity_hashes_are_not_secrets_but_url_credentials_are() {
    let lock = format!(
        "{{\n  \"name\": \"n8n-nodes-acme\",\n  \"lockfileVersion\": 3,\n  \"packages\": {{\n    \
         \"node_modules/axios\": {{\n      \"version\": \"1.7.2\",\n      \
         \"resolved\": \"https://registry.npmjs.org/axios/-/axios-1.7.2.tgz\",\n      \
         \"integrity\": \"sha512-{}==\"\n    }},\n    \
         \"node_modules/private\": {{\n      \"version\": \"1.0.0\",\n      \
         \"resolved\": \"https://ci:{}@npm.acme-corp.io/private/-/private-1.0.0.tgz\"\n    }}\n  }}\n}}\n",
        tok("", "integrity", 86),
        tok("", "lock-pass", 20)
    );
    let found = scan_pkg(&default_analyzer(), vec![file("package-lock.json", &lock)]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule_id, "secrets/url-basic-auth");
}

#[test]
fn source_maps_report_only_secrets_missing_from_the_sources() {
    let shared = ghp("map-shared");
    let only_in_map = tok(&["sk", "_live_"].concat(), "map-only", 40);
    let src = format!("const token = '{shared}';\n");
    let map = format!(
        "{{\"version\":3,\"sources\":[\"../src/a.ts\",\"../src/b.ts\"],\"sourcesContent\":[\"const token = '{shared}';\\n\",\"const key = '{only_in_map}';\\n\"],\"mappings\":\"AAAA\"}}"
    );
    let found = scan_pkg(
        &default_analyzer(),
        vec![file("dist/a.js", &src), file("dist/a.js.map", &map)],
    );
    let rules: Vec<(&str, &str)> = found
        .iter()
        .map(|f| (f.location.path.as_str(), f.rule_id.as_str()))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("dist/a.js", "secrets/github-pat"),
            ("dist/a.js.map", "secrets/stripe-secret-key")
        ],
        "{found:#?}"
    );
    assert_eq!(found[1].properties["source-map"], true);
}

#[test]
fn minified_line_snippet_is_bounded_and_redacted() {
    let token = ghp("minified");
    let line = format!(
        "{}var t=\"{token}\";{}",
        "a=1;".repeat(5000),
        "b=2;".repeat(5000)
    );
    let found = scan_pkg(&default_analyzer(), vec![file("dist/bundle.js", &line)]);
    assert_eq!(found.len(), 1);
    let snippet = found[0].location.snippet.as_deref().unwrap();
    assert!(snippet.chars().count() <= 245, "{}", snippet.len());
    assert!(snippet.contains("[redacted sha256:"));
    assert!(!snippet.contains(&token[4..]));
}

#[test]
fn two_secrets_on_one_line_are_both_redacted_in_each_snippet() {
    let a = ghp("pair-a");
    let b = tok(&["xo", "xb-"].concat(), "", 0)
        + "804215639027-3916270584123-"
        + &tok("", "pair-b", 24);
    let line = format!("const cfg = {{ gh: '{a}', slack: '{b}' }};\n");
    let found = scan_pkg(&default_analyzer(), vec![file("nodes/A.node.js", &line)]);
    assert_eq!(found.len(), 2, "{found:#?}");
    let json = serde_json::to_string(&found).unwrap();
    assert!(!json.contains(&a[4..]) && !json.contains(&b[4..]), "{json}");
}

#[test]
fn gitleaks_rules_are_imported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".gitleaks.toml");
    std::fs::write(
        &path,
        r#"
title = "acme rules"

[[rules]]
id = "acme-internal-token"
description = "Acme internal service token"
regex = '''\b(acme_[a-z0-9]{32})\b'''
secretGroup = 1
entropy = 3.0
keywords = ["acme_"]

[rules.allowlist]
regexes = ['''acme_0{32}''']
stopwords = ["sample"]
paths = ['''fixtures/''']

[[rules]]
id = "file-only"
path = '''\.p12$'''
"#,
    )
    .unwrap();
    let config = Config {
        gitleaks_rules: vec![path.clone()],
        ..Default::default()
    };
    let an = SecretsAnalyzer::new(config).unwrap();
    let tokv = format!("acme_{}", tok("", "acme", 32).to_ascii_lowercase());
    let found = scan_pkg(
        &an,
        vec![
            file("lib/client.js", &format!("const t = '{tokv}';\n")),
            file("fixtures/client.js", &format!("const t = '{tokv}';\n")),
            file(
                "lib/zero.js",
                &format!("const t = 'acme_{}';\n", "0".repeat(32)),
            ),
        ],
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule_id, "secrets/acme-internal-token");
    assert_eq!(found[0].location.path, "lib/client.js");
    assert!(
        an.rules()
            .iter()
            .any(|r| r.id == "secrets/acme-internal-token")
    );

    // A broken regex names the file and the rule.
    std::fs::write(
        &path,
        "[[rules]]\nid = \"broken\"\nregex = '''(unclosed'''\n",
    )
    .unwrap();
    let err = SecretsAnalyzer::new(Config {
        gitleaks_rules: vec![path.clone()],
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(".gitleaks.toml") && err.contains("broken"),
        "{err}"
    );
}

struct FakeVerifier;
impl Verifier for FakeVerifier {
    fn provider(&self) -> &str {
        "GitHub (fake)"
    }
    fn verify(&self, secret: &str) -> Verification {
        if secret.ends_with('Z') {
            Verification::Invalid
        } else {
            Verification::Valid {
                detail: "fake".into(),
            }
        }
    }
}

#[test]
fn verification_plumbing_with_a_fake_verifier() {
    let token = ghp("verify");
    let files = || vec![file("nodes/A.node.js", &format!("const t = '{token}';\n"))];
    let mut reg = VerifierRegistry::default();
    reg.register(&["secrets/github-pat"], Arc::new(FakeVerifier));

    // Off by default: no verification property even with a registry.
    let off = SecretsAnalyzer::new(Config::default())
        .unwrap()
        .with_verifiers(reg.clone());
    assert!(
        !scan_pkg(&off, files())[0]
            .properties
            .contains_key("verification")
    );

    let on = SecretsAnalyzer::new(Config {
        verify: true,
        ..Default::default()
    })
    .unwrap()
    .with_verifiers(reg);
    let f = &scan_pkg(&on, files())[0];
    let expected = if token.ends_with('Z') {
        "invalid"
    } else {
        "valid"
    };
    assert_eq!(f.properties["verification"], expected);
    if expected == "valid" {
        assert_eq!(f.severity, Severity::Critical);
    }
    use portcullis_core::rule::Signal;
    assert!(f.has_signal(Signal::HardCodedSecret));
    assert_eq!(f.has_signal(Signal::VerifiedSecret), expected == "valid");
}

#[test]
fn config_parses_from_the_portcullis_toml_section() {
    #[derive(serde::Deserialize)]
    struct Root {
        secrets: Config,
    }
    let root: Root = toml::from_str(
        r#"
[secrets]
verify = false
generic = false
disable-rules = ["secrets/jwt"]
gitleaks-rules = [".gitleaks.toml"]
min-confidence = "medium"

[[secrets.allowlist]]
description = "demo key"
rules = ["secrets/google-api-key"]
paths = ["docs/**"]
secret-sha256 = ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
"#,
    )
    .unwrap();
    assert!(!root.secrets.generic);
    assert_eq!(root.secrets.min_confidence, Some(Confidence::Medium));
    assert_eq!(root.secrets.allowlist[0].paths, vec!["docs/**".to_string()]);
    assert!(toml::from_str::<Root>("[secrets]\nverfy = true\n").is_err());
}

#[test]
fn every_rule_has_help_with_cwe_and_no_raw_fixture_secret() {
    let an = default_analyzer();
    let rules = an.rules();
    assert!(rules.len() >= 150);
    for r in &rules {
        assert!(r.id.starts_with("secrets/"), "{}", r.id);
        assert!(r.help.contains("## Why is this bad?") && r.help.contains("CWE-798"));
        assert_eq!(r.cwe, vec![798]);
    }
}

#[test]
fn hostile_inputs_finish_and_do_not_panic() {
    let an = default_analyzer();
    // Many keyword hits, huge lines, unterminated PEM, deep nesting.
    let mut s = String::new();
    for _ in 0..5_000 {
        s.push_str("password=token=secret=key-");
    }
    s.push_str("-----BEGIN RSA PRIVATE KEY-----\n");
    s.push_str(&"A".repeat(100_000));
    s.push_str(&"{".repeat(50_000));
    let found = scan_pkg(&an, vec![file("x.js", &s), file("y.txt", "\u{0}\u{1}ÿ")]);
    assert!(found.len() < 10);
}
