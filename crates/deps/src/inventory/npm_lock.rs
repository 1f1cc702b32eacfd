//! `package-lock.json` (lockfileVersion 1, 2, 3) and `npm-shrinkwrap.json` (same format).
//!
//! v2/v3 list every installed package under `packages`, keyed by its `node_modules/…` path;
//! dependencies are resolved the way Node does, by walking up the `node_modules` chain. v1
//! nests `dependencies` objects; it is flattened into the same key space and resolved the
//! same way, with edges from `requires`.

use super::manifest::{Manifest, license_of};
use super::{Graph, MAX_DEPTH, Node, RootEdge};
use portcullis_core::DependencyScope;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Parses a package-lock / shrinkwrap. `manifest` (the sibling package.json) supplies the
/// roots when the lockfile does not (v1).
pub fn parse(text: &str, manifest: Option<&Manifest>) -> Result<Graph, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let obj = v.as_object().ok_or("not a JSON object")?;
    let version = obj.get("lockfileVersion").and_then(Value::as_u64);
    let root_name = obj
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| manifest.and_then(|m| m.name.clone()))
        .unwrap_or_else(|| "(root)".into());
    match (version, obj.get("packages").and_then(Value::as_object)) {
        (Some(2 | 3), Some(packages)) | (None, Some(packages)) => {
            Ok(from_packages(root_name, packages, manifest))
        }
        (Some(1) | None, None) => {
            let deps = obj.get("dependencies").and_then(Value::as_object);
            Ok(from_v1(root_name, deps, manifest))
        }
        (Some(n), _) => Err(format!("unsupported lockfileVersion {n}")),
    }
}

fn flag_scope(e: &Map<String, Value>) -> Option<DependencyScope> {
    let t = |k: &str| e.get(k).and_then(Value::as_bool).unwrap_or(false);
    if t("dev") || t("devOptional") {
        Some(DependencyScope::Dev)
    } else if t("optional") {
        Some(DependencyScope::Optional)
    } else if t("peer") {
        Some(DependencyScope::Peer)
    } else {
        Some(DependencyScope::Runtime)
    }
}

fn str_of(e: &Map<String, Value>, k: &str) -> Option<String> {
    e.get(k).and_then(Value::as_str).map(str::to_string)
}

/// `(name, range)` pairs of the dependency maps of an entry.
fn dep_maps<'a>(e: &'a Map<String, Value>, fields: &[&str]) -> Vec<(&'a str, &'a str)> {
    fields
        .iter()
        .filter_map(|f| e.get(*f).and_then(Value::as_object))
        .flat_map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or("")))
        })
        .collect()
}

/// The key of the `node_modules` directory that owns `key` (`a/node_modules/b` → `a`).
fn parent_key(key: &str) -> Option<&str> {
    if key.is_empty() {
        return None;
    }
    match key.rfind("node_modules/") {
        Some(i) => Some(key[..i].trim_end_matches('/')),
        None => Some(""),
    }
}

/// Node-style resolution: `<from>/node_modules/<name>`, then each ancestor's.
fn resolve(keys: &HashMap<&str, usize>, from: &str, name: &str) -> Option<usize> {
    let mut base = from.to_string();
    for _ in 0..=MAX_DEPTH {
        let candidate = if base.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{base}/node_modules/{name}")
        };
        if let Some(&i) = keys.get(candidate.as_str()) {
            return Some(i);
        }
        base = parent_key(&base)?.to_string();
    }
    None
}

