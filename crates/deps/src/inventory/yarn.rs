//! `yarn.lock`: classic (v1, yarn's own indented format) and berry (v2+, YAML with a
//! `__metadata` block). Entries are keyed by the descriptors that resolve to them
//! (`lodash@^4.17.20, lodash@^4.17.21`); edges are looked up by `name@range`.

use super::manifest::Manifest;
use super::{Graph, Node, RootEdge};
use portcullis_core::DependencyScope;
use serde_json::Value;
use std::collections::HashMap;

pub fn parse(text: &str, manifest: Option<&Manifest>) -> Result<Graph, String> {
    if text.lines().any(|l| l.trim_end() == "__metadata:") {
        parse_berry(text, manifest)
    } else {
        parse_classic(text, manifest)
    }
}

/// Splits `name@range` (the name may be scoped: `@babel/core@^7.0.0`).
fn split_descriptor(d: &str) -> Option<(&str, &str)> {
    let d = d.trim().trim_matches('"');
    let at = d.get(1..)?.find('@')? + 1;
    Some((&d[..at], &d[at + 1..]))
}

/// The package an alias descriptor installs: `string-width-cjs@npm:string-width@^4.2.0`
/// installs `string-width`, which is what advisories name.
fn real_name<'a>(name: &'a str, range: &'a str) -> &'a str {
    range
        .strip_prefix("npm:")
        .and_then(split_descriptor)
        .map_or(name, |(real, _)| real)
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s)
}

struct Entry {
    descriptors: Vec<String>,
    node: Node,
    deps: Vec<(String, String)>,
    workspace: bool,
}

fn build(entries: Vec<Entry>, manifest: Option<&Manifest>, berry: bool) -> Graph {
    let mut g = Graph {
        root_name: manifest
            .and_then(|m| m.name.clone())
            .unwrap_or_else(|| "(root)".into()),
        ..Graph::default()
    };
    let mut by_desc: HashMap<String, usize> = HashMap::new();
    let mut workspace_deps: Vec<(String, String)> = Vec::new();
    let mut kept: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    for e in entries {
        if e.workspace {
            workspace_deps.extend(e.deps);
            continue;
        }
        let i = g.nodes.len();
        for d in &e.descriptors {
            by_desc.insert(d.clone(), i);
        }
        g.nodes.push(e.node);
        kept.push((i, e.deps));
    }
    let lookup = |name: &str, range: &str| -> Option<usize> {
        by_desc
            .get(&format!("{name}@{range}"))
            .copied()
            .or_else(|| {
                if berry && !range.contains(':') {
                    by_desc.get(&format!("{name}@npm:{range}")).copied()
                } else {
                    None
                }
            })
    };
    for (i, deps) in kept {
        let edges = deps
            .iter()
            .filter_map(|(n, r)| lookup(n, r).map(|t| (t, r.clone())))
            .collect();
        g.nodes[i].edges = edges;
    }
    match manifest {
        Some(m) if !m.deps.is_empty() => {
            for (name, range, scope) in &m.deps {
                if let Some(t) = lookup(name, range) {
                    g.roots.push(RootEdge {
                        target: t,
                        requested: range.clone(),
                        scope: *scope,
                    });
                }
            }
        }
        _ => {
            for (name, range) in &workspace_deps {
                if let Some(t) = lookup(name, range) {
                    g.roots.push(RootEdge {
                        target: t,
                        requested: range.clone(),
                        scope: DependencyScope::Runtime,
                    });
                }
            }
        }
    }
    g
}

