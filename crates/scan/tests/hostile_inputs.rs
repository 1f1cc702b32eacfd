//! The hostile-input suite: generates each attack of issue 12 that the scan side must survive
//! and checks that it ends cleanly — a refusal naming the entry and the limit, or a scan that
//! completes and reports what it did not analyse, which is then never approved.
//!
//! Every case is scanned in a child process (this binary, re-run with the case in the
//! environment), so a case that overflows the stack or hangs is reported by name instead of
//! taking the suite down. Run with `cargo test -p portcullis-scan --test hostile_inputs`;
//! `HOSTILE_ONLY=<case>` runs one case.
//!
//! [`PENDING`] lists the cases known to fail until other work merges; they are reported but
//! do not fail the suite. A pending case that passes is reported so the entry can go.

use flate2::Compression;
use flate2::write::GzEncoder;
use portcullis_scan::{Config, ScanOptions, Scanner};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const CHILD_INPUT: &str = "PORTCULLIS_HOSTILE_INPUT";
const CHILD_OUTPUT: &str = "PORTCULLIS_HOSTILE_OUTPUT";

/// A child still running after this long has hung (a scan of every case takes seconds; this
/// bounds a hang, it does not measure speed).
const HANG_AFTER: Duration = Duration::from_secs(300);

/// Cases that fail until another branch merges: (case, what they wait for).
const PENDING: &[(&str, &str)] = &[];

/// What a clean outcome is for one case.
enum Expect {
    /// Loading refuses the input; the error contains every needle (entry and limit).
    Refused(&'static [&'static str]),
    /// The scan completes, reports `path` as unanalysed with every needle in the message, and
    /// does not approve.
    Unanalysed {
        path: &'static str,
        needles: &'static [&'static str],
    },
    /// The scan completes (no crash, no hang); whatever it reports as unanalysed is not
    /// approved; a notice names `skipped` when given.
    Completes { skipped: Option<&'static str> },
}

struct Case {
    name: &'static str,
    /// What is scanned: a file or directory under the case's temporary directory.
    make: fn(&Path) -> PathBuf,
    expect: Expect,
}

