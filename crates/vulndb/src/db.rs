//! The on-disk snapshot, its metadata, and the in-memory index.

use crate::DbError;
use crate::import::{self, RecordStats};
use crate::model::{Advisory, AffectedPackage, normalize_name};
use crate::time::{now_unix, rfc3339};
use crate::version::{Event, Version, listed, parse_version};
use portcullis_core::Ecosystem;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The snapshot file inside the database directory.
pub const DB_FILE_NAME: &str = "osv-index.bin";
/// File magic + format version. Bump the last byte when the stored types change.
const MAGIC: &[u8; 8] = b"PCVDB\x00\x00\x01";
const FORMAT: u32 = 1;
/// A snapshot larger than this is not ours (the full npm + PyPI export is ~100 MB).
const MAX_DB_BYTES: u64 = 2 << 30;

/// How a source got into the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// `portcullis db import FILE|DIR`
    Import,
    /// `portcullis db update` (downloaded `all.zip`)
    Download,
}

/// One import or download that contributed records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Stable key: `osv:<Ecosystem>` for downloads, `import:<absolute path>` for imports.
    /// Re-importing the same source replaces its records (so withdrawn-upstream records go).
    pub name: String,
    /// The file, directory or URL read.
    pub location: String,
    pub kind: SourceKind,
    /// Unix seconds.
    pub imported_at: u64,
    /// Advisories stored from this source.
    pub advisories: u64,
    /// Records skipped: withdrawn.
    pub withdrawn: u64,
    /// Records skipped: no npm/PyPI package.
    pub other_ecosystems: u64,
    /// Files that were not valid OSV JSON (or too large).
    pub invalid: u64,
}

/// Database metadata: what `portcullis db status` prints and reports record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbMeta {
    pub format: u32,
    /// Unix seconds of the last successful import or update.
    pub updated_at: u64,
    pub sources: Vec<SourceInfo>,
    pub advisories: u64,
    /// Distinct (ecosystem, package) keys with at least one advisory.
    pub packages: u64,
    pub malicious: u64,
}

impl DbMeta {
    fn empty() -> DbMeta {
        DbMeta {
            format: FORMAT,
            updated_at: 0,
            sources: Vec::new(),
            advisories: 0,
            packages: 0,
            malicious: 0,
        }
    }

    /// The last update as RFC 3339 UTC (`2026-11-29T04:16:59Z`).
    pub fn updated_at_rfc3339(&self) -> String {
        rfc3339(self.updated_at)
    }

    /// Age of the data in whole days, now.
    pub fn age_days(&self) -> u64 {
        now_unix().saturating_sub(self.updated_at) / 86_400
    }

    /// Whether the data is older than `max_age_days` (0 disables the check).
    pub fn is_stale(&self, max_age_days: u32) -> bool {
        max_age_days > 0 && self.age_days() > u64::from(max_age_days)
    }
}

/// What one import or update did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub sources: Vec<SourceInfo>,
    /// Advisories in the database afterwards.
    pub total_advisories: u64,
    /// Up to a few examples of invalid files, with the reason, for the user.
    pub invalid_examples: Vec<String>,
}

/// The loaded database: advisories plus a per-package index.
#[derive(Debug, Clone)]
pub struct VulnDb {
    dir: PathBuf,
    meta: DbMeta,
    advisories: Vec<Advisory>,
    index: HashMap<(Ecosystem, String), Vec<u32>>,
}

impl VulnDb {
    /// Where the database lives by default: `$PORTCULLIS_DB_DIR`, else
    /// `$XDG_CACHE_HOME/portcullis/db`, else `~/.cache/portcullis/db`.
    pub fn default_dir() -> Option<PathBuf> {
        default_dir_from(|k| std::env::var_os(k).map(PathBuf::from))
    }

