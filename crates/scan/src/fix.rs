//! `scan --fix`: applies the mechanical fixes findings carry to a working directory.
//!
//! Only active findings' fixes are applied (a suppressed finding is a decision not to fix).
//! Every replacement is checked before anything is written: its path must be a relative path
//! inside the scanned directory (no `..`, no symlink out), its byte range must lie on
//! character boundaries of the file as it is now, and replacements of one file must not
//! overlap. A replacement that fails a check is skipped with the reason; the rest of that
//! file's replacements still apply. Archives are never changed.

use portcullis_core::{Finding, Replacement};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Largest file `--fix` rewrites.
pub const MAX_FIX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    /// `--fix` was given an archive or a single file.
    #[error(
        "--fix changes files in place: {} is not a directory (unpack the archive and scan the directory)",
        .0.display()
    )]
    NotADirectory(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One file's fixed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFix {
    /// Package-relative path.
    pub path: String,
    pub before: String,
    pub after: String,
    /// Replacements applied.
    pub applied: usize,
}

/// What `--fix` would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixPlan {
    pub files: Vec<FileFix>,
    /// Replacements not applied, with why.
    pub skipped: Vec<String>,
}

impl FixPlan {
    pub fn applied(&self) -> usize {
        self.files.iter().map(|f| f.applied).sum()
    }

    /// A unified diff of every changed file (`a/path` → `b/path`).
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            let d = similar::TextDiff::from_lines(&f.before, &f.after);
            out.push_str(
                &d.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{}", f.path), &format!("b/{}", f.path))
                    .to_string(),
            );
        }
        out
    }

    /// Writes every changed file (through a temporary file and a rename, so a failed write
    /// never leaves half a file).
    pub fn apply(&self, root: &Path) -> Result<(), FixError> {
        for f in &self.files {
            let path = root.join(&f.path);
            let tmp = path.with_extension("portcullis-fix.tmp");
            let write = || -> std::io::Result<()> {
                std::fs::write(&tmp, &f.after)?;
                std::fs::rename(&tmp, &path)
            };
            if let Err(source) = write() {
                let _ = std::fs::remove_file(&tmp);
                return Err(FixError::Write { path, source });
            }
        }
        Ok(())
    }
}

/// Plans the fixes of `findings` against the files under `root` as they are now.
pub fn plan(root: &Path, findings: &[Finding]) -> Result<FixPlan, FixError> {
    if !root.is_dir() {
        return Err(FixError::NotADirectory(root.to_path_buf()));
    }
    let root_real = root.canonicalize().map_err(|source| FixError::Read {
        path: root.to_path_buf(),
        source,
    })?;
    let mut by_file: BTreeMap<&str, Vec<&Replacement>> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.is_active()) {
        if let Some(fix) = &f.fix {
            for r in &fix.replacements {
                by_file.entry(r.path.as_str()).or_default().push(r);
            }
        }
    }
    let mut plan = FixPlan::default();
    for (rel, mut reps) in by_file {
        let Some(path) = inside(&root_real, rel) else {
            plan.skipped.push(format!(
                "{rel}: not a file inside the scanned directory; {} fix(es) skipped",
                reps.len()
            ));
            continue;
        };
        let meta = std::fs::metadata(&path).map_err(|source| FixError::Read {
            path: path.clone(),
            source,
        })?;
        if meta.len() > MAX_FIX_FILE_BYTES {
            plan.skipped.push(format!(
                "{rel}: larger than {MAX_FIX_FILE_BYTES} bytes; not rewritten"
            ));
            continue;
        }
        let before = std::fs::read_to_string(&path).map_err(|source| FixError::Read {
            path: path.clone(),
            source,
        })?;
        reps.sort_by_key(|r| (r.start, r.end));
        reps.dedup();
        let mut after = String::with_capacity(before.len());
        let mut cursor = 0usize;
        let mut applied = 0usize;
        for r in reps {
            let valid = r.start <= r.end
                && r.end <= before.len()
                && before.is_char_boundary(r.start)
                && before.is_char_boundary(r.end);
            if !valid {
                plan.skipped.push(format!(
                    "{rel}: bytes {}..{} are not a range of the file as it is now (changed since the scan?)",
                    r.start, r.end
                ));
                continue;
            }
            if r.start < cursor {
                plan.skipped.push(format!(
                    "{rel}: bytes {}..{} overlap another fix; apply it in a second run",
                    r.start, r.end
                ));
                continue;
            }
            after.push_str(&before[cursor..r.start]);
            after.push_str(&r.text);
            cursor = r.end;
            applied += 1;
        }
        after.push_str(&before[cursor..]);
        if applied > 0 && after != before {
            plan.files.push(FileFix {
                path: rel.to_string(),
                before,
                after,
                applied,
            });
        }
    }
    Ok(plan)
}

