//! Every fixture extension is caught by the rule it was written for, and the clean ones by
//! none; the runaway ones are stopped within their limits; nothing leaves the sandbox.

use portcullis_core::{Package, Rule, Signal};
use portcullis_dynamic::{Limits, Outcome, RULES, RunReport, run_package};
use std::path::Path;
use std::time::Duration;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
}

fn load(rel: &str) -> Package {
    let dir = root().join(rel);
    portcullis_ingest::load(&dir, &portcullis_ingest::Limits::default())
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn test_limits() -> Limits {
    Limits {
        call_time: Duration::from_millis(400),
        memory_bytes: 48 << 20,
        ..Limits::default()
    }
}

fn run(rel: &str) -> RunReport {
    let pkg = load(rel);
    let ext = portcullis_adapters::detect(&pkg, None).extension;
    run_package(&pkg, ext.as_ref(), &test_limits())
}

fn rule_ids(r: &RunReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn every_rule_fires_on_its_positive_fixtures_and_not_on_its_negative_ones() {
    for rule in RULES {
        assert!(!rule.fixtures.is_empty(), "{} has no fixtures", rule.id());
        for fx in rule.fixtures.iter() {
            let r = run(&fx.path);
            let fired = r.findings.iter().any(|f| f.rule_id == rule.id());
            assert_eq!(
                fired,
                fx.fires,
                "{} on {}: findings {:?}",
                rule.id(),
                fx.path,
                r.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn clean_fixtures_have_no_findings_and_run_their_nodes() {
    for rel in [
        "crates/dynamic/fixtures/n8n-clean",
        "crates/dynamic/fixtures/node-red-clean",
    ] {
        let r = run(rel);
        assert!(r.findings.is_empty(), "{rel}: {:#?}", r.findings);
        assert!(r.calls_run() >= 9, "{rel}: only {} calls", r.calls_run());
        assert!(
            r.entry_points
                .iter()
                .all(|e| e.outcome == Outcome::Completed)
        );
    }
    // The clean n8n node did make its (declared, credentialed) request.
    let r = run("crates/dynamic/fixtures/n8n-clean");
    assert!(
        r.observations
            .iter()
            .any(|o| o.kind() == "request"
                && o.str("url").unwrap_or("").contains("api.taskboard.dev"))
    );
}

fn finding<'a>(r: &'a RunReport, rule: &Rule) -> &'a portcullis_core::Finding {
    r.findings
        .iter()
        .find(|f| f.rule_id == rule.id())
        .unwrap_or_else(|| panic!("no {} in {:?}", rule.id(), rule_ids(r)))
}

#[test]
fn canary_credential_to_an_unbound_host_is_critical_exfiltration() {
    use portcullis_dynamic::checks::canary_exfiltration::CANARY_EXFILTRATION;
    let r = run("crates/dynamic/fixtures/n8n-exfiltrate-credential");
    let f = finding(&r, &CANARY_EXFILTRATION);
    assert_eq!(f.severity, portcullis_core::Severity::Critical);
    assert!(f.has_signal(Signal::Exfiltration));
    assert!(
        f.message.contains("collect.eu-west.notes-insights.net"),
        "{}",
        f.message
    );
    assert!(f.message.contains("acmeNotesApi"), "{}", f.message);
    assert_eq!(f.location.path, "dist/nodes/AcmeNotes/AcmeNotes.node.js");
    assert!(f.location.start_line().is_some());
    // The legitimate, bound request is not reported.
    assert_eq!(
        r.findings
            .iter()
            .filter(|f| f.rule_id == CANARY_EXFILTRATION.id())
            .count(),
        1
    );
    // The assembled host is observed egress in the capability model.
    assert!(r.observed.iter().any(|i| matches!(&i.capability,
        portcullis_core::Capability::NetworkEgress { host: portcullis_core::HostPattern::Exact(h), .. }
            if h == "collect.eu-west.notes-insights.net")
        && i.evidence.iter().all(|e| e.source == portcullis_dynamic::capabilities::EVIDENCE_SOURCE)));
}

#[test]
fn parameter_reaching_a_shell_is_reported() {
    use portcullis_dynamic::checks::input_reaches_sink::INPUT_REACHES_SINK;
    let r = run("crates/dynamic/fixtures/n8n-spawn-parameter");
    let f = finding(&r, &INPUT_REACHES_SINK);
    assert!(f.message.contains("process spawn"), "{}", f.message);
    assert!(f.message.contains("htmlToPdf.execute"), "{}", f.message);
    assert!(r.observed.iter().any(|i| matches!(&i.capability,
        portcullis_core::Capability::ChildProcess { command: Some(c) } if c == "wkhtmltopdf")));
}

#[test]
fn decoded_payload_run_is_obfuscation() {
    use portcullis_dynamic::checks::decode_and_run::DECODE_AND_RUN;
    let r = run("crates/dynamic/fixtures/node-red-decode-payload");
    let f = finding(&r, &DECODE_AND_RUN);
    assert!(f.has_signal(Signal::Obfuscation));
    // …and what the payload then did was observed too.
    assert!(r.observations.iter().any(|o| {
        o.kind() == "request"
            && o.str("url")
                .unwrap_or("")
                .starts_with("https://cdn-sensor-metrics.net/p?h=build-host-01")
    }));
}

#[test]
fn null_item_crash_is_hygiene_with_the_faulting_line() {
    use portcullis_dynamic::checks::crash_on_malformed::CRASH_ON_MALFORMED;
    let r = run("crates/dynamic/fixtures/n8n-null-item-crash");
    let f = finding(&r, &CRASH_ON_MALFORMED);
    assert!(f.has_signal(Signal::Hygiene));
    assert!(f.message.contains("TypeError"), "{}", f.message);
    assert_eq!(
        f.location.path,
        "dist/nodes/CustomerSync/CustomerSync.node.js"
    );
    let text = std::fs::read_to_string(
        root()
            .join("crates/dynamic/fixtures/n8n-null-item-crash")
            .join(&f.location.path),
    )
    .unwrap();
    // QuickJS attributes the fault to the last line it emitted position information for:
    // the faulting line or the loop head just above it.
    let at = f.location.start_line().unwrap() as usize;
    let fault = text
        .lines()
        .position(|l| l.contains("json.customer.email"))
        .unwrap()
        + 1;
    let loop_head = text.lines().position(|l| l.contains("for (let i")).unwrap() + 1;
    assert!(
        (loop_head..=fault).contains(&at),
        "line {at}, fault at {fault}"
    );
}

#[test]
fn infinite_loop_is_stopped_at_the_deadline() {
    use portcullis_dynamic::checks::runaway::RUNAWAY;
    let started = std::time::Instant::now();
    let r = run("crates/dynamic/fixtures/node-red-infinite-loop");
    let elapsed = started.elapsed();
    let e = &r.entry_points[0];
    assert_eq!(e.outcome, Outcome::TimedOut);
    let f = finding(&r, &RUNAWAY);
    assert!(f.has_signal(Signal::UnanalysedCode));
    assert!(f.message.contains("time limit"), "{}", f.message);
    // One call hit the 400 ms deadline and the entry point was abandoned: well under the
    // time the remaining calls would have taken.
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn memory_bomb_is_stopped_at_the_memory_limit() {
    use portcullis_dynamic::checks::runaway::RUNAWAY;
    let r = run("crates/dynamic/fixtures/node-red-memory-bomb");
    let e = &r.entry_points[0];
    assert_eq!(e.outcome, Outcome::OutOfMemory, "{e:?}");
    assert!(
        e.peak_memory_bytes <= (48 << 20) as u64,
        "{}",
        e.peak_memory_bytes
    );
    let f = finding(&r, &RUNAWAY);
    assert!(f.message.contains("memory"), "{}", f.message);
}

#[test]
fn install_script_beacon_is_install_time_execution() {
    use portcullis_dynamic::checks::canary_exfiltration::CANARY_EXFILTRATION;
    use portcullis_dynamic::checks::install_time::INSTALL_TIME;
    let r = run("crates/dynamic/fixtures/npm-install-beacon");
    let f = finding(&r, &INSTALL_TIME);
    assert!(f.has_signal(Signal::InstallTimeExecution));
    // It posted the environment, secret-looking variables (canaries) included.
    let x = finding(&r, &CANARY_EXFILTRATION);
    assert!(x.message.contains("env "), "{}", x.message);
    assert!(
        x.message.contains("stats.sheet-helpers.dev"),
        "{}",
        x.message
    );
}
