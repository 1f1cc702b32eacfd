//! `package.json` checks: validity, license, repository, non-registry dependencies, bundled
//! dependencies, `bin` targets and lifecycle scripts.
//!
//! Locations point at the key in the manifest text. serde_json keeps no positions, so keys are
//! found textually (the JSON-escaped key followed by `:`), searching after the enclosing
//! section's key; when that fails the finding names the file only.

use crate::Config;
use crate::rules::*;
use crate::scripts::{self, Kind};
use portcullis_core::location::LineIndex;
use portcullis_core::rule::Signal;
use portcullis_core::{
    BinaryKind, Capability, Channel, Confidence, Evidence, FileKind, HostPattern, Location, Output,
    Package, Severity, SourceFile,
};
use serde_json::{Map, Value};

pub struct Manifest<'a> {
    pub path: &'a str,
    pub text: &'a str,
    index: LineIndex,
}

impl<'a> Manifest<'a> {
    pub fn new(path: &'a str, text: &'a str) -> Self {
        Manifest {
            path,
            text,
            index: LineIndex::new(text),
        }
    }

    /// Byte range of `"key"` (followed by optional whitespace and `:`) at or after `from`.
    fn find_key(&self, key: &str, from: usize) -> Option<(usize, usize)> {
        let quoted = serde_json::to_string(key).ok()?;
        let mut at = from;
        while let Some(i) = self.text.get(at..)?.find(&quoted) {
            let start = at + i;
            let end = start + quoted.len();
            if self.text.get(end..)?.trim_start().starts_with(':') {
                return Some((start, end));
            }
            at = end;
        }
        None
    }

    /// The location of `key`, inside `section` when given.
    pub fn key(&self, section: Option<&str>, key: &str) -> Location {
        let from = match section {
            Some(s) => match self.find_key(s, 0) {
                Some((_, end)) => end,
                None => return Location::file(self.path),
            },
            None => 0,
        };
        match self.find_key(key, from) {
            Some((s, e)) => self.index.location(self.path, self.text, s, e),
            None => Location::file(self.path),
        }
    }
}

/// Runs every manifest check on the root `package.json`.
pub fn check(file: &SourceFile, package: &Package, config: &Config, out: &mut Output) {
    let Some(text) = file.text() else {
        out.finding(
            finding(
                &INVALID_MANIFEST,
                Severity::High,
                format!("`{}` is not UTF-8 text", file.path),
                Location::file(&file.path),
            )
            .with_remediation("Save package.json as UTF-8 JSON."),
        );
        return;
    };
    let m = Manifest::new(&file.path, text);
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let off = offset_of(text, e.line(), e.column());
            out.finding(
                finding(&INVALID_MANIFEST, Severity::High, format!("`{}` is not valid JSON: {e}", file.path), Location::from_offsets(&file.path, text, off, off))
                    .with_remediation("Fix the JSON syntax; npm and the platform may read an invalid manifest differently from this scan."),
            );
            return;
        }
    };
    let Value::Object(obj) = &value else {
        out.finding(finding(
            &INVALID_MANIFEST,
            Severity::High,
            format!("`{}` is not a JSON object", file.path),
            Location::file(&file.path),
        ));
        return;
    };

    license(&m, obj, out);
    if config.require_repository {
        repository(&m, obj, out);
    }
    dependencies(&m, obj, out);
    bundled(&m, obj, out);
    bin(&m, obj, package, out);
    lifecycle(&m, obj, package, config, out);
}

/// Byte offset of serde_json's 1-based (line, column).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (off + column.saturating_sub(1)).min(text.len());
        }
        off += l.len();
    }
    text.len()
}

