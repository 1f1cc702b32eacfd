//! The generic declaration: the `[extension]` section of `portcullis.toml`, for platforms without
//! an adapter (or to declare what a platform format cannot say, such as file-system access).
//!
//! ```toml
//! [extension]
//! platform = "zapier"                 # free-text label, shown in reports
//! name = "acme-zap"
//! version = "1.2.0"
//! entry_points = ["index.js"]
//! egress = ["api.acme.io", "*.acme-cdn.com"]   # backend hosts; "*" = any
//! client_egress = ["cdn.acme.io"]              # browser-side hosts
//! scopes = ["read:contacts"]
//! processes = ["git"]                 # allowed commands; "*" = any
//! fs = ["read", "write:/tmp"]         # read | write | read-write, optional ":path"
//! env = ["HOME"]                      # allowed variables; "*" = any
//! native = ["better-sqlite3"]
//! dynamic_code = false
//!
//! [[extension.credentials]]
//! name = "acmeApi"
//! secret_fields = ["apiKey"]
//! hosts = ["api.acme.io"]
//! injection = "header:Authorization"
//! ```

use crate::npm::PackageJson;
use crate::util::host_pattern;
use portcullis_core::{
    Capability, CapabilitySet, Channel, Evidence, Extension, FsAccess, Platform,
};
use serde::{Deserialize, Serialize};

/// The file the generic declaration is read from, used in evidence.
pub const CONFIG_FILE: &str = "portcullis.toml";