    /// Opens the database in `dir`. [`DbError::Missing`] when none was ever imported there.
    pub fn open(dir: &Path) -> Result<VulnDb, DbError> {
        let path = dir.join(DB_FILE_NAME);
        let meta = std::fs::metadata(&path);
        match meta {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(DbError::Missing {
                    dir: dir.to_path_buf(),
                });
            }
            Err(e) => return Err(DbError::io(&path, e)),
            Ok(m) if m.len() > MAX_DB_BYTES => {
                return Err(DbError::Corrupt {
                    path,
                    reason: format!("{} bytes is larger than any real database", m.len()),
                });
            }
            Ok(_) => {}
        }
        let bytes = std::fs::read(&path).map_err(|e| DbError::io(&path, e))?;
        let (meta, advisories) = decode(&bytes).map_err(|reason| DbError::Corrupt {
            path: path.clone(),
            reason,
        })?;
        let mut db = VulnDb {
            dir: dir.to_path_buf(),
            meta,
            advisories,
            index: HashMap::new(),
        };
        db.rebuild_index();
        Ok(db)
    }

    /// Like [`VulnDb::open`], but an absent database is an empty one (for import/update).
    pub fn open_or_empty(dir: &Path) -> Result<VulnDb, DbError> {
        match VulnDb::open(dir) {
            Err(DbError::Missing { .. }) => Ok(VulnDb::empty(dir)),
            other => other,
        }
    }

    /// Reads only the metadata (for `db status`): the advisories are not decoded.
    pub fn read_meta(dir: &Path) -> Result<DbMeta, DbError> {
        let path = dir.join(DB_FILE_NAME);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(DbError::Missing {
                    dir: dir.to_path_buf(),
                });
            }
            Err(e) => return Err(DbError::io(&path, e)),
        };
        let corrupt = |reason: String| DbError::Corrupt {
            path: path.clone(),
            reason,
        };
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| corrupt("unknown file format or version".into()))?;
        let (meta, _): (DbMeta, _) =
            postcard::take_from_bytes(rest).map_err(|e| corrupt(format!("metadata: {e}")))?;
        Ok(meta)
    }

    /// An empty database that will be stored in `dir`.
    pub fn empty(dir: &Path) -> VulnDb {
        VulnDb {
            dir: dir.to_path_buf(),
            meta: DbMeta::empty(),
            advisories: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Builds an in-memory database from advisories (tests, and callers that hold records).
    pub fn from_advisories(dir: &Path, advisories: Vec<Advisory>) -> VulnDb {
        let mut db = VulnDb::empty(dir);
        db.advisories = advisories;
        db.meta.updated_at = now_unix();
        db.rebuild_index();
        db
    }

    /// Overrides the recorded update time (for mirrored snapshots whose data is older than
    /// the import, and for tests of staleness warnings). Not persisted until the next save.
    pub fn set_updated_at(&mut self, unix_secs: u64) {
        self.meta.updated_at = unix_secs;
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn meta(&self) -> &DbMeta {
        &self.meta
    }

    /// The last import/update time (Unix seconds).
    pub fn updated_at(&self) -> u64 {
        self.meta.updated_at
    }

    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    pub fn len(&self) -> usize {
        self.advisories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.advisories.is_empty()
    }

    /// Imports an OSV `all.zip`, a directory of OSV JSON files (searched recursively), or one
    /// OSV JSON file, replacing whatever an earlier import of the same path contributed, and
    /// saves the database atomically.
    pub fn import(&mut self, path: &Path) -> Result<ImportSummary, DbError> {
        let abs = std::fs::canonicalize(path).map_err(|e| DbError::io(path, e))?;
        let name = format!("import:{}", abs.display());
        let (advisories, stats) = import::read_path(&abs, &name)?;
        let info = source_info(
            &name,
            &abs.display().to_string(),
            SourceKind::Import,
            &stats,
            advisories.len(),
        );
        self.replace_source(info.clone(), advisories);
        self.save()?;
        Ok(ImportSummary {
            sources: vec![info],
            total_advisories: self.advisories.len() as u64,
            invalid_examples: stats.invalid_examples,
        })
    }

    /// Downloads `<base_url>/<Ecosystem>/all.zip` for each ecosystem and replaces those
    /// sources. All downloads must succeed before anything is written: a failed update leaves
    /// the previous database untouched.
    pub fn update(
        &mut self,
        base_url: &str,
        ecosystems: &[&str],
    ) -> Result<ImportSummary, DbError> {
        let fetched = crate::update::download_all(&self.dir, base_url, ecosystems)?;
        let mut infos = Vec::new();
        let mut examples = Vec::new();
        for f in fetched {
            let info = source_info(
                &f.name,
                &f.url,
                SourceKind::Download,
                &f.stats,
                f.advisories.len(),
            );
            self.replace_source(info.clone(), f.advisories);
            infos.push(info);
            examples.extend(f.stats.invalid_examples);
        }
        self.save()?;
        Ok(ImportSummary {
            sources: infos,
            total_advisories: self.advisories.len() as u64,
            invalid_examples: examples,
        })
    }

    /// Advisories listing `name` in `ecosystem` (any version).
    pub fn advisories_for(
        &self,
        ecosystem: Ecosystem,
        name: &str,
    ) -> impl Iterator<Item = &Advisory> {
        self.index
            .get(&(ecosystem, normalize_name(ecosystem, name)))
            .into_iter()
            .flatten()
            .filter_map(|&i| self.advisories.get(i as usize))
    }

    /// Advisories that affect `name@version` in `ecosystem`.
    pub fn query(&self, ecosystem: Ecosystem, name: &str, version: &str) -> Vec<&Advisory> {
        let key = normalize_name(ecosystem, name);
        let parsed = parse_version(ecosystem, version);
        self.advisories_for(ecosystem, &key)
            .filter(|a| {
                a.affected
                    .iter()
                    .filter(|p| p.ecosystem == ecosystem && p.name == key)
                    .any(|p| affects(p, version, parsed.as_ref()))
            })
            .collect()
    }

    fn replace_source(&mut self, mut info: SourceInfo, new: Vec<Advisory>) {
        // Later records with the same id win inside one source.
        let mut by_id: HashMap<String, Advisory> = HashMap::with_capacity(new.len());
        for a in new {
            by_id.insert(a.id.clone(), a);
        }
        let ids: HashSet<&str> = by_id.keys().map(String::as_str).collect();
        self.advisories
            .retain(|a| a.source != info.name && !ids.contains(a.id.as_str()));
        let mut new: Vec<Advisory> = by_id.into_values().collect();
        new.sort_by(|a, b| a.id.cmp(&b.id));
        info.advisories = new.len() as u64;
        self.advisories.extend(new);
        self.meta.sources.retain(|s| s.name != info.name);
        self.meta.sources.push(info);
        self.meta.updated_at = now_unix();
        self.rebuild_index();
    }

    fn rebuild_index(&mut self) {
        let mut index: HashMap<(Ecosystem, String), Vec<u32>> = HashMap::new();
        let mut malicious = 0;
        for (i, a) in self.advisories.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            malicious += u64::from(a.malicious);
            let mut seen: Vec<(Ecosystem, &str)> = Vec::new();
            for p in &a.affected {
                if seen.contains(&(p.ecosystem, p.name.as_str())) {
                    continue;
                }
                seen.push((p.ecosystem, p.name.as_str()));
                index
                    .entry((p.ecosystem, p.name.clone()))
                    .or_default()
                    .push(i);
            }
        }
        self.meta.advisories = self.advisories.len() as u64;
        self.meta.packages = index.len() as u64;
        self.meta.malicious = malicious;
        self.index = index;
    }

    /// Writes the snapshot to a temp file in the same directory, syncs it, and renames it over
    /// the old one.
    fn save(&self) -> Result<(), DbError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| DbError::io(&self.dir, e))?;
        let path = self.dir.join(DB_FILE_NAME);
        let bytes = encode(&self.meta, &self.advisories).map_err(|reason| DbError::Corrupt {
            path: path.clone(),
            reason,
        })?;
        let mut tmp =
            tempfile::NamedTempFile::new_in(&self.dir).map_err(|e| DbError::io(&self.dir, e))?;
        tmp.write_all(&bytes)
            .map_err(|e| DbError::io(tmp.path(), e))?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| DbError::io(tmp.path(), e))?;
        tmp.persist(&path)
            .map_err(|e| DbError::io(&path, e.error))?;
        Ok(())
    }
}

