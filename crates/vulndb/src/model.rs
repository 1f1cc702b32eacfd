//! The compact advisory form stored in the index, and its construction from an OSV record.
//!
//! Only what matching and reporting need survives: ids, aliases, a bounded summary and
//! details, one severity (already derived), CWEs, a few references, and the affected
//! packages of the ecosystems Portcullis scans (npm, PyPI) with their SEMVER/ECOSYSTEM ranges.

use crate::osv::{OsvRecord, OsvSeverity};
use crate::version::{Event, VersionRange};
use portcullis_core::{Ecosystem, Severity};
use serde::{Deserialize, Serialize};

const MAX_SUMMARY_CHARS: usize = 300;
const MAX_DETAILS_CHARS: usize = 1_000;
const MAX_REFERENCES: usize = 10;
const MAX_ALIASES: usize = 64;
const MAX_AFFECTED: usize = 1_000;
const MAX_EVENTS: usize = 1_000;
const MAX_VERSIONS: usize = 20_000;

/// Where an advisory's severity came from, so reports can say how sure it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeveritySource {
    /// A `MAL-` (OpenSSF malicious-packages) record: always critical.
    Malicious,
    CvssV4,
    CvssV3,
    CvssV2,
    /// `database_specific.severity` (GitHub's `LOW`/`MODERATE`/`HIGH`/`CRITICAL`).
    DatabaseSpecific,
    /// Nothing usable in the record; defaulted to medium.
    Unknown,
}

/// One affected package of an advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedPackage {
    pub ecosystem: Ecosystem,
    /// Normalized name (PyPI: PEP 503; npm: as published).
    pub name: String,
    pub ranges: Vec<VersionRange>,
    /// Explicitly listed affected versions.
    pub versions: Vec<String>,
}

/// An advisory as stored in the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    pub id: String,
    /// Other ids of the same vulnerability (CVE, GHSA, PYSEC, …).
    pub aliases: Vec<String>,
    pub summary: String,
    pub details: String,
    pub severity: Severity,
    pub severity_source: SeveritySource,
    /// CVSS base score (0.0–10.0) when a vector was present and parsed.
    pub cvss_score: Option<f32>,
    pub cvss_vector: Option<String>,
    /// A malicious package record (`MAL-…`): every matching version is malware.
    pub malicious: bool,
    pub cwe: Vec<u32>,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub references: Vec<String>,
    pub affected: Vec<AffectedPackage>,
    /// The import or update source this record came from (see `SourceInfo::name`).
    pub source: String,
}

impl Advisory {
    /// The advisory's web page (osv.dev knows every id).
    pub fn url(&self) -> String {
        format!("https://osv.dev/vulnerability/{}", self.id)
    }
}

/// Maps an OSV ecosystem string to ours. `PyPI` and `npm` only; suffixed forms (`npm:…`) are
/// accepted on the part before the colon.
pub fn parse_ecosystem(s: &str) -> Option<Ecosystem> {
    let base = s.split(':').next().unwrap_or(s).trim();
    if base.eq_ignore_ascii_case("npm") {
        Some(Ecosystem::Npm)
    } else if base.eq_ignore_ascii_case("pypi") {
        Some(Ecosystem::PyPI)
    } else {
        None
    }
}

/// The name used as index key: PEP 503 normalization for PyPI (`Foo_Bar.baz` → `foo-bar-baz`),
/// unchanged for npm (npm names are case-sensitive in old packages).
pub fn normalize_name(ecosystem: Ecosystem, name: &str) -> String {
    let name = name.trim();
    match ecosystem {
        Ecosystem::Npm => name.to_string(),
        Ecosystem::PyPI => {
            let mut out = String::with_capacity(name.len());
            let mut sep = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    sep = true;
                } else {
                    if sep && !out.is_empty() {
                        out.push('-');
                    }
                    sep = false;
                    out.push(c.to_ascii_lowercase());
                }
            }
            out
        }
    }
}

/// Why a record was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    Withdrawn,
    /// No affected package in a supported ecosystem.
    OtherEcosystem,
}

