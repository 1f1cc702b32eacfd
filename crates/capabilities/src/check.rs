//! Declared vs. observed: the `capability/…` findings.

use crate::knowledge::{DEPENDENCY_SOURCE_PREFIX, dependency_capabilities};
use crate::matching::covers;
use crate::rules::{self, finding};
use crate::{Config, label};
use portcullis_core::{
    Capability, CapabilityItem, CapabilitySet, Component, Evidence, Extension, Finding,
    HostPattern, Location, Platform, Region, Severity,
};

/// Most evidence steps attached to one finding.
const MAX_EVIDENCE_STEPS: usize = 10;

/// Runs every declared-vs-observed check. `observed` is what code analysis saw; capabilities
/// of known runtime dependencies in `components` are added to it (unless disabled in `config`).
pub fn check(
    extension: Option<&Extension>,
    observed: &CapabilitySet,
    components: &[Component],
    config: &Config,
) -> Vec<Finding> {
    let mut observed = shipped_only(observed);
    if config.dependency_capabilities {
        observed.extend(dependency_capabilities(components));
    }
    let empty = CapabilitySet::new();
    let declared = extension.map_or(&empty, |e| &e.declared);
    let platform = extension.map(|e| e.platform);
    let mut out = Vec::new();
    let cx = Cx {
        platform,
        declared,
        observed: &observed,
        config,
        extension,
    };
    cx.egress(&mut out);
    cx.wildcards(&mut out);
    cx.credentials(&mut out);
    cx.ingress(&mut out);
    cx.runtime_powers(&mut out);
    cx.undeclared_scopes(&mut out);
    if config.report_unused {
        cx.unused(&mut out);
    }
    out
}

struct Cx<'a> {
    platform: Option<Platform>,
    declared: &'a CapabilitySet,
    observed: &'a CapabilitySet,
    config: &'a Config,
    extension: Option<&'a Extension>,
}

