//! The `deps` analyzer: inventory every lockfile / manifest / bundled package in the
//! extension, emit the SBOM components, and report vulnerable, malicious, typosquatted,
//! confusable, non-registry, deprecated and license-violating dependencies.

use crate::config::Config;
use crate::inventory::manifest::Manifest;
use crate::inventory::{Dep, node_modules, npm_lock, pnpm, python, yarn};
use crate::license::{self, Verdict};
use crate::rules;
use crate::typosquat;
use crate::vuln::{match_component, scope_str, vuln_finding};
use portcullis_core::location::LineIndex;
use portcullis_core::{
    Analyzer, Confidence, Context, DependencyScope, Ecosystem, Location, NoticeLevel, Output,
    Package, RuleMeta, Severity,
};
use portcullis_vulndb::{DbMeta, VulnDb};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Largest lockfile parsed (real ones of huge monorepos reach ~30 MB).
const MAX_LOCKFILE_BYTES: usize = 64 << 20;
/// Most bundled `node_modules/*/package.json` files read.
const MAX_BUNDLED: usize = 20_000;

pub struct DepsAnalyzer {
    config: Config,
    db: Option<Arc<VulnDb>>,
}

/// Everything found in one package, before the checks.
#[derive(Debug, Default)]
pub struct Inventory {
    pub deps: Vec<Dep>,
    /// (manifest path, unresolved declared dependencies)
    pub unresolved: Vec<(String, Vec<String>)>,
    /// (file, reason)
    pub malformed: Vec<(String, String)>,
    pub notices: Vec<(Option<String>, String)>,
}

#[derive(Default)]
struct Dir<'a> {
    manifest: Option<&'a str>,
    npm_locks: Vec<(&'a str, &'a str)>,
    poetry: Option<(&'a str, &'a str)>,
    pyproject: Option<&'a str>,
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

impl DepsAnalyzer {
    pub fn new(config: Config, db: Option<Arc<VulnDb>>) -> DepsAnalyzer {
        DepsAnalyzer { config, db }
    }

    /// Metadata of the database in use (for the report's `properties`: its date and sources).
    pub fn db_meta(&self) -> Option<&DbMeta> {
        self.db.as_deref().map(VulnDb::meta)
    }

