//! Matching inventory against the OSV database: one finding per vulnerability (advisories
//! that alias each other — a GHSA, its CVE, a PYSEC — are merged), with the smallest upgrade
//! that clears all of them and whether that upgrade fits the declared range.
//!
//! Also the monitoring hook: [`rematch`] a stored inventory against a fresh database, and
//! [`diff`] two results into new and resolved findings.

use portcullis_core::{
    Component, Confidence, DependencyScope, Ecosystem, Finding, Location, Severity,
};
use portcullis_vulndb::{Advisory, AffectedPackage, VulnDb, parse_version, smallest_fix};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::str::FromStr;

/// Advisories describing one vulnerability of one package. Never empty (the only
/// constructor takes a first advisory).
#[derive(Debug, Clone)]
pub struct VulnGroup<'a> {
    first: &'a Advisory,
    advisories: Vec<&'a Advisory>,
}

impl<'a> VulnGroup<'a> {
    pub fn new(first: &'a Advisory) -> VulnGroup<'a> {
        VulnGroup {
            first,
            advisories: vec![first],
        }
    }

    pub fn push(&mut self, a: &'a Advisory) {
        self.advisories.push(a);
    }

    pub fn advisories(&self) -> &[&'a Advisory] {
        &self.advisories
    }

    /// The id shown first: a `MAL-` id for malware, else GHSA, PYSEC, CVE, then anything.
    pub fn primary(&self) -> &'a Advisory {
        let rank = |a: &Advisory| match a.id.split('-').next().unwrap_or("") {
            "MAL" => 0,
            "GHSA" => 1,
            "PYSEC" => 2,
            "CVE" => 3,
            _ => 4,
        };
        // Groups are never empty (built from at least one advisory).
        self.advisories
            .iter()
            .copied()
            .min_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.id.cmp(&b.id)))
            .unwrap_or(self.first)
    }

    /// Every id and alias, primary first, without duplicates.
    pub fn ids(&self) -> Vec<String> {
        let primary = self.primary().id.clone();
        let mut rest: BTreeSet<String> = BTreeSet::new();
        for a in &self.advisories {
            rest.insert(a.id.clone());
            rest.extend(a.aliases.iter().cloned());
        }
        rest.remove(&primary);
        std::iter::once(primary).chain(rest).collect()
    }

    pub fn malicious(&self) -> bool {
        self.advisories.iter().any(|a| a.malicious)
    }

    pub fn severity(&self) -> Severity {
        self.advisories
            .iter()
            .map(|a| a.severity)
            .max()
            .unwrap_or(Severity::Medium)
    }
}

/// The advisories affecting a component, grouped by alias. For a component without a
/// resolved version, only advisories that affect every version match. `ignore` lists ids or
/// aliases to skip.
pub fn match_component<'a>(c: &Component, db: &'a VulnDb, ignore: &[String]) -> Vec<VulnGroup<'a>> {
    // Without a resolved version only advisories covering *every* version can be claimed
    // (malicious-package records, unfixed issues since the first release): whatever the
    // range resolves to, it is affected.
    let version = c.version.as_deref().unwrap_or("");
    let hits: Vec<&Advisory> = db
        .query(c.ecosystem, &c.name, version)
        .into_iter()
        .filter(|a| !ignore.iter().any(|i| *i == a.id || a.aliases.contains(i)))
        .collect();
    group(hits)
}

/// Union of advisories whose id/alias sets intersect.
fn group(hits: Vec<&Advisory>) -> Vec<VulnGroup<'_>> {
    let n = hits.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, a) in hits.iter().enumerate() {
        for id in std::iter::once(&a.id).chain(a.aliases.iter()) {
            match owner.get(id.as_str()) {
                Some(&j) => {
                    let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                    parent[ri] = rj;
                }
                None => {
                    owner.insert(id.as_str(), i);
                }
            }
        }
    }
    let mut groups: Vec<(usize, VulnGroup<'_>)> = Vec::new();
    for (i, a) in hits.iter().enumerate() {
        let r = find(&mut parent, i);
        match groups.iter_mut().find(|(root, _)| *root == r) {
            Some((_, g)) => g.push(a),
            None => groups.push((r, VulnGroup::new(a))),
        }
    }
    let mut out: Vec<VulnGroup<'_>> = groups.into_iter().map(|(_, g)| g).collect();
    out.sort_by(|a, b| {
        b.severity()
            .cmp(&a.severity())
            .then_with(|| a.primary().id.cmp(&b.primary().id))
    });
    out
}

/// The fix for a group: the smallest version clearing every advisory in it, and the highest
/// `last_affected` when no fix is published.
pub fn fix_for(c: &Component, g: &VulnGroup<'_>) -> (Option<String>, Option<String>) {
    let Some(version) = c.version.as_deref() else {
        return (None, None);
    };
    let key = portcullis_vulndb::normalize_name(c.ecosystem, &c.name);
    let affected: Vec<&AffectedPackage> = g
        .advisories
        .iter()
        .flat_map(|a| a.affected.iter())
        .filter(|p| p.ecosystem == c.ecosystem && p.name == key)
        .collect();
    let fix = smallest_fix(c.ecosystem, version, &affected);
    let last = if fix.is_none() {
        affected
            .iter()
            .flat_map(|p| p.ranges.iter())
            .flat_map(|r| r.last_affected())
            .filter_map(|s| parse_version(c.ecosystem, s).map(|v| (v, s)))
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, s)| s.to_string())
    } else {
        None
    };
    (fix, last)
}

