//! Node-RED modules: `package.json` `node-red.nodes` entry points, the runtime
//! `RED.nodes.registerType(type, ctor, { credentials })` against the editor HTML's
//! `registerType(type, { defaults, credentials })`, secret-looking `defaults`, and HTTP routes
//! added to `RED.httpAdmin` / `RED.httpNode` without `RED.auth.needsPermission`.
//!
//! Node-RED has no egress declaration: the declared set holds credentials and ingress only.

use crate::AdapterOutput;
use crate::js::{self, JsFacts, Spanned, Val};
use crate::npm::{PackageJson, normalize};
use crate::rules::{self, finding};
use crate::util::{Doc, is_secret_name, join_rel};
use portcullis_core::rule::Signal;
use portcullis_core::{
    Capability, CapabilitySet, Extension, IngressKind, Package, Platform, Severity,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Most `<script>` blocks read from one editor HTML file.
const MAX_SCRIPTS: usize = 256;

/// One `registerType` call's credentials (and, on the editor side, defaults).
#[derive(Debug, Default)]
struct Registration {
    /// Credential key → (is password, offset).
    credentials: BTreeMap<String, (bool, usize)>,
    offset: usize,
}

/// Recognises a Node-RED module (a `package.json` with a `node-red` section).
pub fn detect(pkg: &Package, pj: &PackageJson) -> Option<AdapterOutput> {
    let section = pj.value.get("node-red")?;
    let doc = pj.doc();
    let mut out = AdapterOutput::default();
    let mut declared = CapabilitySet::new();
    let mut entry_points = Vec::new();
    let section_off = doc.find("\"node-red\"", 0).unwrap_or(0);

    let nodes: Vec<(String, String)> = match section.get("nodes") {
        Some(Value::Object(m)) => m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|p| (k.clone(), normalize(p))))
            .collect(),
        None => Vec::new(),
        Some(_) => {
            out.findings.push(finding(
                &rules::INVALID_FIELD,
                None,
                "package.json `node-red.nodes` must map node names to runtime .js files",
                doc.find_loc("\"nodes\"", section_off),
            ));
            Vec::new()
        }
    };

    for (_, path) in &nodes {
        let Some(file) = pkg.file(path) else {
            out.findings.push(finding(
                &rules::MISSING_ENTRY_POINT,
                None,
                format!(
                    "package.json `node-red.nodes` lists `{path}`, which is not in the package"
                ),
                doc.find_loc(path.rsplit('/').next().unwrap_or(path), section_off),
            ));
            continue;
        };
        entry_points.push(path.clone());
        let Some(text) = file.text() else { continue };
        let runtime = match js::parse(text, false) {
            Ok(f) => f,
            Err(reason) => {
                out.notices.push(portcullis_core::Notice::unanalysed(
                    path,
                    format!("not analysed: could not read Node-RED runtime file {path}: {reason}"),
                ));
                continue;
            }
        };
        let rdoc = Doc::new(path, text);
        let runtime_regs = registrations(&runtime, false);
        for (ty, reg) in &runtime_regs {
            declare_credentials(&rdoc, ty, reg, &mut declared);
        }
        routes(&rdoc, &runtime, &mut declared, &mut out);

        // The editor file sits next to the runtime file with the same stem.
        let html_path = format!("{}.html", path.strip_suffix(".js").unwrap_or(path));
        let Some(html) = pkg.file(&html_path).and_then(|f| f.text()) else {
            continue;
        };
        let hdoc = Doc::new(&html_path, html);
        let mut editor_regs: BTreeMap<String, Registration> = BTreeMap::new();
        for (body_off, body) in editor_scripts(html) {
            let Ok(facts) = js::parse(body, false) else {
                continue;
            };
            for (ty, mut reg) in registrations(&facts, true) {
                reg.offset += body_off;
                for v in reg.credentials.values_mut() {
                    v.1 += body_off;
                }
                secret_defaults(&hdoc, &facts, &ty, body_off, &mut out);
                destination_defaults(&hdoc, &facts, &ty, body_off, &mut declared);
                editor_regs.insert(ty, reg);
            }
        }
        for (ty, ed) in &editor_regs {
            let Some(rt) = runtime_regs.get(ty) else {
                continue;
            };
            let ed_keys: BTreeSet<&String> = ed.credentials.keys().collect();
            let rt_keys: BTreeSet<&String> = rt.credentials.keys().collect();
            for k in ed_keys.difference(&rt_keys) {
                out.findings.push(
                    finding(
                        &rules::CREDENTIALS_MISMATCH,
                        None,
                        format!(
                            "node `{ty}`: the editor declares credential `{k}` but the runtime \
                             registerType does not, so its value is stored in plain flows.json"
                        ),
                        hdoc.loc(ed.credentials.get(*k).map_or(ed.offset, |v| v.1)),
                    )
                    .with_fingerprint_key(format!("{ty}:{k}:editor-only")),
                );
            }
            for k in rt_keys.difference(&ed_keys) {
                out.findings.push(
                    finding(
                        &rules::CREDENTIALS_MISMATCH,
                        Some(Severity::Low),
                        format!(
                            "node `{ty}`: the runtime declares credential `{k}` but the editor \
                             does not, so it can never be configured"
                        ),
                        rdoc.loc(rt.credentials.get(*k).map_or(rt.offset, |v| v.1)),
                    )
                    .with_fingerprint_key(format!("{ty}:{k}:runtime-only")),
                );
            }
        }
    }
    let plugins = section.get("plugins").and_then(Value::as_object);
    for p in plugins
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(Value::as_str)
    {
        if let Some(p) = join_rel("", p)
            && pkg.file(&p).is_some()
        {
            entry_points.push(p);
        }
    }

    out.extension = Some(Extension {
        platform: Platform::NodeRed,
        name: pj.name(),
        version: pj.str_field("version").map(str::to_string),
        description: pj.str_field("description").map(str::to_string),
        manifest_path: pj.path.clone(),
        entry_points,
        declared,
    });
    Some(out)
}