/// `root/rel` when `rel` is a plain relative path that resolves (symlinks followed) to a
/// regular file under `root`.
fn inside(root: &Path, rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    if rel.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let real = root.join(p).canonicalize().ok()?;
    (real.starts_with(root) && real.is_file()).then_some(real)
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::{Category, Fix, Location, Severity};

    fn finding_with(reps: Vec<Replacement>) -> Finding {
        Finding::new(
            "js/insecure-random",
            Category::Code,
            Severity::Medium,
            "Math.random() used for a token",
            Location::file("src/token.js"),
        )
        .with_fix(Fix {
            description: "use crypto.randomUUID()".into(),
            replacements: reps,
        })
    }

    fn rep(path: &str, start: usize, end: usize, text: &str) -> Replacement {
        Replacement {
            path: path.into(),
            start,
            end,
            text: text.into(),
        }
    }

    const SRC: &str = "const id = Math.random().toString(36);\nmodule.exports = id;\n";

    fn dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("src")).unwrap();
        std::fs::write(d.path().join("src/token.js"), SRC).unwrap();
        d
    }

    #[test]
    fn applies_fixes_and_shows_a_unified_diff() {
        let d = dir();
        let start = SRC.find("Math.random().toString(36)").unwrap();
        let end = start + "Math.random().toString(36)".len();
        let f = finding_with(vec![rep("src/token.js", start, end, "crypto.randomUUID()")]);
        let plan = plan(d.path(), &[f]).unwrap();
        assert_eq!(plan.applied(), 1);
        assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
        let diff = plan.diff();
        assert!(diff.contains("--- a/src/token.js"), "{diff}");
        assert!(
            diff.contains("-const id = Math.random().toString(36);"),
            "{diff}"
        );
        assert!(diff.contains("+const id = crypto.randomUUID();"), "{diff}");
        // Planning changes nothing; applying does.
        assert_eq!(
            std::fs::read_to_string(d.path().join("src/token.js")).unwrap(),
            SRC
        );
        plan.apply(d.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(d.path().join("src/token.js")).unwrap(),
            "const id = crypto.randomUUID();\nmodule.exports = id;\n"
        );
    }

    #[test]
    fn refuses_archives_and_paths_outside_the_directory() {
        let d = dir();
        let archive = d.path().join("pkg.tgz");
        std::fs::write(&archive, b"\x1f\x8b").unwrap();
        let err = plan(&archive, &[]).unwrap_err();
        assert!(matches!(err, FixError::NotADirectory(_)));
        assert!(err.to_string().contains("unpack the archive"), "{err}");

        let outside = finding_with(vec![
            rep("../escape.js", 0, 0, "x"),
            rep("/etc/passwd", 0, 0, "x"),
            rep("src/../../x.js", 0, 0, "x"),
        ]);
        let plan = plan(d.path(), &[outside]).unwrap();
        assert_eq!(plan.applied(), 0);
        assert_eq!(plan.skipped.len(), 3, "{:?}", plan.skipped);
    }

    #[test]
    fn stale_overlapping_and_suppressed_fixes_are_skipped() {
        let d = dir();
        let f = finding_with(vec![
            rep("src/token.js", 11, 22, "crypto.randomUUID"),
            rep("src/token.js", 15, 20, "overlap"),
            rep("src/token.js", 10_000, 10_001, "stale"),
        ]);
        let mut suppressed = finding_with(vec![rep("src/token.js", 0, 5, "let")]);
        suppressed.suppression = Some(portcullis_core::Suppression {
            kind: portcullis_core::SuppressionKind::Inline,
            justification: "ids are not secrets here".into(),
        });
        let plan = plan(d.path(), &[f, suppressed]).unwrap();
        assert_eq!(plan.applied(), 1);
        assert_eq!(plan.skipped.len(), 2, "{:?}", plan.skipped);
        assert!(
            plan.files[0]
                .after
                .starts_with("const id = crypto.randomUUID().toString")
        );
    }
}
