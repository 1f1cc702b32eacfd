//! A scan that kills its process costs one job, never the server: crash → retried once →
//! failed as a poison job with the reason; and what slow, idle or too many clients cost
//! the HTTP server.

use axum::Router;
use portcullis_registry::SubmissionMetadata;
use portcullis_registry::testing::{Kind, TestStore};
use portcullis_server::isolation::{ChildScanner, IsolationLimits};
use portcullis_server::limits::{HttpLimits, serve_http};
use portcullis_server::worker::{Scanner, WorkerConfig, run_job_with};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn meta(version: &str) -> SubmissionMetadata {
    SubmissionMetadata {
        platform: Some("n8n".into()),
        name: Some("n8n-nodes-deep".into()),
        version: Some(version.into()),
        owner: Some("team-crm".into()),
        purpose: Some("Transforms items with generated expressions".into()),
        data_classes: Some(vec!["internal".into()]),
        external_services: Some(vec![]),
        risk_self_assessment: Some("low".into()),
        test_evidence: Some("https://ci.example/deep/7".into()),
        maintainers: vec!["dev@example.com".into()],
        description: None,
    }
}

/// A scan child that dies like the stack-overflowing JS analyzer does: a message on
/// standard error, then SIGABRT.
fn aborting_scanner() -> ChildScanner {
    ChildScanner::new(
        PathBuf::from("/bin/sh"),
        vec![
            "-c".into(),
            "echo \"thread 'js' has overflowed its stack\" >&2; echo 'fatal runtime error: stack overflow' >&2; kill -ABRT $$".into(),
            "scan-job".into(),
        ],
        IsolationLimits::default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_kills_its_worker_process_twice_is_failed_as_poison() {
    let t = TestStore::new(Kind::Sqlite).await;
    let sub = t
        .store
        .submit("prn_dev", &meta("1.0.0"), b"\x1f\x8bdeep".to_vec())
        .await
        .unwrap();
    let scanner: Arc<dyn Scanner> = Arc::new(aborting_scanner());
    let timing = WorkerConfig {
        retry_backoff_ms: 0,
        ..WorkerConfig::default()
    };
    // First crash: re-queued, and the submission says why.
    let job = t.store.claim_job("w1", 60_000).await.unwrap().unwrap();
    run_job_with(&t.store, scanner.clone(), "w1", job, &timing).await;
    let j = t.store.get_job(sub.job_id).await.unwrap();
    assert_eq!(j.state, "queued");
    let s = t.store.get_submission(sub.id).await.unwrap();
    assert_eq!(s.state, "queued");
    let why = s.error.expect("the submitter sees why");
    assert!(why.contains("retried once"), "{why}");
    assert!(why.contains("stack overflow"), "{why}");
    // Second crash: failed for good, although attempts remain.
    let job = t.store.claim_job("w2", 60_000).await.unwrap().unwrap();
    assert!(job.attempts < job.max_attempts);
    run_job_with(&t.store, scanner, "w2", job, &timing).await;
    let j = t.store.get_job(sub.job_id).await.unwrap();
    assert_eq!(j.state, "failed");
    let s = t.store.get_submission(sub.id).await.unwrap();
    assert_eq!(s.state, "failed");
    let why = s.error.unwrap();
    assert!(why.starts_with("poison job"), "{why}");
    assert!(why.contains("SIGABRT"), "{why}");
    assert!(t.store.claim_job("w3", 60_000).await.unwrap().is_none());
    // The audit log records the failure with the reason.
    let events = t
        .store
        .audit_events(&portcullis_registry::AuditFilter::default())
        .await
        .unwrap();
    let failed = events.iter().find(|e| e.action == "scan.failed").unwrap();
    assert!(failed.details.contains("poison job"), "{}", failed.details);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ordinary_scan_error_is_not_a_crash() {
    let t = TestStore::new(Kind::Sqlite).await;
    let sub = t
        .store
        .submit("prn_dev", &meta("1.0.1"), b"\x1f\x8bbad".to_vec())
        .await
        .unwrap();
    let scanner: Arc<dyn Scanner> = Arc::new(ChildScanner::new(
        PathBuf::from("/bin/sh"),
        vec![
            "-c".into(),
            "echo 'archive refused: data after the end of the archive' >&2; exit 2".into(),
            "scan-job".into(),
        ],
        IsolationLimits::default(),
    ));
    let timing = WorkerConfig {
        retry_backoff_ms: 0,
        ..WorkerConfig::default()
    };
    for _ in 0..3 {
        let job = t.store.claim_job("w1", 60_000).await.unwrap().unwrap();
        run_job_with(&t.store, scanner.clone(), "w1", job, &timing).await;
    }
    let s = t.store.get_submission(sub.id).await.unwrap();
    assert_eq!(s.state, "failed");
    let why = s.error.unwrap();
    assert!(why.contains("data after the end of the archive"), "{why}");
    assert!(!why.contains("poison"), "{why}");
    t.cleanup().await;
}

async fn start(limits: HttpLimits) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let app: Router = Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route(
            "/api/v1/submissions",
            axum::routing::post(|b: axum::body::Bytes| async move { b.len().to_string() }),
        );
    let app = portcullis_server::limits::with_timeouts(
        app,
        &limits,
        Arc::new(portcullis_server::limits::BodyLimits {
            upload: 100 * 1024 * 1024,
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve_http(listener, app, limits, async {
        let _ = rx.await;
    }));
    (addr, tx)
}

/// Seconds from `opened` until the server closes `s` (reads until EOF or reset), waiting
/// at most `max`.
fn closed_after(mut s: TcpStream, opened: Instant, max: Duration) -> Option<(f64, Vec<u8>)> {
    let started = Instant::now();
    s.set_read_timeout(Some(max)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some((opened.elapsed().as_secs_f64(), got)),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Some((opened.elapsed().as_secs_f64(), got));
            }
            Err(_) => return None,
        }
        if started.elapsed() > max {
            return None;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_idle_and_surplus_clients_are_closed() {
    let limits = HttpLimits {
        header_read_timeout_secs: 2,
        body_read_timeout_secs: 2,
        idle_timeout_secs: 3,
        request_timeout_secs: 30,
        max_connections: 8,
    };
    let (addr, _stop) = start(limits).await;
    let results = tokio::task::spawn_blocking(move || {
        let connect = || TcpStream::connect(addr).unwrap();
        let opened = Instant::now();
        // Silent: connects and sends nothing.
        let silent = connect();
        // Slow head: half a request line, then nothing.
        let mut slow_head = connect();
        slow_head.write_all(b"GET /healthz HT").unwrap();
        // Announces a 50 MB body and sends none of it.
        let mut no_body = connect();
        no_body
            .write_all(
                b"POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nContent-Length: 52428800\r\n\r\n",
            )
            .unwrap();
        // Keep-alive: one request answered, then idle.
        let mut idle = connect();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 64];
        let n = idle.read(&mut first).unwrap();
        assert!(first[..n].starts_with(b"HTTP/1.1 200"));
        // Fill the cap (4 open + 4 more), then one past it.
        let filler: Vec<TcpStream> = (0..4).map(|_| connect()).collect();
        std::thread::sleep(Duration::from_millis(300));
        let surplus = connect();
        let over =
            closed_after(surplus, Instant::now(), Duration::from_secs(5)).expect("surplus closed");
        let max = Duration::from_secs(15);
        let r = [
            ("silent", closed_after(silent, opened, max)),
            ("slow head", closed_after(slow_head, opened, max)),
            (
                "announced body, none sent",
                closed_after(no_body, opened, max),
            ),
            ("idle keep-alive", closed_after(idle, opened, max)),
        ];
        drop(filler);
        (over, r)
    })
    .await
    .unwrap();
    let (over, r) = results;
    let text = String::from_utf8_lossy(&over.1);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("\"code\":\"unavailable\""), "{text}");
    assert!(text.contains("limit of 8 concurrent connections"), "{text}");
    for (what, closed) in r {
        let (secs, _) = closed.unwrap_or_else(|| panic!("{what}: still open after 15 s"));
        eprintln!("{what}: closed after {secs:.1} s");
        assert!(secs < 10.0, "{what}: {secs}");
    }
    // The server still answers.
    let ok = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    })
    .await
    .unwrap();
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
}
