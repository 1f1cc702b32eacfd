//! Version parsing, ordering and OSV range evaluation per ecosystem.
//!
//! npm versions follow SemVer 2.0 precedence (`nodejs-semver`): `1.2.0-rc.1 < 1.2.0`, build
//! metadata ignored. PyPI versions follow PEP 440 (`pep440_rs`): `1.0 == 1.0.0`,
//! `1.0rc1 < 1.0 < 1.0.post1`. OSV `SEMVER` and `ECOSYSTEM` ranges are both evaluated with the
//! package's ecosystem ordering (for npm they coincide; for PyPI the `SEMVER` type is only ever
//! used for PEP 440-compatible strings).

use portcullis_core::Ecosystem;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::str::FromStr;

/// Longest version string we try to parse; anything longer is not a real version.
const MAX_VERSION_LEN: usize = 256;

/// A parsed version of one ecosystem. Versions of different ecosystems are never compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    Npm(nodejs_semver::Version),
    PyPI(pep440_rs::Version),
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Version::Npm(a), Version::Npm(b)) => a.cmp(b),
            (Version::PyPI(a), Version::PyPI(b)) => a.cmp(b),
            // Mixed ecosystems never meet in practice; give a total order anyway.
            (Version::Npm(_), Version::PyPI(_)) => Ordering::Less,
            (Version::PyPI(_), Version::Npm(_)) => Ordering::Greater,
        }
    }
}

/// Parses `s` as a version of `ecosystem`; `None` when it is not one (a git URL, a tag, junk).
pub fn parse_version(ecosystem: Ecosystem, s: &str) -> Option<Version> {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_VERSION_LEN {
        return None;
    }
    match ecosystem {
        Ecosystem::Npm => {
            let s = s.strip_prefix('=').unwrap_or(s).trim_start();
            let s = s.strip_prefix('v').unwrap_or(s);
            nodejs_semver::Version::parse(s).ok().map(Version::Npm)
        }
        Ecosystem::PyPI => pep440_rs::Version::from_str(s).ok().map(Version::PyPI),
    }
}

/// One event of an OSV range, as stored in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// `"0"` means "from the very first version".
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

/// An OSV `SEMVER` or `ECOSYSTEM` range (GIT ranges are dropped at import: they need commits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRange {
    pub events: Vec<Event>,
}

/// The version an event names, parsed; `Some(None)` for introduced `"0"`, `None` when the
/// string does not parse (the event is then ignored, never guessed).
fn event_version(ecosystem: Ecosystem, e: &Event) -> Option<Option<Version>> {
    match e {
        Event::Introduced(s) if s.trim() == "0" => Some(None),
        Event::Introduced(s) | Event::Fixed(s) | Event::LastAffected(s) | Event::Limit(s) => {
            parse_version(ecosystem, s).map(Some)
        }
    }
}

impl VersionRange {
    /// Whether `v` falls in this range, following the OSV evaluation algorithm: walk the
    /// events in version order; `introduced <= v` opens, `fixed <= v` closes,
    /// `last_affected < v` closes; `limit` caps the whole range (`v` must be below a limit).
    pub fn contains(&self, ecosystem: Ecosystem, v: &Version) -> bool {
        let mut events: Vec<(Option<Version>, &Event)> = Vec::with_capacity(self.events.len());
        let mut limits: Vec<Version> = Vec::new();
        for e in &self.events {
            let Some(ver) = event_version(ecosystem, e) else {
                continue;
            };
            match (e, ver) {
                (Event::Limit(_), Some(l)) => limits.push(l),
                (Event::Limit(_), None) => {}
                (_, ver) => events.push((ver, e)),
            }
        }
        if !limits.is_empty() && !limits.iter().any(|l| v < l) {
            return false;
        }
        // `None` (introduced "0") sorts first, as Option's order has it.
        events.sort_by(|a, b| a.0.cmp(&b.0));
        let mut affected = false;
        for (ver, e) in &events {
            match (e, ver) {
                (Event::Introduced(_), None) => affected = true,
                (Event::Introduced(_), Some(i)) if v >= i => affected = true,
                (Event::Fixed(_), Some(f)) if v >= f => affected = false,
                (Event::LastAffected(_), Some(l)) if v > l => affected = false,
                _ => {}
            }
        }
        affected
    }

