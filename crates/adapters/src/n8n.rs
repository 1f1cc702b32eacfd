//! n8n community nodes: `package.json` `n8n` section, node `description` objects, credential
//! classes, and n8n's community-node rules (no runtime dependencies, restricted imports and
//! globals, no credential reuse).
//!
//! Declared egress in n8n is implicit: `requestDefaults.baseURL`, absolute
//! `routing.request.url`s, the credential's `test.request` URL, URL-valued credential property
//! defaults and OAuth2 `authUrl`/`accessTokenUrl`. Expressions such as `={{$credentials.domain}}`
//! are user-configured hosts.

use crate::AdapterOutput;
use crate::js::{self, JsFacts, Spanned, Val};
use crate::npm::{PackageJson, normalize};
use crate::rules::{self, finding};
use crate::util::{Doc, HostRef, host_ref, is_secret_name, notice};
use portcullis_core::{
    Capability, CapabilitySet, Channel, Extension, FileKind, HostPattern, IngressKind, NoticeLevel,
    Package, Platform, Severity, SourceFile,
};
use serde_json::Value;
use std::collections::BTreeSet;

/// Modules n8n's `no-restricted-imports` community-node rule allows.
pub const ALLOWED_IMPORTS: &[&str] = &[
    "n8n-workflow",
    "lodash",
    "moment",
    "p-limit",
    "luxon",
    "zod",
    "crypto",
    "node:crypto",
];

/// Node built-ins that reach the OS: importing them is high severity.
const DANGEROUS_BUILTINS: &[&str] = &[
    "child_process",
    "fs",
    "fs/promises",
    "net",
    "tls",
    "dgram",
    "dns",
    "vm",
    "worker_threads",
    "cluster",
    "http",
    "https",
    "http2",
    "os",
    "process",
    "module",
    "v8",
    "inspector",
];

/// Credential types every n8n instance provides for generic HTTP auth; using them is not reuse.
pub const GENERIC_CREDENTIALS: &[&str] = &[
    "httpBasicAuth",
    "httpHeaderAuth",
    "httpQueryAuth",
    "httpDigestAuth",
    "httpCustomAuth",
    "httpBearerAuth",
    "oAuth1Api",
    "oAuth2Api",
];

/// Most script files examined for the platform rules.
const MAX_CODE_FILES: usize = 5_000;
/// Most nested `properties` levels searched for `routing`.
const MAX_ROUTING_DEPTH: usize = 8;

