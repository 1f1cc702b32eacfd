//! Small helpers shared by the platform modules: locations, hosts, secret-looking names.

use portcullis_core::location::LineIndex;
use portcullis_core::nesting::{self, MAX_DOCUMENT_NESTING, Syntax};
use portcullis_core::{
    Capability, CapabilitySet, Evidence, Finding, HostPattern, Location, Notice, NoticeLevel,
    SourceFile,
};

/// A text file with a line index, for turning offsets and searches into locations.
pub struct Doc<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub index: LineIndex,
}

impl<'a> Doc<'a> {
    pub fn new(path: &'a str, text: &'a str) -> Doc<'a> {
        Doc {
            path,
            text,
            index: LineIndex::new(text),
        }
    }

    /// From a package file; `None` when it is binary or not UTF-8.
    pub fn of(file: &'a SourceFile) -> Option<Doc<'a>> {
        file.text().map(|t| Doc::new(&file.path, t))
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> u32 {
        self.index.position(self.text, offset).0
    }

    /// A location at a byte offset (one token wide where known).
    pub fn loc(&self, offset: usize) -> Location {
        let start = offset.min(self.text.len());
        let end = self
            .text
            .get(start..)
            .and_then(|rest| rest.find(['\n', ',', ';']))
            .map_or(self.text.len(), |e| start + e);
        self.index.location(self.path, self.text, start, end)
    }

    /// The location of the first occurrence of `needle` at or after `from`, else the file.
    pub fn find_loc(&self, needle: &str, from: usize) -> Location {
        match self.find(needle, from) {
            Some(off) => self
                .index
                .location(self.path, self.text, off, off + needle.len()),
            None => Location::file(self.path),
        }
    }

    pub fn find(&self, needle: &str, from: usize) -> Option<usize> {
        if needle.is_empty() {
            return None;
        }
        let from = from.min(self.text.len());
        self.text.get(from..)?.find(needle).map(|i| i + from)
    }

    /// Line of the first occurrence of `needle` (a quoted key or value) after `from`.
    pub fn line_of_text(&self, needle: &str, from: usize) -> Option<u32> {
        self.find(needle, from).map(|o| self.line_of(o))
    }

    /// Evidence at a byte offset.
    pub fn ev(&self, offset: usize, source: &str) -> Evidence {
        Evidence {
            path: self.path.to_string(),
            line: Some(self.line_of(offset)),
            source: source.to_string(),
        }
    }

    /// Evidence at the first occurrence of `needle`, or file-level.
    pub fn ev_text(&self, needle: &str, from: usize, source: &str) -> Evidence {
        Evidence {
            path: self.path.to_string(),
            line: self.line_of_text(needle, from),
            source: source.to_string(),
        }
    }
}

/// Classification of a URL-ish string from a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostRef {
    Pattern(HostPattern),
    /// A relative path (`/v1/items`): joined with a base URL elsewhere.
    Relative,
}

/// Extracts the host pattern of a URL or host string as a manifest declares it.
///
/// `https://api.x.com:443/v1` → `Exact("api.x.com")`; `*.x.com` → wildcard; `*` → any;
/// strings with template or n8n expression syntax (`={{$credentials.url}}`,
/// `{{ .JsonData.url }}`, `${…}`) → user-configured, labelled with `field`.
pub fn host_ref(raw: &str, field: &str) -> Option<HostRef> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if s.starts_with('=') || s.contains("{{") || s.contains("${") {
        // A host that is entirely computed; a literal host followed by a templated path is
        // still that literal host.
        let literal_prefix = s.trim_start_matches('=');
        if let Some(h) = literal_host(literal_prefix).filter(|h| !h.contains(['{', '$', '}'])) {
            return Some(HostRef::Pattern(classify(&h)));
        }
        return Some(HostRef::Pattern(HostPattern::UserConfigured(
            user_field(s).unwrap_or_else(|| field.to_string()),
        )));
    }
    if s == "*" {
        return Some(HostRef::Pattern(HostPattern::Any));
    }
    if s.starts_with('/') || s.starts_with('.') || s.starts_with('?') {
        return Some(HostRef::Relative);
    }
    let host = literal_host(s)?;
    Some(HostRef::Pattern(classify(&host)))
}

/// The declared host pattern, when `raw` names one (not relative).
pub fn host_pattern(raw: &str, field: &str) -> Option<HostPattern> {
    match host_ref(raw, field)? {
        HostRef::Pattern(p) => Some(p),
        HostRef::Relative => None,
    }
}

