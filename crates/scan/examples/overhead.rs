//! Per-package CPU time of each stage of a scan, by OS CPU time (`getrusage(RUSAGE_SELF)`),
//! to see what a scan spends outside the analyzers (adapters, supply-chain, capability
//! checks, triage, gate, report rendering).
//!
//! `cargo run --release -p portcullis-scan --example overhead -- [--repeat N] PKG...`
//! Run with `RAYON_NUM_THREADS=1` so the process's CPU time is the scan's alone. Each stage
//! is timed on its own, `N` times (default 5), keeping the fastest run.

use portcullis_core::{Analyzer, Context, Output};
use portcullis_scan::{ScanOptions, Scanner};
use std::time::Duration;

fn cpu() -> Duration {
    // SAFETY: getrusage writes one `rusage` struct we own; RUSAGE_SELF is always valid.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn best<T>(repeat: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..repeat.max(1) {
        let t = cpu();
        let v = f();
        best = best.min(cpu() - t);
        last = Some(v);
    }
    (best, last.expect("at least one run"))
}

fn run_analyzer(a: &dyn Analyzer, cx: &Context<'_>) -> Output {
    let mut out = a.analyze_package(cx);
    for f in &cx.package.files {
        if a.wants(f) {
            out.merge(a.analyze_file(f, cx));
        }
    }
    out
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut repeat = 5;
    if args.first().map(String::as_str) == Some("--repeat") && args.len() > 1 {
        repeat = args[1].parse()?;
        args.drain(..2);
    }
    let db = std::env::temp_dir().join("portcullis-overhead-empty-db");
    let options = ScanOptions {
        no_config_discovery: true,
        db_dir: Some(db),
        ..Default::default()
    };
    let scanner = Scanner::with_config(portcullis_scan::Config::default(), &options)?;
    let gate = portcullis_policy::Gate::default_policies()?;
    println!(
        "package\tfiles\tingest_ms\tscan_ms\tjs_ms\tsecrets_ms\tdeps_ms\tsupply_chain_ms\tscopes_ms\tadapters_ms\tgate_ms\trender_ms\toutside_ms"
    );
    for path in &args {
        let path = std::path::Path::new(path);
        let (ingest, (pkg, _)) = best(repeat, || scanner.load(path).expect("loads"));
        let (scan, report) = best(repeat, || scanner.scan_package(&pkg, None));
        let (adapters, detected) = best(repeat, || portcullis_adapters::detect(&pkg, None));
        let cx = Context {
            package: &pkg,
            extension: detected.extension.as_ref(),
        };
        let mut per: std::collections::BTreeMap<&str, Duration> = Default::default();
        for a in &scanner.pipeline().analyzers {
            let (t, _) = best(repeat, || run_analyzer(a.as_ref(), &cx));
            *per.entry(a.name()).or_default() += t;
        }
        let (gate_t, _) = best(repeat, || {
            gate.evaluate(&portcullis_policy::GateInput::from_report(&report))
        });
        let (render, _) = best(repeat, || {
            use portcullis_report::{Format, RenderOptions, render};
            let o = RenderOptions::default();
            [Format::Json, Format::Text, Format::Sarif, Format::Markdown]
                .map(|f| render(&report, f, &o).map(|s| s.len()).unwrap_or(0))
        });
        let get = |n: &str| per.get(n).copied().unwrap_or_default();
        let core = get("js") + get("secrets") + get("deps");
        // What the issue counts as outside the analyzers: the scan minus js, secrets and deps
        // (so supply-chain, scope inference, adapters, capability checks, triage and the gate
        // are in it), plus rendering the report.
        let outside = scan.saturating_sub(core) + render;
        println!(
            "{}\t{}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{:.2}",
            path.file_name().unwrap_or_default().to_string_lossy(),
            pkg.files.len(),
            ms(ingest),
            ms(scan),
            ms(get("js")),
            ms(get("secrets")),
            ms(get("deps")),
            ms(get("supply-chain")),
            ms(get("scope-inference")),
            ms(adapters),
            ms(gate_t),
            ms(render),
            ms(outside),
        );
    }
    Ok(())
}