fn license(m: &Manifest<'_>, obj: &Map<String, Value>, out: &mut Output) {
    let remediation = "Set `license` to an SPDX identifier or expression (e.g. \"MIT\", \"Apache-2.0\", \"(MIT OR Apache-2.0)\"), or \"UNLICENSED\" for proprietary code.";
    match obj.get("license") {
        Some(Value::String(l)) if crate::spdx::is_valid(l) => {}
        Some(Value::String(l)) if l.trim().is_empty() => {
            out.finding(
                finding(
                    &MISSING_LICENSE,
                    Severity::Low,
                    "`license` is empty".into(),
                    m.key(None, "license"),
                )
                .with_remediation(remediation),
            );
        }
        Some(Value::String(l)) => {
            out.finding(
                finding(
                    &NON_SPDX_LICENSE,
                    Severity::Low,
                    format!(
                        "license `{}` is not a valid SPDX expression",
                        scripts::truncate(l, 80)
                    ),
                    m.key(None, "license"),
                )
                .with_remediation(remediation)
                .with_property("license", l.as_str()),
            );
        }
        Some(other) => {
            let what = if other.is_object() {
                "`license` uses the deprecated object form instead of an SPDX string"
            } else {
                "`license` is not a string"
            };
            out.finding(
                finding(
                    &NON_SPDX_LICENSE,
                    Severity::Low,
                    what.into(),
                    m.key(None, "license"),
                )
                .with_remediation(remediation),
            );
        }
        None if obj.contains_key("licenses") => {
            out.finding(
                finding(
                    &NON_SPDX_LICENSE,
                    Severity::Low,
                    "the deprecated `licenses` array is used instead of an SPDX `license` string"
                        .into(),
                    m.key(None, "licenses"),
                )
                .with_remediation(remediation),
            );
        }
        None => {
            out.finding(
                finding(
                    &MISSING_LICENSE,
                    Severity::Low,
                    "package.json declares no `license`".into(),
                    Location::file(m.path),
                )
                .with_remediation(remediation),
            );
        }
    }
}

fn repository(m: &Manifest<'_>, obj: &Map<String, Value>, out: &mut Output) {
    let present = match obj.get("repository") {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Object(o)) => o
            .get("url")
            .and_then(Value::as_str)
            .is_some_and(|u| !u.trim().is_empty()),
        _ => false,
    };
    if !present {
        out.finding(
            finding(&MISSING_REPOSITORY, Severity::Low, "package.json names no source `repository`".into(), Location::file(m.path))
                .with_remediation("Add `\"repository\": {\"type\": \"git\", \"url\": \"git+https://…\"}` and publish with npm provenance."),
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    Git { pinned: bool },
    Url { tls: bool },
    Local,
}

/// Classifies a dependency specifier; `None` for registry ranges, tags and `npm:` aliases.
fn classify_spec(spec: &str) -> Option<Spec> {
    let s = spec.trim();
    let lower = s.to_ascii_lowercase();
    let pinned = || {
        s.rsplit_once('#').is_some_and(|(_, r)| {
            let r = r.strip_prefix("commit=").unwrap_or(r);
            r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit())
        })
    };
    if [
        "git+",
        "git://",
        "git@",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
        || ((lower.starts_with("http://") || lower.starts_with("https://"))
            && (lower.contains(".git#") || lower.ends_with(".git")))
    {
        return Some(Spec::Git { pinned: pinned() });
    }
    if lower.starts_with("http://") {
        return Some(Spec::Url { tls: false });
    }
    if lower.starts_with("https://") {
        return Some(Spec::Url { tls: true });
    }
    if ["file:", "link:", "./", "../", "/", "~/"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Some(Spec::Local);
    }
    // GitHub shorthand `owner/repo[#ref]` (a scope starts with `@`, an alias with `npm:`).
    let (head, _) = s.split_once('#').unwrap_or((s, ""));
    if !s.starts_with('@')
        && !lower.starts_with("npm:")
        && !lower.starts_with("workspace:")
        && let Some((owner, repo)) = head.split_once('/')
        && !owner.is_empty()
        && !repo.is_empty()
        && !repo.contains('/')
        && owner
            .chars()
            .chain(repo.chars())
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Some(Spec::Git { pinned: pinned() });
    }
    None
}