/// Whether `p` (an affected entry for the package) covers `version`.
///
/// A version string that does not parse (a git URL, a tag) can only match an explicit
/// `versions` entry — or a range that covers *every* version (`introduced: "0"` and nothing
/// else, the shape of malicious-package records), since then the version does not matter.
pub fn affects(p: &AffectedPackage, version: &str, parsed: Option<&Version>) -> bool {
    if listed(p.ecosystem, &p.versions, version, parsed) {
        return true;
    }
    match parsed {
        Some(v) => p.ranges.iter().any(|r| r.contains(p.ecosystem, v)),
        None => p.ranges.iter().any(|r| {
            !r.events.is_empty()
                && r.events
                    .iter()
                    .all(|e| matches!(e, Event::Introduced(s) if s.trim() == "0"))
        }),
    }
}

/// The smallest version above `installed` that none of `affected` covers, chosen among the
/// `fixed` versions the advisories name. `None` when no advisory names a fix that clears all
/// of them (e.g. only `last_affected` is known, or the package is malicious in every version).
pub fn smallest_fix(
    ecosystem: Ecosystem,
    installed: &str,
    affected: &[&AffectedPackage],
) -> Option<String> {
    let current = parse_version(ecosystem, installed)?;
    let mut candidates: Vec<(Version, &str)> = affected
        .iter()
        .flat_map(|p| p.ranges.iter())
        .flat_map(|r| r.fixed())
        .filter_map(|s| parse_version(ecosystem, s).map(|v| (v, s)))
        .filter(|(v, _)| *v > current)
        .collect();
    candidates.sort_by(|a, b| a.0.cmp(&b.0));
    candidates.dedup_by(|a, b| a.0 == b.0);
    candidates
        .into_iter()
        .find(|(v, s)| !affected.iter().any(|p| affects(p, s, Some(v))))
        .map(|(_, s)| s.trim().to_string())
}