/// Whether `version` satisfies the declared `range` (npm semver ranges, PEP 440 specifiers).
/// `None` when the range cannot be evaluated (a tag, a URL, an empty range).
pub fn within_range(ecosystem: Ecosystem, range: &str, version: &str) -> Option<bool> {
    let range = range.trim();
    if range.is_empty() || range.len() > 512 {
        return None;
    }
    match ecosystem {
        Ecosystem::Npm => {
            let range = range.strip_prefix("npm:").unwrap_or(range);
            let r = nodejs_semver::Range::parse(range).ok()?;
            let v = nodejs_semver::Version::parse(version).ok()?;
            Some(v.satisfies(&r))
        }
        Ecosystem::PyPI => {
            let specs = pep440_rs::VersionSpecifiers::from_str(range).ok()?;
            let v = pep440_rs::Version::from_str(version).ok()?;
            Some(specs.contains(&v))
        }
    }
}

fn update_command(c: &Component) -> String {
    match c.ecosystem {
        Ecosystem::Npm => format!("`npm update {}` (or `yarn up` / `pnpm update`)", c.name),
        Ecosystem::PyPI => format!("`pip install -U {}` / `poetry update {}`", c.name, c.name),
    }
}

fn parent(c: &Component) -> Option<&str> {
    let n = c.path.len();
    if n >= 3 {
        c.path.get(n - 2).map(String::as_str)
    } else {
        None
    }
}

/// The finding for one vulnerability group of one component.
pub fn vuln_finding(c: &Component, g: &VulnGroup<'_>, location: Location) -> Finding {
    let primary = g.primary();
    let ids = g.ids();
    let version = c.version.as_deref().unwrap_or("?");
    let label = match (&c.version, c.requested.as_deref()) {
        (Some(v), _) => format!("{}@{v}", c.name),
        (None, Some(r)) => format!("{} (unresolved `{r}`: every version is affected)", c.name),
        (None, None) => format!("{} (every version is affected)", c.name),
    };
    let malicious = g.malicious();
    let (fix, last_affected) = if malicious {
        (None, None)
    } else {
        fix_for(c, g)
    };
    let declared = c.requested.as_deref().filter(|r| !r.is_empty());
    let in_range = match (&fix, declared) {
        (Some(f), Some(r)) => within_range(c.ecosystem, r, f),
        _ => None,
    };
    let aliases = if ids.len() > 1 {
        format!(" ({})", ids[1..].join(", "))
    } else {
        String::new()
    };
    let summary = if primary.summary.is_empty() {
        g.advisories
            .iter()
            .map(|a| a.summary.as_str())
            .find(|s| !s.is_empty())
            .unwrap_or("")
    } else {
        primary.summary.as_str()
    };
    let summary = if summary.is_empty() {
        String::new()
    } else {
        format!(": {summary}")
    };
    let (rule, message) = if malicious {
        (
            &crate::rules::MALICIOUS_PACKAGE,
            format!(
                "{label} is a known malicious package — {}{aliases}{summary}",
                primary.id
            ),
        )
    } else {
        let fixed = match (&fix, &last_affected) {
            (Some(f), _) => format!("; fixed in {f}"),
            (None, Some(l)) => format!("; no fix published (last affected {l})"),
            (None, None) => "; no fixed version published".into(),
        };
        (
            &crate::rules::VULNERABLE_DEPENDENCY,
            format!(
                "{label} is vulnerable to {}{aliases}{summary}{fixed}",
                primary.id
            ),
        )
    };
    let via = parent(c)
        .map(|p| format!(" (required by `{p}`)"))
        .unwrap_or_default();
    let remediation = if malicious {
        format!(
            "Remove `{name}` now and block it in your registry. Treat every machine and CI runner that installed `{name}@{version}` as compromised: rotate the credentials it could read and look for persistence. Then find how it entered the tree: {path}.",
            name = c.name,
            path = c.path.join(" → ")
        )
    } else {
        match (&fix, in_range, declared) {
            (Some(f), Some(true), Some(r)) => format!(
                "Upgrade `{}` to {f} or later. {f} satisfies the declared range `{r}`{via}, so refreshing the lockfile with {} is enough; no manifest change is needed.",
                c.name,
                update_command(c)
            ),
            (Some(f), Some(false), Some(r)) if c.direct => format!(
                "Upgrade `{}` to {f} or later: the declared range `{r}` excludes it, so change the requirement in the manifest (this crosses the range you pinned: read the changelog).",
                c.name
            ),
            (Some(f), Some(false), Some(r)) => format!(
                "Upgrade `{}` to {f} or later. `{}` requires `{r}`, which excludes {f}: upgrade `{}` to a release that accepts it, or force it with an npm `overrides` / yarn `resolutions` / pnpm `overrides` entry.",
                c.name,
                parent(c).unwrap_or("its parent"),
                parent(c).unwrap_or("the parent")
            ),
            (Some(f), _, _) => format!("Upgrade `{}` to {f} or later.", c.name),
            (None, _, _) => format!(
                "No fixed version of `{}` is published. Replace it, or assess whether the vulnerable code is reachable and record a waiver with the justification.",
                c.name
            ),
        }
    };
    let cvss = g
        .advisories
        .iter()
        .filter_map(|a| a.cvss_score.map(|s| (s, a.cvss_vector.clone())))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let mut f = crate::rules::finding(rule, g.severity(), message, location)
        .with_confidence(Confidence::High)
        .with_remediation(remediation)
        .with_fingerprint_key(format!(
            "{}:{}:{}",
            c.ecosystem.as_str(),
            c.name,
            primary.id
        ))
        .with_property("advisory_ids", ids.clone())
        .with_property("primary_advisory", primary.id.clone())
        .with_property("ecosystem", c.ecosystem.as_str())
        .with_property("package", c.name.clone())
        .with_property("installed_version", version)
        .with_property("purl", c.purl())
        .with_property("dependency_path", c.path.clone())
        .with_property("direct", c.direct)
        .with_property("scope", scope_str(c.scope))
        .with_property("malicious", malicious)
        .with_tag(if malicious {
            "malware"
        } else {
            "vulnerability"
        })
        .with_tag(if c.direct { "direct" } else { "transitive" })
        .with_tag(scope_str(c.scope));
    if malicious {
        f = f.with_cwe(506);
    } else {
        f = f.with_cwe(1395);
        for a in &g.advisories {
            for cwe in &a.cwe {
                f = f.with_cwe(*cwe);
            }
        }
    }
    if let Some(fx) = &fix {
        f = f.with_property("fixed_version", fx.clone());
    }
    if let Some(l) = &last_affected {
        f = f.with_property("last_affected", l.clone());
    }
    if let Some(r) = declared {
        f = f.with_property("declared_range", r);
    }
    if let Some(b) = in_range {
        f = f.with_property("fix_within_declared_range", b);
    }
    if let Some((score, vector)) = cvss {
        f = f.with_property("cvss_score", f64::from(score));
        if let Some(v) = vector {
            f = f.with_property("cvss_vector", v);
        }
    }
    let mut seen = HashSet::new();
    for a in &g.advisories {
        if seen.insert(a.url()) {
            f = f.with_reference(a.url());
        }
    }
    for r in primary.references.iter().take(3) {
        if seen.insert(r.clone()) {
            f = f.with_reference(r.clone());
        }
    }
    f
}

