//! The Portcullis JavaScript/TypeScript analyzer.
//!
//! Every `.js .mjs .cjs .jsx .ts .mts .cts .tsx` file and every `<script>` block of a Node-RED
//! editor `.html` file is parsed with oxc, its names are resolved with `oxc_semantic`, and one
//! evaluator pass ([`engine`]) propagates *taint* from platform sources (n8n node parameters and
//! items, Node-RED messages, Forge resolver payloads, Express requests, or — in library mode —
//! the parameters of exported functions) to sinks (shell, eval, HTTP, fs, SQL, HTML, …), checks
//! non-taint patterns (TLS off, weak crypto, JWT misuse, ReDoS), and records the capabilities
//! the code exhibits (hosts contacted, processes spawned, files touched, environment read).
//!
//! Built-in rules are declared once each in [`rules`] (`declare_rule!`: id, severity, CWE, gate
//! signals, docs, fixtures; [`RULES`] lists them). Sources, sinks, sanitizers and patterns are
//! data ([`spec`]): the built-in catalog is a set of TOML files compiled into the binary, and
//! users add their own rules in the same format through `portcullis.toml` `[js]` ([`Config`]).
//! What is not analysed (too large, nested too deep, out of budget, unparsable) is a
//! `js/not-analysed` / `js/parse-error` finding carrying the unanalysed-code signal. [`run_rule_tests`] checks annotated fixtures
//! (`// ruleid: js/…`, `// ok: js/…`) the way `semgrep --test` does.

mod by_design;
mod catalog;
mod decode;
mod depth;
pub mod engine;
mod guards;
pub mod harness;
mod redos;
pub mod rules;
mod source;
pub mod spec;
mod value;

pub use harness::{FailureKind, RuleTestFailure, RuleTestReport, run_rule_tests};
pub use rules::RULES;

use catalog::Catalog;
use oxc_allocator::Allocator;
use oxc_parser::{ParseOptions, Parser};
use oxc_semantic::SemanticBuilder;
use portcullis_core::rule::Signal;
use portcullis_core::{
    Analyzer, Confidence, Context, Extension, FileKind, Finding, Location, NoticeLevel, Output,
    Platform, RuleMeta, Severity, SourceFile,
};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Errors building the analyzer (never produced while analyzing a file).
#[derive(Debug, thiserror::Error)]
pub enum JsError {
    #[error("JS rule spec {file}: {reason}")]
    Spec { file: String, reason: String },
    #[error("cannot read JS rule file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// When parameters of exported functions are taint sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LibraryMode {
    /// For packages without a platform (plain npm, generic) and files with no platform hints.
    #[default]
    Auto,
    Always,
    Never,
}

/// Per-platform source sets that can be switched off.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct PlatformToggles {
    pub n8n: bool,
    pub node_red: bool,
    pub forge: bool,
}

impl Default for PlatformToggles {
    fn default() -> Self {
        PlatformToggles {
            n8n: true,
            node_red: true,
            forge: true,
        }
    }
}

/// `portcullis.toml` `[js]`.
///
/// ```toml
/// [js]
/// max-file-bytes = 4194304
/// library-mode = "auto"            # auto | always | never
/// disable = ["js/insecure-randomness"]
/// rules = ["rules/acme.toml"]      # files with [[rule]] / [[sink]] / [[source]] / [[pattern]] …
/// platforms = { forge = false }
///
/// [[js.rule]]
/// id = "acme/legacy-client"
/// name = "Legacy client"
/// severity = "medium"
/// short = "The legacy client sends tokens in URLs."
/// message = "use of {sink}"
/// remediation = "Use @acme/client v3."
///
/// [[js.pattern]]
/// rule = "acme/legacy-client"
/// call = ["acme-legacy.connect"]
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// Files larger than this are skipped with a notice.
    pub max_file_bytes: usize,
    /// Files whose brackets nest deeper than this are not analysed (`js/not-analysed`).
    pub max_nesting: usize,
    /// Files with a longer chain of nesting operators or statements (`!!!…`, `x=x=…`,
    /// `a?b:a?b:…`, `if(a) if(a) …`) than this are not analysed (`js/not-analysed`).
    pub max_chain: usize,
    /// Evaluation steps allowed per byte of source (plus a fixed base).
    pub budget_per_byte: u64,
    pub library_mode: LibraryMode,
    /// Rule ids that are not reported.
    pub disable: Vec<String>,
    pub platforms: PlatformToggles,
    /// Rule spec files (relative to [`Config::base_dir`] when set).
    pub rules: Vec<PathBuf>,
    pub rule: Vec<spec::RuleDef>,
    pub source: Vec<spec::SourceDef>,
    pub sink: Vec<spec::SinkDef>,
    pub sanitizer: Vec<spec::SanitizerDef>,
    pub pattern: Vec<spec::PatternDef>,
    pub capability: Vec<spec::CapabilityDef>,
    /// Directory that relative `rules` paths are resolved against (the config file's).
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_file_bytes: 4 * 1024 * 1024,
            max_nesting: 400,
            max_chain: 20_000,
            budget_per_byte: 24,
            library_mode: LibraryMode::Auto,
            disable: Vec::new(),
            platforms: PlatformToggles::default(),
            rules: Vec::new(),
            rule: Vec::new(),
            source: Vec::new(),
            sink: Vec::new(),
            sanitizer: Vec::new(),
            pattern: Vec::new(),
            capability: Vec::new(),
            base_dir: None,
        }
    }
}

