//! Scale-out on existing engines: two `serve` processes (API only) and two `portcullis
//! worker` processes on one PostgreSQL database, artifacts in S3-compatible object storage
//! (moto's server, started by scripts/ensure-s3.sh). A worker is killed with SIGKILL in the
//! middle of a scan; every job still ends done, none is lost and none is recorded twice.

mod common;

use common::*;
use portcullis_registry::testing::{Kind, TestStore};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn s3_endpoint() -> String {
    std::env::var("PORTCULLIS_TEST_S3").unwrap_or_else(|_| "http://127.0.0.1:5055".into())
}

struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn with_s3(cmd: &mut std::process::Command, artifacts: &str) {
    cmd.env("AWS_ACCESS_KEY_ID", "portcullis-test")
        .env("AWS_SECRET_ACCESS_KEY", "portcullis-test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", s3_endpoint())
        .env("AWS_ALLOW_HTTP", "true")
        .env("PORTCULLIS_ARTIFACTS", artifacts)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
}

/// A realistic n8n node of a few hundred functions, so that a scan takes long enough to be
/// interrupted.
fn node_source(tag: usize) -> String {
    let mut js = String::from(
        "'use strict';\nconst { NodeOperationError } = require('n8n-workflow');\nconst https = require('https');\n",
    );
    for i in 0..400 {
        js.push_str(&format!(
            "async function op{i}_{tag}(ctx, item) {{\n  const id = ctx.getNodeParameter('id{i}', 0);\n  if (!/^[a-z0-9-]+$/.test(id)) throw new NodeOperationError(ctx.getNode(), 'bad id');\n  const body = JSON.stringify({{ id, value: item.json.value{i} || null }});\n  return new Promise((resolve, reject) => {{\n    const req = https.request({{ host: 'api.acme-crm.example', path: '/v1/items/' + encodeURIComponent(id), method: 'POST' }}, (res) => {{\n      let data = '';\n      res.on('data', (c) => (data += c));\n      res.on('end', () => resolve(JSON.parse(data)));\n    }});\n    req.on('error', reject);\n    req.end(body);\n  }});\n}}\n"
        ));
    }
    js.push_str("module.exports = { op0 };\n");
    js
}