    /// Parses every dependency source in the package.
    pub fn inventory(&self, pkg: &Package) -> Inventory {
        let mut inv = Inventory::default();
        let mut dirs: BTreeMap<&str, Dir<'_>> = BTreeMap::new();
        let mut bundled: Vec<(&str, &str)> = Vec::new();
        let mut requirements: Vec<(&str, &str)> = Vec::new();
        for f in &pkg.files {
            let name = f.name();
            let interesting = matches!(
                name,
                "package.json"
                    | "package-lock.json"
                    | "npm-shrinkwrap.json"
                    | "yarn.lock"
                    | "pnpm-lock.yaml"
                    | "poetry.lock"
                    | "pyproject.toml"
            ) || (name.starts_with("requirements") && name.ends_with(".txt"));
            if !interesting {
                continue;
            }
            if f.len() > MAX_LOCKFILE_BYTES {
                inv.notices.push((
                    Some(f.path.clone()),
                    format!(
                        "skipped: {} bytes is over the {MAX_LOCKFILE_BYTES}-byte limit",
                        f.len()
                    ),
                ));
                continue;
            }
            let Some(text) = f.text() else {
                inv.malformed
                    .push((f.path.clone(), "not valid UTF-8 text".into()));
                continue;
            };
            if f.path.contains("node_modules/") {
                if name == "package.json" && node_modules::is_bundled_manifest(&f.path) {
                    if bundled.len() < MAX_BUNDLED {
                        bundled.push((f.path.as_str(), text));
                    } else if bundled.len() == MAX_BUNDLED {
                        inv.notices.push((None, format!("more than {MAX_BUNDLED} bundled packages: the rest were not inventoried")));
                    }
                }
                continue;
            }
            let d = dirs.entry(dir_of(&f.path)).or_default();
            match name {
                "package.json" => d.manifest = Some(text),
                "package-lock.json" | "npm-shrinkwrap.json" | "yarn.lock" | "pnpm-lock.yaml" => {
                    d.npm_locks.push((f.path.as_str(), text))
                }
                "poetry.lock" => d.poetry = Some((f.path.as_str(), text)),
                "pyproject.toml" => d.pyproject = Some(text),
                _ => requirements.push((f.path.as_str(), text)),
            }
        }

        let mut manifests: HashMap<&str, Manifest> = HashMap::new();
        for (dir, d) in &dirs {
            if let Some(text) = d.manifest {
                match Manifest::parse(text) {
                    Ok(m) => {
                        manifests.insert(dir, m);
                    }
                    Err(e) => inv.notices.push((
                        Some(join(dir, "package.json")),
                        format!("cannot read dependencies: {e}"),
                    )),
                }
            }
        }

        for (dir, d) in &dirs {
            let manifest = manifests.get(dir);
            // npm ignores package-lock.json when a shrinkwrap exists.
            let has_shrinkwrap = d
                .npm_locks
                .iter()
                .any(|(p, _)| p.ends_with("npm-shrinkwrap.json"));
            for (path, text) in &d.npm_locks {
                if has_shrinkwrap && path.ends_with("package-lock.json") {
                    continue;
                }
                let parsed = if path.ends_with("yarn.lock") {
                    yarn::parse(text, manifest)
                } else if path.ends_with("pnpm-lock.yaml") {
                    pnpm::parse(text, manifest)
                } else {
                    npm_lock::parse(text, manifest)
                };
                match parsed {
                    Ok(g) => inv.deps.extend(g.into_deps(Ecosystem::Npm, path)),
                    Err(e) => inv.malformed.push((path.to_string(), e)),
                }
            }
            if let Some((path, text)) = d.poetry {
                match python::parse_poetry(text, d.pyproject) {
                    Ok(g) => inv.deps.extend(g.into_deps(Ecosystem::PyPI, path)),
                    Err(e) => inv.malformed.push((path.to_string(), e)),
                }
            }
            // A manifest with no lockfile: bundled copies resolve some, the rest are ranges.
            if let Some(m) = manifest
                && d.npm_locks.is_empty()
                && !m.deps.is_empty()
            {
                let mpath = join(dir, "package.json");
                let un: Vec<Dep> = m
                    .unresolved(&mpath)
                    .into_iter()
                    .filter(|dep| {
                        let bundled_path = join(
                            dir,
                            &format!("node_modules/{}/package.json", dep.component.name),
                        );
                        !bundled.iter().any(|(p, _)| *p == bundled_path)
                    })
                    .collect();
                let names: Vec<String> = un
                    .iter()
                    .filter(|d| {
                        self.config.include_dev || d.component.scope != DependencyScope::Dev
                    })
                    .map(|d| {
                        format!(
                            "{}@{}",
                            d.component.name,
                            d.component.requested.as_deref().unwrap_or("*")
                        )
                    })
                    .collect();
                if !names.is_empty() {
                    inv.unresolved.push((mpath, names));
                }
                inv.deps.extend(un);
            }
        }

        for (path, text) in bundled {
            let prefix = path
                .find("node_modules/")
                .map_or("", |i| path[..i].trim_end_matches('/'));
            match node_modules::parse(path, text, manifests.get(prefix)) {
                Ok(d) => inv.deps.push(d),
                Err(e) => inv.malformed.push((path.to_string(), e)),
            }
        }
        for (path, text) in requirements {
            inv.deps.extend(python::parse_requirements(text, path));
        }

        // One component per (ecosystem, name, version, file).
        let mut seen = HashSet::new();
        inv.deps.retain(|d| {
            let c = &d.component;
            seen.insert((
                c.ecosystem,
                c.name.clone(),
                c.version.clone(),
                c.found_in.clone(),
            ))
        });
        inv
    }

