use super::{Cx, Hit};
use crate::api;
use portcullis_core::Severity;
use portcullis_core::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds processes started so that nobody sees them: `spawn`/`exec`/`fork` with
    /// `detached: true` together with `stdio: 'ignore'` (or `windowsHide: true`), and
    /// executables shipped in the package (`.exe`, `.bat`, `.ps1`, `.vbs`, `.scr`) started the
    /// same way.
    ///
    /// ## Why is this bad?
    /// A detached, silent child outlives the install or the workflow run and leaves no output:
    /// the pattern of droppers that start a bundled payload and return at once. Update
    /// checkers do this too, which is why the rule alone does not reject; at install time it
    /// is an install-time process (`behaviour/install-time-process`).
    ///
    /// ## Example
    /// ```js
    /// spawn(path.join(__dirname, 'bin', 'svc.exe'), [], { detached: true, stdio: 'ignore' }).unref();
    /// ```
    ///
    /// ## Use instead
    /// Run child processes attached, with their output logged, and only commands the node
    /// declares.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - GuardDog `npm-silent-process-execution`
    pub static RULE = {
        id: "behaviour/silent-process",
        title: "Detached, silent process",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "A child process is started detached with its output discarded",
        cwe: [506],
        fixtures: [
            pos "crates/behaviour/fixtures/silent-process/pos/detached-exe.js",
            neg "crates/behaviour/fixtures/silent-process/neg/attached-build.js",
        ],
    }
}

const PAYLOAD_EXT: &[&str] = &[".exe", ".bat", ".cmd", ".ps1", ".vbs", ".scr", ".dll"];

/// Whether `c`'s options make the process detached and silent.
pub fn silent(c: &crate::facts::Call) -> bool {
    let prop = |k: &str| {
        c.args
            .iter()
            .flat_map(|a| a.props.iter())
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.as_str())
    };
    let detached = prop("detached") == Some("true");
    let quiet = prop("stdio") == Some("ignore")
        || prop("windowsHide") == Some("true")
        || prop("stdio").is_some_and(|v| v.is_empty());
    detached && quiet
}

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.facts.calls.iter().filter(|c| api::is_spawn(&c.callee)) {
        if !silent(c) {
            continue;
        }
        let payload = c.args.iter().filter_map(|a| a.text.as_deref()).find(|t| {
            PAYLOAD_EXT
                .iter()
                .any(|e| t.to_ascii_lowercase().ends_with(e))
        });
        let mut h = Hit::new(
            &RULE,
            c.span,
            format!(
                "`{}` starts a detached process with its output discarded",
                c.callee
            ),
        );
        if let Some(p) = payload {
            h.message.push_str(&format!(
                " (`{}`)",
                portcullis_core::location::truncate_chars(p, 60)
            ));
            h = h.severity(Severity::Critical);
        }
        out.push(h);
        if out.len() >= 4 {
            break;
        }
    }
    out
}
