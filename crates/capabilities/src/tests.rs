//! Declared-vs-observed checks on hand-built extensions and observed sets (the JS analyzer's
//! output shape: evidence sources `js/cap-…`).

use super::*;
use portcullis_core::{
    CapabilitySet, Channel, Component, DependencyScope, Ecosystem, Evidence, Extension, Finding,
    IngressKind,
};

fn ev(path: &str, line: u32, source: &str) -> Evidence {
    Evidence {
        path: path.into(),
        line: Some(line),
        source: source.into(),
    }
}

fn egress(channel: Channel, host: HostPattern) -> Capability {
    Capability::NetworkEgress { channel, host }
}

fn exact(h: &str) -> HostPattern {
    HostPattern::Exact(h.into())
}

fn ext(platform: Platform, declared: Vec<(Capability, &str)>) -> Extension {
    let mut set = CapabilitySet::new();
    for (c, source) in declared {
        set.add(c, ev("manifest", 1, source));
    }
    Extension {
        platform,
        name: "acme".into(),
        version: Some("1.0.0".into()),
        description: None,
        manifest_path: "manifest".into(),
        entry_points: vec![],
        declared: set,
    }
}

fn observed(items: Vec<Capability>) -> CapabilitySet {
    let mut set = CapabilitySet::new();
    for (i, c) in items.into_iter().enumerate() {
        set.add(c, ev("src/index.js", 10 + i as u32, "js/cap-fetch"));
    }
    set
}

fn comp(name: &str, version: &str) -> Component {
    Component {
        ecosystem: Ecosystem::Npm,
        name: name.into(),
        version: Some(version.into()),
        requested: None,
        direct: true,
        scope: DependencyScope::Runtime,
        path: vec![],
        found_in: "package-lock.json".into(),
        source: None,
        license: None,
        integrity: None,
    }
}

fn hits<'a>(f: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.rule_id == rule).collect()
}

use portcullis_core::Platform;

fn n8n_ext() -> Extension {
    ext(
        Platform::N8n,
        vec![
            (
                egress(Channel::BackendHttp, exact("api.acme.io")),
                "n8n.node.requestDefaults.baseURL",
            ),
            (
                Capability::Credential {
                    name: "acmeApi".into(),
                    secret_fields: vec!["apiKey".into()],
                    bound_hosts: vec![exact("api.acme.io"), exact("auth.acme.io")],
                    injection: Some("header:Authorization".into()),
                },
                "n8n.credentials",
            ),
        ],
    )
}

#[test]
fn undeclared_egress_positive_and_negative() {
    let e = n8n_ext();
    let obs = observed(vec![
        egress(Channel::BackendHttp, exact("api.acme.io")),
        egress(Channel::BackendHttp, exact("auth.acme.io")),
        egress(Channel::BackendHttp, exact("collector.evil.example")),
    ]);
    let f = check(Some(&e), &obs, &[], &Config::default());
    let u = hits(&f, "capability/undeclared-egress");
    assert_eq!(u.len(), 1, "{f:#?}");
    assert!(u[0].message.contains("collector.evil.example"));
    assert_eq!(u[0].severity, Severity::Medium);
    assert_eq!(u[0].location.path, "src/index.js");
    assert_eq!(u[0].location.start_line(), Some(12));

    // Allowed by the organisation's allow-list: no finding.
    let cfg = Config {
        allow_hosts: vec!["*.evil.example".into()],
        ..Config::default()
    };
    assert!(
        hits(
            &check(Some(&e), &obs, &[], &cfg),
            "capability/undeclared-egress"
        )
        .is_empty()
    );
}

#[test]
fn undeclared_egress_is_inventory_on_node_red() {
    let e = ext(Platform::NodeRed, vec![]);
    let obs = observed(vec![egress(
        Channel::BackendHttp,
        exact("api.telegram.org"),
    )]);
    let f = check(Some(&e), &obs, &[], &Config::default());
    let u = hits(&f, "capability/undeclared-egress");
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].severity, Severity::Info);
}

