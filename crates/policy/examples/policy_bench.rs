//! Micro-benchmark: gate decisions and authorization decisions per second.
//!
//! `cargo run -p portcullis-policy --example policy_bench --release [-- ITERATIONS]`
//!
//! Not a test: it asserts nothing and prints throughput for a clean input, an input with
//! many findings (50 rules), and a typical authorization request.

use portcullis_core::{Category, Finding, Location, Severity};
use portcullis_policy::{Action, Authorizer, Gate, GateInput, Principal, Resource, ResourceKind, Role};
use std::time::Instant;

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
        let mut quarantined = 0u32;
        for _ in 0..iterations {
            let d = gate.evaluate(input).expect("evaluates");
            if d.outcome == portcullis_core::Outcome::Quarantine {
                quarantined += 1;
            }
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "gate, {name}: {iterations} decisions in {secs:.3}s = {:.0} decisions/s ({:.1} µs each; {quarantined} quarantined)",
            f64::from(iterations) / secs,
            secs * 1e6 / f64::from(iterations)
        );
    }

    let reviewer = Principal::new("alice", [Role::Reviewer]).with_team("payments");
    let version = Resource::new(ResourceKind::Version, "n8n-nodes-acme@1.0.0")
        .owned_by("payments")
        .submitted_by("bob")
        .with_risk("medium");
    let t = Instant::now();
    let mut allowed = 0u32;
    for _ in 0..iterations {
        if authz.authorize(&reviewer, Action::Approve, &version).allowed {
            allowed += 1;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "authorize (reviewer approves): {iterations} decisions in {secs:.3}s = {:.0} decisions/s ({:.1} µs each; {allowed} allowed)",
        f64::from(iterations) / secs,
        secs * 1e6 / f64::from(iterations)
    );
}
