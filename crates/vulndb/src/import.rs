//! Reading OSV records from a zip export, a directory tree, or a single JSON file — bounded in
//! entry size, entry count, total bytes and directory depth, since the input may be hostile.

use crate::DbError;
use crate::model::{Advisory, Skip, from_osv};
use crate::osv::OsvRecord;
use std::io::Read;
use std::path::Path;

/// Largest single OSV record accepted (real ones are a few KB; PyPI's longest ~1 MB).
const MAX_RECORD_BYTES: u64 = 16 << 20;
/// Most entries read from one archive or directory tree.
const MAX_ENTRIES: usize = 3_000_000;
/// Most uncompressed bytes read from one source (zip-bomb guard).
const MAX_TOTAL_BYTES: u64 = 16 << 30;
const MAX_DIR_DEPTH: usize = 16;
const MAX_INVALID_EXAMPLES: usize = 5;

#[derive(Debug, Default, Clone)]
pub(crate) struct RecordStats {
    pub json_files: u64,
    pub withdrawn: u64,
    pub other_ecosystems: u64,
    pub invalid: u64,
    pub invalid_examples: Vec<String>,
}

impl RecordStats {
    fn invalid(&mut self, what: String) {
        self.invalid += 1;
        if self.invalid_examples.len() < MAX_INVALID_EXAMPLES {
            self.invalid_examples.push(what);
        }
    }
}

struct Collector<'s> {
    source: &'s str,
    stats: RecordStats,
    out: Vec<Advisory>,
    total_bytes: u64,
}

impl Collector<'_> {
    fn record(&mut self, name: &str, bytes: &[u8]) {
        self.stats.json_files += 1;
        match serde_json::from_slice::<OsvRecord>(bytes) {
            Err(e) => self.stats.invalid(format!("{name}: {e}")),
            Ok(rec) => match from_osv(rec, self.source) {
                Ok(a) => self.out.push(a),
                Err(Skip::Withdrawn) => self.stats.withdrawn += 1,
                Err(Skip::OtherEcosystem) => self.stats.other_ecosystems += 1,
            },
        }
    }

    fn count_bytes(&mut self, path: &Path, n: u64) -> Result<(), DbError> {
        self.total_bytes = self.total_bytes.saturating_add(n);
        if self.total_bytes > MAX_TOTAL_BYTES {
            return Err(DbError::Limit {
                path: path.to_path_buf(),
                reason: format!("more than {MAX_TOTAL_BYTES} uncompressed bytes"),
            });
        }
        Ok(())
    }
}

/// Reads every OSV record under `path` (zip, directory, or `.json` file).
pub(crate) fn read_path(
    path: &Path,
    source: &str,
) -> Result<(Vec<Advisory>, RecordStats), DbError> {
    let meta = std::fs::metadata(path).map_err(|e| DbError::io(path, e))?;
    let mut c = Collector {
        source,
        stats: RecordStats::default(),
        out: Vec::new(),
        total_bytes: 0,
    };
    if meta.is_dir() {
        let mut entries = 0usize;
        walk(path, path, 0, &mut entries, &mut c)?;
    } else if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        let bytes = read_bounded_file(path)?;
        match bytes {
            Some(b) => c.record(&path.display().to_string(), &b),
            None => c.stats.invalid(format!(
                "{}: larger than {MAX_RECORD_BYTES} bytes",
                path.display()
            )),
        }
    } else {
        read_zip(path, &mut c)?;
    }
    if c.stats.json_files == 0 {
        return Err(DbError::NoRecords {
            path: path.to_path_buf(),
        });
    }
    Ok((c.out, c.stats))
}

/// Reads an `all.zip`-style archive (used by both import and update).
pub(crate) fn read_zip_path(
    path: &Path,
    source: &str,
) -> Result<(Vec<Advisory>, RecordStats), DbError> {
    let mut c = Collector {
        source,
        stats: RecordStats::default(),
        out: Vec::new(),
        total_bytes: 0,
    };
    read_zip(path, &mut c)?;
    if c.stats.json_files == 0 {
        return Err(DbError::NoRecords {
            path: path.to_path_buf(),
        });
    }
    Ok((c.out, c.stats))
}

fn read_zip(path: &Path, c: &mut Collector<'_>) -> Result<(), DbError> {
    let file = std::fs::File::open(path).map_err(|e| DbError::io(path, e))?;
    let mut archive =
        zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| DbError::Zip {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    if archive.len() > MAX_ENTRIES {
        return Err(DbError::Limit {
            path: path.to_path_buf(),
            reason: format!("{} entries (limit {MAX_ENTRIES})", archive.len()),
        });
    }
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                c.stats
                    .invalid(format!("{}: entry {i}: {e}", path.display()));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("entry {i}"));
        if !name.to_ascii_lowercase().ends_with(".json") {
            continue;
        }
        if entry.size() > MAX_RECORD_BYTES {
            c.stats.json_files += 1;
            c.stats
                .invalid(format!("{name}: larger than {MAX_RECORD_BYTES} bytes"));
            continue;
        }
        buf.clear();
        // The declared size can lie; the `take` bound cannot.
        match (&mut entry)
            .take(MAX_RECORD_BYTES + 1)
            .read_to_end(&mut buf)
        {
            Ok(n) if n as u64 > MAX_RECORD_BYTES => {
                c.stats.json_files += 1;
                c.stats
                    .invalid(format!("{name}: larger than {MAX_RECORD_BYTES} bytes"));
                continue;
            }
            Ok(n) => c.count_bytes(path, n as u64)?,
            Err(e) => {
                c.stats.json_files += 1;
                c.stats.invalid(format!("{name}: {e}"));
                continue;
            }
        }
        c.record(&name, &buf);
    }
    Ok(())
}

fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    entries: &mut usize,
    c: &mut Collector<'_>,
) -> Result<(), DbError> {
    if depth > MAX_DIR_DEPTH {
        return Ok(());
    }
    let rd = std::fs::read_dir(dir).map_err(|e| DbError::io(dir, e))?;
    let mut items: Vec<_> = rd.filter_map(Result::ok).collect();
    items.sort_by_key(|e| e.file_name());
    for item in items {
        *entries += 1;
        if *entries > MAX_ENTRIES {
            return Err(DbError::Limit {
                path: root.to_path_buf(),
                reason: format!("more than {MAX_ENTRIES} entries"),
            });
        }
        // Never follow symlinks: a link could point anywhere on the machine.
        let Ok(ft) = item.file_type() else { continue };
        let p = item.path();
        if ft.is_dir() {
            walk(root, &p, depth + 1, entries, c)?;
        } else if ft.is_file()
            && p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            match read_bounded_file(&p)? {
                Some(b) => {
                    c.count_bytes(root, b.len() as u64)?;
                    c.record(&p.display().to_string(), &b);
                }
                None => {
                    c.stats.json_files += 1;
                    c.stats.invalid(format!(
                        "{}: larger than {MAX_RECORD_BYTES} bytes",
                        p.display()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The file's bytes, or `None` when it is larger than a record can be.
fn read_bounded_file(path: &Path) -> Result<Option<Vec<u8>>, DbError> {
    let f = std::fs::File::open(path).map_err(|e| DbError::io(path, e))?;
    let mut buf = Vec::new();
    f.take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| DbError::io(path, e))?;
    Ok((buf.len() as u64 <= MAX_RECORD_BYTES).then_some(buf))
}
