//! What an npm lifecycle script runs.
//!
//! A script command is classified by token patterns (never executed): download-and-execute,
//! download, inline code, native build, known-harmless tools, a run of another `npm run`
//! script (followed, bounded), or a file of the package — which is then read and summarised
//! (network, `child_process`, environment, file writes, dynamic code, credential paths).

use crate::obfuscation;
use portcullis_core::{FileKind, Package, Severity};
use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Hooks npm (or yarn/pnpm) runs on the consumer's machine when the package is installed or
/// removed, with whether they run for a registry install (`prepare` and `prepublish` run only
/// for git/local installs and in the author's checkout, so they weigh less).
pub const LIFECYCLE: &[(&str, bool)] = &[
    ("preinstall", true),
    ("install", true),
    ("postinstall", true),
    ("preuninstall", true),
    ("uninstall", true),
    ("postuninstall", true),
    ("dependencies", true),
    ("prepare", false),
    ("preprepare", false),
    ("postprepare", false),
    ("prepublish", false),
];

#[cfg(test)]
mod tests {
    #[test]
    fn built_in_patterns_compile() {
        let _ = super::p();
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    DownloadExec,
    Download,
    InlineCode,
    NativeBuild,
    /// Runs a file of the package (or a command we do not know).
    Runs,
    /// A well-known harmless tool (`husky install`, `patch-package`, `tsc`).
    Benign,
}

/// The classification of one lifecycle script.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub kind: Kind,
    /// Human-readable facts, joined into the finding message.
    pub facts: Vec<String>,
    /// Package files the script runs.
    pub files: Vec<String>,
    /// Hosts named in URLs of the command or the files it runs.
    pub hosts: Vec<String>,
    /// Severity for [`Kind::Runs`], from what the run file does.
    pub severity: Severity,
    /// Remaining work budget (commands walked + files read), so a script that runs many
    /// scripts that run many scripts stays bounded.
    budget: usize,
}

struct Patterns {
    download: Regex,
    pipe_exec: Regex,
    exec_after: Regex,
    inline: Regex,
    native: Regex,
    run_script: Regex,
    inline_require: Regex,
    run_file: Regex,
    url_host: Regex,
    net: Regex,
    child: Regex,
    env: Regex,
    fs_write: Regex,
    dynamic: Regex,
    encoded: Regex,
    creds: Regex,
    sysinfo: Regex,
}

