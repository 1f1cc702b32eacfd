//! `scan_history` on a repository built in the test: a secret committed and then removed is
//! still found, attributed to the commit that introduced it; unchanged blobs are scanned
//! once.

use portcullis_secrets::{Config, scan_history};
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str], date: &str) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Ada Dev")
        .env("GIT_AUTHOR_EMAIL", "ada@acme.test")
        .env("GIT_COMMITTER_NAME", "Ada Dev")
        .env("GIT_COMMITTER_EMAIL", "ada@acme.test")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn head(dir: &Path, rev: &str) -> String {
    let out = Command::new("git")
        .args(["rev-parse", rev])
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn removed_secret_is_found_and_attributed_to_its_first_commit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"], "2024-01-01T10:00:00Z");
    std::fs::create_dir_all(d.join("nodes/Acme")).unwrap();
    std::fs::write(
        d.join("package.json"),
        "{\"name\":\"n8n-nodes-acme\",\"version\":\"0.1.0\"}\n",
    )
    .unwrap();
    // Built from fragments: no token-shaped literal in the source.
    let token = [
        "xo",
        "xb-",
        "804215639027",
        "-",
        "3916270584123",
        "-",
        "Qm7TzR4kVw9pLx2NcY8bJd5H",
    ]
    .concat();
    std::fs::write(
        d.join("nodes/Acme/Acme.node.js"),
        format!("const SLACK = '{token}';\nmodule.exports = {{}};\n"),
    )
    .unwrap();
    git(d, &["add", "."], "2024-01-01T10:00:00Z");
    git(
        d,
        &["commit", "-q", "-m", "initial"],
        "2024-01-01T10:00:00Z",
    );
    let first = head(d, "HEAD");

    std::fs::write(
        d.join("nodes/Acme/Acme.node.js"),
        "const SLACK = process.env.SLACK_TOKEN;\nmodule.exports = {};\n",
    )
    .unwrap();
    std::fs::write(d.join("README.md"), "# acme\n").unwrap();
    git(d, &["add", "."], "2024-02-01T10:00:00Z");
    git(
        d,
        &["commit", "-q", "-m", "use env"],
        "2024-02-01T10:00:00Z",
    );

    let findings = scan_history(d, &Config::default()).unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f.rule_id, "secrets/slack-bot-token");
    assert_eq!(f.location.path, "nodes/Acme/Acme.node.js");
    assert_eq!(f.properties["commit"], first.as_str());
    assert_eq!(f.properties["author"], "Ada Dev <ada@acme.test>");
    assert_eq!(f.properties["date"], "2024-01-01T10:00:00Z");
    let json = serde_json::to_string(f).unwrap();
    assert!(!json.contains(&token[4..]), "{json}");
}

#[test]
fn not_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = scan_history(dir.path(), &Config::default())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("git repository "), "{err}");
}