/// Converts an OSV record into the stored form.
pub fn from_osv(rec: OsvRecord, source: &str) -> Result<Advisory, Skip> {
    if rec
        .withdrawn
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        return Err(Skip::Withdrawn);
    }
    let malicious = rec.id.starts_with("MAL-")
        || rec
            .database_specific
            .as_ref()
            .is_some_and(|d| d.malicious_origins.is_some());

    let mut affected = Vec::new();
    let mut severities: Vec<&OsvSeverity> = rec.severity.iter().collect();
    for a in rec.affected.iter().take(MAX_AFFECTED) {
        let Some(pkg) = &a.package else { continue };
        let Some(eco) = parse_ecosystem(&pkg.ecosystem) else {
            continue;
        };
        severities.extend(a.severity.iter());
        let ranges = a
            .ranges
            .iter()
            .filter(|r| r.kind == "SEMVER" || r.kind == "ECOSYSTEM")
            .map(|r| VersionRange {
                events: r
                    .events
                    .iter()
                    .take(MAX_EVENTS)
                    .filter_map(|e| {
                        if let Some(v) = &e.introduced {
                            Some(Event::Introduced(v.clone()))
                        } else if let Some(v) = &e.fixed {
                            Some(Event::Fixed(v.clone()))
                        } else if let Some(v) = &e.last_affected {
                            Some(Event::LastAffected(v.clone()))
                        } else {
                            e.limit.as_ref().map(|v| Event::Limit(v.clone()))
                        }
                    })
                    .collect(),
            })
            .filter(|r| !r.events.is_empty())
            .collect::<Vec<_>>();
        let versions: Vec<String> = a.versions.iter().take(MAX_VERSIONS).cloned().collect();
        if ranges.is_empty() && versions.is_empty() {
            continue;
        }
        affected.push(AffectedPackage {
            ecosystem: eco,
            name: normalize_name(eco, &pkg.name),
            ranges,
            versions,
        });
    }
    if affected.is_empty() {
        return Err(Skip::OtherEcosystem);
    }

    let db_severity = rec
        .database_specific
        .as_ref()
        .and_then(|d| d.severity.as_ref())
        .and_then(|s| s.as_str())
        .and_then(|s| s.parse::<Severity>().ok());
    let (severity, source_kind, cvss_score, cvss_vector) = if malicious {
        (Severity::Critical, SeveritySource::Malicious, None, None)
    } else if let Some((sev, src, score, vector)) = crate::cvss::best(&severities) {
        (sev, src, Some(score), Some(vector))
    } else if let Some(sev) = db_severity {
        (sev, SeveritySource::DatabaseSpecific, None, None)
    } else {
        (Severity::Medium, SeveritySource::Unknown, None, None)
    };

    let cwe = rec
        .database_specific
        .as_ref()
        .map(|d| {
            d.cwe_ids
                .iter()
                .filter_map(|i| i.as_str())
                .filter_map(|s| s.trim().strip_prefix("CWE-")?.parse::<u32>().ok())
                .take(16)
                .collect()
        })
        .unwrap_or_default();

    let mut refs: Vec<(bool, String)> = rec
        .references
        .iter()
        .filter_map(|r| {
            let url = r.url.as_ref()?;
            (url.starts_with("https://") || url.starts_with("http://"))
                .then(|| (r.kind.as_deref() != Some("ADVISORY"), url.clone()))
        })
        .collect();
    refs.sort_by_key(|(not_advisory, _)| *not_advisory);
    let references = refs
        .into_iter()
        .map(|(_, u)| u)
        .take(MAX_REFERENCES)
        .collect();

    let mut aliases: Vec<String> = rec
        .aliases
        .into_iter()
        .filter(|a| *a != rec.id)
        .take(MAX_ALIASES)
        .collect();
    aliases.sort();
    aliases.dedup();

    Ok(Advisory {
        summary: truncate(rec.summary.as_deref().unwrap_or(""), MAX_SUMMARY_CHARS),
        details: truncate(rec.details.as_deref().unwrap_or(""), MAX_DETAILS_CHARS),
        id: rec.id,
        aliases,
        severity,
        severity_source: source_kind,
        cvss_score,
        cvss_vector,
        malicious,
        cwe,
        published: rec.published,
        modified: rec.modified,
        references,
        affected,
        source: source.to_string(),
    })
}

