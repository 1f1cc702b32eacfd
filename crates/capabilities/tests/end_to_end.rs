//! Adapters → capability checks on the adapters' platform fixtures, with observed sets shaped
//! like the JS analyzer's output.

use portcullis_adapters::{ScopeAnalyzer, detect};
use portcullis_capabilities::{CapabilityManifest, Config, check, diff, render_table};
use portcullis_core::{
    Analyzer, Capability, CapabilitySet, Channel, Context, Evidence, Extension, FileKind, Finding,
    HostPattern, Origin, Package, Severity, SourceFile,
};
use std::path::Path;

fn load(rel: &str) -> Package {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../adapters/tests/fixtures")
        .join(rel);
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixture dir") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(&root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            let kind = match rel.rsplit('.').next() {
                Some("js" | "jsx") => FileKind::JavaScript,
                Some("ts" | "tsx") => FileKind::TypeScript,
                Some("json") => FileKind::Json,
                Some("yml") => FileKind::Yaml,
                Some("xml") => FileKind::Xml,
                Some("html") => FileKind::Html,
                _ => FileKind::Text,
            };
            files.push(SourceFile::new(rel, kind, std::fs::read(&p).expect("read")));
        }
    }
    let mut pkg = Package {
        source: rel.into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files,
    };
    pkg.sort();
    pkg
}

fn observed(items: &[(Capability, &str, u32)]) -> CapabilitySet {
    let mut set = CapabilitySet::new();
    for (c, path, line) in items {
        set.add(
            c.clone(),
            Evidence {
                path: (*path).into(),
                line: Some(*line),
                source: "js/cap-network".into(),
            },
        );
    }
    set
}

fn egress(channel: Channel, host: &str) -> Capability {
    Capability::NetworkEgress {
        channel,
        host: HostPattern::Exact(host.into()),
    }
}

fn rules(f: &[Finding]) -> Vec<&str> {
    let mut r: Vec<&str> = f.iter().map(|f| f.rule_id.as_str()).collect();
    r.sort();
    r
}

#[test]
fn forge_app_declared_vs_observed() {
    let out = detect(&load("forge/issue-sync"), None);
    let ext = out.extension.expect("forge");
    let obs = observed(&[
        (
            egress(Channel::BackendHttp, "api.flagsmith.com"),
            "src/index.js",
            7,
        ),
        (
            egress(Channel::BackendHttp, "metrics.acme.io"),
            "src/index.js",
            9,
        ),
        (
            egress(Channel::BackendHttp, "pastebin.com"),
            "src/webhooks.js",
            3,
        ),
    ]);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    let undeclared: Vec<_> = f
        .iter()
        .filter(|f| f.rule_id == "capability/undeclared-egress")
        .collect();
    assert_eq!(undeclared.len(), 1, "{f:#?}");
    assert!(undeclared[0].message.contains("pastebin.com"));
    assert_eq!(undeclared[0].location.path, "src/webhooks.js");
    let r = rules(&f);
    // `*` client egress (high) and `*.acme.io` (low).
    assert_eq!(
        r.iter()
            .filter(|x| **x == "capability/wildcard-egress")
            .count(),
        2
    );
    assert!(r.contains(&"capability/unauthenticated-ingress"));
    // The image host and the remote are declared but never reached.
    let unused: Vec<_> = f
        .iter()
        .filter(|f| f.rule_id == "capability/unused-declaration")
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        unused.iter().any(|m| m.contains("avatars.acme.io")),
        "{unused:#?}"
    );
    // Scopes are not judged: nothing inferred scope usage.
    assert!(
        !unused.iter().any(|m| m.contains("jira-work")),
        "{unused:#?}"
    );

    let table = render_table(&CapabilityManifest::from_parts(Some(&ext), &obs, &[]));
    assert!(
        table
            .lines()
            .any(|l| l.contains("pastebin.com") && l.contains("undeclared")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.contains("api.flagsmith.com") && l.contains("declared+used")),
        "{table}"
    );
}