/// `registerType` calls: runtime `(type, ctor, opts)`, editor `(type, def)`.
fn registrations(facts: &JsFacts, editor: bool) -> BTreeMap<String, Registration> {
    let mut regs = BTreeMap::new();
    for call in facts.calls_ending(".nodes.registerType") {
        let Some(ty) = call.args.first().and_then(Spanned::as_str) else {
            continue;
        };
        let opts = call.args.get(if editor { 1 } else { 2 });
        let mut reg = Registration {
            offset: call.start as usize,
            ..Registration::default()
        };
        if let Some(creds) = opts.and_then(|o| o.get("credentials")) {
            for (k, v) in creds.entries() {
                let password = v.get("type").and_then(Spanned::as_str) == Some("password");
                reg.credentials
                    .insert(k.clone(), (password, v.start as usize));
            }
        }
        regs.insert(ty.to_string(), reg);
    }
    regs
}

fn declare_credentials(doc: &Doc<'_>, ty: &str, reg: &Registration, declared: &mut CapabilitySet) {
    if reg.credentials.is_empty() {
        return;
    }
    let secret_fields = reg
        .credentials
        .iter()
        .filter(|(k, (pw, _))| *pw || is_secret_name(k))
        .map(|(k, _)| k.clone())
        .collect();
    declared.add(
        Capability::Credential {
            name: ty.to_string(),
            secret_fields,
            bound_hosts: Vec::new(),
            injection: None,
        },
        doc.ev(reg.offset, "RED.nodes.registerType.credentials"),
    );
}

/// Whether a default value is empty or a placeholder (`""`, `your-api-key`, `<token>`,
/// `xxxx`, `changeme`, `${API_KEY}`), not a secret.
fn is_placeholder(s: &str) -> bool {
    let t = s.trim().to_ascii_lowercase();
    t.is_empty()
        || t.len() < 4
        || (t.starts_with('<') && t.ends_with('>'))
        || (t.starts_with("${") && t.ends_with('}'))
        || (t.starts_with("{{") && t.ends_with("}}"))
        || t.chars()
            .all(|c| matches!(c, 'x' | '*' | '.' | '-' | '_' | '0'))
        || [
            "your",
            "changeme",
            "change-me",
            "placeholder",
            "example",
            "insert",
            "enter",
            "todo",
        ]
        .iter()
        .any(|w| t.contains(w))
}

