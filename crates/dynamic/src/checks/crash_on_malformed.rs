use crate::findings::{Judge, call_base, call_mode, location};
use portcullis_core::{Finding, declare_rule};
use std::collections::{BTreeMap, BTreeSet};

/// Errors that mean the code tripped over the data, not that it reported a problem.
const ACCIDENTAL: &[&str] = &["TypeError", "ReferenceError", "RangeError", "InternalError"];
/// Item-shaped malformation only: parameters of the wrong type are the editor's to prevent.
const MALFORMED: &[&str] = &["malformed"];

declare_rule! {
    /// ## What it does
    /// Runs each node with well-formed input and then with malformed input (items whose
    /// fields are null or missing, null parameters, values of the wrong type) and reports a
    /// node that ran cleanly on the first but throws a `TypeError`-class exception on the
    /// second — it dereferences data it never checked.
    ///
    /// ## Why is this bad?
    /// Real items come from other services and are often partial. An unhandled exception
    /// fails the whole workflow run with an unhelpful message, ignores `continueOnFail`, and
    /// is the review checklist's error-handling item.
    ///
    /// ## Example
    /// ```js
    /// const city = items[i].json.address.city; // address may be null
    /// ```
    ///
    /// ## Use instead
    /// Check the fields you use and throw a `NodeOperationError` naming the item, or skip it
    /// when `this.continueOnFail()`.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/476.html>
    /// - <https://cwe.mitre.org/data/definitions/754.html>
    pub static CRASH_ON_MALFORMED = {
        id: "dynamic/crash-on-malformed-input",
        title: "Unhandled exception on malformed input (observed at run time)",
        category: Code,
        severity: Low,
        confidence: High,
        summary: "The node throws an unhandled TypeError-class exception on malformed items",
        cwe: [476, 754],
        signals: [Hygiene],
        fixtures: [
            pos "crates/dynamic/fixtures/n8n-null-item-crash",
            neg "crates/dynamic/fixtures/n8n-clean",
        ],
    }
}

pub fn check(j: &mut Judge<'_>) {
    let mut ok: BTreeSet<&str> = BTreeSet::new();
    let mut crashes: BTreeMap<&str, &crate::run::Observation> = BTreeMap::new();
    for o in &j.report.observations {
        let base = call_base(o.call());
        if o.kind() == "settled" && call_mode(o.call()) == "defaults" {
            ok.insert(base);
        }
        if o.kind() == "exception" && MALFORMED.contains(&call_mode(o.call())) {
            let name = o
                .data
                .pointer("/error/name")
                .and_then(|n| n.as_str())
                .unwrap_or("");
            if ACCIDENTAL.contains(&name) {
                crashes.entry(base).or_insert(o);
            }
        }
    }
    for (base, o) in crashes {
        if !ok.contains(base) {
            continue;
        }
        let err = |k: &str| {
            o.data
                .pointer(&format!("/error/{k}"))
                .and_then(|n| n.as_str())
                .unwrap_or("")
                .to_string()
        };
        let mut loc = location(o);
        // The exception's own stack names the faulting line better than the recorder's.
        if let Some((path, line)) = first_package_frame(&err("stack")) {
            loc = portcullis_core::Location::file(path);
            loc.region = Some(portcullis_core::Region::line(line));
        }
        let f = Finding::from_rule(
            &CRASH_ON_MALFORMED,
            format!(
                "`{base}` throws `{}: {}` on {} input but runs on well-formed input",
                err("name"),
                err("message"),
                call_mode(o.call())
            ),
            loc,
        );
        j.push(base, f);
    }
}

fn first_package_frame(stack: &str) -> Option<(String, u32)> {
    for line in stack.lines() {
        let l = line.trim().trim_end_matches(')');
        let Some(pos) = l
            .rfind('(')
            .map(|p| p + 1)
            .or_else(|| l.find("at ").map(|p| p + 3))
        else {
            continue;
        };
        let frame = &l[pos..];
        let mut parts = frame.rsplitn(3, ':');
        let (a, b) = (parts.next()?, parts.next());
        // `path:line:col` or `path:line`
        let (path, line) = match (b, parts.next()) {
            (Some(line), Some(path)) if a.parse::<u32>().is_ok() => (path, line),
            (Some(path), None) => (path, a),
            _ => continue,
        };
        if path.starts_with('<') || path == "native" {
            continue;
        }
        if let Ok(n) = line.parse::<u32>() {
            return Some((path.to_string(), n));
        }
    }
    None
}
