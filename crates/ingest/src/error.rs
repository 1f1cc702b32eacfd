//! Ingestion errors. Every message names the input, the entry (when there is one) and the
//! limit or reason, so a user can tell which file of which upload was refused and why.

use crate::limits::Limit;
use std::io;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{input}: cannot read: {source}")]
    Io {
        input: String,
        #[source]
        source: io::Error,
    },

    #[error("{input}: cannot read entry `{entry}`: {source}")]
    EntryIo {
        input: String,
        entry: String,
        #[source]
        source: io::Error,
    },

    #[error(
        "{input}: unsupported input: {reason} (expected a directory, an npm tarball (.tgz), a .tar or a .zip)"
    )]
    Unsupported { input: String, reason: String },

    #[error("{input}: malformed {format} archive: {reason}")]
    Malformed {
        input: String,
        format: &'static str,
        reason: String,
    },

    /// An entry path that is absolute, climbs out with `..`, uses a drive letter or a
    /// backslash, or holds a NUL / control character.
    #[error("{input}: entry `{entry}` refused: unsafe path ({reason})")]
    UnsafePath {
        input: String,
        entry: String,
        reason: &'static str,
    },

    #[error(
        "{input}: entry `{entry}` refused: {kind} pointing outside the package root (`{target}`)"
    )]
    LinkEscape {
        input: String,
        entry: String,
        kind: &'static str,
        target: String,
    },

    /// Device files, FIFOs, sockets, sparse files and unknown entry types.
    #[error("{input}: entry `{entry}` refused: {kind} entries are not allowed in an extension")]
    SpecialFile {
        input: String,
        entry: String,
        kind: String,
    },

    #[error("{input}: entry `{entry}` refused: encrypted entries cannot be reviewed")]
    Encrypted { input: String, entry: String },

    /// Non-zero bytes after the tar end-of-archive marker: other extractors would unpack them.
    #[error("{input}: data after the end-of-archive marker refused: non-zero bytes at offset {offset} of the unpacked tar stream, after entry `{after}`{} (the archive must end at its end-of-archive blocks; `tar -i` and other extractors would unpack the rest)", hidden_at(.hidden, .after))]
    TrailingData {
        input: String,
        /// The last entry before the marker.
        after: String,
        offset: u64,
        /// The name of the last header seen in the trailing data, if it holds one.
        hidden: Option<String>,
    },

    #[error("{input}: entry `{entry}` appears more than once: ambiguous archive refused")]
    Duplicate { input: String, entry: String },

    #[error("{input}: {}{what} {value} exceeds the limit {max} (`[ingest] {limit}`)", at(.entry))]
    Limit {
        input: String,
        entry: Option<String>,
        limit: Limit,
        what: &'static str,
        value: u64,
        max: u64,
    },

    #[error("{input}: {}compression bomb refused: {unpacked} bytes unpacked from {compressed} compressed bytes exceeds the ratio {max_ratio}:1 (`[ingest] max-compression-ratio`)", at(.entry))]
    Bomb {
        input: String,
        entry: Option<String>,
        unpacked: u64,
        compressed: u64,
        max_ratio: u64,
    },
}

fn hidden_at(hidden: &Option<String>, after: &str) -> String {
    match hidden {
        Some(h) if h != after => format!(" holding entry `{h}`"),
        _ => String::new(),
    }
}

fn at(entry: &Option<String>) -> String {
    match entry {
        Some(e) => format!("entry `{e}`: "),
        None => String::new(),
    }
}

impl IngestError {
    /// The [`Limit`] this error reports, if it is a limit error.
    pub fn limit(&self) -> Option<Limit> {
        match self {
            IngestError::Limit { limit, .. } => Some(*limit),
            IngestError::Bomb { .. } => Some(Limit::CompressionRatio),
            _ => None,
        }
    }
}