    /// The `fixed` versions this range names.
    pub fn fixed(&self) -> impl Iterator<Item = &str> {
        self.events.iter().filter_map(|e| match e {
            Event::Fixed(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// The `last_affected` versions this range names.
    pub fn last_affected(&self) -> impl Iterator<Item = &str> {
        self.events.iter().filter_map(|e| match e {
            Event::LastAffected(s) => Some(s.as_str()),
            _ => None,
        })
    }
}

/// Whether the explicit `versions` list of an advisory names `installed` (string equality, or
/// equality of the parsed versions so PyPI `1.0` matches a listed `1.0.0`).
pub fn listed(
    ecosystem: Ecosystem,
    versions: &[String],
    installed: &str,
    parsed: Option<&Version>,
) -> bool {
    versions.iter().any(|l| {
        l == installed || parsed.is_some_and(|p| parse_version(ecosystem, l).as_ref() == Some(p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(events: &[Event]) -> VersionRange {
        VersionRange {
            events: events.to_vec(),
        }
    }
    fn npm(s: &str) -> Version {
        parse_version(Ecosystem::Npm, s).unwrap()
    }
    fn py(s: &str) -> Version {
        parse_version(Ecosystem::PyPI, s).unwrap()
    }
    use Event::*;

    #[test]
    fn semver_precedence_with_prereleases() {
        assert!(npm("1.2.0-rc.1") < npm("1.2.0"));
        assert!(npm("1.0.0-alpha") < npm("1.0.0-alpha.1"));
        assert!(npm("1.0.0-alpha.1") < npm("1.0.0-alpha.beta"));
        assert!(npm("1.0.0-beta.2") < npm("1.0.0-beta.11"));
        assert!(npm("1.0.0-rc.1") < npm("1.0.0"));
        assert_eq!(npm("v1.2.3"), npm("1.2.3"));
        assert_eq!(npm("1.2.3+build.5").cmp(&npm("1.2.3")), Ordering::Equal);
        assert!(parse_version(Ecosystem::Npm, "git+https://x/y.git").is_none());
        assert!(parse_version(Ecosystem::Npm, &"1".repeat(300)).is_none());
    }

    #[test]
    fn pep440_ordering() {
        assert_eq!(py("1.0"), py("1.0.0"));
        assert!(py("1.0rc1") < py("1.0"));
        assert!(py("1.0") < py("1.0.post1"));
        assert!(py("1.0.dev1") < py("1.0a1"));
        assert!(py("2.0") > py("1.99"));
    }

    #[test]
    fn introduced_fixed() {
        // lodash-style: introduced 0, fixed 4.17.21
        let range = r(&[Introduced("0".into()), Fixed("4.17.21".into())]);
        let e = Ecosystem::Npm;
        assert!(range.contains(e, &npm("4.17.20")));
        assert!(range.contains(e, &npm("0.0.1")));
        assert!(!range.contains(e, &npm("4.17.21")));
        assert!(!range.contains(e, &npm("5.0.0")));
        // A prerelease of the fixed version precedes it, so it is still affected.
        assert!(range.contains(e, &npm("4.17.21-beta.1")));
    }

    #[test]
    fn multiple_intervals_in_one_range() {
        // Affected [1.0.0, 1.2.3) and [2.0.0, 2.1.1), hand-checked.
        let range = r(&[
            Introduced("1.0.0".into()),
            Fixed("1.2.3".into()),
            Introduced("2.0.0".into()),
            Fixed("2.1.1".into()),
        ]);
        let e = Ecosystem::Npm;
        assert!(!range.contains(e, &npm("0.9.9")));
        assert!(range.contains(e, &npm("1.0.0")));
        assert!(range.contains(e, &npm("1.2.2")));
        assert!(!range.contains(e, &npm("1.2.3")));
        assert!(!range.contains(e, &npm("1.9.0")));
        assert!(!range.contains(e, &npm("2.0.0-beta.1")));
        assert!(range.contains(e, &npm("2.0.0")));
        assert!(!range.contains(e, &npm("2.1.1")));
    }

    #[test]
    fn last_affected_is_inclusive() {
        let range = r(&[Introduced("1.0.0".into()), LastAffected("1.4.2".into())]);
        let e = Ecosystem::Npm;
        assert!(range.contains(e, &npm("1.4.2")));
        assert!(!range.contains(e, &npm("1.4.3")));
        // a prerelease after the last affected version is not affected
        assert!(!range.contains(e, &npm("1.4.3-rc.0")));
        // a prerelease of the last affected version is before it, so affected
        assert!(range.contains(e, &npm("1.4.2-rc.0")));
    }

    #[test]
    fn limit_caps_the_range() {
        let range = r(&[Introduced("0".into()), Limit("3.0.0".into())]);
        let e = Ecosystem::Npm;
        assert!(range.contains(e, &npm("2.9.9")));
        assert!(!range.contains(e, &npm("3.0.0")));
    }

    #[test]
    fn introduced_only_is_open_ended() {
        let range = r(&[Introduced("0".into())]);
        assert!(range.contains(Ecosystem::Npm, &npm("99.0.0")));
        let unparseable = r(&[Introduced("not-a-version".into())]);
        assert!(!unparseable.contains(Ecosystem::Npm, &npm("1.0.0")));
    }

    #[test]
    fn pypi_ecosystem_range() {
        // PYSEC-style: introduced 0, fixed 2.2.24
        let range = r(&[Introduced("0".into()), Fixed("2.2.24".into())]);
        let e = Ecosystem::PyPI;
        assert!(range.contains(e, &py("2.2.23")));
        assert!(range.contains(e, &py("2.2.24rc1")));
        assert!(!range.contains(e, &py("2.2.24")));
        assert!(!range.contains(e, &py("3.0")));
    }

    #[test]
    fn explicit_versions() {
        let list = vec!["1.0.0".to_string(), "1.0.1".to_string()];
        assert!(listed(Ecosystem::Npm, &list, "1.0.1", None));
        assert!(!listed(Ecosystem::Npm, &list, "1.0.2", None));
        let py_list = vec!["1.0".to_string()];
        let p = py("1.0.0");
        assert!(listed(Ecosystem::PyPI, &py_list, "1.0.0", Some(&p)));
    }
}
