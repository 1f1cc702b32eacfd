//! Runs the gate on a JSON scan report and prints the decision as JSON.
//!
//! `cargo run -p portcullis-policy --example gate_explain -- report.json [POLICY_DIR]`
//! (`portcullis scan --format json` writes such a report).

use portcullis_core::ScanReport;
use portcullis_policy::{Gate, GateInput};
use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: gate_explain REPORT.json [POLICY_DIR]")?;
    let mut text = String::new();
    std::fs::File::open(&path)?
        .take(256 * 1024 * 1024)
        .read_to_string(&mut text)?;
    let report: ScanReport =
        serde_json::from_str(&text).map_err(|e| format!("{path}: not a scan report: {e}"))?;
    let gate = match args.next() {
        Some(dir) => Gate::from_dir(std::path::Path::new(&dir))?,
        None => Gate::default_policies()?,
    };
    let input = GateInput::from_report(&report);
    let decision = gate.evaluate(&input)?;
    println!("{}", serde_json::to_string_pretty(&decision)?);
    Ok(())
}
