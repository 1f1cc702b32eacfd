//! End-to-end tests of the database: import from zip / directory, update over HTTP from a
//! local server, persistence, atomicity, and queries with hand-checked OSV records.

use portcullis_core::{Ecosystem, Severity};
use portcullis_vulndb::{DB_FILE_NAME, DbError, SourceKind, VulnDb, smallest_fix};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

const LODASH: &str = r#"{
  "schema_version": "1.4.0",
  "id": "GHSA-35jh-r3h4-6jhm",
  "modified": "2024-01-01T00:00:00Z",
  "published": "2021-05-06T16:05:51Z",
  "aliases": ["CVE-2021-23337"],
  "summary": "Command Injection in lodash",
  "details": "`lodash` versions prior to 4.17.21 are vulnerable to Command Injection via the template function.",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}],
  "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-23337"}],
  "database_specific": {"cwe_ids": ["CWE-77", "CWE-94"], "severity": "HIGH"}
}"#;

/// The CVE record of the same issue, as another source publishes it (aliases point back).
const LODASH_CVE: &str = r#"{
  "id": "CVE-2021-23337",
  "aliases": ["GHSA-35jh-r3h4-6jhm"],
  "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "4.0.0"}, {"fixed": "4.17.21"}]}]}]
}"#;

const MINIMIST: &str = r#"{
  "id": "GHSA-xvch-5gv4-984h",
  "aliases": ["CVE-2021-44906"],
  "summary": "Prototype Pollution in minimist",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "npm", "name": "minimist"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.2.4"}]}]},
    {"package": {"ecosystem": "npm", "name": "minimist"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.6"}]}]}]
}"#;

const MAL: &str = r#"{
  "id": "MAL-2022-1",
  "summary": "Malicious code in n8n-nodes-sendgrid-pro (npm)",
  "affected": [{"package": {"ecosystem": "npm", "name": "n8n-nodes-sendgrid-pro"},
    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}],
  "database_specific": {"malicious-packages-origins": [{"source": "ossf-package-analysis"}]}
}"#;

const WITHDRAWN: &str = r#"{
  "id": "GHSA-wwww-wwww-wwww", "withdrawn": "2022-02-02T00:00:00Z",
  "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}, "versions": ["1.3.0"]}]
}"#;

const DJANGO: &str = r#"{
  "id": "PYSEC-2021-98",
  "aliases": ["CVE-2021-33203"],
  "affected": [{"package": {"ecosystem": "PyPI", "name": "Django"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.2"}, {"fixed": "2.2.24"},
                                               {"introduced": "3.0"}, {"fixed": "3.1.12"},
                                               {"introduced": "3.2"}, {"fixed": "3.2.4"}]}],
    "versions": ["2.2", "2.2.1", "3.2.3"]}]
}"#;

fn zip_bytes(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn write_zip(path: &Path, entries: &[(&str, &str)]) {
    std::fs::write(path, zip_bytes(entries)).unwrap();
}

#[test]
fn import_zip_then_query_with_full_semantics() {
    let tmp = tempfile::tempdir().unwrap();
    let dbdir = tmp.path().join("db");
    let zip = tmp.path().join("npm.zip");
    write_zip(
        &zip,
        &[
            ("GHSA-35jh-r3h4-6jhm.json", LODASH),
            ("MAL-2022-1.json", MAL),
            ("GHSA-wwww-wwww-wwww.json", WITHDRAWN),
            ("GHSA-xvch-5gv4-984h.json", MINIMIST),
            ("broken.json", "{\"id\": "),
            ("README.md", "not a record"),
        ],
    );
    let mut db = VulnDb::open_or_empty(&dbdir).unwrap();
    let summary = db.import(&zip).unwrap();
    assert_eq!(summary.total_advisories, 3);
    let src = &summary.sources[0];
    assert_eq!(src.kind, SourceKind::Import);
    assert_eq!((src.withdrawn, src.invalid), (1, 1));
    assert!(summary.invalid_examples[0].starts_with("broken.json"));

    // Reopen from disk: everything survives.
    let status = portcullis_vulndb::status(&dbdir).unwrap();
    assert_eq!((status.advisories, status.malicious), (3, 1));
    assert_eq!(status.sources.len(), 1);
    let db = VulnDb::open(&dbdir).unwrap();
    assert_eq!(db.meta().advisories, 3);
    assert_eq!(db.meta().malicious, 1);
    assert!(db.meta().updated_at > 0);
    assert!(!db.meta().is_stale(30));

    let hits = db.query(Ecosystem::Npm, "lodash", "4.17.20");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, "GHSA-35jh-r3h4-6jhm");
    assert_eq!(hits[0].aliases, vec!["CVE-2021-23337"]);
    assert_eq!(hits[0].severity, Severity::High); // 7.2 from the vector
    assert!(db.query(Ecosystem::Npm, "lodash", "4.17.21").is_empty());
    // A prerelease of the fix is still vulnerable.
    assert_eq!(db.query(Ecosystem::Npm, "lodash", "4.17.21-pre.1").len(), 1);

    // Malicious: every version, even one that does not parse.
    let mal = db.query(Ecosystem::Npm, "n8n-nodes-sendgrid-pro", "0.0.3");
    assert_eq!(mal.len(), 1);
    assert!(mal[0].malicious);
    assert_eq!(mal[0].severity, Severity::Critical);
    assert_eq!(
        db.query(Ecosystem::Npm, "n8n-nodes-sendgrid-pro", "github:x/y")
            .len(),
        1
    );

    // Withdrawn records never match.
    assert!(db.query(Ecosystem::Npm, "left-pad", "1.3.0").is_empty());

    // Two affected entries for one package: both intervals count.
    assert_eq!(db.query(Ecosystem::Npm, "minimist", "0.0.8").len(), 1);
    assert!(db.query(Ecosystem::Npm, "minimist", "0.2.4").is_empty());
    assert_eq!(db.query(Ecosystem::Npm, "minimist", "1.2.5").len(), 1);
    assert!(db.query(Ecosystem::Npm, "minimist", "1.2.6").is_empty());

    // Smallest fix for 1.2.0 is 1.2.6, not 0.2.4 (which is lower than installed).
    let adv = db.query(Ecosystem::Npm, "minimist", "1.2.0");
    let affected: Vec<_> = adv[0].affected.iter().collect();
    assert_eq!(
        smallest_fix(Ecosystem::Npm, "1.2.0", &affected).as_deref(),
        Some("1.2.6")
    );
    assert_eq!(
        smallest_fix(Ecosystem::Npm, "0.0.8", &affected).as_deref(),
        Some("0.2.4")
    );
    // No fix for malware.
    let mal_aff: Vec<_> = mal[0].affected.iter().collect();
    assert_eq!(smallest_fix(Ecosystem::Npm, "0.0.3", &mal_aff), None);
}

