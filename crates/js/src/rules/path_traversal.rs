use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Tracks untrusted data into `fs` / `fs/promises` / `fs-extra` path arguments and `res.sendFile`.
///
/// ## Why is this bad?
/// `../../` sequences let the attacker read or overwrite any file the platform process can reach: its database, its credential store encryption key, other users' files.
///
/// ## Example
/// ```js
/// fs.readFileSync(path.join(root, req.query.file));
/// ```
///
/// ## Use instead
/// ```js
/// const p = path.resolve(root, req.query.file);
/// if (!p.startsWith(root + path.sep)) throw new Error('bad path');
/// ```
///
/// ## References
/// - CWE-22: Improper Limitation of a Pathname to a Restricted Directory
    pub static PATH_TRAVERSAL = {
        id: "js/path-traversal",
        title: "Path traversal",
        category: Code,
        severity: High,
        confidence: High,
        summary: "Untrusted data reaches a file-system path.",
        cwe: [22],
        owasp: ["A01:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/node/server.js", neg "crates/js/tests/fixtures/safe/safe-server.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "untrusted data from {source} reaches the file path of {sink}";

pub const REMEDIATION: &str = "Resolve the path against a fixed base directory with `path.resolve` and refuse it unless it still starts with that directory; or keep only `path.basename` of the input.";
