//! Well-formed packages: npm-pack tarballs, plain tars, zips.

mod common;
use common::*;
use portcullis_core::{BinaryKind, FileKind, NoticeLevel, Origin};
use portcullis_ingest::{Limits, load_archive_bytes, load_with_notices};
use sha2::{Digest, Sha256};

fn npm_pack() -> Vec<u8> {
    Tar::new()
        .file("package/package.json", N8N_PACKAGE_JSON.as_bytes())
        .file(
            "package/dist/nodes/Acme/Acme.node.js",
            b"\"use strict\";\nexports.Acme = class {};\n",
        )
        .file(
            "package/dist/nodes/Acme/Acme.node.d.ts",
            b"export declare class Acme {}\n",
        )
        .file(
            "package/dist/nodes/Acme/Acme.node.js.map",
            b"{\"version\":3}",
        )
        .file(
            "package/dist/credentials/AcmeApi.credentials.js",
            b"exports.AcmeApi = class {};\n",
        )
        .file("package/.npmignore", b"dist/\n")
        .exe(
            "package/bin/acme",
            b"#!/usr/bin/env node\nrequire('../dist');\n",
        )
        .exe("package/build/Release/acme.node", &elf())
        .file("package/README.md", b"# n8n-nodes-acme\n")
        .tgz()
}

#[test]
fn npm_pack_tarball_is_unpacked_in_memory_and_stripped() {
    let bytes = npm_pack();
    let (pkg, notices) =
        load_archive_bytes("n8n-nodes-acme-1.2.0.tgz", &bytes, &Limits::default()).unwrap();
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(pkg.origin, Origin::Tarball);
    assert_eq!(pkg.source, "n8n-nodes-acme-1.2.0.tgz");
    assert_eq!(pkg.sha256, hex::encode(Sha256::digest(&bytes)));
    let paths: Vec<&str> = pkg.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            ".npmignore",
            "README.md",
            "bin/acme",
            "build/Release/acme.node",
            "dist/credentials/AcmeApi.credentials.js",
            "dist/nodes/Acme/Acme.node.d.ts",
            "dist/nodes/Acme/Acme.node.js",
            "dist/nodes/Acme/Acme.node.js.map",
            "package.json",
        ]
    );
    let kind = |p: &str| pkg.file(p).unwrap().kind;
    assert_eq!(kind("package.json"), FileKind::Json);
    assert_eq!(kind("dist/nodes/Acme/Acme.node.js"), FileKind::JavaScript);
    assert_eq!(
        kind("dist/nodes/Acme/Acme.node.d.ts"),
        FileKind::TypeDeclaration
    );
    assert_eq!(
        kind("dist/nodes/Acme/Acme.node.js.map"),
        FileKind::SourceMap
    );
    assert_eq!(
        kind("build/Release/acme.node"),
        FileKind::Binary(BinaryKind::NodeAddon)
    );
    assert_eq!(kind("bin/acme"), FileKind::JavaScript);
    assert!(pkg.file("bin/acme").unwrap().executable);
    assert!(!pkg.file("package.json").unwrap().executable);
    assert_eq!(pkg.manifest().unwrap().text(), Some(N8N_PACKAGE_JSON));
}

#[test]
fn plain_tar_without_common_root_keeps_paths() {
    let bytes = Tar::new()
        .file("package.json", b"{}")
        .dir("lib/")
        .file("lib/index.js", b"module.exports = 1;\n")
        .tar();
    let (pkg, _) = load_archive_bytes("x.tar", &bytes, &Limits::default()).unwrap();
    let paths: Vec<&str> = pkg.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["lib/index.js", "package.json"]);
}

#[test]
fn format_is_detected_by_magic_bytes_not_extension() {
    // A gzip tarball named .zip and a zip named .tgz both load with the right origin.
    let tgz = npm_pack();
    let (pkg, _) = load_archive_bytes("upload.zip", &tgz, &Limits::default()).unwrap();
    assert_eq!(pkg.origin, Origin::Tarball);
    let zip = Zip::new().file("a/index.js", b"1").bytes();
    let (pkg, _) = load_archive_bytes("upload.tgz", &zip, &Limits::default()).unwrap();
    assert_eq!(pkg.origin, Origin::Zip);
    assert_eq!(pkg.files[0].path, "index.js");
}