#[test]
fn import_directory_pypi_and_reimport_replaces_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let dbdir = tmp.path().join("db");
    let dir = tmp.path().join("advisories");
    std::fs::create_dir_all(dir.join("pypi/django")).unwrap();
    std::fs::write(dir.join("pypi/django/PYSEC-2021-98.json"), DJANGO).unwrap();
    std::fs::write(dir.join("lodash.json"), LODASH).unwrap();

    let mut db = VulnDb::open_or_empty(&dbdir).unwrap();
    db.import(&dir).unwrap();
    assert_eq!(db.len(), 2);
    // PEP 503 names and PEP 440 versions.
    assert_eq!(db.query(Ecosystem::PyPI, "django", "2.2.23").len(), 1);
    assert_eq!(db.query(Ecosystem::PyPI, "DJANGO", "3.2.3").len(), 1);
    assert!(db.query(Ecosystem::PyPI, "Django", "3.2.4").is_empty());
    assert!(db.query(Ecosystem::PyPI, "Django", "2.2.24").is_empty());
    assert_eq!(db.query(Ecosystem::PyPI, "Django", "3.1.11").len(), 1);
    assert!(db.query(Ecosystem::PyPI, "Django", "3.1.12").is_empty());
    assert!(db.query(Ecosystem::PyPI, "Django", "2.1").is_empty());
    let adv = db.query(Ecosystem::PyPI, "django", "3.2.1");
    let affected: Vec<_> = adv[0].affected.iter().collect();
    assert_eq!(
        smallest_fix(Ecosystem::PyPI, "3.2.1", &affected).as_deref(),
        Some("3.2.4")
    );

    // The upstream withdrew the lodash record: re-importing the same directory drops it.
    std::fs::remove_file(dir.join("lodash.json")).unwrap();
    db.import(&dir).unwrap();
    let db = VulnDb::open(&dbdir).unwrap();
    assert_eq!(db.len(), 1);
    assert!(db.query(Ecosystem::Npm, "lodash", "4.17.20").is_empty());
    assert_eq!(db.meta().sources.len(), 1);
}

#[test]
fn aliases_from_two_sources_are_both_kept_for_merging() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("ghsa.zip");
    let b = tmp.path().join("nvd");
    write_zip(&a, &[("a.json", LODASH)]);
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(b.join("CVE-2021-23337.json"), LODASH_CVE).unwrap();
    let mut db = VulnDb::open_or_empty(&tmp.path().join("db")).unwrap();
    db.import(&a).unwrap();
    db.import(&b).unwrap();
    let ids: Vec<_> = db
        .query(Ecosystem::Npm, "lodash", "4.17.20")
        .iter()
        .map(|a| a.id.clone())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    // 3.10.1 is only in the GHSA range (introduced 0), not the CVE one (introduced 4.0.0).
    assert_eq!(db.query(Ecosystem::Npm, "lodash", "3.10.1").len(), 1);
}

