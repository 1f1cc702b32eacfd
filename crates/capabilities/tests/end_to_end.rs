//! Adapters → capability checks on the adapters' platform fixtures, with observed sets shaped
//! like the JS analyzer's output.

use portcullis_adapters::detect;
use portcullis_capabilities::{CapabilityManifest, Config, check, diff, render_table};
use portcullis_core::{
    Capability, CapabilitySet, Channel, Evidence, FileKind, Finding, HostPattern, Origin, Package,
    SourceFile,
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
                Some("js") => FileKind::JavaScript,
                Some("ts") => FileKind::TypeScript,
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
