//! Rule metadata: what `rules list`, SARIF `tool.driver.rules` and the docs show.

use crate::{Category, Severity};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMeta {
    /// `<analyzer>/<rule>`, the same id findings carry.
    pub id: String,
    /// Human name (`Command injection`).
    pub name: String,
    pub category: Category,
    pub default_severity: Severity,
    /// One line.
    pub short_description: String,
    /// Markdown: what it does, why it is bad, example, fix, references.
    pub help: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwe: Vec<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}
