//! Whether a scan checked dependencies against a vulnerability database, typed, so every
//! report format can say so (a scan without one, or with a stale one, must never read as a
//! clean bill of health for the dependencies).

use crate::ScanReport;
use serde::{Deserialize, Serialize};

/// The report property ([`ScanReport::properties`]) holding a [`VulnDbStatus`].
pub const VULNDB_STATUS_PROPERTY: &str = "vulnerability-database";

/// The vulnerability database a scan used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum VulnDbStatus {
    /// Up to date.
    Current {
        path: String,
        updated: String,
        advisories: u64,
    },
    /// Older than the configured limit (`[deps] max-db-age-days`).
    Stale {
        path: String,
        updated: String,
        advisories: u64,
        age_days: u64,
        max_age_days: u32,
    },
    /// No database: dependencies were not checked for known vulnerabilities or malware.
    Missing,
    /// A database exists but cannot be read.
    Unreadable { path: String, error: String },
}

impl VulnDbStatus {
    /// The status a report records; `None` for reports made before it was recorded.
    pub fn of(report: &ScanReport) -> Option<VulnDbStatus> {
        let v = report.properties.get(VULNDB_STATUS_PROPERTY)?;
        serde_json::from_value(v.clone()).ok()
    }

    /// One sentence for a report's header when the dependencies were not (reliably) checked;
    /// `None` when the database is current.
    pub fn warning(&self) -> Option<String> {
        match self {
            VulnDbStatus::Current { .. } => None,
            VulnDbStatus::Stale {
                updated,
                age_days,
                max_age_days,
                ..
            } => Some(format!(
                "the vulnerability database is stale ({age_days} days old, updated {updated}; limit {max_age_days} days): advisories published since were not checked — run `portcullis db update`"
            )),
            VulnDbStatus::Missing => Some(
                "no vulnerability database: dependencies were not checked for known vulnerabilities or malware — run `portcullis db update` (or `db import` offline)".to_string(),
            ),
            VulnDbStatus::Unreadable { path, error } => Some(format!(
                "the vulnerability database at {path} cannot be read ({error}): dependencies were not checked for known vulnerabilities or malware"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_with_a_status_tag() {
        let s = VulnDbStatus::Stale {
            path: "/db".into(),
            updated: "2026-01-01T00:00:00Z".into(),
            advisories: 10,
            age_days: 30,
            max_age_days: 7,
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["status"], "stale");
        assert_eq!(v["age_days"], 30);
        assert_eq!(serde_json::from_value::<VulnDbStatus>(v).unwrap(), s);
        assert!(s.warning().unwrap().contains("stale"));
        assert!(
            VulnDbStatus::Missing
                .warning()
                .unwrap()
                .contains("no vulnerability database")
        );
        let current = VulnDbStatus::Current {
            path: "/db".into(),
            updated: "x".into(),
            advisories: 1,
        };
        assert_eq!(current.warning(), None);
    }
}
