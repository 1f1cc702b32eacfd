//! The capability manifest: a stable JSON record of what one extension version declares and
//! does, its diff against another version, and the declared-vs-observed table.

use crate::knowledge::dependency_capabilities;
use crate::label;
use crate::matching::covers;
use portcullis_core::{
    Capability, CapabilityItem, CapabilitySet, Component, DependencyScope, Evidence, Extension,
    Platform, ScanReport,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Version of the capability-manifest JSON shape. The major part changes on breaking changes;
/// [`CapabilityManifest::from_json`] refuses other majors.
pub const CAPABILITY_MANIFEST_SCHEMA_VERSION: &str = "1.0";

/// Most rows rendered by [`render_table`] (the JSON keeps everything).
const MAX_TABLE_ROWS: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionSummary {
    pub platform: Platform,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub manifest_path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry_points: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DependencyEntry {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<String>,
    pub direct: bool,
    pub scope: DependencyScope,
}

/// What one version of an extension declares and does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapabilityManifest {
    pub schema_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<ExtensionSummary>,
    /// What was scanned (path or archive) and its SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub declared: CapabilitySet,
    /// Observed in code, plus what known dependencies bring (evidence `dependency/<name>`).
    pub observed: CapabilitySet,
    pub dependencies: Vec<DependencyEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{file}: not a capability manifest: {source}")]
    Json {
        file: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "{file}: capability manifest schema {found} is not supported (expected {CAPABILITY_MANIFEST_SCHEMA_VERSION})"
    )]
    Schema { file: String, found: String },
}

impl CapabilityManifest {
    /// Builds the manifest from a finished scan.
    pub fn from_report(report: &ScanReport) -> CapabilityManifest {
        let mut m = Self::from_parts(
            report.extension.as_ref(),
            &report.observed,
            &report.components,
        );
        m.source = Some(report.target.source.clone());
        m.sha256 = Some(report.target.sha256.clone());
        m
    }

    /// Builds the manifest from its parts (for callers without a full report).
    pub fn from_parts(
        extension: Option<&Extension>,
        observed: &CapabilitySet,
        components: &[Component],
    ) -> CapabilityManifest {
        let mut obs = observed.clone();
        obs.extend(dependency_capabilities(components));
        let deps: BTreeSet<DependencyEntry> = components
            .iter()
            .map(|c| DependencyEntry {
                name: c.name.clone(),
                version: c.version.clone(),
                requested: c.requested.clone(),
                direct: c.direct,
                scope: c.scope,
            })
            .collect();
        CapabilityManifest {
            schema_version: CAPABILITY_MANIFEST_SCHEMA_VERSION.to_string(),
            extension: extension.map(|e| ExtensionSummary {
                platform: e.platform,
                name: e.name.clone(),
                version: e.version.clone(),
                manifest_path: e.manifest_path.clone(),
                entry_points: e.entry_points.clone(),
            }),
            source: None,
            sha256: None,
            declared: extension.map(|e| e.declared.clone()).unwrap_or_default(),
            observed: obs,
            dependencies: deps.into_iter().collect(),
        }
    }

    /// Reads a saved manifest, refusing another major schema version. `file` names the input
    /// in errors.
    pub fn from_json(file: &str, text: &str) -> Result<CapabilityManifest, ManifestError> {
        let m: CapabilityManifest =
            serde_json::from_str(text).map_err(|source| ManifestError::Json {
                file: file.to_string(),
                source,
            })?;
        let major = |v: &str| v.split('.').next().unwrap_or("").to_string();
        if major(&m.schema_version) != major(CAPABILITY_MANIFEST_SCHEMA_VERSION) {
            return Err(ManifestError::Schema {
                file: file.to_string(),
                found: m.schema_version,
            });
        }
        Ok(m)
    }

    /// Pretty JSON (the stable shape).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_string())
    }

    fn platform(&self) -> Option<Platform> {
        self.extension.as_ref().map(|e| e.platform)
    }

    fn title(&self) -> String {
        match &self.extension {
            Some(e) => format!(
                "{} {}{}",
                e.platform,
                e.name,
                e.version
                    .as_ref()
                    .map(|v| format!("@{v}"))
                    .unwrap_or_default()
            ),
            None => self
                .source
                .clone()
                .unwrap_or_else(|| "(unknown)".to_string()),
        }
    }
}

/// Whether a capability is on the declared or the observed side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Declared,
    Observed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityChange {
    pub side: Side,
    /// `network-egress`, `data-scope`, `child-process`, …
    pub kind: String,
    pub label: String,
    pub capability: Capability,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyChange {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_version: Option<String>,
}

/// What changed between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityDiff {
    pub schema_version: String,
    pub old: String,
    pub new: String,
    pub added: Vec<CapabilityChange>,
    pub removed: Vec<CapabilityChange>,
    pub dependencies_added: Vec<DependencyChange>,
    pub dependencies_removed: Vec<DependencyChange>,
    pub dependencies_changed: Vec<DependencyChange>,
}

