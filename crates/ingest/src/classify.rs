//! File classification from name and content.
//!
//! Binaries are recognised by their content (magic bytes), never by their name alone: a
//! native addon renamed `index.js` is still an ELF object. Text is anything that is valid
//! UTF-8 without NUL bytes; its kind then comes from the name.

use portcullis_core::{BinaryKind, FileKind};

/// Classifies a file from its package-relative `path`, its `bytes` and whether the
/// executable bit was set.
///
/// * Executable formats (ELF, PE, Mach-O incl. fat binaries, wasm), archives, images and fonts
///   are recognised by magic bytes; an ELF/PE/Mach-O object named `*.node` is a
///   [`BinaryKind::NodeAddon`].
/// * Other content with a NUL byte or invalid UTF-8 is [`BinaryKind::Other`] (or
///   [`BinaryKind::Script`] when it starts with `#!` and is executable).
/// * Text is classified by name: lockfiles, `.d.ts`, `.map`, JS/TS, HTML, JSON, YAML, XML,
///   TOML, Markdown. An extension-less file with a `node` shebang (`#!/usr/bin/env node`, the
///   usual npm `bin` script) is JavaScript. A shebang script stays text (its `executable` flag
///   lives on the `SourceFile`).
pub fn classify(path: &str, bytes: &[u8], executable: bool) -> FileKind {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();

    if let Some(kind) = magic(bytes) {
        let kind = match kind {
            BinaryKind::Elf | BinaryKind::Pe | BinaryKind::MachO if lower.ends_with(".node") => {
                BinaryKind::NodeAddon
            }
            k => k,
        };
        return FileKind::Binary(kind);
    }

    let is_text = memchr::memchr(0, bytes).is_none() && std::str::from_utf8(bytes).is_ok();
    if !is_text {
        if bytes.starts_with(b"#!") && executable {
            return FileKind::Binary(BinaryKind::Script);
        }
        return FileKind::Binary(weak_magic(bytes).unwrap_or(BinaryKind::Other));
    }

    by_name(&lower).unwrap_or_else(|| {
        if !lower.contains('.') && is_node_shebang(bytes) {
            FileKind::JavaScript
        } else {
            FileKind::Text
        }
    })
}

const LOCKFILES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
    "deno.lock",
    "poetry.lock",
    "pipfile.lock",
    "uv.lock",
    "cargo.lock",
    "composer.lock",
    "gemfile.lock",
    "go.sum",
];

fn by_name(lower: &str) -> Option<FileKind> {
    if LOCKFILES.contains(&lower) {
        return Some(FileKind::Lockfile);
    }
    if [".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|s| lower.ends_with(s))
    {
        return Some(FileKind::TypeDeclaration);
    }
    let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "js" | "mjs" | "cjs" | "jsx" => FileKind::JavaScript,
        "ts" | "mts" | "cts" | "tsx" => FileKind::TypeScript,
        "map" => FileKind::SourceMap,
        "html" | "htm" | "xhtml" => FileKind::Html,
        "json" => FileKind::Json,
        "yaml" | "yml" => FileKind::Yaml,
        "xml" | "svg" | "resx" => FileKind::Xml,
        "toml" => FileKind::Toml,
        "md" | "markdown" | "mdx" => FileKind::Markdown,
        _ => return None,
    })
}

fn is_node_shebang(bytes: &[u8]) -> bool {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    first.starts_with(b"#!")
        && first
            .split(|&b| b == b' ' || b == b'/' || b == b'\t' || b == b'\r')
            .any(|w| w == b"node" || w == b"nodejs")
}

