//! `pnpm-lock.yaml`, lockfile versions 5.x, 6.x, 7/8 (same shape as 6) and 9.
//!
//! Package keys differ by version — `/name/1.0.0_peer@1` (v5), `/name@1.0.0(peer@1)` (v6–v8),
//! `name@1.0.0(peer@1)` (v9, with dependencies moved to `snapshots`) — and are all reduced
//! to one `name@version` node id; peer-dependency variants of a package merge into one node.

use super::manifest::Manifest;
use super::{Graph, Node, RootEdge};
use portcullis_core::DependencyScope;
use serde_json::{Map, Value};
use std::collections::HashMap;

pub fn parse(text: &str, manifest: Option<&Manifest>) -> Result<Graph, String> {
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
    let doc = v.as_object().ok_or("not a YAML mapping")?;
    let major = match doc.get("lockfileVersion") {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("lockfileVersion `{s}` is not a number"))?,
        _ => return Err("no lockfileVersion".into()),
    } as u32;
    if !(5..=9).contains(&major) {
        return Err(format!(
            "unsupported lockfileVersion {major} (supported: 5 to 9)"
        ));
    }
    let empty = Map::new();
    let packages = doc
        .get("packages")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let snapshots = doc.get("snapshots").and_then(Value::as_object);

    let mut g = Graph {
        root_name: manifest
            .and_then(|m| m.name.clone())
            .unwrap_or_else(|| "(root)".into()),
        ..Graph::default()
    };
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut dep_lists: Vec<Vec<(String, String)>> = Vec::new();

    let mut add = |g: &mut Graph,
                   key: &str,
                   meta: Option<&Map<String, Value>>,
                   deps_from: Option<&Map<String, Value>>| {
        let Some((kname, kversion)) = split_key(key, major) else {
            return;
        };
        let meta = meta.unwrap_or(&empty);
        let name = meta
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| kname.clone());
        let version = meta
            .get("version")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| kversion.clone());
        let key_id = format!("{kname}@{kversion}");
        let id = format!("{name}@{version}");
        let idx = *ids.entry(id).or_insert_with(|| {
            let res = meta.get("resolution").and_then(Value::as_object);
            let (resolved, integrity) = match res {
                Some(r) => (
                    resolution_source(r),
                    r.get("integrity")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                ),
                None => (None, None),
            };
            let flag_scope = match meta.get("dev").and_then(Value::as_bool) {
                Some(true) => Some(DependencyScope::Dev),
                Some(false) if meta.get("optional").and_then(Value::as_bool) == Some(true) => {
                    Some(DependencyScope::Optional)
                }
                Some(false) => Some(DependencyScope::Runtime),
                None => None,
            };
            g.nodes.push(Node {
                name: name.clone(),
                version: Some(version.clone()),
                resolved,
                integrity,
                deprecated: meta
                    .get("deprecated")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                flag_scope,
                needle: Some(key.to_string()),
                ..Node::default()
            });
            dep_lists.push(Vec::new());
            g.nodes.len() - 1
        });
        // Non-registry packages are referenced by their key (`helper@https://…`), not by
        // the version their metadata states.
        ids.entry(key_id).or_insert(idx);
        let src = deps_from.unwrap_or(meta);
        for field in ["dependencies", "optionalDependencies"] {
            if let Some(m) = src.get(field).and_then(Value::as_object) {
                for (dn, dv) in m {
                    if let (Some(list), Some(dv)) = (dep_lists.get_mut(idx), dv.as_str()) {
                        list.push((dn.clone(), dv.to_string()));
                    }
                }
            }
        }
    };

    match snapshots {
        Some(snaps) => {
            for (key, snap) in snaps {
                let base = strip_peers(key.trim_start_matches('/'));
                let meta = packages.get(base).and_then(Value::as_object);
                add(&mut g, key, meta, snap.as_object());
            }
        }
        None => {
            for (key, meta) in packages {
                add(&mut g, key, meta.as_object(), None);
            }
        }
    }

    let resolve = |name: &str, value: &str| -> Option<usize> {
        let value = value.trim();
        if value.starts_with("link:")
            || value.starts_with("file:") && !ids.contains_key(&format!("{name}@{value}"))
        {
            return None;
        }
        // An aliased or path-style reference names the package itself.
        if value.starts_with('/')
            || (value.contains('@') && !value.starts_with(|c: char| c.is_ascii_digit()))
        {
            let (n, v) = split_key(value, major)?;
            return ids.get(&format!("{n}@{v}")).copied();
        }
        let version = strip_peers(value);
        let version = if major < 6 {
            version.split('_').next().unwrap_or(version)
        } else {
            version
        };
        ids.get(&format!("{name}@{version}")).copied()
    };

    // pnpm records resolved versions, not the ranges packages declare: transitive edges carry
    // no requested range (so no "fix within range" claim is made for them).
    for (i, list) in dep_lists.iter().enumerate() {
        let edges: Vec<(usize, String)> = list
            .iter()
            .filter_map(|(n, v)| resolve(n, v).map(|t| (t, String::new())))
            .collect();
        if let Some(node) = g.nodes.get_mut(i) {
            node.edges = edges;
        }
    }

    // Importers: the single-project top level (v5), or each entry of `importers`.
    let mut importers: Vec<&Map<String, Value>> = Vec::new();
    match doc.get("importers").and_then(Value::as_object) {
        Some(imps) => importers.extend(imps.values().filter_map(Value::as_object)),
        None => importers.push(doc),
    }
    for imp in importers {
        let specifiers = imp.get("specifiers").and_then(Value::as_object);
        for (field, scope) in [
            ("dependencies", DependencyScope::Runtime),
            ("optionalDependencies", DependencyScope::Optional),
            ("devDependencies", DependencyScope::Dev),
        ] {
            let Some(m) = imp.get(field).and_then(Value::as_object) else {
                continue;
            };
            for (name, val) in m {
                let (version, spec) = match val {
                    Value::String(v) => (
                        v.clone(),
                        specifiers
                            .and_then(|s| s.get(name))
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    ),
                    Value::Object(o) => (
                        o.get("version")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        o.get("specifier")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                    ),
                    _ => continue,
                };
                if let Some(t) = resolve(name, &version) {
                    g.roots.push(RootEdge {
                        target: t,
                        requested: spec.unwrap_or_default(),
                        scope,
                    });
                }
            }
        }
    }
    Ok(g)
}

