//! In-memory unpacking of npm tarballs (`.tgz`), plain `.tar` and `.zip` archives.
//!
//! Nothing is ever written to disk. Every entry passes [`crate::path::normalize`]; sizes are
//! counted from the bytes actually produced (declared sizes are only used to refuse early,
//! never to allocate); decompression runs behind a [`Guard`] that stops the stream at the
//! compression-ratio and total-size limits, so a bomb costs at most those limits in memory.
//!
//! Links: a symbolic or hard link whose target resolves outside the package root is an error.
//! A link that stays inside is *skipped*: it gets no [`SourceFile`] (its target is scanned as
//! the file it is) and a [`Notice`] records it. Device files, FIFOs and sparse files (GNU `S`
//! members and pax `GNU.sparse.*` members alike) are errors, named by their real name.
//!
//! Strictness: bytes after a tar's end-of-archive marker (a second gzip member holding another
//! tar, say) are refused, because other extractors (`tar -i`, some registries) would unpack
//! what this one would otherwise ignore; only zero padding may follow the marker. A zip whose
//! central directory repeats a name is refused naming that name.

use crate::classify::classify;
use crate::error::IngestError;
use crate::limits::{Limit, Limits};
use crate::path::{self, PathProblem};
use portcullis_core::{Notice, NoticeLevel, Origin, Package, SourceFile};
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::io::{self, Cursor, Read};
use std::rc::Rc;

/// The archive formats ingest understands, detected from magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Gzip,
    Tar,
    Zip,
}

impl Format {
    fn label(self) -> &'static str {
        match self {
            Format::Gzip => "gzip/tar",
            Format::Tar => "tar",
            Format::Zip => "zip",
        }
    }
}

/// Detects the archive format from content; the name only breaks the tie for old (v7) tar
/// files, which carry no magic number.
pub fn detect(name: &str, bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"\x1f\x8b") {
        Some(Format::Gzip)
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Some(Format::Zip)
    } else if bytes.get(257..262) == Some(b"ustar")
        || (name.to_ascii_lowercase().ends_with(".tar")
            && bytes.len() >= 512
            && bytes.len().is_multiple_of(512))
    {
        Some(Format::Tar)
    } else {
        None
    }
}

/// Unpacks `bytes` (an archive named `source`) into a [`Package`].
pub fn load_bytes(
    source: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Package, Vec<Notice>), IngestError> {
    let format = detect(source, bytes).ok_or_else(|| IngestError::Unsupported {
        input: source.to_string(),
        reason: if bytes.is_empty() {
            "empty file".to_string()
        } else {
            "not a gzip, tar or zip archive (unknown magic bytes)".to_string()
        },
    })?;
    let mut c = Collector::new(source, limits);
    let origin = match format {
        Format::Gzip => {
            let cap = limits.ratio_cap(bytes.len() as u64);
            let budget = tar_budget(limits);
            let trip = Rc::new(Cell::new(None));
            let guard = Guard {
                inner: flate2::read::MultiGzDecoder::new(bytes),
                produced: 0,
                cap: cap.min(budget),
                trip: trip.clone(),
            };
            let res = read_tar(&mut c, guard, format);
            if let Some(produced) = trip.get() {
                return Err(if cap < budget {
                    IngestError::Bomb {
                        input: c.input.clone(),
                        entry: c.current.take(),
                        unpacked: produced,
                        compressed: bytes.len() as u64,
                        max_ratio: limits.max_compression_ratio,
                    }
                } else {
                    IngestError::Limit {
                        input: c.input.clone(),
                        entry: c.current.take(),
                        limit: Limit::TotalSize,
                        what: "unpacked archive size",
                        value: produced,
                        max: limits.max_total_size,
                    }
                });
            }
            res?;
            Origin::Tarball
        }
        Format::Tar => {
            read_tar(&mut c, bytes, format)?;
            Origin::Tarball
        }
        Format::Zip => {
            read_zip(&mut c, bytes)?;
            Origin::Zip
        }
    };
    let sha256 = hex::encode(Sha256::digest(bytes));
    c.finish(origin, sha256)
}

/// Bytes a tar stream may need beyond the file contents: a header and up to a block of padding
/// per entry, extension headers (long names, pax) and the end-of-archive blocks.
fn tar_budget(limits: &Limits) -> u64 {
    let per_entry = 2 * 512 + 2 * (limits.max_path_len as u64 + 512);
    limits
        .max_total_size
        .saturating_add(per_entry.saturating_mul(limits.max_entries as u64 + 1))
        .saturating_add(64 * 1024)
}