fn truncate(s: &str, max: usize) -> String {
    let s = s.trim();
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(json: &str) -> OsvRecord {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn pep503_names() {
        assert_eq!(
            normalize_name(Ecosystem::PyPI, "Foo_Bar.baz"),
            "foo-bar-baz"
        );
        assert_eq!(normalize_name(Ecosystem::PyPI, "Django"), "django");
        assert_eq!(normalize_name(Ecosystem::PyPI, "a--_b"), "a-b");
        assert_eq!(normalize_name(Ecosystem::Npm, "@n8n/Client"), "@n8n/Client");
    }

    #[test]
    fn ghsa_record_with_cvss_and_cwe() {
        let a = from_osv(
            rec(r#"{
              "id": "GHSA-p6mc-m468-83gw",
              "aliases": ["CVE-2020-8203"],
              "summary": "Prototype Pollution in lodash",
              "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H"}],
              "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "3.7.0"}, {"fixed": "4.17.19"}]},
                           {"type": "GIT", "repo": "https://github.com/lodash/lodash", "events": [{"introduced": "0"}]}]},
                {"package": {"ecosystem": "Maven", "name": "org.webjars.npm:lodash"}, "versions": ["1"]}],
              "references": [{"type": "WEB", "url": "https://example.com/w"}, {"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2020-8203"}],
              "database_specific": {"cwe_ids": ["CWE-770", "CWE-1321"], "severity": "HIGH"}
            }"#),
            "test",
        )
        .unwrap();
        assert_eq!(a.aliases, vec!["CVE-2020-8203"]);
        assert_eq!(a.severity, Severity::High);
        assert_eq!(a.severity_source, SeveritySource::CvssV3);
        assert_eq!(a.cvss_score, Some(7.4));
        assert_eq!(a.cwe, vec![770, 1321]);
        assert_eq!(a.affected.len(), 1, "Maven entry dropped");
        assert_eq!(a.affected[0].ranges.len(), 1, "GIT range dropped");
        assert!(
            a.references[0].contains("nvd.nist.gov"),
            "ADVISORY refs first"
        );
        assert!(!a.malicious);
    }

    #[test]
    fn malicious_records_are_critical() {
        let a = from_osv(
            rec(
                r#"{"id": "MAL-2024-1234", "summary": "Malicious code in crossenv (npm)",
              "affected": [{"package": {"ecosystem": "npm", "name": "crossenv"},
                            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}],
              "database_specific": {"malicious-packages-origins": [{"source": "ghsa-malware"}]}}"#,
            ),
            "t",
        )
        .unwrap();
        assert!(a.malicious);
        assert_eq!(a.severity, Severity::Critical);
        assert_eq!(a.severity_source, SeveritySource::Malicious);
    }

    #[test]
    fn database_specific_severity_and_unknown() {
        let a = from_osv(
            rec(r#"{"id": "GHSA-1", "affected": [{"package": {"ecosystem": "npm", "name": "x"}, "versions": ["1.0.0"]}],
                    "database_specific": {"severity": "MODERATE"}}"#),
            "t",
        )
        .unwrap();
        assert_eq!(a.severity, Severity::Medium);
        assert_eq!(a.severity_source, SeveritySource::DatabaseSpecific);
        let b = from_osv(
            rec(r#"{"id": "PYSEC-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "Foo_Bar"}, "versions": ["1.0"]}]}"#),
            "t",
        )
        .unwrap();
        assert_eq!(b.severity_source, SeveritySource::Unknown);
        assert_eq!(b.affected[0].name, "foo-bar");
    }

    #[test]
    fn withdrawn_and_foreign_records_are_skipped() {
        let w = rec(r#"{"id": "GHSA-w", "withdrawn": "2023-01-01T00:00:00Z",
              "affected": [{"package": {"ecosystem": "npm", "name": "x"}, "versions": ["1.0.0"]}]}"#);
        assert_eq!(from_osv(w, "t").unwrap_err(), Skip::Withdrawn);
        let g = rec(
            r#"{"id": "GO-1", "affected": [{"package": {"ecosystem": "Go", "name": "x"}, "versions": ["1.0.0"]}]}"#,
        );
        assert_eq!(from_osv(g, "t").unwrap_err(), Skip::OtherEcosystem);
    }
}
