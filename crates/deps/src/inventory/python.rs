//! Python inventories for platforms with Python extensions: `requirements.txt` (pins and
//! ranges, direct only) and `poetry.lock` (the full resolved graph).

use super::{Dep, Graph, Node, RootEdge};
use portcullis_core::{Component, DependencyScope, Ecosystem};
use portcullis_vulndb::normalize_name;
use std::collections::HashMap;

/// Parses `requirements.txt`. Exact pins (`==1.2.3`) are resolved; everything else is
/// reported unresolved with its specifier. Options (`-r`, `--hash`, `-i`) are skipped;
/// `-e`/URL requirements become non-registry sources.
pub fn parse_requirements(text: &str, found_in: &str) -> Vec<Dep> {
    let mut out = Vec::new();
    // Join backslash continuations.
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    for raw in joined.lines() {
        let line = raw.split(" #").next().unwrap_or(raw).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (editable, line) = match line
            .strip_prefix("-e ")
            .or_else(|| line.strip_prefix("--editable "))
        {
            Some(rest) => (true, rest.trim()),
            None => (false, line),
        };
        if line.starts_with('-') {
            continue;
        }
        // Drop environment markers and per-requirement options.
        let req = line.split(';').next().unwrap_or(line);
        let req = req.split(" --").next().unwrap_or(req).trim();
        let (name, spec, source) = if editable || req.contains("://") {
            let url = req.split(" @ ").nth(1).unwrap_or(req).trim();
            let name = req
                .split(" @ ")
                .next()
                .filter(|n| !n.contains("://"))
                .map(str::to_string)
                .or_else(|| {
                    url.split("#egg=")
                        .nth(1)
                        .map(|e| e.split('&').next().unwrap_or(e).to_string())
                });
            let Some(name) = name else { continue };
            (name, String::new(), Some(url.to_string()))
        } else {
            let end = req
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(req.len());
            let name = &req[..end];
            let spec = req[end..].trim();
            // Extras: `requests[socks]==2.31.0`
            let spec = match spec.strip_prefix('[') {
                Some(s) => s.split_once(']').map_or("", |(_, r)| r).trim(),
                None => spec,
            };
            (name.to_string(), spec.to_string(), None)
        };
        if name.is_empty() {
            continue;
        }
        let pinned = spec
            .strip_prefix("===")
            .or_else(|| spec.strip_prefix("=="))
            .map(str::trim)
            .filter(|v| !v.contains('*') && !v.contains(','));
        let name = normalize_name(Ecosystem::PyPI, &name);
        out.push(Dep {
            component: Component {
                ecosystem: Ecosystem::PyPI,
                name: name.clone(),
                version: pinned.map(str::to_string),
                requested: (!spec.is_empty()).then(|| spec.to_string()),
                direct: true,
                scope: DependencyScope::Runtime,
                path: vec!["(root)".into(), name.clone()],
                found_in: found_in.to_string(),
                source,
                license: None,
                integrity: None,
            },
            resolved: None,
            deprecated: None,
            needle: Some(raw.trim().to_string()),
        });
    }
    out
}

