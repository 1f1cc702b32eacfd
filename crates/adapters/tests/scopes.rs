//! Scope and feature inference (`ScopeAnalyzer`) on Forge and PCF fixtures shaped like real
//! apps, and on small in-memory files for the conservative cases.

use portcullis_adapters::{ScopeAnalyzer, detect};
use portcullis_core::{
    Analyzer, Capability, CapabilitySet, Context, FileKind, Origin, Package, SourceFile,
};
use std::path::Path;

fn kind_of(path: &str) -> FileKind {
    match path.rsplit('.').next().unwrap_or("") {
        "js" | "mjs" | "cjs" | "jsx" => FileKind::JavaScript,
        "ts" | "tsx" => FileKind::TypeScript,
        "json" => FileKind::Json,
        "yml" | "yaml" => FileKind::Yaml,
        "xml" => FileKind::Xml,
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
    package(files)
}

fn package(files: Vec<SourceFile>) -> Package {
    let mut pkg = Package {
        source: "t".into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files,
    };
    pkg.sort();
    pkg
}

/// What the pipeline would collect from the analyzer: every wanted file plus the package pass.
fn infer(pkg: &Package) -> CapabilitySet {
    let ext = detect(pkg, None).extension;
    let cx = Context {
        package: pkg,
        extension: ext.as_ref(),
    };
    let a = ScopeAnalyzer::new();
    let mut set = CapabilitySet::new();
    for f in pkg.files.iter().filter(|f| a.wants(f)) {
        set.extend(a.analyze_file(f, &cx).observed);
    }
    set.extend(a.analyze_package(&cx).observed);
    set
}

fn scopes(set: &CapabilitySet) -> Vec<String> {
    set.iter()
        .filter_map(|i| match &i.capability {
            Capability::DataScope { scope } => Some(scope.clone()),
            _ => None,
        })
        .collect()
}

/// (path, line) of each piece of evidence for `scope`.
fn evidence(set: &CapabilitySet, scope: &str) -> Vec<(String, u32)> {
    set.iter()
        .find(|i| {
            i.capability
                == Capability::DataScope {
                    scope: scope.into(),
                }
        })
        .map(|i| {
            let mut v: Vec<(String, u32)> = i
                .evidence
                .iter()
                .map(|e| (e.path.clone(), e.line.unwrap_or(0)))
                .collect();
            v.sort();
            v
        })
        .unwrap_or_default()
}

fn forge_pkg(files: &[(&str, &str)]) -> Package {
    let mut all = vec![SourceFile::new(
        "manifest.yml",
        FileKind::Yaml,
        b"modules:\n  function:\n    - key: main\n      handler: index.run\npermissions:\n  scopes:\n    - read:jira-work\napp:\n  id: ari:cloud:ecosystem::app/x\n"
            .to_vec(),
    )];
    for (p, t) in files {
        all.push(SourceFile::new(*p, kind_of(p), t.as_bytes().to_vec()));
    }
    package(all)
}

#[test]
fn forge_app_routes_methods_storage_properties_events_and_bridge() {
    let set = infer(&load("forge/jira-triage"));
    assert_eq!(
        scopes(&set),
        vec![
            "read:jira-user",
            "read:jira-work",
            "storage:app",
            "write:jira-work"
        ],
        "{set:#?}"
    );
    // GET through asUser() over three lines, and the trigger's product event.
    assert_eq!(
        evidence(&set, "read:jira-work"),
        vec![("manifest.yml".into(), 13), ("src/index.js".into(), 8)]
    );
    // PUT through asApp(), the Properties API set, and a POST from TypeScript.
    assert_eq!(
        evidence(&set, "write:jira-work"),
        vec![
            ("src/events.ts".into(), 8),
            ("src/index.js".into(), 23),
            ("src/index.js".into(), 28)
        ]
    );
    // @forge/bridge from Custom UI source.
    assert_eq!(
        evidence(&set, "read:jira-user"),
        vec![("static/panel/src/App.jsx".into(), 8)]
    );
    // The kvs import and its call.
    let storage = evidence(&set, "storage:app");
    assert!(
        storage.contains(&("src/index.js".into(), 29)),
        "{storage:?}"
    );
    // Nothing is unresolved.
    assert!(!scopes(&set).iter().any(|s| s.ends_with('*')));
}

#[test]
fn forge_unresolved_routes_mark_the_product_unknown() {
    let set = infer(&load("forge/dynamic-routes"));
    assert_eq!(
        scopes(&set),
        vec!["jira:*", "read:confluence-user"],
        "{set:#?}"
    );
    assert_eq!(evidence(&set, "jira:*"), vec![("src/index.js".into(), 8)]);
}

#[test]
fn forge_conservative_cases() {
    let cases: &[(&str, &str, &[&str])] = &[
        // Options spread from elsewhere may carry any method.
        (
            "src/index.js",
            "import api, { route } from '@forge/api';\nexport const run = (k, init) => api.asApp().requestJira(route`/rest/api/3/issue/${k}`, { ...init });\n",
            &["jira:*"],
        ),
        // Options object not literal.
        (
            "src/index.js",
            "import api, { route } from '@forge/api';\nexport const run = (k, o) => api.asApp().requestJira(route`/rest/api/3/issue/${k}`, o);\n",
            &["jira:*"],
        ),
        // Computed prefix.
        (
            "src/index.js",
            "import api, { route } from '@forge/api';\nexport const run = (base) => api.asApp().requestJira(route`${base}/issue`);\n",
            &["jira:*"],
        ),
        // The request function passed around as a value.
        (
            "src/index.js",
            "import api from '@forge/api';\nconst req = api.asUser().requestJira;\nexport const run = (r) => req(r);\n",
            &["jira:*"],
        ),
        // A route the table does not list.
        (
            "src/index.js",
            "import api, { route } from '@forge/api';\nexport const run = () => api.asApp().requestJira(route`/rest/api/3/project/X/role`);\n",
            &["jira:*"],
        ),
        // Renamed import, lower-case method, optional chaining: still resolved.
        (
            "src/index.js",
            "import { requestJira as rj } from '@forge/bridge';\nexport const run = (k) => rj?.(`/rest/api/3/issue/${k}`, { method: 'delete' });\n",
            &["write:jira-work"],
        ),
        // A bundled call through a webpack sequence expression.
        (
            "static/build/main.js",
            "var r=n(12);(0,r.requestJira)(\"/rest/api/3/myself\").then(function(e){return e.json()});\n",
            &["read:jira-user"],
        ),
        // Storage bound through a namespace import, then aliased.
        (
            "src/store.js",
            "import * as forge from '@forge/api';\nconst s = forge.storage;\nexport const save = (k, v) => s.set(k, v);\n",
            &["storage:app"],
        ),
        // Confluence v2 states only granular scopes: unknown.
        (
            "src/index.js",
            "import api, { route } from '@forge/api';\nexport const run = (id) => api.asUser().requestConfluence(route`/wiki/api/v2/pages/${id}`);\n",
            &["confluence:*"],
        ),
        // Not Forge code at all: a local `storage` helper and no Forge import.
        (
            "src/util.js",
            "const storage = new Map();\nexport const save = (k, v) => storage.set(k, v);\n",
            &[],
        ),
    ];
    for (path, src, want) in cases {
        let set = infer(&forge_pkg(&[(path, src)]));
        assert_eq!(scopes(&set), *want, "{src}");
    }
}

#[test]
fn unparseable_and_oversized_files_are_unknown() {
    let broken = "import api from '@forge/api';\nexport const run = () => api.asApp().requestJira(route`/rest/api/3/issue/1`,, {{\n";
    let set = infer(&forge_pkg(&[("src/index.js", broken)]));
    // The parser gives up on it: the request it contains is of unknown scope.
    assert_eq!(scopes(&set), vec!["jira:*"]);
    let deep = format!(
        "import api from '@forge/api';\napi.asApp().requestJira('/rest/api/3/myself');\n{}",
        "[".repeat(5000)
    );
    let set = infer(&forge_pkg(&[("src/index.js", &deep)]));
    assert_eq!(scopes(&set), vec!["jira:*"]);
}

#[test]
fn other_platforms_infer_nothing() {
    let set = infer(&load("n8n/acme"));
    assert!(scopes(&set).is_empty(), "{set:#?}");
}

#[test]
fn pcf_context_features() {
    let set = infer(&load("pcf/device-capture"));
    assert_eq!(
        scopes(&set),
        vec!["Device.captureImage", "Device.getCurrentPosition", "WebAPI"],
        "{set:#?}"
    );
    assert_eq!(
        evidence(&set, "Device.captureImage"),
        vec![("DeviceCapture/index.ts".into(), 16)]
    );
    assert_eq!(
        evidence(&set, "WebAPI"),
        vec![("DeviceCapture/index.ts".into(), 18)]
    );

    let pkg = |src: &str| {
        let mut p = load("pcf/device-capture");
        p.files.retain(|f| !f.path.ends_with(".ts"));
        p.files.push(SourceFile::new(
            "DeviceCapture/index.ts",
            FileKind::TypeScript,
            src.as_bytes().to_vec(),
        ));
        p.sort();
        p
    };
    // Device object handed around: which feature is unknown.
    let set = infer(&pkg(
        "export class C { init(context: any) { const d = context.device; d.pickFile(); context.utils.lookupObjects({}); } }",
    ));
    assert_eq!(scopes(&set), vec!["Device.*", "Utility"], "{set:#?}");
    // `utils` / `device` of something that is not the context are not PCF features.
    let set = infer(&pkg(
        "import * as utils from './utils';\nexport class C { init(context: any) { this.helpers.utils.format(1); this.device.captureImage(); } }",
    ));
    assert!(scopes(&set).is_empty(), "{set:#?}");
}
