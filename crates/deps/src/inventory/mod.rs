//! Dependency inventory: every lockfile format parsed into one dependency [`Graph`], then
//! walked breadth-first from the project's own dependencies so each package gets its shortest
//! dependency path, whether it is direct, and its scope (runtime / dev / optional / peer).
//!
//! Parsers never panic and never trust sizes: JSON and YAML nesting is bounded by the parsers'
//! own recursion limits, our own recursion by [`MAX_DEPTH`], and the graph walk visits each
//! node once.

pub mod manifest;
pub mod node_modules;
pub mod npm_lock;
pub mod pnpm;
pub mod python;
pub mod yarn;

use portcullis_core::{Component, DependencyScope, Ecosystem};
use std::collections::VecDeque;

/// Deepest nesting any of our recursive walks follows.
pub const MAX_DEPTH: usize = 64;

/// One resolved (or, without a lockfile, declared) package with what the checks need beyond
/// the SBOM [`Component`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    pub component: Component,
    /// The registry URL or other `resolved` value the lockfile records.
    pub resolved: Option<String>,
    /// The deprecation message the lockfile or package metadata carries.
    pub deprecated: Option<String>,
    /// Text to look for in the lockfile to point a finding at the entry.
    pub needle: Option<String>,
}

/// A package node in a lockfile's dependency graph.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub name: String,
    pub version: Option<String>,
    pub resolved: Option<String>,
    pub integrity: Option<String>,
    pub license: Option<String>,
    pub deprecated: Option<String>,
    /// Scope stated by the lockfile itself (npm's `dev`/`optional`/`peer` flags, pnpm's
    /// `dev`); otherwise it is derived from how the node is reached.
    pub flag_scope: Option<DependencyScope>,
    /// (target node, requested range)
    pub edges: Vec<(usize, String)>,
    pub needle: Option<String>,
}

/// How the walk reached a node: (parent, requested range, scope, direct).
type Reached = Option<(Option<usize>, String, DependencyScope, bool)>;

/// A root edge: one of the project's own declared dependencies.
#[derive(Debug, Clone)]
pub struct RootEdge {
    pub target: usize,
    pub requested: String,
    pub scope: DependencyScope,
}

#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The project's own name (first element of every dependency path).
    pub root_name: String,
    pub nodes: Vec<Node>,
    pub roots: Vec<RootEdge>,
}

fn scope_rank(s: DependencyScope) -> u8 {
    match s {
        DependencyScope::Runtime => 0,
        DependencyScope::Peer => 1,
        DependencyScope::Optional => 2,
        DependencyScope::Dev => 3,
    }
}

impl Graph {
    /// Walks the graph breadth-first from the roots (runtime roots first, so a package needed
    /// at runtime is reported as runtime even if dev tooling also pulls it in) and returns one
    /// [`Dep`] per node.
    pub fn into_deps(self, ecosystem: Ecosystem, found_in: &str) -> Vec<Dep> {
        let n = self.nodes.len();
        // (parent, requested, scope, direct)
        let mut reached: Vec<Reached> = vec![None; n];
        let mut queue = VecDeque::new();
        let mut roots = self.roots.clone();
        roots.sort_by_key(|r| scope_rank(r.scope));
        let mut is_root = vec![false; n];
        for r in &roots {
            if let Some(x) = is_root.get_mut(r.target) {
                *x = true;
            }
        }
        // One breadth-first pass per scope, most important first: a package reachable from
        // runtime dependencies is runtime even if it is also a direct dev dependency.
        let mut start = 0;
        while start < roots.len() {
            let rank = scope_rank(roots[start].scope);
            let end = roots[start..]
                .iter()
                .position(|r| scope_rank(r.scope) != rank)
                .map_or(roots.len(), |p| start + p);
            for r in &roots[start..end] {
                if r.target < n && reached[r.target].is_none() {
                    reached[r.target] = Some((None, r.requested.clone(), r.scope, true));
                    queue.push_back(r.target);
                }
            }
            while let Some(i) = queue.pop_front() {
                let scope = match &reached[i] {
                    Some((_, _, s, _)) => *s,
                    None => continue,
                };
                for (t, req) in &self.nodes[i].edges {
                    if *t < n && reached[*t].is_none() {
                        reached[*t] = Some((Some(i), req.clone(), scope, false));
                        queue.push_back(*t);
                    }
                }
            }
            start = end;
        }
        let mut out = Vec::with_capacity(n);
        for (i, node) in self.nodes.iter().enumerate() {
            let (requested, scope, direct, path) = match &reached[i] {
                Some((_, req, scope, direct)) => {
                    let mut chain = vec![node.name.clone()];
                    let mut cur = i;
                    // Parents form a tree (each node reached once), so this ends; the bound
                    // is belt and braces.
                    for _ in 0..n {
                        match reached[cur].as_ref().and_then(|r| r.0) {
                            Some(p) => {
                                chain.push(self.nodes[p].name.clone());
                                cur = p;
                            }
                            None => break,
                        }
                    }
                    chain.push(self.root_name.clone());
                    chain.reverse();
                    let direct = *direct || is_root[i];
                    (
                        Some(req.clone()),
                        node.flag_scope.unwrap_or(*scope),
                        direct,
                        chain,
                    )
                }
                None => (
                    None,
                    node.flag_scope.unwrap_or(DependencyScope::Runtime),
                    false,
                    vec![self.root_name.clone(), node.name.clone()],
                ),
            };
            let source = non_registry_source(node.version.as_deref(), node.resolved.as_deref());
            let version = node
                .version
                .clone()
                .filter(|v| source.is_none() || looks_like_version(v));
            out.push(Dep {
                component: Component {
                    ecosystem,
                    name: node.name.clone(),
                    version,
                    requested: requested.filter(|r| !r.is_empty()),
                    direct,
                    scope,
                    path,
                    found_in: found_in.to_string(),
                    source,
                    license: node.license.clone(),
                    integrity: node.integrity.clone(),
                },
                resolved: node.resolved.clone(),
                deprecated: node.deprecated.clone(),
                needle: node.needle.clone(),
            });
        }
        out
    }
}

