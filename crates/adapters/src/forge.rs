//! Atlassian Forge apps: `manifest.yml` — `permissions.scopes`, `permissions.external.*` egress
//! per channel (host-level, as Forge enforces backend fetch), `remotes`, modules (functions →
//! entry points, web triggers → ingress, UI modules → UI surfaces) and `permissions.content`
//! CSP relaxations.

use crate::AdapterOutput;
use crate::rules::{self, finding};
use crate::util::{Doc, host_pattern, too_deep, too_large};
use portcullis_core::nesting::Syntax;
use portcullis_core::{
    Capability, CapabilitySet, Channel, Extension, IngressKind, Location, Package, Platform,
    Severity,
};
use serde_json::Value;

/// Manifests larger than this are not read.
const MAX_MANIFEST_BYTES: usize = 1024 * 1024;

/// Recognises a Forge app (a root `manifest.yml` with `app` or `modules`).
pub fn detect(pkg: &Package) -> Option<AdapterOutput> {
    let file = pkg
        .file("manifest.yml")
        .or_else(|| pkg.file("manifest.yaml"))?;
    let path = file.path.as_str();
    let mut out = AdapterOutput::default();
    let text = file.text()?;
    let looks_forge = text.contains("modules:") || text.contains("app:");
    if text.len() > MAX_MANIFEST_BYTES {
        out.notices
            .push(too_large(path, text.len(), MAX_MANIFEST_BYTES));
        return Some(out);
    }
    if let Some(n) = too_deep(path, text, Syntax::Yaml) {
        if !looks_forge {
            return None;
        }
        out.notices.push(n);
        out.extension = Some(empty_extension(pkg, path, &Value::Null));
        return Some(out);
    }
    let value: Value = match yaml_serde::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            // Only claim the file when it looks like a Forge manifest.
            if !looks_forge {
                return None;
            }
            let location = match e.location() {
                Some(l) => {
                    let doc = Doc::new(path, text);
                    let line = u32::try_from(l.line()).unwrap_or(1);
                    let mut loc = Location::file(path);
                    loc.region = Some(portcullis_core::Region::line(line));
                    loc.snippet = Some(doc.index.line_text(text, line).to_string());
                    loc
                }
                None => Location::file(path),
            };
            out.findings.push(finding(
                &rules::INVALID_YAML,
                None,
                format!("{path} is not valid YAML: {e}"),
                location,
            ));
            out.extension = Some(empty_extension(pkg, path, &Value::Null));
            return Some(out);
        }
    };
    if value.get("app").is_none() && value.get("modules").is_none() {
        return None;
    }
    let doc = Doc::new(path, text);
    let mut ext = empty_extension(pkg, path, &value);
    let declared = &mut ext.declared;

    let perms = value.get("permissions");
    // Scopes.
    match perms.and_then(|p| p.get("scopes")) {
        Some(Value::Array(scopes)) => {
            let from = doc.find("scopes:", 0).unwrap_or(0);
            // An entry is a scope name, or `{ key: <scope>, allowImpersonation: … }`.
            let names = scopes.iter().filter_map(|s| match s {
                Value::String(s) => Some(s.as_str()),
                Value::Object(o) => o.get("key").and_then(Value::as_str),
                _ => None,
            });
            for s in names {
                declared.add(
                    Capability::DataScope {
                        scope: s.to_string(),
                    },
                    doc.ev_text(s, from, "permissions.scopes"),
                );
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => out.findings.push(finding(
            &rules::INVALID_FIELD,
            None,
            "manifest.yml `permissions.scopes` must be a list of scope names",
            doc.find_loc("scopes:", 0),
        )),
    }

    // Remotes: key → base URL host.
    let remotes: Vec<(String, String)> = value
        .get("remotes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| {
                    Some((
                        r.get("key")?.as_str()?.to_string(),
                        r.get("baseUrl")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let remotes_off = doc.find("remotes:", 0).unwrap_or(0);
    for (key, base) in &remotes {
        if let Some(h) = host_pattern(base, &format!("remotes.{key}")) {
            declared.add(
                Capability::NetworkEgress {
                    channel: Channel::BackendHttp,
                    host: h,
                },
                doc.ev_text(base, remotes_off, "remotes.baseUrl"),
            );
        }
    }

    // External egress per channel.
    if let Some(ext_perms) = perms.and_then(|p| p.get("external")) {
        let ext_off = doc.find("external:", 0).unwrap_or(0);
        let lists: [(&str, Option<&Value>, Channel); 9] = [
            (
                "fetch.backend",
                ext_perms.pointer("/fetch/backend"),
                Channel::BackendHttp,
            ),
            (
                "fetch.client",
                ext_perms.pointer("/fetch/client"),
                Channel::ClientFetch,
            ),
            ("images", ext_perms.get("images"), Channel::Images),
            ("scripts", ext_perms.get("scripts"), Channel::Scripts),
            // The Custom UI CSP directives without a channel of their own in the core model
            // (a change proposed to core: Styles, Fonts, Frames, Media, Navigation). Until
            // then each takes the closest one, and the evidence names the exact list:
            // stylesheets are active content the page applies (as scripts are); fonts and
            // media are passive downloads (as images are); a frame is another origin's page
            // talking to its own server, and navigation sends the user's browser there
            // (as a fetch does). Forge enforces all of them as one client-side CSP, and the
            // checks group client channels the same way.
            ("styles", ext_perms.get("styles"), Channel::Scripts),
            ("fonts", ext_perms.get("fonts"), Channel::Images),
            ("media", ext_perms.get("media"), Channel::Images),
            ("frames", ext_perms.get("frames"), Channel::ClientFetch),
            (
                "navigation",
                ext_perms.get("navigation"),
                Channel::ClientFetch,
            ),
        ];
        for (name, list, channel) in lists {
            let Some(list) = list else { continue };
            let Some(items) = list.as_array() else {
                out.findings.push(finding(
                    &rules::INVALID_FIELD,
                    None,
                    format!("manifest.yml `permissions.external.{name}` must be a list"),
                    doc.find_loc(name.rsplit('.').next().unwrap_or(name), ext_off),
                ));
                continue;
            };
            let source = format!("permissions.external.{name}");
            for item in items {
                let (raw, needle) = match item {
                    Value::String(s) => (Some(s.clone()), s.clone()),
                    Value::Object(o) => {
                        if let Some(a) = o.get("address").and_then(Value::as_str) {
                            (Some(a.to_string()), a.to_string())
                        } else if let Some(r) = o.get("remote").and_then(Value::as_str) {
                            (
                                remotes.iter().find(|(k, _)| k == r).map(|(_, b)| b.clone()),
                                r.to_string(),
                            )
                        } else {
                            (None, String::new())
                        }
                    }
                    _ => (None, String::new()),
                };
                let Some(raw) = raw else { continue };
                if let Some(h) = host_pattern(&raw, &source) {
                    declared.add(
                        Capability::NetworkEgress { channel, host: h },
                        doc.ev_text(&needle, ext_off, &source),
                    );
                }
            }
        }
    }

    // Content security policy relaxations.
    if let Some(content) = perms.and_then(|p| p.get("content")) {
        let from = doc.find("content:", 0).unwrap_or(0);
        for kind in ["scripts", "styles"] {
            let items = content.get(kind).and_then(Value::as_array);
            for v in items.into_iter().flatten().filter_map(Value::as_str) {
                let (severity, what) = match v {
                    "unsafe-eval" => (Severity::High, "lets strings be evaluated as code"),
                    "unsafe-inline" if kind == "scripts" => (
                        Severity::High,
                        "allows inline scripts, disabling XSS protection",
                    ),
                    "unsafe-inline" | "unsafe-hashes" => (
                        Severity::Medium,
                        "allows inline content in the app's iframe",
                    ),
                    _ => continue,
                };
                out.findings.push(
                    finding(
                        &rules::UNSAFE_CSP,
                        Some(severity),
                        format!(
                            "manifest.yml `permissions.content.{kind}` contains `{v}`, which {what}"
                        ),
                        doc.find_loc(v, from),
                    )
                    .with_fingerprint_key(format!("{kind}:{v}")),
                );
            }
        }
    }

    // Modules.
    if let Some(modules) = value.get("modules").and_then(Value::as_object) {
        let mods_off = doc.find("modules:", 0).unwrap_or(0);
        for (mtype, items) in modules {
            let Some(items) = items.as_array() else {
                continue;
            };
            for item in items {
                let key = item.get("key").and_then(Value::as_str).unwrap_or(mtype);
                let ev = doc.ev_text(
                    &format!("key: {key}"),
                    mods_off,
                    &format!("modules.{mtype}"),
                );
                match mtype.as_str() {
                    "function" => {
                        let Some(handler) = item.get("handler").and_then(Value::as_str) else {
                            continue;
                        };
                        match handler_file(pkg, handler) {
                            Some(p) => ext.entry_points.push(p),
                            None => out.findings.push(finding(
                                &rules::MISSING_ENTRY_POINT,
                                None,
                                format!("Forge function `{key}` handler `{handler}` has no source file under src/"),
                                doc.find_loc(handler, mods_off),
                            )),
                        }
                    }
                    "webtrigger" => ext.declared.add(
                        Capability::Ingress {
                            kind: IngressKind::Webhook,
                            name: Some(format!("webtrigger {key}")),
                            // Web trigger URLs carry no authentication: anyone with the URL
                            // can call them.
                            authenticated: Some(false),
                        },
                        ev,
                    ),
                    "apiRoute" => ext.declared.add(
                        Capability::Ingress {
                            kind: IngressKind::HttpRoute,
                            name: Some(format!("apiRoute {key}")),
                            authenticated: None,
                        },
                        ev,
                    ),
                    "trigger" | "scheduledTrigger" => ext.declared.add(
                        Capability::Ingress {
                            kind: IngressKind::Trigger,
                            name: Some(format!("{mtype} {key}")),
                            authenticated: None,
                        },
                        ev,
                    ),
                    t if t.starts_with("rovo:") => ext.declared.add(
                        Capability::Ingress {
                            kind: IngressKind::AiTool,
                            name: Some(format!("{mtype} {key}")),
                            authenticated: None,
                        },
                        ev,
                    ),
                    t if item.get("resource").is_some() || t.contains(':') => ext.declared.add(
                        Capability::UiSurface {
                            kind: mtype.clone(),
                        },
                        ev,
                    ),
                    _ => {}
                }
            }
        }
    }
    out.extension = Some(ext);
    Some(out)
}

fn empty_extension(pkg: &Package, path: &str, value: &Value) -> Extension {
    let pj = crate::npm::PackageJson::load(pkg).and_then(Result::ok);
    let name = pj
        .as_ref()
        .and_then(|p| p.str_field("name").map(str::to_string))
        .or_else(|| {
            value
                .pointer("/app/id")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "(forge app)".to_string());
    Extension {
        platform: Platform::Forge,
        name,
        version: pj
            .as_ref()
            .and_then(|p| p.str_field("version").map(str::to_string)),
        description: pj
            .as_ref()
            .and_then(|p| p.str_field("description").map(str::to_string)),
        manifest_path: path.to_string(),
        entry_points: Vec::new(),
        declared: CapabilitySet::new(),
    }
}

/// `index.handler` → `src/index.{js,ts,jsx,tsx,mjs,cjs}`; `resolvers/main.run` →
/// `src/resolvers/main.*`.
fn handler_file(pkg: &Package, handler: &str) -> Option<String> {
    let module = handler.rsplit_once('.').map_or(handler, |(m, _)| m);
    let module = crate::util::join_rel("src", module)?;
    ["js", "ts", "jsx", "tsx", "mjs", "cjs"]
        .iter()
        .map(|ext| format!("{module}.{ext}"))
        .chain(std::iter::once(format!("{module}/index.js")))
        .chain(std::iter::once(format!("{module}/index.ts")))
        .find(|p| pkg.file(p).is_some())
}