#[test]
fn zip_plugin_with_internal_symlink_is_loaded_and_link_skipped() {
    let bytes = Zip::new()
        .dir("acme-clock-panel/")
        .file(
            "acme-clock-panel/plugin.json",
            br#"{"id":"acme-clock-panel","type":"panel"}"#,
        )
        .file(
            "acme-clock-panel/module.js",
            b"define([], function () { return {}; });\n",
        )
        .exe("acme-clock-panel/gpx_clock_linux_amd64", &elf())
        .symlink("acme-clock-panel/module.latest.js", "module.js")
        .bytes();
    let (pkg, notices) =
        load_archive_bytes("acme-clock-panel-1.0.0.zip", &bytes, &Limits::default()).unwrap();
    assert_eq!(pkg.origin, Origin::Zip);
    let paths: Vec<&str> = pkg.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["gpx_clock_linux_amd64", "module.js", "plugin.json"]);
    let bin = pkg.file("gpx_clock_linux_amd64").unwrap();
    assert_eq!(bin.kind, FileKind::Binary(BinaryKind::Elf));
    assert!(bin.executable);
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].level, NoticeLevel::Info);
    assert_eq!(notices[0].path.as_deref(), Some("module.latest.js"));
    assert!(
        notices[0].message.contains("skipped"),
        "{}",
        notices[0].message
    );
}

#[test]
fn tar_symlink_and_hardlink_inside_root_are_skipped_with_notices() {
    let bytes = Tar::new()
        .file("package/lib/a.js", b"1")
        .symlink("package/lib/b.js", "a.js")
        .hardlink("package/lib/c.js", "package/lib/a.js")
        .tgz();
    let (pkg, notices) = load_archive_bytes("p.tgz", &bytes, &Limits::default()).unwrap();
    assert_eq!(pkg.files.len(), 1);
    assert_eq!(notices.len(), 2);
}

#[test]
fn every_archive_file_is_kept_even_if_ignored() {
    let bytes = Tar::new()
        .file("package/.gitignore", b"*.js\nsecret/\n")
        .file("package/.npmignore", b"*.js\n")
        .file("package/index.js", b"require('./payload')")
        .file("package/secret/payload.js", b"eval(atob('...'))")
        .tgz();
    let (pkg, _) = load_archive_bytes("p.tgz", &bytes, &Limits::default()).unwrap();
    assert!(pkg.file("index.js").is_some());
    assert!(pkg.file("secret/payload.js").is_some());
}

#[test]
fn archive_file_on_disk_loads_via_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n8n-nodes-acme-1.2.0.tgz");
    std::fs::write(&path, npm_pack()).unwrap();
    let (pkg, _) = load_with_notices(&path, &Limits::default()).unwrap();
    assert_eq!(pkg.files.len(), 9);
    assert_eq!(pkg.source, path.display().to_string());
}

#[test]
fn limits_deserialize_from_kebab_case_toml() {
    #[derive(serde::Deserialize)]
    struct Config {
        ingest: Limits,
    }
    let c: Config =
        toml::from_str("[ingest]\nmax-entries = 10\nmax-compression-ratio = 50\n").unwrap();
    assert_eq!(c.ingest.max_entries, 10);
    assert_eq!(c.ingest.max_compression_ratio, 50);
    assert_eq!(c.ingest.max_file_size, Limits::default().max_file_size);
    assert!(toml::from_str::<Config>("[ingest]\nmax-entires = 10\n").is_err());
}

#[test]
fn case_collisions_are_reported() {
    let bytes = Tar::new()
        .file("package/README.md", b"# a")
        .file("package/readme.md", b"# b")
        .file("package/index.js", b"1")
        .tgz();
    let (pkg, notices) = load_archive_bytes("p.tgz", &bytes, &Limits::default()).unwrap();
    assert_eq!(pkg.files.len(), 3);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].level, NoticeLevel::Warning);
    assert!(notices[0].message.contains("differ only in case"));
}

#[test]
fn link_to_the_package_root_itself_is_inside() {
    let bytes = Tar::new()
        .file("package/index.js", b"1")
        .symlink("package/lib/self", "..")
        .tgz();
    let (pkg, notices) = load_archive_bytes("p.tgz", &bytes, &Limits::default()).unwrap();
    assert_eq!(pkg.files.len(), 1);
    assert_eq!(notices.len(), 1);
}
