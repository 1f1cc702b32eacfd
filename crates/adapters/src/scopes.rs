//! Which platform scopes and features an extension's code needs, inferred from the calls it
//! makes — the observed side of "declared but unused" and "used but undeclared" scopes.
//!
//! * **Forge**: `requestJira` / `requestConfluence` / `requestBitbucket` (from `@forge/api`,
//!   through `asUser()` / `asApp()`, or from `@forge/bridge` in UI code) with a literal route
//!   and HTTP method → the scopes Atlassian's REST docs require, looked up in a data table
//!   (`data/forge-scopes.toml`); the App storage API, the Properties API and async events →
//!   their scopes; `trigger` modules' product events → theirs.
//! * **PCF**: `context.webAPI.*` → feature `WebAPI`, `context.device.<method>` →
//!   `Device.<method>`, `context.utils.*` → `Utility` (the names `<uses-feature>` declares).
//!
//! Each use becomes an observed [`Capability::DataScope`] with evidence (file, line).
//! Inference is conservative: a call whose route, method or receiver cannot be resolved
//! statically (a non-literal path prefix, an options object built elsewhere, a route the table
//! does not list, the API passed around as a value) records [`unresolved`] for its product
//! (`jira:*`, `Device.*`), which covers every declared scope of that product, so nothing of it
//! is called unused. Grafana `iam.permissions` are not inferred (they name Grafana's RBAC
//! actions, which backend Go code and `getBackendSrv` URLs reach only indirectly).

use crate::js::{self, JsFacts, Spanned, Val};
use crate::util::Doc;
use portcullis_core::{
    Analyzer, Capability, CapabilitySet, Context, Evidence, FileKind, Output, Platform, RuleMeta,
    SourceFile,
};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

const TABLE: &str = include_str!("../data/forge-scopes.toml");

/// Evidence sources of inferred scopes.
pub const SOURCE_ROUTE: &str = "scope-inference/forge-route";
pub const SOURCE_API: &str = "scope-inference/forge-api";
pub const SOURCE_EVENT: &str = "scope-inference/forge-event";
pub const SOURCE_PCF: &str = "scope-inference/pcf-context";
/// A use whose exact scope could not be resolved.
pub const SOURCE_UNRESOLVED: &str = "scope-inference/unresolved";

/// The Forge products whose REST APIs an app calls through `request<Product>`.
const PRODUCTS: &[(&str, &str)] = &[
    ("requestJira", "jira"),
    ("requestConfluence", "confluence"),
    ("requestBitbucket", "bitbucket"),
];

/// PCF `context.device` methods, each gated by `Device.<method>` (PCF manifest reference,
/// `feature-usage`).
const PCF_DEVICE_METHODS: &[&str] = &[
    "captureAudio",
    "captureImage",
    "captureVideo",
    "getBarcodeValue",
    "getCurrentPosition",
    "pickFile",
];

/// The observed scope that stands for "some scope of `product`, not resolved statically":
/// `jira:*` for Forge products, `Device.*` for PCF device features.
pub fn unresolved(product: &str) -> String {
    if product == "Device" {
        "Device.*".to_string()
    } else {
        format!("{product}:*")
    }
}

#[derive(Debug, Deserialize)]
struct Table {
    #[serde(default)]
    route: Vec<Route>,
    #[serde(default)]
    api: Vec<Api>,
    #[serde(default)]
    event: Vec<Event>,
}

#[derive(Debug, Deserialize)]
struct Route {
    product: String,
    path: String,
    methods: Vec<String>,
    scopes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Api {
    modules: Vec<String>,
    calls: Vec<String>,
    scopes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Event {
    events: Vec<String>,
    scopes: Vec<String>,
}

/// The parsed table. It ships with the crate and a unit test parses it, so an error is a
/// build defect; it degrades to an empty table (everything unresolved) instead of panicking.
fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        toml::from_str(TABLE).unwrap_or(Table {
            route: Vec::new(),
            api: Vec::new(),
            event: Vec::new(),
        })
    })
}

