//! Stable finding identity across versions.
//!
//! A fingerprint hashes the rule id, the file path, a *key* chosen by the analyzer (by default
//! the whitespace-normalized snippet, never a line number) and the occurrence index among
//! findings sharing the first three. Moving code up or down, or editing other lines, keeps the
//! fingerprint; changing the flagged code itself gives a new one. That identity is what makes
//! baselines, "fixed"/"new"/"reopened" and mean time to remediation possible.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(pub String);

impl Fingerprint {
    /// Fingerprint version, part of the hash so a future scheme cannot collide with this one.
    pub const SCHEME: &'static str = "pcfp1";

    pub fn compute(rule_id: &str, path: &str, key: &str, occurrence: u32) -> Fingerprint {
        let mut h = Sha256::new();
        for part in [Self::SCHEME, rule_id, path, &normalize_key(key)] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.update(occurrence.to_le_bytes());
        Fingerprint(hex::encode(&h.finalize()[..16]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Collapses every run of whitespace to one space and trims, so re-indentation keeps identity.
pub fn normalize_key(key: &str) -> String {
    key.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_does_not_change_identity() {
        let a = Fingerprint::compute("js/cmd", "lib/a.js", "exec( cmd )", 0);
        let b = Fingerprint::compute("js/cmd", "lib/a.js", "  exec(\tcmd )  ", 0);
        assert_eq!(a, b);
        assert_eq!(a.as_str().len(), 32);
    }

    #[test]
    fn each_part_matters() {
        let base = Fingerprint::compute("r", "p", "k", 0);
        assert_ne!(base, Fingerprint::compute("r2", "p", "k", 0));
        assert_ne!(base, Fingerprint::compute("r", "p2", "k", 0));
        assert_ne!(base, Fingerprint::compute("r", "p", "k2", 0));
        assert_ne!(base, Fingerprint::compute("r", "p", "k", 1));
        // Length-prefixing: moving a boundary between parts changes the hash.
        assert_ne!(
            Fingerprint::compute("ab", "c", "k", 0),
            Fingerprint::compute("a", "bc", "k", 0)
        );
    }
}
