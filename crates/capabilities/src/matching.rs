//! When a declared capability covers an observed one. Shared by the checks and the table so
//! both always agree.

use portcullis_core::{Capability, Channel, FsAccess, HostPattern, Platform};

/// Browser-side channels form one group; server-side another. Forge enforces them separately
/// (backend fetch through its proxy, everything else as the Custom UI CSP).
fn is_client(channel: Channel) -> bool {
    matches!(
        channel,
        Channel::ClientFetch | Channel::Scripts | Channel::Images
    )
}

/// Whether the declared host pattern allows the observed one.
pub fn host_covers(declared: &HostPattern, observed: &HostPattern) -> bool {
    match (declared, observed) {
        (HostPattern::Any, _) => true,
        (HostPattern::UserConfigured(a), HostPattern::UserConfigured(b)) => {
            a == b || field_key(a).is_some_and(|k| field_key(b) == Some(k))
        }
        (HostPattern::UserConfigured(_), _) => false,
        (d, HostPattern::Exact(h)) => d.allows(h) || d.allows(strip_port(h)),
        (HostPattern::Wildcard(d), HostPattern::Wildcard(o)) => {
            let suffix = d.trim_start_matches('*');
            o.trim_start_matches('*').ends_with(suffix)
        }
        (HostPattern::Exact(_), _) => false,
        (HostPattern::Wildcard(_), _) => false,
    }
}

/// The field a user-configured host names, whatever the producer's spelling:
/// `credentials.baseUrl` (adapters), `credential baseUrl` (JS analyzer) → `baseurl`.
fn field_key(label: &str) -> Option<String> {
    let last = label
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|s| !s.is_empty())?;
    Some(last.to_ascii_lowercase())
}

/// The Atlassian product a scope belongs to (`read:jira-user` → `jira`,
/// `read:page:confluence` → `confluence`); `None` for platform scopes such as `storage:app`.
pub fn scope_product(scope: &str) -> Option<&'static str> {
    let s = scope.to_ascii_lowercase();
    if s.contains("jira") || s.contains("servicedesk") {
        Some("jira")
    } else if s.contains("confluence") {
        Some("confluence")
    } else if s.contains("bitbucket") {
        Some("bitbucket")
    } else {
        None
    }
}

/// Whether `observed` is an unresolved use (`jira:*`: some Jira scope; `Device.*`: some PCF
/// device feature) that the `declared` scope may be what it needs.
fn unresolved_covers(declared: &str, observed: &str) -> bool {
    if let Some(product) = observed.strip_suffix(":*") {
        return scope_product(declared) == Some(product);
    }
    match observed.strip_suffix('*') {
        Some(prefix) if prefix.ends_with('.') => declared.starts_with(prefix),
        _ => false,
    }
}

fn strip_port(h: &str) -> &str {
    match h.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => h,
    }
}