/// Whether code analysis can tell if `scope`, declared by a `platform` extension, is used:
/// the scope is one the inference tables produce. Other declared scopes (`read:app-system-token`,
/// granular scopes, PCF connectors) are never judged unused.
pub fn inferable(platform: Platform, scope: &str) -> bool {
    match platform {
        Platform::Forge => {
            static V: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
            V.get_or_init(|| {
                let t = table();
                t.route
                    .iter()
                    .flat_map(|r| &r.scopes)
                    .chain(t.api.iter().flat_map(|a| &a.scopes))
                    .chain(t.event.iter().flat_map(|e| &e.scopes))
                    .map(String::as_str)
                    .collect()
            })
            .contains(scope)
        }
        Platform::PowerAppsPcf => {
            scope == "WebAPI"
                || scope == "Utility"
                || scope
                    .strip_prefix("Device.")
                    .is_some_and(|m| PCF_DEVICE_METHODS.contains(&m))
        }
        _ => false,
    }
}

/// The scopes a Forge `request<Product>` call needs, `None` when the table has no row for it.
/// `path` is the evaluated route (`${}` for substitutions), `method` upper-case.
pub fn route_scopes(product: &str, method: &str, path: &str) -> Option<&'static [String]> {
    let segs = path_segments(path)?;
    let mut best: Option<(&Route, (usize, usize))> = None;
    for r in table().route.iter().filter(|r| r.product == product) {
        if !r.methods.iter().any(|m| m == method) {
            continue;
        }
        let Some(score) = pattern_match(&r.path, &segs) else {
            continue;
        };
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((r, score));
        }
    }
    best.map(|(r, _)| r.scopes.as_slice())
}

/// The route's path segments (query dropped, `/rest/api/2|latest` read as `3`); `None` when
/// the path does not start with a literal `/` (its prefix is computed).
fn path_segments(path: &str) -> Option<Vec<&str>> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let rest = path.strip_prefix('/')?;
    let mut segs: Vec<&str> = rest.split('/').collect();
    if segs.last() == Some(&"") {
        segs.pop();
    }
    if segs.len() > 2 && segs[0] == "rest" && segs[1] == "api" && matches!(segs[2], "2" | "latest")
    {
        segs[2] = "3";
    }
    Some(segs)
}

/// Matches a table pattern against path segments: (segment count, literal segments) as the
/// specificity score, `None` when it does not match. A code segment containing `${}` matches
/// only `*` (or `**`).
fn pattern_match(pattern: &str, segs: &[&str]) -> Option<(usize, usize)> {
    let pat: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let (fixed, open) = match pat.split_last() {
        Some((&"**", head)) => (head, true),
        _ => (&pat[..], false),
    };
    if segs.len() < fixed.len() || (!open && segs.len() != fixed.len()) {
        return None;
    }
    let mut literal = 0;
    for (p, s) in fixed.iter().zip(segs) {
        if *p == "*" {
            continue;
        }
        if s.contains("${}") || p != s {
            return None;
        }
        literal += 1;
    }
    Some((fixed.len(), literal))
}

