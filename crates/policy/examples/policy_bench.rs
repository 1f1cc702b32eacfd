//! Micro-benchmark: gate decisions and authorization decisions per second.
//!
//! `cargo run -p portcullis-policy --example policy_bench --release [-- ITERATIONS]`
//!
//! Not a test: it asserts nothing and prints throughput for a clean input, an input with
//! many findings (50 rules), and a typical authorization request.

use portcullis_core::{Category, Finding, Location, Severity};
use portcullis_policy::{
    Action, Authorizer, Gate, GateInput, Principal, Resource, ResourceKind, Role,
};
use std::time::Instant;

/// On-CPU nanoseconds of this thread (Linux `/proc/thread-self/schedstat`), so numbers stay
/// meaningful on a shared, loaded machine; 0 elsewhere.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn print(what: &str, iterations: u32, wall: std::time::Duration, cpu: u64) {
    let secs = wall.as_secs_f64();
    let cpu_us = cpu as f64 / 1e3 / f64::from(iterations);
    println!(
        "{what}: {iterations} in {secs:.3}s wall = {:.0}/s; on-CPU {cpu_us:.1} µs each = {:.0}/s per core",
        f64::from(iterations) / secs,
        if cpu_us > 0.0 { 1e6 / cpu_us } else { 0.0 }
    );
}

fn main() {
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);

    let t = Instant::now();
    let gate = Gate::default_policies().expect("gate loads");
    let authz = Authorizer::default_policies().expect("authz loads");
    println!("load both default policy sets: {:?}", t.elapsed());

    let clean = GateInput {
        platform: "n8n".into(),
        name: "n8n-nodes-acme".into(),
        version: "1.0.0".into(),
        ..GateInput::default()
    };
    let mut busy = clean.clone();
    for i in 0..200u32 {
        let sev = [Severity::Low, Severity::Medium, Severity::High][(i % 3) as usize];
        let mut f = Finding::new(
            format!("js/rule-{}", i % 50),
            Category::Code,
            sev,
            "m",
            Location::file(format!("dist/f{i}.js")),
        );
        f.fingerprint = portcullis_core::Fingerprint(format!("{i:032x}"));
        busy.add_finding(&f);
    }
    busy.trusted_source = Some(true);

    for (name, input) in [("clean input", &clean), ("200 findings / 50 rules", &busy)] {
        let t = Instant::now();
        let c = cpu_ns();
        let mut quarantined = 0u32;
        for _ in 0..iterations {
            let d = gate.evaluate(input).expect("evaluates");
            if d.outcome == portcullis_core::Outcome::Quarantine {
                quarantined += 1;
            }
        }
        print(
            &format!("gate, {name} ({quarantined} quarantined)"),
            iterations,
            t.elapsed(),
            cpu_ns().saturating_sub(c),
        );
    }

    let reviewer = Principal::new("alice", [Role::Reviewer]).with_team("payments");
    let version = Resource::new(ResourceKind::Version, "n8n-nodes-acme@1.0.0")
        .owned_by("payments")
        .submitted_by("bob")
        .with_risk("medium");
    let t = Instant::now();
    let c = cpu_ns();
    let mut allowed = 0u32;
    for _ in 0..iterations {
        if authz
            .authorize(&reviewer, Action::Approve, &version)
            .allowed
        {
            allowed += 1;
        }
    }
    print(
        &format!("authorize, reviewer approves ({allowed} allowed)"),
        iterations,
        t.elapsed(),
        cpu_ns().saturating_sub(c),
    );
}
