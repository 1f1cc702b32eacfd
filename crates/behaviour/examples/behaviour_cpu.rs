//! CPU time of the behaviour analyzer alone over package directories:
//! `behaviour_cpu DIR...`. Loads every package with the ingest crate first (not measured),
//! then runs the analyzer's file and package passes single-threaded and reports the process's
//! user+system CPU time (getrusage) spent in them, with findings per rule.

use portcullis_behaviour::BehaviourAnalyzer;
use portcullis_core::{Analyzer, Context};
use std::collections::BTreeMap;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn main() {
    let dirs: Vec<String> = std::env::args().skip(1).collect();
    let limits = portcullis_ingest::Limits::default();
    let packages: Vec<_> = dirs
        .iter()
        .filter_map(|d| portcullis_ingest::load(std::path::Path::new(d), &limits).ok())
        .collect();
    let files: usize = packages.iter().map(|p| p.files.len()).sum();
    let bytes: u64 = packages.iter().map(|p| p.total_bytes()).sum();
    let a = BehaviourAnalyzer::new();
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let start = cpu_seconds();
    for p in &packages {
        let cx = Context {
            package: p,
            extension: None,
        };
        let mut out = a.analyze_package(&cx);
        for f in &p.files {
            if a.wants(f) {
                out.merge(a.analyze_file(f, &cx));
            }
        }
        for f in out.findings {
            // What would decide a reject under a signal-reading gate, for hand-checking.
            if !f.signals.is_empty() {
                let signals: Vec<&str> = f.signals.iter().map(|s| s.as_str()).collect();
                println!(
                    "{} {}: {} [{}] {}",
                    p.source,
                    f.location.path,
                    f.rule_id,
                    signals.join(","),
                    f.message
                );
            }
            *by_rule.entry(f.rule_id).or_default() += 1;
        }
    }
    let cpu = cpu_seconds() - start;
    println!(
        "behaviour analyzer: {} packages, {files} files, {:.1} MB: {cpu:.3} s CPU ({:.2} ms per package)",
        packages.len(),
        bytes as f64 / 1e6,
        cpu * 1000.0 / packages.len().max(1) as f64
    );
    for (rule, n) in by_rule {
        println!("  {n:6}  {rule}");
    }
}
