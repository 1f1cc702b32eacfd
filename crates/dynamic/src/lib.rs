//! Dynamic testing: run an extension's entry points in an embedded JavaScript engine with a
//! simulated platform, record what they do, and judge it.
//!
//! Static analysis misses what only shows at run time — a URL assembled from pieces, a
//! credential sent somewhere unexpected, a node that crashes on a partial item, a payload
//! decoded and run. [`run_package`] loads each entry point in its own QuickJS runtime
//! (through `rquickjs`; never Node, never real I/O) under an interrupt deadline per call and a
//! memory limit ([`Limits`]):
//!
//! * **Modules** resolve inside the package only (`require` of relative paths, the package's
//!   own `node_modules`); Node core modules and `process.env` are recording stubs answering
//!   plausible values; a dependency that is not shipped is an observation, not a crash.
//!   TypeScript is not run: an entry point with no built JavaScript is reported as not run.
//! * **Harnesses** use the extension the way its platform does: n8n node classes are
//!   instantiated and `execute` / `poll` / `webhook` / `trigger` called with a fake context
//!   whose parameters come from the node's own `properties` plus adversarial values, whose
//!   `getCredentials` hands out canary credentials and whose HTTP helpers record and answer
//!   with canned responses; Node-RED modules get a fake `RED`, their registered node types
//!   are instantiated and sent `input` messages. Lifecycle scripts' JavaScript runs with the
//!   same stubs.
//! * **Observations** (requests, DNS, files, spawns, environment reads, dynamic code, timers,
//!   exceptions per input, time and memory) become findings (`checks/`, one rule per file)
//!   and capabilities with evidence source [`capabilities::EVIDENCE_SOURCE`].
//!
//! The JavaScript side (`src/js/prelude.js`) gets exactly three host functions: record an
//! observation, read a package file from memory, compile module source. Nothing else of the
//! host is reachable from the sandbox.

pub mod capabilities;
pub mod checks;
pub mod findings;
pub mod limits;
pub mod run;
pub mod sandbox;

pub use limits::Limits;
pub use run::{EntryReport, Observation, Phase, RunReport, run_package};
pub use sandbox::Outcome;

use portcullis_core::{Analyzer, Context, NoticeLevel, Output, Rule, RuleMeta};

/// Every rule this crate reports.
pub static RULES: &[&Rule] = &[
    &checks::canary_exfiltration::CANARY_EXFILTRATION,
    &checks::undeclared_egress::UNDECLARED_EGRESS,
    &checks::input_reaches_sink::INPUT_REACHES_SINK,
    &checks::decode_and_run::DECODE_AND_RUN,
    &checks::crash_on_malformed::CRASH_ON_MALFORMED,
    &checks::runaway::RUNAWAY,
    &checks::install_time::INSTALL_TIME,
];

/// The dynamic run as a pipeline analyzer (`scan --dynamic`).
///
/// Run-time egress goes into the observed capabilities, where the capability checks compare
/// it with the manifest; `dynamic/undeclared-egress` is therefore left to them here and only
/// reported by `portcullis run`.
#[derive(Debug, Clone, Default)]
pub struct DynamicAnalyzer {
    pub limits: Limits,
}

impl Analyzer for DynamicAnalyzer {
    fn name(&self) -> &'static str {
        "dynamic"
    }

    fn rules(&self) -> Vec<RuleMeta> {
        RULES.iter().map(|r| r.meta()).collect()
    }

    fn analyze_package(&self, cx: &Context<'_>) -> Output {
        let report = run_package(cx.package, cx.extension, &self.limits);
        let mut out = Output {
            observed: report.observed,
            notices: report.notices,
            ..Output::default()
        };
        out.findings = report
            .findings
            .into_iter()
            .filter(|f| f.rule_id != checks::undeclared_egress::UNDECLARED_EGRESS.id())
            .collect();
        let calls: usize = report.entry_points.iter().map(|e| e.calls_run).sum();
        out.notice(
            NoticeLevel::Info,
            None,
            format!(
                "dynamic: ran {} entry points ({calls} harness calls, {} observations) in {} ms",
                report.entry_points.len(),
                report.observations.len(),
                report.wall_ms
            ),
        );
        out
    }
}
