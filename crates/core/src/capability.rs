//! The normalized capability model: what an extension may reach (declared by its manifest) or
//! does reach (observed in its code). Both sides use the same types so they can be compared
//! and diffed between versions.

use serde::{Deserialize, Serialize};

/// A host an egress capability names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum HostPattern {
    /// `api.example.com` (lower-case, no scheme, no port unless non-default).
    Exact(String),
    /// `*.example.com`
    Wildcard(String),
    /// Any host at all (`*`, or a URL built from arbitrary input).
    Any,
    /// A host the platform user configures (an n8n "Base URL" parameter, a credential's domain).
    UserConfigured(String),
}

impl HostPattern {
    /// Whether this (declared) pattern allows the observed `host`.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        match self {
            HostPattern::Exact(h) => h.eq_ignore_ascii_case(&host),
            HostPattern::Wildcard(w) => {
                let suffix = w.trim_start_matches('*').to_ascii_lowercase(); // ".example.com"
                host.ends_with(&suffix) && host.len() > suffix.len()
            }
            HostPattern::Any => true,
            HostPattern::UserConfigured(_) => false,
        }
    }

    pub fn label(&self) -> String {
        match self {
            HostPattern::Exact(h) | HostPattern::Wildcard(h) => h.clone(),
            HostPattern::Any => "*".to_string(),
            HostPattern::UserConfigured(what) => format!("<user-configured: {what}>"),
        }
    }
}

/// How the extension talks to the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// Server-side HTTP(S) from the extension's backend code.
    BackendHttp,
    /// Browser-side fetch/XHR from UI code.
    ClientFetch,
    Scripts,
    Images,
    WebSocket,
    /// Raw TCP/UDP sockets (`net`, `dgram`, `tls`).
    RawSocket,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IngressKind {
    Webhook,
    HttpRoute,
    Trigger,
    Polling,
    /// Exposed to an AI agent as a tool (n8n `usableAsTool`).
    AiTool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FsAccess {
    Read,
    Write,
    ReadWrite,
}

/// One capability. Variants carry the detail that distinguishes two items of the same kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Capability {
    NetworkEgress {
        channel: Channel,
        host: HostPattern,
    },
    Ingress {
        kind: IngressKind,
        /// Route, webhook name or trigger, where known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// `Some(false)` when the ingress is known to lack authentication.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authenticated: Option<bool>,
    },
    Credential {
        /// Credential type name (n8n credential `name`, Node-RED credential key, …).
        name: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        secret_fields: Vec<String>,
        /// Hosts the credential may be sent to.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        bound_hosts: Vec<HostPattern>,
        /// Where the platform injects it (header, query, body, OAuth2), where known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        injection: Option<String>,
    },
    /// A platform permission or data scope (`read:jira-work`, `iam.permissions` action, …).
    DataScope {
        scope: String,
    },
    FileSystem {
        access: FsAccess,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
    },
    ChildProcess {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        command: Option<String>,
    },
    /// `eval`, `new Function`, `vm`, dynamic `require`/`import` of computed names.
    DynamicCode {
        kind: String,
    },
    Environment {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variable: Option<String>,
    },
    NativeModule {
        name: String,
    },
    UiSurface {
        kind: String,
    },
    Storage {
        kind: String,
    },
}

impl Capability {
    /// A short stable kind name, used for grouping in tables and policies.
    pub fn kind(&self) -> &'static str {
        match self {
            Capability::NetworkEgress { .. } => "network-egress",
            Capability::Ingress { .. } => "ingress",
            Capability::Credential { .. } => "credential",
            Capability::DataScope { .. } => "data-scope",
            Capability::FileSystem { .. } => "file-system",
            Capability::ChildProcess { .. } => "child-process",
            Capability::DynamicCode { .. } => "dynamic-code",
            Capability::Environment { .. } => "environment",
            Capability::NativeModule { .. } => "native-module",
            Capability::UiSurface { .. } => "ui-surface",
            Capability::Storage { .. } => "storage",
        }
    }
}

/// Where a capability was declared or observed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Evidence {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// What saw it: a manifest field (`n8n.credentials`) or a rule id (`js/cap-fetch`).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityItem {
    pub capability: Capability,
    pub evidence: Vec<Evidence>,
}

/// A de-duplicated set of capabilities, each with all its evidence. Ordered by capability.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CapabilitySet {
    pub items: Vec<CapabilityItem>,
}

impl CapabilitySet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a capability, merging evidence into an existing equal item.
    pub fn add(&mut self, capability: Capability, evidence: Evidence) {
        match self
            .items
            .binary_search_by(|i| i.capability.cmp(&capability))
        {
            Ok(i) => {
                let ev = &mut self.items[i].evidence;
                if !ev.contains(&evidence) {
                    ev.push(evidence);
                }
            }
            Err(i) => self.items.insert(
                i,
                CapabilityItem {
                    capability,
                    evidence: vec![evidence],
                },
            ),
        }
    }

    pub fn extend(&mut self, other: CapabilitySet) {
        for item in other.items {
            for ev in item.evidence {
                self.add(item.capability.clone(), ev);
            }
        }
    }

    pub fn contains(&self, capability: &Capability) -> bool {
        self.items
            .binary_search_by(|i| i.capability.cmp(capability))
            .is_ok()
    }

    pub fn iter(&self) -> impl Iterator<Item = &CapabilityItem> {
        self.items.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(line: u32) -> Evidence {
        Evidence {
            path: "a.js".into(),
            line: Some(line),
            source: "js/cap-fetch".into(),
        }
    }

    #[test]
    fn set_merges_evidence_and_stays_sorted() {
        let mut s = CapabilitySet::new();
        let egress = Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::Exact("api.example.com".into()),
        };
        s.add(Capability::ChildProcess { command: None }, ev(1));
        s.add(egress.clone(), ev(2));
        s.add(egress.clone(), ev(3));
        s.add(egress.clone(), ev(3));
        assert_eq!(s.len(), 2);
        assert!(s.contains(&egress));
        let item = s.iter().find(|i| i.capability == egress).unwrap();
        assert_eq!(item.evidence.len(), 2);
        // Inserted out of order, kept in order (`contains` binary-searches on it).
        assert!(
            s.items
                .windows(2)
                .all(|w| w[0].capability < w[1].capability)
        );
    }

    #[test]
    fn host_patterns() {
        assert!(HostPattern::Wildcard("*.atlassian.net".into()).allows("acme.atlassian.net"));
        assert!(!HostPattern::Wildcard("*.atlassian.net".into()).allows("atlassian.net.evil.com"));
        assert!(!HostPattern::Wildcard("*.atlassian.net".into()).allows(".atlassian.net"));
        assert!(HostPattern::Exact("API.example.com".into()).allows("api.EXAMPLE.com"));
        assert!(HostPattern::Any.allows("anything"));
    }

    #[test]
    fn serializes_readably() {
        let c = Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::Exact("api.example.com".into()),
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["type"], "network-egress");
        assert_eq!(v["host"]["kind"], "exact");
        let back: Capability = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
    }
}