fn dependencies(m: &Manifest<'_>, obj: &Map<String, Value>, out: &mut Output) {
    for section in [
        "dependencies",
        "optionalDependencies",
        "peerDependencies",
        "devDependencies",
    ] {
        let Some(Value::Object(deps)) = obj.get(section) else {
            continue;
        };
        for (name, spec) in deps.iter().take(10_000) {
            let Some(spec) = spec.as_str() else { continue };
            let Some(kind) = classify_spec(spec) else {
                continue;
            };
            let (mut severity, what) = match kind {
                Spec::Git { pinned: false } => {
                    (Severity::High, "a git repository at a movable ref")
                }
                Spec::Git { pinned: true } => {
                    (Severity::Medium, "a git repository (pinned to a commit)")
                }
                Spec::Url { tls: false } => {
                    (Severity::High, "a plain-HTTP URL (no TLS, no integrity)")
                }
                Spec::Url { tls: true } => (
                    Severity::High,
                    "an HTTPS tarball URL (no registry integrity)",
                ),
                Spec::Local => (Severity::Medium, "a local path outside the registry"),
            };
            if section == "devDependencies" {
                severity = severity.lower();
            }
            let kind_label = match kind {
                Spec::Git { .. } => "git",
                Spec::Url { .. } => "url",
                Spec::Local => "local",
            };
            out.finding(
                finding(&NON_REGISTRY_DEP,
                    severity,
                    format!("{section} `{name}` is fetched from {what}: `{}`", scripts::truncate(spec, 120)),
                    m.key(Some(section), name),
                )
                .with_fingerprint_key(format!("{section}:{name}"))
                .with_property("dependency", name.as_str())
                .with_property("specifier", spec)
                .with_property("section", section)
                .with_property("source-kind", kind_label)
                .with_remediation("Depend on a published registry version, or pin git dependencies to a full 40-character commit SHA."),
            );
        }
    }
}

fn bundled(m: &Manifest<'_>, obj: &Map<String, Value>, out: &mut Output) {
    for key in ["bundledDependencies", "bundleDependencies"] {
        let names: Vec<String> = match obj.get(key) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(Value::Bool(true)) => obj
                .get("dependencies")
                .and_then(Value::as_object)
                .map(|d| d.keys().cloned().collect())
                .unwrap_or_default(),
            _ => continue,
        };
        if names.is_empty() {
            continue;
        }
        let shown: Vec<&str> = names.iter().take(10).map(String::as_str).collect();
        out.finding(
            finding(&BUNDLED_DEPS, Severity::Medium, format!("`{key}` ships {} dependencies inside the tarball: {}", names.len(), shown.join(", ")), m.key(None, key))
                .with_property("bundled", names.iter().take(100).cloned().collect::<Vec<_>>())
                .with_remediation("Declare them as normal dependencies so the registry copy and its integrity hash are used."),
        );
    }
}

fn bin(m: &Manifest<'_>, obj: &Map<String, Value>, package: &Package, out: &mut Output) {
    let entries: Vec<(String, String)> = match obj.get("bin") {
        Some(Value::String(t)) => {
            let name = obj.get("name").and_then(Value::as_str).unwrap_or("bin");
            vec![(
                name.rsplit('/').next().unwrap_or(name).to_string(),
                t.clone(),
            )]
        }
        Some(Value::Object(o)) => o
            .iter()
            .take(1000)
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
        _ => return,
    };
    for (name, target) in entries {
        let rel = target.trim().trim_start_matches("./");
        let loc = match obj.get("bin") {
            Some(Value::Object(_)) => m.key(Some("bin"), &name),
            _ => m.key(None, "bin"),
        };
        let (severity, what) = match package.file(rel) {
            None => (Severity::Medium, "is not in the package".to_string()),
            Some(f)
                if f.kind.is_executable_binary()
                    || matches!(f.kind, FileKind::Binary(BinaryKind::Wasm)) =>
            {
                (Severity::High, format!("is a native binary ({:?})", f.kind))
            }
            Some(f) if f.kind == FileKind::JavaScript || f.kind == FileKind::TypeScript => continue,
            Some(f) if f.kind.is_text() => (
                Severity::Medium,
                "is not JavaScript (a shell or other script)".to_string(),
            ),
            Some(_) => (Severity::High, "is a binary file".to_string()),
        };
        out.finding(
            finding(
                &BIN_NOT_JS,
                severity,
                format!(
                    "`bin` command `{name}` → `{}` {what}",
                    scripts::truncate(rel, 120)
                ),
                loc,
            )
            .with_fingerprint_key(format!("bin:{name}"))
            .with_remediation(
                "Point `bin` at a JavaScript entry script that ships in the package.",
            ),
        );
    }
}