/// `[extension]` of `portcullis.toml`. Unknown keys are rejected so a typo cannot silently
/// drop a declaration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GenericManifest {
    pub platform: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub entry_points: Vec<String>,
    pub egress: Vec<String>,
    pub client_egress: Vec<String>,
    pub scopes: Vec<String>,
    pub processes: Vec<String>,
    pub fs: Vec<String>,
    pub env: Vec<String>,
    pub native: Vec<String>,
    pub dynamic_code: bool,
    pub credentials: Vec<GenericCredential>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GenericCredential {
    pub name: String,
    pub secret_fields: Vec<String>,
    /// Hosts the credential may be sent to.
    pub hosts: Vec<String>,
    pub injection: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GenericManifestError {
    #[error("{file}: invalid TOML: {source}")]
    Toml {
        file: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("{file}: [extension] {reason}")]
    Invalid { file: String, reason: String },
}

impl GenericManifest {
    /// Reads the `[extension]` section of a whole `portcullis.toml`; `Ok(None)` when absent.
    pub fn from_config_toml(
        file: &str,
        text: &str,
    ) -> Result<Option<GenericManifest>, GenericManifestError> {
        #[derive(Deserialize)]
        struct Outer {
            extension: Option<toml::Value>,
        }
        let outer: Outer = toml::from_str(text).map_err(|source| GenericManifestError::Toml {
            file: file.to_string(),
            source,
        })?;
        let Some(section) = outer.extension else {
            return Ok(None);
        };
        let m: GenericManifest =
            section
                .try_into()
                .map_err(|e: toml::de::Error| GenericManifestError::Invalid {
                    file: file.to_string(),
                    reason: e.message().to_string(),
                })?;
        m.validate(file)?;
        Ok(Some(m))
    }

    /// Checks entries serde cannot (fs access words, egress hosts); `file` names the config in
    /// errors. [`GenericManifest::from_config_toml`] calls it.
    pub fn validate(&self, file: &str) -> Result<(), GenericManifestError> {
        for f in &self.fs {
            let access = f.split_once(':').map_or(f.as_str(), |(a, _)| a);
            if parse_fs(access).is_none() {
                return Err(GenericManifestError::Invalid {
                    file: file.to_string(),
                    reason: format!(
                        "fs entry `{f}`: expected read, write or read-write (optionally `:path`)"
                    ),
                });
            }
        }
        for h in self.egress.iter().chain(&self.client_egress) {
            if host_pattern(h, "egress").is_none() {
                return Err(GenericManifestError::Invalid {
                    file: file.to_string(),
                    reason: format!("egress entry `{h}` is not a host, URL or wildcard"),
                });
            }
        }
        Ok(())
    }

    /// The declared capabilities.
    pub fn declared(&self) -> CapabilitySet {
        let mut set = CapabilitySet::new();
        let ev = |field: &str| Evidence {
            path: CONFIG_FILE.to_string(),
            line: None,
            source: format!("extension.{field}"),
        };
        for (list, channel, field) in [
            (&self.egress, Channel::BackendHttp, "egress"),
            (&self.client_egress, Channel::ClientFetch, "client_egress"),
        ] {
            for h in list {
                if let Some(host) = host_pattern(h, field) {
                    set.add(Capability::NetworkEgress { channel, host }, ev(field));
                }
            }
        }
        for s in &self.scopes {
            set.add(Capability::DataScope { scope: s.clone() }, ev("scopes"));
        }
        for p in &self.processes {
            let command = (p != "*").then(|| p.clone());
            set.add(Capability::ChildProcess { command }, ev("processes"));
        }
        for f in &self.fs {
            let (access, path) = match f.split_once(':') {
                Some((a, p)) => (a, Some(p.to_string())),
                None => (f.as_str(), None),
            };
            if let Some(access) = parse_fs(access) {
                set.add(Capability::FileSystem { access, path }, ev("fs"));
            }
        }
        for e in &self.env {
            let variable = (e != "*").then(|| e.clone());
            set.add(Capability::Environment { variable }, ev("env"));
        }
        for n in &self.native {
            set.add(Capability::NativeModule { name: n.clone() }, ev("native"));
        }
        if self.dynamic_code {
            set.add(
                Capability::DynamicCode {
                    kind: "any".to_string(),
                },
                ev("dynamic_code"),
            );
        }
        for c in &self.credentials {
            set.add(
                Capability::Credential {
                    name: c.name.clone(),
                    secret_fields: c.secret_fields.clone(),
                    bound_hosts: c
                        .hosts
                        .iter()
                        .filter_map(|h| host_pattern(h, "credentials.hosts"))
                        .collect(),
                    injection: c.injection.clone(),
                },
                ev("credentials"),
            );
        }
        set
    }

    /// Adds these declarations to a platform extension.
    pub fn apply_to(&self, ext: &mut Extension) {
        ext.declared.extend(self.declared());
        ext.entry_points.extend(self.entry_points.iter().cloned());
    }

    /// A [`Platform::Generic`] extension (name/version falling back to package.json).
    pub fn to_extension(&self, pj: Option<&PackageJson>) -> Extension {
        let name = self
            .name
            .clone()
            .or_else(|| pj.and_then(|p| p.str_field("name")).map(str::to_string))
            .unwrap_or_else(|| "(extension)".to_string());
        Extension {
            platform: Platform::Generic,
            name,
            version: self
                .version
                .clone()
                .or_else(|| pj.and_then(|p| p.str_field("version")).map(str::to_string)),
            description: self
                .description
                .clone()
                .or_else(|| self.platform.as_ref().map(|p| format!("{p} extension"))),
            manifest_path: CONFIG_FILE.to_string(),
            entry_points: self.entry_points.clone(),
            declared: self.declared(),
        }
    }
}

fn parse_fs(s: &str) -> Option<FsAccess> {
    match s {
        "read" => Some(FsAccess::Read),
        "write" => Some(FsAccess::Write),
        "read-write" | "readwrite" | "rw" => Some(FsAccess::ReadWrite),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::HostPattern;

    const TOML: &str = r#"
[scan]
fail_on = "high"

[extension]
platform = "zapier"
name = "acme-zap"
egress = ["https://api.acme.io/v1", "*.acme-cdn.com"]
processes = ["git"]
fs = ["read", "write:/tmp"]

[[extension.credentials]]
name = "acmeApi"
secret_fields = ["apiKey"]
hosts = ["api.acme.io"]
"#;

    #[test]
    fn reads_the_extension_section() {
        let m = GenericManifest::from_config_toml("portcullis.toml", TOML)
            .unwrap()
            .unwrap();
        let set = m.declared();
        assert!(set.contains(&Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::Exact("api.acme.io".into()),
        }));
        assert!(set.contains(&Capability::NetworkEgress {
            channel: Channel::BackendHttp,
            host: HostPattern::Wildcard("*.acme-cdn.com".into()),
        }));
        assert!(set.contains(&Capability::ChildProcess {
            command: Some("git".into())
        }));
        assert!(set.contains(&Capability::FileSystem {
            access: FsAccess::Write,
            path: Some("/tmp".into())
        }));
        let ext = m.to_extension(None);
        assert_eq!(ext.platform, Platform::Generic);
        assert_eq!(ext.name, "acme-zap");
    }

    #[test]
    fn absent_section_and_errors() {
        assert_eq!(
            GenericManifest::from_config_toml("p.toml", "[scan]\n").unwrap(),
            None
        );
        let e =
            GenericManifest::from_config_toml("p.toml", "[extension]\negres = []\n").unwrap_err();
        assert!(e.to_string().contains("p.toml"), "{e}");
        assert!(e.to_string().contains("egres"), "{e}");
        let e = GenericManifest::from_config_toml("p.toml", "[extension]\nfs = [\"exec\"]\n")
            .unwrap_err();
        assert!(e.to_string().contains("fs entry"), "{e}");
        assert!(GenericManifest::from_config_toml("p.toml", "[extension").is_err());
    }
}
