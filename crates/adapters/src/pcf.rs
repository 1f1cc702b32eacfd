//! Power Apps component framework (PCF) controls: `ControlManifest.Input.xml` (source) or
//! `ControlManifest.xml` (solution build) — `<control>` identity, `<external-service-usage>`
//! domains, `<feature-usage>` features, `<resources><code>` entry points and secret-looking
//! input properties.
//!
//! `external-service-usage` is a licensing flag, not enforcement: the declared domains are what
//! the author admits to, which is why comparing them with the bundle's real hosts matters.

use crate::AdapterOutput;
use crate::npm::PackageJson;
use crate::rules::{self, finding};
use crate::util::{Doc, dir_of, host_pattern, is_secret_name, join_rel};
use portcullis_core::{
    Capability, CapabilitySet, Channel, Extension, Location, Package, Platform, Region,
};

/// Manifests larger than this are not read.
const MAX_MANIFEST_BYTES: usize = 1024 * 1024;

/// Recognises a PCF control by its manifest file (the shallowest one wins).
pub fn detect(pkg: &Package, pj: Option<&PackageJson>) -> Option<AdapterOutput> {
    let file = pkg
        .files
        .iter()
        .filter(|f| {
            matches!(
                f.name(),
                "ControlManifest.Input.xml" | "ControlManifest.xml"
            ) && !f.path.contains("node_modules/")
        })
        .min_by_key(|f| (f.path.matches('/').count(), f.name().len() == 19))?;
    let path = file.path.as_str();
    let text = file.text()?;
    let mut out = AdapterOutput::default();
    if text.len() > MAX_MANIFEST_BYTES {
        out.notices
            .push(crate::util::too_large(path, text.len(), MAX_MANIFEST_BYTES));
        return Some(out);
    }
    if let Some(n) = crate::util::too_deep(path, text, portcullis_core::nesting::Syntax::Xml) {
        out.notices.push(n);
        return Some(out);
    }
    let doc = Doc::new(path, text);
    let xml = match roxmltree::Document::parse(text) {
        Ok(x) => x,
        Err(e) => {
            let pos = e.pos();
            let mut loc = Location::file(path);
            loc.region = Some(Region {
                start_line: pos.row,
                start_column: pos.col,
                end_line: pos.row,
                end_column: pos.col,
            });
            loc.snippet = Some(doc.index.line_text(text, pos.row).to_string());
            out.findings.push(finding(
                &rules::INVALID_XML,
                None,
                format!("{path} is not valid XML: {e}"),
                loc,
            ));
            return Some(out);
        }
    };
    let line = |node: roxmltree::Node<'_, '_>| doc.line_of(node.range().start);
    let ev = |node: roxmltree::Node<'_, '_>, source: &str| portcullis_core::Evidence {
        path: path.to_string(),
        line: Some(line(node)),
        source: source.to_string(),
    };
    let control = xml.descendants().find(|n| n.has_tag_name("control"))?;
    let namespace = control.attribute("namespace").unwrap_or("");
    let constructor = control.attribute("constructor").unwrap_or("(control)");
    let name = if namespace.is_empty() {
        constructor.to_string()
    } else {
        format!("{namespace}.{constructor}")
    };
    let mut declared = CapabilitySet::new();
    let mut entry_points = Vec::new();
    let dir = dir_of(path);

    for usage in control
        .descendants()
        .filter(|n| n.has_tag_name("external-service-usage"))
    {
        let enabled = usage
            .attribute("enabled")
            .is_none_or(|e| e.eq_ignore_ascii_case("true"));
        let domains: Vec<_> = usage
            .children()
            .filter(|n| n.has_tag_name("domain"))
            .collect();
        if !enabled && !domains.is_empty() {
            out.findings.push(finding(
                &rules::EXTERNAL_SERVICE_DISABLED,
                None,
                format!("control `{name}` lists {} external domain(s) with external-service-usage disabled", domains.len()),
                doc.loc(usage.range().start),
            ));
        }
        for d in domains {
            let Some(h) = d.text().and_then(|t| host_pattern(t, "domain")) else {
                continue;
            };
            declared.add(
                Capability::NetworkEgress {
                    channel: Channel::ClientFetch,
                    host: h,
                },
                ev(d, "external-service-usage.domain"),
            );
        }
    }
    for f in control
        .descendants()
        .filter(|n| n.has_tag_name("uses-feature"))
    {
        if let Some(feature) = f.attribute("name") {
            declared.add(
                Capability::DataScope {
                    scope: feature.to_string(),
                },
                ev(f, "feature-usage.uses-feature"),
            );
        }
    }
    for c in control
        .descendants()
        .filter(|n| n.has_tag_name("uses-connector"))
    {
        if let Some(conn) = c.attribute("name") {
            declared.add(
                Capability::DataScope {
                    scope: format!("connector:{conn}"),
                },
                ev(c, "feature-usage.uses-connector"),
            );
        }
    }
    for code in control.descendants().filter(|n| n.has_tag_name("code")) {
        let Some(rel) = code.attribute("path") else {
            continue;
        };
        match join_rel(dir, rel) {
            Some(p) if pkg.file(&p).is_some() => entry_points.push(p),
            _ => {
                // A source manifest names `index.ts`; the solution build names `bundle.js`.
                let bundle = join_rel(dir, "bundle.js").filter(|p| pkg.file(p).is_some());
                match bundle {
                    Some(b) => entry_points.push(b),
                    None => out.findings.push(finding(
                        &rules::MISSING_ENTRY_POINT,
                        None,
                        format!("control `{name}` code `{rel}` is not in the package"),
                        doc.loc(code.range().start),
                    )),
                }
            }
        }
    }
    for p in control.descendants().filter(|n| n.has_tag_name("property")) {
        let pname = p.attribute("name").unwrap_or("");
        let usage = p.attribute("usage").unwrap_or("");
        let of_type = p.attribute("of-type").unwrap_or("");
        if usage == "input" && of_type.starts_with("SingleLine") && is_secret_name(pname) {
            out.findings.push(
                finding(
                    &rules::SECRET_INPUT_PROPERTY,
                    None,
                    format!("control `{name}` takes `{pname}` as a plain input property: its value ships to every browser"),
                    doc.loc(p.range().start),
                )
                .with_fingerprint_key(pname.to_string()),
            );
        }
    }
    out.extension = Some(Extension {
        platform: Platform::PowerAppsPcf,
        name,
        version: control
            .attribute("version")
            .map(str::to_string)
            .or_else(|| pj.and_then(|p| p.str_field("version")).map(str::to_string)),
        description: control.attribute("description-key").map(str::to_string),
        manifest_path: path.to_string(),
        entry_points,
        declared,
    });
    Some(out)
}