fn from_packages(
    root_name: String,
    packages: &Map<String, Value>,
    manifest: Option<&Manifest>,
) -> Graph {
    let mut g = Graph {
        root_name,
        ..Graph::default()
    };
    // Installed packages (under node_modules) become nodes; link entries point at workspace
    // folders, whose own dependencies become roots (they are first-party code).
    let mut keys: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<(&str, &Map<String, Value>)> = Vec::new();
    for (key, entry) in packages {
        let Some(e) = entry.as_object() else { continue };
        if !key.contains("node_modules/") {
            continue;
        }
        if e.get("link").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let name = str_of(e, "name").unwrap_or_else(|| {
            key.rsplit_once("node_modules/")
                .map_or(key.as_str(), |(_, n)| n)
                .to_string()
        });
        keys.insert(key.as_str(), g.nodes.len());
        order.push((key.as_str(), e));
        g.nodes.push(Node {
            name,
            version: str_of(e, "version"),
            resolved: str_of(e, "resolved"),
            integrity: str_of(e, "integrity"),
            license: license_of(entry),
            deprecated: str_of(e, "deprecated"),
            flag_scope: flag_scope(e),
            edges: Vec::new(),
            needle: Some(format!("\"{key}\"")),
        });
    }
    let dep_fields = ["dependencies", "optionalDependencies", "peerDependencies"];
    for (i, (key, e)) in order.iter().enumerate() {
        let edges = dep_maps(e, &dep_fields)
            .into_iter()
            .filter_map(|(name, range)| resolve(&keys, key, name).map(|t| (t, range.to_string())))
            .collect();
        g.nodes[i].edges = edges;
    }
    // Roots: the root entry's declared dependencies, then every workspace folder's.
    let mut root_entries: Vec<(&str, &Map<String, Value>)> = Vec::new();
    if let Some(root) = packages.get("").and_then(Value::as_object) {
        root_entries.push(("", root));
    }
    for (key, entry) in packages {
        if !key.is_empty()
            && !key.contains("node_modules/")
            && let Some(e) = entry.as_object()
        {
            root_entries.push((key.as_str(), e));
        }
    }
    if root_entries.is_empty()
        && let Some(m) = manifest
    {
        for (name, range, scope) in &m.deps {
            if let Some(t) = resolve(&keys, "", name) {
                g.roots.push(RootEdge {
                    target: t,
                    requested: range.clone(),
                    scope: *scope,
                });
            }
        }
    }
    for (key, e) in root_entries {
        for (field, scope) in [
            ("dependencies", DependencyScope::Runtime),
            ("optionalDependencies", DependencyScope::Optional),
            ("peerDependencies", DependencyScope::Peer),
            ("devDependencies", DependencyScope::Dev),
        ] {
            for (name, range) in dep_maps(e, &[field]) {
                // A workspace sibling resolves through a link entry, which is not a node:
                // first-party code, nothing to report.
                if let Some(t) = resolve(&keys, key, name) {
                    g.roots.push(RootEdge {
                        target: t,
                        requested: range.to_string(),
                        scope,
                    });
                }
            }
        }
    }
    g
}

fn from_v1(
    root_name: String,
    deps: Option<&Map<String, Value>>,
    manifest: Option<&Manifest>,
) -> Graph {
    let mut g = Graph {
        root_name,
        ..Graph::default()
    };
    // Flatten into node_modules keys.
    let mut flat: Vec<(String, &Map<String, Value>, &str)> = Vec::new();
    if let Some(d) = deps {
        flatten_v1(d, "", 0, &mut flat);
    }
    let mut keys: HashMap<&str, usize> = HashMap::new();
    for (i, (key, e, name)) in flat.iter().enumerate() {
        keys.insert(key.as_str(), i);
        // An alias records `"version": "npm:real-name@1.2.3"`: advisories name the real one.
        let raw_version = str_of(e, "version");
        let (real, version) = match raw_version.as_deref().and_then(|v| v.strip_prefix("npm:")) {
            Some(spec) => match spec.get(1..).and_then(|t| t.find('@')) {
                Some(at) => (spec[..=at].to_string(), Some(spec[at + 2..].to_string())),
                None => (name.to_string(), raw_version.clone()),
            },
            None => (name.to_string(), raw_version.clone()),
        };
        g.nodes.push(Node {
            name: real,
            version,
            resolved: str_of(e, "resolved"),
            integrity: str_of(e, "integrity"),
            license: None,
            deprecated: str_of(e, "deprecated"),
            flag_scope: flag_scope(e),
            edges: Vec::new(),
            needle: Some(format!("\"{name}\": {{")),
        });
    }
    let mut required = vec![false; flat.len()];
    for (i, (key, e, _)) in flat.iter().enumerate() {
        let edges: Vec<(usize, String)> = dep_maps(e, &["requires"])
            .into_iter()
            .filter_map(|(name, range)| resolve(&keys, key, name).map(|t| (t, range.to_string())))
            .collect();
        for (t, _) in &edges {
            if let Some(r) = required.get_mut(*t) {
                *r = true;
            }
        }
        g.nodes[i].edges = edges;
    }
    match manifest {
        Some(m) if !m.deps.is_empty() => {
            for (name, range, scope) in &m.deps {
                if let Some(t) = resolve(&keys, "", name) {
                    g.roots.push(RootEdge {
                        target: t,
                        requested: range.clone(),
                        scope: *scope,
                    });
                }
            }
        }
        _ => {
            // No manifest: top-level packages nobody requires are the direct ones.
            for (i, (key, _, _)) in flat.iter().enumerate() {
                if !key.contains("/node_modules/") && !required[i] {
                    let scope = g.nodes[i].flag_scope.unwrap_or(DependencyScope::Runtime);
                    g.roots.push(RootEdge {
                        target: i,
                        requested: String::new(),
                        scope,
                    });
                }
            }
        }
    }
    g
}

