use crate::findings::{Judge, call_base, call_mode, location};
use portcullis_core::{Finding, declare_rule};

/// The marker every adversarial input the harness generates carries.
pub const MARK: &str = "pcyADV";

declare_rule! {
    /// ## What it does
    /// Feeds the extension adversarial inputs — shell metacharacters, `../` paths, code
    /// fragments, `__proto__` keys, huge strings — through its parameters, items and
    /// messages, and reports one that reaches a process spawn, a file path or dynamic code
    /// unchanged.
    ///
    /// ## Why is this bad?
    /// Workflow parameters and item data come from users and from upstream services. When
    /// they reach a shell command, a file path or `eval`, whoever controls them runs
    /// commands, reads files or runs code on the automation server.
    ///
    /// ## Example
    /// ```js
    /// const file = this.getNodeParameter('file', i);
    /// execSync(`convert ${file} out.png`);
    /// ```
    ///
    /// ## Use instead
    /// Pass arguments as an array to `execFile`/`spawn` without a shell, resolve paths and
    /// check they stay inside an allowed directory, never evaluate input.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/78.html>
    /// - <https://cwe.mitre.org/data/definitions/22.html>
    /// - <https://cwe.mitre.org/data/definitions/94.html>
    pub static INPUT_REACHES_SINK = {
        id: "dynamic/input-reaches-sink",
        title: "Adversarial input reached a spawn, file path or dynamic code (observed at run time)",
        category: Code,
        severity: High,
        confidence: High,
        summary: "An adversarial input reached a process spawn, a file path or dynamic code",
        cwe: [78, 22, 94],
        owasp: ["A03:2021"],
        fixtures: [
            pos "crates/dynamic/fixtures/n8n-spawn-parameter",
            neg "crates/dynamic/fixtures/n8n-clean",
        ],
    }
}

pub fn check(j: &mut Judge<'_>) {
    let mut hits = Vec::new();
    for o in &j.report.observations {
        let (sink, value) = match o.kind() {
            "spawn" => {
                let mut v = o.str("command").unwrap_or("").to_string();
                if let Some(args) = o.data.get("args").and_then(|a| a.as_array()) {
                    for a in args.iter().filter_map(|a| a.as_str()) {
                        v.push(' ');
                        v.push_str(a);
                    }
                }
                ("process spawn", v)
            }
            "file" if o.data.get("inPackage").and_then(|b| b.as_bool()) != Some(true) => {
                ("file path", o.str("path").unwrap_or("").to_string())
            }
            "dynamic-code" => ("dynamic code", o.str("source").unwrap_or("").to_string()),
            _ => continue,
        };
        if value.contains(MARK) {
            hits.push((o, sink, value));
        }
    }
    for (o, sink, value) in hits {
        let shown: String = value.chars().take(120).collect();
        let f = Finding::from_rule(
            &INPUT_REACHES_SINK,
            format!(
                "`{}` passed the adversarial `{}` input to a {sink} ({}): `{shown}`",
                call_base(o.call()),
                call_mode(o.call()),
                o.str("api").unwrap_or("?"),
            ),
            location(o),
        )
        .with_property("sink", serde_json::json!(sink));
        j.push(&format!("{}:{sink}", call_base(o.call())), f);
    }
}