/// `dir` joined with a relative module path (`./x`, `../y/z`), normalised; never escapes
/// above the root.
pub(crate) fn join_relative(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Whether a path is test, example or documentation code (not what users run).
pub(crate) fn is_test_path(path: &str) -> bool {
    portcullis_core::SourceFile::new(path, portcullis_core::FileKind::Text, Vec::new())
        .is_test_or_example()
}

/// The observed set without items seen only in tests, examples and docs: those do not ship
/// into users' workflows, and the JS analyzer already reports their code findings at low
/// confidence.
pub(crate) fn shipped_only(observed: &CapabilitySet) -> CapabilitySet {
    let mut out = CapabilitySet::new();
    for item in observed.iter() {
        for e in item.evidence.iter().filter(|e| !is_test_path(&e.path)) {
            out.add(item.capability.clone(), e.clone());
        }
    }
    out
}

/// Whether "declared but unused" can be judged for a declared item: explicit permission lists
/// (not platform-wired config such as n8n base URLs or credentials, which the platform itself
/// uses); scopes only when code analysis can infer that scope at all (the adapters' inference
/// tables know it) and did infer some scope.
pub(crate) fn unused_checkable(
    platform: Option<Platform>,
    item: &CapabilityItem,
    observed: &CapabilitySet,
) -> bool {
    let Some(ev) = item.evidence.first() else {
        return false;
    };
    let permission_like = ev.source.starts_with("permissions.")
        || ev.source.starts_with("external-service-usage")
        || ev.source.starts_with("feature-usage")
        || ev.source.starts_with("iam.")
        || ev.source.starts_with("extension.");
    if !permission_like {
        return false;
    }
    match &item.capability {
        Capability::NetworkEgress { host, .. } => !matches!(host, HostPattern::UserConfigured(_)),
        Capability::DataScope { scope } => {
            platform.is_some_and(|p| portcullis_adapters::scopes::inferable(p, scope))
                && observed
                    .iter()
                    .any(|i| matches!(i.capability, Capability::DataScope { .. }))
        }
        Capability::ChildProcess { .. }
        | Capability::FileSystem { .. }
        | Capability::Environment { .. }
        | Capability::NativeModule { .. }
        | Capability::DynamicCode { .. } => true,
        _ => false,
    }
}

/// Whether the platform has a way to declare egress (so undeclared egress is a real gap, not
/// just inventory).
fn declares_egress(platform: Option<Platform>) -> bool {
    matches!(
        platform,
        Some(
            Platform::N8n
                | Platform::Forge
                | Platform::PowerAppsPcf
                | Platform::Grafana
                | Platform::Generic
        )
    )
}

/// A process only the package manager starts: a lifecycle script in `package.json` or the
/// implicit `node-gyp rebuild` of `binding.gyp`. The install-script rules judge those, with
/// the hook's weight (a `prepare` script never runs for a registry install), so the runtime
/// check does not report them again at its own severity.
fn started_by_package_manager(item: &CapabilityItem) -> bool {
    !item.evidence.is_empty()
        && item.evidence.iter().all(|e| {
            let file = e.path.rsplit('/').next().unwrap_or(&e.path);
            // A dependency's capability may cite the package.json that declares it.
            !e.source.starts_with(DEPENDENCY_SOURCE_PREFIX)
                && (file == "package.json" || file == "binding.gyp")
        })
}

fn from_dependency_only(item: &CapabilityItem) -> bool {
    !item.evidence.is_empty()
        && item
            .evidence
            .iter()
            .all(|e| e.source.starts_with(DEPENDENCY_SOURCE_PREFIX))
}

fn location(ev: Option<&Evidence>) -> Location {
    match ev {
        Some(e) => Location {
            path: e.path.clone(),
            region: e.line.map(Region::line),
            snippet: None,
        },
        None => Location::file("(package)"),
    }
}

fn with_steps(mut f: Finding, evidence: &[Evidence], what: &str) -> Finding {
    for e in evidence.iter().skip(1).take(MAX_EVIDENCE_STEPS) {
        f = f.with_evidence(location(Some(e)), format!("{what} ({})", e.source));
    }
    f
}

fn via(item: &CapabilityItem) -> String {
    let deps: Vec<String> = item
        .evidence
        .iter()
        .filter_map(|e| e.source.strip_prefix(DEPENDENCY_SOURCE_PREFIX))
        .map(|name| match crate::knowledge::lookup(name) {
            Some(entry) => format!("{name}: {}", entry.why),
            None => name.to_string(),
        })
        .collect();
    if deps.is_empty() {
        String::new()
    } else {
        format!(" (through the dependency {})", deps.join(", "))
    }
}

impl Cx<'_> {
    fn is_covered(&self, cap: &Capability) -> bool {
        self.declared
            .iter()
            .any(|d| covers(self.platform, &d.capability, cap))
            || match cap {
                Capability::NetworkEgress {
                    host: HostPattern::Exact(h),
                    ..
                } => self
                    .config
                    .allow_hosts
                    .iter()
                    .filter_map(|a| crate::parse_host(a))
                    .any(|a| crate::matching::host_covers(&a, &HostPattern::Exact(h.clone()))),
                _ => false,
            }
    }

    fn egress(&self, out: &mut Vec<Finding>) {
        for item in self.observed.iter() {
            let Capability::NetworkEgress { channel, host } = &item.capability else {
                continue;
            };
            if self.is_covered(&item.capability) {
                continue;
            }
            let first = item.evidence.first();
            match host {
                HostPattern::Exact(h) | HostPattern::Wildcard(h) => {
                    let severity = if declares_egress(self.platform) {
                        self.config.undeclared_egress_severity
                    } else {
                        Severity::Info
                    };
                    let why = if declares_egress(self.platform) {
                        "no manifest declaration allows it"
                    } else {
                        "this platform has no egress declaration; recorded for the inventory"
                    };
                    let f = finding(
                        &rules::UNDECLARED_EGRESS,
                        Some(severity),
                        format!(
                            "code reaches `{h}` ({}){}, but {why}",
                            channel_name(*channel),
                            via(item)
                        ),
                        location(first),
                    )
                    .with_fingerprint_key(format!("egress:{h}"))
                    .with_property("host", h.clone());
                    out.push(with_steps(f, &item.evidence, "also reached here"));
                }
                HostPattern::UserConfigured(field) => {
                    let f = finding(
                        &rules::USER_CONFIGURED_EGRESS,
                        None,
                        format!(
                            "code sends requests to a host taken from `{field}`: a user-controlled \
                             destination (server-side request forgery surface)"
                        ),
                        location(first),
                    )
                    .with_fingerprint_key(format!("egress-user:{field}"));
                    out.push(with_steps(f, &item.evidence, "also here"));
                }
                HostPattern::Any => {
                    // An HTTP client library alone proves nothing about destinations.
                    if from_dependency_only(item) {
                        continue;
                    }
                    // Without egress declarations (Node-RED, npm) an unresolved URL is
                    // inventory: editor code often calls its own admin API by relative URL.
                    let severity = if declares_egress(self.platform) {
                        Severity::Low
                    } else {
                        Severity::Info
                    };
                    let f = finding(
                        &rules::USER_CONFIGURED_EGRESS,
                        Some(severity),
                        "code sends requests to a URL built from data it does not control \
                         (any host)"
                            .to_string(),
                        location(first),
                    )
                    .with_fingerprint_key("egress-any");
                    out.push(with_steps(f, &item.evidence, "also here"));
                }
            }
        }
    }

    fn wildcards(&self, out: &mut Vec<Finding>) {
        for item in self.declared.iter() {
            let Capability::NetworkEgress { channel, host } = &item.capability else {
                continue;
            };
            let (severity, what) = match host {
                HostPattern::Any => (Severity::High, "any host".to_string()),
                HostPattern::Wildcard(w) => (
                    Severity::Low,
                    format!("every subdomain of `{}`", w.trim_start_matches("*.")),
                ),
                _ => continue,
            };
            out.push(
                finding(
                    &rules::WILDCARD_EGRESS,
                    Some(severity),
                    format!(
                        "the manifest allows {} egress to {what}",
                        channel_name(*channel)
                    ),
                    location(item.evidence.first()),
                )
                .with_fingerprint_key(format!("wildcard:{}", host.label())),
            );
        }
    }

    /// Credentials sent to hosts outside the hosts they are bound to. Observed credential
    /// items carry, as `bound_hosts`, the hosts the code sends the credential to; they are
    /// compared with the declared credential's bound hosts, or, when it declares none, with
    /// the extension's declared egress (on platforms that declare egress; elsewhere there is
    /// nothing to compare with). A user-configured destination is allowed only when it is the
    /// credential's own configured host (the same field, or the credential's domain field);
    /// a URL from any other parameter, or from arbitrary data, is a mismatch.
    fn credentials(&self, out: &mut Vec<Finding>) {
        for item in self.observed.iter() {
            let Capability::Credential {
                name,
                secret_fields,
                bound_hosts,
                ..
            } = &item.capability
            else {
                continue;
            };
            let declared_item = self.declared.iter().find(
                |d| matches!(&d.capability, Capability::Credential { name: n, .. } if n == name),
            );
            let declared = declared_item.and_then(|d| match &d.capability {
                Capability::Credential {
                    secret_fields,
                    bound_hosts,
                    ..
                } => Some((secret_fields, bound_hosts)),
                _ => None,
            });
            let loc = location(item.evidence.first());
            for host in bound_hosts {
                let sent = Capability::NetworkEgress {
                    channel: portcullis_core::Channel::BackendHttp,
                    host: host.clone(),
                };
                let allowed = self.own_configured_host(name, host)
                    || match (declared_item, declared) {
                        (Some(d), Some((_, bound))) if !bound.is_empty() => {
                            covers(self.platform, &d.capability, &sent)
                        }
                        // No bound hosts declared: fall back to the extension's declared
                        // egress.
                        _ if declares_egress(self.platform) => self.is_covered(&sent),
                        _ => true,
                    };
                if allowed {
                    continue;
                }
                let what = match host {
                    HostPattern::Exact(h) | HostPattern::Wildcard(h) => {
                        format!("`{h}`, which is not among the hosts it is bound to")
                    }
                    HostPattern::UserConfigured(field) => format!(
                        "a host taken from `{field}` (user-configured), not its own configured host"
                    ),
                    HostPattern::Any => "a URL built from data it does not control (any host), \
                                         not the hosts it is bound to"
                        .to_string(),
                };
                let f = finding(
                    &rules::CREDENTIAL_HOST_MISMATCH,
                    None,
                    format!("credential `{name}` is sent to {what}"),
                    loc.clone(),
                )
                .with_fingerprint_key(format!("cred-host:{name}:{}", host.label()));
                out.push(with_steps(f, &item.evidence, "also sent here"));
            }
            if let Some((declared_secret, _)) = declared {
                for field in secret_fields {
                    if !declared_secret.contains(field) {
                        out.push(
                            finding(
                                &rules::SECRET_IN_PLAIN_FIELD,
                                None,
                                format!(
                                    "code uses credential `{name}` field `{field}` as a secret, but \
                                     the manifest stores it as a plain (unmasked) field"
                                ),
                                loc.clone(),
                            )
                            .with_fingerprint_key(format!("plain-secret:{name}:{field}")),
                        );
                    }
                }
            }
        }
    }

    /// Whether a user-configured `host` is the credential's own configured host: read from a
    /// credential field (`credentials.domain` as the adapters spell it, `credential baseUrl`
    /// as the JS analyzer does), or from this credential by type (`credential acmeApi`) —
    /// not from another declared credential, a node parameter or arbitrary data.
    fn own_configured_host(&self, credential: &str, host: &HostPattern) -> bool {
        let HostPattern::UserConfigured(label) = host else {
            return false;
        };
        let Some(rest) = label
            .strip_prefix("credentials.")
            .or_else(|| label.strip_prefix("$credentials."))
            .or_else(|| label.strip_prefix("credential "))
        else {
            return false;
        };
        let names_other = self.declared.iter().any(|d| {
            matches!(&d.capability, Capability::Credential { name, .. }
                if name.eq_ignore_ascii_case(rest) && !name.eq_ignore_ascii_case(credential))
        });
        !names_other
    }

    fn ingress(&self, out: &mut Vec<Finding>) {
        for item in self.declared.iter().chain(self.observed.iter()) {
            let Capability::Ingress {
                kind,
                name,
                authenticated: Some(false),
            } = &item.capability
            else {
                continue;
            };
            // Node-RED routes are reported by the adapter with a platform-specific fix.
            if item
                .evidence
                .iter()
                .any(|e| e.source.contains("httpAdmin") || e.source.contains("httpNode"))
            {
                continue;
            }
            let what = name
                .clone()
                .unwrap_or_else(|| format!("{kind:?}").to_ascii_lowercase());
            out.push(
                finding(
                    &rules::UNAUTHENTICATED_INGRESS,
                    None,
                    format!("`{what}` accepts requests without authentication"),
                    location(item.evidence.first()),
                )
                .with_fingerprint_key(format!("ingress:{what}")),
            );
        }
    }

    /// Whether a `.node` import is really a JS module: `require('./Acme.node')` loads
    /// `Acme.node.js` when no `Acme.node` addon exists, which is how every n8n node file is
    /// named. True when the resolved `.node.js`/`.node.ts` is a declared entry point, or, in
    /// an n8n package, for any relative import outside a native build directory.
    fn is_js_module(&self, name: &str, evidence: &[portcullis_core::Evidence]) -> bool {
        if !(name.starts_with("./") || name.starts_with("../")) || !name.ends_with(".node") {
            return false;
        }
        let native_dir = ["build/", "Release/", "Debug/", "prebuilds/", "bin/"]
            .iter()
            .any(|d| name.contains(d));
        if native_dir {
            return false;
        }
        if self.platform == Some(Platform::N8n) {
            return true;
        }
        let Some(ext) = self.extension else {
            return false;
        };
        evidence.iter().any(|e| {
            let dir = e.path.rsplit_once('/').map_or("", |(d, _)| d);
            let resolved = crate::check::join_relative(dir, name);
            ["js", "ts", "cjs"].iter().any(|x| {
                let candidate = format!("{resolved}.{x}");
                ext.entry_points.iter().any(|p| p == &candidate)
            })
        })
    }

    /// Child processes, dynamic code, native modules, file system and environment access
    /// that neither the platform nor the manifest allows.
    fn runtime_powers(&self, out: &mut Vec<Finding>) {
        let platform = self.platform;
        for item in self.observed.iter() {
            let (rule, what) = match &item.capability {
                Capability::ChildProcess { command } => (
                    &rules::UNDECLARED_PROCESS,
                    match command {
                        Some(c) => format!("starts the process `{c}`"),
                        None => "starts child processes".to_string(),
                    },
                ),
                Capability::DynamicCode { kind } => (
                    &rules::UNDECLARED_DYNAMIC_CODE,
                    format!("evaluates code at run time ({kind})"),
                ),
                Capability::NativeModule { name } => (
                    &rules::UNDECLARED_NATIVE_MODULE,
                    format!("loads the native module `{name}`"),
                ),
                Capability::FileSystem { access, path } => (
                    &rules::UNDECLARED_FS,
                    format!(
                        "accesses the file system ({access:?}{})",
                        path.as_ref().map(|p| format!(" {p}")).unwrap_or_default()
                    )
                    .to_ascii_lowercase(),
                ),
                Capability::Environment { variable } => (
                    &rules::UNDECLARED_ENV,
                    match variable {
                        Some(v) => format!("reads the environment variable `{v}`"),
                        None => "reads environment variables".to_string(),
                    },
                ),
                _ => continue,
            };
            if self.is_covered(&item.capability) {
                continue;
            }
            if let Capability::NativeModule { name } = &item.capability
                && self.is_js_module(name, &item.evidence)
            {
                continue;
            }
            if matches!(item.capability, Capability::ChildProcess { .. })
                && started_by_package_manager(item)
            {
                continue;
            }
            let Some(severity) = power_severity(platform, &item.capability) else {
                continue;
            };
            let platform_name =
                platform.map_or("this package".to_string(), |p| format!("a {p} extension"));
            let f = finding(
                rule,
                Some(severity),
                format!(
                    "code {what}{}; {platform_name} does not declare or allow it",
                    via(item)
                ),
                location(item.evidence.first()),
            )
            .with_fingerprint_key(format!("{}:{}", rule.id(), label(&item.capability)));
            out.push(with_steps(f, &item.evidence, "also here"));
        }
    }

    /// Scopes and features the code needs that the manifest does not declare (Forge and PCF,
    /// whose runtimes refuse the call). An unresolved use (`jira:*`) counts only when no scope
    /// of that product is declared; a product with granular scopes declared
    /// (`read:issue:jira`) is skipped, since the inference names classic scopes.
    fn undeclared_scopes(&self, out: &mut Vec<Finding>) {
        if !matches!(
            self.platform,
            Some(Platform::Forge | Platform::PowerAppsPcf)
        ) {
            return;
        }
        let granular: Vec<&str> = self
            .declared
            .iter()
            .filter_map(|d| match &d.capability {
                Capability::DataScope { scope } if scope.split(':').count() >= 3 => {
                    crate::matching::scope_product(scope)
                }
                _ => None,
            })
            .collect();
        for item in self.observed.iter() {
            let Capability::DataScope { scope } = &item.capability else {
                continue;
            };
            if self.is_covered(&item.capability) {
                continue;
            }
            if crate::matching::scope_product(scope).is_some_and(|p| granular.contains(&p)) {
                continue;
            }
            let (what, key) = if let Some(product) = scope.strip_suffix(":*") {
                (
                    format!(
                        "code calls the {product} API (the route or method is not resolved \
                         statically), but the manifest declares no {product} scope"
                    ),
                    scope.clone(),
                )
            } else if scope.ends_with(".*") {
                (
                    format!(
                        "code uses the device API (`{scope}`), but the manifest declares no \
                         device feature"
                    ),
                    scope.clone(),
                )
            } else {
                let platform_word = if self.platform == Some(Platform::Forge) {
                    "scope `permissions.scopes`"
                } else {
                    "feature `<uses-feature>`"
                };
                (
                    format!(
                        "code needs `{scope}`, which the manifest does not declare ({platform_word}): \
                         the platform refuses the call at run time"
                    ),
                    scope.clone(),
                )
            };
            let f = finding(
                &rules::UNDECLARED_SCOPE,
                None,
                what,
                location(item.evidence.first()),
            )
            .with_fingerprint_key(format!("undeclared-scope:{key}"));
            out.push(with_steps(f, &item.evidence, "also needed here"));
        }
    }

    /// Declared permissions, scopes and hosts no observed behaviour uses (over-broad).
    fn unused(&self, out: &mut Vec<Finding>) {
        // Without any observation the analysis did not run: everything would look unused.
        if self.observed.is_empty() {
            return;
        }
        for item in self.declared.iter() {
            let Some(ev) = item.evidence.first() else {
                continue;
            };
            if !unused_checkable(self.platform, item, self.observed) {
                continue;
            }
            let used = self
                .observed
                .iter()
                .any(|o| covers(self.platform, &item.capability, &o.capability));
            if used {
                continue;
            }
            out.push(
                finding(
                    &rules::UNUSED_DECLARATION,
                    None,
                    format!(
                        "the manifest declares {} `{}` ({}), but no code uses it",
                        item.capability.kind(),
                        label(&item.capability),
                        ev.source
                    ),
                    location(Some(ev)),
                )
                .with_fingerprint_key(format!("unused:{}", label(&item.capability))),
            );
        }
        let _ = self.extension;
    }
}

