//! `portcullis.toml`: rule selection, severity overrides, the failing threshold, ignores,
//! ingest limits and each analyzer's own section.
//!
//! The file is looked up from the scanned path upwards (for an archive, from the folder that
//! holds it), or named with `--config`. A `portcullis.toml` *inside* a scanned archive is never
//! read: an extension must not configure its own review.

use portcullis_core::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "portcullis.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub scan: ScanSection,
    pub rules: RulesSection,
    /// Findings to suppress, each with a reason.
    pub ignore: Vec<IgnoreEntry>,
    /// Ingest limits (`portcullis_ingest::Limits`), kept raw so this crate's config does not
    /// have to change when the limits do.
    pub ingest: Option<toml::Value>,
    pub js: Option<toml::Value>,
    pub secrets: Option<toml::Value>,
    pub deps: Option<toml::Value>,
    pub supply_chain: Option<toml::Value>,
    pub capabilities: Option<toml::Value>,
    /// Generic extension manifest for platforms without one of their own.
    pub extension: Option<toml::Value>,
    pub policy: PolicySection,
    /// Where the file was read from (not part of the TOML).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ScanSection {
    /// Fail the gate on active findings at or above this severity (until a policy decides).
    pub fail_on: Option<Severity>,
    /// Honour `portcullis-ignore[...]` comments in the scanned code. A registry sets this to
    /// `false`: the package under review must not be able to silence its own findings.
    pub allow_inline_suppressions: bool,
    /// Path globs (relative to the package root) that analyzers skip.
    pub exclude: Vec<String>,
}

impl Default for ScanSection {
    fn default() -> Self {
        ScanSection {
            fail_on: None,
            allow_inline_suppressions: true,
            exclude: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RulesSection {
    /// Rule ids or prefixes (`js/`, `secrets/generic-*`) to run exclusively; empty = all.
    pub enable: Vec<String>,
    /// Rule ids or prefixes never reported.
    pub disable: Vec<String>,
    /// Per-rule severity overrides.
    pub severity: BTreeMap<String, Severity>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct PolicySection {
    /// A directory of Cedar gate policies replacing the built-in set.
    pub dir: Option<PathBuf>,
}

/// One `[[ignore]]` entry: suppresses matching findings, with a mandatory reason.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct IgnoreEntry {
    /// Rule id or prefix (`secrets/`); empty matches every rule.
    pub rule: String,
    /// Path glob relative to the package root; empty matches every path.
    pub path: String,
    /// A finding fingerprint; empty matches every finding.
    pub fingerprint: String,
    pub reason: String,
    /// `YYYY-MM-DD`; after this date the entry no longer applies (and a notice says so).
    pub expires: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Self::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })?;
        config.source = Some(path.to_path_buf());
        config.validate().map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(config)
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    fn validate(&self) -> Result<(), String> {
        for (i, entry) in self.ignore.iter().enumerate() {
            if entry.reason.trim().is_empty() {
                return Err(format!(
                    "[[ignore]] entry {} has no `reason`: every ignore needs one",
                    i + 1
                ));
            }
            if entry.rule.is_empty() && entry.path.is_empty() && entry.fingerprint.is_empty() {
                return Err(format!(
                    "[[ignore]] entry {} matches everything: give a `rule`, `path` or `fingerprint`",
                    i + 1
                ));
            }
            if let Some(date) = &entry.expires {
                parse_date(date).ok_or_else(|| {
                    format!(
                        "[[ignore]] entry {}: `expires` must be YYYY-MM-DD, got `{date}`",
                        i + 1
                    )
                })?;
            }
        }
        Ok(())
    }

    /// Finds `portcullis.toml` in the folder of `scanned` (or `scanned` itself when it is a
    /// folder) and its ancestors.
    pub fn discover(scanned: &Path) -> Option<PathBuf> {
        let start = if scanned.is_dir() {
            scanned.to_path_buf()
        } else {
            scanned.parent()?.to_path_buf()
        };
        let start = start.canonicalize().unwrap_or(start);
        start
            .ancestors()
            .map(|dir| dir.join(CONFIG_FILE))
            .find(|candidate| candidate.is_file())
    }

    /// Deserializes an analyzer's raw section into its own config type.
    pub fn section<T: serde::de::DeserializeOwned + Default>(
        &self,
        name: &str,
        raw: &Option<toml::Value>,
    ) -> Result<T, ConfigError> {
        match raw {
            None => Ok(T::default()),
            Some(value) => {
                value
                    .clone()
                    .try_into()
                    .map_err(|e: toml::de::Error| ConfigError::Parse {
                        path: self
                            .source
                            .clone()
                            .unwrap_or_else(|| PathBuf::from(CONFIG_FILE)),
                        message: format!("[{name}]: {e}"),
                    })
            }
        }
    }
}

/// Whether `rule_id` matches a selector: an exact id, or a prefix ending in `/` or `*`.
pub fn rule_matches(selector: &str, rule_id: &str) -> bool {
    if let Some(prefix) = selector.strip_suffix('*') {
        rule_id.starts_with(prefix)
    } else if selector.ends_with('/') {
        rule_id.starts_with(selector)
    } else {
        selector == rule_id
    }
}

/// Days since 1970-01-01 for a `YYYY-MM-DD` date (proleptic Gregorian), for expiry checks.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1970..=9999).contains(&y) {
        return None;
    }
    Some(portcullis_core::time::days_from_civil(y, m, d))
}

/// Today as days since 1970-01-01 (UTC).
pub fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    secs.div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_config() {
        let c = Config::parse(
            r#"
            [scan]
            fail-on = "medium"
            allow-inline-suppressions = false
            exclude = ["test/**"]

            [rules]
            disable = ["supply-chain/missing-repository"]
            severity = { "js/weak-crypto" = "low" }

            [[ignore]]
            rule = "secrets/"
            path = "test/**"
            reason = "fixtures"
            expires = "2027-01-31"

            [secrets]
            anything = 1
            "#,
        )
        .unwrap();
        assert_eq!(c.scan.fail_on, Some(Severity::Medium));
        assert!(!c.scan.allow_inline_suppressions);
        assert_eq!(c.rules.severity["js/weak-crypto"], Severity::Low);
        assert_eq!(c.ignore.len(), 1);
        assert!(c.secrets.is_some());
        c.validate().unwrap();
    }

    #[test]
    fn unknown_keys_and_reasonless_ignores_are_errors() {
        assert!(Config::parse("[scan]\nfail_on = 'high'").is_err());
        let c = Config::parse("[[ignore]]\nrule = 'js/x'").unwrap();
        assert!(c.validate().unwrap_err().contains("reason"));
        let c = Config::parse("[[ignore]]\nreason = 'x'").unwrap();
        assert!(c.validate().unwrap_err().contains("matches everything"));
    }

    #[test]
    fn selectors() {
        assert!(rule_matches("js/", "js/eval"));
        assert!(rule_matches(
            "secrets/generic-*",
            "secrets/generic-password"
        ));
        assert!(rule_matches("js/eval", "js/eval"));
        assert!(!rule_matches("js/eval", "js/eval-like"));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2026-13-01"), None);
        assert!(today() > parse_date("2026-01-01").unwrap());
    }
}