#[test]
fn n8n_node_credential_exfiltration() {
    let out = detect(&load("n8n/acme"), None);
    let ext = out.extension.expect("n8n");
    let obs = observed(&[
        (
            egress(Channel::BackendHttp, "api.acme.io"),
            "nodes/Acme/Acme.node.ts",
            70,
        ),
        (
            Capability::Credential {
                name: "acmeApi".into(),
                secret_fields: vec!["apiKey".into()],
                bound_hosts: vec![HostPattern::Exact("webhook.site".into())],
                injection: None,
            },
            "nodes/Acme/Acme.node.ts",
            72,
        ),
        (
            egress(Channel::BackendHttp, "webhook.site"),
            "nodes/Acme/Acme.node.ts",
            72,
        ),
        (
            Capability::ChildProcess {
                command: Some("git".into()),
            },
            "nodes/Acme/Acme.node.ts",
            71,
        ),
    ]);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    let r = rules(&f);
    assert!(r.contains(&"capability/credential-host-mismatch"), "{f:#?}");
    assert!(r.contains(&"capability/undeclared-egress"));
    assert!(r.contains(&"capability/undeclared-process"));
    // n8n base URLs and credentials are platform-wired: never "unused".
    assert!(!r.contains(&"capability/unused-declaration"), "{f:#?}");

    // The next version adds the exfiltration host: the diff shows it.
    let v1 = CapabilityManifest::from_parts(
        Some(&ext),
        &observed(&[(
            egress(Channel::BackendHttp, "api.acme.io"),
            "nodes/Acme/Acme.node.ts",
            70,
        )]),
        &[],
    );
    let v2 = CapabilityManifest::from_parts(Some(&ext), &obs, &[]);
    let d = diff(&v1, &v2);
    assert!(d.escalates());
    assert!(
        d.render_text().contains("+ webhook.site [backend-http]"),
        "{}",
        d.render_text()
    );
}

/// The scope analyzer's observed set for a package, as the pipeline collects it.
fn inferred(pkg: &Package, ext: &Extension) -> CapabilitySet {
    let cx = Context {
        package: pkg,
        extension: Some(ext),
    };
    let a = ScopeAnalyzer::new();
    let mut set = CapabilitySet::new();
    for f in pkg.files.iter().filter(|f| a.wants(f)) {
        set.extend(a.analyze_file(f, &cx).observed);
    }
    set.extend(a.analyze_package(&cx).observed);
    set
}

fn messages<'a>(f: &'a [Finding], rule: &str) -> Vec<&'a str> {
    f.iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| f.message.as_str())
        .collect()
}

#[test]
fn forge_scopes_unused_and_used_from_code() {
    let pkg = load("forge/jira-triage");
    let ext = detect(&pkg, None).extension.expect("forge");
    let obs = inferred(&pkg, &ext);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    let unused = messages(&f, "capability/unused-declaration");
    for s in ["manage:jira-configuration", "read:confluence-content.all"] {
        assert!(
            unused.iter().any(|m| m.contains(&format!("`{s}`"))),
            "{s} not reported unused: {unused:#?}"
        );
    }
    // Used by the code, or not inferable at all (a remote-token scope): never unused.
    for s in [
        "read:jira-work",
        "write:jira-work",
        "read:jira-user",
        "storage:app",
        "read:app-system-token",
    ] {
        assert!(
            !unused.iter().any(|m| m.contains(&format!("`{s}`"))),
            "{s} reported unused: {unused:#?}"
        );
    }
    let located: Vec<_> = f
        .iter()
        .filter(|f| {
            f.rule_id == "capability/unused-declaration"
                && f.message.contains("manage:jira-configuration")
        })
        .map(|f| (f.location.path.as_str(), f.location.start_line()))
        .collect();
    assert_eq!(located, vec![("manifest.yml", Some(28))]);
    assert!(
        messages(&f, "capability/undeclared-scope").is_empty(),
        "{f:#?}"
    );

    let table = render_table(&CapabilityManifest::from_parts(Some(&ext), &obs, &[]));
    assert!(
        table
            .lines()
            .any(|l| l.contains("write:jira-work") && l.contains("declared+used")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.contains("manage:jira-configuration") && l.contains("declared-unused")),
        "{table}"
    );
}