impl CapabilityDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.dependencies_added.is_empty()
            && self.dependencies_removed.is_empty()
            && self.dependencies_changed.is_empty()
    }

    /// Whether the new version can do something the old one could not (new capabilities or
    /// new dependencies): the trigger for a fuller review.
    pub fn escalates(&self) -> bool {
        !self.added.is_empty() || !self.dependencies_added.is_empty()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_string())
    }

    /// A text rendering grouped by kind: "new hosts", "new scopes", …
    pub fn render_text(&self) -> String {
        let mut s = format!("capability diff: {} -> {}\n", self.old, self.new);
        if self.is_empty() {
            s.push_str("no capability or dependency changes\n");
            return s;
        }
        for (title, changes, sign) in [("added", &self.added, '+'), ("removed", &self.removed, '-')]
        {
            let mut by_kind: BTreeMap<(&str, Side), Vec<&CapabilityChange>> = BTreeMap::new();
            for c in changes {
                by_kind
                    .entry((c.kind.as_str(), c.side))
                    .or_default()
                    .push(c);
            }
            for ((kind, side), items) in by_kind {
                let side = match side {
                    Side::Declared => "declared",
                    Side::Observed => "observed",
                };
                let _ = writeln!(s, "\n{title} {side} {}:", plural(kind));
                for c in items {
                    let where_ = c
                        .evidence
                        .first()
                        .map(|e| match e.line {
                            Some(l) => format!("  ({}:{l})", e.path),
                            None => format!("  ({})", e.path),
                        })
                        .unwrap_or_default();
                    let _ = writeln!(s, "  {sign} {}{where_}", c.label);
                }
            }
        }
        let deps = [
            ("new dependencies", &self.dependencies_added, '+'),
            ("removed dependencies", &self.dependencies_removed, '-'),
            ("changed dependencies", &self.dependencies_changed, '~'),
        ];
        for (title, list, sign) in deps {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(s, "\n{title}:");
            for d in list {
                let v = |o: &Option<String>| o.clone().unwrap_or_else(|| "?".to_string());
                let line = match sign {
                    '+' => format!("{}@{}", d.name, v(&d.new_version)),
                    '-' => format!("{}@{}", d.name, v(&d.old_version)),
                    _ => format!("{} {} -> {}", d.name, v(&d.old_version), v(&d.new_version)),
                };
                let _ = writeln!(s, "  {sign} {line}");
            }
        }
        s
    }
}

fn plural(kind: &str) -> String {
    match kind {
        "network-egress" => "hosts".to_string(),
        "data-scope" => "scopes".to_string(),
        "credential" => "credentials".to_string(),
        "child-process" => "processes".to_string(),
        "ingress" => "ingress points".to_string(),
        "native-module" => "native modules".to_string(),
        "file-system" => "file-system access".to_string(),
        "environment" => "environment variables".to_string(),
        "dynamic-code" => "dynamic code".to_string(),
        "ui-surface" => "UI surfaces".to_string(),
        other => other.to_string(),
    }
}

/// Capabilities in `a` that are not in `b`, on one side.
fn minus(a: &CapabilitySet, b: &CapabilitySet, side: Side) -> Vec<CapabilityChange> {
    a.iter()
        .filter(|i| !b.contains(&i.capability))
        .map(|i| CapabilityChange {
            side,
            kind: i.capability.kind().to_string(),
            label: label(&i.capability),
            capability: i.capability.clone(),
            evidence: i.evidence.iter().take(3).cloned().collect(),
        })
        .collect()
}

