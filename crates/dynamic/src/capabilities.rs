//! Observations as capabilities, so the manifest, the gate and `diff` see what ran.

use crate::findings::{host_of, location};
use crate::run::{Observation, USER_HOST};
use portcullis_core::{Capability, CapabilitySet, Channel, Evidence, FsAccess, HostPattern};

/// The evidence source every run-time capability carries.
pub const EVIDENCE_SOURCE: &str = "dynamic/observed-at-run-time";

pub fn observed(observations: &[Observation]) -> CapabilitySet {
    let mut set = CapabilitySet::new();
    for o in observations {
        let cap = match o.kind() {
            "request" => {
                let Some(host) = o.str("url").and_then(host_of) else {
                    continue;
                };
                let host = if host == USER_HOST {
                    HostPattern::UserConfigured("run-time parameter".into())
                } else {
                    HostPattern::Exact(host)
                };
                let channel = if o.str("channel") == Some("raw-socket") {
                    Channel::RawSocket
                } else {
                    Channel::BackendHttp
                };
                Capability::NetworkEgress { channel, host }
            }
            "spawn" => Capability::ChildProcess {
                command: o
                    .str("command")
                    .and_then(|c| c.split_whitespace().next())
                    .map(|c| c.chars().take(64).collect()),
            },
            "file" if o.data.get("inPackage").and_then(|b| b.as_bool()) != Some(true) => {
                let access = match o.str("op") {
                    Some("write") => FsAccess::Write,
                    _ => FsAccess::Read,
                };
                Capability::FileSystem {
                    access,
                    path: o.str("path").map(|p| p.chars().take(200).collect()),
                }
            }
            "dynamic-code" => Capability::DynamicCode {
                kind: o.str("api").unwrap_or("eval").to_string(),
            },
            "env" => Capability::Environment {
                variable: o.str("name").filter(|n| *n != "*").map(str::to_string),
            },
            _ => continue,
        };
        let loc = location(o);
        set.add(
            cap,
            Evidence {
                path: loc.path,
                line: loc.region.map(|r| r.start_line),
                source: EVIDENCE_SOURCE.to_string(),
            },
        );
    }
    set
}