fn cases() -> Vec<Case> {
    vec![
        deep_js("js-deep-binary"),
        deep_js("js-deep-not"),
        deep_js("js-deep-member"),
        deep_js("js-deep-assign"),
        deep_js("js-deep-ternary"),
        deep_js("js-deep-arrow"),
        deep_js("js-deep-if"),
        Case {
            name: "js-deep-not-forge",
            make: |dir| {
                let root = dir.join("forge-deep");
                write(&root.join("manifest.yml"), FORGE_MANIFEST.as_bytes());
                write(
                    &root.join("package.json"),
                    package_json("forge-deep").as_bytes(),
                );
                let js = format!(
                    "import api, {{ route }} from '@forge/api';\nexport const run = () => {}1;\n",
                    "!".repeat(30_000)
                );
                write(&root.join("src/index.js"), js.as_bytes());
                root
            },
            expect: Expect::Completes { skipped: None },
        },
        Case {
            name: "js-5mb-command-injection",
            make: |dir| {
                let root = dir.join("big");
                write(&root.join("package.json"), package_json("big").as_bytes());
                let mut js = String::from(
                    "const app = require('express')();\napp.get('/run', (req, res) => {\n  require(\"child_process\").exec(req.query.cmd);\n  res.end();\n});\napp.listen(3000);\n",
                );
                let line = format!("// {}\n", "padding ".repeat(12));
                while js.len() < 5 * 1024 * 1024 {
                    js.push_str(&line);
                }
                write(&root.join("index.js"), js.as_bytes());
                root
            },
            expect: Expect::Unanalysed {
                path: "index.js",
                needles: &["[js] max-file-bytes", "4194304"],
            },
        },
        Case {
            name: "tgz-second-gzip-member",
            make: |dir| {
                let mut bytes = gzip(&tar(&[
                    (
                        "package/package.json",
                        package_json("two-members").as_bytes(),
                    ),
                    ("package/index.js", b"module.exports = () => 1;\n"),
                ]));
                bytes.extend(gzip(&tar(&[(
                    "package/hidden.js",
                    b"require('child_process').exec(process.env.CMD);\n",
                )])));
                let path = dir.join("two-members-1.0.0.tgz");
                write(&path, &bytes);
                path
            },
            expect: Expect::Refused(&["end-of-archive", "package/index.js", "package/hidden.js"]),
        },
        Case {
            name: "tar-pax-sparse",
            make: |dir| {
                let path = dir.join("pax-sparse-1.0.0.tar");
                write(&path, &pax_sparse_tar());
                path
            },
            expect: Expect::Refused(&["package/hidden.js", "sparse", "GNUSparseFile.0"]),
        },
        Case {
            name: "tar-gnu-sparse",
            make: |dir| {
                let path = dir.join("gnu-sparse-1.0.0.tar");
                write(&path, &gnu_sparse_tar(true));
                path
            },
            expect: Expect::Refused(&["package/sparse.js", "sparse"]),
        },
        Case {
            name: "tar-gnu-sparse-malformed",
            make: |dir| {
                let path = dir.join("gnu-sparse-bad-1.0.0.tar");
                write(&path, &gnu_sparse_tar(false));
                path
            },
            expect: Expect::Refused(&["package/sparse.js"]),
        },
        Case {
            name: "forge-manifest-100k-deep",
            make: |dir| {
                let manifest = format!(
                    "app:\n  id: ari:cloud:ecosystem::app/00000000-0000-0000-0000-000000000000\nmodules:\n  function:\n    - key: main\n      handler: index.run\n  x: {}\n",
                    "[".repeat(100_000)
                );
                let bytes = gzip(&tar(&[
                    ("package/manifest.yml", manifest.as_bytes()),
                    (
                        "package/package.json",
                        package_json("forge-deep").as_bytes(),
                    ),
                    ("package/src/index.js", b"export const run = () => 1;\n"),
                ]));
                let path = dir.join("forge-deep-1.0.0.tgz");
                write(&path, &bytes);
                path
            },
            expect: Expect::Unanalysed {
                path: "manifest.yml",
                needles: &["nests deeper than 64"],
            },
        },
        Case {
            name: "package-json-100k-deep",
            make: |dir| {
                let root = dir.join("deep-json");
                let pj = format!(
                    "{{\"name\":\"deep-json\",\"version\":\"1.0.0\",\"x\":{}}}",
                    "[".repeat(100_000)
                );
                write(&root.join("package.json"), pj.as_bytes());
                write(&root.join("index.js"), b"module.exports = 1;\n");
                root
            },
            expect: Expect::Unanalysed {
                path: "package.json",
                needles: &["nests deeper than 64"],
            },
        },
        Case {
            name: "pcf-manifest-100k-deep",
            make: |dir| {
                let root = dir.join("pcf-deep");
                let xml = format!(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<manifest><control namespace=\"Acme\" constructor=\"Deep\" version=\"1.0.0\">{}</control></manifest>",
                    "<a>".repeat(100_000)
                );
                write(&root.join("Deep/ControlManifest.Input.xml"), xml.as_bytes());
                write(&root.join("Deep/index.ts"), b"export class Deep {}\n");
                root
            },
            expect: Expect::Unanalysed {
                path: "Deep/ControlManifest.Input.xml",
                needles: &["nests deeper than 64"],
            },
        },
        Case {
            name: "lockfiles-100k-deep",
            make: |dir| {
                let root = dir.join("deep-locks");
                write(
                    &root.join("package.json"),
                    package_json("deep-locks").as_bytes(),
                );
                let deep = "[".repeat(100_000);
                write(
                    &root.join("pnpm-lock.yaml"),
                    format!("lockfileVersion: '9.0'\npackages:\n  x: {deep}\n").as_bytes(),
                );
                write(
                    &root.join("py/poetry.lock"),
                    format!("[[package]]\nname = \"x\"\nversion = \"1\"\nx = {deep}\n").as_bytes(),
                );
                root
            },
            expect: Expect::Completes { skipped: None },
        },
        Case {
            name: "dir-with-fifo",
            make: |dir| {
                let root = dir.join("fifo");
                write(&root.join("package.json"), package_json("fifo").as_bytes());
                write(&root.join("index.js"), b"module.exports = 1;\n");
                std::fs::create_dir_all(root.join("lib")).unwrap();
                let fifo = root.join("lib/pipe.js");
                let ok = Command::new("mkfifo")
                    .arg(&fifo)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok, "mkfifo {} failed", fifo.display());
                root
            },
            expect: Expect::Completes {
                skipped: Some("lib/pipe.js"),
            },
        },
        Case {
            name: "dir-procfs",
            make: |_| PathBuf::from("/proc/self"),
            expect: Expect::Refused(&["/proc/self", "procfs"]),
        },
        Case {
            name: "zip-duplicate-names",
            make: |dir| {
                let path = dir.join("dup-1.0.0.zip");
                write(
                    &path,
                    &zip_stored(&[
                        ("package/package.json", package_json("dup").as_bytes()),
                        ("package/index.js", b"module.exports = 1;\n"),
                        (
                            "package/index.js",
                            b"require('child_process').exec(process.env.CMD);\n",
                        ),
                    ]),
                );
                path
            },
            expect: Expect::Refused(&["package/index.js", "more than once"]),
        },
    ]
}