fn parse_classic(text: &str, manifest: Option<&Manifest>) -> Result<Graph, String> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut cur: Option<Entry> = None;
    let mut in_deps = false;
    let mut saw_header = false;
    for (lineno, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_start();
        match indent {
            0 => {
                let Some(keys) = body.strip_suffix(':') else {
                    return Err(format!(
                        "line {}: expected `descriptor:`, found `{}`",
                        lineno + 1,
                        truncate(body)
                    ));
                };
                entries.extend(cur.take());
                saw_header = true;
                let descriptors: Vec<String> =
                    keys.split(", ").map(|k| unquote(k).to_string()).collect();
                let name = descriptors
                    .first()
                    .and_then(|d| split_descriptor(d))
                    .map(|(n, r)| real_name(n, r).to_string())
                    .ok_or_else(|| {
                        format!(
                            "line {}: cannot read a package name from `{}`",
                            lineno + 1,
                            truncate(keys)
                        )
                    })?;
                let needle = Some(raw.to_string());
                cur = Some(Entry {
                    descriptors,
                    node: Node {
                        name,
                        needle,
                        ..Node::default()
                    },
                    deps: Vec::new(),
                    workspace: false,
                });
                in_deps = false;
            }
            _ => {
                let Some(e) = cur.as_mut() else {
                    return Err(format!(
                        "line {}: indented line outside an entry",
                        lineno + 1
                    ));
                };
                if indent <= 2 {
                    in_deps = false;
                    if let Some(section) = body.strip_suffix(':') {
                        in_deps = matches!(section, "dependencies" | "optionalDependencies");
                        continue;
                    }
                    let (k, v) = body.split_once(' ').unwrap_or((body, ""));
                    let v = unquote(v).to_string();
                    match unquote(k) {
                        "version" => e.node.version = Some(v),
                        "resolved" => e.node.resolved = Some(v),
                        "integrity" => e.node.integrity = Some(v),
                        _ => {}
                    }
                } else if in_deps {
                    let (k, v) = body.split_once(' ').unwrap_or((body, ""));
                    e.deps
                        .push((unquote(k).to_string(), unquote(v).to_string()));
                }
            }
        }
    }
    entries.extend(cur.take());
    if !saw_header
        && !text.trim().is_empty()
        && !text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err("no entries".into());
    }
    Ok(build(entries, manifest, false))
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_berry(text: &str, manifest: Option<&Manifest>) -> Result<Graph, String> {
    if let Some(d) = portcullis_core::nesting::exceeds(
        text,
        portcullis_core::nesting::Syntax::Yaml,
        portcullis_core::nesting::MAX_DOCUMENT_NESTING,
    ) {
        return Err(format!(
            "nesting deeper than {} levels (counted {d}): refused before parsing",
            portcullis_core::nesting::MAX_DOCUMENT_NESTING
        ));
    }
    let v: Value = yaml_serde::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?;
    let map = v.as_object().ok_or("not a YAML mapping")?;
    let mut entries = Vec::new();
    for (key, entry) in map {
        if key == "__metadata" {
            continue;
        }
        let Some(e) = entry.as_object() else { continue };
        let descriptors: Vec<String> = key.split(", ").map(|k| unquote(k).to_string()).collect();
        let Some(name) = descriptors
            .first()
            .and_then(|d| split_descriptor(d))
            .map(|(n, r)| real_name(n, r).to_string())
        else {
            continue;
        };
        let resolution = e.get("resolution").and_then(scalar).unwrap_or_default();
        let protocol = split_descriptor(&resolution).map(|(_, r)| r).unwrap_or("");
        let workspace = protocol.starts_with("workspace:");
        let deps: Vec<(String, String)> = ["dependencies", "optionalDependencies"]
            .iter()
            .filter_map(|f| e.get(*f).and_then(Value::as_object))
            .flat_map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), scalar(v)?))))
            .collect();
        // Registry resolutions are `name@npm:1.2.3`; anything else (git, http tarball, file,
        // link, portal, exec) is recorded as the resolved source.
        let resolved =
            (!protocol.starts_with("npm:") && !workspace && !protocol.starts_with("patch:"))
                .then(|| berry_source(protocol));
        entries.push(Entry {
            descriptors,
            node: Node {
                name,
                version: e.get("version").and_then(scalar),
                resolved,
                integrity: e.get("checksum").and_then(scalar),
                needle: Some(key.clone()),
                ..Node::default()
            },
            deps,
            workspace,
        });
    }
    Ok(build(entries, manifest, true))
}

