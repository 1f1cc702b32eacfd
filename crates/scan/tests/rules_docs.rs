//! `docs/rules/` is generated from the rule registry (`portcullis rules docs --out
//! docs/rules`); this fails when a declaration changed and the pages were not regenerated.

use portcullis_scan::{Config, ScanOptions, Scanner};
use std::path::Path;

#[test]
fn checked_in_rule_docs_match_the_declarations() {
    let db = tempfile::tempdir().unwrap();
    let options = ScanOptions {
        no_config_discovery: true,
        db_dir: Some(db.path().to_path_buf()),
        ..Default::default()
    };
    let scanner = Scanner::with_config(Config::default(), &options).unwrap();
    let files = portcullis_scan::rules::doc_files(scanner.rules());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    let mut stale = Vec::new();
    for (rel, text) in &files {
        match std::fs::read_to_string(root.join(rel)) {
            Ok(on_disk) if on_disk == *text => {}
            _ => stale.push(rel.display().to_string()),
        }
    }
    let wanted: std::collections::BTreeSet<_> = files.iter().map(|(p, _)| p.clone()).collect();
    for dir in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let p = dir.path();
        let inner: Vec<_> = if p.is_dir() {
            std::fs::read_dir(&p)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .collect()
        } else {
            vec![p]
        };
        for f in inner {
            let rel = f.strip_prefix(&root).unwrap().to_path_buf();
            if f.extension().is_some_and(|x| x == "md") && !wanted.contains(&rel) {
                stale.push(format!("{} (no such rule)", rel.display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is out of step with the rule declarations; run `portcullis rules docs --out docs/rules`: {stale:?}"
    );
    // Every declared rule has a page that shows its signals.
    let undeclared = scanner
        .rules()
        .iter()
        .find(|r| r.id == "deps/malicious-package")
        .unwrap();
    let page = portcullis_scan::rules::page(undeclared);
    assert!(page.contains("`malicious-dependency`"), "{page}");
}
