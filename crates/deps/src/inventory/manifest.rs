//! `package.json`: the project's own declared dependencies (the roots of every graph), and,
//! without a lockfile, the unresolved inventory.

use super::Dep;
use portcullis_core::{Component, DependencyScope, Ecosystem};
use serde_json::Value;

/// What the analyzer needs from a `package.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub name: Option<String>,
    pub version: Option<String>,
    /// (name, range, scope) in declaration order, runtime first.
    pub deps: Vec<(String, String, DependencyScope)>,
    /// SPDX expression from `license` (or the legacy `licenses` array).
    pub license: Option<String>,
    pub deprecated: Option<String>,
    pub bundled: Vec<String>,
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        let obj = v.as_object().ok_or("not a JSON object")?;
        let str_field = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
        let mut deps = Vec::new();
        for (field, scope) in [
            ("dependencies", DependencyScope::Runtime),
            ("optionalDependencies", DependencyScope::Optional),
            ("peerDependencies", DependencyScope::Peer),
            ("devDependencies", DependencyScope::Dev),
        ] {
            if let Some(map) = obj.get(field).and_then(Value::as_object) {
                for (name, range) in map {
                    let range = range.as_str().unwrap_or("").to_string();
                    // optionalDependencies are also listed in dependencies by npm: keep one.
                    if !deps
                        .iter()
                        .any(|(n, _, _): &(String, String, DependencyScope)| n == name)
                    {
                        deps.push((name.clone(), range, scope));
                    }
                }
            }
        }
        let bundled = ["bundledDependencies", "bundleDependencies"]
            .iter()
            .filter_map(|k| obj.get(*k))
            .flat_map(|v| match v {
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                // `true` bundles every runtime dependency.
                Value::Bool(true) => deps
                    .iter()
                    .filter(|d| d.2 == DependencyScope::Runtime)
                    .map(|d| d.0.clone())
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        Ok(Manifest {
            name: str_field("name"),
            version: str_field("version"),
            deps,
            license: license_of(&v),
            deprecated: str_field("deprecated"),
            bundled,
        })
    }

    /// The unresolved inventory: one component per declared dependency, version unknown.
    pub fn unresolved(&self, found_in: &str) -> Vec<Dep> {
        let root = self.name.clone().unwrap_or_else(|| "(root)".into());
        self.deps
            .iter()
            .map(|(name, range, scope)| Dep {
                component: Component {
                    ecosystem: Ecosystem::Npm,
                    name: name.clone(),
                    version: None,
                    requested: Some(range.clone()),
                    direct: true,
                    scope: *scope,
                    path: vec![root.clone(), name.clone()],
                    found_in: found_in.to_string(),
                    source: super::non_registry_source(Some(range), None),
                    license: None,
                    integrity: None,
                },
                resolved: None,
                deprecated: None,
                needle: Some(format!("\"{name}\"")),
            })
            .collect()
    }
}

/// The license of a package.json value: `"license": "MIT"`, `"license": {"type": "MIT"}`,
/// or the legacy `"licenses": [{"type": "MIT"}, …]` (joined with OR).
pub fn license_of(v: &Value) -> Option<String> {
    match v.get("license") {
        Some(Value::String(s)) if !s.trim().is_empty() => return Some(s.trim().to_string()),
        Some(Value::Object(o)) => {
            if let Some(t) = o.get("type").and_then(Value::as_str) {
                return Some(t.trim().to_string());
            }
        }
        _ => {}
    }
    let list: Vec<String> = v
        .get("licenses")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|l| l.get("type").and_then(Value::as_str).or_else(|| l.as_str()))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .take(16)
        .collect();
    match list.len() {
        0 => None,
        1 => list.into_iter().next(),
        _ => Some(format!("({})", list.join(" OR "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n8n_community_node_manifest() {
        let m = Manifest::parse(
            r#"{
              "name": "n8n-nodes-acme",
              "version": "0.3.1",
              "license": "MIT",
              "n8n": {"n8nNodesApiVersion": 1, "nodes": ["dist/nodes/Acme/Acme.node.js"]},
              "dependencies": {"axios": "^1.6.0", "lodash": "4.17.20"},
              "optionalDependencies": {"fsevents": "^2.3.0"},
              "peerDependencies": {"n8n-workflow": "*"},
              "devDependencies": {"typescript": "~5.3.0", "n8n-workflow": "^1.0.0"}
            }"#,
        )
        .unwrap();
        assert_eq!(m.name.as_deref(), Some("n8n-nodes-acme"));
        assert_eq!(m.license.as_deref(), Some("MIT"));
        let names: Vec<_> = m.deps.iter().map(|d| (d.0.as_str(), d.2)).collect();
        assert_eq!(
            names,
            [
                ("axios", DependencyScope::Runtime),
                ("lodash", DependencyScope::Runtime),
                ("fsevents", DependencyScope::Optional),
                ("n8n-workflow", DependencyScope::Peer),
                ("typescript", DependencyScope::Dev),
            ]
        );
        let un = m.unresolved("package.json");
        assert_eq!(un.len(), 5);
        assert_eq!(un[0].component.version, None);
        assert_eq!(un[0].component.requested.as_deref(), Some("^1.6.0"));
        assert_eq!(un[0].component.path, vec!["n8n-nodes-acme", "axios"]);
    }

    #[test]
    fn legacy_licenses_and_errors() {
        let v: Value =
            serde_json::from_str(r#"{"licenses": [{"type": "MIT"}, {"type": "Apache-2.0"}]}"#)
                .unwrap();
        assert_eq!(license_of(&v).as_deref(), Some("(MIT OR Apache-2.0)"));
        assert!(Manifest::parse("[1,2]").unwrap_err().contains("object"));
        assert!(Manifest::parse("{").unwrap_err().contains("invalid JSON"));
    }
}
