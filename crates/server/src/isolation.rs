//! Scans in a child process with resource limits.
//!
//! A package is hostile: a scanner bug it triggers (a stack overflow on deeply nested code,
//! an allocation it makes huge, a loop it makes endless) must cost one job, never the
//! server. [`ChildScanner`] runs every scan as a separate process of a configured program
//! (the `portcullis` binary's hidden `__scan-job` command) with
//!
//! * `RLIMIT_CPU` — CPU seconds; the kernel sends `SIGXCPU`, then `SIGKILL` a second later;
//! * `RLIMIT_AS` — address space, so an allocation past it fails (Rust aborts the child);
//! * `RLIMIT_FSIZE = 0` and `RLIMIT_CORE = 0` — the child cannot write a byte to any file
//!   (its report goes to a pipe), nor dump core;
//! * a wall-clock deadline enforced here, after which the child is killed;
//! * bounded capture of its standard output (the JSON report) and error (the last lines,
//!   for the reason).
//!
//! The outcome of a child that died — by a signal, a limit or the deadline — is a
//! [`ScanFailure::Crashed`] with a reason a submitter can read; the worker retries such a
//! job at most once (see `worker.rs`).

use crate::worker::{ScanFailure, Scanner};
use portcullis_core::ScanReport;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Resource limits of one scan child.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct IsolationLimits {
    /// CPU seconds (`RLIMIT_CPU`). `PORTCULLIS_SCAN_CPU_SECS`.
    pub cpu_secs: u64,
    /// Address space in MiB (`RLIMIT_AS`). `PORTCULLIS_SCAN_MEMORY_MB`.
    pub memory_mb: u64,
    /// Wall-clock seconds before the child is killed. `PORTCULLIS_SCAN_DEADLINE_SECS`.
    pub deadline_secs: u64,
    /// Largest report (bytes of standard output) accepted.
    pub max_output_bytes: usize,
}

impl Default for IsolationLimits {
    fn default() -> IsolationLimits {
        IsolationLimits {
            cpu_secs: 300,
            memory_mb: 4096,
            deadline_secs: 600,
            max_output_bytes: 256 * 1024 * 1024,
        }
    }
}

impl IsolationLimits {
    /// Overrides from `PORTCULLIS_SCAN_CPU_SECS`, `PORTCULLIS_SCAN_MEMORY_MB` and
    /// `PORTCULLIS_SCAN_DEADLINE_SECS`; a value that is not a positive number is an error
    /// naming the variable.
    pub fn from_env(mut self) -> Result<IsolationLimits, String> {
        for (var, field) in [
            ("PORTCULLIS_SCAN_CPU_SECS", &mut self.cpu_secs),
            ("PORTCULLIS_SCAN_MEMORY_MB", &mut self.memory_mb),
            ("PORTCULLIS_SCAN_DEADLINE_SECS", &mut self.deadline_secs),
        ] {
            if let Ok(v) = std::env::var(var) {
                *field = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{var}={v}: expected a positive whole number"))?;
            }
        }
        Ok(self)
    }
}

/// Scans by running `program args… <artifact>` in a child process under [`IsolationLimits`].
/// The child prints the [`ScanReport`] as JSON on standard output and exits 0; any other
/// exit code is an ordinary scan error whose message is its standard error.
pub struct ChildScanner {
    program: PathBuf,
    args: Vec<OsString>,
    limits: IsolationLimits,
}

impl ChildScanner {
    pub fn new(program: PathBuf, args: Vec<OsString>, limits: IsolationLimits) -> ChildScanner {
        ChildScanner {
            program,
            args,
            limits,
        }
    }

    pub fn limits(&self) -> &IsolationLimits {
        &self.limits
    }

    fn command(&self, artifact: &Path) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .arg(artifact)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = artifact.parent() {
            cmd.current_dir(dir);
        }
        apply_limits(&mut cmd, &self.limits);
        cmd
    }
}