#[test]
fn forge_unresolved_product_keeps_its_scopes() {
    let pkg = load("forge/dynamic-routes");
    let ext = detect(&pkg, None).extension.expect("forge");
    let obs = inferred(&pkg, &ext);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    let unused = messages(&f, "capability/unused-declaration");
    // A Jira route built from the payload: no Jira scope can be called unused.
    assert!(!unused.iter().any(|m| m.contains("jira")), "{unused:#?}");
    // Confluence is resolved: the write scope and storage are unused, the user scope used.
    assert!(
        unused
            .iter()
            .any(|m| m.contains("`write:confluence-content`"))
    );
    assert!(unused.iter().any(|m| m.contains("`storage:app`")));
    assert!(!unused.iter().any(|m| m.contains("read:confluence-user")));
    assert!(
        messages(&f, "capability/undeclared-scope").is_empty(),
        "{f:#?}"
    );
}

fn forge_with(scopes: &[&str], code: &str) -> (Extension, CapabilitySet) {
    let mut manifest = String::from(
        "modules:\n  function:\n    - key: main\n      handler: index.run\npermissions:\n  scopes:\n",
    );
    for s in scopes {
        manifest.push_str(&format!("    - {s}\n"));
    }
    manifest.push_str("app:\n  id: ari:cloud:ecosystem::app/x\n");
    let mut pkg = Package {
        source: "t".into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files: vec![
            SourceFile::new("manifest.yml", FileKind::Yaml, manifest.into_bytes()),
            SourceFile::new(
                "src/index.js",
                FileKind::JavaScript,
                code.as_bytes().to_vec(),
            ),
        ],
    };
    pkg.sort();
    let ext = detect(&pkg, None).extension.expect("forge");
    let obs = inferred(&pkg, &ext);
    (ext, obs)
}

#[test]
fn forge_undeclared_scopes() {
    let code = "import api, { route } from '@forge/api';\n\
        export async function run({ key }) {\n\
          await api.asApp().requestJira(route`/rest/api/3/issue/${key}`, { method: 'PUT', body: '{}' });\n\
        }\n";
    let (ext, obs) = forge_with(&["read:jira-work"], code);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    let u: Vec<_> = f
        .iter()
        .filter(|f| f.rule_id == "capability/undeclared-scope")
        .collect();
    assert_eq!(u.len(), 1, "{f:#?}");
    assert!(
        u[0].message.contains("`write:jira-work`"),
        "{}",
        u[0].message
    );
    assert_eq!(u[0].severity, Severity::Medium);
    assert_eq!(
        (u[0].location.path.as_str(), u[0].location.start_line()),
        ("src/index.js", Some(3))
    );
    // read:jira-work is declared and not used by a PUT.
    assert_eq!(messages(&f, "capability/unused-declaration").len(), 1);

    // Declared: no finding.
    let (ext, obs) = forge_with(&["write:jira-work"], code);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    assert!(
        messages(&f, "capability/undeclared-scope").is_empty(),
        "{f:#?}"
    );
    assert!(
        messages(&f, "capability/unused-declaration").is_empty(),
        "{f:#?}"
    );

    // Granular Jira scopes declared: classic inference does not judge them.
    let (ext, obs) = forge_with(&["write:issue:jira", "read:issue:jira"], code);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    assert!(
        messages(&f, "capability/undeclared-scope").is_empty(),
        "{f:#?}"
    );
    assert!(
        messages(&f, "capability/unused-declaration").is_empty(),
        "{f:#?}"
    );

    // An unresolved Jira call is undeclared only when no Jira scope is declared at all.
    let dynamic = "import api, { assumeTrustedRoute } from '@forge/api';\n\
        export const run = ({ path }) => api.asApp().requestJira(assumeTrustedRoute(path));\n";
    let (ext, obs) = forge_with(&["storage:app"], dynamic);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    let u = messages(&f, "capability/undeclared-scope");
    assert_eq!(u.len(), 1, "{f:#?}");
    assert!(u[0].contains("jira API"), "{}", u[0]);
    let (ext, obs) = forge_with(&["read:jira-work"], dynamic);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    assert!(
        messages(&f, "capability/undeclared-scope").is_empty(),
        "{f:#?}"
    );
    assert!(
        messages(&f, "capability/unused-declaration").is_empty(),
        "{f:#?}"
    );
}