#[test]
fn forge_channels_are_enforced_separately() {
    let e = ext(
        Platform::Forge,
        vec![(
            egress(Channel::ClientFetch, exact("api.acme.io")),
            "permissions.external.fetch.client",
        )],
    );
    let obs = observed(vec![egress(Channel::BackendHttp, exact("api.acme.io"))]);
    let f = check(Some(&e), &obs, &[], &Config::default());
    assert_eq!(hits(&f, "capability/undeclared-egress").len(), 1);
    // The client declaration is unused: the only call is from the backend.
    assert_eq!(hits(&f, "capability/unused-declaration").len(), 1);
}

#[test]
fn user_configured_egress() {
    let e = n8n_ext();
    let obs = observed(vec![egress(
        Channel::BackendHttp,
        HostPattern::UserConfigured("parameter.url".into()),
    )]);
    let f = check(Some(&e), &obs, &[], &Config::default());
    let u = hits(&f, "capability/user-configured-egress");
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].severity, Severity::Low);
    assert!(hits(&f, "capability/undeclared-egress").is_empty());

    // Declared as user-configured (n8n credential domain): not reported.
    let mut e2 = n8n_ext();
    e2.declared.add(
        egress(
            Channel::BackendHttp,
            HostPattern::UserConfigured("parameter.url".into()),
        ),
        ev("c.ts", 3, "n8n.credential.property"),
    );
    assert!(
        hits(
            &check(Some(&e2), &obs, &[], &Config::default()),
            "capability/user-configured-egress"
        )
        .is_empty()
    );
}

#[test]
fn wildcard_declarations() {
    let e = ext(
        Platform::Forge,
        vec![
            (
                egress(Channel::ClientFetch, HostPattern::Any),
                "permissions.external.fetch.client",
            ),
            (
                egress(
                    Channel::BackendHttp,
                    HostPattern::Wildcard("*.acme.io".into()),
                ),
                "permissions.external.fetch.backend",
            ),
            (
                egress(Channel::BackendHttp, exact("api.flagsmith.com")),
                "permissions.external.fetch.backend",
            ),
        ],
    );
    let f = check(Some(&e), &CapabilitySet::new(), &[], &Config::default());
    let w = hits(&f, "capability/wildcard-egress");
    assert_eq!(w.len(), 2);
    assert!(w.iter().any(|x| x.severity == Severity::High));
    assert!(w.iter().any(|x| x.severity == Severity::Low));
}

#[test]
fn credentials_sent_elsewhere_and_plain_secrets() {
    let e = n8n_ext();
    let obs = observed(vec![
        Capability::Credential {
            name: "acmeApi".into(),
            secret_fields: vec!["apiKey".into(), "clientSecret".into()],
            bound_hosts: vec![exact("api.acme.io"), exact("exfil.example.net")],
            injection: None,
        },
        egress(Channel::BackendHttp, exact("api.acme.io")),
    ]);
    let f = check(Some(&e), &obs, &[], &Config::default());
    let m = hits(&f, "capability/credential-host-mismatch");
    assert_eq!(m.len(), 1, "{f:#?}");
    assert!(m[0].message.contains("exfil.example.net"));
    assert_eq!(m[0].severity, Severity::High);
    let p = hits(&f, "capability/secret-in-plain-field");
    assert_eq!(p.len(), 1);
    assert!(p[0].message.contains("clientSecret"));

    let ok = observed(vec![Capability::Credential {
        name: "acmeApi".into(),
        secret_fields: vec!["apiKey".into()],
        bound_hosts: vec![exact("auth.acme.io")],
        injection: None,
    }]);
    let f = check(Some(&e), &ok, &[], &Config::default());
    assert!(hits(&f, "capability/credential-host-mismatch").is_empty());
    assert!(hits(&f, "capability/secret-in-plain-field").is_empty());
}