fn lifecycle(
    m: &Manifest<'_>,
    obj: &Map<String, Value>,
    package: &Package,
    config: &Config,
    out: &mut Output,
) {
    let empty = Map::new();
    let scripts_map = obj
        .get("scripts")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (hook, on_registry_install) in scripts::LIFECYCLE {
        let Some(Value::String(cmd)) = scripts_map.get(*hook) else {
            continue;
        };
        if config
            .allowed_scripts
            .iter()
            .any(|a| a.trim() == cmd.trim())
        {
            continue;
        }
        let a = scripts::analyze(cmd, scripts_map, package);
        let (id, mut severity) = match a.kind {
            Kind::DownloadExec => (&INSTALL_DOWNLOAD_EXEC, Severity::Critical),
            Kind::Download => (&INSTALL_NETWORK, Severity::High),
            Kind::InlineCode => (&INSTALL_INLINE_CODE, Severity::High),
            Kind::NativeBuild => (&INSTALL_NATIVE_BUILD, Severity::Low),
            Kind::Runs => (&INSTALL_SCRIPT, a.severity),
            Kind::Benign => (&INSTALL_SCRIPT, Severity::Low),
        };
        if !on_registry_install {
            severity = severity.lower();
        }
        let loc = m.key(Some("scripts"), hook);
        let line = loc.start_line();
        let shown = scripts::truncate(cmd, 200);
        let mut message = format!("`{hook}` script runs `{shown}`");
        if !a.facts.is_empty() {
            let facts: Vec<&str> = a.facts.iter().take(8).map(String::as_str).collect();
            message.push_str(&format!(": {}", facts.join("; ")));
        }
        if !on_registry_install {
            message.push_str(" (runs for git and local installs)");
        }
        let mut f = finding(id, severity, message, loc)
            .with_fingerprint_key(format!("{hook}:{}", cmd.trim()))
            .with_property("hook", *hook)
            .with_property("command", shown.as_str())
            .with_remediation("Remove the lifecycle script; do set-up lazily in reviewed code, or list the exact command in `[supply-chain] allowed-scripts` after review.");
        if a.kind == Kind::Benign {
            f = f.with_confidence(Confidence::Medium);
        }
        if !on_registry_install {
            // `prepare` never runs when the package is installed from the registry.
            f.signals.retain(|s| *s != Signal::InstallTimeExecution);
        }
        for path in &a.files {
            f = f.with_evidence(
                Location::file(path),
                format!("executed by the `{hook}` script"),
            );
        }
        if !a.hosts.is_empty() {
            f = f.with_property("hosts", a.hosts.clone());
        }
        out.finding(f);

        let evidence = Evidence {
            path: m.path.to_string(),
            line,
            source: id.id().to_string(),
        };
        out.observed.add(
            Capability::ChildProcess {
                command: Some(shown.clone()),
            },
            evidence.clone(),
        );
        for host in &a.hosts {
            out.observed.add(
                Capability::NetworkEgress {
                    channel: Channel::BackendHttp,
                    host: HostPattern::Exact(host.clone()),
                },
                evidence.clone(),
            );
        }
    }

    // npm runs `node-gyp rebuild` by itself when binding.gyp exists and no install hook is set.
    let has_install = ["install", "preinstall"]
        .iter()
        .any(|h| scripts_map.contains_key(*h));
    if !has_install && package.file("binding.gyp").is_some() {
        out.finding(
            finding(&INSTALL_NATIVE_BUILD,
                Severity::Low,
                "`binding.gyp` without an install script: npm runs `node-gyp rebuild` at install time".into(),
                Location::file("binding.gyp"),
            )
            .with_fingerprint_key("implicit-node-gyp")
            .with_remediation("Review the native addon source, or prefer a pure-JS / WebAssembly implementation."),
        );
        out.observed.add(
            Capability::ChildProcess {
                command: Some("node-gyp rebuild".into()),
            },
            Evidence {
                path: "binding.gyp".into(),
                line: None,
                source: INSTALL_NATIVE_BUILD.id().into(),
            },
        );
    }
}