pub fn scope_str(s: DependencyScope) -> &'static str {
    match s {
        DependencyScope::Runtime => "runtime",
        DependencyScope::Dev => "dev",
        DependencyScope::Optional => "optional",
        DependencyScope::Peer => "peer",
    }
}

/// The monitoring hook: re-matches a stored inventory against a (freshly updated) database.
/// Findings point at the file each component was found in. Components that appear twice
/// (same ecosystem, name, version and file) are matched once.
pub fn rematch(components: &[Component], db: &VulnDb) -> Vec<Finding> {
    let mut seen: HashSet<(Ecosystem, &str, Option<&str>, &str)> = HashSet::new();
    let mut out = Vec::new();
    for c in components {
        if !seen.insert((
            c.ecosystem,
            c.name.as_str(),
            c.version.as_deref(),
            c.found_in.as_str(),
        )) {
            continue;
        }
        for g in match_component(c, db, &[]) {
            out.push(vuln_finding(c, &g, Location::file(c.found_in.clone())));
        }
    }
    out
}

/// What changed between two match results of the same inventory.
#[derive(Debug, Clone, Default)]
pub struct MatchDiff {
    /// In `after` only: newly published (or newly matching) advisories.
    pub new: Vec<Finding>,
    /// In `before` only: advisories withdrawn, or the package fixed.
    pub resolved: Vec<Finding>,
    /// In both (taken from `after`, so severities reflect the new data).
    pub unchanged: Vec<Finding>,
}

/// Compares two results by (rule, file, identity key) — the same identity fingerprints use.
pub fn diff(before: &[Finding], after: &[Finding]) -> MatchDiff {
    let key = |f: &Finding| (f.rule_id.clone(), f.location.path.clone(), f.identity_key());
    let before_keys: HashSet<_> = before.iter().map(key).collect();
    let after_keys: HashSet<_> = after.iter().map(key).collect();
    MatchDiff {
        new: after
            .iter()
            .filter(|f| !before_keys.contains(&key(f)))
            .cloned()
            .collect(),
        resolved: before
            .iter()
            .filter(|f| !after_keys.contains(&key(f)))
            .cloned()
            .collect(),
        unchanged: after
            .iter()
            .filter(|f| before_keys.contains(&key(f)))
            .cloned()
            .collect(),
    }
}