/// Stack size of the thread a deeply nested file is analysed on: enough for the parser and
/// the semantic pass at [`Config::max_chain`] levels in a debug build (the memory is
/// reserved, not committed, until used).
pub const ANALYSIS_STACK: usize = 256 * 1024 * 1024;
/// Files nesting at most this deep are analysed on the caller's thread.
const SHALLOW_BRACKETS: usize = 64;
const SHALLOW_CHAIN: usize = 256;

/// The `js` analyzer.
#[derive(Debug)]
pub struct JsAnalyzer {
    cat: Catalog,
    cfg: Config,
    disabled: HashSet<String>,
}

impl JsAnalyzer {
    /// Builds the analyzer: the built-in catalog plus the configured rule files and inline
    /// rules. Fails on a malformed or inconsistent rule spec, naming the file.
    pub fn new(config: Config) -> Result<JsAnalyzer, JsError> {
        let mut user = Vec::new();
        for p in &config.rules {
            let path = match (&config.base_dir, p.is_relative()) {
                (Some(b), true) => b.join(p),
                _ => p.clone(),
            };
            let text = std::fs::read_to_string(&path).map_err(|e| JsError::Io {
                path: path.display().to_string(),
                source: e,
            })?;
            let spec: spec::SpecFile = toml::from_str(&text).map_err(|e| JsError::Spec {
                file: path.display().to_string(),
                reason: e.to_string(),
            })?;
            user.push((path.display().to_string(), spec));
        }
        let inline = spec::SpecFile {
            rule: config.rule.clone(),
            source: config.source.clone(),
            sink: config.sink.clone(),
            sanitizer: config.sanitizer.clone(),
            pattern: config.pattern.clone(),
            capability: config.capability.clone(),
            alias: Vec::new(),
        };
        user.push(("portcullis.toml [js]".to_string(), inline));
        let cat = Catalog::build(user)?;
        for id in &config.disable {
            if cat.rule_index(id).is_none() {
                return Err(JsError::Spec {
                    file: "portcullis.toml [js]".into(),
                    reason: format!("`disable` names unknown rule `{id}`"),
                });
            }
        }
        Ok(JsAnalyzer {
            disabled: config.disable.iter().cloned().collect(),
            cat,
            cfg: config,
        })
    }

