//! Rendering throughput on a large synthetic report: `cargo run --release -p
//! portcullis-report --example render_bench [findings]`.
//!
//! Builds a report with N findings (taint traces, snippets, fingerprints) over 200 files and
//! 25 rules, plus 2,000 components, and times every format.

use portcullis_core::finding::assign_fingerprints;
use portcullis_core::*;
use portcullis_report::{Format, RenderOptions, render};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let text = "\tconst out = child_process.execSync(`convert ${this.getNodeParameter('file', i)} out.png`);\n"
        .repeat(40);
    let mut findings = Vec::with_capacity(n);
    for i in 0..n {
        let path = format!("nodes/Node{}/Node{}.node.js", i % 200, i % 200);
        let line_start = (i % 40) * text.lines().next().map_or(0, |l| l.len() + 1);
        let loc = |off: usize, len: usize| {
            Location::from_offsets(&path, &text, line_start + off, line_start + off + len)
        };
        findings.push(
            Finding::new(
                format!("js/rule-{}", i % 25),
                Category::Code,
                Severity::ALL[i % 5],
                format!("User input reaches a shell command (occurrence {i})"),
                loc(13, 23),
            )
            .with_cwe(78)
            .with_remediation("Use execFile with an argument array.")
            .with_evidence(loc(46, 34), "source: node parameter")
            .with_evidence(loc(37, 60), "interpolated into a template literal")
            .with_evidence(loc(13, 23), "sink: child_process.execSync"),
        );
    }
    assign_fingerprints(&mut findings);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let components = (0..2000)
        .map(|i| Component {
            ecosystem: Ecosystem::Npm,
            name: format!("pkg-{i}"),
            version: Some(format!("1.{}.0", i % 17)),
            requested: None,
            direct: i < 20,
            scope: DependencyScope::Runtime,
            path: vec!["root".into(), format!("pkg-{}", i % 20), format!("pkg-{i}")],
            found_in: "package-lock.json".into(),
            source: None,
            license: Some("MIT".into()),
            integrity: Some("sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==".into()),
        })
        .collect();
    let report = ScanReport {
        schema_version: REPORT_SCHEMA_VERSION.into(),
        tool: ToolInfo {
            name: "portcullis".into(),
            version: "0.1.0".into(),
        },
        target: TargetInfo {
            source: "bench.tgz".into(),
            origin: Origin::Tarball,
            sha256: "ab".repeat(32),
            files: 200,
            bytes: 1 << 20,
        },
        extension: None,
        findings,
        observed: CapabilitySet::new(),
        components,
        decision: Decision::approve(),
        rules: Vec::new(),
        notices: Vec::new(),
        properties: Default::default(),
        stats: ScanStats::default(),
    };
    for format in Format::ALL {
        for verbose in [false, true] {
            if verbose && !matches!(format, Format::Text) {
                continue;
            }
            let options = RenderOptions {
                verbose,
                ..RenderOptions::default()
            };
            let start = Instant::now();
            let out = match render(&report, format, &options) {
                Ok(out) => out,
                Err(e) => {
                    eprintln!("{format}: {e}");
                    std::process::exit(1);
                }
            };
            let took = start.elapsed();
            println!(
                "{:<10}{:<9} {n} findings: {:>8.1} ms, {:>10} bytes",
                format.as_str(),
                if verbose { " verbose" } else { "" },
                took.as_secs_f64() * 1000.0,
                out.len()
            );
        }
    }
}