/// Secret-looking keys in the editor's `defaults` (exported in flows.json).
fn secret_defaults(doc: &Doc<'_>, facts: &JsFacts, ty: &str, base: usize, out: &mut AdapterOutput) {
    for call in facts.calls_ending(".nodes.registerType") {
        if call.args.first().and_then(Spanned::as_str) != Some(ty) {
            continue;
        }
        let Some(defaults) = call.args.get(1).and_then(|d| d.get("defaults")) else {
            continue;
        };
        for (k, v) in defaults.entries() {
            // `{ type: "some-config-node" }` references a config node, which holds its own
            // credentials: not a secret.
            if v.get("type").is_some() || !is_secret_name(k) {
                continue;
            }
            // A flag or a number is a setting about the secret, not the secret; a default like
            // `oauth2Response.access_token` names the msg property that carries it.
            let shipped_value = match v.get("value").map(|x| &x.val) {
                Some(Val::Bool(_) | Val::Num(_)) => continue,
                Some(Val::Str(s)) if is_property_path(s) => continue,
                Some(Val::Str(s)) if !is_placeholder(s) => true,
                _ => false,
            };
            let mut f = finding(
                &rules::SECRET_IN_DEFAULTS,
                None,
                format!(
                    "node `{ty}` keeps `{k}` in `defaults`, which is saved and exported in \
                     clear text with the flow"
                ),
                doc.loc(base + v.start as usize),
            )
            .with_fingerprint_key(format!("{ty}:{k}"));
            // An empty or placeholder default is a design flaw (hygiene); a real value is a
            // secret every installation ships with.
            if shipped_value {
                f.signals.retain(|s| *s != Signal::Hygiene);
                f = f
                    .with_signal(Signal::HardCodedSecret)
                    .with_severity(Severity::High);
                f.message
                    .push_str(", with a non-empty default value shipped to every installation");
            }
            out.findings.push(f);
        }
    }
}

/// Editor `defaults` that name a destination (`host`, `server`, `url`, `broker`, …): Node-RED
/// has no egress declaration, so these user-configured fields are the closest thing to one.
fn destination_defaults(
    doc: &Doc<'_>,
    facts: &JsFacts,
    ty: &str,
    base: usize,
    declared: &mut CapabilitySet,
) {
    for call in facts.calls_ending(".nodes.registerType") {
        if call.args.first().and_then(Spanned::as_str) != Some(ty) {
            continue;
        }
        let Some(defaults) = call.args.get(1).and_then(|d| d.get("defaults")) else {
            continue;
        };
        for (k, v) in defaults.entries() {
            let lk = k.to_ascii_lowercase();
            let destination = ["host", "server", "url", "broker", "endpoint", "address"]
                .iter()
                .any(|s| lk == *s || lk.ends_with(s))
                && !lk.starts_with("local")
                && v.get("type").is_none();
            if destination {
                declared.add(
                    Capability::NetworkEgress {
                        channel: portcullis_core::Channel::BackendHttp,
                        host: portcullis_core::HostPattern::UserConfigured(format!("{ty}.{k}")),
                    },
                    doc.ev(base + v.start as usize, "node-red.defaults"),
                );
            }
        }
    }
}

