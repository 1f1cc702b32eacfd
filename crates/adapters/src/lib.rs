//! Platform adapters: recognise what kind of extension a package is and map its manifest into
//! the normalized capability model.
//!
//! [`detect`] looks at the unpacked [`Package`] and, in order, tries: an n8n community node
//! (`package.json` `n8n` section), a Node-RED module (`node-red` section), an Atlassian Forge app
//! (`manifest.yml`), a Grafana plugin (`plugin.json`), a Power Apps PCF control
//! (`ControlManifest.Input.xml`), the user's generic declaration ([`GenericManifest`], the
//! `[extension]` section of `portcullis.toml`), and finally a plain npm package. The result is an
//! [`Extension`] whose `declared` [`CapabilitySet`](portcullis_core::CapabilitySet) carries
//! evidence (manifest path, line, field), plus the platform-rule findings only the manifest can
//! show (n8n's community-node rules, Node-RED credential handling, Forge CSP, Grafana signature
//! hashes). A malformed manifest is a `manifest/…` finding, never a panic.
//!
//! Nothing here executes extension code: JS/TS description objects are parsed with oxc and
//! evaluated statically (see [`js`]).
//!
//! [`ScopeAnalyzer`] is the code side of the same platforms: it infers the Forge scopes and
//! PCF features an extension's code needs (see [`scopes`]), so declared-but-unused and
//! used-but-undeclared scopes can be checked.

pub mod forge;
pub mod generic;
pub mod grafana;
pub mod js;
pub mod n8n;
pub mod node_red;
pub mod npm;
pub mod pcf;
pub mod rules;
pub mod scopes;
pub mod util;

pub use generic::{GenericCredential, GenericManifest, GenericManifestError};
pub use rules::RULES;
pub use scopes::ScopeAnalyzer;

use portcullis_core::{Extension, Finding, Notice, Package};

/// What [`detect`] learned about a package.
#[derive(Debug, Clone, Default)]
pub struct AdapterOutput {
    /// The recognised extension; `None` when the package has no manifest at all.
    pub extension: Option<Extension>,
    /// Platform-rule and `manifest/…` findings.
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
}

impl AdapterOutput {
    fn merge(&mut self, other: AdapterOutput) {
        if self.extension.is_none() {
            self.extension = other.extension;
        }
        self.findings.extend(other.findings);
        self.notices.extend(other.notices);
    }
}

/// Recognises the package's platform and maps its manifest.
///
/// When `generic` is given and a platform manifest is also found, the generic declarations are
/// added to the platform's declared set (the user may declare what the platform format cannot,
/// such as file-system or process allowances). When no platform manifest is found, `generic`
/// makes the extension [`Platform::Generic`](portcullis_core::Platform::Generic).
pub fn detect(pkg: &Package, generic: Option<&GenericManifest>) -> AdapterOutput {
    let pj = npm::PackageJson::load(pkg);
    let mut out = AdapterOutput::default();
    // serde_json stops at 128 levels and the parse fails with a finding; say also that the
    // manifest's declarations were not read.
    if let Some(f) = pkg.file("package.json")
        && let Some(text) = f.text()
        && let Some(n) = util::too_deep(&f.path, text, portcullis_core::nesting::Syntax::Json)
    {
        out.notices.push(n);
    }
    if let Some(Err(f)) = &pj {
        out.findings.push((**f).clone());
    }
    let pj = pj.and_then(Result::ok);

    let detected = if let Some(o) = pj.as_ref().and_then(|p| n8n::detect(pkg, p)) {
        Some(o)
    } else if let Some(o) = pj.as_ref().and_then(|p| node_red::detect(pkg, p)) {
        Some(o)
    } else if let Some(o) = forge::detect(pkg) {
        Some(o)
    } else if let Some(o) = grafana::detect(pkg, pj.as_ref()) {
        Some(o)
    } else {
        pcf::detect(pkg, pj.as_ref())
    };
    if let Some(d) = detected {
        out.merge(d);
    }
    match (&mut out.extension, generic) {
        (Some(ext), Some(g)) => g.apply_to(ext),
        (None, Some(g)) => out.extension = Some(g.to_extension(pj.as_ref())),
        (None, None) => out.extension = pj.as_ref().map(npm::extension),
        (Some(_), None) => {}
    }
    if let Some(ext) = &mut out.extension {
        ext.entry_points.sort();
        ext.entry_points.dedup();
    }
    out
}

/// Every rule the adapters can report, for `rules list` and SARIF metadata.
pub fn rules() -> &'static [&'static portcullis_core::rule::Rule] {
    rules::RULES
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::{FileKind, Origin, Platform, SourceFile};

    fn pkg(files: &[(&str, &str)]) -> Package {
        let mut p = Package {
            source: "t".into(),
            origin: Origin::Directory,
            sha256: String::new(),
            files: files
                .iter()
                .map(|(p, t)| SourceFile::new(*p, FileKind::Json, t.as_bytes().to_vec()))
                .collect(),
        };
        p.sort();
        p
    }

    #[test]
    fn plain_npm_package() {
        let p = pkg(&[(
            "package.json",
            r#"{"name":"left-pad","version":"1.3.0","main":"index.js"}"#,
        )]);
        let out = detect(&p, None);
        let ext = out.extension.unwrap();
        assert_eq!(ext.platform, Platform::Npm);
        assert_eq!(ext.name, "left-pad");
        assert_eq!(ext.version.as_deref(), Some("1.3.0"));
        assert!(ext.declared.is_empty());
        assert!(out.findings.is_empty());
    }

    #[test]
    fn empty_package_has_no_extension() {
        let out = detect(&pkg(&[("README.md", "# hi")]), None);
        assert!(out.extension.is_none());
        assert!(out.findings.is_empty());
    }

    #[test]
    fn malformed_package_json_is_a_finding_with_line() {
        let p = pkg(&[("package.json", "{\n  \"name\": \"x\",\n  \"n8n\": {,}\n}")]);
        let out = detect(&p, None);
        let f = &out.findings[0];
        assert_eq!(f.rule_id, "manifest/invalid-json");
        assert_eq!(f.location.path, "package.json");
        assert_eq!(f.location.start_line(), Some(3));
    }
}
