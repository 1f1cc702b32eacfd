//! Loads a package with `portcullis-ingest` and runs the supply-chain analyzer on it, printing
//! timings and findings. For measurements and manual checks:
//! `cargo run --release -p portcullis-supply-chain --example scan_package -- <dir|tgz|zip>...`

use portcullis_core::{Analyzer, Context};
use portcullis_supply_chain::{Config, SupplyChainAnalyzer};
use std::time::Instant;

fn main() {
    let analyzer = SupplyChainAnalyzer::new(Config::default());
    for arg in std::env::args().skip(1) {
        let t0 = Instant::now();
        let (package, notices) =
            match portcullis_ingest::load_with_notices(arg.as_ref(), &Default::default()) {
                Ok(p) => p,
                Err(e) => {
                    println!("{arg}: REFUSED: {e}");
                    continue;
                }
            };
        let t1 = Instant::now();
        let cx = Context {
            package: &package,
            extension: None,
        };
        let mut out = analyzer.analyze_package(&cx);
        for f in &package.files {
            if analyzer.wants(f) {
                out.merge(analyzer.analyze_file(f, &cx));
            }
        }
        let t2 = Instant::now();
        println!(
            "{arg}: {} files, {} bytes, sha256 {}, {} notices; ingest {:?}, analyze {:?}",
            package.files.len(),
            package.total_bytes(),
            &package.sha256,
            notices.len(),
            t1 - t0,
            t2 - t1
        );
        for f in &out.findings {
            let line = f
                .location
                .start_line()
                .map(|l| format!(":{l}"))
                .unwrap_or_default();
            println!(
                "  {:8} {} {}{} {}",
                f.severity, f.rule_id, f.location.path, line, f.message
            );
        }
    }
}