/// Cuts the peer-dependency suffix of a v6+ key or version: `1.0.0(react@18.0.0)` → `1.0.0`.
fn strip_peers(s: &str) -> &str {
    s.split('(').next().unwrap_or(s)
}

/// A package key → (name, version).
fn split_key(key: &str, major: u32) -> Option<(String, String)> {
    let key = strip_peers(key.trim());
    let key = key.strip_prefix('/').unwrap_or(key);
    if major < 6 {
        // `name/1.0.0_peer` or `@scope/name/1.0.0_peer`; other registries prefix a host.
        let (name, version) = key.rsplit_once('/')?;
        let version = version.split('_').next().unwrap_or(version);
        let name = name.rsplit_once("/@").map_or(name, |(_, n)| n);
        let name = if key.contains("/@") && !name.starts_with('@') {
            format!("@{name}")
        } else {
            name.to_string()
        };
        return Some((name, version.to_string()));
    }
    let at = key.get(1..)?.find('@')? + 1;
    Some((key[..at].to_string(), key[at + 1..].to_string()))
}

fn resolution_source(r: &Map<String, Value>) -> Option<String> {
    if let Some(t) = r.get("tarball").and_then(Value::as_str) {
        return Some(t.to_string());
    }
    if r.get("type").and_then(Value::as_str) == Some("git") {
        let repo = r.get("repo").and_then(Value::as_str).unwrap_or("");
        let commit = r.get("commit").and_then(Value::as_str).unwrap_or("");
        let repo = if repo.starts_with("git") {
            repo.to_string()
        } else {
            format!("git+{repo}")
        };
        return Some(format!("{repo}#{commit}"));
    }
    r.get("directory")
        .and_then(Value::as_str)
        .map(|d| format!("file:{d}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::Ecosystem;

    #[test]
    fn v5() {
        let lock = r#"lockfileVersion: 5.4

specifiers:
  '@grafana/data': ^9.0.0
  typescript: ^4.9.0

dependencies:
  '@grafana/data': 9.5.2_react@18.2.0

devDependencies:
  typescript: 4.9.5

packages:

  /@grafana/data/9.5.2_react@18.2.0:
    resolution: {integrity: sha512-aaa}
    peerDependencies:
      react: ^18
    dependencies:
      lodash: 4.17.21
      tinycolor2: 1.6.0
    dev: false

  /lodash/4.17.21:
    resolution: {integrity: sha512-bbb}
    dev: false

  /tinycolor2/1.6.0:
    resolution: {tarball: https://files.example.net/tinycolor2-1.6.0.tgz}
    dev: false

  /typescript/4.9.5:
    resolution: {integrity: sha512-ccc}
    engines: {node: '>=4.2.0'}
    hasBin: true
    dev: true
"#;
        let m = Manifest::parse(r#"{"name": "acme-grafana-panel"}"#).unwrap();
        let deps = parse(lock, Some(&m))
            .unwrap()
            .into_deps(Ecosystem::Npm, "pnpm-lock.yaml");
        assert_eq!(deps.len(), 4);
        let by = |n: &str| deps.iter().find(|d| d.component.name == n).unwrap();
        let gd = &by("@grafana/data").component;
        assert_eq!(gd.version.as_deref(), Some("9.5.2"));
        assert!(gd.direct);
        assert_eq!(gd.requested.as_deref(), Some("^9.0.0"));
        let lodash = &by("lodash").component;
        assert_eq!(
            lodash.path,
            vec!["acme-grafana-panel", "@grafana/data", "lodash"]
        );
        assert_eq!(by("typescript").component.scope, DependencyScope::Dev);
        assert!(
            by("tinycolor2")
                .component
                .source
                .as_deref()
                .unwrap()
                .contains("files.example.net")
        );
        assert_eq!(
            by("lodash").component.integrity.as_deref(),
            Some("sha512-bbb")
        );
    }

    #[test]
    fn v6() {
        let lock = r#"lockfileVersion: '6.0'

settings:
  autoInstallPeers: true

dependencies:
  axios:
    specifier: ^1.6.0
    version: 1.6.2

packages:

  /axios@1.6.2:
    resolution: {integrity: sha512-x}
    dependencies:
      follow-redirects: 1.15.3(debug@4.3.4)
    dev: false

  /follow-redirects@1.15.3(debug@4.3.4):
    resolution: {integrity: sha512-y}
    peerDependenciesMeta:
      debug:
        optional: true
    dev: false
"#;
        let deps = parse(lock, None)
            .unwrap()
            .into_deps(Ecosystem::Npm, "pnpm-lock.yaml");
        let fr = deps
            .iter()
            .find(|d| d.component.name == "follow-redirects")
            .unwrap();
        assert_eq!(fr.component.version.as_deref(), Some("1.15.3"));
        assert_eq!(
            fr.component.path,
            vec!["(root)", "axios", "follow-redirects"]
        );
        assert_eq!(
            deps.iter()
                .find(|d| d.component.name == "axios")
                .unwrap()
                .component
                .requested
                .as_deref(),
            Some("^1.6.0")
        );
    }

    #[test]
    fn v9_with_snapshots_and_git() {
        let lock = r#"lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      '@forge/ui':
        specifier: ^1.10.0
        version: 1.10.1(react@18.2.0)
      helper:
        specifier: github:acme/helper
        version: https://codeload.github.com/acme/helper/tar.gz/0123abc
    devDependencies:
      jest:
        specifier: ^29.0.0
        version: 29.7.0

packages:

  '@forge/ui@1.10.1':
    resolution: {integrity: sha512-a}
    peerDependencies:
      react: '>=16'

  react@18.2.0:
    resolution: {integrity: sha512-b}

  jest@29.7.0:
    resolution: {integrity: sha512-c}

  helper@https://codeload.github.com/acme/helper/tar.gz/0123abc:
    resolution: {tarball: https://codeload.github.com/acme/helper/tar.gz/0123abc}
    version: 2.0.0

snapshots:

  '@forge/ui@1.10.1(react@18.2.0)':
    dependencies:
      react: 18.2.0

  react@18.2.0: {}

  jest@29.7.0: {}

  helper@https://codeload.github.com/acme/helper/tar.gz/0123abc: {}
"#;
        let deps = parse(lock, None)
            .unwrap()
            .into_deps(Ecosystem::Npm, "pnpm-lock.yaml");
        assert_eq!(deps.len(), 4, "{deps:#?}");
        let by = |n: &str| deps.iter().find(|d| d.component.name == n).unwrap();
        assert_eq!(
            by("react").component.path,
            vec!["(root)", "@forge/ui", "react"]
        );
        assert_eq!(by("react").component.scope, DependencyScope::Runtime);
        assert_eq!(by("jest").component.scope, DependencyScope::Dev);
        let helper = &by("helper").component;
        assert_eq!(helper.version.as_deref(), Some("2.0.0"));
        assert!(helper.direct);
        assert!(helper.source.as_deref().unwrap().contains("codeload"));
    }

    #[test]
    fn malformed() {
        assert!(
            parse("lockfileVersion: '4.0'\n", None)
                .unwrap_err()
                .contains("unsupported")
        );
        assert!(
            parse("packages: {}\n", None)
                .unwrap_err()
                .contains("lockfileVersion")
        );
        assert!(
            parse("lockfileVersion: [\n", None)
                .unwrap_err()
                .contains("YAML")
        );
        assert!(parse("- a\n- b\n", None).unwrap_err().contains("mapping"));
        assert!(parse("lockfileVersion: 'x'\n", None).is_err());
    }
}
