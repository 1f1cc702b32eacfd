//! Severity, confidence and category: the three axes every finding is sorted by.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a finding is if it is true. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// One step down, saturating at `Info` (a finding in a test file, a hook that only runs
    /// for git installs).
    pub fn lower(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// SARIF `level` for this severity.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "note",
        }
    }

    /// GitHub code scanning's `security-severity` property (a CVSS-like 0.0–10.0 score).
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "3.0",
            Severity::Info => "0.0",
        }
    }

    /// One step up, saturating at `Critical` (e.g. a secret in an exported default).
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown {what} `{value}` (expected one of: {expected})")]
pub struct ParseEnumError {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl FromStr for Severity {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "note" | "none" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" | "moderate" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(ParseEnumError {
                what: "severity",
                value: s.to_string(),
                expected: "critical, high, medium, low, info",
            }),
        }
    }
}

/// How sure the analyzer is that the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Confidence {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "high" => Ok(Confidence::High),
            _ => Err(ParseEnumError {
                what: "confidence",
                value: s.to_string(),
                expected: "high, medium, low",
            }),
        }
    }
}

/// Which kind of analysis produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Insecure code (JS/TS static analysis).
    Code,
    /// A hard-coded credential.
    Secret,
    /// A vulnerable, malicious or otherwise risky dependency.
    Dependency,
    /// Declared vs. observed capability mismatch.
    Capability,
    /// Package-level supply-chain signals (install scripts, binaries, obfuscation, sources).
    SupplyChain,
    /// Problems with the extension's manifest itself.
    Manifest,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Code,
        Category::Secret,
        Category::Dependency,
        Category::Capability,
        Category::SupplyChain,
        Category::Manifest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Code => "code",
            Category::Secret => "secret",
            Category::Dependency => "dependency",
            Category::Capability => "capability",
            Category::SupplyChain => "supply-chain",
            Category::Manifest => "manifest",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = ParseEnumError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s.to_ascii_lowercase())
            .ok_or_else(|| ParseEnumError {
                what: "category",
                value: s.to_string(),
                expected: "code, secret, dependency, capability, supply-chain, manifest",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert_eq!("moderate".parse::<Severity>().unwrap(), Severity::Medium);
        assert!("urgent".parse::<Severity>().is_err());
        assert_eq!(Severity::High.raised(), Severity::Critical);
    }

    #[test]
    fn category_round_trips_through_serde() {
        let json = serde_json::to_string(&Category::SupplyChain).unwrap();
        assert_eq!(json, "\"supply-chain\"");
        assert_eq!(
            "supply-chain".parse::<Category>().unwrap(),
            Category::SupplyChain
        );
    }
}