const FORGE_MANIFEST: &str = "app:\n  id: ari:cloud:ecosystem::app/00000000-0000-0000-0000-000000000000\nmodules:\n  function:\n    - key: main\n      handler: index.run\npermissions:\n  scopes:\n    - read:jira-work\n";

/// 30 000 levels of one construct in a plain npm package's `index.js` (60–150 KB).
fn deep_js(name: &'static str) -> Case {
    // `make` is a plain fn: the generator is looked up by the case directory's name.
    Case {
        name,
        make: |dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let code = js_generator(&name)(30_000);
            let root = dir.join("pkg");
            write(
                &root.join("package.json"),
                package_json("deep-js").as_bytes(),
            );
            write(&root.join("index.js"), code.as_bytes());
            root
        },
        expect: Expect::Completes { skipped: None },
    }
}

/// The deep-JS generators by case name (the case directory is named after the case).
fn js_generator(case: &str) -> fn(usize) -> String {
    match case {
        "js-deep-binary" => |n| format!("var x = {}1;\n", "1+".repeat(n)),
        "js-deep-not" => |n| format!("var x = {}1;\n", "!".repeat(n)),
        "js-deep-member" => |n| format!("var x = a{};\n", ".b".repeat(n)),
        "js-deep-assign" => |n| format!("{}1;\n", "x=".repeat(n)),
        "js-deep-ternary" => |n| format!("var x = {}c;\n", "a?b:".repeat(n)),
        "js-deep-arrow" => |n| format!("var f = {}1;\n", "()=>".repeat(n)),
        "js-deep-if" => |n| format!("{}x();\n", "if(a) ".repeat(n)),
        other => panic!("no JS generator for {other}"),
    }
}

fn package_json(name: &str) -> String {
    format!(
        "{{\n  \"name\": \"{name}\",\n  \"version\": \"1.0.0\",\n  \"main\": \"index.js\",\n  \"license\": \"MIT\"\n}}\n"
    )
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// A pax 1.0 sparse member as GNU tar writes it: a pax header naming the real file in
/// `GNU.sparse.name`, then a regular entry under a placeholder name whose data starts with
/// the sparse map.
fn pax_sparse_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_size(0);
    h.set_mode(0o644);
    b.append_data(&mut h, "package/package.json", &b""[..])
        .unwrap();
    let body = b"require('child_process').exec(process.env.CMD);\n";
    let mut data = b"1\n0\n".to_vec();
    data.resize(512, 0);
    let real = body.len().to_string();
    let exts: Vec<(&str, &[u8])> = vec![
        ("GNU.sparse.major", b"1"),
        ("GNU.sparse.minor", b"0"),
        ("GNU.sparse.name", b"package/hidden.js"),
        ("GNU.sparse.realsize", real.as_bytes()),
    ];
    b.append_pax_extensions(exts).unwrap();
    let mut payload = data;
    payload.extend_from_slice(body);
    let mut h = tar::Header::new_ustar();
    h.set_size(payload.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, "package/GNUSparseFile.0/hidden.js", &payload[..])
        .unwrap();
    b.into_inner().unwrap()
}

