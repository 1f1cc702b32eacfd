//! Declared vs. observed capabilities.
//!
//! The adapters say what an extension *declares* (an
//! [`Extension`](portcullis_core::Extension)'s `declared` set); the JS analyzer says what its
//! code *does* (the observed [`CapabilitySet`](portcullis_core::CapabilitySet)); a small
//! knowledge table says what its dependencies bring ([`dependency_capabilities`]). [`check`]
//! compares them and reports `capability/…` findings: undeclared egress, user-configured
//! destinations, wildcard declarations, credentials sent outside their hosts, secrets in plain
//! fields, unauthenticated ingress, processes / dynamic code / native modules / file access
//! the platform or manifest does not allow, scopes the code needs but the manifest lacks, and
//! declared-but-unused permissions (scopes judged against what
//! [`portcullis_adapters::ScopeAnalyzer`] infers from the code).
//!
//! The same comparison renders as a table ([`render_table`]) and is stored as a versioned
//! [`CapabilityManifest`] that can be [`diff`]ed between two versions of an extension — the
//! input to risk-tiered approval ("this update adds a new host and a child process").

mod check;
mod knowledge;
mod manifest;
mod matching;
pub mod rules;

pub use check::check;
pub use knowledge::{DEPENDENCY_SOURCE_PREFIX, dependency_capabilities};
pub use manifest::{
    CAPABILITY_MANIFEST_SCHEMA_VERSION, CapabilityChange, CapabilityDiff, CapabilityManifest,
    DependencyChange, DependencyEntry, ExtensionSummary, ManifestError, Side, diff, render_table,
};
pub use matching::{covers, host_covers};
pub use rules::RULES;

use portcullis_core::{Capability, FsAccess, HostPattern, Severity};
use serde::{Deserialize, Serialize};

/// Settings of the capability checks: the `[capabilities]` section of `portcullis.toml`.
///
/// ```toml
/// [capabilities]
/// allow_hosts = ["telemetry.example.com", "*.internal.example"]
/// report_unused = true
/// dependency_capabilities = true
/// undeclared_egress_severity = "medium"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Hosts always allowed, whatever the manifest says (organisation-wide allow-list).
    pub allow_hosts: Vec<String>,
    /// Report declared-but-unused permissions (`capability/unused-declaration`).
    pub report_unused: bool,
    /// Add capabilities of known dependencies to the observed set.
    pub dependency_capabilities: bool,
    /// Severity of `capability/undeclared-egress` on platforms that declare egress.
    pub undeclared_egress_severity: Severity,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            allow_hosts: Vec::new(),
            report_unused: true,
            dependency_capabilities: true,
            undeclared_egress_severity: Severity::Medium,
        }
    }
}

/// Every `capability/…` rule, for `rules list` and SARIF metadata.
pub fn rules() -> &'static [&'static portcullis_core::rule::Rule] {
    rules::RULES
}

/// A host, URL or wildcard as a pattern (`*` = any). `None` for empty or relative input.
pub fn parse_host(s: &str) -> Option<HostPattern> {
    let s = s.trim();
    if s == "*" {
        return Some(HostPattern::Any);
    }
    let rest = s.split_once("://").map_or(s, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?.to_ascii_lowercase();
    let host = match authority.rsplit_once(':') {
        Some((h, p)) if p == "443" || p == "80" => h.to_string(),
        _ => authority,
    };
    if host.is_empty() || s.starts_with('/') {
        return None;
    }
    Some(if host.starts_with("*.") {
        HostPattern::Wildcard(host)
    } else {
        HostPattern::Exact(host)
    })
}

/// A short human label for a capability (one table cell / diff line).
pub fn label(c: &Capability) -> String {
    match c {
        Capability::NetworkEgress { channel, host } => {
            format!("{} [{}]", host.label(), serde_name(channel))
        }
        Capability::Ingress {
            kind,
            name,
            authenticated,
        } => {
            let mut s = serde_name(kind);
            if let Some(n) = name {
                s.push_str(&format!(" {n}"));
            }
            if *authenticated == Some(false) {
                s.push_str(" (unauthenticated)");
            }
            s
        }
        Capability::Credential {
            name,
            secret_fields,
            bound_hosts,
            ..
        } => {
            let mut s = name.clone();
            if !secret_fields.is_empty() {
                s.push_str(&format!(" secrets={}", secret_fields.join(",")));
            }
            if !bound_hosts.is_empty() {
                let hosts: Vec<String> = bound_hosts.iter().map(HostPattern::label).collect();
                s.push_str(&format!(" -> {}", hosts.join(",")));
            }
            s
        }
        Capability::DataScope { scope } => scope.clone(),
        Capability::FileSystem { access, path } => {
            let a = match access {
                FsAccess::Read => "read",
                FsAccess::Write => "write",
                FsAccess::ReadWrite => "read-write",
            };
            match path {
                Some(p) => format!("{a} {p}"),
                None => a.to_string(),
            }
        }
        Capability::ChildProcess { command } => command.clone().unwrap_or_else(|| "*".into()),
        Capability::DynamicCode { kind } => kind.clone(),
        Capability::Environment { variable } => variable.clone().unwrap_or_else(|| "*".into()),
        Capability::NativeModule { name } => name.clone(),
        Capability::UiSurface { kind } | Capability::Storage { kind } => kind.clone(),
    }
}

/// The serde (kebab-case) name of a unit enum value.
fn serde_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