#[test]
fn unauthenticated_ingress() {
    let e = ext(
        Platform::Forge,
        vec![
            (
                Capability::Ingress {
                    kind: IngressKind::Webhook,
                    name: Some("webtrigger sync".into()),
                    authenticated: Some(false),
                },
                "modules.webtrigger",
            ),
            (
                Capability::Ingress {
                    kind: IngressKind::HttpRoute,
                    name: Some("admin GET /x".into()),
                    authenticated: Some(false),
                },
                "RED.httpAdmin.get",
            ),
            (
                Capability::Ingress {
                    kind: IngressKind::Trigger,
                    name: Some("t".into()),
                    authenticated: None,
                },
                "modules.trigger",
            ),
        ],
    );
    let f = check(Some(&e), &CapabilitySet::new(), &[], &Config::default());
    let i = hits(&f, "capability/unauthenticated-ingress");
    assert_eq!(i.len(), 1, "{i:#?}");
    assert!(i[0].message.contains("webtrigger sync"));
}

#[test]
fn runtime_powers_by_platform_and_manifest() {
    let obs = observed(vec![
        Capability::ChildProcess {
            command: Some("git".into()),
        },
        Capability::DynamicCode {
            kind: "eval".into(),
        },
    ]);
    let f = check(Some(&n8n_ext()), &obs, &[], &Config::default());
    assert_eq!(
        hits(&f, "capability/undeclared-process")[0].severity,
        Severity::High
    );
    assert_eq!(hits(&f, "capability/undeclared-dynamic-code").len(), 1);

    // Node-RED allows both: inventory only, no findings.
    let f = check(
        Some(&ext(Platform::NodeRed, vec![])),
        &obs,
        &[],
        &Config::default(),
    );
    assert!(hits(&f, "capability/undeclared-process").is_empty());

    // Generic manifest that declares git but not sh.
    let g = ext(
        Platform::Generic,
        vec![(
            Capability::ChildProcess {
                command: Some("git".into()),
            },
            "extension.processes",
        )],
    );
    let obs2 = observed(vec![
        Capability::ChildProcess {
            command: Some("/usr/bin/git".into()),
        },
        Capability::ChildProcess {
            command: Some("sh".into()),
        },
    ]);
    let f = check(Some(&g), &obs2, &[], &Config::default());
    let p = hits(&f, "capability/undeclared-process");
    assert_eq!(p.len(), 1);
    assert!(p[0].message.contains("`sh`"));
    assert!(hits(&f, "capability/unused-declaration").is_empty());
}

#[test]
fn dependency_capabilities_feed_the_checks() {
    let e = n8n_ext();
    let obs = observed(vec![egress(Channel::BackendHttp, exact("api.acme.io"))]);
    let deps = [
        comp("puppeteer", "22.0.0"),
        comp("axios", "1.7.2"),
        comp("@aws-sdk/client-s3", "3.600.0"),
    ];
    let f = check(Some(&e), &obs, &deps, &Config::default());
    let p = hits(&f, "capability/undeclared-process");
    assert_eq!(p.len(), 1);
    assert!(
        p[0].message.contains("through the dependency puppeteer"),
        "{}",
        p[0].message
    );
    let u = hits(&f, "capability/undeclared-egress");
    assert_eq!(u.len(), 1, "{u:#?}");
    assert!(u[0].message.contains("amazonaws.com"));
    // axios alone (any host) is not an egress finding.
    assert!(hits(&f, "capability/user-configured-egress").is_empty());

    let off = Config {
        dependency_capabilities: false,
        ..Config::default()
    };
    assert!(
        hits(
            &check(Some(&e), &obs, &deps, &off),
            "capability/undeclared-process"
        )
        .is_empty()
    );
}