/// Normalizes a berry resolution protocol to the forms `non_registry_source` recognises.
fn berry_source(protocol: &str) -> String {
    if let Some(rest) = protocol.strip_prefix("portal:") {
        return format!("link:{rest}");
    }
    if protocol.starts_with("exec:") {
        return format!("file:{protocol}");
    }
    protocol.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::Ecosystem;

    const CLASSIC: &str = r#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0":
  version "7.12.13"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz#dcfc826b"
  integrity sha512-HV1Cm0Q3ZrpCR93tkWOYiuYIgLxZXZFVG2VgK+MBWjUqZTundupbfx2aXarXuw5Ko5aMcjtJgbSs4vUGBS5v6g==
  dependencies:
    "@babel/highlight" "^7.12.13"

"@babel/highlight@^7.12.13":
  version "7.13.10"
  resolved "https://registry.yarnpkg.com/@babel/highlight/-/highlight-7.13.10.tgz#a8b2a66148f5b27d666b15d81774347a731d52d1"

lodash@^4.17.15, lodash@^4.17.19:
  version "4.17.20"
  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.20.tgz#b44a9b6297bcb698f1c51a3545a2b3b368d59c52"

node-red-contrib-helper@^1.0.0:
  version "1.0.3"
  resolved "https://codeload.github.com/someone/helper/tar.gz/4b4fa8d"
  dependencies:
    lodash "^4.17.19"
"#;

    fn manifest(json: &str) -> Manifest {
        Manifest::parse(json).unwrap()
    }

    #[test]
    fn classic_v1() {
        let m = manifest(
            r#"{"name": "node-red-contrib-acme", "dependencies": {"node-red-contrib-helper": "^1.0.0"}, "devDependencies": {"@babel/code-frame": "^7.0.0", "lodash": "^4.17.15"}}"#,
        );
        let deps = parse(CLASSIC, Some(&m))
            .unwrap()
            .into_deps(Ecosystem::Npm, "yarn.lock");
        assert_eq!(deps.len(), 4);
        let by = |n: &str| deps.iter().find(|d| d.component.name == n).unwrap();
        let hl = &by("@babel/highlight").component;
        assert_eq!(hl.version.as_deref(), Some("7.13.10"));
        assert_eq!(
            hl.path,
            vec![
                "node-red-contrib-acme",
                "@babel/code-frame",
                "@babel/highlight"
            ]
        );
        assert_eq!(hl.scope, DependencyScope::Dev);
        // lodash is a direct dev dependency AND a runtime dependency of the helper: runtime wins.
        let lodash = &by("lodash").component;
        assert_eq!(lodash.scope, DependencyScope::Runtime);
        assert_eq!(
            lodash.path,
            vec!["node-red-contrib-acme", "node-red-contrib-helper", "lodash"]
        );
        assert!(
            by("node-red-contrib-helper")
                .component
                .source
                .as_deref()
                .unwrap()
                .contains("codeload")
        );
        assert!(
            by("@babel/code-frame")
                .component
                .integrity
                .as_deref()
                .unwrap()
                .starts_with("sha512-")
        );
    }

    #[test]
    fn berry() {
        let lock = r#"# This file is generated by running "yarn install" inside your project.
# Manual changes might be lost - proceed with caution!

__metadata:
  version: 8
  cacheKey: 10c0

"forge-app@workspace:.":
  version: 0.0.0-use.local
  resolution: "forge-app@workspace:."
  dependencies:
    "@forge/api": "npm:^3.0.0"
    my-fork: "github:someone/my-fork#main"
  languageName: unknown
  linkType: soft

"@forge/api@npm:^3.0.0":
  version: 3.2.0
  resolution: "@forge/api@npm:3.2.0"
  dependencies:
    node-fetch: "npm:2.7.0"
  checksum: 10c0/abc
  languageName: node
  linkType: hard

"node-fetch@npm:2.7.0":
  version: 2.7.0
  resolution: "node-fetch@npm:2.7.0"
  languageName: node
  linkType: hard

"my-fork@github:someone/my-fork#main":
  version: 1.0.0
  resolution: "my-fork@https://github.com/someone/my-fork.git#commit=abc"
  languageName: node
  linkType: hard
"#;
        let deps = parse(lock, None)
            .unwrap()
            .into_deps(Ecosystem::Npm, "yarn.lock");
        assert_eq!(deps.len(), 3, "workspace entry is not a dependency");
        let by = |n: &str| deps.iter().find(|d| d.component.name == n).unwrap();
        let nf = &by("node-fetch").component;
        assert_eq!(nf.version.as_deref(), Some("2.7.0"));
        assert_eq!(nf.path, vec!["(root)", "@forge/api", "node-fetch"]);
        assert!(by("@forge/api").component.direct);
        assert!(
            by("my-fork")
                .component
                .source
                .as_deref()
                .unwrap()
                .contains(".git#")
        );
        assert!(by("@forge/api").component.source.is_none());
    }

    #[test]
    fn aliases_resolve_to_the_real_package() {
        let classic = "\"string-width-cjs@npm:string-width@^4.2.0\":\n  version \"4.2.3\"\n  resolved \"https://registry.yarnpkg.com/string-width/-/string-width-4.2.3.tgz#abc\"\n";
        let deps = parse(classic, None)
            .unwrap()
            .into_deps(Ecosystem::Npm, "yarn.lock");
        assert_eq!(deps[0].component.name, "string-width");
        let berry = "__metadata:\n  version: 8\n\n\"string-width-cjs@npm:string-width@^4.2.0\":\n  version: 4.2.3\n  resolution: \"string-width@npm:4.2.3\"\n";
        let deps = parse(berry, None)
            .unwrap()
            .into_deps(Ecosystem::Npm, "yarn.lock");
        assert_eq!(deps[0].component.name, "string-width");
        assert!(deps[0].component.source.is_none());
    }

    #[test]
    fn malformed() {
        assert!(
            parse("lodash@^4:\n  version \"1\"\nthis is not yarn\n", None)
                .unwrap_err()
                .contains("line 3")
        );
        assert!(
            parse("  version \"1.0.0\"\n", None)
                .unwrap_err()
                .contains("outside")
        );
        assert!(
            parse("__metadata:\n  version: [unclosed\n", None)
                .unwrap_err()
                .contains("YAML")
        );
        assert!(parse("# only comments\n", None).unwrap().nodes.is_empty());
    }
}