fn flatten_v1<'a>(
    deps: &'a Map<String, Value>,
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, &'a Map<String, Value>, &'a str)>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for (name, entry) in deps {
        let Some(e) = entry.as_object() else { continue };
        let key = if prefix.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{prefix}/node_modules/{name}")
        };
        out.push((key.clone(), e, name.as_str()));
        if let Some(nested) = e.get("dependencies").and_then(Value::as_object) {
            flatten_v1(nested, &key, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::Ecosystem;

    /// Shaped like `npm install` output for an n8n community node (lockfileVersion 3).
    pub const V3: &str = r#"{
  "name": "n8n-nodes-acme",
  "version": "0.3.1",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "n8n-nodes-acme",
      "version": "0.3.1",
      "license": "MIT",
      "dependencies": { "axios": "^1.6.0", "lodash": "^4.17.15" },
      "devDependencies": { "typescript": "~5.3.0" }
    },
    "node_modules/axios": {
      "version": "1.6.0",
      "resolved": "https://registry.npmjs.org/axios/-/axios-1.6.0.tgz",
      "integrity": "sha512-aaaa",
      "license": "MIT",
      "dependencies": { "follow-redirects": "^1.15.0", "form-data": "^4.0.0" }
    },
    "node_modules/follow-redirects": {
      "version": "1.15.3",
      "resolved": "https://registry.npmjs.org/follow-redirects/-/follow-redirects-1.15.3.tgz",
      "license": "MIT"
    },
    "node_modules/form-data": {
      "version": "4.0.0",
      "resolved": "https://registry.npmjs.org/form-data/-/form-data-4.0.0.tgz",
      "license": "MIT",
      "dependencies": { "combined-stream": "^1.0.8" }
    },
    "node_modules/form-data/node_modules/combined-stream": {
      "version": "1.0.8",
      "resolved": "git+ssh://git@github.com/felixge/node-combined-stream.git#abc123",
      "license": "MIT"
    },
    "node_modules/lodash": {
      "version": "4.17.20",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz",
      "license": "MIT"
    },
    "node_modules/typescript": {
      "version": "5.3.3",
      "resolved": "https://registry.npmjs.org/typescript/-/typescript-5.3.3.tgz",
      "dev": true,
      "license": "Apache-2.0"
    },
    "node_modules/request": {
      "version": "2.88.2",
      "deprecated": "request has been deprecated, see https://github.com/request/request/issues/3142",
      "dev": true,
      "license": "Apache-2.0"
    }
  }
}"#;

    #[test]
    fn v3_graph_paths_scopes_sources() {
        let g = parse(V3, None).unwrap();
        let deps = g.into_deps(Ecosystem::Npm, "package-lock.json");
        let by = |n: &str| deps.iter().find(|d| d.component.name == n).unwrap();
        let cs = &by("combined-stream").component;
        assert_eq!(
            cs.path,
            vec!["n8n-nodes-acme", "axios", "form-data", "combined-stream"]
        );
        assert_eq!(cs.requested.as_deref(), Some("^1.0.8"));
        assert!(cs.source.as_deref().unwrap().starts_with("git+ssh://"));
        assert!(!cs.direct);
        assert_eq!(cs.version.as_deref(), Some("1.0.8"));
        let lodash = &by("lodash").component;
        assert!(lodash.direct);
        assert_eq!(lodash.requested.as_deref(), Some("^4.17.15"));
        assert_eq!(lodash.integrity, None);
        assert_eq!(
            by("axios").component.integrity.as_deref(),
            Some("sha512-aaaa")
        );
        assert_eq!(by("typescript").component.scope, DependencyScope::Dev);
        assert_eq!(by("axios").component.scope, DependencyScope::Runtime);
        assert!(
            by("request")
                .deprecated
                .as_deref()
                .unwrap()
                .contains("deprecated")
        );
        assert_eq!(
            by("typescript").component.license.as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(
            by("lodash").needle.as_deref(),
            Some("\"node_modules/lodash\"")
        );
    }

    #[test]
    fn v1_nested_and_requires() {
        let v1 = r#"{
          "name": "node-red-contrib-acme", "version": "1.0.0", "lockfileVersion": 1, "requires": true,
          "dependencies": {
            "sw-cjs": { "version": "npm:string-width@4.2.3" },
            "mqtt": { "version": "4.3.7", "resolved": "https://registry.npmjs.org/mqtt/-/mqtt-4.3.7.tgz",
                      "requires": { "minimist": "^1.2.5", "ws": "^7.5.5" },
                      "dependencies": { "ws": { "version": "7.5.9" } } },
            "minimist": { "version": "1.2.5" },
            "ws": { "version": "8.0.0" },
            "mocha": { "version": "10.0.0", "dev": true }
          }
        }"#;
        let g = parse(v1, None).unwrap();
        let deps = g.into_deps(Ecosystem::Npm, "package-lock.json");
        let find = |n: &str, v: &str| {
            deps.iter()
                .find(|d| d.component.name == n && d.component.version.as_deref() == Some(v))
                .unwrap()
                .component
                .clone()
        };
        let nested_ws = find("ws", "7.5.9");
        assert_eq!(nested_ws.path, vec!["node-red-contrib-acme", "mqtt", "ws"]);
        assert_eq!(nested_ws.requested.as_deref(), Some("^7.5.5"));
        assert!(find("mqtt", "4.3.7").direct);
        assert!(
            find("ws", "8.0.0").direct,
            "top-level and required by nobody"
        );
        assert!(!find("minimist", "1.2.5").direct);
        assert_eq!(find("mocha", "10.0.0").scope, DependencyScope::Dev);
        assert!(
            find("string-width", "4.2.3").direct,
            "alias resolved to the real package"
        );
    }

    #[test]
    fn malformed_lockfiles_are_errors_not_panics() {
        assert!(
            parse("{\"lockfileVersion\": 3, \"packages\": ", None)
                .unwrap_err()
                .contains("invalid JSON")
        );
        assert!(parse("[]", None).unwrap_err().contains("object"));
        assert!(
            parse("{\"lockfileVersion\": 99, \"dependencies\": {}}", None)
                .unwrap_err()
                .contains("99")
        );
        // Wrong types inside are skipped, not fatal.
        let g = parse(r#"{"lockfileVersion": 2, "packages": {"node_modules/a": 5, "node_modules/b": {"version": 1, "dependencies": {"a": 3}}}}"#, None).unwrap();
        assert_eq!(g.nodes.len(), 1);
        // Deep nesting hits serde_json's recursion limit, cleanly.
        let deep = format!("{}{}", "{\"dependencies\":".repeat(500), "}".repeat(500));
        assert!(parse(&deep, None).is_err());
    }
}
