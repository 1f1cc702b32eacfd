//! CycloneDX 1.6 JSON SBOM.
//!
//! `metadata.component` is the scanned extension; `components` are the resolved dependencies
//! the deps analyzer inventoried (`ScanReport::components`), de-duplicated by package URL.
//! Per component: purl, `group`/`name` split for scoped npm packages, version, scope
//! (`required` for runtime and peer, `optional`, `excluded` for dev dependencies), license (an
//! SPDX expression when it looks like one, a free-text name otherwise), hashes decoded from
//! the lockfile's Subresource-Integrity string (`sha512-<base64>` → hex), an external
//! reference for non-registry sources (git, tarball URL, `file:`), and properties for what
//! CycloneDX has no field for (where it was found, direct or transitive, requested range).
//!
//! The `dependencies` graph is built from each component's dependency path. A path is one
//! route from the root, so the graph lists only the edges those routes prove: a node without
//! an entry is not claimed to have no dependencies, it is simply not known.
//!
//! The serial number is derived from the target's content hash, so scanning the same
//! artifact twice gives a byte-identical SBOM (reproducible, diffable).

use base64::Engine as _;
use portcullis_core::{
    Component, DependencyScope, Ecosystem, Extension, Finding, Platform, ScanReport,
    SuppressionKind,
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(crate) const SPEC_VERSION: &str = "1.6";
const ROOT_REF: &str = "portcullis:root";

pub(crate) fn build(report: &ScanReport) -> Value {
    let mut bom = Map::new();
    bom.insert(
        "$schema".into(),
        json!("http://cyclonedx.org/schema/bom-1.6.schema.json"),
    );
    bom.insert("bomFormat".into(), json!("CycloneDX"));
    bom.insert("specVersion".into(), json!(SPEC_VERSION));
    bom.insert("serialNumber".into(), json!(serial_number(report)));
    bom.insert("version".into(), json!(1));

    let root_ref = root_ref(report);
    let mut metadata = Map::new();
    metadata.insert(
        "tools".into(),
        json!({ "components": [{
            "type": "application",
            "name": report.tool.name,
            "version": report.tool.version,
        }]}),
    );
    metadata.insert("component".into(), root_component(report, &root_ref));
    bom.insert("metadata".into(), Value::Object(metadata));

    // De-duplicate by purl: the same package can be listed by a lockfile and by its
    // installed `node_modules/…/package.json`. The first wins; a runtime scope beats a dev
    // one (a package needed at runtime anywhere is needed at runtime).
    let mut unique: Vec<&Component> = Vec::new();
    let mut by_purl: HashMap<String, usize> = HashMap::new();
    let mut scopes: Vec<DependencyScope> = Vec::new();
    for c in &report.components {
        let purl = c.purl();
        // A lockfile lists the package itself too; it is metadata.component, and a second
        // element with the same bom-ref would make the BOM invalid.
        if purl == root_ref {
            continue;
        }
        match by_purl.get(&purl) {
            Some(&i) => {
                if let Some(s) = scopes.get_mut(i) {
                    *s = stronger_scope(*s, c.scope);
                }
            }
            None => {
                by_purl.insert(purl, unique.len());
                unique.push(c);
                scopes.push(c.scope);
            }
        }
    }
    let components: Vec<Value> = unique
        .iter()
        .zip(&scopes)
        .map(|(c, s)| component(c, *s))
        .collect();
    bom.insert("components".into(), Value::Array(components));
    bom.insert(
        "dependencies".into(),
        dependency_graph(&unique, &root_ref, report.extension.as_ref()),
    );
    let refs: BTreeSet<String> = by_purl.into_keys().collect();
    let vulns = vulnerabilities(report, &refs);
    if !vulns.is_empty() {
        bom.insert("vulnerabilities".into(), Value::Array(vulns));
    }
    Value::Object(bom)
}

fn stronger_scope(a: DependencyScope, b: DependencyScope) -> DependencyScope {
    let rank = |s| match s {
        DependencyScope::Runtime => 3,
        DependencyScope::Peer => 2,
        DependencyScope::Optional => 1,
        DependencyScope::Dev => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// `urn:uuid:` with a UUID (version 5 layout) derived from the target hash and tool version.
fn serial_number(report: &ScanReport) -> String {
    let mut h = Sha256::new();
    h.update(b"portcullis-cyclonedx\0");
    h.update(report.target.sha256.as_bytes());
    h.update(b"\0");
    h.update(report.tool.version.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

/// Platforms whose extensions are npm packages, so the root gets an npm purl.
fn npm_based(p: Platform) -> bool {
    matches!(p, Platform::N8n | Platform::NodeRed | Platform::Npm)
}

fn npm_purl(name: &str, version: Option<&str>) -> String {
    Component {
        ecosystem: Ecosystem::Npm,
        name: name.to_string(),
        version: version.map(str::to_string),
        requested: None,
        direct: true,
        scope: DependencyScope::Runtime,
        path: Vec::new(),
        found_in: String::new(),
        source: None,
        license: None,
        integrity: None,
    }
    .purl()
}

fn root_ref(report: &ScanReport) -> String {
    match &report.extension {
        Some(e) if npm_based(e.platform) => npm_purl(&e.name, e.version.as_deref()),
        _ => ROOT_REF.to_string(),
    }
}

fn root_component(report: &ScanReport, root_ref: &str) -> Value {
    let mut c = Map::new();
    let mut props = vec![prop("portcullis:target:source", &report.target.source)];
    match &report.extension {
        Some(e) => {
            c.insert(
                "type".into(),
                json!(if npm_based(e.platform) {
                    "library"
                } else {
                    "application"
                }),
            );
            c.insert("bom-ref".into(), json!(root_ref));
            insert_name(&mut c, &e.name, npm_based(e.platform));
            if let Some(v) = &e.version {
                c.insert("version".into(), json!(v));
            }
            if let Some(d) = &e.description {
                c.insert("description".into(), json!(d));
            }
            if npm_based(e.platform) {
                c.insert("purl".into(), json!(root_ref));
            }
            props.push(prop("portcullis:platform", e.platform.as_str()));
            props.push(prop("portcullis:manifest", &e.manifest_path));
        }
        None => {
            c.insert("type".into(), json!("application"));
            c.insert("bom-ref".into(), json!(root_ref));
            c.insert("name".into(), json!(report.target.source));
        }
    }
    if is_hex_digest(&report.target.sha256, 64) {
        props.push(prop("portcullis:target:sha256", &report.target.sha256));
        // The archive's own hash is a real artifact hash; a directory's is synthetic.
        if report.target.origin != portcullis_core::Origin::Directory {
            c.insert(
                "hashes".into(),
                json!([{ "alg": "SHA-256", "content": report.target.sha256.to_ascii_lowercase() }]),
            );
        }
    }
    c.insert("properties".into(), Value::Array(props));
    Value::Object(c)
}

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "value": value })
}

fn is_hex_digest(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// npm convention (as cyclonedx-npm does): `@scope/name` → group `@scope`, name `name`.
fn insert_name(c: &mut Map<String, Value>, name: &str, npm: bool) {
    if npm
        && name.starts_with('@')
        && let Some((group, rest)) = name.split_once('/')
        && !rest.is_empty()
    {
        c.insert("group".into(), json!(group));
        c.insert("name".into(), json!(rest));
        return;
    }
    c.insert("name".into(), json!(name));
}

fn component(c: &Component, scope: DependencyScope) -> Value {
    let mut m = Map::new();
    let purl = c.purl();
    m.insert("type".into(), json!("library"));
    m.insert("bom-ref".into(), json!(purl));
    insert_name(&mut m, &c.name, c.ecosystem == Ecosystem::Npm);
    if let Some(v) = &c.version {
        m.insert("version".into(), json!(v));
    }
    m.insert(
        "scope".into(),
        json!(match scope {
            DependencyScope::Runtime | DependencyScope::Peer => "required",
            DependencyScope::Optional => "optional",
            DependencyScope::Dev => "excluded",
        }),
    );
    let hashes = c.integrity.as_deref().map(sri_hashes).unwrap_or_default();
    if !hashes.is_empty() {
        m.insert("hashes".into(), Value::Array(hashes));
    }
    if let Some(l) = c
        .license
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        m.insert("licenses".into(), json!([license(l)]));
    }
    m.insert("purl".into(), json!(purl));
    if let Some(src) = &c.source {
        m.insert(
            "externalReferences".into(),
            json!([external_reference(src)]),
        );
    }
    let mut props = vec![
        prop("portcullis:found-in", &c.found_in),
        prop("portcullis:direct", if c.direct { "true" } else { "false" }),
        prop(
            "portcullis:scope",
            match scope {
                DependencyScope::Runtime => "runtime",
                DependencyScope::Dev => "dev",
                DependencyScope::Optional => "optional",
                DependencyScope::Peer => "peer",
            },
        ),
    ];
    if let Some(r) = &c.requested {
        props.push(prop("portcullis:requested", r));
    }
    if c.version.is_none() {
        props.push(prop("portcullis:unresolved", "true"));
    }
    m.insert("properties".into(), Value::Array(props));
    Value::Object(m)
}

/// A license entry: `{"expression": …}` when the text is plausibly an SPDX expression
/// (identifiers, `AND`/`OR`/`WITH`, parentheses), otherwise `{"license": {"name": …}}`
/// (e.g. `SEE LICENSE IN LICENSE.md`), so a free-text license never masquerades as SPDX.
fn license(l: &str) -> Value {
    let tokens: Vec<&str> = l
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|t| !t.is_empty())
        .collect();
    let mut expect_id = true;
    let mut plausible = !tokens.is_empty();
    for t in &tokens {
        let is_op = matches!(*t, "AND" | "OR" | "WITH");
        if is_op == expect_id {
            plausible = false;
            break;
        }
        if !is_op
            && !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+' | ':'))
        {
            plausible = false;
            break;
        }
        expect_id = is_op;
    }
    if plausible && !expect_id {
        json!({ "expression": l })
    } else {
        json!({ "license": { "name": l } })
    }
}

/// Subresource-Integrity (`sha512-<base64> sha1-<base64>`) → CycloneDX hashes. Entries with
/// an unknown algorithm, bad base64 or the wrong digest length are skipped, never guessed.
fn sri_hashes(integrity: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in integrity.split_whitespace().take(8) {
        let Some((alg, b64)) = entry.split_once('-') else {
            continue;
        };
        // SRI allows `?options` after the digest.
        let b64 = b64.split('?').next().unwrap_or("");
        let (name, len) = match alg.to_ascii_lowercase().as_str() {
            "sha1" => ("SHA-1", 20),
            "sha256" => ("SHA-256", 32),
            "sha384" => ("SHA-384", 48),
            "sha512" => ("SHA-512", 64),
            _ => continue,
        };
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64) else {
            continue;
        };
        if bytes.len() == len && seen.insert(name) {
            out.push(json!({ "alg": name, "content": hex::encode(bytes) }));
        }
    }
    out
}

