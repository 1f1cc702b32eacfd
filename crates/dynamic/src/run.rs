//! Which entry points a package has, how each is run, and the run's report.

use crate::limits::Limits;
use crate::sandbox::{self, EntryKind, Outcome};
use crate::{capabilities, findings};
use portcullis_core::{
    Capability, CapabilitySet, Extension, Finding, HostPattern, Notice, NoticeLevel, Package,
    Platform,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// Environment variables the sandbox answers with a canary (a read that then leaves in a
/// request is exfiltration of the environment).
pub const SECRET_ENV: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "NPM_TOKEN",
    "GITHUB_TOKEN",
    "N8N_ENCRYPTION_KEY",
    "DATABASE_URL",
    "OPENAI_API_KEY",
];

/// The prefix of every environment canary.
pub const ENV_CANARY: &str = "pcyENVCANARY";
/// The host the sandbox answers user-configured URLs (parameters, credential URL fields) with.
pub const USER_HOST: &str = "user-configured.example.test";

/// What kind of code an entry point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// The platform loads and calls it.
    Platform,
    /// npm runs it on install.
    Install,
}

/// One entry point's run, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct EntryReport {
    pub path: String,
    pub phase: Phase,
    pub outcome: Outcome,
    pub calls_planned: usize,
    pub calls_run: usize,
    /// Observations by kind (`request`, `spawn`, `env`, …).
    pub observations: BTreeMap<String, usize>,
    pub wall_ms: u64,
    pub peak_memory_bytes: u64,
}

/// One observation with the entry point and phase it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub entry: String,
    pub phase: Phase,
    #[serde(flatten)]
    pub data: serde_json::Value,
}

impl Observation {
    pub fn kind(&self) -> &str {
        self.str("kind").unwrap_or("")
    }
    pub fn str(&self, key: &str) -> Option<&str> {
        self.data.get(key).and_then(|v| v.as_str())
    }
    /// The harness call it happened in (`Node.execute[shell]`), `load:…` during loading.
    pub fn call(&self) -> &str {
        self.str("call").unwrap_or("")
    }
}

/// Everything one dynamic run of a package produced.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    pub platform: Option<Platform>,
    pub entry_points: Vec<EntryReport>,
    pub observations: Vec<Observation>,
    pub findings: Vec<Finding>,
    /// What the code did at run time, in the capability model (evidence source
    /// `dynamic/observed-at-run-time`).
    pub observed: CapabilitySet,
    pub notices: Vec<Notice>,
    pub wall_ms: u64,
}

impl RunReport {
    pub fn calls_run(&self) -> usize {
        self.entry_points.iter().map(|e| e.calls_run).sum()
    }
}

