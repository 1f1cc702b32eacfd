use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Checks regex literals and constant `new RegExp(...)` patterns for catastrophic backtracking (a quantified group that contains an unbounded quantifier, quantified alternatives that overlap, adjacent unbounded quantifiers over overlapping characters), and tracks untrusted data into `new RegExp(...)`.
///
/// ## Why is this bad?
/// Node.js runs JavaScript on one thread: one crafted string blocks the whole platform (all workflows, all users) for minutes.
///
/// ## Example
/// ```js
/// const EMAIL = /^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$/;
/// ```
///
/// ## Use instead
/// a pattern without nested quantifiers, or a length limit before matching.
///
/// ## References
/// - CWE-1333: Inefficient Regular Expression Complexity
/// - https://owasp.org/www-community/attacks/Regular_expression_Denial_of_Service_-_ReDoS
    pub static REDOS = {
        id: "js/redos",
        title: "Regular expression denial of service",
        category: Code,
        severity: Medium,
        confidence: High,
        summary: "A regular expression can take exponential or polynomial time, or is built from input.",
        cwe: [1333],
        owasp: ["A05:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/library/validate.js", neg "crates/js/tests/fixtures/safe/safe-lib.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "{sink}";

pub const REMEDIATION: &str = "Remove nested or overlapping quantifiers (`(a+)+`, `(a|a)*`, `\\s*\\s*`), bound input length before matching, and escape input before putting it in a `RegExp`.";
