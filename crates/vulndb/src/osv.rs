//! The OSV JSON schema (<https://ossf.github.io/osv-schema/>), as much of it as matching needs.
//!
//! Deserialization is lenient where real exports are sloppy: missing arrays, `null` arrays and
//! unknown fields are all accepted, so one odd record never fails a whole import. Anything the
//! matcher cannot use (GIT ranges, unknown ecosystems) is skipped later, not here.

use serde::{Deserialize, Deserializer};

/// One OSV record as published (one file of an `all.zip`).
#[derive(Debug, Clone, Deserialize)]
pub struct OsvRecord {
    pub id: String,
    #[serde(default)]
    pub modified: Option<String>,
    #[serde(default)]
    pub published: Option<String>,
    /// Set when the advisory was retracted: such records must never match.
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub severity: Vec<OsvSeverity>,
    #[serde(default, deserialize_with = "null_default")]
    pub affected: Vec<OsvAffected>,
    #[serde(default, deserialize_with = "null_default")]
    pub references: Vec<OsvReference>,
    #[serde(default)]
    pub database_specific: Option<DatabaseSpecific>,
}

/// The parts of `database_specific` we use. Deserialized into a struct (not a generic JSON
/// value) because the malicious-packages export carries large origin blocks on every record.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DatabaseSpecific {
    /// GitHub's rating: `LOW`, `MODERATE`, `HIGH`, `CRITICAL`.
    #[serde(default)]
    pub severity: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "null_default")]
    pub cwe_ids: Vec<serde_json::Value>,
    /// Present on OpenSSF malicious-packages records.
    #[serde(default, rename = "malicious-packages-origins")]
    pub malicious_origins: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OsvSeverity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OsvAffected {
    #[serde(default)]
    pub package: Option<OsvPackage>,
    #[serde(default, deserialize_with = "null_default")]
    pub severity: Vec<OsvSeverity>,
    #[serde(default, deserialize_with = "null_default")]
    pub ranges: Vec<OsvRange>,
    #[serde(default, deserialize_with = "null_default")]
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OsvPackage {
    pub ecosystem: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OsvRange {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "null_default")]
    pub events: Vec<OsvEvent>,
}

/// Exactly one of the fields is set in a valid record.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OsvEvent {
    #[serde(default)]
    pub introduced: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub last_affected: Option<String>,
    #[serde(default)]
    pub limit: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OsvReference {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// Treats an explicit JSON `null` like a missing field.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_nulls_and_unknown_fields() {
        let r: OsvRecord = serde_json::from_str(
            r#"{"id":"GHSA-x","schema_version":"1.6.0","aliases":null,"affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":null,"versions":["1.0.0"]}],"extra":{"k":1}}"#,
        )
        .unwrap();
        assert!(r.aliases.is_empty());
        assert_eq!(r.affected[0].versions, vec!["1.0.0".to_string()]);
        assert!(r.affected[0].ranges.is_empty());
    }
}
