//! The unpacked extension as analyzers see it: an in-memory set of classified files.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What a file is, decided by ingest from its name and content (never trusted from the name
/// alone for binaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// `.js .mjs .cjs .jsx`
    JavaScript,
    /// `.ts .mts .cts .tsx` (not `.d.ts`, which is [`FileKind::TypeDeclaration`])
    TypeScript,
    /// `.d.ts`: types only, no runtime code.
    TypeDeclaration,
    Html,
    Json,
    Yaml,
    Xml,
    Toml,
    Markdown,
    /// `.map` source maps.
    SourceMap,
    /// A lockfile (`package-lock.json`, `yarn.lock`, `pnpm-lock.yaml`, `poetry.lock`, …).
    Lockfile,
    /// Any other text (valid UTF-8, no NUL bytes).
    Text,
    /// Not valid UTF-8, or NUL bytes: classified, never parsed as text.
    Binary(BinaryKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BinaryKind {
    Elf,
    Pe,
    MachO,
    Wasm,
    /// A Node.js native addon (`.node`), whatever its object format.
    NodeAddon,
    /// A nested archive (zip, gzip, tar, …).
    Archive,
    Image,
    Font,
    /// A shell script or other file with a `#!` line and the executable bit.
    Script,
    Other,
}

impl FileKind {
    /// JS or TS source that can carry runtime code.
    pub fn is_script(self) -> bool {
        matches!(self, FileKind::JavaScript | FileKind::TypeScript)
    }

    pub fn is_text(self) -> bool {
        !matches!(self, FileKind::Binary(_))
    }

    /// An executable binary or native code.
    pub fn is_executable_binary(self) -> bool {
        matches!(
            self,
            FileKind::Binary(
                BinaryKind::Elf | BinaryKind::Pe | BinaryKind::MachO | BinaryKind::NodeAddon
            )
        )
    }
}

/// One file of the package, held in memory (ingest bounds the sizes).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the package root, `/`-separated, no `..`, no leading `/`.
    pub path: String,
    pub kind: FileKind,
    pub bytes: Arc<[u8]>,
    /// The executable bit was set (in the archive header or on disk).
    pub executable: bool,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, kind: FileKind, bytes: impl Into<Arc<[u8]>>) -> SourceFile {
        SourceFile {
            path: path.into(),
            kind,
            bytes: bytes.into(),
            executable: false,
        }
    }

    /// The content as UTF-8, or `None` for binary / invalid UTF-8 files.
    pub fn text(&self) -> Option<&str> {
        if self.kind.is_text() {
            std::str::from_utf8(&self.bytes).ok()
        } else {
            None
        }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The file name (last path component).
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// Heuristic: a test, fixture, example or documentation path (findings there matter less).
    pub fn is_test_or_example(&self) -> bool {
        let p = self.path.to_ascii_lowercase();
        p.split('/').any(|seg| {
            matches!(
                seg,
                "test"
                    | "tests"
                    | "__tests__"
                    | "spec"
                    | "specs"
                    | "__mocks__"
                    | "fixtures"
                    | "fixture"
                    | "example"
                    | "examples"
                    | "docs"
                    | "doc"
                    | "testdata"
            )
        }) || [".test.", ".spec.", "_test."].iter().any(|m| p.contains(m))
    }
}

/// Where a package came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    Directory,
    Tarball,
    Zip,
}

/// An unpacked extension: every file ingest accepted, sorted by path.
#[derive(Debug, Clone)]
pub struct Package {
    /// What the user named (a directory or archive path), for display.
    pub source: String,
    pub origin: Origin,
    /// SHA-256 of the archive bytes, or of the sorted (path, content hash) list for a directory.
    pub sha256: String,
    pub files: Vec<SourceFile>,
}

impl Package {
    pub fn file(&self, path: &str) -> Option<&SourceFile> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }

    /// The root `package.json`, if any.
    pub fn manifest(&self) -> Option<&SourceFile> {
        self.file("package.json")
    }

    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes.len() as u64).sum()
    }

    /// Sorts files by path so [`Package::file`] can binary-search. Ingest calls this.
    pub fn sort(&mut self) {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_and_text() {
        let mut p = Package {
            source: "x".into(),
            origin: Origin::Directory,
            sha256: String::new(),
            files: vec![
                SourceFile::new("z.js", FileKind::JavaScript, b"1".to_vec()),
                SourceFile::new("package.json", FileKind::Json, b"{}".to_vec()),
                SourceFile::new("bin/x", FileKind::Binary(BinaryKind::Elf), vec![0x7f, b'E']),
            ],
        };
        p.sort();
        assert_eq!(p.manifest().unwrap().text(), Some("{}"));
        assert!(p.file("bin/x").unwrap().text().is_none());
        assert!(p.file("nope").is_none());
        assert!(SourceFile::new("test/a.js", FileKind::JavaScript, vec![]).is_test_or_example());
        assert!(
            !SourceFile::new("nodes/Latest.node.js", FileKind::JavaScript, vec![])
                .is_test_or_example()
        );
    }
}