    /// Analyzes one file's text as if it were part of an extension of `extension`'s platform.
    ///
    /// The parser and the semantic pass recurse; the analysis runs on its own thread with a
    /// stack of [`ANALYSIS_STACK`] bytes, which the depth pre-check ([`Config::max_nesting`],
    /// [`Config::max_chain`]) keeps far from full whatever the caller's stack is.
    pub fn analyze_text(&self, path: &str, text: &str, extension: Option<&Extension>) -> Output {
        // Shallow files (nearly all) run on the caller's thread, as they always could; only
        // deep ones pay for a thread with a large stack.
        let depth = (text.len() <= self.cfg.max_file_bytes).then(|| depth::scan(text));
        if depth.is_some_and(|d| d.brackets <= SHALLOW_BRACKETS && d.chain <= SHALLOW_CHAIN) {
            return self.analyze_on_this_thread(path, text, extension, depth);
        }
        let run = std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("portcullis-js".into())
                .stack_size(ANALYSIS_STACK)
                .spawn_scoped(s, || {
                    self.analyze_on_this_thread(path, text, extension, depth)
                })
                .map(|h| h.join())
        });
        match run {
            Ok(Ok(out)) => out,
            // A panic in the analysis is the caller's to report, as for any analyzer.
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(e) => {
                let mut out = Output::default();
                self.not_analysed(
                    &mut out,
                    path,
                    text,
                    format!("{path}: the analysis thread could not start ({e})"),
                    "thread",
                );
                out
            }
        }
    }

    /// `depth`: the pre-check of `text`, when already computed.
    fn analyze_on_this_thread(
        &self,
        path: &str,
        text: &str,
        extension: Option<&Extension>,
        depth: Option<depth::Depth>,
    ) -> Output {
        let mut out = Output::default();
        if text.len() > self.cfg.max_file_bytes {
            self.not_analysed(
                &mut out,
                path,
                text,
                format!(
                    "{path} is {} bytes, over the JS size limit of {} bytes (`[js] max-file-bytes`)",
                    text.len(),
                    self.cfg.max_file_bytes
                ),
                "size",
            );
            return out;
        }
        let Some(mut st) = source::source_type(path) else {
            return out;
        };
        let is_html = {
            let l = path.to_ascii_lowercase();
            l.ends_with(".html") || l.ends_with(".htm")
        };
        let js_owned;
        let js: &str = if is_html {
            match source::html_scripts(text) {
                Some(s) => {
                    js_owned = s;
                    &js_owned
                }
                None => return out,
            }
        } else {
            text
        };
        let depth = match depth {
            Some(d) if !is_html => d,
            _ => depth::scan(js),
        };
        if depth.brackets > self.cfg.max_nesting || depth.chain > self.cfg.max_chain {
            let (what, deep, at, limit, key) = if depth.brackets > self.cfg.max_nesting {
                let d = depth.brackets;
                (
                    "brackets nest",
                    d,
                    depth.brackets_at,
                    self.cfg.max_nesting,
                    "max-nesting",
                )
            } else {
                let d = depth.chain;
                (
                    "operators and statements chain",
                    d,
                    depth.chain_at,
                    self.cfg.max_chain,
                    "max-chain",
                )
            };
            let loc = Location::from_offsets(path, text, at, at);
            let line = loc.region.map_or(1, |r| r.start_line);
            self.not_analysed_at(
                &mut out,
                loc,
                format!(
                    "nesting deeper than {limit} in {path} ({what} {deep} deep, past line {line}; `[js] {key}`)",
                ),
                key,
            );
            return out;
        }
        let alloc = Allocator::default();
        let opts = ParseOptions {
            allow_return_outside_function: true,
            ..ParseOptions::default()
        };
        let mut ret = Parser::new(&alloc, js, st).with_options(opts).parse();
        if (ret.panicked || ret.diagnostics.has_errors()) && !st.is_jsx() && !st.is_typescript() {
            // Plain `.js` with JSX in it (React UIs of Grafana/PCF plugins).
            let jsx = st.with_jsx(true);
            let again = Parser::new(&alloc, js, jsx).with_options(opts).parse();
            if !again.panicked && !again.diagnostics.has_errors() {
                ret = again;
                st = jsx;
            }
        }
        let _ = st;
        if ret.panicked || ret.diagnostics.has_errors() {
            let first = ret.diagnostics.errors().next();
            let (msg, off) = match first {
                Some(d) => (
                    d.message.to_string(),
                    d.labels.first().map_or(0, |l| l.offset() as usize),
                ),
                None => ("syntax error".to_string(), 0),
            };
            if !self.disabled.contains(rules::PARSE_ERROR.id()) {
                let loc = Location::from_offsets(path, text, off, off);
                let mut f = Finding::from_rule(
                    &rules::PARSE_ERROR,
                    rules::parse_error::MESSAGE.replace("{sink}", &msg),
                    loc,
                )
                .with_remediation(rules::parse_error::REMEDIATION)
                .with_fingerprint_key(format!("parse-error:{msg}"));
                if ret.panicked {
                    // Nothing of the file was analysed.
                    f = f.with_signal(portcullis_core::rule::Signal::UnanalysedCode);
                }
                out.finding(f);
            }
            if ret.panicked {
                return out;
            }
        }
        let sem = SemanticBuilder::new().build(&ret.program);
        let scoping = sem.semantic.scoping();

        let platform = extension.map(|e| e.platform);
        let t = js;
        let n8n = self.cfg.platforms.n8n
            && (platform == Some(Platform::N8n)
                || t.contains("getNodeParameter")
                || t.contains("INodeType")
                || t.contains("IExecuteFunctions")
                || t.contains("ICredentialType"));
        let node_red = self.cfg.platforms.node_red
            && (platform == Some(Platform::NodeRed)
                || t.contains("RED.nodes.registerType")
                || t.contains("RED.nodes.createNode")
                || t.contains(".nodes.registerType(")
                || t.contains("function(RED)")
                || t.contains("function (RED)"));
        let forge = self.cfg.platforms.forge
            && (platform == Some(Platform::Forge) || t.contains("@forge/"));
        let library = match self.cfg.library_mode {
            LibraryMode::Always => true,
            LibraryMode::Never => false,
            LibraryMode::Auto => {
                !(n8n || node_red || forge || is_html)
                    && matches!(
                        platform,
                        None | Some(Platform::Npm) | Some(Platform::Generic)
                    )
            }
        };
        let lower = path.to_ascii_lowercase();
        let cx = engine::FileCtx {
            path,
            text,
            is_html,
            n8n,
            node_red,
            forge,
            library,
            ui: is_html
                || lower.ends_with(".jsx")
                || lower.ends_with(".tsx")
                || t.contains("document.")
                || t.contains("jQuery")
                || t.contains("$("),
            credential_file: t.contains("ICredentialType")
                || lower.ends_with(".credentials.js")
                || lower.ends_with(".credentials.ts"),
            disabled: &self.disabled,
            budget: 100_000 + self.cfg.budget_per_byte.saturating_mul(js.len() as u64),
        };
        let mut eng = engine::Engine::new(&self.cat, &cx, scoping);
        eng.run(&ret.program);
        let mut found = eng.out;
        if is_cli(path, text) {
            // A command-line entry point runs in its own process: exiting is its job.
            found
                .findings
                .retain(|f| f.rule_id != rules::PROCESS_CONTROL.id());
        }
        if let Some(why) = bundled(path, text) {
            downrank_bundled(&mut found.findings, why);
        }
        out.merge(found);
        out
    }

    /// A `js/not-analysed` finding for a file (or the rest of it) the analyzer did not read.
    fn not_analysed(&self, out: &mut Output, path: &str, text: &str, why: String, key: &str) {
        self.not_analysed_at(out, Location::from_offsets(path, text, 0, 0), why, key);
    }

    fn not_analysed_at(&self, out: &mut Output, loc: Location, why: String, key: &str) {
        if self.disabled.contains(rules::NOT_ANALYSED.id()) {
            // Still say so: a disabled rule must not make skipped code silent.
            let path = loc.path.clone();
            out.notice(
                NoticeLevel::Warning,
                Some(&path),
                format!("not analysed: {why}"),
            );
            return;
        }
        out.finding(
            Finding::from_rule(
                &rules::NOT_ANALYSED,
                rules::not_analysed::MESSAGE.replace("{sink}", &why),
                loc,
            )
            .with_remediation(rules::not_analysed::REMEDIATION)
            .with_fingerprint_key(format!("not-analysed:{key}")),
        );
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }
}