/// Parses `poetry.lock` (format 1.x and 2.x). `pyproject` (the sibling `pyproject.toml`)
/// gives the direct dependencies and their groups; without it, packages nobody depends on
/// are taken as direct.
pub fn parse_poetry(text: &str, pyproject: Option<&str>) -> Result<Graph, String> {
    if let Some(d) = portcullis_core::nesting::exceeds(
        text,
        portcullis_core::nesting::Syntax::Toml,
        portcullis_core::nesting::MAX_DOCUMENT_NESTING,
    ) {
        return Err(format!(
            "nesting deeper than {} levels (counted {d}): refused before parsing",
            portcullis_core::nesting::MAX_DOCUMENT_NESTING
        ));
    }
    let doc: toml::Table = toml::from_str(text).map_err(|e| format!("invalid TOML: {e}"))?;
    let packages = doc
        .get("package")
        .and_then(|p| p.as_array())
        .ok_or("no [[package]] entries")?;
    let mut g = Graph {
        root_name: "(root)".into(),
        ..Graph::default()
    };
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut deps: Vec<Vec<(String, String)>> = Vec::new();
    for p in packages {
        let Some(t) = p.as_table() else { continue };
        let Some(name) = t.get("name").and_then(|v| v.as_str()) else {
            continue;
        };
        let name = normalize_name(Ecosystem::PyPI, name);
        let source = t.get("source").and_then(|s| s.as_table()).and_then(|s| {
            let kind = s.get("type")?.as_str()?;
            let url = s.get("url").and_then(|u| u.as_str()).unwrap_or("");
            match kind {
                "git" => {
                    let rev = s
                        .get("resolved_reference")
                        .and_then(|r| r.as_str())
                        .unwrap_or("");
                    Some(format!("git+{url}#{rev}"))
                }
                "url" => Some(url.to_string()),
                "file" | "directory" => Some(format!("file:{url}")),
                // `legacy` = a private index; the package still comes from a registry.
                _ => None,
            }
        });
        let flag_scope = match t.get("category").and_then(|c| c.as_str()) {
            Some("dev") => Some(DependencyScope::Dev),
            Some("main") => Some(DependencyScope::Runtime),
            _ => None,
        };
        ids.insert(name.clone(), g.nodes.len());
        g.nodes.push(Node {
            name: name.clone(),
            version: t
                .get("version")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            resolved: source,
            flag_scope,
            needle: Some(format!(
                "name = \"{}\"",
                t.get("name").and_then(|v| v.as_str()).unwrap_or(&name)
            )),
            ..Node::default()
        });
        let list = t
            .get("dependencies")
            .and_then(|d| d.as_table())
            .map(|d| {
                d.iter()
                    .map(|(k, v)| (normalize_name(Ecosystem::PyPI, k), spec_of(v)))
                    .collect()
            })
            .unwrap_or_default();
        deps.push(list);
    }
    let mut required = vec![false; g.nodes.len()];
    for (i, list) in deps.iter().enumerate() {
        let edges: Vec<(usize, String)> = list
            .iter()
            .filter_map(|(n, s)| ids.get(n).map(|&t| (t, s.clone())))
            .collect();
        for (t, _) in &edges {
            if let Some(r) = required.get_mut(*t) {
                *r = true;
            }
        }
        g.nodes[i].edges = edges;
    }
    let direct = pyproject.map(pyproject_deps).unwrap_or_default();
    if direct.is_empty() {
        for (i, r) in required.iter().enumerate() {
            if !r {
                let scope = g.nodes[i].flag_scope.unwrap_or(DependencyScope::Runtime);
                g.roots.push(RootEdge {
                    target: i,
                    requested: String::new(),
                    scope,
                });
            }
        }
    } else {
        for (name, spec, scope) in direct {
            if let Some(&t) = ids.get(&name) {
                g.roots.push(RootEdge {
                    target: t,
                    requested: spec,
                    scope,
                });
            }
        }
    }
    Ok(g)
}

fn spec_of(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Table(t) => t
            .get("version")
            .and_then(|x| x.as_str())
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    }
}

