//! Walking a working directory (`portcullis scan .`).
//!
//! Unlike an archive, a directory is the developer's own checkout, so the walk behaves like
//! ripgrep: `.gitignore` (and `.git/info/exclude`, and the parents' `.gitignore`) are honoured
//! even outside a git repository, `.git` and `node_modules` are skipped, hidden files are
//! *kept* (`.npmrc` and `.env` matter to a security review), and the user's global git
//! excludes are ignored so a scan means the same on every machine. Symbolic links are never
//! followed. Files over `max-file-size`, links, special files and unreadable entries are
//! skipped with a [`Notice`]; exceeding `max-entries` or `max-total-size` is an error
//! because the scan would be silently incomplete.
//!
//! Only regular files on real file systems are read. procfs, sysfs, devfs, debugfs and their
//! kin present "regular" files whose reads block (`/proc/kmsg`) or never end: directories on
//! them are not descended into and files on them are not read, each with a notice. Files are
//! opened non-blocking and re-checked on the open descriptor, so a file swapped for a FIFO
//! between the walk and the read cannot hang the scan.

use crate::classify::classify;
use crate::error::IngestError;
use crate::limits::{Limit, Limits};
use crate::special;
use portcullis_core::{Notice, NoticeLevel, Origin, Package, SourceFile};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Directory names never descended into.
const SKIP_DIRS: &[&str] = &[".git", "node_modules"];

pub fn load_dir(root: &Path, limits: &Limits) -> Result<(Package, Vec<Notice>), IngestError> {
    let input = root.display().to_string();
    let mut notices = Vec::new();
    if let Some(fs) = special::pseudo_fs_at(root) {
        return Err(IngestError::Unsupported {
            input,
            reason: format!("the directory is on a {fs} pseudo file system, not a package"),
        });
    }
    let mut files = Vec::new();
    let mut entries = 0usize;
    let mut total = 0u64;

    // Directories on pseudo file systems, pruned by the walk's filter (which cannot push notices).
    let pruned: Arc<Mutex<Vec<(String, &'static str)>>> = Arc::default();
    let root_owned = root.to_path_buf();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .ignore(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .parents(true)
        .require_git(false)
        .follow_links(false)
        // One level deeper than allowed, so what lies beyond the limit is seen and reported
        // (and not descended into) instead of silently missing.
        .max_depth(Some(limits.max_path_depth.saturating_add(1)))
        .filter_entry({
            let pruned = Arc::clone(&pruned);
            move |e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                if e.depth() > 0 && is_dir && SKIP_DIRS.iter().any(|s| e.file_name() == *s) {
                    return false;
                }
                if is_dir && let Some(fs) = special::pseudo_fs_at(e.path()) {
                    if let Ok(mut p) = pruned.lock() {
                        p.push((relative(&root_owned, e.path()), fs));
                    }
                    return false;
                }
                true
            }
        })
        .build();

    for item in walker {
        let entry = match item {
            Ok(e) => e,
            Err(err) => {
                notices.push(Notice {
                    kind: portcullis_core::NoticeKind::General,
                    level: NoticeLevel::Warning,
                    path: None,
                    message: format!("skipped an unreadable entry: {err}"),
                });
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        entries += 1;
        let rel = relative(root, entry.path());
        if entries > limits.max_entries {
            return Err(IngestError::Limit {
                input,
                entry: Some(rel),
                limit: Limit::Entries,
                what: "entry count",
                value: entries as u64,
                max: limits.max_entries as u64,
            });
        }
        if entry.depth() > limits.max_path_depth {
            notices.push(unread(
                &rel,
                "deeper than `[ingest] max-path-depth`; not scanned",
            ));
            continue;
        }
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_dir() {
            continue;
        }
        if ft.is_symlink() {
            notices.push(skip(&rel, "symbolic link not followed"));
            continue;
        }
        if !ft.is_file() {
            notices.push(skip(&rel, "not a regular file (device, FIFO or socket)"));
            continue;
        }
        if rel.len() > limits.max_path_len {
            notices.push(unread(&rel, "path longer than `[ingest] max-path-len`"));
            continue;
        }
        let path = entry.path();
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) => {
                notices.push(unread(&rel, &format!("cannot stat: {e}")));
                continue;
            }
        };
        if meta.len() > limits.max_file_size {
            notices.push(unread(
                &rel,
                &format!(
                    "file size {} exceeds `[ingest] max-file-size` = {}",
                    meta.len(),
                    limits.max_file_size
                ),
            ));
            continue;
        }
        let file = match special::open_regular(path) {
            Ok(f) => f,
            Err(special::NotRegular::Io(e)) => {
                notices.push(unread(&rel, &format!("cannot read: {e}")));
                continue;
            }
            Err(why) => {
                notices.push(skip(&rel, &why.to_string()));
                continue;
            }
        };
        let mut bytes = Vec::new();
        let read = file
            .take(limits.max_file_size.saturating_add(1))
            .read_to_end(&mut bytes);
        if let Err(e) = read {
            notices.push(unread(&rel, &format!("cannot read: {e}")));
            continue;
        }
        // The file may have grown since it was stat'ed.
        if bytes.len() as u64 > limits.max_file_size {
            notices.push(unread(
                &rel,
                "file grew past `[ingest] max-file-size` while being read",
            ));
            continue;
        }
        total = total.saturating_add(bytes.len() as u64);
        if total > limits.max_total_size {
            return Err(IngestError::Limit {
                input,
                entry: Some(rel),
                limit: Limit::TotalSize,
                what: "total size",
                value: total,
                max: limits.max_total_size,
            });
        }
        let executable = is_executable(&meta);
        let kind = classify(&rel, &bytes, executable);
        let mut sf = SourceFile::new(rel, kind, bytes);
        sf.executable = executable;
        files.push(sf);
    }

    if let Ok(mut p) = pruned.lock() {
        for (rel, fs) in p.drain(..) {
            let shown = if rel.is_empty() { ".".to_string() } else { rel };
            notices.push(skip(
                &shown,
                &format!("directory on a {fs} pseudo file system; not descended into"),
            ));
        }
    }
    let mut package = Package {
        source: input,
        origin: Origin::Directory,
        sha256: String::new(),
        files,
    };
    package.sort();
    package.sha256 = directory_hash(&package);
    Ok((package, notices))
}

/// SHA-256 over the sorted `(path, sha256(content))` list: stable across machines and walk
/// orders, and changes whenever any file's name or content changes.
pub fn directory_hash(package: &Package) -> String {
    let mut h = Sha256::new();
    for f in &package.files {
        h.update(f.path.as_bytes());
        h.update([0]);
        h.update(hex::encode(Sha256::digest(&f.bytes)).as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// A file that was skipped but is not code to analyse (a link, a special file).
fn skip(path: &str, why: &str) -> Notice {
    skip_as(path, why, portcullis_core::NoticeKind::General)
}

/// A regular file of the package that was not read: what it holds was not analysed.
fn unread(path: &str, why: &str) -> Notice {
    skip_as(path, why, portcullis_core::NoticeKind::Unanalysed)
}

fn skip_as(path: &str, why: &str, kind: portcullis_core::NoticeKind) -> Notice {
    Notice {
        kind,
        level: NoticeLevel::Warning,
        path: Some(path.to_string()),
        message: format!("skipped: {why}"),
    }
}

/// `/`-separated path relative to the root (lossy for non-UTF-8 names, which are rare in a
/// working tree and still need a printable name).
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}