impl Analyzer for JsAnalyzer {
    fn name(&self) -> &'static str {
        "js"
    }

    fn rules(&self) -> Vec<RuleMeta> {
        self.cat.metas()
    }

    fn wants(&self, file: &SourceFile) -> bool {
        matches!(
            file.kind,
            FileKind::JavaScript | FileKind::TypeScript | FileKind::Html
        )
    }

    fn analyze_file(&self, file: &SourceFile, cx: &Context<'_>) -> Output {
        if !self.wants(file) {
            return Output::default();
        }
        let Some(text) = file.text() else {
            let mut out = Output::default();
            out.notice(
                NoticeLevel::Info,
                Some(&file.path),
                "not analyzed: the script is not valid UTF-8",
            );
            return out;
        };
        let mut out = self.analyze_text(&file.path, text, cx.extension);
        if file.is_test_or_example() {
            // Test and example code does not ship to users' workflows: report, but lower.
            for f in &mut out.findings {
                if f.rule_id != rules::PARSE_ERROR.id() {
                    f.confidence = f.confidence.min(Confidence::Low);
                    f.tags.push("test-or-example".into());
                }
            }
        }
        out
    }
}

/// Why a file is bundled, vendored or minified code rather than the extension's own source,
/// if it is: such code is reviewed through its own package, and its exported API is not
/// the extension's attack surface.
pub fn bundled(path: &str, text: &str) -> Option<&'static str> {
    let l = path.replace('\\', "/").to_ascii_lowercase();
    let segs: Vec<&str> = l.split('/').collect();
    let dirs = &segs[..segs.len().saturating_sub(1)];
    let name = segs.last().copied().unwrap_or("");
    if dirs.contains(&"node_modules") {
        return Some("a dependency bundled under `node_modules/`");
    }
    if dirs.iter().any(|d| {
        matches!(
            *d,
            "vendor" | "vendors" | "third_party" | "third-party" | "bower_components"
        )
    }) {
        return Some("vendored third-party code");
    }
    if dirs
        .first()
        .is_some_and(|d| matches!(*d, "docs" | "doc" | "coverage" | "jsdoc"))
        || dirs.contains(&"lcov-report")
    {
        return Some("generated documentation or coverage assets");
    }
    if [".min.js", ".min.mjs", ".min.cjs", "-min.js", ".bundle.js"]
        .iter()
        .any(|x| name.ends_with(x))
    {
        return Some("a minified or bundled file");
    }
    let (longest, lines) = line_stats(text);
    let long_lines = longest > 2000 || (lines > 0 && text.len() / lines > 300);
    if long_lines && (text.contains("//# sourceMappingURL=") || text.len() > 20_000) {
        return Some("minified/generated code (very long lines)");
    }
    let browser_dir = dirs
        .iter()
        .any(|d| matches!(*d, "resources" | "public" | "static" | "assets"));
    if browser_dir
        && (long_lines
            || text.contains("__webpack_require__")
            || text.contains("//# sourceMappingURL=")
            || text.len() > 200_000)
    {
        return Some("a browser bundle");
    }
    if text.contains("__webpack_require__") && text.len() > 50_000 {
        return Some("a webpack bundle");
    }
    None
}

