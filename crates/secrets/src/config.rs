//! The `[secrets]` section of `portcullis.toml`.
//!
//! ```toml
//! [secrets]
//! verify = false                       # live verification (needs the `verify` feature)
//! generic = true                       # the entropy/context-gated generic assignment rules
//! disable-rules = ["secrets/jwt"]
//! gitleaks-rules = [".gitleaks.toml"]  # import gitleaks-format rules
//! max-file-bytes = 16777216
//! history-max-commits = 100000
//!
//! [[secrets.allowlist]]
//! description = "public demo key documented in README"
//! rules = ["secrets/google-api-key"]   # empty: every rule
//! paths = ["docs/**", "**/*.md"]       # globs on the package-relative path
//! secret-sha256 = ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
//! regexes = ["^pk_"]                   # matched against the secret value
//! stopwords = ["dummy"]                # case-insensitive substrings of the secret
//! ```

use portcullis_core::Confidence;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Configuration of the secrets analyzer; every field has a default, so an empty `[secrets]`
/// section (or none) is valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// Check found secrets against the provider's API (off by default: it sends the secret
    /// over the network, and a scan must work offline). Needs the `verify` cargo feature.
    pub verify: bool,
    /// Run the generic `password = "…"` / `apiKey: "…"` rules (entropy- and context-gated).
    pub generic: bool,
    /// Rule ids (`secrets/<name>`) never to run.
    pub disable_rules: Vec<String>,
    /// gitleaks-format TOML rule files to import (`[[rules]]` with `id`, `regex`,
    /// `secretGroup`, `entropy`, `keywords`, `[rules.allowlist]`). An imported rule whose
    /// id equals a built-in one replaces it.
    pub gitleaks_rules: Vec<PathBuf>,
    /// Findings below this confidence are dropped (`low` keeps everything).
    pub min_confidence: Option<Confidence>,
    /// Files larger than this are skipped with a notice.
    pub max_file_bytes: u64,
    /// History scan: at most this many commits are visited (newest tips first).
    pub history_max_commits: usize,
    /// History scan: blobs larger than this are not scanned.
    pub history_max_blob_bytes: u64,
    pub allowlist: Vec<Allowlist>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            verify: false,
            generic: true,
            disable_rules: Vec::new(),
            gitleaks_rules: Vec::new(),
            min_confidence: None,
            max_file_bytes: 16 * 1024 * 1024,
            history_max_commits: 100_000,
            history_max_blob_bytes: 4 * 1024 * 1024,
            allowlist: Vec::new(),
        }
    }
}

/// One allowlist entry. A finding is allowed (dropped) when the entry's `rules` is empty or
/// names the finding's rule, **and** any one of its matchers (path glob, value hash, value
/// regex, stopword) matches. An entry with no matcher at all allows every finding of its
/// rules, which is how a rule is switched off for a whole package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Allowlist {
    /// Why this is allowed (shown nowhere, required by reviewers).
    pub description: String,
    pub rules: Vec<String>,
    /// Globs on the package-relative, `/`-separated path (`globset` syntax).
    pub paths: Vec<String>,
    /// Full hex SHA-256 of allowed secret values (`portcullis_core::redact::secret_hash`),
    /// so an accepted value can be allowlisted without writing it into the config.
    pub secret_sha256: Vec<String>,
    /// Regexes matched against the secret value.
    pub regexes: Vec<String>,
    /// Case-insensitive substrings of the secret value.
    pub stopwords: Vec<String>,
}
