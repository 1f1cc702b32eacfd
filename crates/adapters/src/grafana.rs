//! Grafana plugins: `plugin.json` — proxy `routes` (hosts, injected secrets, access roles),
//! `iam.permissions`, `backend`/`executable` — and the signed `MANIFEST.txt`, whose SHA-256
//! hashes are recomputed against the files.

use crate::AdapterOutput;
use crate::npm::{PackageJson, parse_json};
use crate::rules::{self, finding};
use crate::util::{Doc, dir_of, host_pattern, is_secret_name, join_rel};
use portcullis_core::{
    Capability, CapabilitySet, Channel, Extension, HostPattern, Location, Package, Platform,
    Severity,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Most MANIFEST.txt entries checked, and most unlisted files reported.
const MAX_MANIFEST_FILES: usize = 20_000;
const MAX_UNLISTED_REPORTED: usize = 100;

/// Recognises a Grafana plugin: a `plugin.json` (at most two directories deep) with `id` and
/// `type`. The built `dist/` copy wins over the source copy.
pub fn detect(pkg: &Package, pj: Option<&PackageJson>) -> Option<AdapterOutput> {
    let mut candidates: Vec<&portcullis_core::SourceFile> = pkg
        .files
        .iter()
        .filter(|f| f.name() == "plugin.json" && f.path.matches('/').count() <= 2)
        .filter(|f| !f.path.contains("node_modules/"))
        .collect();
    candidates.sort_by_key(|f| (!f.path.starts_with("dist/"), f.path.matches('/').count()));
    let mut broken = None;
    let found = candidates.into_iter().find_map(|f| {
        let text = f.text()?;
        match parse_json(&f.path, text) {
            Ok(v) => (v.get("id").is_some() && v.get("type").is_some()).then_some((f, v)),
            Err(finding) => {
                broken.get_or_insert(finding);
                None
            }
        }
    });
    let Some((file, value)) = found else {
        // A plugin.json that does not parse: report it, let the other adapters run.
        return broken.map(|f| AdapterOutput {
            findings: vec![*f],
            ..AdapterOutput::default()
        });
    };
    let path = file.path.as_str();
    let text = file.text().unwrap_or("");
    let doc = Doc::new(path, text);
    let dir = dir_of(path);
    let mut out = AdapterOutput::default();
    let mut declared = CapabilitySet::new();
    let mut entry_points = Vec::new();

    let id = value
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("(grafana plugin)");
    for module in ["module.js", "module.ts", "module.tsx"] {
        if let Some(p) = join_rel(dir, module)
            && pkg.file(&p).is_some()
        {
            entry_points.push(p);
        }
    }

    // Routes.
    let routes_off = doc.find("\"routes\"", 0).unwrap_or(0);
    for route in value
        .get("routes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let rpath = route.get("path").and_then(Value::as_str).unwrap_or("");
        let at = doc
            .find(&format!("\"{rpath}\""), routes_off)
            .unwrap_or(routes_off);
        let ev = |source: &str| doc.ev(at, source);
        let mut hosts: Vec<HostPattern> = Vec::new();
        for (key, url) in [
            ("url", route.get("url")),
            ("tokenAuth.url", route.pointer("/tokenAuth/url")),
            ("jwtTokenAuth.url", route.pointer("/jwtTokenAuth/url")),
        ] {
            if let Some(h) = url
                .and_then(Value::as_str)
                .and_then(|u| host_pattern(u, "jsonData.url"))
            {
                declared.add(
                    Capability::NetworkEgress {
                        channel: Channel::BackendHttp,
                        host: h.clone(),
                    },
                    ev(&format!("routes.{key}")),
                );
                if !hosts.contains(&h) {
                    hosts.push(h);
                }
            }
        }
        let mut secret_fields = BTreeSet::new();
        let mut injection = Vec::new();
        let mut templated: Vec<(String, String)> = Vec::new();
        for (list, label) in [("headers", "header"), ("urlParams", "query")] {
            for h in route
                .get(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = h.get("name").and_then(Value::as_str).unwrap_or("");
                let content = h.get("content").and_then(Value::as_str).unwrap_or("");
                templated.push((format!("{label}:{name}"), content.to_string()));
            }
        }
        for auth in ["tokenAuth", "jwtTokenAuth"] {
            if let Some(params) = route
                .pointer(&format!("/{auth}/params"))
                .and_then(Value::as_object)
            {
                for (k, v) in params {
                    templated.push((format!("{auth}:{k}"), v.as_str().unwrap_or("").to_string()));
                }
                for s in route
                    .pointer(&format!("/{auth}/scopes"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    declared.add(
                        Capability::DataScope {
                            scope: format!("oauth2:{s}"),
                        },
                        ev(&format!("routes.{auth}.scopes")),
                    );
                }
            }
        }
        if let Some(body) = route.get("body") {
            templated.push(("body".to_string(), body.to_string()));
        }
        for (inj, content) in &templated {
            for field in template_fields(content, ".SecureJsonData.") {
                secret_fields.insert(field);
                injection.push(inj.clone());
            }
            for field in template_fields(content, ".JsonData.") {
                if is_secret_name(&field) {
                    out.findings.push(
                        finding(
                            &rules::SECRET_IN_JSON_DATA,
                            None,
                            format!("route `{rpath}` injects `{{{{ .JsonData.{field} }}}}` ({inj}), a secret stored unencrypted in jsonData"),
                            doc.find_loc(&format!(".JsonData.{field}"), routes_off),
                        )
                        .with_fingerprint_key(format!("{rpath}:{field}")),
                    );
                }
            }
        }
        if !secret_fields.is_empty() {
            injection.dedup();
            declared.add(
                Capability::Credential {
                    name: format!("route:{rpath}"),
                    secret_fields: secret_fields.into_iter().collect(),
                    bound_hosts: hosts.clone(),
                    injection: Some(injection.join(", ")),
                },
                ev("routes"),
            );
        }
        if route.get("reqRole").is_none() && route.get("reqAction").is_none() {
            let severity = if templated.iter().any(|(_, c)| c.contains("SecureJsonData")) {
                Severity::Medium
            } else {
                Severity::Low
            };
            out.findings.push(
                finding(
                    &rules::ROUTE_WITHOUT_ROLE,
                    Some(severity),
                    format!("proxy route `{rpath}` has neither `reqRole` nor `reqAction`: any viewer can call it"),
                    doc.loc(at),
                )
                .with_fingerprint_key(format!("route:{rpath}")),
            );
        }
    }

    // IAM permissions of the plugin's service account.
    let iam_off = doc.find("\"iam\"", 0).unwrap_or(0);
    for p in value
        .pointer("/iam/permissions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(action) = p.get("action").and_then(Value::as_str) else {
            continue;
        };
        let scope = match p.get("scope").and_then(Value::as_str) {
            Some(s) => format!("{action} on {s}"),
            None => action.to_string(),
        };
        declared.add(
            Capability::DataScope { scope },
            doc.ev_text(action, iam_off, "iam.permissions"),
        );
    }

    // Backend: a native executable Grafana starts as a separate process.
    if value.get("backend").and_then(Value::as_bool) == Some(true) {
        let exe = value
            .get("executable")
            .and_then(Value::as_str)
            .unwrap_or("gpx_plugin");
        declared.add(
            Capability::NativeModule {
                name: exe.to_string(),
            },
            doc.ev_text("\"backend\"", 0, "backend"),
        );
        let prefix = join_rel(dir, exe).unwrap_or_default();
        entry_points.extend(
            pkg.files
                .iter()
                .filter(|f| !prefix.is_empty() && f.path.starts_with(&prefix))
                .map(|f| f.path.clone()),
        );
    }
    for inc in value
        .get("includes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(t) = inc.get("type").and_then(Value::as_str)
            && matches!(t, "page" | "panel" | "datasource")
        {
            declared.add(
                Capability::UiSurface {
                    kind: format!("grafana:{t}"),
                },
                doc.ev_text("\"includes\"", 0, "includes"),
            );
        }
    }

    manifest_txt(pkg, dir, &mut out);

    let version = value
        .pointer("/info/version")
        .and_then(Value::as_str)
        .filter(|v| !v.contains('%'))
        .map(str::to_string)
        .or_else(|| pj.and_then(|p| p.str_field("version")).map(str::to_string));
    out.extension = Some(Extension {
        platform: Platform::Grafana,
        name: id.to_string(),
        version,
        description: value
            .pointer("/info/description")
            .and_then(Value::as_str)
            .map(str::to_string),
        manifest_path: path.to_string(),
        entry_points,
        declared,
    });
    Some(out)
}

/// Field names used in Go templates: `Bearer {{ .SecureJsonData.apiKey }}` → `apiKey`.
fn template_fields(content: &str, marker: &str) -> Vec<String> {
    content
        .match_indices(marker)
        .filter_map(|(i, _)| {
            let name: String = content[i + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// Checks `MANIFEST.txt` next to plugin.json: every listed file exists with the listed SHA-256,
/// and no file in the plugin directory is missing from the list.
fn manifest_txt(pkg: &Package, dir: &str, out: &mut AdapterOutput) {
    let Some(mpath) = join_rel(dir, "MANIFEST.txt") else {
        return;
    };
    let Some(mfile) = pkg.file(&mpath) else {
        return;
    };
    let Some(text) = mfile.text() else { return };
    let end = text
        .find("-----BEGIN PGP SIGNATURE-----")
        .unwrap_or(text.len());
    let body = &text[..end];
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) if b > a => &body[a..=b],
        _ => {
            out.findings.push(finding(
                &rules::INVALID_JSON,
                None,
                format!("{mpath} holds no JSON manifest body"),
                Location::file(&mpath),
            ));
            return;
        }
    };
    let value: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => {
            out.findings.push(finding(
                &rules::INVALID_JSON,
                None,
                format!("{mpath}: signed manifest body is not valid JSON: {e}"),
                Location::file(&mpath),
            ));
            return;
        }
    };
    let Some(files) = value.get("files").and_then(Value::as_object) else {
        return;
    };
    let doc = Doc::new(&mpath, text);
    let mut listed = BTreeSet::new();
    for (rel, hash) in files.iter().take(MAX_MANIFEST_FILES) {
        let Some(full) = join_rel(dir, rel) else {
            continue;
        };
        listed.insert(full.clone());
        let expected = hash.as_str().unwrap_or("").to_ascii_lowercase();
        let loc = doc.find_loc(&format!("\"{rel}\""), 0);
        match pkg.file(&full) {
            None => out.findings.push(
                finding(
                    &rules::MANIFEST_HASH_MISMATCH,
                    Some(Severity::Medium),
                    format!("MANIFEST.txt lists `{rel}`, which is not in the plugin"),
                    loc,
                )
                .with_fingerprint_key(format!("missing:{rel}")),
            ),
            Some(f) => {
                let actual = hex::encode(Sha256::digest(&f.bytes));
                if actual != expected {
                    out.findings.push(
                        finding(
                            &rules::MANIFEST_HASH_MISMATCH,
                            None,
                            format!("`{rel}` does not match its signed SHA-256 in MANIFEST.txt: the file was changed after signing"),
                            loc,
                        )
                        .with_fingerprint_key(format!("hash:{rel}"))
                        .with_property("expected_sha256", expected)
                        .with_property("actual_sha256", actual),
                    );
                }
            }
        }
    }
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let unlisted: Vec<&str> = pkg
        .files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.starts_with(&prefix) && *p != mpath && !listed.contains(*p))
        .collect();
    for p in unlisted.iter().take(MAX_UNLISTED_REPORTED) {
        out.findings.push(
            finding(
                &rules::UNSIGNED_FILE,
                None,
                format!(
                    "`{p}` is in the plugin directory but not covered by the signed MANIFEST.txt"
                ),
                Location::file(*p),
            )
            .with_fingerprint_key(format!("unsigned:{p}")),
        );
    }
}