/// A reader that fails once more than `cap` bytes came out of `inner`, recording how many in
/// `trip` so the caller can report the limit instead of a generic I/O error.
struct Guard<R> {
    inner: R,
    produced: u64,
    cap: u64,
    trip: Rc<Cell<Option<u64>>>,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let room = self.cap.saturating_add(1).saturating_sub(self.produced);
        if room == 0 {
            self.trip.set(Some(self.produced));
            return Err(io::Error::other("decompression limit reached"));
        }
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.produced += n as u64;
        if self.produced > self.cap {
            self.trip.set(Some(self.produced));
            return Err(io::Error::other("decompression limit reached"));
        }
        Ok(n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    Symlink,
    Hardlink,
}

impl LinkKind {
    fn label(self) -> &'static str {
        match self {
            LinkKind::Symlink => "symbolic link",
            LinkKind::Hardlink => "hard link",
        }
    }
}

struct RawFile {
    parts: Vec<String>,
    bytes: Vec<u8>,
    executable: bool,
}

struct RawLink {
    parts: Vec<String>,
    kind: LinkKind,
    target: String,
    /// The target resolved against the archive root; `None` when it climbs above it.
    resolved: Option<Vec<String>>,
}

/// Accumulates entries and enforces the limits that span entries.
struct Collector<'l> {
    input: String,
    limits: &'l Limits,
    entries: usize,
    total: u64,
    files: Vec<RawFile>,
    dirs: Vec<Vec<String>>,
    links: Vec<RawLink>,
    notices: Vec<Notice>,
    /// The entry being read, for errors raised by the decompressor.
    current: Option<String>,
}

impl<'l> Collector<'l> {
    fn new(input: &str, limits: &'l Limits) -> Self {
        Collector {
            input: input.to_string(),
            limits,
            entries: 0,
            total: 0,
            files: Vec::new(),
            dirs: Vec::new(),
            links: Vec::new(),
            notices: Vec::new(),
            current: None,
        }
    }

    /// Counts one entry and validates its name.
    fn enter(&mut self, raw: &str) -> Result<Vec<String>, IngestError> {
        self.entries += 1;
        self.current = Some(raw.to_string());
        if self.entries > self.limits.max_entries {
            return Err(IngestError::Limit {
                input: self.input.clone(),
                entry: Some(raw.to_string()),
                limit: Limit::Entries,
                what: "entry count",
                value: self.entries as u64,
                max: self.limits.max_entries as u64,
            });
        }
        path::normalize(raw, self.limits).map_err(|p| self.path_error(raw, p))
    }

    fn path_error(&self, raw: &str, p: PathProblem) -> IngestError {
        let entry = shorten(raw);
        match p {
            PathProblem::Unsafe(reason) => IngestError::UnsafePath {
                input: self.input.clone(),
                entry,
                reason,
            },
            PathProblem::Empty => IngestError::UnsafePath {
                input: self.input.clone(),
                entry,
                reason: "empty name",
            },
            PathProblem::TooLong(n) => self.limit_error(
                &entry,
                Limit::PathLen,
                "path length",
                n,
                self.limits.max_path_len as u64,
            ),
            PathProblem::TooDeep(n) => self.limit_error(
                &entry,
                Limit::PathDepth,
                "path depth",
                n,
                self.limits.max_path_depth as u64,
            ),
        }
    }

    fn limit_error(
        &self,
        entry: &str,
        limit: Limit,
        what: &'static str,
        value: u64,
        max: u64,
    ) -> IngestError {
        IngestError::Limit {
            input: self.input.clone(),
            entry: Some(entry.to_string()),
            limit,
            what,
            value,
            max,
        }
    }

    /// The most bytes the next file may have before some limit is exceeded, plus one (so a
    /// read that fills it proves the limit was crossed).
    fn read_cap(&self) -> u64 {
        self.limits
            .max_file_size
            .min(self.limits.max_total_size.saturating_sub(self.total))
            .saturating_add(1)
    }

