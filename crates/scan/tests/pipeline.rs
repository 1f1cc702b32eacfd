//! The pipeline with fake analyzers: merging, panic containment, exclusion, triage and gate.

use portcullis_core::{
    Analyzer, Category, Context, FileKind, Finding, Location, Origin, Outcome, Output, Package,
    RuleMeta, Severity, SourceFile,
};
use portcullis_scan::config::Config;
use portcullis_scan::gate::ThresholdGate;
use portcullis_scan::{Pipeline, had_internal_error};

/// Reports every `exec(` call as a high finding; panics on files named `boom.js`.
struct ExecFinder;

impl Analyzer for ExecFinder {
    fn name(&self) -> &'static str {
        "fake"
    }
    fn rules(&self) -> Vec<RuleMeta> {
        vec![RuleMeta {
            id: "fake/exec".into(),
            name: "exec".into(),
            category: Category::Code,
            default_severity: Severity::High,
            short_description: "exec call".into(),
            help: "help".into(),
            cwe: vec![78],
            references: vec![],
        }]
    }
    fn wants(&self, file: &SourceFile) -> bool {
        file.kind == FileKind::JavaScript
    }
    fn analyze_file(&self, file: &SourceFile, _cx: &Context<'_>) -> Output {
        if file.name() == "boom.js" {
            panic!("fake analyzer bug");
        }
        let mut out = Output::default();
        let text = file.text().unwrap_or_default();
        for (off, _) in text.match_indices("exec(") {
            out.finding(
                Finding::new(
                    "fake/exec",
                    Category::Code,
                    Severity::High,
                    "exec call",
                    Location::from_offsets(&file.path, text, off, off + 5),
                )
                .with_cwe(78),
            );
        }
        out
    }
}

fn package(files: &[(&str, &str)]) -> Package {
    let mut p = Package {
        source: "test".into(),
        origin: Origin::Directory,
        sha256: "0".into(),
        files: files
            .iter()
            .map(|(path, text)| {
                SourceFile::new(*path, FileKind::JavaScript, text.as_bytes().to_vec())
            })
            .collect(),
    };
    p.sort();
    p
}

fn pipeline(config: Config, threshold: Severity) -> Pipeline {
    Pipeline {
        config,
        analyzers: vec![Box::new(ExecFinder)],
        detector: None,
        checker: None,
        gate: Box::new(ThresholdGate { threshold }),
        fail_on_override: None,
        allow_inline_suppressions: true,
        baseline: None,
        properties: Default::default(),
        setup_notices: vec![],
        history: None,
        rule_cache: Default::default(),
    }
}

#[test]
fn findings_from_all_files_are_merged_sorted_and_gated() {
    let pkg = package(&[("b.js", "exec(a);\n"), ("a.js", "x;\nexec(b);\nexec(c);\n")]);
    let report = pipeline(Config::default(), Severity::High).run(&pkg, None);
    let places: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.location.path.as_str(), f.location.start_line().unwrap()))
        .collect();
    assert_eq!(places, [("a.js", 2), ("a.js", 3), ("b.js", 1)]);
    assert!(report.findings.iter().all(|f| !f.fingerprint.is_empty()));
    assert_eq!(report.decision.outcome, Outcome::Reject);
    assert_eq!(report.decision.reasons[0].findings.len(), 3);
    assert_eq!(report.rules.len(), 1);
    assert_eq!(report.stats.files_analyzed, 2);

    let lenient = pipeline(Config::default(), Severity::Critical).run(&pkg, None);
    assert_eq!(lenient.decision.outcome, Outcome::Approve);
}

#[test]
fn an_analyzer_panic_is_contained_and_reported() {
    let pkg = package(&[("boom.js", "exec(a);\n"), ("ok.js", "exec(b);\n")]);
    let report = pipeline(Config::default(), Severity::High).run(&pkg, None);
    let exec: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "fake/exec")
        .map(|f| f.location.path.as_str())
        .collect();
    assert_eq!(exec, ["ok.js"], "the other file is still analyzed");
    // The file the analyzer crashed on was not analysed: a finding says so, and the gate
    // sees the unanalysed-code signal.
    let crashed: Vec<&portcullis_core::Finding> = report
        .findings
        .iter()
        .filter(|f| f.has_signal(portcullis_core::Signal::UnanalysedCode))
        .collect();
    assert_eq!(crashed.len(), 1, "{:#?}", report.findings);
    assert_eq!(crashed[0].location.path, "boom.js");
    assert!(crashed[0].message.contains("fake analyzer bug"));
    assert!(had_internal_error(&report));
    let notice = report
        .notices
        .iter()
        .find(|n| n.path.as_deref() == Some("boom.js"))
        .unwrap();
    assert!(notice.message.contains("fake analyzer bug"));
}

#[test]
fn excluded_paths_are_not_analyzed_and_suppressions_do_not_fail_the_gate() {
    let pkg = package(&[
        ("test/t.js", "exec(a);\n"),
        (
            "lib/x.js",
            "// portcullis-ignore[fake/exec]: the argument is a constant\nexec('ls');\n",
        ),
    ]);
    let config = Config::parse("[scan]\nexclude = ['test/**']\n").unwrap();
    let report = pipeline(config, Severity::High).run(&pkg, None);
    assert_eq!(report.findings.len(), 1);
    assert!(report.findings[0].suppression.is_some());
    assert_eq!(report.decision.outcome, Outcome::Approve);
}

#[test]
fn fingerprints_are_stable_across_a_line_shift_through_the_pipeline() {
    let v1 = package(&[("lib/x.js", "const a = 1;\nexec(cmd);\n")]);
    let v2 = package(&[("lib/x.js", "// header\n\nconst a = 1;\n\n  exec(cmd);\n")]);
    let p = pipeline(Config::default(), Severity::High);
    let (r1, r2) = (p.run(&v1, None), p.run(&v2, None));
    assert_eq!(r1.findings[0].fingerprint, r2.findings[0].fingerprint);
    assert_ne!(
        r1.findings[0].location.region,
        r2.findings[0].location.region
    );
}
