//! The offline OSV vulnerability database of Portcullis.
//!
//! OSV records (<https://ossf.github.io/osv-schema/>) for the ecosystems Portcullis scans (npm,
//! PyPI) are imported from a per-ecosystem `all.zip` export or a directory of JSON files,
//! or downloaded from an OSV-compatible bucket ([`VulnDb::update`]). They are reduced to a
//! compact [`Advisory`] form and stored as one `postcard` snapshot, written atomically (temp
//! file + rename) so a failed import or update never loses the previous database. Opening the
//! snapshot rebuilds a per-package index in memory; [`VulnDb::query`] then answers "which
//! advisories affect `name@version`" with full OSV range semantics, and [`smallest_fix`] finds
//! the lowest version that clears a set of advisories.
//!
//! ```no_run
//! # fn main() -> Result<(), portcullis_vulndb::DbError> {
//! use portcullis_vulndb::VulnDb;
//! let dir = VulnDb::default_dir().expect("no home directory");
//! let mut db = VulnDb::open_or_empty(&dir)?;
//! db.import(std::path::Path::new("npm-all.zip"))?;
//! let db = VulnDb::open(&dir)?;
//! for adv in db.query(portcullis_core::Ecosystem::Npm, "lodash", "4.17.20") {
//!     println!("{} {}", adv.id, adv.summary);
//! }
//! # Ok(()) }
//! ```

pub mod cvss;
mod db;
mod import;
pub mod model;
pub mod osv;
mod time;
mod update;
pub mod version;

pub use db::{
    DB_FILE_NAME, DbMeta, ImportSummary, SourceInfo, SourceKind, VulnDb, affects, smallest_fix,
};
pub use model::{Advisory, AffectedPackage, SeveritySource, normalize_name, parse_ecosystem};
pub use time::rfc3339;
pub use update::{DEFAULT_BASE_URL, DEFAULT_ECOSYSTEMS};
pub use version::{Version, parse_version};

use std::path::{Path, PathBuf};

/// `portcullis db import FILE|DIR`: imports into the database in `dir` (created if absent).
pub fn import_into(dir: &Path, path: &Path) -> Result<ImportSummary, DbError> {
    VulnDb::open_or_empty(dir)?.import(path)
}

/// `portcullis db update`: downloads `<base_url>/<Ecosystem>/all.zip` for each ecosystem
/// (the defaults when empty) into the database in `dir`.
pub fn update_into(
    dir: &Path,
    base_url: &str,
    ecosystems: &[&str],
) -> Result<ImportSummary, DbError> {
    VulnDb::open_or_empty(dir)?.update(base_url, ecosystems)
}

/// `portcullis db status`: the metadata of the database in `dir`.
pub fn status(dir: &Path) -> Result<DbMeta, DbError> {
    VulnDb::read_meta(dir)
}

/// Everything that can go wrong with the database. Every variant names the file or URL.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "no vulnerability database in {dir}: run `portcullis db update` or `portcullis db import`"
    )]
    Missing { dir: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path}: not a usable vulnerability database ({reason}); re-run `portcullis db update` or `portcullis db import`"
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error("{path}: cannot read as an OSV zip archive: {reason}")]
    Zip { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    Limit { path: PathBuf, reason: String },
    #[error("{path}: no OSV JSON records found")]
    NoRecords { path: PathBuf },
    #[error("download of {url} failed: {reason}")]
    Http { url: String, reason: String },
    #[error("unsupported ecosystem `{0}` (supported: npm, PyPI)")]
    UnsupportedEcosystem(String),
}

impl DbError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> DbError {
        DbError::Io {
            path: path.into(),
            source,
        }
    }
}