/// A glob with `*` for any text.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, p) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(p);
        }
        match rest.find(p) {
            Some(at) => rest = &rest[at + p.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// The analyzer: observed scopes and features for Forge and PCF extensions. It reports no
/// findings itself; `capability/unused-declaration` and `capability/undeclared-scope` compare
/// its output with the manifest.
#[derive(Debug, Default, Clone, Copy)]
pub struct ScopeAnalyzer;

impl ScopeAnalyzer {
    pub fn new() -> Self {
        ScopeAnalyzer
    }
}

impl Analyzer for ScopeAnalyzer {
    fn name(&self) -> &'static str {
        "scope-inference"
    }

    fn rules(&self) -> Vec<RuleMeta> {
        Vec::new()
    }

    fn wants(&self, file: &SourceFile) -> bool {
        matches!(file.kind, FileKind::JavaScript | FileKind::TypeScript)
            && !file.path.split('/').any(|s| s == "node_modules")
    }

    fn analyze_file(&self, file: &SourceFile, cx: &Context<'_>) -> Output {
        let mut out = Output::default();
        let Some(text) = file.text() else {
            return out;
        };
        match cx.extension.map(|e| e.platform) {
            Some(Platform::Forge) => forge_file(&file.path, text, &mut out.observed),
            Some(Platform::PowerAppsPcf) => pcf_file(&file.path, text, &mut out.observed),
            _ => {}
        }
        out
    }

    fn analyze_package(&self, cx: &Context<'_>) -> Output {
        let mut out = Output::default();
        if cx.extension.map(|e| e.platform) == Some(Platform::Forge) {
            forge_events(cx.package, &mut out.observed);
        }
        out
    }
}

struct Sink<'a> {
    doc: Doc<'a>,
    set: &'a mut CapabilitySet,
}

impl Sink<'_> {
    fn add(&mut self, scope: &str, offset: u32, source: &str) {
        let ev = Evidence {
            path: self.doc.path.to_string(),
            line: Some(self.doc.line_of(offset as usize)),
            source: source.to_string(),
        };
        self.set.add(
            Capability::DataScope {
                scope: scope.to_string(),
            },
            ev,
        );
    }

    fn unresolved(&mut self, product: &str, offset: u32) {
        self.add(&unresolved(product), offset, SOURCE_UNRESOLVED);
    }
}

/// Every call of the file as (canonical callee chain, args, spread, start). Chains are
/// canonicalised through the file's imports from Forge modules: a default import reads as
/// `api`, a namespace import is dropped, a renamed import reads as its exported name.
fn forge_calls(facts: &JsFacts) -> Vec<(String, &[Spanned], bool, u32)> {
    let mut aliases: HashMap<&str, Option<&str>> = HashMap::new();
    for imp in facts
        .imports
        .iter()
        .filter(|i| i.module.starts_with("@forge/"))
    {
        for (imported, local) in &imp.bindings {
            let canon = match imported.as_str() {
                "default" => Some("api"),
                "*" => None,
                other => Some(other),
            };
            aliases.insert(local.as_str(), canon);
        }
    }
    let canonical = |chain: &str| -> String {
        let (head, tail) = match chain.find(['.', '(']) {
            Some(i) => chain.split_at(i),
            None => (chain, ""),
        };
        match aliases.get(head) {
            Some(Some(name)) => format!("{name}{tail}"),
            Some(None) => tail.trim_start_matches('.').to_string(),
            None => chain.to_string(),
        }
    };
    let mut calls: Vec<(String, &[Spanned], bool, u32)> = facts
        .calls
        .iter()
        .map(|c| (canonical(&c.callee), c.args.as_slice(), c.spread, c.start))
        .chain(
            facts
                .method_calls
                .iter()
                .map(|m| (canonical(&m.chain), m.args.as_slice(), m.spread, m.start)),
        )
        .collect();
    calls.sort_by_key(|c| c.3);
    calls
}

fn last_name(chain: &str) -> &str {
    chain.rsplit(['.', ')']).next().unwrap_or(chain)
}

/// The HTTP method of a `request<Product>(route, options)` call; `None` when not static.
fn http_method(args: &[Spanned], spread: bool) -> Option<String> {
    match args.get(1) {
        None => Some("GET".to_string()),
        Some(opts) => match &opts.val {
            Val::Object(_) => match opts.get("method") {
                Some(m) => m.as_str().map(str::to_ascii_uppercase),
                // `{ ...init }` may carry a method.
                None if spread => None,
                None => Some("GET".to_string()),
            },
            _ => None,
        },
    }
}

