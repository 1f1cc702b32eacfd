//! Helpers for the tests that run `portcullis serve` / `worker` processes.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_portcullis"));
    c.env(
        "PORTCULLIS_DB_DIR",
        std::env::temp_dir().join("portcullis-cli-test-no-db"),
    )
    .env("NO_COLOR", "1");
    c
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

pub fn get(base: &str, path: &str, token: &str) -> (u16, serde_json::Value) {
    match agent()
        .get(&format!("{base}{path}"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
    {
        Ok(mut r) => {
            let status = r.status().as_u16();
            let text = r.body_mut().read_to_string().unwrap_or_default();
            (
                status,
                serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
            )
        }
        Err(e) => panic!("GET {path}: the server did not answer: {e}"),
    }
}

pub fn post(base: &str, path: &str, token: &str, body: serde_json::Value) -> serde_json::Value {
    let mut r = agent()
        .post(&format!("{base}{path}"))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let text = r.body_mut().read_to_string().unwrap();
    assert!(
        r.status().is_success(),
        "POST {path}: {} {text}",
        r.status()
    );
    serde_json::from_str(&text).unwrap()
}

pub fn wait_healthy(base: &str, server: &mut Child) {
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = server.try_wait() {
            panic!("portcullis serve exited during start-up: {status}");
        }
        if let Ok(r) = agent().get(&format!("{base}/healthz")).call()
            && r.status().is_success()
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "serve did not come up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn bootstrap(data: &Path) -> String {
    let out = bin()
        .args(["bootstrap", "--data"])
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A developer of team-crm, with a read/write token.
pub fn developer(base: &str, steward: &str) -> String {
    let p = post(
        base,
        "/api/v1/principals",
        steward,
        serde_json::json!({"name": "dev", "roles": ["developer"], "teams": ["team-crm"]}),
    );
    let t = post(
        base,
        "/api/v1/tokens",
        steward,
        serde_json::json!({"principal_id": p["id"], "scopes": ["read", "write"], "description": "test"}),
    );
    t["secret"].as_str().unwrap().to_string()
}

/// An n8n community-node tarball whose node file is `js`.
pub fn n8n_package(name: &str, version: &str, js: &str) -> Vec<u8> {
    let pkg = serde_json::json!({
        "name": name,
        "version": version,
        "keywords": ["n8n-community-node-package"],
        "main": "index.js",
        "n8n": {"n8nNodesApiVersion": 1, "nodes": ["dist/nodes/Deep/Deep.node.js"]}
    })
    .to_string();
    let mut tar = tar::Builder::new(Vec::new());
    for (path, body) in [
        ("package/package.json", pkg.as_str()),
        ("package/dist/nodes/Deep/Deep.node.js", js),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, path, body.as_bytes()).unwrap();
    }
    let raw = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&raw).unwrap();
    gz.finish().unwrap()
}

pub fn metadata_file(dir: &Path, name: &str, version: &str) -> PathBuf {
    let p = dir.join(format!("{name}-{version}.json"));
    std::fs::write(
        &p,
        serde_json::json!({
            "platform": "n8n", "name": name, "version": version, "owner": "team-crm",
            "purpose": "Evaluates generated arithmetic expressions on items",
            "data_classes": ["internal"], "external_services": [],
            "risk_self_assessment": "low", "test_evidence": "https://ci.example/deep/1"
        })
        .to_string(),
    )
    .unwrap();
    p
}

pub fn submit(base: &str, token: &str, dir: &Path, name: &str, version: &str, tgz: &[u8]) -> i64 {
    let pkg = dir.join(format!("{name}-{version}.tgz"));
    std::fs::write(&pkg, tgz).unwrap();
    let meta = metadata_file(dir, name, version);
    let out = bin()
        .args(["submit"])
        .arg(&pkg)
        .args(["--server", base, "--token", token, "--metadata"])
        .arg(&meta)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "submit: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    rec["id"].as_i64().unwrap()
}
