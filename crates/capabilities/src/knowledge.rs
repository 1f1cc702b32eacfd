//! Capabilities that arrive through dependencies, from a small table shipped as data
//! (`data/dependency-capabilities.toml`).

use portcullis_core::{Capability, CapabilitySet, Component, DependencyScope, Evidence};
use serde::Deserialize;
use std::sync::OnceLock;

/// Evidence `source` prefix of capabilities a dependency contributes.
pub const DEPENDENCY_SOURCE_PREFIX: &str = "dependency/";

const TABLE: &str = include_str!("../data/dependency-capabilities.toml");

#[derive(Debug, Deserialize)]
struct Table {
    package: Vec<Entry>,
}

/// One row of the knowledge table.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    /// Exact package name, or `@scope/*`.
    pub name: String,
    pub why: String,
    pub capabilities: Vec<Capability>,
}

impl Entry {
    fn matches(&self, package: &str) -> bool {
        match self.name.strip_suffix("/*") {
            Some(scope) => package
                .strip_prefix(scope)
                .is_some_and(|rest| rest.starts_with('/')),
            None => self.name == package,
        }
    }
}

/// The parsed table. The data ships with the crate and a unit test parses it, so an error here
/// is a build defect; it degrades to an empty table instead of panicking.
pub fn table() -> &'static [Entry] {
    static T: OnceLock<Vec<Entry>> = OnceLock::new();
    T.get_or_init(|| {
        toml::from_str::<Table>(TABLE)
            .map(|t| t.package)
            .unwrap_or_default()
    })
}

/// The knowledge-table entry for a package name.
pub fn lookup(package: &str) -> Option<&'static Entry> {
    table().iter().find(|e| e.matches(package))
}

/// Capabilities the runtime dependencies in `components` bring (dev dependencies are not
/// installed with the extension and are skipped). Evidence: the component's `found_in`, source
/// `dependency/<name>`.
pub fn dependency_capabilities(components: &[Component]) -> CapabilitySet {
    let mut set = CapabilitySet::new();
    for c in components {
        if c.scope == DependencyScope::Dev {
            continue;
        }
        let Some(entry) = lookup(&c.name) else {
            continue;
        };
        for cap in &entry.capabilities {
            set.add(
                cap.clone(),
                Evidence {
                    path: c.found_in.clone(),
                    line: None,
                    source: format!("{DEPENDENCY_SOURCE_PREFIX}{}", c.name),
                },
            );
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::{Channel, Ecosystem, HostPattern};

    fn comp(name: &str, scope: DependencyScope) -> Component {
        Component {
            ecosystem: Ecosystem::Npm,
            name: name.into(),
            version: Some("1.0.0".into()),
            requested: None,
            direct: true,
            scope,
            path: vec![],
            found_in: "package.json".into(),
            source: None,
            license: None,
            integrity: None,
        }
    }

    #[test]
    fn table_parses_and_is_not_empty() {
        let parsed: Table = toml::from_str(TABLE).expect("shipped table parses");
        assert!(parsed.package.len() > 30);
        assert_eq!(parsed.package.len(), table().len());
    }

    #[test]
    fn scoped_and_exact_matches() {
        let set = dependency_capabilities(&[
            comp("@aws-sdk/client-s3", DependencyScope::Runtime),
            comp("better-sqlite3", DependencyScope::Runtime),
            comp("puppeteer", DependencyScope::Dev),
            comp("@aws-sdkx/evil", DependencyScope::Runtime),
        ]);
        assert!(set.contains(&Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::Wildcard("*.amazonaws.com".into()),
        }));
        assert!(set.contains(&Capability::NativeModule {
            name: "better-sqlite3".into()
        }));
        assert!(!set.contains(&Capability::ChildProcess {
            command: Some("chromium".into())
        }));
        let srcs: Vec<_> = set
            .iter()
            .flat_map(|i| i.evidence.iter().map(|e| e.source.as_str()))
            .collect();
        assert!(srcs.contains(&"dependency/@aws-sdk/client-s3"));
        assert!(!srcs.iter().any(|s| s.contains("aws-sdkx")));
    }
}