    fn db_notices(&self, out: &mut Output) {
        match &self.db {
            None => out.notice(
                NoticeLevel::Warning,
                None,
                "no vulnerability database: run `portcullis db update` or `portcullis db import` — dependencies were inventoried and checked for supply-chain risks, but not for known vulnerabilities or malware",
            ),
            Some(db) => {
                let meta = db.meta();
                if meta.is_stale(self.config.max_db_age_days) {
                    out.notice(
                        NoticeLevel::Warning,
                        None,
                        format!(
                            "the vulnerability database is {} days old (updated {}; limit {} days): run `portcullis db update`",
                            meta.age_days(),
                            meta.updated_at_rfc3339(),
                            self.config.max_db_age_days
                        ),
                    );
                } else {
                    out.notice(
                        NoticeLevel::Info,
                        None,
                        format!("vulnerability database: {} advisories, updated {}", meta.advisories, meta.updated_at_rfc3339()),
                    );
                }
            }
        }
    }
}

/// Finds a finding's position in its file, caching one line index per file.
struct Locator<'p> {
    pkg: &'p Package,
    indexes: HashMap<String, LineIndex>,
}

impl Locator<'_> {
    fn locate(&mut self, path: &str, needle: Option<&str>) -> Location {
        let (Some(file), Some(needle)) = (self.pkg.file(path), needle) else {
            return Location::file(path);
        };
        let Some(text) = file.text() else {
            return Location::file(path);
        };
        match text.find(needle) {
            Some(off) if !needle.is_empty() => {
                let idx = self
                    .indexes
                    .entry(path.to_string())
                    .or_insert_with(|| LineIndex::new(text));
                idx.location(path, text, off, off + needle.len())
            }
            _ => Location::file(path),
        }
    }
}

fn registry_host(resolved: &str) -> Option<String> {
    let rest = resolved.split_once("://")?.1;
    let host = rest.split(['/', ':', '?', '#']).next()?;
    Some(host.to_ascii_lowercase())
}