#[cfg(unix)]
fn apply_limits(cmd: &mut Command, limits: &IsolationLimits) {
    use std::os::unix::process::CommandExt;
    let cpu = limits.cpu_secs;
    let mem = limits.memory_mb.saturating_mul(1024 * 1024);
    // SAFETY: the closure runs in the forked child before exec and only calls setrlimit,
    // setpgid and prctl, which are async-signal-safe; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            let set = |resource, soft: u64, hard: u64| {
                let lim = libc::rlimit {
                    rlim_cur: soft as libc::rlim_t,
                    rlim_max: hard as libc::rlim_t,
                };
                if libc::setrlimit(resource, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            };
            // Soft limit: SIGXCPU; the hard limit a second later is SIGKILL.
            set(libc::RLIMIT_CPU, cpu, cpu.saturating_add(1))?;
            set(libc::RLIMIT_AS, mem, mem)?;
            set(libc::RLIMIT_FSIZE, 0, 0)?;
            set(libc::RLIMIT_CORE, 0, 0)?;
            // Its own process group, so a kill reaches anything it might start.
            libc::setpgid(0, 0);
            // A worker killed mid-scan takes its scan with it (Linux).
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn apply_limits(_cmd: &mut Command, _limits: &IsolationLimits) {}

/// Reads everything from `r`, keeping at most `max` bytes (the rest is drained, so the child
/// never blocks on a full pipe). Returns the bytes and whether any were dropped.
fn read_bounded(mut r: impl Read, max: usize) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    let mut dropped = false;
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => return (out, dropped),
            Ok(n) => {
                let room = max.saturating_sub(out.len());
                out.extend_from_slice(&buf[..n.min(room)]);
                dropped |= n > room;
            }
        }
    }
}

/// Reads everything from `r`, keeping the last `keep` bytes.
fn read_tail(mut r: impl Read, keep: usize) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => return out,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.len() > keep * 2 {
                    out.drain(..out.len() - keep);
                }
            }
        }
    }
}

/// The last few non-empty lines of the child's standard error, bounded.
fn stderr_summary(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" | ");
    crate::limits::truncate_for_echo(&tail, 600)
}

#[cfg(unix)]
fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGTERM => "SIGTERM",
        _ => "signal",
    }
}

impl ChildScanner {
    /// Runs one scan in a child and classifies how it ended.
    pub fn run(&self, artifact: &Path) -> Result<ScanReport, ScanFailure> {
        let started = Instant::now();
        let mut child = self.command(artifact).spawn().map_err(|e| {
            ScanFailure::Error(format!(
                "cannot start the scan process {}: {e}",
                self.program.display()
            ))
        })?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let max_out = self.limits.max_output_bytes;
        let out_reader = std::thread::spawn(move || match stdout {
            Some(s) => read_bounded(s, max_out),
            None => (Vec::new(), false),
        });
        let err_reader = std::thread::spawn(move || match stderr {
            Some(s) => read_tail(s, 4096),
            None => Vec::new(),
        });
        let deadline = Duration::from_secs(self.limits.deadline_secs.max(1));
        let mut pause = Duration::from_millis(5);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) => {}
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ScanFailure::Error(format!(
                        "cannot wait for the scan process: {e}"
                    )));
                }
            }
            if started.elapsed() >= deadline {
                kill_group(&mut child);
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(100));
        };
        let (out, overflow) = out_reader.join().unwrap_or_default();
        let err = err_reader.join().unwrap_or_default();
        let why = stderr_summary(&err);
        let Some(status) = status else {
            return Err(ScanFailure::Crashed(format!(
                "the scan ran past its wall-clock deadline of {} s and was killed",
                deadline.as_secs()
            )));
        };
        if let Some(reason) = self.crash_reason(&status, &why, started.elapsed()) {
            return Err(ScanFailure::Crashed(reason));
        }
        if !status.success() {
            return Err(ScanFailure::Error(if why.is_empty() {
                format!("the scan process failed ({status})")
            } else {
                why
            }));
        }
        if overflow {
            return Err(ScanFailure::Error(format!(
                "the scan report is larger than {} bytes",
                max_out
            )));
        }
        serde_json::from_slice(&out).map_err(|e| {
            ScanFailure::Error(format!("the scan process printed no valid report: {e}"))
        })
    }

    /// Why a child that ended with `status` died, or `None` when it exited normally.
    #[cfg(unix)]
    fn crash_reason(
        &self,
        status: &std::process::ExitStatus,
        stderr: &str,
        elapsed: Duration,
    ) -> Option<String> {
        use std::os::unix::process::ExitStatusExt;
        let sig = status.signal()?;
        let detail = if stderr.is_empty() {
            String::new()
        } else {
            format!(": {stderr}")
        };
        let cpu_limited = sig == libc::SIGXCPU
            || (sig == libc::SIGKILL && elapsed.as_secs() >= self.limits.cpu_secs);
        Some(if cpu_limited {
            format!(
                "the scan used more than its CPU-time limit of {} s and was stopped ({})",
                self.limits.cpu_secs,
                signal_name(sig)
            )
        } else if stderr.contains("memory allocation") {
            format!(
                "the scan exceeded its memory limit of {} MiB and was stopped ({}){detail}",
                self.limits.memory_mb,
                signal_name(sig)
            )
        } else if stderr.contains("stack overflow") || stderr.contains("overflowed its stack") {
            format!(
                "the scanner crashed with a stack overflow ({}){detail}",
                signal_name(sig)
            )
        } else {
            format!(
                "the scan process was killed by signal {sig} ({}){detail}",
                signal_name(sig)
            )
        })
    }

    #[cfg(not(unix))]
    fn crash_reason(
        &self,
        _status: &std::process::ExitStatus,
        _stderr: &str,
        _elapsed: Duration,
    ) -> Option<String> {
        None
    }
}

