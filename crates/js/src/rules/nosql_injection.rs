use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Tracks untrusted data into the filter argument of MongoDB `find`, `findOne`, `updateOne`, `deleteMany`, … and into `$where`.
///
/// ## Why is this bad?
/// An object such as `{ "$ne": null }` matches every document; `$where` runs JavaScript on the database server.
///
/// ## Example
/// ```js
/// const { user } = req.body;
/// await users.findOne({ name: user.name, password: user.password }); // {"$ne": null}
/// ```
///
/// ## Use instead
/// ```js
/// await users.findOne({ name: String(user.name) });
/// ```
///
/// ## References
/// - CWE-943: Improper Neutralization of Special Elements in Data Query Logic
    pub static NOSQL_INJECTION = {
        id: "js/nosql-injection",
        title: "NoSQL injection",
        category: Code,
        severity: High,
        confidence: High,
        summary: "Untrusted data is used as a MongoDB query object or `$where` code.",
        cwe: [943],
        owasp: ["A03:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/node/server.js", neg "crates/js/tests/fixtures/safe/safe-server.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "untrusted data from {source} is used as the query of {sink}";

pub const REMEDIATION: &str = "Build query objects from validated scalar values (`{ name: String(name) }`), never pass request objects through, and never use `$where`.";
