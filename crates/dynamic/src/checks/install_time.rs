use crate::findings::{Judge, host_of, location};
use crate::run::Phase;
use portcullis_core::{Finding, declare_rule};

/// Environment variables any Node program reads; anything else read on install is noted.
const ORDINARY_ENV: &[&str] = &[
    "NODE_ENV", "PATH", "HOME", "PWD", "LANG", "TZ", "CI", "DEBUG",
];

declare_rule! {
    /// ## What it does
    /// Runs the JavaScript of the package's `preinstall`, `install`, `postinstall` and
    /// `prepare` scripts in the sandbox and reports what an install never needs: network
    /// requests and DNS lookups, process spawns, reads of secret-looking environment
    /// variables or host facts, and file writes outside the package.
    ///
    /// ## Why is this bad?
    /// npm runs lifecycle scripts with the installing user's rights before anyone reviews
    /// the code; it is where most malicious packages act.
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "postinstall": "node setup.js" } }
    /// ```
    /// where `setup.js` posts `process.env` to a server.
    ///
    /// ## Use instead
    /// Do setup work at first use, not on install; ship built files instead of building them
    /// on the user's machine.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/506.html>
    /// - <https://docs.npmjs.com/cli/using-npm/scripts>
    pub static INSTALL_TIME = {
        id: "dynamic/install-time-behaviour",
        title: "Install script reaches the network, processes or secrets (observed at run time)",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "A lifecycle script did something an install never needs",
        cwe: [506],
        signals: [InstallTimeExecution, LifecycleScript],
        fixtures: [
            pos "crates/dynamic/fixtures/npm-install-beacon",
            neg "crates/dynamic/fixtures/n8n-clean",
        ],
    }
}

pub fn check(j: &mut Judge<'_>) {
    let mut hits = Vec::new();
    for o in j
        .report
        .observations
        .iter()
        .filter(|o| o.phase == Phase::Install)
    {
        let what = match o.kind() {
            "request" => format!(
                "sent a request to `{}`",
                o.str("url").and_then(host_of).unwrap_or_default()
            ),
            "dns" => format!("looked up `{}`", o.str("host").unwrap_or("")),
            "spawn" => format!("spawned `{}`", o.str("command").unwrap_or("")),
            "env" => {
                let name = o.str("name").unwrap_or("");
                if ORDINARY_ENV.contains(&name) {
                    continue;
                }
                if name == "*" {
                    "enumerated the environment".to_string()
                } else {
                    format!("read the environment variable `{name}`")
                }
            }
            "host-info" => format!("read host facts ({})", o.str("api").unwrap_or("")),
            "file"
                if o.str("op") == Some("write")
                    && o.data.get("inPackage").and_then(|b| b.as_bool()) != Some(true)
                    && !inside_package(o.str("path").unwrap_or("")) =>
            {
                format!("wrote `{}`", o.str("path").unwrap_or(""))
            }
            _ => continue,
        };
        hits.push((o, what, o.kind()));
    }
    for (o, what, kind) in hits {
        let f = Finding::from_rule(
            &INSTALL_TIME,
            format!("lifecycle script `{}` {what} on install", o.entry),
            location(o),
        );
        // One finding per script and kind of behaviour; the first occurrence is shown.
        j.push(&format!("{}:{kind}", o.entry), f);
    }
}

/// npm runs lifecycle scripts in the package directory: a relative path that does not climb
/// out of it is the package's own tree.
fn inside_package(path: &str) -> bool {
    if path.starts_with('/') || path.is_empty() {
        return false;
    }
    let mut depth: i32 = 0;
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => depth += 1,
        }
    }
    true
}