    /// Checks a file's size against the file and total limits and records it.
    fn add_file(
        &mut self,
        raw: &str,
        parts: Vec<String>,
        bytes: Vec<u8>,
        executable: bool,
    ) -> Result<(), IngestError> {
        let n = bytes.len() as u64;
        if n > self.limits.max_file_size {
            return Err(self.limit_error(
                raw,
                Limit::FileSize,
                "file size",
                n,
                self.limits.max_file_size,
            ));
        }
        self.total = self.total.saturating_add(n);
        if self.total > self.limits.max_total_size {
            return Err(self.limit_error(
                raw,
                Limit::TotalSize,
                "total unpacked size",
                self.total,
                self.limits.max_total_size,
            ));
        }
        self.files.push(RawFile {
            parts,
            bytes,
            executable,
        });
        Ok(())
    }

    fn special(&self, raw: &str, kind: &str) -> IngestError {
        IngestError::SpecialFile {
            input: self.input.clone(),
            entry: shorten(raw),
            kind: kind.to_string(),
        }
    }

    /// Strips the common top-level directory, checks links and duplicates, classifies.
    fn finish(self, origin: Origin, sha256: String) -> Result<(Package, Vec<Notice>), IngestError> {
        let Collector {
            input,
            files,
            dirs,
            links,
            mut notices,
            ..
        } = self;

        // A single top-level directory holding everything (`package/` from `npm pack`,
        // `repo-1.2.3/` from a source zip) is not part of the package paths.
        let first = files
            .first()
            .map(|f| &f.parts)
            .or_else(|| links.first().map(|l| &l.parts))
            .and_then(|p| p.first())
            .cloned();
        let strip = first.filter(|top| {
            files
                .iter()
                .all(|f| f.parts.len() >= 2 && &f.parts[0] == top)
                && links
                    .iter()
                    .all(|l| l.parts.len() >= 2 && &l.parts[0] == top)
                && dirs.iter().all(|d| d.first() == Some(top))
        });
        let depth = usize::from(strip.is_some());
        let rel = |parts: &[String]| parts.get(depth..).unwrap_or_default().join("/");

        for link in &links {
            // `resolved` is `None` when the target climbs above the archive root; with a
            // stripped top directory it must also stay inside that directory.
            let inside = link.resolved.as_ref().is_some_and(|t| match &strip {
                Some(top) => t.first() == Some(top),
                None => true,
            });
            if !inside {
                return Err(IngestError::LinkEscape {
                    input,
                    entry: link.parts.join("/"),
                    kind: link.kind.label(),
                    target: shorten(&link.target),
                });
            }
            notices.push(Notice {
                kind: portcullis_core::NoticeKind::General,
                level: NoticeLevel::Info,
                path: Some(rel(&link.parts)),
                message: format!(
                    "{} to `{}` skipped: links are never followed; the target is scanned as its own file",
                    link.kind.label(),
                    shorten(&link.target)
                ),
            });
        }

        // Duplicates, and a name that is both a file and a directory, make the archive mean
        // different things to different extractors: refuse.
        let mut names: Vec<(String, bool)> = files
            .iter()
            .map(|f| (rel(&f.parts), false))
            .chain(links.iter().map(|l| (rel(&l.parts), false)))
            .chain(
                dirs.iter()
                    .filter(|d| d.len() > depth)
                    .map(|d| (rel(d), true)),
            )
            .collect();
        names.sort();
        for pair in names.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            if a.0 == b.0 && !(a.1 && b.1) {
                return Err(IngestError::Duplicate {
                    input,
                    entry: a.0.clone(),
                });
            }
        }
        let file_names: Vec<&str> = names
            .iter()
            .filter(|n| !n.1)
            .map(|n| n.0.as_str())
            .collect();
        for pair in file_names.windows(2) {
            if let Some(rest) = pair[1].strip_prefix(pair[0])
                && rest.starts_with('/')
            {
                return Err(IngestError::Duplicate {
                    input,
                    entry: pair[0].to_string(),
                });
            }
        }

        // Names equal but for case are one file on macOS and Windows: which one wins depends
        // on the extractor. Not refused (real packages rarely do it by accident), but told.
        let mut folded: Vec<(String, &str)> =
            file_names.iter().map(|n| (n.to_lowercase(), *n)).collect();
        folded.sort();
        for pair in folded.windows(2) {
            if pair[0].0 == pair[1].0 {
                notices.push(Notice {
                    kind: portcullis_core::NoticeKind::General,
                    level: NoticeLevel::Warning,
                    path: Some(pair[1].1.to_string()),
                    message: format!(
                        "`{}` and `{}` differ only in case: they collide on case-insensitive file systems",
                        pair[0].1, pair[1].1
                    ),
                });
            }
        }