fn classify(host: &str) -> HostPattern {
    if host == "*" {
        HostPattern::Any
    } else if host.starts_with("*.") {
        HostPattern::Wildcard(host.to_string())
    } else if host.contains('*') {
        // `api-*.x.com`: broader than it looks; treat as a wildcard on the parent domain.
        let parent = host.split_once('.').map_or(host, |(_, rest)| rest);
        HostPattern::Wildcard(format!("*.{parent}"))
    } else {
        HostPattern::Exact(host.to_string())
    }
}

/// `scheme://user@Host:port/path` → `host` (lower-case, default ports dropped).
fn literal_host(s: &str) -> Option<String> {
    let rest = match s.find("://") {
        Some(i) => &s[i + 3..],
        None if s.starts_with("//") => &s[2..],
        None => s,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if authority.is_empty() {
        return None;
    }
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(']') => {
            if port.is_empty() || port == "80" || port == "443" {
                h.to_string()
            } else {
                format!("{h}:{port}")
            }
        }
        _ => authority.to_string(),
    };
    let host = host.to_ascii_lowercase();
    let valid = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '*' | ':' | '[' | ']'));
    (valid && host.chars().any(|c| c.is_ascii_alphanumeric() || c == '*')).then_some(host)
}

/// The configurable field an expression names (`$credentials.baseUrl` → `credentials.baseUrl`,
/// `.JsonData.url` → `jsonData.url`).
fn user_field(s: &str) -> Option<String> {
    for (marker, prefix) in [
        ("$credentials.", "credentials."),
        ("$parameter.", "parameter."),
        (".JsonData.", "jsonData."),
        (".SecureJsonData.", "secureJsonData."),
    ] {
        if let Some(i) = s.find(marker) {
            let name: String = s[i + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                return Some(format!("{prefix}{name}"));
            }
        }
    }
    if let Some(i) = s.find("$parameter[\"").or_else(|| s.find("$parameter['")) {
        let name: String = s[i + 12..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            return Some(format!("parameter.{name}"));
        }
    }
    None
}

/// Whether a configuration field name looks like it holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if n.is_empty() {
        return false;
    }
    // Names that mention a secret but hold something else.
    const NOT_SECRET: &[&str] = &[
        "url", "uri", "endpoint", "type", "expires", "expiry", "header", "name", "field",
        "location", "ttl", "length", "mode", "format", "prefix",
    ];
    if NOT_SECRET.iter().any(|s| n.ends_with(s)) || n.starts_with("use") || n.starts_with("is") {
        return false;
    }
    const SECRET: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "accesskey",
        "privatekey",
        "clientsecret",
        "credential",
        "bearer",
        "signingkey",
        "webhookkey",
    ];
    // Short forms only as a whole name or a suffix (`smtpPass`, `dbPwd`), never inside a
    // longer word (`passthru`, `compass`).
    const SUFFIX: &[&str] = &["pass", "pwd", "pw"];
    SECRET.iter().any(|s| n.contains(s))
        || SUFFIX
            .iter()
            .any(|s| n == *s || (n.ends_with(s) && n.len() > s.len() && is_word_suffix(name, s)))
}

/// Whether `suffix` starts a new word at the end of `name` (`smtpPass`, `db_pwd`, `api-key`),
/// so `bypass` or `monkey` do not count.
fn is_word_suffix(name: &str, suffix: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(start) = lower.len().checked_sub(suffix.len()) else {
        return false;
    };
    if !lower.ends_with(suffix) {
        return false;
    }
    let boundary_upper = name[start..].starts_with(|c: char| c.is_ascii_uppercase());
    let boundary_sep = name[..start].ends_with(['_', '-', '.']);
    boundary_upper || boundary_sep
}

/// Adds a declared egress host.
pub fn declare_host(
    set: &mut CapabilitySet,
    channel: portcullis_core::Channel,
    host: HostPattern,
    ev: Evidence,
) {
    set.add(Capability::NetworkEgress { channel, host }, ev);
}

/// A `manifest/...` finding for a malformed manifest.
pub fn manifest_finding(
    rule: &'static portcullis_core::rule::Rule,
    severity: portcullis_core::Severity,
    message: String,
    location: Location,
) -> Finding {
    crate::rules::finding(rule, Some(severity), message, location).with_remediation(
        "Fix the manifest so the platform and Portcullis read the same declarations; a \
         manifest that does not parse hides what the extension asks for.",
    )
}