/// Runs the package's entry points in the sandbox and judges what they did.
pub fn run_package(pkg: &Package, extension: Option<&Extension>, limits: &Limits) -> RunReport {
    let started = std::time::Instant::now();
    let mut report = RunReport {
        platform: extension.map(|e| e.platform),
        ..RunReport::default()
    };
    let files: HashMap<String, String> = pkg
        .files
        .iter()
        .filter_map(|f| f.text().map(|t| (f.path.clone(), t.to_string())))
        .collect();
    let files = Rc::new(files);
    let config = prelude_config(extension, pkg);
    let platform = match extension.map(|e| e.platform) {
        Some(Platform::N8n) => "n8n",
        Some(Platform::NodeRed) => "node-red",
        _ => "npm",
    };

    let mut entries: Vec<(String, EntryKind, Phase)> = Vec::new();
    for (code, kind) in lifecycle_scripts(&files) {
        entries.push((code, kind, Phase::Install));
    }
    for e in platform_entries(extension, &files, &mut report.notices) {
        entries.push((e, EntryKind::Module, Phase::Platform));
    }
    if entries.len() > limits.max_entry_points {
        report.notices.push(Notice {
            kind: Default::default(),
            level: NoticeLevel::Warning,
            path: None,
            message: format!(
                "dynamic: {} entry points, ran the first {}",
                entries.len(),
                limits.max_entry_points
            ),
        });
        entries.truncate(limits.max_entry_points);
    }

    let stop_at = started + limits.package_time;
    for (entry, kind, phase) in entries {
        if std::time::Instant::now() >= stop_at {
            report.notices.push(Notice {
                kind: Default::default(),
                level: NoticeLevel::Warning,
                path: Some(entry.clone()),
                message: format!(
                    "dynamic: package time budget of {} s spent; {entry} not run",
                    limits.package_time.as_secs()
                ),
            });
            continue;
        }
        let plat = if phase == Phase::Install {
            "npm"
        } else {
            platform
        };
        let run = sandbox::run_entry(
            Rc::clone(&files),
            plat,
            &entry,
            kind,
            &config,
            limits,
            stop_at,
        );
        if let Some(err) = &run.sandbox_error {
            report.notices.push(Notice {
                kind: Default::default(),
                level: NoticeLevel::Warning,
                path: Some(entry.clone()),
                message: format!("dynamic: sandbox error running {entry}: {err}"),
            });
        }
        if run.calls_run < run.calls_planned && run.limit_hit.is_none() {
            report.notices.push(Notice {
                kind: Default::default(),
                level: NoticeLevel::Warning,
                path: Some(entry.clone()),
                message: format!(
                    "dynamic: package time budget spent; {} of {} calls of {entry} not run",
                    run.calls_planned - run.calls_run,
                    run.calls_planned
                ),
            });
        }
        let label = match kind {
            EntryKind::Inline => "<lifecycle: node -e>".to_string(),
            _ => entry.clone(),
        };
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for ev in &run.events {
            if let Some(k) = ev.get("kind").and_then(|v| v.as_str()) {
                *counts.entry(k.to_string()).or_default() += 1;
            }
        }
        let outcome = if run.outcome == Outcome::Completed && ran_out_of_memory(&run.events) {
            Outcome::OutOfMemory
        } else {
            run.outcome
        };
        report.entry_points.push(EntryReport {
            path: label.clone(),
            phase,
            outcome,
            calls_planned: run.calls_planned,
            calls_run: run.calls_run,
            observations: counts,
            wall_ms: run.wall.as_millis() as u64,
            peak_memory_bytes: run.peak_memory,
        });
        if let Some((call, reason)) = run.limit_hit {
            report.observations.push(Observation {
                entry: label.clone(),
                phase,
                data: serde_json::json!({"kind": "limit", "call": call, "reason": reason}),
            });
        }
        for data in run.events {
            report.observations.push(Observation {
                entry: label.clone(),
                phase,
                data,
            });
        }
    }
    report.findings = findings::judge(&report, extension, limits);
    report.observed = capabilities::observed(&report.observations);
    report.wall_ms = started.elapsed().as_millis() as u64;
    report
}

fn ran_out_of_memory(events: &[serde_json::Value]) -> bool {
    events.iter().any(|e| {
        e.get("kind").and_then(|k| k.as_str()) == Some("exception")
            && e.pointer("/error/message")
                .and_then(|m| m.as_str())
                .is_some_and(|m| m.contains("out of memory"))
    })
}

/// The JSON the prelude reads: per credential a URL host and secret fields to issue
/// canaries for, and the environment (secret-looking variables are canaries).
fn prelude_config(extension: Option<&Extension>, pkg: &Package) -> String {
    let mut creds = serde_json::Map::new();
    if let Some(ext) = extension {
        for item in ext.declared.iter() {
            if let Capability::Credential {
                name,
                secret_fields,
                bound_hosts,
                ..
            } = &item.capability
            {
                let host = bound_hosts.iter().find_map(|h| match h {
                    HostPattern::Exact(h) => Some(h.clone()),
                    HostPattern::Wildcard(w) => {
                        Some(format!("tenant{}", w.trim_start_matches('*')))
                    }
                    _ => None,
                });
                creds.insert(
                    name.clone(),
                    serde_json::json!({"host": host.unwrap_or_else(|| USER_HOST.to_string()), "fields": secret_fields}),
                );
            }
        }
    }
    let mut env = serde_json::Map::new();
    for (i, k) in SECRET_ENV.iter().enumerate() {
        env.insert(
            (*k).to_string(),
            serde_json::Value::String(format!("{ENV_CANARY}{i}x{}", &seed(pkg)[..6])),
        );
    }
    serde_json::json!({"credentials": creds, "env": env, "seed": seed(pkg)}).to_string()
}

