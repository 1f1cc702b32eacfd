//! Registry errors: each names what was being done and why it failed.

use std::path::PathBuf;

/// Everything the registry can refuse or fail at.
///
/// The variants map one-to-one onto HTTP statuses in the server (`NotFound` → 404,
/// `Conflict` → 409, `Invalid`/`MissingFields` → 400/422, the rest → 500), so a client sees
/// a precise reason and never a stack trace.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("database error while {context}: {source}")]
    Db {
        context: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("incomplete submission metadata: missing {}", .0.join(", "))]
    MissingFields(Vec<String>),
    #[error("refused state change: {0}")]
    State(String),
    #[error("artifact store {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("audit signing key {}: {reason}", path.display())]
    Key { path: PathBuf, reason: String },
    #[error("stored record is corrupt ({what}): {reason}")]
    Corrupt { what: String, reason: String },
}

pub type Result<T, E = RegistryError> = std::result::Result<T, E>;

/// Wraps a sqlx error with what the registry was doing; unique violations become
/// [`RegistryError::Conflict`] so a race lost at the database is reported like one lost
/// in the application.
pub(crate) fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> RegistryError {
    move |source| {
        if let sqlx::Error::Database(e) = &source
            && e.is_unique_violation()
        {
            return RegistryError::Conflict(format!("{context}: record already exists"));
        }
        RegistryError::Db { context, source }
    }
}

pub(crate) fn corrupt(what: impl Into<String>, reason: impl std::fmt::Display) -> RegistryError {
    RegistryError::Corrupt {
        what: what.into(),
        reason: reason.to_string(),
    }
}