/// Where a non-registry dependency comes from. The URL is kept verbatim (CycloneDX wants an
/// IRI reference; the `git+` prefix and `file:` scheme are both valid ones).
fn external_reference(source: &str) -> Value {
    let lower = source.to_ascii_lowercase();
    let (kind, comment) = if lower.starts_with("git+")
        || lower.starts_with("git:")
        || lower.starts_with("github:")
        || lower.ends_with(".git")
    {
        ("vcs", "non-registry source: git")
    } else if lower.starts_with("file:") || lower.starts_with("link:") {
        ("other", "non-registry source: local path")
    } else if lower.starts_with("http://") || lower.starts_with("https://") {
        ("distribution", "non-registry source: tarball URL")
    } else {
        ("other", "non-registry source")
    };
    json!({ "type": kind, "url": source, "comment": comment })
}

/// Dependency findings as CycloneDX vulnerabilities (VEX-style), so an SBOM consumer sees
/// what is known to be wrong with the components. Only findings that carry the deps
/// analyzer's `purl` and `primary_advisory` properties and whose purl is a component of this
/// BOM are included; one entry per (advisory, component).
fn vulnerabilities(report: &ScanReport, refs: &BTreeSet<String>) -> Vec<Value> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for f in &report.findings {
        let (Some(purl), Some(id)) = (
            f.properties.get("purl").and_then(Value::as_str),
            f.properties.get("primary_advisory").and_then(Value::as_str),
        ) else {
            continue;
        };
        if !refs.contains(purl) || !seen.insert((id.to_string(), purl.to_string())) {
            continue;
        }
        out.push(vulnerability(f, id, purl));
    }
    out
}

