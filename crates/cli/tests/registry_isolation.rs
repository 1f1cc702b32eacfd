//! A hostile upload cannot take `portcullis serve` down: a 440-byte package whose JS nests
//! 30,000 deep (which overflows the analyzer's stack) is scanned in an isolated child
//! process; the server keeps answering the status API throughout and the job ends failed
//! with the reason (or, once the analyzer bounds its depth, scanned and not approved).

mod common;

use common::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn a_package_that_crashes_the_scanner_leaves_serve_answering_and_its_job_failed_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let steward = bootstrap(&data);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = bin()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "1",
            "--data",
        ])
        .arg(&data)
        .env("PORTCULLIS_WORKER_POLL_MS", "100")
        .env("PORTCULLIS_WORKER_RETRY_BACKOFF_MS", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server { child, base };
    wait_healthy(&server.base, &mut server.child);
    let dev = developer(&server.base, &steward);

    // `var x = 1+1+…+1;` nested 30,000 deep: 60 KB of JS, a few hundred bytes packed.
    let js = format!(
        "var x = {}1;\nmodule.exports = {{ x }};\n",
        "1+".repeat(30_000)
    );
    let tgz = n8n_package("n8n-nodes-deep", "1.0.0", &js);
    assert!(
        tgz.len() < 1024,
        "the hostile package is {} bytes",
        tgz.len()
    );
    eprintln!("hostile package: {} bytes", tgz.len());
    let id = submit(
        &server.base,
        &dev,
        dir.path(),
        "n8n-nodes-deep",
        "1.0.0",
        &tgz,
    );

    let started = Instant::now();
    let mut health_checks = 0;
    let final_state = loop {
        // The status API keeps answering while the hostile package is scanned.
        let (s, _) = get(
            &server.base,
            "/api/v1/extensions/n8n/n8n-nodes-deep/versions/1.0.0/status?environment=prod",
            &dev,
        );
        assert!(s < 500, "status API answered {s}");
        let (s, _) = get(&server.base, "/healthz", &dev);
        assert_eq!(s, 200);
        health_checks += 1;
        assert!(
            server.child.try_wait().unwrap().is_none(),
            "portcullis serve died while scanning the hostile package"
        );
        let (_, sub) = get(&server.base, &format!("/api/v1/submissions/{id}"), &dev);
        if sub["state"] != "queued" {
            break sub;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the job never finished: {sub}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    eprintln!(
        "job ended {} after {:.1} s, {health_checks} health checks answered: {}",
        final_state["state"],
        started.elapsed().as_secs_f64(),
        final_state["error"]
    );
    match final_state["state"].as_str() {
        Some("failed") => {
            let why = final_state["error"].as_str().unwrap_or_default();
            assert!(why.contains("poison job"), "{why}");
            assert!(
                why.contains("stack overflow") || why.contains("signal") || why.contains("SIG"),
                "{why}"
            );
        }
        // The analyzer bounds its recursion: the package is scanned, and what it could not
        // analyse keeps it from being approved.
        Some("done") => {
            let (_, decisions) = get(
                &server.base,
                "/api/v1/extensions/n8n/n8n-nodes-deep/versions/1.0.0/decisions",
                &steward,
            );
            let outcome = decisions[0]["outcome"].as_str().unwrap_or_default();
            assert_ne!(outcome, "approve", "{decisions}");
        }
        other => panic!("unexpected submission state {other:?}: {final_state}"),
    }
    // And the server still serves afterwards.
    let (s, _) = get(&server.base, "/healthz", &dev);
    assert_eq!(s, 200);
    assert!(server.child.try_wait().unwrap().is_none());
}