#[test]
fn missing_corrupt_and_empty_inputs_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dbdir = tmp.path().join("db");
    match VulnDb::open(&dbdir) {
        Err(DbError::Missing { dir }) => assert_eq!(dir, dbdir),
        other => panic!("expected Missing, got {other:?}"),
    }
    std::fs::create_dir_all(&dbdir).unwrap();
    std::fs::write(dbdir.join(DB_FILE_NAME), b"PCVDB\x00\x00\x01\xff\xff\xff").unwrap();
    let err = VulnDb::open(&dbdir).unwrap_err();
    assert!(matches!(err, DbError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(DB_FILE_NAME));

    let not_zip = tmp.path().join("x.zip");
    std::fs::write(&not_zip, b"definitely not a zip").unwrap();
    let mut db = VulnDb::empty(&tmp.path().join("db2"));
    let err = db.import(&not_zip).unwrap_err();
    assert!(matches!(err, DbError::Zip { .. }), "{err}");
    assert!(err.to_string().contains("x.zip"));

    let empty = tmp.path().join("empty.zip");
    write_zip(&empty, &[("README", "hi")]);
    assert!(matches!(
        db.import(&empty).unwrap_err(),
        DbError::NoRecords { .. }
    ));
    // Nothing was written by the failed imports.
    assert!(!tmp.path().join("db2").join(DB_FILE_NAME).exists());
}

/// Serves `routes` (path → body) over HTTP/1.1 for `requests` connections, 404 otherwise.
fn serve(routes: Vec<(String, Vec<u8>)>, requests: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).to_string();
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body) = match routes.iter().find(|(p, _)| *p == path) {
                Some((_, b)) => ("200 OK", b.clone()),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let resp = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/zip\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(resp.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
        }
    });
    (base, handle)
}

#[test]
fn update_downloads_each_ecosystem_from_a_local_server() {
    let npm = zip_bytes(&[
        ("GHSA-35jh-r3h4-6jhm.json", LODASH),
        ("MAL-2022-1.json", MAL),
    ]);
    let pypi = zip_bytes(&[("PYSEC-2021-98.json", DJANGO)]);
    let (base, server) = serve(
        vec![
            ("/mirror/npm/all.zip".into(), npm),
            ("/mirror/PyPI/all.zip".into(), pypi),
        ],
        2,
    );
    let tmp = tempfile::tempdir().unwrap();
    let dbdir = tmp.path().join("db");
    let mut db = VulnDb::open_or_empty(&dbdir).unwrap();
    let summary = db
        .update(&format!("{base}/mirror/"), &["npm", "pypi"])
        .unwrap();
    server.join().unwrap();
    assert_eq!(summary.total_advisories, 3);
    let names: Vec<_> = summary.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["osv:npm", "osv:PyPI"]);
    assert!(summary.sources[0].location.ends_with("/mirror/npm/all.zip"));

    let db = VulnDb::open(&dbdir).unwrap();
    assert_eq!(db.query(Ecosystem::PyPI, "django", "3.2.1").len(), 1);
    assert_eq!(db.query(Ecosystem::Npm, "lodash", "4.0.0").len(), 1);
    // No temp download left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dbdir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != DB_FILE_NAME)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn failed_update_keeps_the_previous_database() {
    let tmp = tempfile::tempdir().unwrap();
    let dbdir = tmp.path().join("db");
    let seed = tmp.path().join("seed.zip");
    write_zip(&seed, &[("a.json", LODASH)]);
    let mut db = VulnDb::open_or_empty(&dbdir).unwrap();
    db.import(&seed).unwrap();
    let before = std::fs::read(dbdir.join(DB_FILE_NAME)).unwrap();

    // npm downloads fine, PyPI is a 404: nothing may change.
    let npm = zip_bytes(&[("MAL-2022-1.json", MAL)]);
    let (base, server) = serve(vec![("/npm/all.zip".into(), npm)], 2);
    let err = db.update(&base, &["npm", "PyPI"]).unwrap_err();
    server.join().unwrap();
    match &err {
        DbError::Http { url, .. } => assert!(url.ends_with("/PyPI/all.zip"), "{url}"),
        other => panic!("expected Http, got {other}"),
    }
    assert_eq!(std::fs::read(dbdir.join(DB_FILE_NAME)).unwrap(), before);
    let db = VulnDb::open(&dbdir).unwrap();
    assert_eq!(db.len(), 1);

    // A server that returns something that is not a zip.
    let (base, server) = serve(vec![("/npm/all.zip".into(), b"<html>".to_vec())], 1);
    let mut db = db;
    let err = db.update(&base, &["npm"]).unwrap_err();
    server.join().unwrap();
    assert!(err.to_string().contains("not a zip"), "{err}");
    assert_eq!(std::fs::read(dbdir.join(DB_FILE_NAME)).unwrap(), before);

    assert!(matches!(
        db.update(&base, &["Maven"]).unwrap_err(),
        DbError::UnsupportedEcosystem(_)
    ));
}