fn source_info(
    name: &str,
    location: &str,
    kind: SourceKind,
    stats: &RecordStats,
    stored: usize,
) -> SourceInfo {
    SourceInfo {
        name: name.to_string(),
        location: location.to_string(),
        kind,
        imported_at: now_unix(),
        advisories: stored as u64,
        withdrawn: stats.withdrawn,
        other_ecosystems: stats.other_ecosystems,
        invalid: stats.invalid,
    }
}

/// Resolves the default directory from an environment lookup (injectable for tests).
pub(crate) fn default_dir_from(env: impl Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
    let set = |k: &str| env(k).filter(|p| !p.as_os_str().is_empty());
    if let Some(d) = set("PORTCULLIS_DB_DIR") {
        return Some(d);
    }
    // The XDG spec says relative values are invalid and must be ignored.
    if let Some(x) = set("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
        return Some(x.join("portcullis").join("db"));
    }
    set("HOME").map(|h| h.join(".cache").join("portcullis").join("db"))
}

fn encode(meta: &DbMeta, advisories: &[Advisory]) -> Result<Vec<u8>, String> {
    let mut out = MAGIC.to_vec();
    out = postcard::to_extend(meta, out).map_err(|e| e.to_string())?;
    out = postcard::to_extend(advisories, out).map_err(|e| e.to_string())?;
    Ok(out)
}

fn decode(bytes: &[u8]) -> Result<(DbMeta, Vec<Advisory>), String> {
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| "unknown file format or version".to_string())?;
    let (meta, rest): (DbMeta, _) =
        postcard::take_from_bytes(rest).map_err(|e| format!("metadata: {e}"))?;
    if meta.format != FORMAT {
        return Err(format!(
            "format {} (this build reads {FORMAT})",
            meta.format
        ));
    }
    let (advisories, rest): (Vec<Advisory>, _) =
        postcard::take_from_bytes(rest).map_err(|e| format!("advisories: {e}"))?;
    if !rest.is_empty() {
        return Err(format!("{} trailing bytes", rest.len()));
    }
    Ok((meta, advisories))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_dir_precedence() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| PathBuf::from(v))
            }
        };
        assert_eq!(
            default_dir_from(env(&[
                ("PORTCULLIS_DB_DIR", "/srv/db"),
                ("HOME", "/home/u")
            ])),
            Some(PathBuf::from("/srv/db"))
        );
        assert_eq!(
            default_dir_from(env(&[("XDG_CACHE_HOME", "/c"), ("HOME", "/home/u")])),
            Some(PathBuf::from("/c/portcullis/db"))
        );
        // Relative XDG values are ignored, empty values too.
        assert_eq!(
            default_dir_from(env(&[
                ("XDG_CACHE_HOME", "rel"),
                ("PORTCULLIS_DB_DIR", ""),
                ("HOME", "/home/u")
            ])),
            Some(PathBuf::from("/home/u/.cache/portcullis/db"))
        );
        assert_eq!(default_dir_from(env(&[])), None);
    }

    #[test]
    fn snapshot_round_trips_and_rejects_garbage() {
        let meta = DbMeta::empty();
        let bytes = encode(&meta, &[]).unwrap();
        let (m, a) = decode(&bytes).unwrap();
        assert_eq!(m, meta);
        assert!(a.is_empty());
        assert!(decode(b"not a db").unwrap_err().contains("format"));
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode(&extra).unwrap_err().contains("trailing"));
    }
}