#[test]
fn two_servers_and_two_workers_share_postgres_and_s3_and_survive_a_killed_worker() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestStore::new(Kind::Postgres));
    let url = db.config.database.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("audit-signing.key");
    let bucket = format!("pcr-{}", std::process::id());
    let artifacts = format!("s3://{bucket}/artifacts");
    // moto creates a bucket on an unsigned PUT.
    let r = agent()
        .put(&format!("{}/{bucket}", s3_endpoint()))
        .send(&[][..])
        .unwrap_or_else(|e| {
            panic!(
                "no S3-compatible server at {} ({e}); run scripts/ensure-s3.sh",
                s3_endpoint()
            )
        });
    assert!(r.status().is_success(), "create bucket: {}", r.status());

    let store_args = |name: &str| -> Vec<String> {
        vec![
            "--data".into(),
            dir.path().join(name).display().to_string(),
            "--database".into(),
            url.clone(),
            "--signing-key".into(),
            key.display().to_string(),
        ]
    };
    let out = bin()
        .arg("bootstrap")
        .args(store_args("boot"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let steward = String::from_utf8(out.stdout).unwrap().trim().to_string();

    let mut procs = Procs(Vec::new());
    let mut bases = Vec::new();
    for i in 0..2 {
        let port = free_port();
        let mut cmd = bin();
        cmd.args([
            "serve",
            "--workers",
            "0",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args(store_args(&format!("serve{i}")));
        with_s3(&mut cmd, &artifacts);
        procs.0.push(cmd.spawn().unwrap());
        let base = format!("http://127.0.0.1:{port}");
        wait_healthy(&base, procs.0.last_mut().unwrap());
        bases.push(base);
    }
    let mut worker_pids = Vec::new();
    for name in ["worker-a", "worker-b"] {
        let mut cmd = bin();
        cmd.args(["worker", "--workers", "1"])
            .args(store_args(name))
            .env("HOSTNAME", name)
            .env("PORTCULLIS_WORKER_LEASE_MS", "3000")
            .env("PORTCULLIS_WORKER_POLL_MS", "50")
            .env("PORTCULLIS_WORKER_RETRY_BACKOFF_MS", "0");
        with_s3(&mut cmd, &artifacts);
        let child = cmd.spawn().unwrap();
        worker_pids.push(child.id());
        procs.0.push(child);
    }
    let dev = developer(&bases[0], &steward);

    // Eight versions, submitted through both servers.
    let n = 8;
    let mut subs = Vec::new();
    for i in 0..n {
        let version = format!("1.0.{i}");
        let tgz = n8n_package("n8n-nodes-acme-sync", &version, &node_source(i));
        subs.push(submit(
            &bases[i % 2],
            &dev,
            dir.path(),
            "n8n-nodes-acme-sync",
            &version,
            &tgz,
        ));
    }

    // Kill worker-a while it holds a running job.
    let a_prefix = format!("worker-a:{}:", worker_pids[0]);
    let started = Instant::now();
    let killed_job = loop {
        let mut running_on_a = None;
        for sid in &subs {
            let s = rt.block_on(db.store.get_submission(*sid)).unwrap();
            let j = rt.block_on(db.store.get_job(s.job_id)).unwrap();
            if j.state == "running"
                && j.worker
                    .as_deref()
                    .is_some_and(|w| w.starts_with(&a_prefix))
            {
                running_on_a = Some(j.id);
            }
        }
        if let Some(id) = running_on_a {
            let a = &mut procs.0[2];
            a.kill().unwrap();
            a.wait().unwrap();
            break id;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "worker-a never ran a job"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    eprintln!("killed worker-a while it scanned job {killed_job}");

    // Every job ends done; the killed one was taken over by worker-b.
    let started = Instant::now();
    loop {
        let states: Vec<String> = subs
            .iter()
            .map(|sid| rt.block_on(db.store.get_submission(*sid)).unwrap().state)
            .collect();
        if states.iter().all(|s| s != "queued") {
            assert!(states.iter().all(|s| s == "done"), "{states:?}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "jobs did not finish: {states:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!(
        "all {n} jobs done {:.1} s after the kill",
        started.elapsed().as_secs_f64()
    );
    let job = rt.block_on(db.store.get_job(killed_job)).unwrap();
    assert_eq!(job.state, "done");
    assert_eq!(job.attempts, 2, "{job:?}");
    assert!(job.worker.unwrap().starts_with("worker-b:"));

    // None done twice: one decision per version, one decision.record event per job. Read
    // through the other server than the one each was submitted to.
    for i in 0..n {
        let (s, decisions) = get(
            &bases[(i + 1) % 2],
            &format!("/api/v1/extensions/n8n/n8n-nodes-acme-sync/versions/1.0.{i}/decisions"),
            &steward,
        );
        assert_eq!(s, 200, "{decisions}");
        assert_eq!(
            decisions.as_array().unwrap().len(),
            1,
            "version 1.0.{i}: {decisions}"
        );
    }
    let events = rt
        .block_on(db.store.audit_events(&portcullis_registry::AuditFilter {
            limit: Some(1000),
            ..Default::default()
        }))
        .unwrap();
    let recorded = events
        .iter()
        .filter(|e| e.action == "decision.record")
        .count();
    assert_eq!(recorded, n);

    // The artifacts are in the bucket, not in any data directory.
    let mut r = agent()
        .get(&format!(
            "{}/{bucket}?list-type=2&prefix=artifacts/",
            s3_endpoint()
        ))
        .call()
        .unwrap();
    let listing = r.body_mut().read_to_string().unwrap();
    assert_eq!(listing.matches("<Key>").count(), n, "{listing}");
    for name in ["serve0", "serve1", "worker-a", "worker-b"] {
        assert!(
            !dir.path().join(name).join("artifacts").exists(),
            "{name} kept artifacts locally"
        );
    }
    drop(procs);
    rt.block_on(db.cleanup());
}