/// Compares two versions' manifests.
pub fn diff(old: &CapabilityManifest, new: &CapabilityManifest) -> CapabilityDiff {
    let mut added = minus(&new.declared, &old.declared, Side::Declared);
    added.extend(minus(&new.observed, &old.observed, Side::Observed));
    let mut removed = minus(&old.declared, &new.declared, Side::Declared);
    removed.extend(minus(&old.observed, &new.observed, Side::Observed));

    let versions = |m: &CapabilityManifest| -> BTreeMap<String, BTreeSet<Option<String>>> {
        let mut map: BTreeMap<String, BTreeSet<Option<String>>> = BTreeMap::new();
        for d in &m.dependencies {
            map.entry(d.name.clone())
                .or_default()
                .insert(d.version.clone().or_else(|| d.requested.clone()));
        }
        map
    };
    let (ov, nv) = (versions(old), versions(new));
    let first = |s: &BTreeSet<Option<String>>| s.iter().flatten().next().cloned();
    let mut dependencies_added = Vec::new();
    let mut dependencies_removed = Vec::new();
    let mut dependencies_changed = Vec::new();
    for (name, nvs) in &nv {
        match ov.get(name) {
            None => dependencies_added.push(DependencyChange {
                name: name.clone(),
                old_version: None,
                new_version: first(nvs),
            }),
            Some(ovs) if ovs != nvs => dependencies_changed.push(DependencyChange {
                name: name.clone(),
                old_version: first(ovs),
                new_version: first(nvs),
            }),
            Some(_) => {}
        }
    }
    for (name, ovs) in &ov {
        if !nv.contains_key(name) {
            dependencies_removed.push(DependencyChange {
                name: name.clone(),
                old_version: first(ovs),
                new_version: None,
            });
        }
    }
    CapabilityDiff {
        schema_version: CAPABILITY_MANIFEST_SCHEMA_VERSION.to_string(),
        old: old.title(),
        new: new.title(),
        added,
        removed,
        dependencies_added,
        dependencies_removed,
        dependencies_changed,
    }
}

/// Status of one table row.
fn status_rows(m: &CapabilityManifest) -> Vec<(String, String, &'static str, String)> {
    let platform = m.platform();
    let mut rows = Vec::new();
    let ev = |i: &CapabilityItem| {
        i.evidence
            .first()
            .map(|e| match e.line {
                Some(l) => format!("{}:{l}", e.path),
                None => e.path.clone(),
            })
            .unwrap_or_default()
    };
    let observed = crate::check::shipped_only(&m.observed);
    for d in m.declared.iter() {
        let used = observed
            .iter()
            .any(|o| covers(platform, &d.capability, &o.capability));
        let status = if used {
            "declared+used"
        } else if crate::check::unused_checkable(platform, d, &observed) {
            "declared-unused"
        } else {
            // Platform-wired (a base URL, a credential, a trigger): code analysis cannot
            // tell whether it is used.
            "declared"
        };
        rows.push((
            d.capability.kind().to_string(),
            label(&d.capability),
            status,
            ev(d),
        ));
    }
    for o in observed.iter() {
        let covered = m
            .declared
            .iter()
            .any(|d| covers(platform, &d.capability, &o.capability));
        if !covered {
            rows.push((
                o.capability.kind().to_string(),
                label(&o.capability),
                "undeclared",
                ev(o),
            ));
        }
    }
    rows.sort();
    rows
}

/// The declared-vs-observed table: one row per capability with its status and first evidence.
///
/// Status: `declared+used` (some observed behaviour is covered by it), `declared-unused` (an
/// explicit permission nothing uses), `declared` (platform-wired, usage not observable from
/// code), `undeclared` (observed in shipped code, no declaration covers it). Items seen only in
/// tests, examples and docs are left out.
pub fn render_table(m: &CapabilityManifest) -> String {
    let rows = status_rows(m);
    let header = ("KIND", "CAPABILITY", "STATUS", "EVIDENCE");
    let clip = |s: &str, n: usize| -> String {
        if s.chars().count() > n {
            let mut c: String = s.chars().take(n.saturating_sub(1)).collect();
            c.push('…');
            c
        } else {
            s.to_string()
        }
    };
    let shown: Vec<_> = rows
        .iter()
        .take(MAX_TABLE_ROWS)
        .map(|(k, l, s, e)| (clip(k, 16), clip(l, 72), *s, clip(e, 60)))
        .collect();
    let w0 = shown
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(header.0.len());
    let w1 = shown
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .max(header.1.len());
    let w2 = shown
        .iter()
        .map(|r| r.2.len())
        .max()
        .unwrap_or(0)
        .max(header.2.len());
    let mut s = format!("capabilities of {}\n", m.title());
    let _ = writeln!(
        s,
        "{:w0$}  {:w1$}  {:w2$}  {}",
        header.0, header.1, header.2, header.3
    );
    for (k, l, st, e) in &shown {
        let _ = writeln!(s, "{k:w0$}  {l:w1$}  {st:w2$}  {e}");
    }
    if rows.len() > MAX_TABLE_ROWS {
        let _ = writeln!(
            s,
            "… {} more rows (use --format json)",
            rows.len() - MAX_TABLE_ROWS
        );
    }
    if rows.is_empty() {
        s.push_str("(no capabilities declared or observed)\n");
    }
    let count = |st: &str| rows.iter().filter(|r| r.2 == st).count();
    let _ = writeln!(
        s,
        "\n{} declared+used, {} declared-unused, {} declared (platform-wired), {} undeclared",
        count("declared+used"),
        count("declared-unused"),
        count("declared"),
        count("undeclared")
    );
    s
}