/// Recognises an n8n community node package (a `package.json` with an `n8n` section).
pub fn detect(pkg: &Package, pj: &PackageJson) -> Option<AdapterOutput> {
    let section = pj.value.get("n8n")?;
    let doc = pj.doc();
    let mut out = AdapterOutput::default();
    let mut declared = CapabilitySet::new();
    let mut entry_points = Vec::new();
    let section_off = doc.find("\"n8n\"", 0).unwrap_or(0);

    if !section.is_object() {
        out.findings.push(finding(
            &rules::INVALID_FIELD,
            None,
            "package.json `n8n` must be an object with `nodes` and `credentials` arrays",
            doc.find_loc("\"n8n\"", 0),
        ));
    }
    let list = |key: &str, out: &mut AdapterOutput| -> Vec<String> {
        match section.get(key) {
            None => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(_) => {
                out.findings.push(finding(
                    &rules::INVALID_FIELD,
                    None,
                    format!("package.json `n8n.{key}` must be an array of file paths"),
                    doc.find_loc(&format!("\"{key}\""), section_off),
                ));
                Vec::new()
            }
        }
    };
    let node_paths = list("nodes", &mut out);
    let cred_paths = list("credentials", &mut out);

    // Credential classes first: nodes are checked against the names they define.
    let mut defined_creds: BTreeSet<String> = BTreeSet::new();
    for path in &cred_paths {
        let Some(file) = resolve(pkg, path, &mut entry_points) else {
            out.findings.push(missing(&doc, path, section_off));
            continue;
        };
        if let Some(facts) = parse_file(file, &mut out) {
            let fdoc = Doc::of(file);
            if let Some(fdoc) = fdoc {
                credential_class(&fdoc, &facts, &mut declared, &mut defined_creds, &mut out);
            }
        }
    }
    for path in &node_paths {
        let Some(file) = resolve(pkg, path, &mut entry_points) else {
            out.findings.push(missing(&doc, path, section_off));
            continue;
        };
        if let Some(facts) = parse_file(file, &mut out)
            && let Some(fdoc) = Doc::of(file)
        {
            node_class(&fdoc, &facts, &mut declared, &defined_creds, &mut out);
        }
    }

    // Package-level community-node rules.
    let deps_off = doc.find("\"dependencies\"", 0).unwrap_or(0);
    for (name, range) in pj.dependencies() {
        out.findings.push(
            finding(
                &rules::NO_RUNTIME_DEPENDENCIES,
                None,
                format!(
                    "n8n community node declares the runtime dependency `{name}` ({range}); \
                     it will run inside n8n with access to every credential"
                ),
                doc.find_loc(&format!("\"{name}\""), deps_off),
            )
            .with_fingerprint_key(format!("dependency:{name}")),
        );
    }
    if !pj.keywords().contains(&"n8n-community-node-package") {
        out.findings.push(finding(
            &rules::MISSING_COMMUNITY_KEYWORD,
            None,
            "package.json `keywords` does not include `n8n-community-node-package`",
            doc.find_loc("\"keywords\"", 0),
        ));
    }
    code_rules(pkg, &mut out);

    out.extension = Some(Extension {
        platform: Platform::N8n,
        name: pj.name(),
        version: pj.str_field("version").map(str::to_string),
        description: pj.str_field("description").map(str::to_string),
        manifest_path: pj.path.clone(),
        entry_points,
        declared,
    });
    Some(out)
}

fn missing(doc: &Doc<'_>, path: &str, from: usize) -> portcullis_core::Finding {
    finding(
        &rules::MISSING_ENTRY_POINT,
        None,
        format!(
            "package.json `n8n` lists `{path}`, but neither it nor its TypeScript source is in the package"
        ),
        doc.find_loc(&format!("\"{path}\""), from),
    )
}

/// Finds the file a manifest path names, preferring its TypeScript source
/// (`dist/nodes/A/A.node.js` → `nodes/A/A.node.ts`), and records the entry points found.
fn resolve<'p>(
    pkg: &'p Package,
    path: &str,
    entry_points: &mut Vec<String>,
) -> Option<&'p SourceFile> {
    let path = normalize(path);
    let compiled = pkg.file(&path);
    if compiled.is_some() {
        entry_points.push(path.clone());
    }
    let stem = path.strip_prefix("dist/").unwrap_or(&path);
    let stem = stem.strip_suffix(".js").unwrap_or(stem);
    let source = [format!("{stem}.ts"), format!("src/{stem}.ts")]
        .into_iter()
        .find_map(|c| pkg.file(&c));
    if let Some(s) = source {
        entry_points.push(s.path.clone());
    }
    source.or(compiled)
}

fn parse_file(file: &SourceFile, out: &mut AdapterOutput) -> Option<JsFacts> {
    let text = file.text()?;
    let ts = file.kind == FileKind::TypeScript || file.path.ends_with(".ts");
    match js::parse(text, ts) {
        Ok(f) => Some(f),
        Err(reason) => {
            out.notices.push(portcullis_core::Notice::unanalysed(
                &file.path,
                format!(
                    "not analysed: could not read the n8n description in {}: {reason}",
                    file.path
                ),
            ));
            None
        }
    }
}

