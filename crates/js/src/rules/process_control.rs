use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Finds `process.exit`, `process.kill`, `process.abort`, `process.chdir`, `process.setuid`/`setgid`, `process.binding` and `process.dlopen` in extension code.
///
/// ## Why is this bad?
/// An extension runs inside the platform's process: exiting stops every workflow of every user, and `binding`/`dlopen` reach native internals.
///
/// ## Example
/// ```js
/// if (err) process.exit(1);
/// ```
///
/// ## Use instead
/// ```js
/// if (err) throw new NodeOperationError(this.getNode(), err);
/// ```
///
/// ## References
/// - CWE-382: Use of System.exit()
    pub static PROCESS_CONTROL = {
        id: "js/process-control",
        title: "Process control from an extension",
        category: Code,
        severity: Medium,
        confidence: High,
        summary: "Extension code exits, kills or reconfigures the platform process.",
        cwe: [382],
        signals: [Hygiene],
        fixtures: [pos "crates/js/tests/fixtures/node-red/exec-node.js", neg "crates/js/tests/fixtures/safe/AcmeSafe.node.ts"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "`{sink}` controls the platform's process";

pub const REMEDIATION: &str = "Report errors through the platform (throw, `node.error`) instead of exiting or signalling the process.";
