//! Safe ingestion of untrusted extension packages.
//!
//! `portcullis-ingest` turns what a user names — a working directory, an npm tarball as
//! `npm pack` makes it, a plain `.tar` or a `.zip` — into an in-memory
//! [`Package`](portcullis_core::Package) of classified files. Archives are detected by magic
//! bytes and unpacked in memory only, under [`Limits`] that bound entries, sizes, compression
//! ratio and path shape; hostile constructs (path escapes, links out of the root, device
//! files, duplicate names, bombs) are refused with an [`IngestError`] that names the input, the
//! entry and the limit. Every file of an archive is kept — an extension must not hide a file
//! from review with `.npmignore` — while a directory walk honours `.gitignore` like ripgrep.
//!
//! ```no_run
//! let limits = portcullis_ingest::Limits::default();
//! let (package, notices) =
//!     portcullis_ingest::load_with_notices("n8n-nodes-foo-1.0.0.tgz".as_ref(), &limits)?;
//! # Ok::<(), portcullis_ingest::IngestError>(())
//! ```

mod archive;
mod classify;
mod dir;
mod error;
mod limits;
mod path;
mod special;

pub use archive::{Format, detect};
pub use classify::classify;
pub use dir::directory_hash;
pub use error::IngestError;
pub use limits::{Limit, Limits};
pub use portcullis_core::{Notice, NoticeLevel};

use portcullis_core::Package;
use std::io::Read;
use std::path::Path;

/// Loads a directory or archive into a [`Package`], discarding notices.
pub fn load(path: &Path, limits: &Limits) -> Result<Package, IngestError> {
    load_with_notices(path, limits).map(|(p, _)| p)
}

/// Loads a directory or archive into a [`Package`], with the notices the user should see
/// (skipped links, oversized files in a directory, unreadable entries).
pub fn load_with_notices(
    path: &Path,
    limits: &Limits,
) -> Result<(Package, Vec<Notice>), IngestError> {
    let input = path.display().to_string();
    let io = |source| IngestError::Io {
        input: input.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return dir::load_dir(path, limits);
    }
    if !meta.is_file() {
        return Err(IngestError::Unsupported {
            input,
            reason: "not a regular file or directory".to_string(),
        });
    }
    if meta.len() > limits.max_total_size {
        return Err(IngestError::Limit {
            input,
            entry: None,
            limit: Limit::TotalSize,
            what: "archive size",
            value: meta.len(),
            max: limits.max_total_size,
        });
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            f.take(limits.max_total_size.saturating_add(1))
                .read_to_end(&mut bytes)
        })
        .map_err(io)?;
    if bytes.len() as u64 > limits.max_total_size {
        return Err(IngestError::Limit {
            input,
            entry: None,
            limit: Limit::TotalSize,
            what: "archive size",
            value: bytes.len() as u64,
            max: limits.max_total_size,
        });
    }
    load_archive_bytes(&input, &bytes, limits)
}

/// Unpacks an archive already in memory (an upload to the registry, a fuzz input). `source`
/// names it in errors and in [`Package::source`](portcullis_core::Package).
pub fn load_archive_bytes(
    source: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Package, Vec<Notice>), IngestError> {
    archive::load_bytes(source, bytes, limits)
}
