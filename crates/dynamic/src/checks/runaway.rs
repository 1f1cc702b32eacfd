use crate::findings::Judge;
use crate::sandbox::Outcome;
use portcullis_core::{Finding, Location, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports an entry point whose run the sandbox had to stop: a call ran past its time
    /// limit (an endless loop, a promise chain that never ends) or the code exhausted the
    /// memory limit.
    ///
    /// ## Why is this bad?
    /// Code that could not be run to the end was not dynamically tested; what it does past
    /// that point is unknown, and the policy does not approve what was not analysed. On the
    /// platform the same code blocks the event loop or takes the worker down.
    ///
    /// ## Example
    /// ```js
    /// while (!ready) {} // busy-waits forever: nothing else runs to set `ready`
    /// ```
    ///
    /// ## Use instead
    /// Bound loops and buffers; wait with timers or promises, stream large data.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/400.html>
    /// - <https://cwe.mitre.org/data/definitions/835.html>
    pub static RUNAWAY = {
        id: "dynamic/runaway",
        title: "Run stopped at its time or memory limit",
        category: Code,
        severity: Medium,
        confidence: High,
        summary: "The sandbox stopped the entry point at its time or memory limit",
        cwe: [400, 835],
        signals: [UnanalysedCode],
        fixtures: [
            pos "crates/dynamic/fixtures/node-red-infinite-loop",
            pos "crates/dynamic/fixtures/node-red-memory-bomb",
            neg "crates/dynamic/fixtures/node-red-clean",
        ],
    }
}

pub fn check(j: &mut Judge<'_>) {
    let mut hits = Vec::new();
    for e in &j.report.entry_points {
        if !matches!(e.outcome, Outcome::TimedOut | Outcome::OutOfMemory) {
            continue;
        }
        let limit = j
            .report
            .observations
            .iter()
            .find(|o| o.entry == e.path && o.kind() == "limit");
        let call = limit.map(|o| o.call().to_string()).unwrap_or_default();
        let reason = match (e.outcome, limit.and_then(|o| o.str("reason"))) {
            (_, Some(r)) => r.to_string(),
            (Outcome::OutOfMemory, None) => format!(
                "memory limit of {} MiB reached",
                j.limits.memory_bytes >> 20
            ),
            _ => "time limit reached".to_string(),
        };
        hits.push((e.path.clone(), call, reason));
    }
    for (path, call, reason) in hits {
        let during = if call.is_empty() {
            String::new()
        } else {
            format!(" during `{call}`")
        };
        let f = Finding::from_rule(
            &RUNAWAY,
            format!("`{path}` was stopped{during}: {reason}; the rest of it was not run"),
            Location::file(path.clone()),
        );
        j.push(&path, f);
    }
}