/// A notice naming a file.
pub fn notice(level: NoticeLevel, path: &str, message: impl Into<String>) -> Notice {
    Notice {
        kind: portcullis_core::NoticeKind::General,
        level,
        path: Some(path.to_string()),
        message: message.into(),
    }
}

/// Refuses a manifest nested deeper than [`MAX_DOCUMENT_NESTING`] before a recursive parser
/// (serde's YAML reader, an XML walk) sees it: the measure is one linear pass, the parse of a
/// 100 000-deep flow sequence is not. The notice makes the file unanalysed code.
pub fn too_deep(path: &str, text: &str, syntax: Syntax) -> Option<Notice> {
    let depth = nesting::exceeds(text, syntax, MAX_DOCUMENT_NESTING)?;
    Some(Notice::unanalysed(
        path,
        format!(
            "not analysed: {path} nests deeper than {MAX_DOCUMENT_NESTING} levels (counted {depth} before stopping); \
             the manifest is refused before parsing, so its declarations were not read"
        ),
    ))
}

/// A manifest too large to read: its declarations are unanalysed.
pub fn too_large(path: &str, len: usize, max: usize) -> Notice {
    Notice::unanalysed(
        path,
        format!("not analysed: {path} is {len} bytes, over the manifest limit of {max} bytes"),
    )
}

/// Joins a manifest-relative path (`../x`, `./y`) onto a directory, refusing escapes.
pub fn join_rel(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for seg in rel.split(['/', '\\']) {
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

/// The directory part of a package path (`a/b/c.json` → `a/b`, `c.json` → ``).
pub fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_from_urls_and_templates() {
        let h = |s| host_pattern(s, "f");
        assert_eq!(
            h("https://API.acme.io:443/v1?x=1"),
            Some(HostPattern::Exact("api.acme.io".into()))
        );
        assert_eq!(
            h("http://user:pw@10.0.0.5:8080/x"),
            Some(HostPattern::Exact("10.0.0.5:8080".into()))
        );
        assert_eq!(
            h("*.atlassian.net"),
            Some(HostPattern::Wildcard("*.atlassian.net".into()))
        );
        assert_eq!(h("*"), Some(HostPattern::Any));
        assert_eq!(h("/v1/items"), None);
        assert_eq!(
            h("={{$credentials.baseUrl}}/api"),
            Some(HostPattern::UserConfigured("credentials.baseUrl".into()))
        );
        assert_eq!(
            h("{{ .JsonData.url }}/query"),
            Some(HostPattern::UserConfigured("jsonData.url".into()))
        );
        assert_eq!(
            h("=https://api.acme.io/{{$parameter.id}}"),
            Some(HostPattern::Exact("api.acme.io".into()))
        );
        assert_eq!(h("https://"), None);
        assert_eq!(h("not a host!"), None);
    }

    #[test]
    fn secret_names() {
        for s in [
            "apiKey",
            "password",
            "client_secret",
            "accessToken",
            "botToken",
            "smtpPass",
            "db_pwd",
            "sockspassword",
            "pass",
        ] {
            assert!(is_secret_name(s), "{s}");
        }
        for s in [
            "accessTokenUrl",
            "authUrl",
            "author",
            "username",
            "host",
            "tokenType",
            "passthru",
            "auth",
            "bypass",
            "compass",
            "routingKey",
        ] {
            assert!(!is_secret_name(s), "{s}");
        }
    }

    #[test]
    fn locations_never_panic_on_odd_offsets() {
        let doc = Doc::new("a.js", "é = 1;\nb = 2;");
        // Offset 1 is inside `é`.
        assert_eq!(doc.loc(1).start_line(), Some(1));
        assert_eq!(doc.loc(10_000).start_line(), Some(2));
        assert_eq!(doc.find_loc("b =", 0).start_line(), Some(2));
        assert_eq!(doc.find_loc("zzz", 0).region, None);
    }

    #[test]
    fn relative_paths_cannot_escape() {
        assert_eq!(join_rel("a/b", "../c.js").as_deref(), Some("a/c.js"));
        assert_eq!(join_rel("", "../../etc/passwd"), None);
        assert_eq!(join_rel("x", "./y/z.js").as_deref(), Some("x/y/z.js"));
    }
}
