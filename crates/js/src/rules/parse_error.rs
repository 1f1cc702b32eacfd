use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Reports a JavaScript or TypeScript file (or a `<script>` block of a Node-RED editor `.html` file) that the parser rejects.
///
/// ## Why is this bad?
/// Code that cannot be parsed cannot be analyzed: every other rule is blind to it. Published
/// extensions should contain valid code; a syntax error is either a broken build or an attempt to hide code from scanners.
///
/// When the parser cannot recover (nothing of the file was analysed) the finding also carries
/// the unanalysed-code signal; a file whose errors the parser recovered from is analysed and
/// the finding stays informational.
///
/// ## Example
/// ```js
/// module.exports = function (RED) {
///   RED.nodes.registerType('x', function () {
/// ```
///
/// ## Use instead
/// Ship the compiled, valid output of your build.
///
/// ## References
/// - <https://tc39.es/ecma262/#sec-ecmascript-language-source-code>
    pub static PARSE_ERROR = {
        id: "js/parse-error",
        title: "Unparseable JavaScript/TypeScript",
        category: Code,
        severity: Info,
        confidence: High,
        summary: "A script file could not be parsed, so it was not analyzed.",
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/parse-error.js", neg "crates/js/tests/fixtures/safe/safe-lib.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "file does not parse: {sink}";

pub const REMEDIATION: &str = "Check that the file is valid JavaScript/TypeScript; obfuscated or truncated code cannot be reviewed.";