#[cfg(unix)]
fn kill_group(child: &mut std::process::Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: plain syscall on the child's own process group (set in pre_exec).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

#[cfg(not(unix))]
fn kill_group(child: &mut std::process::Child) {
    let _ = child.kill();
}

impl Scanner for ChildScanner {
    fn scan(&self, path: &Path) -> Result<ScanReport, String> {
        self.run(path).map_err(|e| e.to_string())
    }

    fn scan_job(&self, path: &Path) -> Result<ScanReport, ScanFailure> {
        self.run(path)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str, limits: IsolationLimits) -> ChildScanner {
        ChildScanner::new(
            PathBuf::from("/bin/sh"),
            vec!["-c".into(), script.into(), "scan".into()],
            limits,
        )
    }

    fn artifact() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("package.tgz");
        std::fs::write(&p, b"\x1f\x8b not really").unwrap();
        (dir, p)
    }

    fn crashed(r: Result<ScanReport, ScanFailure>) -> String {
        match r {
            Err(ScanFailure::Crashed(why)) => why,
            Err(ScanFailure::Error(e)) => panic!("expected a crash, got the error {e}"),
            Ok(_) => panic!("expected a crash, got a report"),
        }
    }

    #[test]
    fn a_child_killed_by_a_signal_is_a_crash_with_its_last_words() {
        let (_d, a) = artifact();
        let s = sh(
            "echo 'fatal runtime error: stack overflow' >&2; kill -ABRT $$",
            IsolationLimits::default(),
        );
        let why = crashed(s.run(&a));
        assert!(why.contains("stack overflow"), "{why}");
        assert!(why.contains("SIGABRT"), "{why}");
    }

    #[test]
    fn a_runaway_child_is_stopped_by_the_cpu_limit() {
        let (_d, a) = artifact();
        let s = sh(
            "while :; do :; done",
            IsolationLimits {
                cpu_secs: 1,
                deadline_secs: 30,
                ..IsolationLimits::default()
            },
        );
        let started = Instant::now();
        let why = crashed(s.run(&a));
        assert!(why.contains("CPU-time limit of 1 s"), "{why}");
        assert!(started.elapsed() < Duration::from_secs(25));
    }

    #[test]
    fn a_child_that_blocks_is_killed_at_the_deadline() {
        let (_d, a) = artifact();
        let s = sh(
            "sleep 30",
            IsolationLimits {
                deadline_secs: 1,
                ..IsolationLimits::default()
            },
        );
        let started = Instant::now();
        let why = crashed(s.run(&a));
        assert!(why.contains("wall-clock deadline of 1 s"), "{why}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn the_child_cannot_write_files() {
        let (d, a) = artifact();
        let target = d.path().join("dropped.txt");
        let s = sh(
            &format!(
                "trap '' XFSZ; printf 'payload' > '{}' || exit 7; exit 0",
                target.display()
            ),
            IsolationLimits::default(),
        );
        let r = s.run(&a);
        assert!(matches!(r, Err(ScanFailure::Error(_))), "{r:?}");
        let written = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
        assert_eq!(written, 0, "the child wrote to a file");
    }

    #[test]
    fn a_normal_error_exit_is_an_error_naming_the_reason() {
        let (_d, a) = artifact();
        let s = sh(
            "echo 'refused: entry package/x.js is a sparse file' >&2; exit 2",
            IsolationLimits::default(),
        );
        match s.run(&a) {
            Err(ScanFailure::Error(e)) => assert!(e.contains("sparse file"), "{e}"),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn garbage_on_stdout_is_not_a_report() {
        let (_d, a) = artifact();
        let s = sh("echo not-json", IsolationLimits::default());
        match s.run(&a) {
            Err(ScanFailure::Error(e)) => assert!(e.contains("no valid report"), "{e}"),
            other => panic!("expected an error, got {other:?}"),
        }
    }
}