#[test]
fn unused_scopes_only_when_scope_usage_is_known() {
    let e = ext(
        Platform::Forge,
        vec![
            (
                Capability::DataScope {
                    scope: "read:jira-work".into(),
                },
                "permissions.scopes",
            ),
            (
                Capability::DataScope {
                    scope: "write:jira-work".into(),
                },
                "permissions.scopes",
            ),
            (
                egress(Channel::BackendHttp, exact("api.flagsmith.com")),
                "permissions.external.fetch.backend",
            ),
        ],
    );
    let obs = observed(vec![egress(
        Channel::BackendHttp,
        exact("api.flagsmith.com"),
    )]);
    let f = check(Some(&e), &obs, &[], &Config::default());
    assert!(
        hits(&f, "capability/unused-declaration").is_empty(),
        "{f:#?}"
    );

    let obs = observed(vec![
        egress(Channel::BackendHttp, exact("api.flagsmith.com")),
        Capability::DataScope {
            scope: "read:jira-work".into(),
        },
    ]);
    let f = check(Some(&e), &obs, &[], &Config::default());
    let u = hits(&f, "capability/unused-declaration");
    assert_eq!(u.len(), 1);
    assert!(u[0].message.contains("write:jira-work"));
    let off = Config {
        report_unused: false,
        ..Config::default()
    };
    assert!(
        hits(
            &check(Some(&e), &obs, &[], &off),
            "capability/unused-declaration"
        )
        .is_empty()
    );
}

#[test]
fn config_parses_from_toml() {
    let c: Config =
        toml::from_str("allow_hosts = [\"x.io\"]\nundeclared_egress_severity = \"high\"\n")
            .unwrap();
    assert_eq!(c.allow_hosts, vec!["x.io"]);
    assert_eq!(c.undeclared_egress_severity, Severity::High);
    assert!(c.report_unused);
    assert!(toml::from_str::<Config>("alow_hosts = []").is_err());
}

fn manifest_v1() -> CapabilityManifest {
    let e = n8n_ext();
    let obs = observed(vec![egress(Channel::BackendHttp, exact("api.acme.io"))]);
    CapabilityManifest::from_parts(
        Some(&e),
        &obs,
        &[comp("lodash", "4.17.21"), comp("luxon", "3.4.0")],
    )
}

fn manifest_v2() -> CapabilityManifest {
    let mut e = n8n_ext();
    e.version = Some("1.1.0".into());
    e.declared.add(
        Capability::DataScope {
            scope: "oauth2:contacts.write".into(),
        },
        ev("c.ts", 9, "n8n.credential.scope"),
    );
    let obs = observed(vec![
        egress(Channel::BackendHttp, exact("api.acme.io")),
        egress(Channel::BackendHttp, exact("telemetry.acme-analytics.com")),
        Capability::ChildProcess {
            command: Some("curl".into()),
        },
    ]);
    CapabilityManifest::from_parts(
        Some(&e),
        &obs,
        &[comp("lodash", "4.17.22"), comp("puppeteer", "22.0.0")],
    )
}

#[test]
fn manifest_round_trips_with_schema_version() {
    let m = manifest_v2();
    let json = m.to_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema_version"], CAPABILITY_MANIFEST_SCHEMA_VERSION);
    assert_eq!(v["extension"]["platform"], "n8n");
    assert!(v["declared"].is_array());
    let back = CapabilityManifest::from_json("v2.json", &json).unwrap();
    assert_eq!(back, m);
    // Dependency capabilities are part of the observed side.
    assert!(m.observed.iter().any(|i| {
        i.evidence
            .iter()
            .any(|e| e.source == "dependency/puppeteer")
    }));

    let wrong = json.replace("\"schema_version\": \"1.0\"", "\"schema_version\": \"2.0\"");
    let err = CapabilityManifest::from_json("old.json", &wrong).unwrap_err();
    assert!(err.to_string().contains("old.json"));
    let err = CapabilityManifest::from_json("junk.json", "{\"x\":1}").unwrap_err();
    assert!(err.to_string().contains("junk.json"));
}

