//! Errors of the secrets analyzer. Every variant names the file or rule it is about and the
//! reason, and none of them ever carries a secret value.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// A rule (built-in, or from a gitleaks file) could not be compiled.
    #[error("{source_name}: rule `{id}`: {reason}")]
    Rule {
        /// `built-in rules` or the path of the rule file.
        source_name: String,
        id: String,
        reason: String,
    },
    /// A rule file is not valid TOML or does not have the expected shape.
    #[error("{path}: invalid rule file: {reason}")]
    RuleFile { path: PathBuf, reason: String },
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An allowlist entry of the `[secrets]` configuration is invalid.
    #[error("[secrets] allowlist entry {index}: invalid {what} `{pattern}`: {reason}")]
    Allowlist {
        index: usize,
        what: &'static str,
        pattern: String,
        reason: String,
    },
    /// The git history could not be read.
    #[error("git repository {path}: {reason}")]
    Git { path: PathBuf, reason: String },
}