/// Severity of an undeclared runtime power per platform; `None` = allowed / inventory only.
fn power_severity(platform: Option<Platform>, cap: &Capability) -> Option<Severity> {
    use Capability as C;
    match platform {
        // n8n runs nodes in-process next to every credential; its rules forbid these.
        Some(Platform::N8n) => match cap {
            C::ChildProcess { .. } | C::NativeModule { .. } | C::DynamicCode { .. } => {
                Some(Severity::High)
            }
            C::FileSystem { .. } => Some(Severity::Medium),
            // `process.env` is reported by n8n/restricted-global.
            C::Environment { .. } => None,
            _ => None,
        },
        // Forge functions run in Atlassian's sandboxed runtime; browser-side code (PCF, Grafana
        // frontends) has no processes, native modules or file system at all.
        Some(Platform::Forge | Platform::PowerAppsPcf | Platform::Grafana) => match cap {
            C::ChildProcess { .. } | C::NativeModule { .. } => Some(Severity::High),
            C::DynamicCode { .. } => Some(Severity::Medium),
            C::FileSystem { .. } => Some(Severity::Low),
            C::Environment { .. } => None,
            _ => None,
        },
        Some(Platform::Generic) => match cap {
            C::ChildProcess { .. } | C::NativeModule { .. } => Some(Severity::High),
            C::DynamicCode { .. } | C::FileSystem { .. } => Some(Severity::Medium),
            C::Environment { .. } => Some(Severity::Low),
            _ => None,
        },
        // Node-RED and plain npm packages declare nothing: the table is the inventory.
        Some(Platform::NodeRed | Platform::Npm) | None => None,
    }
}

fn channel_name(c: portcullis_core::Channel) -> &'static str {
    use portcullis_core::Channel as Ch;
    match c {
        Ch::BackendHttp => "backend HTTP",
        Ch::ClientFetch => "browser fetch",
        Ch::Scripts => "script loads",
        Ch::Images => "image loads",
        Ch::WebSocket => "websocket",
        Ch::RawSocket => "raw socket",
    }
}