/// Maps a credential class (`name`, `properties`, `authenticate`, `test`, `extends`).
fn credential_class(
    doc: &Doc<'_>,
    facts: &JsFacts,
    declared: &mut CapabilitySet,
    defined: &mut BTreeSet<String>,
    out: &mut AdapterOutput,
) {
    let Some(name_val) = facts.named("name") else {
        return;
    };
    let Some(name) = name_val.as_str().map(str::to_string) else {
        return;
    };
    defined.insert(name.clone());
    let mut bound: Vec<HostPattern> = Vec::new();
    let mut add_host =
        |raw: &str, field: &str, at: &Spanned, source: &str, declared: &mut CapabilitySet| {
            if let Some(HostRef::Pattern(p)) = host_ref(raw, field) {
                declared.add(
                    Capability::NetworkEgress {
                        channel: Channel::BackendHttp,
                        host: p.clone(),
                    },
                    doc.ev(at.start as usize, source),
                );
                if !bound.contains(&p) {
                    bound.push(p);
                }
            }
        };
    let mut secret_fields = Vec::new();
    let mut oauth_scopes: Vec<(String, u32)> = Vec::new();
    let is_oauth2 = facts.named("extends").is_some_and(|e| {
        e.strings()
            .iter()
            .any(|s| s.to_ascii_lowercase().contains("oauth2"))
    });
    if let Some(props) = facts.named("properties") {
        for p in props.as_array() {
            let Some(pname) = p.get("name").and_then(Spanned::as_str) else {
                continue;
            };
            let ptype = p.get("type").and_then(Spanned::as_str).unwrap_or("");
            let password = p.path("typeOptions.password").and_then(Spanned::as_bool) == Some(true);
            let default = p.get("default");
            if password {
                secret_fields.push(pname.to_string());
            } else if is_secret_name(pname)
                && !matches!(
                    ptype,
                    "hidden" | "options" | "boolean" | "number" | "notice"
                )
            {
                out.findings.push(
                    finding(
                        &rules::CREDENTIAL_PASSWORD_FIELD,
                        None,
                        format!(
                            "credential `{name}` field `{pname}` looks secret but is not marked \
                             `typeOptions: {{ password: true }}`"
                        ),
                        doc.loc(p.start as usize),
                    )
                    .with_fingerprint_key(format!("{name}.{pname}")),
                );
            }
            let lname = pname.to_ascii_lowercase();
            if let Some(d) = default
                && let Some(s) = d.as_str()
            {
                let urlish = lname.ends_with("url")
                    || lname.ends_with("uri")
                    || lname.ends_with("host")
                    || lname.ends_with("domain")
                    || lname.ends_with("server")
                    || lname.ends_with("endpoint");
                if urlish && (s.contains("://") || s.starts_with('=')) {
                    add_host(
                        s,
                        &format!("credentials.{pname}"),
                        d,
                        "n8n.credential.property-default",
                        declared,
                    );
                    if ptype != "hidden" {
                        // The user can point the credential elsewhere.
                        declared.add(
                            Capability::NetworkEgress {
                                channel: Channel::BackendHttp,
                                host: HostPattern::UserConfigured(format!("credentials.{pname}")),
                            },
                            doc.ev(d.start as usize, "n8n.credential.property"),
                        );
                    }
                }
                if lname == "scope" && !s.is_empty() {
                    for sc in s.split([' ', ',']).filter(|x| !x.is_empty()) {
                        oauth_scopes.push((sc.to_string(), d.start));
                    }
                }
            }
        }
    }
    let mut injection: Vec<String> = Vec::new();
    if let Some(auth) = facts.named("authenticate") {
        let props = auth.get("properties").unwrap_or(auth);
        for (part, label) in [
            ("headers", "header"),
            ("qs", "query"),
            ("body", "body"),
            ("auth", "basic-auth"),
        ] {
            if let Some(v) = props.get(part) {
                if part == "auth" || part == "body" {
                    injection.push(label.to_string());
                } else {
                    for (k, _) in v.entries() {
                        injection.push(format!("{label}:{k}"));
                    }
                }
            }
        }
        if matches!(auth.val, Val::Function) {
            injection.push("custom".to_string());
        }
    }
    if is_oauth2 {
        injection.push("oauth2".to_string());
    }
    if let Some(test) = facts.named("test") {
        let req = test.get("request").unwrap_or(test);
        let base = req.get("baseURL");
        for (key, v) in [("baseURL", base), ("url", req.get("url"))] {
            if let Some(v) = v
                && let Some(s) = v.as_str()
            {
                add_host(
                    s,
                    &format!("credentials.test.{key}"),
                    v,
                    "n8n.credential.test.request",
                    declared,
                );
            }
        }
    }
    for (scope, at) in oauth_scopes {
        declared.add(
            Capability::DataScope {
                scope: format!("oauth2:{scope}"),
            },
            doc.ev(at as usize, "n8n.credential.scope"),
        );
    }
    declared.add(
        Capability::Credential {
            name: name.clone(),
            secret_fields,
            bound_hosts: bound,
            injection: (!injection.is_empty()).then(|| injection.join(", ")),
        },
        doc.ev(name_val.start as usize, "n8n.credentials"),
    );
}