/// `a.b_c.d`: a property path (at least one dot, identifier segments).
fn is_property_path(s: &str) -> bool {
    s.contains('.')
        && s.split('.').all(|seg| {
            seg.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// `RED.httpAdmin.get(path, [middleware…], handler)` and `RED.httpNode.*` routes.
fn routes(doc: &Doc<'_>, facts: &JsFacts, declared: &mut CapabilitySet, out: &mut AdapterOutput) {
    for call in &facts.calls {
        let mut parts = call.callee.rsplitn(2, '.');
        let (Some(method), Some(server)) = (parts.next(), parts.next()) else {
            continue;
        };
        let admin = server.ends_with("httpAdmin");
        if !(admin || server.ends_with("httpNode")) {
            continue;
        }
        if !matches!(
            method,
            "get" | "post" | "put" | "delete" | "patch" | "all" | "use"
        ) {
            continue;
        }
        let path = call.args.first().and_then(Spanned::as_str).unwrap_or("*");
        // Middleware sits between the path and the final handler.
        let middleware = call
            .args
            .get(1..call.args.len().saturating_sub(1))
            .unwrap_or(&[]);
        let checked = middleware.iter().any(|a| {
            matches!(&a.val, Val::Call(c) if c.ends_with("auth.needsPermission"))
                || matches!(&a.val, Val::Path(p) if p.to_ascii_lowercase().contains("auth"))
        });
        // A middleware held in a variable (`const perm = RED.auth.needsPermission(…)`) cannot
        // be resolved here: unknown, not reported.
        let opaque = !checked
            && middleware
                .iter()
                .any(|a| matches!(a.val, Val::Path(_) | Val::Call(_)));
        let authenticated = if checked {
            Some(true)
        } else if opaque {
            None
        } else {
            Some(false)
        };
        let route = format!(
            "{} {} {path}",
            if admin { "admin" } else { "node" },
            method.to_ascii_uppercase()
        );
        declared.add(
            Capability::Ingress {
                kind: IngressKind::HttpRoute,
                name: Some(route.clone()),
                authenticated,
            },
            doc.ev(call.start as usize, &format!("{server}.{method}")),
        );
        if authenticated == Some(false) {
            let (severity, why) = if admin {
                (
                    Severity::High,
                    "any user who can reach the editor can call it",
                )
            } else {
                (Severity::Medium, "it is served on the public HTTP endpoint")
            };
            out.findings.push(
                finding(
                    &rules::ROUTE_WITHOUT_PERMISSION,
                    Some(severity),
                    format!("HTTP route `{route}` has no RED.auth.needsPermission check: {why}"),
                    doc.loc(call.start as usize),
                )
                .with_fingerprint_key(route),
            );
        }
    }
}

/// The JavaScript `<script>` bodies of an editor HTML file: (byte offset, text). Skips
/// `text/html` / `text/x-red` templates and external `src` scripts.
fn editor_scripts(html: &str) -> Vec<(usize, &str)> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while out.len() < MAX_SCRIPTS {
        let Some(open) = lower
            .get(pos..)
            .and_then(|s| s.find("<script"))
            .map(|i| i + pos)
        else {
            break;
        };
        let Some(tag_end) = lower
            .get(open..)
            .and_then(|s| s.find('>'))
            .map(|i| i + open)
        else {
            break;
        };
        let tag = &lower[open..tag_end];
        let Some(close) = lower
            .get(tag_end..)
            .and_then(|s| s.find("</script"))
            .map(|i| i + tag_end)
        else {
            break;
        };
        let is_js = !tag.contains("type=") || tag.contains("javascript") || tag.contains("module");
        if is_js
            && !tag.contains(" src=")
            && let Some(body) = html.get(tag_end + 1..close)
        {
            out.push((tag_end + 1, body));
        }
        pos = close + 8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_paths() {
        assert!(is_property_path("oauth2Response.access_token"));
        assert!(is_property_path("msg.payload"));
        assert!(!is_property_path("s3cr3t"));
        assert!(!is_property_path("abc.def ghi"));
        assert!(!is_property_path("1.2"));
    }

    #[test]
    fn editor_scripts_skip_templates() {
        let html = "<script type=\"text/html\" data-template-name=\"x\"><input></script>\n<script type=\"text/javascript\">RED.nodes.registerType('x', {});</script><script src=\"https://cdn.example/x.js\"></script>";
        let s = editor_scripts(html);
        assert_eq!(s.len(), 1);
        assert!(s[0].1.contains("registerType"));
        assert_eq!(&html[s[0].0..s[0].0 + 3], "RED");
    }
}
