//! Dependency inventory entries (one per resolved package), the basis of the SBOM.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Ecosystem {
    #[serde(rename = "npm")]
    Npm,
    #[serde(rename = "PyPI")]
    PyPI,
}

impl Ecosystem {
    /// The OSV ecosystem name.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
        }
    }

    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DependencyScope {
    Runtime,
    Dev,
    Optional,
    Peer,
}

/// One package in the dependency tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub ecosystem: Ecosystem,
    pub name: String,
    /// The resolved version; `None` when only a range is known (no lockfile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The declared range, when the version is unresolved or for direct dependencies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
    pub direct: bool,
    pub scope: DependencyScope,
    /// One dependency path from the root (`["my-node", "axios", "follow-redirects"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    /// Where it was found (the lockfile path, or `node_modules/x/package.json`).
    pub found_in: String,
    /// Non-registry source: `git+https://…`, `file:…`, a tarball URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// SPDX expression, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Integrity hash from the lockfile (`sha512-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
}

impl Component {
    /// Package URL (`pkg:npm/%40scope/name@1.2.3`).
    pub fn purl(&self) -> String {
        let name = match self.ecosystem {
            Ecosystem::Npm => self.name.replacen('@', "%40", 1),
            Ecosystem::PyPI => self.name.to_ascii_lowercase().replace('_', "-"),
        };
        match &self.version {
            Some(v) => format!("pkg:{}/{}@{}", self.ecosystem.purl_type(), name, v),
            None => format!("pkg:{}/{}", self.ecosystem.purl_type(), name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls() {
        let c = Component {
            ecosystem: Ecosystem::Npm,
            name: "@n8n/client".into(),
            version: Some("1.0.0".into()),
            requested: None,
            direct: true,
            scope: DependencyScope::Runtime,
            path: vec![],
            found_in: "package-lock.json".into(),
            source: None,
            license: None,
            integrity: None,
        };
        assert_eq!(c.purl(), "pkg:npm/%40n8n/client@1.0.0");
    }
}