/// Maps a node class's `description`.
fn node_class(
    doc: &Doc<'_>,
    facts: &JsFacts,
    declared: &mut CapabilitySet,
    defined: &BTreeSet<String>,
    out: &mut AdapterOutput,
) {
    let Some(desc) = facts.named("description") else {
        out.notices.push(notice(
            NoticeLevel::Info,
            doc.path,
            format!("no static `description` object found in {}", doc.path),
        ));
        return;
    };
    let node_name = desc
        .get("name")
        .and_then(Spanned::as_str)
        .unwrap_or("node")
        .to_string();
    for c in desc
        .get("credentials")
        .map(Spanned::as_array)
        .unwrap_or(&[])
    {
        let Some(cname) = c.get("name").and_then(Spanned::as_str) else {
            continue;
        };
        if !defined.contains(cname) {
            if GENERIC_CREDENTIALS.contains(&cname) {
                declared.add(
                    Capability::Credential {
                        name: cname.to_string(),
                        secret_fields: Vec::new(),
                        bound_hosts: Vec::new(),
                        injection: None,
                    },
                    doc.ev(c.start as usize, "n8n.node.credentials"),
                );
            } else {
                out.findings.push(
                    finding(
                        &rules::CREDENTIAL_REUSE,
                        None,
                        format!(
                            "node `{node_name}` uses credential type `{cname}`, which this package \
                             does not define: it would receive another integration's secrets"
                        ),
                        doc.loc(c.start as usize),
                    )
                    .with_fingerprint_key(format!("{node_name}:{cname}")),
                );
            }
        }
    }
    if let Some(b) = desc.path("requestDefaults.baseURL") {
        declare_url(
            doc,
            declared,
            b,
            "requestDefaults.baseURL",
            "n8n.node.requestDefaults.baseURL",
        );
    }
    if let Some(props) = desc.get("properties") {
        let mut budget = 10_000usize;
        routing_urls(doc, declared, props, 0, &mut budget);
        secret_parameters(doc, &node_name, props, out);
    }
    let class_methods: Vec<&str> = facts
        .classes
        .iter()
        .flat_map(|c| c.methods.iter().map(String::as_str))
        .collect();
    let is_trigger = desc
        .get("group")
        .is_some_and(|g| g.strings().contains(&"trigger"))
        || class_methods.contains(&"trigger");
    if is_trigger {
        declared.add(
            Capability::Ingress {
                kind: IngressKind::Trigger,
                name: Some(node_name.clone()),
                authenticated: None,
            },
            doc.ev(desc.start as usize, "n8n.node.group"),
        );
    }
    for w in desc.get("webhooks").map(Spanned::as_array).unwrap_or(&[]) {
        let method = w
            .get("httpMethod")
            .and_then(Spanned::as_str)
            .unwrap_or("POST");
        let path = w.get("path").and_then(Spanned::as_str).unwrap_or("webhook");
        declared.add(
            Capability::Ingress {
                kind: IngressKind::Webhook,
                name: Some(format!("{node_name}: {method} {path}")),
                authenticated: None,
            },
            doc.ev(w.start as usize, "n8n.node.webhooks"),
        );
    }
    let polling = desc.get("polling").and_then(Spanned::as_bool) == Some(true)
        || class_methods.contains(&"poll");
    if polling {
        declared.add(
            Capability::Ingress {
                kind: IngressKind::Polling,
                name: Some(node_name.clone()),
                authenticated: None,
            },
            doc.ev(
                desc.get("polling").map_or(desc.start, |p| p.start) as usize,
                "n8n.node.polling",
            ),
        );
    }
    if let Some(t) = desc.get("usableAsTool")
        && t.as_bool() == Some(true)
    {
        declared.add(
            Capability::Ingress {
                kind: IngressKind::AiTool,
                name: Some(node_name.clone()),
                authenticated: None,
            },
            doc.ev(t.start as usize, "n8n.node.usableAsTool"),
        );
    }
}