/// Direct dependencies from `pyproject.toml`: Poetry tables and PEP 621 `[project]`.
fn pyproject_deps(text: &str) -> Vec<(String, String, DependencyScope)> {
    if portcullis_core::nesting::exceeds(
        text,
        portcullis_core::nesting::Syntax::Toml,
        portcullis_core::nesting::MAX_DOCUMENT_NESTING,
    )
    .is_some()
    {
        return Vec::new();
    }
    let Ok(doc) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let poetry = doc.get("tool").and_then(|t| t.get("poetry"));
    let mut table = |t: Option<&toml::Value>, scope| {
        if let Some(t) = t.and_then(|t| t.as_table()) {
            for (k, v) in t {
                if k != "python" {
                    out.push((normalize_name(Ecosystem::PyPI, k), spec_of(v), scope));
                }
            }
        }
    };
    table(
        poetry.and_then(|p| p.get("dependencies")),
        DependencyScope::Runtime,
    );
    table(
        poetry.and_then(|p| p.get("dev-dependencies")),
        DependencyScope::Dev,
    );
    if let Some(groups) = poetry
        .and_then(|p| p.get("group"))
        .and_then(|g| g.as_table())
    {
        for (gname, g) in groups {
            let scope = if gname == "main" {
                DependencyScope::Runtime
            } else {
                DependencyScope::Dev
            };
            table(g.get("dependencies"), scope);
        }
    }
    if let Some(list) = doc
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
    {
        for r in list.iter().filter_map(|r| r.as_str()) {
            let end = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(r.len());
            out.push((
                normalize_name(Ecosystem::PyPI, &r[..end]),
                r[end..].trim().to_string(),
                DependencyScope::Runtime,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements() {
        let deps = parse_requirements(
            "# runtime deps\nDjango==3.2.1  # pinned\nrequests[socks]>=2.20,<3 ; python_version >= \"3.8\"\nPyYAML===5.3.1 \\\n    --hash=sha256:abc\n-r dev.txt\n--index-url https://pypi.example/simple\n-e git+https://github.com/acme/lib.git@v1#egg=acme-lib\nmylib @ https://files.example/mylib-1.0.tar.gz\nflask==2.*\n",
            "requirements.txt",
        );
        let names: Vec<_> = deps
            .iter()
            .map(|d| (d.component.name.as_str(), d.component.version.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("django", Some("3.2.1")),
                ("requests", None),
                ("pyyaml", Some("5.3.1")),
                ("acme-lib", None),
                ("mylib", None),
                ("flask", None),
            ]
        );
        assert_eq!(deps[1].component.requested.as_deref(), Some(">=2.20,<3"));
        assert!(
            deps[3]
                .component
                .source
                .as_deref()
                .unwrap()
                .starts_with("git+https://")
        );
        assert!(
            deps[4]
                .component
                .source
                .as_deref()
                .unwrap()
                .starts_with("https://files.example")
        );
    }

    #[test]
    fn poetry() {
        let lock = r#"
[[package]]
name = "Django"
version = "3.2.1"
description = "web framework"
optional = false
python-versions = ">=3.6"
category = "main"

[package.dependencies]
asgiref = ">=3.3.2,<4"
sqlparse = ">=0.2.2"

[[package]]
name = "asgiref"
version = "3.4.1"
category = "main"

[[package]]
name = "sqlparse"
version = "0.4.1"
category = "main"

[[package]]
name = "pytest"
version = "7.0.0"
category = "dev"

[[package]]
name = "acme-internal"
version = "0.1.0"

[package.source]
type = "git"
url = "https://github.com/acme/internal.git"
reference = "main"
resolved_reference = "0123abcd"

[metadata]
lock-version = "1.1"
"#;
        let pyproject = "[tool.poetry.dependencies]\npython = \"^3.9\"\ndjango = \"^3.2\"\nacme-internal = {git = \"https://github.com/acme/internal.git\"}\n\n[tool.poetry.group.dev.dependencies]\npytest = \"^7\"\n";
        let deps = parse_poetry(lock, Some(pyproject))
            .unwrap()
            .into_deps(Ecosystem::PyPI, "poetry.lock");
        let by = |n: &str| deps.iter().find(|d| d.component.name == n).unwrap();
        assert!(by("django").component.direct);
        assert_eq!(
            by("sqlparse").component.path,
            ["(root)", "django", "sqlparse"]
        );
        assert_eq!(
            by("sqlparse").component.requested.as_deref(),
            Some(">=0.2.2")
        );
        assert_eq!(by("pytest").component.scope, DependencyScope::Dev);
        assert!(
            by("acme-internal")
                .component
                .source
                .as_deref()
                .unwrap()
                .starts_with("git+https://")
        );
        assert!(
            parse_poetry("[[package]\n", None)
                .unwrap_err()
                .contains("TOML")
        );
        assert!(
            parse_poetry("[metadata]\n", None)
                .unwrap_err()
                .contains("[[package]]")
        );
    }
}
