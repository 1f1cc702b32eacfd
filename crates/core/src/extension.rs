//! What an adapter learns from a platform manifest.

use crate::CapabilitySet;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    N8n,
    NodeRed,
    Forge,
    PowerAppsPcf,
    Grafana,
    /// Declared through `portcullis.toml` `[extension]`.
    Generic,
    /// A plain npm package with no platform manifest (a library: library-mode taint applies).
    Npm,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::N8n => "n8n",
            Platform::NodeRed => "node-red",
            Platform::Forge => "forge",
            Platform::PowerAppsPcf => "power-apps-pcf",
            Platform::Grafana => "grafana",
            Platform::Generic => "generic",
            Platform::Npm => "npm",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An extension as its manifest describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extension {
    pub platform: Platform,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The manifest file the adapter read (`package.json`, `manifest.yml`, …).
    pub manifest_path: String,
    /// Files the platform loads as code (n8n node/credential files, Node-RED node files,
    /// Forge function handlers). Taint analysis treats these as platform entry points.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry_points: Vec<String>,
    /// What the manifest declares the extension may do.
    pub declared: CapabilitySet,
}