fn declare_url(
    doc: &Doc<'_>,
    declared: &mut CapabilitySet,
    v: &Spanned,
    field: &str,
    source: &str,
) {
    let raw = match &v.val {
        Val::Str(s) | Val::Template(s) => s.clone(),
        Val::Path(p) => format!("${{{p}}}"),
        _ => return,
    };
    if let Some(HostRef::Pattern(p)) = host_ref(&raw, field) {
        declared.add(
            Capability::NetworkEgress {
                channel: Channel::BackendHttp,
                host: p,
            },
            doc.ev(v.start as usize, source),
        );
    }
}

/// Declarative-style nodes: `properties[].routing.request.{url,baseURL}` and
/// `options[].routing…`, searched recursively (bounded).
fn routing_urls(
    doc: &Doc<'_>,
    declared: &mut CapabilitySet,
    v: &Spanned,
    depth: usize,
    budget: &mut usize,
) {
    if depth > MAX_ROUTING_DEPTH || *budget == 0 {
        return;
    }
    *budget -= 1;
    match &v.val {
        Val::Array(items) => {
            for i in items {
                routing_urls(doc, declared, i, depth + 1, budget);
            }
        }
        Val::Object(props) => {
            if let Some(req) = v.path("routing.request") {
                for key in ["baseURL", "url"] {
                    if let Some(u) = req.get(key) {
                        declare_url(
                            doc,
                            declared,
                            u,
                            "routing.request.url",
                            "n8n.node.routing.request",
                        );
                    }
                }
            }
            for (k, child) in props {
                if matches!(k.as_str(), "options" | "values" | "properties") {
                    routing_urls(doc, declared, child, depth + 1, budget);
                }
            }
        }
        _ => {}
    }
}

/// Node parameters that hold secrets (saved in clear text in the workflow). Only top-level
/// `properties` and one level of `collection`/`fixedCollection` options are examined.
fn secret_parameters(doc: &Doc<'_>, node: &str, props: &Spanned, out: &mut AdapterOutput) {
    let mut stack: Vec<(&Spanned, usize)> = props.as_array().iter().map(|p| (p, 0)).collect();
    let mut seen = BTreeSet::new();
    while let Some((p, depth)) = stack.pop() {
        if depth < 2 {
            for key in ["options", "values"] {
                stack.extend(
                    p.get(key)
                        .map(Spanned::as_array)
                        .unwrap_or(&[])
                        .iter()
                        .map(|c| (c, depth + 1)),
                );
            }
        }
        let (Some(name), Some(ty)) = (
            p.get("name").and_then(Spanned::as_str),
            p.get("type").and_then(Spanned::as_str),
        ) else {
            continue;
        };
        let password = p.path("typeOptions.password").and_then(Spanned::as_bool) == Some(true);
        if ty != "string" || password || !is_secret_name(name) || !seen.insert(name.to_string()) {
            continue;
        }
        out.findings.push(
            finding(
                &rules::SECRET_NODE_PARAMETER,
                None,
                format!(
                    "node `{node}` takes `{name}` as a plain parameter: it is saved in clear text \
                     in the workflow and exported with it"
                ),
                doc.loc(p.start as usize),
            )
            .with_fingerprint_key(format!("{node}.{name}")),
        );
    }
}

