//! `portcullis run PATH`: the dynamic run on its own — entry points in the sandbox, what they
//! did, the findings. Exit 0 when no finding is high or critical, 1 otherwise, 2 bad input.

use crate::cli::scan_error;
use crate::{EXIT_GATE_FAILED, EXIT_PASS};
use clap::Args;
use portcullis_core::Severity;
use portcullis_dynamic::{Limits, RunReport};
use portcullis_scan::{ScanOptions, Scanner};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The extension: a directory, an npm tarball (.tgz) or a zip.
    pub path: PathBuf,
    /// Print the full run (entry points, every observation, findings, observed capabilities)
    /// as JSON.
    #[arg(long)]
    pub json: bool,
    /// Time limit of each harness call, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1500)]
    pub call_time: u64,
    /// Memory limit of each entry point's JavaScript heap, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 128)]
    pub memory: usize,
    /// Configuration file (ingest limits).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(args: RunArgs) -> anyhow::Result<u8> {
    let options = ScanOptions {
        config: args.config.clone(),
        ..Default::default()
    };
    let scanner = Scanner::for_path(&args.path, &options).map_err(scan_error)?;
    let (pkg, _) = scanner.load(&args.path).map_err(scan_error)?;
    let adapted = portcullis_adapters::detect(&pkg, None);
    let limits = Limits {
        call_time: Duration::from_millis(args.call_time.max(1)),
        memory_bytes: args.memory.clamp(4, 4096) << 20,
        ..Limits::default()
    };
    let report = portcullis_dynamic::run_package(&pkg, adapted.extension.as_ref(), &limits);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let name = adapted
            .extension
            .as_ref()
            .map(|e| e.name.clone())
            .unwrap_or_else(|| args.path.display().to_string());
        print!("{}", render(&name, &report));
    }
    let failing = report.findings.iter().any(|f| f.severity >= Severity::High);
    Ok(if failing { EXIT_GATE_FAILED } else { EXIT_PASS })
}

fn render(name: &str, r: &RunReport) -> String {
    let mut s = format!(
        "{name} ({}): {} entry points, {} harness calls, {} observations, {} ms\n\n",
        r.platform.map(|p| p.as_str()).unwrap_or("unknown"),
        r.entry_points.len(),
        r.calls_run(),
        r.observations.len(),
        r.wall_ms
    );
    for e in &r.entry_points {
        s.push_str(&format!(
            "  {:<9} {:<12} calls {:>3}/{:<3} {:>6} ms {:>6.1} MiB  {}\n",
            format!("{:?}", e.phase).to_lowercase(),
            serde_json::to_value(e.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            e.calls_run,
            e.calls_planned,
            e.wall_ms,
            e.peak_memory_bytes as f64 / (1 << 20) as f64,
            e.path
        ));
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for o in &r.observations {
        *kinds.entry(o.kind()).or_default() += 1;
    }
    if !kinds.is_empty() {
        let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        s.push_str(&format!("\nobserved: {}\n", list.join(", ")));
    }
    let mut hosts: Vec<String> = r
        .observations
        .iter()
        .filter(|o| o.kind() == "request")
        .filter_map(|o| o.str("url").and_then(portcullis_dynamic::findings::host_of))
        .collect();
    hosts.sort();
    hosts.dedup();
    if !hosts.is_empty() {
        s.push_str(&format!("hosts contacted: {}\n", hosts.join(", ")));
    }
    for n in &r.notices {
        s.push_str(&format!("note: {}\n", n.message));
    }
    s.push('\n');
    if r.findings.is_empty() {
        s.push_str("no findings\n");
    }
    for f in &r.findings {
        let at = match f.location.start_line() {
            Some(l) => format!("{}:{l}", f.location.path),
            None => f.location.path.clone(),
        };
        s.push_str(&format!(
            "{:<8} {}  {at}\n         {}\n",
            f.severity.to_string().to_uppercase(),
            f.rule_id,
            f.message
        ));
    }
    s
}
