//! End-to-end tests of the `portcullis` binary on the bundled examples and on hostile input:
//! exit codes, output formats, `--output`, baselines and configuration.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_portcullis"));
    // Never pick up a developer's database or colour settings.
    c.env(
        "PORTCULLIS_DB_DIR",
        std::env::temp_dir().join("portcullis-cli-test-no-db"),
    )
    .env("NO_COLOR", "1");
    c
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run portcullis")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn json_report(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

#[test]
fn unsafe_example_fails_the_gate_with_exit_1() {
    let dir = examples().join("n8n-nodes-acme-crm");
    let o = run(&["scan", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        code(&o),
        1,
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = json_report(&o);
    assert_ne!(r["decision"]["outcome"], "approve");
    assert!(!r["findings"].as_array().unwrap().is_empty());
    assert_eq!(r["schema_version"], "1.0");
}

#[test]
fn clean_example_passes_with_exit_0() {
    let dir = examples().join("n8n-nodes-open-weather");
    let o = run(&["scan", dir.to_str().unwrap(), "--format", "json"]);
    let r = json_report(&o);
    assert_eq!(code(&o), 0, "findings: {}", r["findings"]);
    assert_eq!(r["decision"]["outcome"], "approve");
}

#[test]
fn text_report_is_the_default_and_names_the_decision() {
    let dir = examples().join("node-red-contrib-acme-sensor");
    let o = run(&["scan", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.to_lowercase().contains("reject") || text.to_lowercase().contains("quarantine"),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes when not a terminal"
    );
}

#[test]
fn missing_path_and_bad_flags_exit_2() {
    let o = run(&["scan", "/definitely/not/here"]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("/definitely/not/here"));
    assert_eq!(code(&run(&["scan", ".", "--format", "yaml"])), 2);
    assert_eq!(code(&run(&["scan", ".", "--fail-on", "urgent"])), 2);
    assert_eq!(code(&run(&["scan", ".", "--output", "sarif"])), 2);
    assert_eq!(code(&run(&["frobnicate"])), 2);
}

/// A gzip'd tarball whose single entry's name is written raw, bypassing the tar crate's
/// own path checks, as a hostile packer would.
fn tarball_with_raw_entry(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    builder.append(&header, data).unwrap();
    let tar = builder.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    gz.finish().unwrap()
}

#[test]
fn hostile_archive_is_refused_with_exit_2_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let tgz = dir.path().join("evil-1.0.0.tgz");
    std::fs::write(
        &tgz,
        tarball_with_raw_entry(b"package/../../etc/cron.d/evil", b"* * * * * root sh"),
    )
    .unwrap();
    let o = run(&["scan", tgz.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("etc/cron.d/evil"),
        "error names the entry: {err}"
    );
}

#[test]
fn npm_tarball_of_an_example_scans_like_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let src = examples().join("n8n-nodes-acme-crm");
    let tgz = dir.path().join("n8n-nodes-acme-crm-0.3.1.tgz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&tgz).unwrap(),
        flate2::Compression::default(),
    );
    let mut builder = tar::Builder::new(gz);
    builder.append_dir_all("package", &src).unwrap();
    builder.into_inner().unwrap().finish().unwrap();

    let from_dir = json_report(&run(&["scan", src.to_str().unwrap(), "--format", "json"]));
    let from_tgz = json_report(&run(&["scan", tgz.to_str().unwrap(), "--format", "json"]));
    let fps = |r: &serde_json::Value| {
        let mut v: Vec<String> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(fps(&from_dir), fps(&from_tgz));
    assert_eq!(from_tgz["target"]["origin"], "tarball");
}

#[test]
fn outputs_write_several_formats_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let ex = examples().join("n8n-nodes-acme-crm");
    let sarif = dir.path().join("r.sarif");
    let md = dir.path().join("r.md");
    let o = run(&[
        "scan",
        ex.to_str().unwrap(),
        "--quiet",
        "--output",
        &format!("sarif={}", sarif.display()),
        "--output",
        &format!("markdown={}", md.display()),
    ]);
    assert_eq!(code(&o), 1);
    assert!(o.stdout.is_empty(), "--quiet prints nothing");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());
    assert!(std::fs::read_to_string(&md).unwrap().contains('|'));
}

#[test]
fn baseline_makes_known_findings_pass_and_new_ones_fail() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name":"node-red-contrib-shell","version":"1.0.0","license":"MIT","repository":"github:x/y","node-red":{"nodes":{"shell":"shell.js"}}}"#,
    )
    .unwrap();
    let v1 = "module.exports = function (RED) {\n  const cp = require('child_process');\n  function Shell(config) {\n    RED.nodes.createNode(this, config);\n    this.on('input', (msg) => { cp.exec(msg.payload.cmd); });\n  }\n  RED.nodes.registerType('shell', Shell);\n};\n";
    std::fs::write(pkg.join("shell.js"), v1).unwrap();
    let base = dir.path().join("base.json");
    let o = run(&[
        "scan",
        pkg.to_str().unwrap(),
        "--quiet",
        "--output",
        &format!("json={}", base.display()),
    ]);
    assert_eq!(code(&o), 1, "the command injection fails the gate");

    // Shift the code down: the known finding is unchanged relative to the baseline.
    std::fs::write(pkg.join("shell.js"), format!("// v2\n\n{v1}")).unwrap();
    let o = run(&[
        "scan",
        pkg.to_str().unwrap(),
        "--baseline",
        base.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        code(&o),
        0,
        "only baseline findings: {}",
        String::from_utf8_lossy(&o.stdout)
    );

    // A new injection is new.
    let v3 = v1.replace(
        "cp.exec(msg.payload.cmd);",
        "cp.exec(msg.payload.cmd); cp.execSync('rm -rf ' + msg.topic);",
    );
    std::fs::write(pkg.join("shell.js"), v3).unwrap();
    let o = run(&[
        "scan",
        pkg.to_str().unwrap(),
        "--baseline",
        base.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    let r = json_report(&o);
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["baseline_state"] == "new")
    );
}