#[test]
fn diff_reports_new_hosts_scopes_processes_and_dependencies() {
    let d = diff(&manifest_v1(), &manifest_v2());
    assert!(d.escalates());
    let added: Vec<(&str, Side, &str)> = d
        .added
        .iter()
        .map(|c| (c.kind.as_str(), c.side, c.label.as_str()))
        .collect();
    assert!(added.contains(&(
        "network-egress",
        Side::Observed,
        "telemetry.acme-analytics.com [backend-http]"
    )));
    assert!(added.contains(&("data-scope", Side::Declared, "oauth2:contacts.write")));
    assert!(added.contains(&("child-process", Side::Observed, "curl")));
    // puppeteer brings chromium.
    assert!(added.contains(&("child-process", Side::Observed, "chromium")));
    assert!(d.removed.is_empty(), "{:#?}", d.removed);
    assert_eq!(d.dependencies_added.len(), 1);
    assert_eq!(d.dependencies_added[0].name, "puppeteer");
    assert_eq!(d.dependencies_removed[0].name, "luxon");
    assert_eq!(
        d.dependencies_changed[0].old_version.as_deref(),
        Some("4.17.21")
    );
    assert_eq!(
        d.dependencies_changed[0].new_version.as_deref(),
        Some("4.17.22")
    );

    let text = d.render_text();
    assert!(
        text.contains("capability diff: n8n acme@1.0.0 -> n8n acme@1.1.0"),
        "{text}"
    );
    assert!(
        text.contains("added observed hosts:\n  + telemetry.acme-analytics.com [backend-http]"),
        "{text}"
    );
    assert!(text.contains("added declared scopes:"), "{text}");
    assert!(text.contains("+ puppeteer@22.0.0"), "{text}");
    assert!(text.contains("~ lodash 4.17.21 -> 4.17.22"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(json["dependencies_added"][0]["name"], "puppeteer");

    // Reverse direction: the same items are removals, nothing escalates.
    let back = diff(&manifest_v2(), &manifest_v1());
    assert!(back.added.is_empty(), "{:#?}", back.added);
    assert_eq!(back.removed.len(), d.added.len());
    // Going back re-adds luxon: still an escalation (a new dependency).
    assert!(back.escalates());
    assert_eq!(back.dependencies_added[0].name, "luxon");
    assert!(diff(&manifest_v1(), &manifest_v1()).is_empty());
}

#[test]
fn table_shows_status_per_capability() {
    let m = manifest_v2();
    let t = render_table(&m);
    let line = |needle: &str| {
        t.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no row for {needle}:\n{t}"))
            .to_string()
    };
    assert!(line("api.acme.io [backend-http]").contains("declared+used"));
    // An OAuth scope of an n8n credential is platform-wired: usage is not observable.
    let scope_row = line("oauth2:contacts.write");
    assert!(
        scope_row.contains("declared ") && !scope_row.contains("declared-unused"),
        "{scope_row}"
    );
    assert!(line("telemetry.acme-analytics.com").contains("undeclared"));
    assert!(line("curl").contains("undeclared"));
    assert!(line("telemetry.acme-analytics.com").contains("src/index.js:11"));
    assert!(t.contains("undeclared"));
    assert!(t.starts_with("capabilities of n8n acme@1.1.0"));
    let empty = CapabilityManifest::from_parts(None, &CapabilitySet::new(), &[]);
    assert!(render_table(&empty).contains("no capabilities declared or observed"));
}

#[test]
fn labels_are_readable() {
    assert_eq!(
        parse_host("https://API.x.io:443/a"),
        Some(exact("api.x.io"))
    );
    assert_eq!(
        parse_host("*.x.io"),
        Some(HostPattern::Wildcard("*.x.io".into()))
    );
    assert_eq!(parse_host("/relative"), None);
    assert_eq!(
        label(&Capability::Ingress {
            kind: IngressKind::Webhook,
            name: Some("hook".into()),
            authenticated: Some(false)
        }),
        "webhook hook (unauthenticated)"
    );
}

#[test]
fn test_and_docs_code_is_not_held_against_the_extension() {
    let mut obs = CapabilitySet::new();
    obs.add(
        Capability::ChildProcess { command: None },
        ev("dist/__tests__/Node.test.js", 3, "js/cap-child-process"),
    );
    obs.add(
        Capability::DynamicCode {
            kind: "eval".into(),
        },
        ev("docs/gen/scripts/lib.js", 9, "js/cap-dynamic-code"),
    );
    let f = check(Some(&n8n_ext()), &obs, &[], &Config::default());
    assert!(f.is_empty(), "{f:#?}");
    // The same capability in shipped code is reported.
    obs.add(
        Capability::ChildProcess { command: None },
        ev("dist/nodes/Run.node.js", 12, "js/cap-child-process"),
    );
    let f = check(Some(&n8n_ext()), &obs, &[], &Config::default());
    assert_eq!(hits(&f, "capability/undeclared-process").len(), 1);
    assert_eq!(f[0].location.path, "dist/nodes/Run.node.js");
    let t = render_table(&CapabilityManifest::from_parts(Some(&n8n_ext()), &obs, &[]));
    assert!(!t.contains("__tests__"), "{t}");
}

#[test]
fn forge_table_marks_unused_permissions() {
    let e = ext(
        Platform::Forge,
        vec![
            (
                egress(Channel::BackendHttp, exact("api.flagsmith.com")),
                "permissions.external.fetch.backend",
            ),
            (
                egress(Channel::BackendHttp, exact("unused.acme.io")),
                "permissions.external.fetch.backend",
            ),
        ],
    );
    let obs = observed(vec![egress(
        Channel::BackendHttp,
        exact("api.flagsmith.com"),
    )]);
    let t = render_table(&CapabilityManifest::from_parts(Some(&e), &obs, &[]));
    assert!(
        t.lines()
            .any(|l| l.contains("unused.acme.io") && l.contains("declared-unused")),
        "{t}"
    );
    assert!(
        t.lines()
            .any(|l| l.contains("api.flagsmith.com") && l.contains("declared+used")),
        "{t}"
    );
    let f = check(Some(&e), &obs, &[], &Config::default());
    let u = hits(&f, "capability/unused-declaration");
    assert_eq!(u.len(), 1);
    assert!(u[0].message.contains("unused.acme.io"));
}

#[test]
fn manifest_from_a_scan_report() {
    use portcullis_core::{Decision, Origin, ScanReport, ScanStats, TargetInfo, ToolInfo};
    let report = ScanReport {
        schema_version: portcullis_core::REPORT_SCHEMA_VERSION.into(),
        tool: ToolInfo {
            name: "portcullis".into(),
            version: "0.1.0".into(),
        },
        target: TargetInfo {
            source: "n8n-nodes-acme-1.0.0.tgz".into(),
            origin: Origin::Tarball,
            sha256: "ab".repeat(32),
            files: 3,
            bytes: 100,
        },
        extension: Some(n8n_ext()),
        findings: vec![],
        observed: observed(vec![egress(Channel::BackendHttp, exact("api.acme.io"))]),
        components: vec![comp("better-sqlite3", "11.0.0")],
        decision: Decision::approve(),
        rules: vec![],
        notices: vec![],
        properties: Default::default(),
        stats: ScanStats::default(),
    };
    let m = CapabilityManifest::from_report(&report);
    assert_eq!(m.source.as_deref(), Some("n8n-nodes-acme-1.0.0.tgz"));
    assert_eq!(m.sha256.as_deref(), Some("ab".repeat(32).as_str()));
    assert_eq!(m.extension.as_ref().unwrap().name, "acme");
    assert_eq!(m.declared, n8n_ext().declared);
    assert!(m.observed.contains(&Capability::NativeModule {
        name: "better-sqlite3".into()
    }));
    assert_eq!(m.dependencies[0].name, "better-sqlite3");
}

#[test]
fn unresolved_hosts_are_inventory_without_egress_declarations() {
    let obs = observed(vec![egress(Channel::ClientFetch, HostPattern::Any)]);
    let f = check(
        Some(&ext(Platform::NodeRed, vec![])),
        &obs,
        &[],
        &Config::default(),
    );
    assert_eq!(
        hits(&f, "capability/user-configured-egress")[0].severity,
        Severity::Info
    );
    let f = check(Some(&n8n_ext()), &obs, &[], &Config::default());
    assert_eq!(
        hits(&f, "capability/user-configured-egress")[0].severity,
        Severity::Low
    );
}

#[test]
fn an_n8n_node_file_import_is_not_a_native_module() {
    // `require('./nodes/Acme/Acme.node')` loads `Acme.node.js`: every n8n node is named so.
    let mut obs = CapabilitySet::new();
    obs.add(
        Capability::NativeModule {
            name: "./nodes/Acme/Acme.node".into(),
        },
        ev("dist/index.js", 1, "js/cap-native-module"),
    );
    let f = check(Some(&n8n_ext()), &obs, &[], &Config::default());
    assert!(
        hits(&f, "capability/undeclared-native-module").is_empty(),
        "{f:#?}"
    );

    // A compiled addon is still one.
    obs.add(
        Capability::NativeModule {
            name: "./build/Release/acme.node".into(),
        },
        ev("dist/index.js", 2, "js/cap-native-module"),
    );
    let f = check(Some(&n8n_ext()), &obs, &[], &Config::default());
    let native = hits(&f, "capability/undeclared-native-module");
    assert_eq!(native.len(), 1, "{f:#?}");
    assert!(native[0].message.contains("build/Release"));
    assert!(native[0].has_signal(portcullis_core::rule::Signal::NativeBinary));

    // Elsewhere, a `.node` import resolving to a declared entry point is JS.
    let mut forge = ext(Platform::Forge, vec![]);
    forge.entry_points = vec!["src/panel.node.js".into()];
    let mut obs = CapabilitySet::new();
    obs.add(
        Capability::NativeModule {
            name: "./panel.node".into(),
        },
        ev("src/index.js", 1, "js/cap-native-module"),
    );
    let f = check(Some(&forge), &obs, &[], &Config::default());
    assert!(
        hits(&f, "capability/undeclared-native-module").is_empty(),
        "{f:#?}"
    );
    forge.entry_points.clear();
    let f = check(Some(&forge), &obs, &[], &Config::default());
    assert_eq!(hits(&f, "capability/undeclared-native-module").len(), 1);
}

#[test]
fn lifecycle_script_processes_are_left_to_the_install_script_rules() {
    // The supply-chain analyzer records each script's command with package.json evidence.
    let mut obs = CapabilitySet::new();
    obs.add(
        Capability::ChildProcess {
            command: Some("husky install".into()),
        },
        ev("package.json", 12, "supply-chain/install-script"),
    );
    let f = check(Some(&n8n_ext()), &obs, &[], &Config::default());
    assert!(
        hits(&f, "capability/undeclared-process").is_empty(),
        "{f:#?}"
    );

    // The same command started from the node's code is the node's own process.
    obs.add(
        Capability::ChildProcess {
            command: Some("husky install".into()),
        },
        ev("dist/nodes/Run.node.js", 4, "js/cap-child-process"),
    );
    let f = check(Some(&n8n_ext()), &obs, &[], &Config::default());
    let p = hits(&f, "capability/undeclared-process");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].severity, Severity::High);

    // A dependency declared in package.json that spawns processes is still reported.
    let f = check(
        Some(&n8n_ext()),
        &CapabilitySet::new(),
        &[Component {
            found_in: "package.json".into(),
            ..comp("puppeteer", "22.0.0")
        }],
        &Config::default(),
    );
    assert_eq!(hits(&f, "capability/undeclared-process").len(), 1);
}