/// An old-GNU sparse member (type `S`); with `valid` false its map claims more data than the
/// archive holds, which the tar reader rejects while reading the header.
fn gnu_sparse_tar(valid: bool) -> Vec<u8> {
    let mut out = tar(&[("package/package.json", package_json("sparse").as_bytes())]);
    out.truncate(out.len() - 1024); // drop the end-of-archive blocks
    let data = b"require('child_process').exec(process.env.CMD);\n";
    let mut h = tar::Header::new_gnu();
    h.set_path("package/sparse.js").unwrap();
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::GNUSparse);
    h.set_size(data.len() as u64);
    {
        let gnu = h.as_gnu_mut().unwrap();
        let octal = |field: &mut [u8], v: u64| {
            let s = format!("{:0width$o}\0", v, width = field.len() - 1);
            field.copy_from_slice(s.as_bytes());
        };
        octal(&mut gnu.realsize, (1 << 19) + data.len() as u64);
        octal(&mut gnu.sparse[0].offset, 1 << 19);
        let claimed = if valid { data.len() as u64 } else { 1 << 30 };
        octal(&mut gnu.sparse[0].numbytes, claimed);
    }
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
    let mut block = data.to_vec();
    block.resize(512, 0);
    out.extend_from_slice(&block);
    out.extend_from_slice(&[0; 1024]);
    out
}

