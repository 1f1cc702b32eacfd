//! Turns a run's observations into findings. One file per rule under `checks/`.

use crate::checks;
use crate::limits::Limits;
use crate::run::{Observation, RunReport};
use portcullis_core::{Capability, Extension, Finding, HostPattern, Location, Region};
use std::collections::BTreeSet;

/// What the checks need besides the observations.
pub struct Judge<'a> {
    pub report: &'a RunReport,
    pub extension: Option<&'a Extension>,
    pub limits: &'a Limits,
    /// Declared network egress patterns.
    pub egress: Vec<HostPattern>,
    seen: BTreeSet<(String, String)>,
    pub out: Vec<Finding>,
}

impl Judge<'_> {
    /// Adds `f` unless a finding of the same rule and `key` is already there.
    pub fn push(&mut self, key: &str, f: Finding) {
        if self.seen.insert((f.rule_id.clone(), key.to_string())) {
            self.out.push(f.with_fingerprint_key(key.to_string()));
        }
    }

    /// Whether the manifest's declared egress allows `host`.
    pub fn declared_allows(&self, host: &str) -> bool {
        self.egress.iter().any(|p| p.allows(host))
    }

    /// Whether any declared credential is bound to `host`.
    pub fn bound_hosts_any(&self, host: &str) -> bool {
        self.extension.is_some_and(|e| {
            e.declared.iter().any(|i| match &i.capability {
                Capability::Credential { bound_hosts, .. } => {
                    bound_hosts.iter().any(|p| p.allows(host))
                }
                _ => false,
            })
        })
    }

    /// The credential's bound hosts, by credential name.
    pub fn bound_hosts(&self, credential: &str) -> Option<&[HostPattern]> {
        self.extension?
            .declared
            .iter()
            .find_map(|i| match &i.capability {
                Capability::Credential {
                    name, bound_hosts, ..
                } if name == credential => Some(bound_hosts.as_slice()),
                _ => None,
            })
    }
}

pub fn judge(report: &RunReport, extension: Option<&Extension>, limits: &Limits) -> Vec<Finding> {
    let egress = extension
        .map(|e| {
            e.declared
                .iter()
                .filter_map(|i| match &i.capability {
                    Capability::NetworkEgress { host, .. } => Some(host.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let mut j = Judge {
        report,
        extension,
        limits,
        egress,
        seen: BTreeSet::new(),
        out: Vec::new(),
    };
    checks::canary_exfiltration::check(&mut j);
    checks::undeclared_egress::check(&mut j);
    checks::input_reaches_sink::check(&mut j);
    checks::decode_and_run::check(&mut j);
    checks::crash_on_malformed::check(&mut j);
    checks::runaway::check(&mut j);
    checks::install_time::check(&mut j);
    j.out
}

/// Where an observation happened: the package file and line of the innermost frame the
/// prelude found, else the entry point.
pub fn location(o: &Observation) -> Location {
    let at = o.data.get("at");
    let path = at
        .and_then(|a| a.get("path"))
        .and_then(|p| p.as_str())
        .filter(|p| !p.starts_with('<'))
        .unwrap_or(&o.entry);
    let mut loc = Location::file(path.to_string());
    if let Some(line) = at.and_then(|a| a.get("line")).and_then(|l| l.as_u64()) {
        loc.region = Some(Region::line(line as u32));
    }
    loc
}

/// The host of a recorded URL (`https://user:pw@Api.X.com:8443/p` → `api.x.com`).
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit('@').next()?;
    let host = if let Some(h) = hostport.strip_prefix('[') {
        h.split(']').next()?
    } else {
        hostport.split(':').next()?
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// The request as one text (method, URL, headers, body) the canary search runs over.
pub fn request_text(o: &Observation) -> String {
    let mut s = String::new();
    for k in ["url", "method"] {
        if let Some(v) = o.str(k) {
            s.push_str(v);
            s.push('\n');
        }
    }
    for k in ["headers", "body"] {
        if let Some(v) = o.data.get(k) {
            match v {
                serde_json::Value::String(t) => s.push_str(t),
                other => s.push_str(&other.to_string()),
            }
            s.push('\n');
        }
    }
    s
}

/// Whether `token` is in `text` as is, percent-encoded, or inside a base64 or hex run
/// (`Basic` auth, an encoded exfiltration blob).
pub fn carries(text: &str, token: &str) -> bool {
    if text.contains(token) || percent_decode(text).contains(token) {
        return true;
    }
    let b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_');
    for run in text.split(|c: char| !b64(c)).filter(|r| r.len() >= 16) {
        if let Some(d) = base64_decode(run)
            && String::from_utf8_lossy(&d).contains(token)
        {
            return true;
        }
        if run.len() % 2 == 0
            && run.chars().all(|c| c.is_ascii_hexdigit())
            && let Some(d) = hex_decode(run)
            && String::from_utf8_lossy(&d).contains(token)
        {
            return true;
        }
    }
    false
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The harness call a label names without its input mode (`Node.execute[shell]` → `Node.execute`).
pub fn call_base(call: &str) -> &str {
    call.split('[').next().unwrap_or(call)
}

/// The input mode of a call label (`Node.execute[shell]` → `shell`).
pub fn call_mode(call: &str) -> &str {
    call.split_once('[')
        .map(|(_, m)| m.trim_end_matches(']'))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("https://u:p@Api.X.com:8443/p?q").as_deref(),
            Some("api.x.com")
        );
        assert_eq!(host_of("tcp://10.0.0.1:22").as_deref(), Some("10.0.0.1"));
        assert_eq!(host_of("/relative"), None);
    }

    #[test]
    fn canaries_found_through_encodings() {
        let t = "pcyCANARYab12apiKey";
        assert!(carries(&format!("x={t}"), t));
        assert!(carries(
            "Authorization: Basic dXNlcjpwY3lDQU5BUllhYjEyYXBpS2V5",
            t
        ));
        let hex: String = t.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(carries(&format!("d={hex}"), t));
        assert!(carries("q=pcyCANARYab12api%4Bey", t));
        assert!(!carries("pcyCANARYab12", t));
    }
}