        let mut package = Package {
            source: input,
            origin,
            sha256,
            files: files
                .into_iter()
                .map(|f| {
                    let path = rel(&f.parts);
                    let kind = classify(&path, &f.bytes, f.executable);
                    let mut sf = SourceFile::new(path, kind, f.bytes);
                    sf.executable = f.executable;
                    sf
                })
                .collect(),
        };
        package.sort();
        Ok((package, notices))
    }
}

/// Entry names in messages are cut so a hostile 1 MB name does not flood the terminal.
fn shorten(s: &str) -> String {
    portcullis_core::location::truncate_chars(s, 200)
}

fn read_tar<R: Read>(c: &mut Collector<'_>, reader: R, format: Format) -> Result<(), IngestError> {
    let malformed = |c: &Collector<'_>, e: io::Error| IngestError::Malformed {
        input: c.input.clone(),
        format: format.label(),
        reason: match &c.current {
            Some(entry) => format!("at entry `{}`: {e}", shorten(entry)),
            None => e.to_string(),
        },
    };
    let seen = Rc::new(std::cell::RefCell::new(HeaderSeen::default()));
    let tracked = Tracker {
        inner: reader,
        pos: 0,
        block: [0; 512],
        seen: seen.clone(),
    };
    let mut archive = tar::Archive::new(tracked);
    let entries = archive.entries().map_err(|e| malformed(c, e))?;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                // The failing header is not an entry yet; name it from the last header block
                // read, not the previous entry.
                if let Some(name) = seen.borrow().last_name.clone() {
                    c.current = Some(name);
                }
                return Err(malformed(c, e));
            }
        };
        let header_type = entry.header().entry_type();
        if header_type.is_pax_global_extensions() || header_type.is_pax_local_extensions() {
            continue;
        }
        if let Some(real) = pax_sparse_name(&mut entry) {
            let shown = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            c.current = Some(real.clone());
            return Err(c.special(
                &real,
                &format!(
                    "sparse file (pax GNU.sparse.* member stored as `{}`)",
                    shorten(&shown)
                ),
            ));
        }
        let raw = match std::str::from_utf8(&entry.path_bytes()) {
            Ok(s) => s.to_string(),
            Err(_) => {
                return Err(IngestError::UnsafePath {
                    input: c.input.clone(),
                    entry: String::from_utf8_lossy(&entry.path_bytes()).into_owned(),
                    reason: "name is not valid UTF-8",
                });
            }
        };
        let parts = c.enter(&raw)?;
        let mode = entry.header().mode().unwrap_or(0);
        use tar::EntryType as T;
        match header_type {
            T::Regular | T::Continuous => {
                let declared = entry.size();
                if declared > c.limits.max_file_size {
                    return Err(c.limit_error(
                        &raw,
                        Limit::FileSize,
                        "declared file size",
                        declared,
                        c.limits.max_file_size,
                    ));
                }
                let mut bytes =
                    Vec::with_capacity(usize::try_from(declared.min(64 * 1024)).unwrap_or(0));
                (&mut entry)
                    .take(c.read_cap())
                    .read_to_end(&mut bytes)
                    .map_err(|e| malformed(c, e))?;
                c.add_file(&raw, parts, bytes, mode & 0o111 != 0)?;
            }
            T::Directory => c.dirs.push(parts),
            T::Symlink | T::Link => {
                let kind = if header_type == T::Symlink {
                    LinkKind::Symlink
                } else {
                    LinkKind::Hardlink
                };
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let resolved = match kind {
                    LinkKind::Symlink => path::resolve_symlink(&parts, &target),
                    LinkKind::Hardlink => path::resolve_hardlink(&target),
                };
                c.links.push(RawLink {
                    parts,
                    kind,
                    target,
                    resolved,
                });
            }
            T::Char => return Err(c.special(&raw, "character device")),
            T::Block => return Err(c.special(&raw, "block device")),
            T::Fifo => return Err(c.special(&raw, "FIFO")),
            T::GNUSparse => return Err(c.special(&raw, "sparse file")),
            other => {
                return Err(c.special(
                    &raw,
                    &format!("unknown tar type {:?}", other.as_byte() as char),
                ));
            }
        }
    }
    // The end-of-archive marker was read: only zero padding may follow it.
    let last = c.current.take();
    let mut rest = archive.into_inner();
    let mut buf = [0u8; 8192];
    loop {
        let n = match rest.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(IngestError::Malformed {
                    input: c.input.clone(),
                    format: format.label(),
                    reason: format!("after the end-of-archive marker: {e}"),
                });
            }
        };
        if n == 0 {
            break;
        }
        if let Some(i) = buf[..n].iter().position(|b| *b != 0) {
            let offset = rest.pos - n as u64 + i as u64;
            return Err(IngestError::TrailingData {
                input: c.input.clone(),
                after: last.map_or_else(|| "(no entry)".to_string(), |e| shorten(&e)),
                offset,
                hidden: seen.borrow().last_name.clone().map(|n| shorten(&n)),
            });
        }
    }
    Ok(())
}

