//! Walking a working directory: `.gitignore`, skipped directories, links, size notices, hash.

mod common;
use common::*;
use portcullis_core::{FileKind, NoticeLevel, Origin};
use portcullis_ingest::{IngestError, Limit, Limits, load_with_notices};
use std::fs;
use std::path::Path;

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
}

/// A Node-RED node checkout as a developer has it.
fn node_red_checkout(root: &Path) {
    write(
        root,
        "package.json",
        br#"{"name":"node-red-contrib-acme","node-red":{"nodes":{"acme":"acme.js"}}}"#,
    );
    write(root, "acme.js", b"module.exports = function (RED) {};\n");
    write(
        root,
        "acme.html",
        b"<script type=\"text/html\" data-template-name=\"acme\"></script>\n",
    );
    write(root, ".gitignore", b"coverage/\n*.log\n");
    write(root, "coverage/lcov.info", b"TN:\n");
    write(root, "debug.log", b"noise\n");
    write(root, ".env", b"ACME_TOKEN=abc\n");
    write(
        root,
        "node_modules/left-pad/index.js",
        b"module.exports = 1;\n",
    );
    write(root, ".git/config", b"[core]\n");
    write(root, "lib/util.js", b"exports.x = 1;\n");
}

#[test]
fn walk_honours_gitignore_and_skips_vcs_and_node_modules() {
    let dir = tempfile::tempdir().unwrap();
    node_red_checkout(dir.path());
    let (pkg, notices) = load_with_notices(dir.path(), &Limits::default()).unwrap();
    assert_eq!(pkg.origin, Origin::Directory);
    let paths: Vec<&str> = pkg.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            ".env",
            ".gitignore",
            "acme.html",
            "acme.js",
            "lib/util.js",
            "package.json"
        ]
    );
    assert_eq!(pkg.file("acme.html").unwrap().kind, FileKind::Html);
    assert!(notices.is_empty(), "{notices:?}");
}

#[test]
fn directory_hash_is_stable_and_content_sensitive() {
    let dir = tempfile::tempdir().unwrap();
    node_red_checkout(dir.path());
    let a = load_with_notices(dir.path(), &Limits::default())
        .unwrap()
        .0
        .sha256;
    let b = load_with_notices(dir.path(), &Limits::default())
        .unwrap()
        .0
        .sha256;
    assert_eq!(a, b);
    assert_eq!(a.len(), 64);
    write(dir.path(), "lib/util.js", b"exports.x = 2;\n");
    let c = load_with_notices(dir.path(), &Limits::default())
        .unwrap()
        .0
        .sha256;
    assert_ne!(a, c);
    // Ignored files do not change the hash.
    write(dir.path(), "debug.log", b"more noise\n");
    let d = load_with_notices(dir.path(), &Limits::default())
        .unwrap()
        .0
        .sha256;
    assert_eq!(c, d);
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed_and_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "id_rsa",
        b"-----BEGIN OPENSSH PRIVATE KEY-----\n",
    );
    write(dir.path(), "index.js", b"1");
    std::os::unix::fs::symlink(outside.path().join("id_rsa"), dir.path().join("key")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked-dir")).unwrap();
    let (pkg, notices) = load_with_notices(dir.path(), &Limits::default()).unwrap();
    assert_eq!(pkg.files.len(), 1);
    let mut skipped: Vec<&str> = notices.iter().filter_map(|n| n.path.as_deref()).collect();
    skipped.sort();
    assert_eq!(skipped, ["key", "linked-dir"]);
    assert!(
        notices
            .iter()
            .all(|n| n.level == NoticeLevel::Warning && n.message.contains("symbolic link"))
    );
}

#[cfg(unix)]
#[test]
fn executable_bit_is_recorded() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bin/cli",
        b"#!/usr/bin/env node\nconsole.log(1)\n",
    );
    fs::set_permissions(
        dir.path().join("bin/cli"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let (pkg, _) = load_with_notices(dir.path(), &Limits::default()).unwrap();
    let f = pkg.file("bin/cli").unwrap();
    assert!(f.executable);
    assert_eq!(f.kind, FileKind::JavaScript);
}

#[test]
fn oversized_files_are_skipped_with_a_notice_but_total_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "index.js", b"1");
    write(dir.path(), "dist/bundle.js", &vec![b'x'; 5000]);
    write(dir.path(), "build/Release/acme.node", &elf());
    let limits = Limits {
        max_file_size: 4096,
        ..Limits::default()
    };
    let (pkg, notices) = load_with_notices(dir.path(), &limits).unwrap();
    assert!(pkg.file("dist/bundle.js").is_none());
    assert!(pkg.file("build/Release/acme.node").is_some());
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].path.as_deref(), Some("dist/bundle.js"));
    assert!(
        notices[0].message.contains("max-file-size"),
        "{}",
        notices[0].message
    );

    let limits = Limits {
        max_total_size: 4000,
        ..Limits::default()
    };
    write(dir.path(), "dist/bundle.js", &vec![b'x'; 3000]);
    write(dir.path(), "dist/other.js", &vec![b'x'; 3000]);
    let err = load_with_notices(dir.path(), &limits).unwrap_err();
    assert_eq!(err.limit(), Some(Limit::TotalSize), "{err}");
}

#[test]
fn too_many_entries_in_a_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..30 {
        write(dir.path(), &format!("lib/{i}.js"), b"1");
    }
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let err = load_with_notices(dir.path(), &limits).unwrap_err();
    assert_eq!(err.limit(), Some(Limit::Entries));
}

#[test]
fn missing_input_is_an_io_error_naming_it() {
    let err = load_with_notices(
        Path::new("/nonexistent/portcullis/x.tgz"),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(matches!(err, IngestError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with("/nonexistent/portcullis/x.tgz: cannot read"),
        "{err}"
    );
}

#[test]
fn too_deep_entries_are_reported_not_silently_dropped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/b/c/d/e/deep.js", b"1");
    write(dir.path(), "a/ok.js", b"1");
    let limits = Limits {
        max_path_depth: 3,
        ..Limits::default()
    };
    let (pkg, notices) = load_with_notices(dir.path(), &limits).unwrap();
    assert!(pkg.file("a/ok.js").is_some());
    assert!(pkg.file("a/b/c/d/e/deep.js").is_none());
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].path.as_deref(), Some("a/b/c/d"));
    assert!(notices[0].message.contains("max-path-depth"));
}