#[test]
fn config_fail_on_and_cli_override() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name":"x","version":"1.0.0","license":"MIT","repository":"github:x/y"}"#,
    )
    .unwrap();
    std::fs::write(pkg.join("index.js"), "const crypto = require('crypto');\nmodule.exports = (s) => crypto.createHash('md5').update(s).digest('hex');\n").unwrap();
    let o = run(&["scan", pkg.to_str().unwrap(), "--fail-on", "critical"]);
    assert_eq!(code(&o), 0);
    std::fs::write(
        dir.path().join("portcullis.toml"),
        "[scan]\nallow-inline-suppressions = true\n[rules]\nunknown-key = 1\n",
    )
    .unwrap();
    let o = run(&["scan", pkg.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "an invalid config is a usage error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("portcullis.toml"));
}

#[test]
fn rules_list_names_every_analyzer() {
    let o = run(&["rules", "list", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let rules = json_report(&o);
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for prefix in ["supply-chain/", "js/", "secrets/", "deps/"] {
        assert!(
            ids.iter().any(|id| id.starts_with(prefix)),
            "no {prefix} rules in {ids:?}"
        );
    }
}

#[test]
fn no_output_format_ever_prints_a_whole_secret() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(pkg.join("nodes")).unwrap();
    // Assembled at run time so no scanner flags this test file itself.
    let stripe = format!("sk_live_{}", "51Hx9QkL3vZp8WcYb4NmR7dTq");
    let github = format!("ghp_{}", "Q8mK3pX7vL2qW9zN4tY5bH6cJ1dF0gS3aE7w");
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name":"n8n-nodes-leaky","version":"1.0.0","license":"MIT","repository":"github:a/b","n8n":{"n8nNodesApiVersion":1,"nodes":["nodes/Leaky.node.js"]}}"#,
    )
    .unwrap();
    std::fs::write(
        pkg.join("nodes/Leaky.node.js"),
        format!("const STRIPE = '{stripe}';\nconst GH = \"{github}\";\nmodule.exports = {{ STRIPE, GH }};\n"),
    )
    .unwrap();
    for format in ["text", "json", "sarif", "markdown", "cyclonedx"] {
        let o = run(&[
            "scan",
            pkg.to_str().unwrap(),
            "--format",
            format,
            "--verbose",
            "--color",
            "always",
        ]);
        assert_eq!(code(&o), 1, "{format}: the secrets fail the gate");
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        for secret in [&stripe, &github] {
            assert!(
                !out.contains(secret.as_str()),
                "{format} prints a whole secret"
            );
            assert!(
                !out.contains(&secret[6..]),
                "{format} prints most of a secret"
            );
        }
        if format != "cyclonedx" {
            assert!(
                out.contains("redacted"),
                "{format}: the finding is there, redacted"
            );
        }
    }
}
