use super::{Cx, Hit};
use portcullis_core::Severity;
use portcullis_core::declare_rule;
use portcullis_core::rule::Signal;

declare_rule! {
    /// ## What it does
    /// Reports URLs in code (not comments) whose host is a URL shortener (`bit.ly`,
    /// `tinyurl.com`, …), a public IPv4 address, a dynamic-DNS or tunnelling domain
    /// (`duckdns.org`, `ngrok.io`, `trycloudflare.com`, …) or a request-capture service
    /// (`webhook.site`, `pipedream.net`, `oast.*`, `interact.sh`, Burp Collaborator). A
    /// capture service used in a file that makes network requests is reported as
    /// exfiltration.
    ///
    /// ## Why is this bad?
    /// These hosts say nothing about who runs them and can be repointed at will: malware
    /// uses them for payload hosting and for collecting stolen data. A production extension
    /// talks to its service's own domain.
    ///
    /// ## Example
    /// ```js
    /// const C2 = 'http://185.62.57.12:8080/update';
    /// ```
    ///
    /// ## Use instead
    /// Use the service's documented domain, from configuration.
    ///
    /// ## References
    /// - CWE-506: Embedded Malicious Code
    /// - GuardDog `npm-shady-links`
    pub static RULE = {
        id: "behaviour/shady-link",
        title: "Shady link",
        category: SupplyChain,
        severity: Medium,
        confidence: Medium,
        summary: "A URL points at a shortener, a raw IP, dynamic DNS or a request-capture service",
        cwe: [506],
        fixtures: [
            pos "crates/behaviour/fixtures/shady-link/pos/raw-ip-c2.js",
            neg "crates/behaviour/fixtures/shady-link/neg/api-client.js",
        ],
    }
}

const SHORTENERS: &[&str] = &[
    "bit.ly",
    "tinyurl.com",
    "goo.gl",
    "t.co",
    "is.gd",
    "cutt.ly",
    "rb.gy",
    "shorturl.at",
    "ow.ly",
    "tiny.cc",
    "rebrand.ly",
    "v.gd",
];
const DYNAMIC_DNS: &[&str] = &[
    "duckdns.org",
    "no-ip.com",
    "no-ip.org",
    "ddns.net",
    "hopto.org",
    "zapto.org",
    "sytes.net",
    "serveo.net",
    "ngrok.io",
    "ngrok-free.app",
    "ngrok.app",
    "trycloudflare.com",
    "loca.lt",
    "localtunnel.me",
    "dynu.net",
    "freedns.afraid.org",
    "portmap.io",
];
const CAPTURE: &[&str] = &[
    "webhook.site",
    "pipedream.net",
    "requestbin.net",
    "requestcatcher.com",
    "interact.sh",
    "oast.fun",
    "oast.pro",
    "oast.live",
    "oast.site",
    "oast.online",
    "oast.me",
    "burpcollaborator.net",
    "canarytokens.com",
    "beeceptor.com",
    "hookbin.com",
];

/// The host of the first `scheme://host` in `s`.
pub fn url_host(s: &str) -> Option<&str> {
    let i = s.find("://")?;
    let rest = &s[i + 3..];
    let end = rest
        .find(['/', ':', '?', '#', '"', '\'', ' '])
        .unwrap_or(rest.len());
    let host = &rest[..end];
    let host = host.rsplit('@').next().unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

fn suffix(host: &str, list: &[&str]) -> bool {
    list.iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

fn public_ipv4(host: &str) -> bool {
    let Ok(ip) = host.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_documentation()
        || ip.is_broadcast())
}

/// What kind of shady host `host` is.
pub fn classify(host: &str) -> Option<&'static str> {
    let h = host.to_ascii_lowercase();
    if suffix(&h, CAPTURE) {
        Some("a request-capture service")
    } else if suffix(&h, DYNAMIC_DNS) {
        Some("a dynamic-DNS or tunnelling domain")
    } else if suffix(&h, SHORTENERS) {
        Some("a URL shortener")
    } else if public_ipv4(&h) {
        Some("a raw IP address")
    } else {
        None
    }
}

pub fn check(cx: &Cx<'_>) -> Vec<Hit> {
    let network = super::has_network(cx.facts);
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for lit in &cx.facts.strings {
        let Some(host) = url_host(&lit.value) else {
            continue;
        };
        let Some(kind) = classify(host) else { continue };
        if seen.iter().any(|h| h == host) {
            continue;
        }
        seen.push(host.to_string());
        let mut h = Hit::new(&RULE, lit.span, format!("URL host `{host}` is {kind}"));
        if network
            && (kind == "a request-capture service" || kind == "a dynamic-DNS or tunnelling domain")
        {
            h = h.severity(Severity::High).signal(Signal::Exfiltration);
        } else if network && kind == "a raw IP address" {
            h = h.severity(Severity::High);
        }
        out.push(h);
        if out.len() >= 4 {
            break;
        }
    }
    out
}