/// The longest line's length and the number of lines.
fn line_stats(text: &str) -> (usize, usize) {
    let (mut longest, mut lines, mut last) = (0usize, 0usize, 0usize);
    for i in memchr::memchr_iter(b'\n', text.as_bytes()) {
        longest = longest.max(i - last);
        last = i + 1;
        lines += 1;
    }
    longest = longest.max(text.len() - last);
    (longest, lines + 1)
}

/// Findings in bundled code: taint flows from real platform input stay as they are (tagged);
/// everything else (patterns, library-mode flows through a vendored library's own API)
/// becomes informational with low confidence, saying why.
fn downrank_bundled(findings: &mut [Finding], why: &str) {
    for f in findings {
        if f.rule_id == rules::PARSE_ERROR.id() || f.has_signal(Signal::UnanalysedCode) {
            continue;
        }
        let taint = f.tags.iter().any(|t| t == "taint");
        let library = f.tags.iter().any(|t| t == "library-mode");
        f.tags.push("bundled".into());
        if taint && !library {
            f.message.push_str(&format!(
                " (in {why}: check whether the extension reaches it)"
            ));
            continue;
        }
        f.severity = Severity::Info;
        f.confidence = Confidence::Low;
        f.message.push_str(&format!(
            " (in {why}: lowered to informational; review the original package instead)"
        ));
    }
}

/// A command-line entry point (`#!` line, `bin/`, `cli.js`).
fn is_cli(path: &str, text: &str) -> bool {
    let l = path.replace('\\', "/").to_ascii_lowercase();
    let name = l.rsplit('/').next().unwrap_or("");
    text.starts_with("#!")
        || l.starts_with("bin/")
        || l.contains("/bin/")
        || matches!(
            name,
            "cli.js" | "cli.mjs" | "cli.cjs" | "cli.ts" | "cli.mts"
        )
}

/// Reads a `portcullis.toml` `[js]` table from TOML text (for the CLI and tests).
pub fn config_from_toml(text: &str, base_dir: Option<&Path>) -> Result<Config, JsError> {
    #[derive(Deserialize)]
    struct Root {
        #[serde(default)]
        js: Option<toml::Value>,
    }
    let root: Root = toml::from_str(text).map_err(|e| JsError::Spec {
        file: "portcullis.toml".into(),
        reason: e.to_string(),
    })?;
    let mut cfg: Config = match root.js {
        Some(v) => v.try_into().map_err(|e: toml::de::Error| JsError::Spec {
            file: "portcullis.toml [js]".into(),
            reason: e.to_string(),
        })?,
        None => Config::default(),
    };
    cfg.base_dir = base_dir.map(Path::to_path_buf);
    Ok(cfg)
}