fn p() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| {
            RegexBuilder::new(s)
                .case_insensitive(true)
                .unicode(false)
                .build()
                .unwrap_or_else(|e| panic!("built-in regex {s}: {e}"))
        };
        Patterns {
            download: re(r"\b(curl|wget|invoke-webrequest|iwr|invoke-restmethod|irm|bitsadmin|certutil\s+-urlcache|fetch\s+https?://)\b"),
            pipe_exec: re(r"\|\s*(sudo\s+)?(sh|bash|zsh|dash|ksh|node|nodejs|python[0-9.]*|perl|ruby|iex|invoke-expression|powershell|pwsh)\b"),
            exec_after: re(r"chmod\s+(\+x|[0-7]*[1357][0-7]*\s)|(^|[;&|]\s*)\./|(^|[;&|]\s*)(sh|bash|node|python[0-9.]*)\s+[\w./-]+|start-process|\bexec\s"),
            inline: re(r"\b(node|nodejs)(\.exe)?\s+(-e|--eval|-p|--print)\b|\bpython[0-9.]*\s+-c\b|\b(perl|ruby)\s+-e\b|\b(powershell|pwsh)(\.exe)?\b[ -~]*\s-(e|ec|enc|encodedcommand)\b|\beval\b|\bbase64\s+(-d|--decode)\b|\b(sh|bash)\s+-c\b"),
            native: re(r"\b(node-gyp(-build)?|prebuild-install|node-pre-gyp|cmake-js|prebuildify|napi-rs|neon\s+build)\b"),
            run_script: re(r"^\s*(npm\s+run(-script)?|yarn(\s+run)?|pnpm(\s+run)?|bun\s+run)\s+(?P<name>[\w:.-]+)\s*$"),
            inline_require: re(r#"require\s*\(\s*['"](\./[\w./@-]+)['"]\s*\)"#),
            run_file: re(r"^\s*(node|nodejs|sh|bash|python[0-9.]*)\s+((-[\w-]+\s+)*)([\w./@-]+)"),
            url_host: re(r"https?://([a-z0-9.-]+)"),
            net: re(r#"(require\s*\(\s*|from\s+|import\s*\(\s*)['"](node:)?(https?|http2|net|dgram|tls|dns)['"]|\b(fetch|axios|XMLHttpRequest|WebSocket|curl|wget)\b"#),
            child: re(r#"['"](node:)?child_process['"]|\b(execSync|spawnSync|execFileSync)\b"#),
            env: re(r"process\.env"),
            fs_write: re(r"\b(writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|chmodSync|unlinkSync|rmSync)\b"),
            dynamic: re(r"\beval\s*\(|\bnew\s+Function\s*\(|\bvm\.(runIn\w*|Script|compileFunction)\b"),
            encoded: re(r#"Buffer\.from\([ -(*-~]{0,200}['"](base64|hex)['"]|\batob\s*\("#),
            creds: re(r"\.npmrc|\.ssh/|id_rsa|\.aws/|\.docker/config|\.git-credentials|\.kube/config|/etc/passwd|/etc/shadow|homedir\s*\(|\bNPM_TOKEN\b|\bGITHUB_TOKEN\b|AWS_SECRET"),
            sysinfo: re(r"\bos\.(hostname|userInfo|networkInterfaces)\s*\(|\bos\.platform\s*\(\s*\)\s*[,+]"),
        }
    })
}

/// Exact first words of commands that are harmless at install time.
const BENIGN: &[&str] = &[
    "husky install",
    "husky",
    "patch-package",
    "tsc",
    "npm run build",
    "ngcc",
    "is-ci",
    "opencollective-postinstall",
    "echo",
    "exit 0",
    "true",
    "lerna bootstrap",
    "npx only-allow",
];

/// How deep `npm run other` chains are followed.
const MAX_RUN_DEPTH: usize = 4;
/// How much of a script file is read.
const MAX_FILE_SCAN: usize = 512 * 1024;

pub fn analyze(command: &str, scripts: &Map<String, Value>, package: &Package) -> Analysis {
    let mut a = Analysis {
        kind: Kind::Benign,
        facts: Vec::new(),
        files: Vec::new(),
        hosts: Vec::new(),
        severity: Severity::Low,
        budget: 64,
    };
    walk(command, scripts, package, 0, &mut a);
    a.hosts.sort();
    a.hosts.dedup();
    a.hosts.truncate(16);
    let mut seen = std::collections::HashSet::new();
    a.facts.retain(|f| seen.insert(f.clone()));
    a
}

fn rank(k: &Kind) -> u8 {
    match k {
        Kind::Benign => 0,
        Kind::NativeBuild => 1,
        Kind::Runs => 2,
        Kind::Download => 3,
        Kind::InlineCode => 4,
        Kind::DownloadExec => 5,
    }
}

fn raise(a: &mut Analysis, k: Kind) {
    if rank(&k) > rank(&a.kind) {
        a.kind = k;
    }
}

fn walk(
    command: &str,
    scripts: &Map<String, Value>,
    package: &Package,
    depth: usize,
    a: &mut Analysis,
) {
    if a.budget == 0 {
        return;
    }
    a.budget -= 1;
    let p = p();
    for m in p.url_host.captures_iter(command).take(16) {
        if let Some(h) = m.get(1) {
            a.hosts.push(h.as_str().to_ascii_lowercase());
        }
    }
    let downloads = p.download.is_match(command);
    if downloads && (p.pipe_exec.is_match(command) || p.exec_after.is_match(command)) {
        raise(a, Kind::DownloadExec);
        a.facts
            .push("downloads remote content and executes it".into());
    } else if downloads {
        raise(a, Kind::Download);
        a.facts.push("downloads remote content".into());
    }
    if p.inline.is_match(command) {
        raise(a, Kind::InlineCode);
        a.facts.push("evaluates inline or encoded code".into());
        // `node -e "require('./postinstall')"` runs a package file: summarise it too.
        let required: Vec<String> = p
            .inline_require
            .captures_iter(command)
            .take(4)
            .filter_map(|c| Some(c.get(1)?.as_str().to_string()))
            .collect();
        for file in required {
            run_file(&file, package, depth, a);
        }
    }
    if p.native.is_match(command) {
        raise(a, Kind::NativeBuild);
        a.facts.push("builds or fetches a native addon".into());
    }

    for segment in split_segments(command) {
        let seg = segment.trim();
        // Empty segments and shell comments (including a shebang line) run nothing.
        if seg.is_empty() || seg.starts_with('#') {
            continue;
        }
        if let Some(c) = p.run_script.captures(seg) {
            let name = c.name("name").map_or("", |m| m.as_str());
            let builtin = matches!(name, "install" | "add" | "build" | "test" | "ci");
            if let Some(Value::String(next)) = scripts.get(name)
                && depth < MAX_RUN_DEPTH
                && !builtin
            {
                a.facts.push(format!("runs script `{name}`"));
                walk(next, scripts, package, depth + 1, a);
                continue;
            }
        }
        if BENIGN
            .iter()
            .any(|b| seg == *b || seg.starts_with(&format!("{b} ")))
        {
            continue;
        }
        if p.native.is_match(seg) || p.download.is_match(seg) || p.inline.is_match(seg) {
            continue;
        }
        if let Some(c) = p.run_file.captures(seg) {
            let file = c.get(4).map_or("", |m| m.as_str());
            run_file(file, package, depth, a);
            continue;
        }
        if let Some(file) = seg.strip_prefix("./") {
            let file = file.split_whitespace().next().unwrap_or_default();
            run_file(file, package, depth, a);
            continue;
        }
        raise(a, Kind::Runs);
        a.severity = a.severity.max(Severity::Medium);
        let first = seg.split_whitespace().next().unwrap_or(seg);
        if a.facts.len() < 32 {
            a.facts.push(format!("runs `{}`", truncate(first, 60)));
        }
    }
}

/// Splits a shell command at `&&`, `||`, `;`, `|`, `&` and newlines (quotes are not
/// interpreted: a separator inside quotes only makes an extra, harmless segment).
fn split_segments(cmd: &str) -> impl Iterator<Item = &str> {
    cmd.split(['&', '|', ';', '\n'])
}

fn run_file(file: &str, package: &Package, depth: usize, a: &mut Analysis) {
    if a.budget == 0 {
        return;
    }
    a.budget -= 1;
    raise(a, Kind::Runs);
    a.severity = a.severity.max(Severity::Medium);
    // `node .` runs the package itself: its `main`, else `index.js`, as npm and node do.
    let main;
    let rel = match file.trim_start_matches("./") {
        "" | "." => {
            main = package_main(package);
            main.as_str()
        }
        other => other,
    };
    let found = package
        .file(rel)
        .or_else(|| package.file(&format!("{rel}.js")))
        .or_else(|| package.file(&format!("{rel}/index.js")));
    let Some(f) = found else {
        a.facts.push(format!(
            "runs `{}`, which is not in the package",
            truncate(rel, 80)
        ));
        return;
    };
    a.files.push(f.path.clone());
    let Some(text) = f.text() else {
        a.facts.push(format!("runs `{}`, a binary file", f.path));
        a.severity = Severity::High;
        return;
    };
    let text = obfuscation::sample(text, MAX_FILE_SCAN);
    if !f.kind.is_script() && !matches!(f.kind, FileKind::JavaScript) {
        // A shell or other script: classify its content as a command.
        a.facts.push(format!("runs `{}`", f.path));
        if depth < MAX_RUN_DEPTH {
            walk(text, &serde_json::Map::new(), package, depth + 1, a);
        }
        return;
    }
    let p = p();
    let traits: Vec<&str> = [
        (&p.net, "network access"),
        (&p.child, "child processes"),
        (&p.env, "environment variables"),
        (&p.fs_write, "file writes"),
        (&p.dynamic, "dynamic code"),
        (&p.encoded, "encoded data"),
        (&p.creds, "credential paths"),
        (&p.sysinfo, "host fingerprinting"),
    ]
    .into_iter()
    .filter(|(re, _)| re.is_match(text))
    .map(|(_, label)| label)
    .collect();
    for m in p.url_host.captures_iter(text).take(16) {
        if let Some(h) = m.get(1) {
            a.hosts.push(h.as_str().to_ascii_lowercase());
        }
    }
    let has = |t: &str| traits.contains(&t);
    let obfuscated = obfuscation::analyze(text).obfuscated();
    if obfuscated
        || (has("network access")
            && (has("environment variables")
                || has("credential paths")
                || has("host fingerprinting")
                || has("child processes")))
        || (has("dynamic code") && has("encoded data"))
    {
        a.severity = Severity::High;
    }
    let mut fact = format!("runs `{}`", f.path);
    if !traits.is_empty() {
        fact.push_str(&format!(" (uses {})", traits.join(", ")));
    }
    if obfuscated {
        fact.push_str(" which is obfuscated");
    }
    a.facts.push(fact);
}

/// The `main` of the root `package.json`, `index.js` when absent.
fn package_main(package: &Package) -> String {
    package
        .manifest()
        .and_then(|m| serde_json::from_slice::<Value>(&m.bytes).ok())
        .and_then(|v| v.get("main").and_then(Value::as_str).map(str::to_string))
        .map(|m| m.trim_start_matches("./").to_string())
        .unwrap_or_else(|| "index.js".into())
}

pub fn truncate(s: &str, max: usize) -> String {
    portcullis_core::location::truncate_chars(s, max)
}