fn forge_file(path: &str, text: &str, set: &mut CapabilitySet) {
    let mentions_product = PRODUCTS.iter().any(|(call, _)| text.contains(call));
    if !mentions_product && !text.contains("@forge/") {
        return;
    }
    let mut sink = Sink {
        doc: Doc::new(path, text),
        set,
    };
    let facts = match js::parse_path(text, path) {
        Ok(f) => f,
        Err(_) => {
            // Not parsed (too large, too deep): any product request in it is unknown.
            for (call, product) in PRODUCTS {
                if let Some(at) = text.find(call) {
                    sink.unresolved(product, u32::try_from(at).unwrap_or(0));
                }
            }
            return;
        }
    };
    let forge_modules: BTreeSet<&str> = facts
        .imports
        .iter()
        .filter(|i| !i.type_only && i.module.starts_with("@forge/"))
        .map(|i| i.module.as_str())
        .collect();
    let calls = forge_calls(&facts);
    let mut resolved_calls: HashMap<&str, usize> = HashMap::new();
    for (chain, args, spread, start) in &calls {
        let name = last_name(chain);
        if let Some((call, product)) = PRODUCTS.iter().find(|(c, _)| *c == name) {
            *resolved_calls.entry(*call).or_default() += 1;
            let route = args.first().and_then(Spanned::as_str);
            let method = http_method(args, *spread);
            match (route, method) {
                (Some(route), Some(method)) => match route_scopes(product, &method, route) {
                    Some(scopes) => {
                        for s in scopes {
                            sink.add(s, *start, SOURCE_ROUTE);
                        }
                    }
                    None => sink.unresolved(product, *start),
                },
                _ => sink.unresolved(product, *start),
            }
            continue;
        }
        let mut matched = false;
        for api in &table().api {
            if !api
                .modules
                .iter()
                .any(|m| forge_modules.contains(m.as_str()))
            {
                continue;
            }
            if api.calls.iter().any(|g| glob(g, chain)) {
                matched = true;
                for s in &api.scopes {
                    sink.add(s, *start, SOURCE_API);
                }
            }
        }
        // A Properties API method the table does not list (`properties.onX(id).m`, not the
        // `properties.onX(id)` accessor itself): its entity and access are unknown.
        if !matched
            && forge_modules.contains("@forge/api")
            && (chain.starts_with("properties.") || chain.starts_with("api.properties."))
            && chain.contains(").")
        {
            sink.unresolved("jira", *start);
            sink.unresolved("confluence", *start);
        }
    }
    // Storage bound but used in ways the call table does not see (passed around, aliased):
    // importing it is taken as using it.
    for imp in facts.imports.iter().filter(|i| !i.type_only) {
        let storage = match imp.module.as_str() {
            "@forge/kvs" | "@forge/events" => true,
            "@forge/api" => imp.bindings.iter().any(|(imported, local)| {
                imported == "storage"
                    || (matches!(imported.as_str(), "default" | "*")
                        && text.contains(&format!("{local}.storage")))
            }),
            _ => false,
        };
        if storage {
            sink.add("storage:app", imp.start, SOURCE_API);
        }
    }
    // Product request functions mentioned more often than called as understood (passed as a
    // value, bound, called through a computed member): unknown use.
    for (call, product) in PRODUCTS {
        let mentions: Vec<&js::Mention> =
            facts.mentions.iter().filter(|m| m.name == *call).collect();
        let incomplete = facts.mentions_truncated || facts.truncated;
        let seen = resolved_calls.get(call).copied().unwrap_or(0);
        if (incomplete && text.contains(call)) || mentions.len() > seen {
            let at = mentions
                .first()
                .map(|m| m.start)
                .or_else(|| text.find(call).and_then(|o| u32::try_from(o).ok()))
                .unwrap_or(0);
            sink.unresolved(product, at);
        }
    }
}