/// The real name of a pax sparse member (`GNU.sparse.name`, or the placeholder path when only
/// the map keys are present), or `None` when the entry is not sparse.
fn pax_sparse_name<R: Read>(entry: &mut tar::Entry<'_, R>) -> Option<String> {
    let exts = entry.pax_extensions().ok().flatten()?;
    let mut sparse = false;
    let mut name = None;
    for ext in exts.flatten() {
        let key = ext.key_bytes();
        if key.starts_with(b"GNU.sparse.") {
            sparse = true;
            if key == b"GNU.sparse.name" {
                name = Some(String::from_utf8_lossy(ext.value_bytes()).into_owned());
            }
        }
    }
    if !sparse {
        return None;
    }
    Some(name.unwrap_or_else(|| String::from_utf8_lossy(&entry.path_bytes()).into_owned()))
}

/// What [`Tracker`] saw of the tar stream.
#[derive(Default)]
struct HeaderSeen {
    /// Name in the last 512-byte block that was a well-formed tar header (valid checksum).
    last_name: Option<String>,
}

/// Counts the bytes of a tar stream and remembers the name of the last header block, so an
/// error raised while tar parses a header (a bad GNU sparse map) names that member, and data
/// after the end-of-archive marker can be located.
struct Tracker<R> {
    inner: R,
    pos: u64,
    block: [u8; 512],
    seen: Rc<std::cell::RefCell<HeaderSeen>>,
}

impl<R: Read> Read for Tracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut data = &buf[..n];
        while !data.is_empty() {
            let at = (self.pos % 512) as usize;
            let take = data.len().min(512 - at);
            self.block[at..at + take].copy_from_slice(&data[..take]);
            self.pos += take as u64;
            data = &data[take..];
            if at + take == 512
                && let Some(name) = header_name(&self.block)
            {
                self.seen.borrow_mut().last_name = Some(name);
            }
        }
        Ok(n)
    }
}

/// The name of a tar header block (ustar prefix joined), when its checksum is valid.
fn header_name(block: &[u8; 512]) -> Option<String> {
    if block.iter().all(|b| *b == 0) {
        return None;
    }
    let field = |r: std::ops::Range<usize>| {
        let f = &block[r];
        let end = f.iter().position(|b| *b == 0).unwrap_or(f.len());
        &f[..end]
    };
    let octal = std::str::from_utf8(field(148..156)).ok()?;
    let stored =
        u32::from_str_radix(octal.trim_matches(|c: char| c == ' ' || c == '\0'), 8).ok()?;
    let sum: u32 = block[..148]
        .iter()
        .chain(&block[156..])
        .map(|b| u32::from(*b))
        .sum::<u32>()
        + 8 * 32;
    if sum != stored {
        return None;
    }
    let name = String::from_utf8_lossy(field(0..100)).into_owned();
    let prefix = if &block[257..262] == b"ustar" && block[156] != b'S' {
        String::from_utf8_lossy(field(345..500)).into_owned()
    } else {
        String::new()
    };
    Some(if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    })
}

const S_IFMT: u32 = 0o170_000;

/// The first name the zip's central directory lists twice. The zip crate indexes entries by
/// name, so a repeated name is only visible in the raw directory: walk its records (at most
/// `max` of them; zip64 directories are not walked and give `None`).
fn repeated_zip_name(bytes: &[u8], max: usize) -> Option<String> {
    let u16_at = |i: usize| Some(u16::from_le_bytes(bytes.get(i..i + 2)?.try_into().ok()?));
    let u32_at = |i: usize| Some(u32::from_le_bytes(bytes.get(i..i + 4)?.try_into().ok()?));
    let tail = bytes.len().saturating_sub(22 + 65_535);
    let eocd = (tail..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| bytes[i..].starts_with(b"PK\x05\x06"))?;
    let mut at = usize::try_from(u32_at(eocd + 16)?).ok()?;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..=max {
        if !bytes.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let name_len = usize::from(u16_at(at + 28)?);
        let extra = usize::from(u16_at(at + 30)?);
        let comment = usize::from(u16_at(at + 32)?);
        let name = bytes.get(at + 46..at + 46 + name_len)?;
        if !seen.insert(name) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        at += 46 + name_len + extra + comment;
    }
    None
}

