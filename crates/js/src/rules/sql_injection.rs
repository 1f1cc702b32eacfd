use portcullis_core::declare_rule;

declare_rule! {
/// ## What it does
/// Tracks untrusted data into the query text of `query`, `execute`, `raw`, `prepare`, `exec` of mysql, pg, sqlite, knex and Sequelize clients.
///
/// ## Why is this bad?
/// The attacker rewrites the query: reads other tables, changes data, or on some servers runs commands.
///
/// ## Example
/// ```js
/// await client.query(`SELECT * FROM users WHERE name = '${name}'`);
/// ```
///
/// ## Use instead
/// ```js
/// await client.query('SELECT * FROM users WHERE name = $1', [name]);
/// ```
///
/// ## References
/// - CWE-89: SQL Injection
    pub static SQL_INJECTION = {
        id: "js/sql-injection",
        title: "SQL injection",
        category: Code,
        severity: High,
        confidence: High,
        summary: "Untrusted data is concatenated into a SQL query.",
        cwe: [89],
        owasp: ["A03:2021"],
        signals: [],
        fixtures: [pos "crates/js/tests/fixtures/node/server.js", neg "crates/js/tests/fixtures/safe/safe-server.js"],
    }
}

/// The finding message; `{source}` and `{sink}` are filled in per occurrence.
pub const MESSAGE: &str = "untrusted data from {source} is built into the SQL query of {sink}";

pub const REMEDIATION: &str = "Use parameterized queries (`db.query('SELECT … WHERE id = $1', [id])`); never concatenate or interpolate input into SQL text.";