/// Whether `declared` covers `observed` on `platform`.
pub fn covers(platform: Option<Platform>, declared: &Capability, observed: &Capability) -> bool {
    use Capability as C;
    match (declared, observed) {
        (
            C::NetworkEgress {
                channel: dc,
                host: dh,
            },
            C::NetworkEgress {
                channel: oc,
                host: oh,
            },
        ) => {
            let channel_ok = platform != Some(Platform::Forge) || is_client(*dc) == is_client(*oc);
            channel_ok && host_covers(dh, oh)
        }
        // A credential's bound hosts are reachable hosts too (n8n declares egress that way).
        (
            C::Credential {
                bound_hosts, name, ..
            },
            C::NetworkEgress { host, .. },
        ) => {
            bound_hosts.iter().any(|b| host_covers(b, host))
                // The JS analyzer labels a host read from a credential by the credential
                // type (`credential firecrawlApi`); a credential whose declared hosts are
                // user-configurable covers it.
                || matches!(host, HostPattern::UserConfigured(label)
                    if field_key(label).is_some_and(|k| k == name.to_ascii_lowercase())
                        && bound_hosts.iter().any(|b| matches!(b, HostPattern::UserConfigured(_))))
        }
        (C::Credential { name: a, .. }, C::Credential { name: b, .. }) => a == b,
        (C::DataScope { scope: a }, C::DataScope { scope: b }) => a == b || unresolved_covers(a, b),
        (
            C::FileSystem {
                access: da,
                path: dp,
            },
            C::FileSystem {
                access: oa,
                path: op,
            },
        ) => {
            let access_ok = *da == FsAccess::ReadWrite || da == oa;
            let path_ok = match (dp, op) {
                (None, _) => true,
                (Some(d), Some(o)) => o.starts_with(d.as_str()),
                (Some(_), None) => false,
            };
            access_ok && path_ok
        }
        (C::ChildProcess { command: None }, C::ChildProcess { .. }) => true,
        (C::ChildProcess { command: Some(d) }, C::ChildProcess { command: Some(o) }) => {
            let base = o.rsplit(['/', '\\']).next().unwrap_or(o);
            d == o || d == base
        }
        (C::DynamicCode { .. }, C::DynamicCode { .. }) => true,
        (C::Environment { variable: None }, C::Environment { .. }) => true,
        (C::Environment { variable: Some(d) }, C::Environment { variable: Some(o) }) => d == o,
        (C::NativeModule { name: a }, C::NativeModule { name: b }) => a == b,
        (C::Ingress { kind: a, .. }, C::Ingress { kind: b, .. }) => a == b,
        (C::UiSurface { kind: a }, C::UiSurface { kind: b }) => a == b,
        (C::Storage { kind: a }, C::Storage { kind: b }) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn egress(channel: Channel, host: HostPattern) -> Capability {
        Capability::NetworkEgress { channel, host }
    }

    #[test]
    fn hosts_and_channels() {
        let ex = |h: &str| HostPattern::Exact(h.into());
        let d = egress(
            Channel::BackendHttp,
            HostPattern::Wildcard("*.acme.io".into()),
        );
        assert!(covers(
            None,
            &d,
            &egress(Channel::ClientFetch, ex("api.acme.io"))
        ));
        assert!(!covers(
            Some(Platform::Forge),
            &d,
            &egress(Channel::ClientFetch, ex("api.acme.io"))
        ));
        assert!(covers(
            Some(Platform::Forge),
            &d,
            &egress(Channel::BackendHttp, ex("api.acme.io:8443"))
        ));
        assert!(!covers(
            None,
            &d,
            &egress(Channel::BackendHttp, ex("acme.io.evil.com"))
        ));
        let uc = egress(
            Channel::BackendHttp,
            HostPattern::UserConfigured("credentials.url".into()),
        );
        assert!(covers(None, &uc, &uc));
        let js_label = egress(
            Channel::BackendHttp,
            HostPattern::UserConfigured("credential url".into()),
        );
        assert!(covers(None, &uc, &js_label));
        let other = egress(
            Channel::BackendHttp,
            HostPattern::UserConfigured("parameter.endpoint".into()),
        );
        assert!(!covers(None, &uc, &other));
        let cred = Capability::Credential {
            name: "firecrawlApi".into(),
            secret_fields: vec![],
            bound_hosts: vec![HostPattern::UserConfigured("credentials.baseUrl".into())],
            injection: None,
        };
        let by_type = egress(
            Channel::BackendHttp,
            HostPattern::UserConfigured("credential firecrawlApi".into()),
        );
        assert!(covers(None, &cred, &by_type));
        let fixed = Capability::Credential {
            name: "firecrawlApi".into(),
            secret_fields: vec![],
            bound_hosts: vec![HostPattern::Exact("api.firecrawl.dev".into())],
            injection: None,
        };
        assert!(!covers(None, &fixed, &by_type));
        assert!(!covers(
            None,
            &uc,
            &egress(Channel::BackendHttp, ex("x.io"))
        ));
    }

    #[test]
    fn unresolved_scope_uses_cover_their_product() {
        let scope = |s: &str| Capability::DataScope { scope: s.into() };
        let forge = Some(Platform::Forge);
        assert!(covers(forge, &scope("write:jira-work"), &scope("jira:*")));
        assert!(covers(forge, &scope("read:issue:jira"), &scope("jira:*")));
        assert!(covers(
            forge,
            &scope("read:servicedesk-request"),
            &scope("jira:*")
        ));
        assert!(!covers(forge, &scope("storage:app"), &scope("jira:*")));
        assert!(!covers(
            forge,
            &scope("read:confluence-user"),
            &scope("jira:*")
        ));
        assert!(!covers(forge, &scope("jira:*"), &scope("write:jira-work")));
        let pcf = Some(Platform::PowerAppsPcf);
        assert!(covers(pcf, &scope("Device.pickFile"), &scope("Device.*")));
        assert!(!covers(pcf, &scope("WebAPI"), &scope("Device.*")));
        assert!(covers(pcf, &scope("WebAPI"), &scope("WebAPI")));
    }

    #[test]
    fn processes_and_fs() {
        let git = Capability::ChildProcess {
            command: Some("git".into()),
        };
        assert!(covers(
            None,
            &git,
            &Capability::ChildProcess {
                command: Some("/usr/bin/git".into())
            }
        ));
        assert!(!covers(
            None,
            &git,
            &Capability::ChildProcess {
                command: Some("sh".into())
            }
        ));
        assert!(!covers(
            None,
            &git,
            &Capability::ChildProcess { command: None }
        ));
        let tmp = Capability::FileSystem {
            access: FsAccess::Write,
            path: Some("/tmp".into()),
        };
        assert!(covers(
            None,
            &tmp,
            &Capability::FileSystem {
                access: FsAccess::Write,
                path: Some("/tmp/x".into())
            }
        ));
        assert!(!covers(
            None,
            &tmp,
            &Capability::FileSystem {
                access: FsAccess::Read,
                path: Some("/tmp/x".into())
            }
        ));
        assert!(!covers(
            None,
            &tmp,
            &Capability::FileSystem {
                access: FsAccess::Write,
                path: Some("/etc".into())
            }
        ));
    }
}
