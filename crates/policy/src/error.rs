//! Errors of loading and evaluating policy sets. Every load error names the file it came from.

use std::path::PathBuf;

/// Why a policy set could not be loaded or a gate could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The policy directory or one of its files could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A policy file is over [`crate::MAX_POLICY_FILE_BYTES`], or a directory holds more than
    /// [`crate::MAX_POLICY_FILES`] policy files.
    #[error("{path}: {reason}")]
    TooLarge { path: PathBuf, reason: String },
    /// The directory holds no `.cedar` file: an empty policy set would deny (authorization) or
    /// approve (gate) everything, which is never what was meant.
    #[error("{path}: no .cedar policy files found")]
    NoPolicies { path: PathBuf },
    /// The embedded or given schema does not parse.
    #[error("schema {file}: {message}")]
    Schema { file: String, message: String },
    /// A policy file does not parse as Cedar.
    #[error("{file}: syntax error: {message}")]
    Parse { file: String, message: String },
    /// A policy does not validate against the schema (strict mode).
    #[error("{file}: policy does not validate against the schema: {message}")]
    Invalid { file: String, message: String },
    /// A policy is well-typed but unusable here (a template, a missing or malformed
    /// annotation, a duplicate `@id`).
    #[error("{file}: {message}")]
    Policy { file: String, message: String },
    /// The gate input could not be turned into a Cedar request (a bug, or a value Cedar
    /// cannot represent).
    #[error("gate input rejected by Cedar: {0}")]
    Request(String),
}
