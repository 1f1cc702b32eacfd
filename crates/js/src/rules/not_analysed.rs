use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Reports a script the analyzer did not analyse, or analysed only in part: larger than
/// `[js] max-file-bytes`, nested deeper than `[js] max-nesting` (brackets, operator or
/// statement chains), or out of its evaluation budget. The message names the file and the
/// limit.
///
/// ## Why is this bad?
/// A file that is not analysed is not known to be safe. Padding a payload to past the size
/// limit, or nesting it past the parser's depth, is the cheapest way to slip code past a
/// scanner, so the gate must not approve what was not read.
///
/// ## Example
/// ```js
/// require('child_process').exec(req.query.cmd); /* followed by 5 MB of padding */
/// var x = 1+1+1+1+ /* … 30,000 times … */ 1;
/// ```
///
/// ## Use instead
/// Ship readable build output: split generated files, keep bundles under the limit, or raise
/// the limit in `portcullis.toml` for a package whose large files a reviewer has looked at.
///
/// ## References
/// - <https://cwe.mitre.org/data/definitions/1050.html>
    pub static NOT_ANALYSED = {
        id: "js/not-analysed",
        title: "Script not analysed",
        category: Code,
        severity: Medium,
        confidence: High,
        summary: "A script was too large, too deeply nested or too costly to analyse.",
        signals: [UnanalysedCode],
        fixtures: [pos "crates/js/tests/fixtures/unanalysed/deep-parens.js", neg "crates/js/tests/fixtures/safe/safe-lib.js"],
    }
}

pub const MESSAGE: &str = "not analysed: {sink}";

pub const REMEDIATION: &str = "Ship readable, reasonably sized build output, or have a reviewer read the file and raise the limit in `portcullis.toml`.";