/// A per-package seed so canaries differ between packages (and cannot be hard-coded).
fn seed(pkg: &Package) -> String {
    let mut s: String = pkg
        .sha256
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect();
    if s.len() < 8 {
        let h = pkg.files.iter().fold(0xcbf29ce484222325u64, |h, f| {
            f.path
                .bytes()
                .fold(h, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
        });
        s = format!("{h:016x}");
    }
    s.truncate(8);
    s
}

/// Files the platform loads. n8n and Node-RED list them in `package.json`; anything else is
/// loaded through its `main`.
fn platform_entries(
    extension: Option<&Extension>,
    files: &HashMap<String, String>,
    notices: &mut Vec<Notice>,
) -> Vec<String> {
    let mut out = Vec::new();
    let declared: Vec<String> = match extension {
        Some(e) if matches!(e.platform, Platform::N8n | Platform::NodeRed) => {
            e.entry_points.clone()
        }
        _ => main_of(files).into_iter().collect(),
    };
    for path in declared {
        let path = path.trim_start_matches("./").to_string();
        if files.contains_key(&path) && !path.ends_with(".ts") {
            out.push(path);
            continue;
        }
        // A TypeScript-only entry: the built JS is preferred, and looked for first.
        let js = path
            .strip_suffix(".ts")
            .map(|p| format!("{p}.js"))
            .filter(|p| files.contains_key(p));
        match js {
            Some(js) => out.push(js),
            None if path.ends_with(".ts") => notices.push(Notice {
                kind: Default::default(),
                level: NoticeLevel::Info,
                path: Some(path.clone()),
                message: format!(
                    "dynamic: {path} is TypeScript with no built JavaScript; not run (build the package first)"
                ),
            }),
            None => out.push(path), // the prelude resolves `x` → `x.js`, `x/index.js`, or records it missing
        }
    }
    out
}

fn main_of(files: &HashMap<String, String>) -> Option<String> {
    let pj: serde_json::Value = serde_json::from_str(files.get("package.json")?).ok()?;
    Some(
        pj.get("main")
            .and_then(|m| m.as_str())
            .unwrap_or("index.js")
            .to_string(),
    )
    .filter(|m| {
        let m = m.trim_start_matches("./");
        files.contains_key(m) || files.contains_key(&format!("{m}.js"))
    })
}

/// The JavaScript npm would run on install: `node file.js` and `node -e "code"` parts of the
/// `preinstall`, `install`, `postinstall` and `prepare` scripts. Shell-only commands are not
/// JavaScript and are left to the static analyzers.
pub fn lifecycle_scripts(files: &HashMap<String, String>) -> Vec<(String, EntryKind)> {
    let Some(pj) = files
        .get("package.json")
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for hook in ["preinstall", "install", "postinstall", "prepare"] {
        let Some(script) = pj
            .pointer(&format!("/scripts/{hook}"))
            .and_then(|s| s.as_str())
        else {
            continue;
        };
        for part in script.split("&&").flat_map(|p| p.split(';')) {
            let words = shell_words(part.trim());
            if words.first().map(String::as_str) != Some("node") {
                continue;
            }
            let mut it = words.iter().skip(1);
            while let Some(w) = it.next() {
                match w.as_str() {
                    "-e" | "--eval" | "-p" | "--print" => {
                        if let Some(code) = it.next() {
                            out.push((code.clone(), EntryKind::Inline));
                        }
                        break;
                    }
                    w if w.starts_with('-') => continue,
                    file => {
                        out.push((file.trim_start_matches("./").to_string(), EntryKind::Script));
                        break;
                    }
                }
            }
        }
    }
    out
}

/// Splits a command line on blanks, honouring single and double quotes.
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_scripts_find_node_parts() {
        let mut f = HashMap::new();
        f.insert(
            "package.json".to_string(),
            r#"{"scripts":{"postinstall":"node ./scripts/setup.js && echo ok","preinstall":"node -e \"require('https').get('x')\""}}"#.to_string(),
        );
        let s = lifecycle_scripts(&f);
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0],
            ("require('https').get('x')".to_string(), EntryKind::Inline)
        );
        assert_eq!(s[1], ("scripts/setup.js".to_string(), EntryKind::Script));
    }
}