/// Product events of `trigger` modules in `manifest.yml`.
fn forge_events(pkg: &portcullis_core::Package, set: &mut CapabilitySet) {
    let Some(file) = pkg
        .file("manifest.yml")
        .or_else(|| pkg.file("manifest.yaml"))
    else {
        return;
    };
    let Some(text) = file.text() else { return };
    // The adapter reports a manifest this large or deep as unanalysed; here it is just not
    // read (a second parse of a hostile manifest would cost what the first one was spared).
    if text.len() > 1024 * 1024
        || portcullis_core::nesting::exceeds(
            text,
            portcullis_core::nesting::Syntax::Yaml,
            portcullis_core::nesting::MAX_DOCUMENT_NESTING,
        )
        .is_some()
    {
        return;
    }
    let Ok(value) = yaml_serde::from_str::<Value>(text) else {
        return;
    };
    let Some(triggers) = value.pointer("/modules/trigger").and_then(Value::as_array) else {
        return;
    };
    let doc = Doc::new(&file.path, text);
    let from = doc.find("trigger:", 0).unwrap_or(0);
    for event in triggers
        .iter()
        .filter_map(|t| t.get("events").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
    {
        let ev = doc.ev_text(event, from, SOURCE_EVENT);
        match table()
            .event
            .iter()
            .find(|e| e.events.iter().any(|n| n == event))
        {
            Some(e) => {
                for s in &e.scopes {
                    set.add(Capability::DataScope { scope: s.clone() }, ev.clone());
                }
            }
            None => {
                let product = event.strip_prefix("avi:").and_then(|r| r.split(':').next());
                if let Some(p @ ("jira" | "confluence" | "bitbucket")) = product {
                    set.add(
                        Capability::DataScope {
                            scope: unresolved(p),
                        },
                        Evidence {
                            source: SOURCE_UNRESOLVED.to_string(),
                            ..ev
                        },
                    );
                }
            }
        }
    }
}

/// Whether a member-chain segment names the PCF context (`context`, `this._context`, `ctx`).
fn is_context(seg: &str) -> bool {
    let s = seg.to_ascii_lowercase();
    s.contains("context") || s == "ctx"
}

fn pcf_file(path: &str, text: &str, set: &mut CapabilitySet) {
    if !(text.contains("webAPI") || text.contains("device") || text.contains("utils")) {
        return;
    }
    let mut sink = Sink {
        doc: Doc::new(path, text),
        set,
    };
    let facts = match js::parse_path(text, path) {
        Ok(f) => f,
        Err(_) => {
            if let Some(at) = text.find(".webAPI") {
                sink.add("WebAPI", u32::try_from(at).unwrap_or(0), SOURCE_PCF);
            }
            if let Some(at) = text.find(".device") {
                sink.unresolved("Device", u32::try_from(at).unwrap_or(0));
            }
            if let Some(at) = text.find(".utils") {
                sink.add("Utility", u32::try_from(at).unwrap_or(0), SOURCE_PCF);
            }
            return;
        }
    };
    let chains = facts
        .calls
        .iter()
        .map(|c| (c.callee.as_str(), c.start))
        .chain(
            facts
                .method_calls
                .iter()
                .map(|m| (m.chain.as_str(), m.start)),
        );
    let mut device_calls = 0usize;
    for (chain, start) in chains {
        let segs: Vec<&str> = chain.split('.').collect();
        for (i, pair) in segs.windows(2).enumerate() {
            let prev = if i == 0 { None } else { segs.get(i - 1) };
            let ctx = prev.is_some_and(|p| is_context(p));
            match pair {
                ["device", m] if ctx && PCF_DEVICE_METHODS.contains(m) && i + 2 == segs.len() => {
                    device_calls += 1;
                    sink.add(&format!("Device.{m}"), start, SOURCE_PCF);
                }
                _ => {}
            }
        }
    }
    let mut device_mentions = 0usize;
    for m in &facts.mentions {
        let Some(chain) = &m.chain else { continue };
        let segs: Vec<&str> = chain.split('.').collect();
        let prev = segs.len().checked_sub(2).and_then(|i| segs.get(i));
        match m.name.as_str() {
            // Any touch of the Web API object needs the feature.
            "webAPI" => sink.add("WebAPI", m.start, SOURCE_PCF),
            "utils" if prev.is_some_and(|p| is_context(p)) => {
                sink.add("Utility", m.start, SOURCE_PCF);
            }
            "device" if prev.is_some_and(|p| is_context(p)) => device_mentions += 1,
            _ => {}
        }
    }
    if (device_mentions > device_calls || facts.mentions_truncated || facts.truncated)
        && let Some(m) = facts.mentions.iter().find(|m| m.name == "device")
    {
        sink.unresolved("Device", m.start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_is_consistent() {
        let parsed: Table = toml::from_str(TABLE).expect("forge-scopes.toml parses");
        assert!(parsed.route.len() > 50);
        for r in &parsed.route {
            assert!(["jira", "confluence", "bitbucket"].contains(&r.product.as_str()));
            assert!(r.path.starts_with('/'), "{}", r.path);
            assert!(!r.methods.is_empty());
            for m in &r.methods {
                assert!(["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&m.as_str()));
            }
        }
        assert!(inferable(Platform::Forge, "write:jira-work"));
        assert!(inferable(Platform::Forge, "storage:app"));
        assert!(!inferable(Platform::Forge, "read:app-system-token"));
        assert!(!inferable(Platform::Forge, "read:issue:jira"));
        assert!(inferable(Platform::PowerAppsPcf, "Device.captureImage"));
        assert!(!inferable(
            Platform::PowerAppsPcf,
            "connector:shared_office365"
        ));
    }

    #[test]
    fn routes_map_by_method_and_specificity() {
        let s = |p: &str, m: &str, path: &str| route_scopes(p, m, path).map(<[String]>::to_vec);
        let v = |x: &[&str]| Some(x.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            s("jira", "GET", "/rest/api/3/issue/${}/changelog"),
            v(&["read:jira-work"])
        );
        assert_eq!(
            s("jira", "PUT", "/rest/api/3/issue/${}"),
            v(&["write:jira-work"])
        );
        assert_eq!(
            s("jira", "POST", "/rest/api/2/issue/${}/changelog/list"),
            v(&["read:jira-work"])
        );
        assert_eq!(
            s("jira", "GET", "/rest/api/latest/search?jql=${}"),
            v(&["read:jira-work"])
        );
        assert_eq!(
            s("jira", "GET", "/rest/api/3/myself"),
            v(&["read:jira-user"])
        );
        assert_eq!(
            s("jira", "POST", "/rest/api/3/field"),
            v(&["manage:jira-configuration"])
        );
        assert_eq!(s("jira", "GET", "/rest/forge/1/app/properties/x"), v(&[]));
        // Unlisted operation, computed segment where the table has a literal, computed prefix.
        assert_eq!(s("jira", "POST", "/rest/api/3/myself"), None);
        assert_eq!(s("jira", "GET", "/rest/api/3/${}"), None);
        assert_eq!(s("jira", "GET", "${}/rest/api/3/issue/X-1"), None);
        assert_eq!(s("jira", "GET", "/rest/api/3/project/${}/role"), None);
        assert_eq!(
            s("confluence", "GET", "/wiki/rest/api/content/${}"),
            v(&["read:confluence-content.all"])
        );
        assert_eq!(s("confluence", "GET", "/wiki/api/v2/pages/${}"), None);
    }

    #[test]
    fn globs() {
        assert!(glob("storage.*", "storage.query().where().getMany"));
        assert!(!glob("storage.*", "localstorage.get"));
        assert!(glob(
            "*properties.onJiraIssue().get",
            "api.properties.onJiraIssue().get"
        ));
        assert!(!glob(
            "*properties.onJiraIssue().get",
            "properties.onJiraIssue().getAll"
        ));
        assert!(glob("webTrigger.*", "webTrigger.getUrl"));
    }
}