/// `lodash/get` → `lodash`, `@scope/pkg/x` → `@scope/pkg`.
fn base_module(m: &str) -> &str {
    let mut parts = m.splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(scope), Some(name)) if scope.starts_with('@') => &m[..scope.len() + 1 + name.len()],
        (Some(first), _) => first,
        _ => m,
    }
}

/// n8n's `no-restricted-imports` and `no-restricted-globals` over the package's code: the
/// TypeScript sources when present, else the compiled JS.
fn code_rules(pkg: &Package, out: &mut AdapterOutput) {
    let candidates: Vec<&SourceFile> = pkg
        .files
        .iter()
        .filter(|f| {
            f.kind.is_script()
                && !f.path.starts_with("node_modules/")
                && !f.path.contains("/node_modules/")
                && !f.is_test_or_example()
        })
        .collect();
    let has_ts = candidates.iter().any(|f| f.kind == FileKind::TypeScript);
    let files: Vec<&SourceFile> = candidates
        .into_iter()
        .filter(|f| (f.kind == FileKind::TypeScript) == has_ts)
        .filter(|f| {
            !f.path.ends_with(".config.js")
                && !f.path.ends_with(".config.ts")
                && !f.path.starts_with("gulpfile")
        })
        .take(MAX_CODE_FILES)
        .collect();
    for file in files {
        let Some(text) = file.text() else { continue };
        let Ok(facts) = js::parse(text, has_ts) else {
            continue;
        };
        let doc = Doc::new(&file.path, text);
        let mut reported = BTreeSet::new();
        for imp in facts.imports.iter().filter(|i| !i.type_only) {
            let m = imp.module.as_str();
            if m.starts_with('.') || m.starts_with('/') {
                continue;
            }
            let base = base_module(m);
            if ALLOWED_IMPORTS.contains(&m) || ALLOWED_IMPORTS.contains(&base) {
                continue;
            }
            // One finding per module per file (`@scope/sdk/a.js`, `@scope/sdk/b.js` → one).
            if !reported.insert(base.to_string()) {
                continue;
            }
            let builtin = m.strip_prefix("node:").unwrap_or(m);
            let dangerous = DANGEROUS_BUILTINS.contains(&builtin)
                || DANGEROUS_BUILTINS.contains(&base_module(builtin));
            out.findings.push(
                finding(
                    &rules::RESTRICTED_IMPORT,
                    Some(if dangerous {
                        Severity::High
                    } else {
                        Severity::Medium
                    }),
                    format!("n8n community node imports `{m}`, which is not on n8n's allow-list"),
                    doc.loc(imp.start as usize),
                )
                .with_fingerprint_key(format!("import:{base}")),
            );
        }
        for &at in &facts.dynamic_imports {
            out.findings.push(
                finding(
                    &rules::RESTRICTED_IMPORT,
                    Some(Severity::High),
                    "n8n community node loads a module whose name is computed at run time",
                    doc.loc(at as usize),
                )
                .with_fingerprint_key("import:<dynamic>"),
            );
        }
        let mut seen = BTreeSet::new();
        for (name, at) in &facts.globals {
            if !seen.insert(name.clone()) {
                continue;
            }
            let severity = match name.as_str() {
                "eval" | "Function" => Severity::High,
                "process" => Severity::Medium,
                _ => Severity::Low,
            };
            let count = facts.globals.iter().filter(|(n, _)| n == name).count();
            out.findings.push(
                finding(
                    &rules::RESTRICTED_GLOBAL,
                    Some(severity),
                    format!("n8n community node uses the restricted global `{name}` ({count} use(s) in this file)"),
                    doc.loc(*at as usize),
                )
                .with_fingerprint_key(format!("global:{name}"))
                .with_property("uses", count),
            );
        }
    }
}