/// Whether a string is a plain version (`1.2.3`, `1.2.3-rc.1`), not a URL or path.
pub fn looks_like_version(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty()
        && v.len() <= 256
        && v.chars().next().is_some_and(|c| c.is_ascii_digit())
        && !v.contains(':')
        && !v.contains('/')
}

/// The non-registry source of a package, from its lockfile `version` / `resolved` values:
/// git (any form), `file:`/`link:` paths, and plain tarball URLs that do not come from a
/// registry (registry tarballs have a `/-/` segment).
pub fn non_registry_source(version: Option<&str>, resolved: Option<&str>) -> Option<String> {
    for v in [version, resolved].into_iter().flatten() {
        let v = v.trim();
        let lower = v.to_ascii_lowercase();
        let is_git = lower.starts_with("git+")
            || lower.starts_with("git:")
            || lower.starts_with("git@")
            || lower.starts_with("github:")
            || lower.starts_with("gitlab:")
            || lower.starts_with("bitbucket:")
            || lower.starts_with("gist:")
            || lower.starts_with("ssh://")
            || (lower.starts_with("https://") && lower.contains(".git#"))
            || lower.starts_with("codeload.github.com/");
        let is_path = lower.starts_with("file:") || lower.starts_with("link:");
        let is_url = (lower.starts_with("https://") || lower.starts_with("http://"))
            && !lower.contains("/-/");
        if is_git || is_path || is_url {
            return Some(v.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        assert_eq!(
            non_registry_source(
                Some("1.0.0"),
                Some("https://registry.npmjs.org/a/-/a-1.0.0.tgz")
            ),
            None
        );
        assert!(non_registry_source(Some("git+ssh://git@github.com/a/b.git#abc"), None).is_some());
        assert!(non_registry_source(Some("1.0.0"), Some("https://evil.example/a.tgz")).is_some());
        assert!(non_registry_source(Some("file:../local"), None).is_some());
        assert!(non_registry_source(None, Some("github:user/repo#main")).is_some());
        assert!(looks_like_version("1.2.3-rc.1"));
        assert!(!looks_like_version("file:../x"));
    }

    #[test]
    fn bfs_prefers_runtime_paths_and_shortest_chains() {
        let node = |name: &str, edges: Vec<(usize, String)>| Node {
            name: name.into(),
            version: Some("1.0.0".into()),
            edges,
            ..Node::default()
        };
        // root -> a (runtime) -> c ; root -> b (dev) -> c ; d unreachable
        let g = Graph {
            root_name: "n8n-nodes-acme".into(),
            nodes: vec![
                node("a", vec![(2, "^1.0.0".into())]),
                node("b", vec![(2, "~1.0.0".into())]),
                node("c", vec![]),
                node("d", vec![]),
            ],
            roots: vec![
                RootEdge {
                    target: 1,
                    requested: "^1".into(),
                    scope: DependencyScope::Dev,
                },
                RootEdge {
                    target: 0,
                    requested: "^1".into(),
                    scope: DependencyScope::Runtime,
                },
            ],
        };
        let deps = g.into_deps(Ecosystem::Npm, "package-lock.json");
        let c = &deps[2].component;
        assert_eq!(c.path, vec!["n8n-nodes-acme", "a", "c"]);
        assert_eq!(c.scope, DependencyScope::Runtime);
        assert_eq!(c.requested.as_deref(), Some("^1.0.0"));
        assert!(!c.direct);
        assert!(deps[0].component.direct);
        assert_eq!(deps[1].component.scope, DependencyScope::Dev);
        assert_eq!(deps[3].component.path, vec!["n8n-nodes-acme", "d"]);
    }
}