/// Strong magic numbers: unambiguous even on content that happens to be valid UTF-8.
fn magic(b: &[u8]) -> Option<BinaryKind> {
    let be32 = |i: usize| {
        b.get(i..i + 4)
            .and_then(|s| <[u8; 4]>::try_from(s).ok())
            .map(u32::from_be_bytes)
    };
    if b.starts_with(b"\x7fELF") {
        return Some(BinaryKind::Elf);
    }
    if is_pe(b) {
        return Some(BinaryKind::Pe);
    }
    match be32(0) {
        // 32/64-bit Mach-O, both byte orders; fat (universal) binaries, 32 and 64-bit.
        Some(0xfeed_face | 0xfeed_facf | 0xcefa_edfe | 0xcffa_edfe | 0xcafe_babf | 0xbfba_feca) => {
            return Some(BinaryKind::MachO);
        }
        // 0xcafebabe is both a fat Mach-O and a Java class file: a fat header's next word is
        // the architecture count (small), a class file's is its version (>= 45).
        Some(0xcafe_babe) => {
            return Some(if be32(4).is_some_and(|n| n < 45) {
                BinaryKind::MachO
            } else {
                BinaryKind::Other
            });
        }
        Some(0xbeba_feca) => return Some(BinaryKind::MachO),
        _ => {}
    }
    if b.starts_with(b"\0asm") {
        return Some(BinaryKind::Wasm);
    }
    const ARCHIVES: &[&[u8]] = &[
        b"PK\x03\x04",
        b"PK\x05\x06",
        b"PK\x07\x08",
        b"\x1f\x8b",
        b"7z\xbc\xaf\x27\x1c",
        b"Rar!\x1a\x07",
        b"\xfd7zXZ\x00",
        b"\x28\xb5\x2f\xfd",
        b"MSCF\0\0\0\0",
    ];
    if ARCHIVES.iter().any(|m| b.starts_with(m))
        || b.get(257..262) == Some(b"ustar")
        || (b.starts_with(b"BZh") && b.get(4..10) == Some(b"1AY&SY"))
    {
        return Some(BinaryKind::Archive);
    }
    const IMAGES: &[&[u8]] = &[b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a"];
    if IMAGES.iter().any(|m| b.starts_with(m))
        || (b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP"))
    {
        return Some(BinaryKind::Image);
    }
    const FONTS: &[&[u8]] = &[
        b"wOFF",
        b"wOF2",
        b"\x00\x01\x00\x00\x00",
        b"OTTO\x00",
        b"ttcf\x00",
    ];
    if FONTS.iter().any(|m| b.starts_with(m)) {
        return Some(BinaryKind::Font);
    }
    None
}

/// A PE image: `MZ`, and `e_lfanew` at 0x3c pointing at `PE\0\0`; or a bare DOS `MZ` stub
/// that is not text (checked by the caller through [`weak_magic`]).
fn is_pe(b: &[u8]) -> bool {
    if !b.starts_with(b"MZ") {
        return false;
    }
    let Some(off) = b
        .get(0x3c..0x40)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_le_bytes)
    else {
        return false;
    };
    let off = off as usize;
    b.get(off..off.saturating_add(4)) == Some(b"PE\0\0")
}

/// Magic numbers too short to trust on text; only consulted for content that is not text.
fn weak_magic(b: &[u8]) -> Option<BinaryKind> {
    if b.starts_with(b"MZ") {
        Some(BinaryKind::Pe)
    } else if b.starts_with(b"BM") || b.starts_with(b"\0\0\x01\0") {
        Some(BinaryKind::Image)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elf() -> Vec<u8> {
        let mut v = b"\x7fELF\x02\x01\x01\0".to_vec();
        v.resize(64, 0);
        v
    }

    #[test]
    fn text_kinds_by_name() {
        let c = |p: &str| classify(p, b"x", false);
        assert_eq!(c("dist/nodes/Slack/Slack.node.js"), FileKind::JavaScript);
        assert_eq!(c("src/a.mts"), FileKind::TypeScript);
        assert_eq!(c("dist/index.d.ts"), FileKind::TypeDeclaration);
        assert_eq!(c("dist/index.js.map"), FileKind::SourceMap);
        assert_eq!(c("package-lock.json"), FileKind::Lockfile);
        assert_eq!(c("sub/pnpm-lock.yaml"), FileKind::Lockfile);
        assert_eq!(c("package.json"), FileKind::Json);
        assert_eq!(c("nodes/lower-case.html"), FileKind::Html);
        assert_eq!(c("manifest.yml"), FileKind::Yaml);
        assert_eq!(c("ControlManifest.Input.xml"), FileKind::Xml);
        assert_eq!(c("README.md"), FileKind::Markdown);
        assert_eq!(c("LICENSE"), FileKind::Text);
        assert_eq!(c("Cargo.toml"), FileKind::Toml);
    }

    #[test]
    fn binaries_by_content_not_name() {
        assert_eq!(
            classify("build/Release/addon.node", &elf(), false),
            FileKind::Binary(BinaryKind::NodeAddon)
        );
        // An ELF object hiding behind a .js name is still an ELF object.
        assert_eq!(
            classify("lib/index.js", &elf(), true),
            FileKind::Binary(BinaryKind::Elf)
        );
        let mut pe = b"MZ".to_vec();
        pe.resize(0x80, 0);
        pe[0x3c] = 0x40;
        pe[0x40..0x44].copy_from_slice(b"PE\0\0");
        assert_eq!(
            classify("bin/x.exe", &pe, false),
            FileKind::Binary(BinaryKind::Pe)
        );
        for magic in [
            &[0xcf, 0xfa, 0xed, 0xfe][..],
            &[0xfe, 0xed, 0xfa, 0xcf],
            &[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2],
        ] {
            let mut m = magic.to_vec();
            m.resize(32, 0);
            assert_eq!(
                classify("bin/tool", &m, true),
                FileKind::Binary(BinaryKind::MachO)
            );
        }
        // A Java class file shares 0xcafebabe but carries a version >= 45.
        assert_eq!(
            classify("A.class", &[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52], false),
            FileKind::Binary(BinaryKind::Other)
        );
        assert_eq!(
            classify("a.wasm", b"\0asm\x01\0\0\0", false),
            FileKind::Binary(BinaryKind::Wasm)
        );
        assert_eq!(
            classify("vendor/x.tgz", b"\x1f\x8b\x08\0", false),
            FileKind::Binary(BinaryKind::Archive)
        );
        assert_eq!(
            classify("x.zip", b"PK\x03\x04rest", false),
            FileKind::Binary(BinaryKind::Archive)
        );
        assert_eq!(
            classify("icon.png", b"\x89PNG\r\n\x1a\n\0\0", false),
            FileKind::Binary(BinaryKind::Image)
        );
        assert_eq!(
            classify("f.woff2", b"wOF2\0\x01", false),
            FileKind::Binary(BinaryKind::Font)
        );
    }

    #[test]
    fn nul_or_invalid_utf8_is_binary() {
        assert_eq!(
            classify("a.js", b"var a = 1;\0", false),
            FileKind::Binary(BinaryKind::Other)
        );
        assert_eq!(
            classify("a.js", b"var a = '\xff\xfe';", false),
            FileKind::Binary(BinaryKind::Other)
        );
        assert_eq!(
            classify("run", b"#!/bin/sh\n\xff", true),
            FileKind::Binary(BinaryKind::Script)
        );
        // Text that merely starts with "MZ" or "BM" is not a binary.
        assert_eq!(
            classify("notes.txt", b"MZ is a magic number", false),
            FileKind::Text
        );
        assert_eq!(classify("notes.txt", b"BM", false), FileKind::Text);
    }

    #[test]
    fn shebang_scripts_stay_text() {
        assert_eq!(
            classify("bin/cli", b"#!/usr/bin/env node\nrequire('../dist')", true),
            FileKind::JavaScript
        );
        assert_eq!(
            classify("scripts/install.sh", b"#!/bin/sh\ncurl x | sh\n", true),
            FileKind::Text
        );
        assert_eq!(
            classify("bin/run", b"#!/bin/bash\necho hi\n", true),
            FileKind::Text
        );
    }
}