fn vulnerability(f: &Finding, id: &str, purl: &str) -> Value {
    let mut v = Map::new();
    v.insert("id".into(), json!(id));
    v.insert("source".into(), advisory_source(id));
    let aliases: Vec<Value> = f
        .properties
        .get("advisory_ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|a| *a != id)
        .map(|a| json!({ "id": a, "source": advisory_source(a) }))
        .collect();
    if !aliases.is_empty() {
        v.insert("references".into(), Value::Array(aliases));
    }
    v.insert(
        "ratings".into(),
        json!([{ "severity": f.severity.as_str(), "method": "other" }]),
    );
    if !f.cwe.is_empty() {
        v.insert("cwes".into(), json!(f.cwe));
    }
    v.insert("description".into(), json!(f.message));
    if let Some(r) = &f.remediation {
        v.insert("recommendation".into(), json!(r));
    }
    if let Some(s) = &f.suppression {
        let how = match s.kind {
            SuppressionKind::Inline => "inline suppression",
            SuppressionKind::Config => "ignored in portcullis.toml",
            SuppressionKind::Waiver => "waiver",
        };
        v.insert(
            "analysis".into(),
            json!({ "detail": format!("{how}: {}", s.justification) }),
        );
    }
    v.insert("affects".into(), json!([{ "ref": purl }]));
    Value::Object(v)
}

/// The database an advisory id comes from, by its prefix; OSV aggregates all of them.
fn advisory_source(id: &str) -> Value {
    let name = if id.starts_with("GHSA-") {
        "GitHub Advisory Database"
    } else if id.starts_with("CVE-") {
        "NVD"
    } else {
        "OSV"
    };
    json!({ "name": name, "url": format!("https://osv.dev/vulnerability/{}", crate::sanitize::uri_path(id)) })
}

/// Edges proven by dependency paths: `path[i] → path[i+1]`, plus root → every direct one.
fn dependency_graph(
    components: &[&Component],
    root_ref: &str,
    extension: Option<&Extension>,
) -> Value {
    let mut by_name: HashMap<&str, Vec<&Component>> = HashMap::new();
    for c in components {
        by_name.entry(c.name.as_str()).or_default().push(c);
    }
    let root_name = extension.map(|e| e.name.as_str());
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    edges.insert(root_ref.to_string(), BTreeSet::new());
    for c in components {
        let me = c.purl();
        // The parent is the second-to-last path element; the root when the path is just
        // [root, me] or when the component is direct.
        let parent_name = match c.path.len() {
            0 | 1 => None,
            n => c.path.get(n - 2).map(String::as_str),
        };
        let parent_ref = match parent_name {
            None => c.direct.then(|| root_ref.to_string()),
            Some(p) if c.path.len() == 2 || Some(p) == root_name => Some(root_ref.to_string()),
            Some(p) => resolve_parent(&by_name, p, &c.path),
        };
        if let Some(parent) = parent_ref
            && parent != me
        {
            edges.entry(parent).or_default().insert(me);
        }
    }
    Value::Array(
        edges
            .into_iter()
            .map(|(r, deps)| json!({ "ref": r, "dependsOn": deps.into_iter().collect::<Vec<_>>() }))
            .collect(),
    )
}

/// The component named `name` that is the parent on `path`: the one whose own path is the
/// prefix of `path` if several versions exist, else the only one.
fn resolve_parent(
    by_name: &HashMap<&str, Vec<&Component>>,
    name: &str,
    path: &[String],
) -> Option<String> {
    let candidates = by_name.get(name)?;
    let prefix = path.get(..path.len().saturating_sub(1))?;
    candidates
        .iter()
        .find(|c| c.path.as_slice() == prefix)
        .or_else(|| {
            (candidates.len() == 1)
                .then(|| candidates.first())
                .flatten()
        })
        .map(|c| c.purl())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sri_decodes_to_hex_and_rejects_garbage() {
        // sha512 of the empty string.
        let sri = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==";
        let h = sri_hashes(sri);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0]["alg"], "SHA-512");
        assert!(
            h[0]["content"]
                .as_str()
                .unwrap()
                .starts_with("cf83e1357eefb8bdf1542850d66d8007")
        );
        assert!(sri_hashes("md5-abc sha512-!!!! sha256-AAAA").is_empty());
    }

    #[test]
    fn licenses_are_spdx_only_when_plausible() {
        assert_eq!(license("MIT")["expression"], "MIT");
        assert_eq!(
            license("(MIT OR Apache-2.0)")["expression"],
            "(MIT OR Apache-2.0)"
        );
        assert_eq!(
            license("SEE LICENSE IN LICENSE.md")["license"]["name"],
            "SEE LICENSE IN LICENSE.md"
        );
        assert!(license("MIT OR")["license"].is_object());
    }
}