/// A zip of stored entries, written by hand because zip writers refuse duplicate names.
fn zip_stored(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let crc = crc.sum();
        let offset = out.len() as u32;
        let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
        let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
        out.extend_from_slice(b"PK\x03\x04");
        le16(&mut out, 20);
        le16(&mut out, 0);
        le16(&mut out, 0);
        le32(&mut out, 0);
        le32(&mut out, crc);
        le32(&mut out, data.len() as u32);
        le32(&mut out, data.len() as u32);
        le16(&mut out, name.len() as u16);
        le16(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02");
        le16(&mut central, 0x0314);
        le16(&mut central, 20);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le32(&mut central, 0);
        le32(&mut central, crc);
        le32(&mut central, data.len() as u32);
        le32(&mut central, data.len() as u32);
        le16(&mut central, name.len() as u16);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le32(&mut central, 0o100644 << 16);
        le32(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// Child mode: scan the input, write `{"report": …}` or `{"error": "…"}`.
fn child(input: &Path, output: &Path) {
    let db = output.with_extension("db");
    std::fs::create_dir_all(&db).unwrap();
    let options = ScanOptions {
        no_config_discovery: true,
        forbid_inline_suppressions: true,
        db_dir: Some(db),
        ..ScanOptions::default()
    };
    let scanner = Scanner::with_config(Config::default(), &options).expect("scanner builds");
    let result = match scanner.scan(input, None) {
        Ok(report) => serde_json::json!({ "report": report }),
        Err(e) => serde_json::json!({ "error": e.to_string() }),
    };
    std::fs::write(output, serde_json::to_vec(&result).unwrap()).unwrap();
}

enum Run {
    Done(Value),
    Crashed(String),
    Hung,
}

fn run_child(input: &Path, output: &Path) -> Run {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_INPUT, input)
        .env(CHILD_OUTPUT, output)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("re-run the suite binary as a scan child");
    let started = Instant::now();
    loop {
        match child.try_wait().unwrap() {
            Some(status) => {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                if !status.success() {
                    let tail: String = err.lines().rev().take(3).collect::<Vec<_>>().join(" | ");
                    return Run::Crashed(format!("{status}: {tail}"));
                }
                let text = std::fs::read(output).unwrap_or_default();
                return match serde_json::from_slice(&text) {
                    Ok(v) => Run::Done(v),
                    Err(e) => Run::Crashed(format!("no result written ({e})")),
                };
            }
            None if started.elapsed() > HANG_AFTER => {
                let _ = child.kill();
                let _ = child.wait();
                return Run::Hung;
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn unanalysed(report: &Value) -> Vec<(&str, &str)> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["signals"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s == "unanalysed-code"))
        })
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

/// `Ok(summary)` when the outcome is clean, `Err(why)` otherwise.
fn check(expect: &Expect, result: &Value) -> Result<String, String> {
    let report = &result["report"];
    let outcome = report["decision"]["outcome"].as_str().unwrap_or("?");
    match (expect, result.get("error").and_then(Value::as_str)) {
        (Expect::Refused(needles), Some(err)) => {
            let missing: Vec<_> = needles.iter().filter(|n| !err.contains(**n)).collect();
            if missing.is_empty() {
                Ok(format!("refused: {err}"))
            } else {
                Err(format!("refusal does not name {missing:?}: {err}"))
            }
        }
        (Expect::Refused(_), None) => Err(format!("not refused; scanned with outcome {outcome}")),
        (_, Some(err)) => Err(format!("refused, but a clean scan was expected: {err}")),
        (Expect::Unanalysed { path, needles }, None) => {
            let found = unanalysed(report);
            let hit = found
                .iter()
                .find(|(p, m)| p == path && needles.iter().all(|n| m.contains(n)));
            match hit {
                None => Err(format!(
                    "no unanalysed-code finding for {path} naming {needles:?} (found {found:?}; outcome {outcome})"
                )),
                Some(_) if outcome == "approve" => {
                    Err(format!("{path} reported unanalysed, yet approved"))
                }
                Some((_, m)) => Ok(format!("{outcome}: {m}")),
            }
        }
        (Expect::Completes { skipped }, None) => {
            let found = unanalysed(report);
            if !found.is_empty() && outcome == "approve" {
                return Err(format!("unanalysed parts {found:?}, yet approved"));
            }
            if let Some(skipped) = skipped {
                let named = report["notices"].as_array().into_iter().flatten().any(|n| {
                    n["path"].as_str() == Some(skipped)
                        && n["message"].as_str().is_some_and(|m| m.contains("skipped"))
                });
                if !named {
                    return Err(format!("no notice says {skipped} was skipped"));
                }
            }
            Ok(format!(
                "{outcome}; unanalysed: {}",
                if found.is_empty() {
                    "none".to_string()
                } else {
                    found
                        .iter()
                        .map(|(p, m)| format!("{p} ({m})"))
                        .collect::<Vec<_>>()
                        .join("; ")
                }
            ))
        }
    }
}

fn main() -> ExitCode {
    if let (Some(input), Some(output)) = (
        std::env::var_os(CHILD_INPUT),
        std::env::var_os(CHILD_OUTPUT),
    ) {
        child(Path::new(&input), Path::new(&output));
        return ExitCode::SUCCESS;
    }
    let only = std::env::var("HOSTILE_ONLY").ok();
    let tmp = tempfile::tempdir().unwrap();
    let (mut failed, mut pending_failed, mut pending_passed) = (Vec::new(), Vec::new(), Vec::new());
    for case in cases() {
        if only.as_deref().is_some_and(|o| o != case.name) {
            continue;
        }
        let dir = tmp.path().join(case.name);
        std::fs::create_dir_all(&dir).unwrap();
        let input = (case.make)(&dir);
        let started = Instant::now();
        let verdict = match run_child(&input, &dir.join("result.json")) {
            Run::Done(v) => check(&case.expect, &v),
            Run::Crashed(why) => Err(format!("scan process died: {why}")),
            Run::Hung => Err(format!("scan still running after {HANG_AFTER:?}")),
        };
        let secs = started.elapsed().as_secs_f64();
        let pending = PENDING.iter().find(|(n, _)| *n == case.name).map(|p| p.1);
        match (&verdict, pending) {
            (Ok(summary), None) => println!("ok      {:<28} {secs:>6.1}s  {summary}", case.name),
            (Ok(summary), Some(_)) => {
                println!(
                    "ok      {:<28} {secs:>6.1}s  {summary} (listed as pending: remove it)",
                    case.name
                );
                pending_passed.push(case.name);
            }
            (Err(why), None) => {
                println!("FAILED  {:<28} {secs:>6.1}s  {why}", case.name);
                failed.push(case.name);
            }
            (Err(why), Some(waits)) => {
                println!(
                    "PENDING {:<28} {secs:>6.1}s  {why} (waits for: {waits})",
                    case.name
                );
                pending_failed.push(case.name);
            }
        }
    }
    println!(
        "\nhostile inputs: {} failed {:?}; pending and failing {:?}; pending but passing {:?}",
        failed.len(),
        failed,
        pending_failed,
        pending_passed
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