fn read_zip(c: &mut Collector<'_>, bytes: &[u8]) -> Result<(), IngestError> {
    let malformed = |c: &Collector<'_>, reason: String| IngestError::Malformed {
        input: c.input.clone(),
        format: "zip",
        reason: match &c.current {
            Some(entry) => format!("at entry `{}`: {reason}", shorten(entry)),
            None => reason,
        },
    };
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| malformed(c, e.to_string()))?;
    if zip.len() > c.limits.max_entries {
        return Err(IngestError::Limit {
            input: c.input.clone(),
            entry: None,
            limit: Limit::Entries,
            what: "entry count",
            value: zip.len() as u64,
            max: c.limits.max_entries as u64,
        });
    }
    // The zip crate keeps one index per name; refuse before either copy is read, naming it.
    if zip.has_duplicate_names() {
        return Err(IngestError::Duplicate {
            input: c.input.clone(),
            entry: repeated_zip_name(bytes, c.limits.max_entries).map_or_else(
                || "(a name repeated in the zip central directory)".to_string(),
                |n| shorten(&n),
            ),
        });
    }
    for i in 0..zip.len() {
        let (raw, mode, encrypted, compressed, is_dir) = {
            let f = zip
                .by_index_raw(i)
                .map_err(|e| malformed(c, e.to_string()))?;
            let raw = f
                .name()
                .map_err(|e| malformed(c, e.to_string()))?
                .into_owned();
            (
                raw,
                f.unix_mode(),
                f.encrypted(),
                f.compressed_size(),
                f.is_dir(),
            )
        };
        let parts = c.enter(&raw)?;
        if encrypted {
            return Err(IngestError::Encrypted {
                input: c.input.clone(),
                entry: shorten(&raw),
            });
        }
        let ftype = mode.map(|m| m & S_IFMT).unwrap_or(0);
        match ftype {
            0o040_000 => {
                c.dirs.push(parts);
                continue;
            }
            0 if is_dir => {
                c.dirs.push(parts);
                continue;
            }
            0 | 0o100_000 | 0o120_000 => {}
            0o020_000 => return Err(c.special(&raw, "character device")),
            0o060_000 => return Err(c.special(&raw, "block device")),
            0o010_000 => return Err(c.special(&raw, "FIFO")),
            0o140_000 => return Err(c.special(&raw, "socket")),
            _ => return Err(c.special(&raw, "unknown file type")),
        }
        if is_dir {
            c.dirs.push(parts);
            continue;
        }
        let ratio_cap = c.limits.ratio_cap(compressed);
        let cap = c.read_cap().min(ratio_cap.saturating_add(1));
        let mut f = zip.by_index(i).map_err(|e| malformed(c, e.to_string()))?;
        let mut data = Vec::new();
        (&mut f)
            .take(cap)
            .read_to_end(&mut data)
            .map_err(|e| malformed(c, e.to_string()))?;
        drop(f);
        let n = data.len() as u64;
        if n > ratio_cap {
            return Err(IngestError::Bomb {
                input: c.input.clone(),
                entry: Some(shorten(&raw)),
                unpacked: n,
                compressed,
                max_ratio: c.limits.max_compression_ratio,
            });
        }
        if ftype == 0o120_000 {
            let target = String::from_utf8_lossy(&data).into_owned();
            let resolved = path::resolve_symlink(&parts, &target);
            c.links.push(RawLink {
                parts,
                kind: LinkKind::Symlink,
                target,
                resolved,
            });
            continue;
        }
        c.add_file(&raw, parts, data, mode.is_some_and(|m| m & 0o111 != 0))?;
        let whole_cap = c.limits.ratio_cap(bytes.len() as u64);
        if c.total > whole_cap {
            return Err(IngestError::Bomb {
                input: c.input.clone(),
                entry: None,
                unpacked: c.total,
                compressed: bytes.len() as u64,
                max_ratio: c.limits.max_compression_ratio,
            });
        }
    }
    c.current = None;
    Ok(())
}
