//! Resource limits for ingestion: the `[ingest]` section of `portcullis.toml`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Bounds on what ingestion accepts. Every limit exists because an extension is hostile input:
/// without them a 40 KB archive can expand to gigabytes, hold millions of entries, or carry
/// paths that exhaust memory. Exceeding a limit in an archive is an error (the package cannot
/// be reviewed completely); in a directory walk an oversized file is skipped with a notice.
///
/// ```toml
/// [ingest]
/// max-entries = 20000
/// max-file-size = 52428800       # 50 MiB
/// max-total-size = 268435456     # 256 MiB
/// max-compression-ratio = 100
/// max-path-depth = 32
/// max-path-len = 1024
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Limits {
    /// Most entries (files, directories, links) an archive or directory may hold. Real
    /// extensions hold tens to a few thousand files; 20 000 leaves room for big bundles.
    pub max_entries: usize,
    /// Largest single file, in bytes (50 MiB: room for a bundled native addon).
    pub max_file_size: u64,
    /// Largest sum of all unpacked file sizes, in bytes (256 MiB). An archive file larger than
    /// this is refused before it is read.
    pub max_total_size: u64,
    /// Largest unpacked : compressed ratio (100:1). Checked per zip entry and for the whole
    /// archive, once at least [`Limits::RATIO_GRACE_BYTES`] have been unpacked, because small
    /// repetitive files legitimately compress far better than that.
    pub max_compression_ratio: u64,
    /// Most path components in an entry path (32).
    pub max_path_depth: usize,
    /// Longest entry path, in bytes (1024).
    pub max_path_len: usize,
}

impl Limits {
    /// Unpacked bytes below which the compression ratio is not enforced (1 MiB): a 10 KB
    /// file of zeros compresses 300:1 and is no bomb.
    pub const RATIO_GRACE_BYTES: u64 = 1024 * 1024;

    /// Most bytes the compression-ratio limit lets `compressed` bytes expand to.
    pub fn ratio_cap(&self, compressed: u64) -> u64 {
        compressed
            .max(1)
            .saturating_mul(self.max_compression_ratio.max(1))
            .max(Self::RATIO_GRACE_BYTES)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 20_000,
            max_file_size: 50 * 1024 * 1024,
            max_total_size: 256 * 1024 * 1024,
            max_compression_ratio: 100,
            max_path_depth: 32,
            max_path_len: 1024,
        }
    }
}

/// Which limit was exceeded; displays as its `portcullis.toml` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Entries,
    FileSize,
    TotalSize,
    CompressionRatio,
    PathDepth,
    PathLen,
}

impl Limit {
    pub fn key(self) -> &'static str {
        match self {
            Limit::Entries => "max-entries",
            Limit::FileSize => "max-file-size",
            Limit::TotalSize => "max-total-size",
            Limit::CompressionRatio => "max-compression-ratio",
            Limit::PathDepth => "max-path-depth",
            Limit::PathLen => "max-path-len",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}