impl Analyzer for DepsAnalyzer {
    fn name(&self) -> &'static str {
        "deps"
    }

    fn rules(&self) -> Vec<RuleMeta> {
        rules::all().iter().map(|r| r.meta()).collect()
    }

    fn analyze_package(&self, cx: &Context<'_>) -> Output {
        let mut out = Output::default();
        self.db_notices(&mut out);
        let inv = self.inventory(cx.package);
        let mut loc = Locator {
            pkg: cx.package,
            indexes: HashMap::new(),
        };

        for (path, msg) in &inv.notices {
            out.notice(NoticeLevel::Warning, path.as_deref(), msg.clone());
        }
        for (path, reason) in &inv.malformed {
            out.notice(
                NoticeLevel::Error,
                Some(path),
                format!("cannot parse: {reason}"),
            );
            out.finding(
                rules::finding(
                    &rules::MALFORMED_LOCKFILE,
                    Severity::Low,
                    format!(
                        "{path} could not be parsed ({reason}); its dependencies were not checked"
                    ),
                    Location::file(path.clone()),
                )
                .with_remediation(
                    "Regenerate the lockfile with its package manager and commit the result.",
                )
                .with_fingerprint_key("malformed"),
            );
        }
        for (path, names) in &inv.unresolved {
            let shown: Vec<&str> = names.iter().take(10).map(String::as_str).collect();
            let more = names.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            out.finding(
                rules::finding(&rules::UNRESOLVED_DEPENDENCIES,
                    Severity::Low,
                    format!(
                        "{} dependencies are declared as ranges with no lockfile: {}{more}; the versions installed are decided at install time and were not checked",
                        names.len(),
                        shown.join(", ")
                    ),
                    Location::file(path.clone()),
                )
                .with_cwe(829)
                .with_remediation("Ship an `npm-shrinkwrap.json` (npm honours it for published packages) or bundle the dependencies, and scan again.")
                .with_fingerprint_key("unresolved")
                .with_property("dependencies", names.clone()),
            );
        }

        let considered =
            |d: &Dep| self.config.include_dev || d.component.scope != DependencyScope::Dev;

        // Vulnerabilities and malware, one finding per (package, version, vulnerability).
        if let Some(db) = &self.db {
            let mut reported: HashMap<(Ecosystem, String, String, String), usize> = HashMap::new();
            for d in inv.deps.iter().filter(|d| considered(d)) {
                let c = &d.component;
                for g in match_component(c, db, &self.config.ignore_advisories) {
                    let key = (
                        c.ecosystem,
                        c.name.clone(),
                        c.version.clone().unwrap_or_default(),
                        g.primary().id.clone(),
                    );
                    let location = loc.locate(&c.found_in, d.needle.as_deref());
                    match reported.get(&key) {
                        Some(&i) => {
                            if let Some(f) = out.findings.get_mut(i) {
                                f.evidence.push(portcullis_core::EvidenceStep {
                                    location,
                                    message: format!(
                                        "also present here (path: {})",
                                        c.path.join(" → ")
                                    ),
                                });
                            }
                        }
                        None => {
                            let f = vuln_finding(c, &g, location.clone()).with_evidence(
                                location,
                                format!("dependency path: {}", c.path.join(" → ")),
                            );
                            reported.insert(key, out.findings.len());
                            out.finding(f);
                        }
                    }
                }
            }
        }

        let mut typo_seen = HashSet::new();
        let mut confusion_seen = HashSet::new();
        for d in inv.deps.iter().filter(|d| considered(d)) {
            let c = &d.component;
            let at = |loc: &mut Locator<'_>| loc.locate(&c.found_in, d.needle.as_deref());
            let path_str = c.path.join(" → ");

            if c.ecosystem == Ecosystem::Npm
                && (c.direct || self.config.typosquat_transitive)
                && typo_seen.insert(c.name.clone())
                && !self.config.typosquat_allow.contains(&c.name)
                && !self.config.is_internal(&c.name)
                && !self
                    .config
                    .internal_scopes
                    .iter()
                    .any(|s| c.name.starts_with(&format!("{}/", s.trim_end_matches('/'))))
                && let Some(s) = typosquat::check(&c.name)
            {
                let confidence = if typosquat::technique_is_weak(s.technique) {
                    Confidence::Low
                } else {
                    Confidence::Medium
                };
                out.finding(
                    rules::finding(&rules::TYPOSQUATTING,
                        Severity::Medium,
                        format!("`{}` looks like a typosquat of the popular package `{}` ({})", c.name, s.target, s.technique),
                        at(&mut loc),
                    )
                    .with_confidence(confidence)
                    .with_cwe(1357)
                    .with_remediation(format!(
                        "Check that `{}` is the package you meant (not `{}`): look at its publisher, age, downloads and install scripts. If it is intentional, add it to `[deps] typosquat-allow`.",
                        c.name, s.target
                    ))
                    .with_fingerprint_key(c.name.clone())
                    .with_property("package", c.name.clone())
                    .with_property("imitates", s.target)
                    .with_property("technique", s.technique)
                    .with_property("dependency_path", c.path.clone()),
                );
            }

            if c.ecosystem == Ecosystem::Npm
                && self.config.is_internal(&c.name)
                && confusion_seen.insert((c.name.clone(), c.found_in.clone()))
            {
                let host = d.resolved.as_deref().and_then(registry_host);
                let internal_ok = host.as_ref().is_some_and(|h| {
                    self.config
                        .internal_registries
                        .iter()
                        .any(|r| r.eq_ignore_ascii_case(h))
                });
                if !internal_ok && c.source.is_none() {
                    let (sev, why) = match &host {
                        Some(h) => (Severity::High, format!("resolved from `{h}`, which is not a configured internal registry")),
                        None => (Severity::Medium, "with no recorded registry, so a same-named public package could be installed instead".to_string()),
                    };
                    out.finding(
                        rules::finding(&rules::DEPENDENCY_CONFUSION, sev, format!("internal package `{}` is {why}", c.name), at(&mut loc))
                            .with_cwe(427)
                            .with_remediation("Publish internal packages under a scope you own mapped to your registry in `.npmrc` (`@acme:registry=…`), list that registry in `[deps] internal-registries`, and claim the unscoped name on the public registry.")
                            .with_fingerprint_key(c.name.clone())
                            .with_property("package", c.name.clone())
                            .with_property("registry", host.unwrap_or_default()),
                    );
                }
            }

            if !c.direct
                && let Some(src) = &c.source
            {
                let insecure = src.starts_with("http://") || src.starts_with("git://");
                let sev = if insecure {
                    Severity::High
                } else {
                    Severity::Medium
                };
                let extra = if insecure {
                    " over an unencrypted connection"
                } else {
                    ""
                };
                out.finding(
                    rules::finding(&rules::NON_REGISTRY_SOURCE,
                        sev,
                        format!("transitive dependency `{}` is installed from `{}`{extra}, not from a registry (path: {path_str})", c.name, src),
                        at(&mut loc),
                    )
                    .with_cwe(829)
                    .with_remediation(format!(
                        "Ask the maintainer of `{}` to depend on a published version, or override `{}` to a registry release.",
                        c.path.get(c.path.len().saturating_sub(2)).map_or("its parent", String::as_str),
                        c.name
                    ))
                    .with_fingerprint_key(format!("{}@{}", c.name, src))
                    .with_property("package", c.name.clone())
                    .with_property("source", src.clone())
                    .with_property("dependency_path", c.path.clone()),
                );
            }

            if let Some(msg) = &d.deprecated {
                let version = c.version.as_deref().unwrap_or("?");
                out.finding(
                    rules::finding(&rules::DEPRECATED_PACKAGE,
                        Severity::Low,
                        format!("{}@{version} is deprecated: {}", c.name, portcullis_core::location::truncate_chars(msg, 200)),
                        at(&mut loc),
                    )
                    .with_cwe(1104)
                    .with_remediation(format!("Replace `{}` with the maintained alternative its deprecation message names.", c.name))
                    .with_fingerprint_key(format!("{}@{version}", c.name))
                    .with_property("package", c.name.clone())
                    .with_property("scope", scope_str(c.scope)),
                );
            }

            if let Some(lic) = &c.license {
                let version = c.version.as_deref().unwrap_or("?");
                let verdict =
                    license::check(lic, &self.config.license_allow, &self.config.license_deny);
                let (rule, sev, msg) = match verdict {
                    Verdict::Ok => continue,
                    Verdict::Denied => (
                        &rules::LICENSE_DENIED,
                        Severity::Medium,
                        format!(
                            "{}@{version} is licensed `{lic}`, which requires a denied license",
                            c.name
                        ),
                    ),
                    Verdict::NotAllowed => (
                        &rules::LICENSE_NOT_ALLOWED,
                        Severity::Low,
                        format!(
                            "{}@{version} is licensed `{lic}`, which the license allow-list does not cover",
                            c.name
                        ),
                    ),
                    Verdict::Unknown(why)
                        if self.config.license_require_known
                            && !self.config.license_allow.is_empty() =>
                    {
                        (
                            &rules::LICENSE_UNKNOWN,
                            Severity::Low,
                            format!("{}@{version} has an unrecognised license: {why}", c.name),
                        )
                    }
                    Verdict::Unknown(_) => continue,
                };
                out.finding(
                    rules::finding(rule, sev, msg, at(&mut loc))
                        .with_remediation("Replace the dependency, or record a reviewed exception in the license policy.")
                        .with_fingerprint_key(format!("{}@{version}:{lic}", c.name))
                        .with_property("package", c.name.clone())
                        .with_property("license", lic.clone()),
                );
            }
        }

        out.components = inv.deps.into_iter().map(|d| d.component).collect();
        out
    }
}