#[test]
fn pcf_features_unused_and_undeclared() {
    let pkg = load("pcf/device-capture");
    let ext = detect(&pkg, None).extension.expect("pcf");
    let obs = inferred(&pkg, &ext);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    let unused = messages(&f, "capability/unused-declaration");
    assert_eq!(unused.len(), 2, "{unused:#?}");
    assert!(unused.iter().any(|m| m.contains("`Device.pickFile`")));
    assert!(unused.iter().any(|m| m.contains("`Utility`")));
    let undeclared: Vec<_> = f
        .iter()
        .filter(|f| f.rule_id == "capability/undeclared-scope")
        .collect();
    assert_eq!(undeclared.len(), 1, "{f:#?}");
    assert!(
        undeclared[0]
            .message
            .contains("`Device.getCurrentPosition`")
    );
    assert_eq!(
        (
            undeclared[0].location.path.as_str(),
            undeclared[0].location.start_line()
        ),
        ("DeviceCapture/index.ts", Some(17))
    );
}

/// The JS analyzer reports a credential it sees sent somewhere as an observed credential
/// whose `bound_hosts` are the hosts it is sent to.
fn sent(name: &str, hosts: Vec<HostPattern>, line: u32) -> (Capability, &'static str, u32) {
    (
        Capability::Credential {
            name: name.into(),
            secret_fields: vec![],
            bound_hosts: hosts,
            injection: None,
        },
        "nodes/Acme/Acme.node.ts",
        line,
    )
}

#[test]
fn credential_sent_to_user_configured_or_arbitrary_hosts() {
    let out = detect(&load("n8n/acme"), None);
    let ext = out.extension.expect("n8n");
    let mismatches = |obs: &CapabilitySet| -> Vec<String> {
        check(Some(&ext), obs, &[], &Config::default())
            .into_iter()
            .filter(|f| f.rule_id == "capability/credential-host-mismatch")
            .map(|f| f.message)
            .collect()
    };
    // The API key sent in a body to a webhook URL taken from a node parameter (acme-crm).
    let m = mismatches(&observed(&[sent(
        "acmeApi",
        vec![HostPattern::UserConfigured("parameter webhookUrl".into())],
        88,
    )]));
    assert_eq!(m.len(), 1, "{m:#?}");
    assert!(m[0].contains("parameter webhookUrl"), "{}", m[0]);
    // To a URL from arbitrary data.
    let m = mismatches(&observed(&[sent("acmeApi", vec![HostPattern::Any], 90)]));
    assert_eq!(m.len(), 1, "{m:#?}");
    assert!(m[0].contains("any host"));
    // To its own configured domain (either spelling), or to its declared host: fine.
    for own in [
        HostPattern::UserConfigured("credentials.domain".into()),
        HostPattern::UserConfigured("credential acmeApi".into()),
        HostPattern::Exact("api.acme.io".into()),
    ] {
        let m = mismatches(&observed(&[sent("acmeApi", vec![own.clone()], 70)]));
        assert!(m.is_empty(), "{own:?}: {m:#?}");
    }
    // The host configured in another credential is not this one's.
    let m = mismatches(&observed(&[sent(
        "acmeApi",
        vec![HostPattern::UserConfigured(
            "credential acmeOAuth2Api".into(),
        )],
        92,
    )]));
    assert_eq!(m.len(), 1, "{m:#?}");
    // A literal foreign host still is a mismatch, and the location is the observed send.
    let obs = observed(&[sent(
        "acmeApi",
        vec![HostPattern::Exact("collector.example.net".into())],
        95,
    )]);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    let hit = f
        .iter()
        .find(|f| f.rule_id == "capability/credential-host-mismatch")
        .expect("mismatch");
    assert_eq!(hit.location.start_line(), Some(95));
    assert_eq!(hit.severity, Severity::High);
}

#[test]
fn credential_on_a_platform_without_egress_declarations() {
    // Node-RED declares credentials but no hosts: nothing to compare a destination with.
    let out = detect(&load("node-red/acme-sensor"), None);
    let ext = out.extension.expect("node-red");
    let name = ext
        .declared
        .iter()
        .find_map(|i| match &i.capability {
            Capability::Credential { name, .. } => Some(name.clone()),
            _ => None,
        })
        .expect("credential");
    let obs = observed(&[(
        Capability::Credential {
            name,
            secret_fields: vec![],
            bound_hosts: vec![HostPattern::Exact("api.acme-sensors.io".into())],
            injection: None,
        },
        "nodes/acme-sensor.js",
        20,
    )]);
    let f = check(Some(&ext), &obs, &[], &Config::default());
    assert!(
        messages(&f, "capability/credential-host-mismatch").is_empty(),
        "{f:#?}"
    );
}
