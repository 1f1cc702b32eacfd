//! Hard-coded secret detection for Portcullis.
//!
//! Detectors are data ([`rules::BUILTIN_RULES`], an embedded TOML file of provider token
//! formats, private keys, credential URLs and generic assignments), compiled once in
//! [`SecretsAnalyzer::new`] and shared by every thread. One Aho-Corasick pass finds the
//! rules' keywords; each rule's regex runs only around its keywords, so a scan is linear in
//! the input. Candidates then go through false-positive control ([`filter`]: placeholders,
//! documentation keys, entropy, code-vs-secret heuristics for the generic rules) and the
//! user's allowlists ([`Config`]). Findings never contain a secret: message, snippet,
//! evidence and properties carry only [`portcullis_core::redact::redact`]ed forms, and the
//! fingerprint key is the secret's SHA-256. Secrets that a platform exports (n8n credential
//! defaults, Node-RED node `defaults`) are raised in severity; secrets in test/example paths
//! are lowered in confidence. [`scan_history`] scans every blob of a git repository's
//! history once; [`verify`] holds the optional live-verification plumbing; [`gitleaks`]
//! imports gitleaks-format rules.
//!
//! Every detector is also a core [`portcullis_core::rule::Rule`] declaration ([`rules`],
//! [`decl`]): findings are built from it and carry its gate signals —
//! `hard-coded-secret` on every secret, `verified-secret` added when the secret has its
//! provider's fixed format (or a private key block, or verified live), `hygiene` (and no
//! secret signal) for a bundled dependency's test/localhost key.

pub mod config;
pub mod context;
pub mod decl;
mod error;
pub mod filter;
pub mod gitleaks;
pub mod history;
pub mod kv;
pub mod rules;
pub mod verify;

#[cfg(test)]
mod corpus_tests;

pub use config::{Allowlist, Config};
pub use decl::rules;
pub use error::SecretsError;
pub use history::scan_history;
pub use verify::{Verification, Verifier, VerifierRegistry};

use globset::{Glob, GlobSet, GlobSetBuilder};
use portcullis_core::location::{LineIndex, MAX_SNIPPET_LINE_CHARS};
use portcullis_core::redact::{redact, secret_hash};
use portcullis_core::rule::Signal;
use portcullis_core::{
    Analyzer, Confidence, Context, FileKind, Finding, Location, NoticeLevel, Output, RuleMeta,
    Severity, SourceFile,
};
use regex::bytes::Regex;
use rules::{FileScope, RawMatch, Rule, RuleKind, RuleSet, UuidPolicy};

/// At most this many findings are reported per file.
pub const MAX_FINDINGS_PER_FILE: usize = 500;

/// CWE-798: Use of Hard-coded Credentials.
pub const CWE_HARD_CODED_CREDENTIALS: u32 = 798;

/// A compiled allowlist entry.
#[derive(Debug)]
struct CompiledAllow {
    rules: Vec<String>,
    paths: Option<GlobSet>,
    hashes: Vec<String>,
    regexes: Vec<Regex>,
    stopwords: Vec<String>,
}

impl CompiledAllow {
    fn compile(index: usize, a: &Allowlist) -> Result<CompiledAllow, SecretsError> {
        let paths = if a.paths.is_empty() {
            None
        } else {
            let mut b = GlobSetBuilder::new();
            for p in &a.paths {
                let g = Glob::new(p).map_err(|e| SecretsError::Allowlist {
                    index,
                    what: "path glob",
                    pattern: p.clone(),
                    reason: e.to_string(),
                })?;
                b.add(g);
            }
            Some(b.build().map_err(|e| SecretsError::Allowlist {
                index,
                what: "path glob set",
                pattern: a.paths.join(", "),
                reason: e.to_string(),
            })?)
        };
        let regexes = a
            .regexes
            .iter()
            .map(|r| {
                rules::build_regex(r).map_err(|reason| SecretsError::Allowlist {
                    index,
                    what: "regex",
                    pattern: r.clone(),
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for h in &a.secret_sha256 {
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(SecretsError::Allowlist {
                    index,
                    what: "secret-sha256",
                    pattern: h.clone(),
                    reason: "expected 64 hex digits".into(),
                });
            }
        }
        Ok(CompiledAllow {
            rules: a.rules.clone(),
            paths,
            hashes: a
                .secret_sha256
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            regexes,
            stopwords: a.stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
        })
    }

    fn allows(&self, rule_id: &str, path: &str, secret: &str, hash: &str) -> bool {
        if !self.rules.is_empty() && !self.rules.iter().any(|r| r == rule_id) {
            return false;
        }
        let no_matchers = self.paths.is_none()
            && self.hashes.is_empty()
            && self.regexes.is_empty()
            && self.stopwords.is_empty();
        if no_matchers {
            return true;
        }
        if self.paths.as_ref().is_some_and(|g| g.is_match(path)) {
            return true;
        }
        if self.hashes.iter().any(|h| h == hash) {
            return true;
        }
        if self.regexes.iter().any(|r| r.is_match(secret.as_bytes())) {
            return true;
        }
        let lower = secret.to_ascii_lowercase();
        self.stopwords.iter().any(|s| lower.contains(s.as_str()))
    }
}

/// The secrets analyzer (`secrets`). Build it once with [`SecretsAnalyzer::new`]; it is
/// `Send + Sync` and scans files from any number of threads.
#[derive(Debug)]
pub struct SecretsAnalyzer {
    config: Config,
    set: RuleSet,
    disabled: Vec<bool>,
    allow: Vec<CompiledAllow>,
    verifiers: VerifierRegistry,
    /// Problems found while building (e.g. `verify` requested without the feature).
    build_notices: Vec<String>,
}

/// A secret accepted by every filter, before it becomes a [`Finding`].
#[derive(Debug)]
struct Accepted {
    rule: usize,
    secret: String,
    range: (usize, usize),
    severity: Severity,
    confidence: Confidence,
    exported: Option<context::Exported>,
    /// The secret has its provider's fixed format: it cannot be a placeholder.
    certain: bool,
    /// A private key a bundled dependency ships for its tests or localhost TLS: reported
    /// as hygiene ([`decl::BUNDLED_DEPENDENCY_KEY`]), not as the extension's secret.
    bundled_test_key: bool,
}

fn lower(c: Confidence) -> Confidence {
    match c {
        Confidence::High => Confidence::Medium,
        Confidence::Medium | Confidence::Low => Confidence::Low,
    }
}

/// Words that are a URL password's placeholder rather than a password.
fn url_password_placeholder(p: &str) -> bool {
    let l = p.to_ascii_lowercase();
    p.len() < 3
        || p.starts_with('$')
        || p.starts_with('%')
        || p.starts_with('{')
        || p.starts_with('<')
        || p.starts_with(':')
        || matches!(
            l.as_str(),
            "password"
                | "pass"
                | "passwd"
                | "pwd"
                | "secret"
                | "user"
                | "username"
                | "xxx"
                | "changeme"
                | "token"
                | "apikey"
                | "api_key"
                | "mypassword"
                | "yourpassword"
                | "your_password"
                | "pw"
                | "redacted"
                | "hidden"
                | "****"
        )
        || filter::is_placeholder(p)
        || filter::is_code_reference(p)
}

fn private_key_placeholder(block: &str) -> bool {
    let l = block.to_ascii_lowercase();
    ["xxxx", "...", "<", "your", "example", "…"]
        .iter()
        .any(|f| l.contains(f))
}

impl SecretsAnalyzer {
    /// Compiles the built-in rules, the configured gitleaks rules and the allowlists.
    pub fn new(config: Config) -> Result<SecretsAnalyzer, SecretsError> {
        let mut compiled: Vec<Rule> = Vec::new();
        // Built-in regexes compile on first use (start-up time); the tests compile them all.
        for spec in rules::parse_rules(rules::BUILTIN_RULES, "built-in rules")? {
            compiled.push(Rule::compile_lazy(spec, "built-in rules")?);
        }
        for path in &config.gitleaks_rules {
            for rule in gitleaks::load_file(path)? {
                match compiled.iter().position(|r| r.id == rule.id) {
                    Some(i) => {
                        if let Some(slot) = compiled.get_mut(i) {
                            *slot = rule;
                        }
                    }
                    None => compiled.push(rule),
                }
            }
        }
        let disabled = compiled
            .iter()
            .map(|r| {
                config.disable_rules.contains(&r.id)
                    || (!config.generic
                        && matches!(r.spec.kind, RuleKind::Generic | RuleKind::Extract))
            })
            .collect();
        let allow = config
            .allowlist
            .iter()
            .enumerate()
            .map(|(i, a)| CompiledAllow::compile(i, a))
            .collect::<Result<Vec<_>, _>>()?;
        let mut build_notices = Vec::new();
        let verifiers = if config.verify {
            let reg = VerifierRegistry::builtin();
            if reg.is_empty() {
                build_notices.push(
                    "secrets: `verify = true` but this build has no verifiers (built without \
                     the `verify` feature); secrets are reported unverified"
                        .to_string(),
                );
            }
            reg
        } else {
            VerifierRegistry::default()
        };
        Ok(SecretsAnalyzer {
            config,
            set: RuleSet::new(compiled)?,
            disabled,
            allow,
            verifiers,
            build_notices,
        })
    }

    /// Replaces the verifier registry (for custom verifiers; tests use a fake one). Only
    /// consulted when [`Config::verify`] is true.
    pub fn with_verifiers(mut self, verifiers: VerifierRegistry) -> Self {
        self.verifiers = verifiers;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Number of compiled rules (built-in plus imported).
    pub fn rule_count(&self) -> usize {
        self.set.rules.len()
    }

    fn rule_enabled(&self, r: usize, path: &str, kind: FileKind) -> bool {
        let Some(rule) = self.set.rules.get(r) else {
            return false;
        };
        if self.disabled.get(r).copied().unwrap_or(true) {
            return false;
        }
        if (kind == FileKind::Lockfile
            || context::is_vendored_tool(path)
            || context::is_build_or_style_file(path))
            && matches!(rule.spec.kind, RuleKind::Generic | RuleKind::Extract)
        {
            // Lockfiles are integrity hashes and registry URLs: only formats with a fixed
            // shape (and credentials inside URLs) are meaningful there.
            return false;
        }
        if rule.spec.files == FileScope::Config && !context::is_config_file(path, kind) {
            return false;
        }
        if let Some(p) = &rule.path_regex
            && !p.is_match(path.as_bytes())
        {
            return false;
        }
        if let Some(p) = &rule.path_deny
            && p.is_match(path.as_bytes())
        {
            return false;
        }
        true
    }

    /// Runs every rule over `text` and applies all filters. Returns accepted secrets and the
    /// ranges of every plausible secret (accepted or allowlisted), for snippet redaction.
    fn detect(
        &self,
        path: &str,
        kind: FileKind,
        text: &str,
        is_test: bool,
    ) -> (Vec<Accepted>, Vec<(usize, usize)>) {
        let enabled = |r: usize| self.rule_enabled(r, path, kind);
        let mut raw: Vec<RawMatch> = self.set.find(text.as_bytes(), &enabled);
        raw.sort_by_key(|m| (m.secret.0, m.secret.1, m.rule));
        raw.dedup_by_key(|m| (m.secret.0, m.secret.1, m.rule));
        let mut candidates: Vec<Accepted> = Vec::new();
        let mut facts: Option<context::FileFacts> = None;
        let mut redact_ranges: Vec<(usize, usize)> = Vec::new();
        for m in raw {
            let Some(rule) = self.set.rules.get(m.rule) else {
                continue;
            };
            let Some(secret) = text.get(m.secret.0..m.secret.1) else {
                continue;
            };
            if secret.is_empty() {
                continue;
            }
            let spec = &rule.spec;
            let mut confidence = spec.confidence;
            match spec.kind {
                RuleKind::PrivateKey => {
                    if private_key_placeholder(secret) {
                        continue;
                    }
                }
                RuleKind::Url => {
                    if url_password_placeholder(secret) {
                        continue;
                    }
                    // `guest:guest@`, `neo4j:neo4j@`: a product's documented default
                    // credentials, not a leaked secret.
                    let user = text
                        .get(m.whole.0..m.secret.0)
                        .and_then(|p| p.rsplit("://").next())
                        .map(|p| p.trim_end_matches(':'));
                    if user == Some(secret) {
                        continue;
                    }
                }
                RuleKind::Provider | RuleKind::Generic => {
                    if filter::is_placeholder_with(secret, !spec.allow_runs) {
                        continue;
                    }
                }
                RuleKind::Extract => {
                    let Some((key, quote)) = m.pair else { continue };
                    let Some(class) = text.get(key.0..key.1).and_then(kv::classify_key) else {
                        continue;
                    };
                    if !kv::accept(class, secret, quote, context::is_code(path, kind)) {
                        continue;
                    }
                    // A URL query parameter (`badge.svg?token=…`): public read-only
                    // tokens of badges and embeds are short; real ones are long.
                    let in_query =
                        key.0 > 0 && matches!(text.as_bytes().get(key.0 - 1), Some(b'?' | b'&'));
                    if in_query && secret.len() < 16 {
                        continue;
                    }
                }
            }
            if let Some(min) = spec.entropy
                && filter::shannon_entropy(secret.as_bytes()) < min
            {
                continue;
            }
            if filter::is_uuid(secret) {
                match spec.uuid {
                    UuidPolicy::Reject => continue,
                    UuidPolicy::Low => confidence = Confidence::Low,
                    UuidPolicy::Allow => {}
                }
            }
            if spec.context.is_some()
                && (filter::is_single_case_word(secret) || filter::looks_like_identifier(secret))
            {
                continue;
            }
            if spec.kind == RuleKind::Generic && !filter::generic_value_plausible(secret) {
                continue;
            }
            if spec.kind == RuleKind::Generic
                && text
                    .get(m.whole.0..m.secret.0)
                    .is_some_and(filter::is_non_secret_key)
            {
                continue;
            }
            // A translation's value is a word unless it is shaped like a generated key.
            if matches!(spec.kind, RuleKind::Generic | RuleKind::Extract)
                && context::is_locale_file(path)
                && !filter::looks_generated(secret)
            {
                continue;
            }
            if rule
                .allow_regexes
                .iter()
                .any(|r| r.is_match(secret.as_bytes()))
            {
                continue;
            }
            if !rule.stopwords.is_empty() {
                let l = secret.to_ascii_lowercase();
                if rule.stopwords.iter().any(|s| l.contains(s.as_str())) {
                    continue;
                }
            }
            // From here on the value is treated as a secret: it is redacted in every
            // snippet even if an allowlist drops its finding.
            redact_ranges.push(m.secret);
            let hash = secret_hash(secret);
            if self
                .allow
                .iter()
                .any(|a| a.allows(&rule.id, path, secret, &hash))
            {
                continue;
            }
            if is_test {
                confidence = lower(confidence);
            }
            let facts = *facts.get_or_insert_with(|| context::FileFacts::new(path, text));
            let exported = context::exported(facts, text, m.secret.0);
            let severity = if exported.is_some() {
                spec.severity.raised()
            } else {
                spec.severity
            };
            let bundled_test_key = spec.kind == RuleKind::PrivateKey
                && context::bundled_dependency_test_key(path, is_test, text, m.secret.0);
            let certain = !bundled_test_key
                && (rule.format_certain(secret) || spec.kind == RuleKind::PrivateKey);
            candidates.push(Accepted {
                rule: m.rule,
                secret: secret.to_string(),
                range: m.secret,
                severity,
                confidence,
                exported,
                certain,
                bundled_test_key,
            });
        }
        // One finding per secret: the highest-priority rule wins overlapping ranges.
        candidates.sort_by_key(|c| {
            let p = self.set.rules.get(c.rule).map_or(0, |r| r.spec.priority);
            let generic = self
                .set
                .rules
                .get(c.rule)
                .is_some_and(|r| matches!(r.spec.kind, RuleKind::Generic | RuleKind::Extract));
            (generic, std::cmp::Reverse(p), c.rule, c.range.0)
        });
        let mut kept: Vec<Accepted> = Vec::new();
        for c in candidates {
            if kept
                .iter()
                .any(|k| c.range.0 < k.range.1 && k.range.0 < c.range.1)
            {
                continue;
            }
            kept.push(c);
        }
        if let Some(min) = self.config.min_confidence {
            kept.retain(|c| c.confidence >= min);
        }
        kept.sort_by_key(|c| c.range);
        redact_ranges.sort_unstable();
        redact_ranges.dedup();
        (kept, redact_ranges)
    }

    /// Scans one text and returns findings paired with their secret (the secret never leaves
    /// this crate: callers use it for verification and de-duplication, then drop it).
    fn scan_text(
        &self,
        path: &str,
        kind: FileKind,
        text: &str,
        is_test: bool,
    ) -> Vec<(Finding, String)> {
        let (mut accepted, ranges) = self.detect(path, kind, text, is_test);
        if accepted.is_empty() {
            return Vec::new();
        }
        // A file with thousands of "secrets" is generated data, not a config: report the
        // first ones (bounded output and time).
        accepted.truncate(MAX_FINDINGS_PER_FILE);
        let index = LineIndex::new(text);
        let mut out = Vec::with_capacity(accepted.len());
        for a in accepted {
            let Some(rule) = self.set.rules.get(a.rule) else {
                continue;
            };
            out.push((
                self.finding(rule, &a, path, text, &index, &ranges),
                a.secret,
            ));
        }
        out
    }

    fn finding(
        &self,
        rule: &Rule,
        a: &Accepted,
        path: &str,
        text: &str,
        index: &LineIndex,
        ranges: &[(usize, usize)],
    ) -> Finding {
        let spec = &rule.spec;
        let shown = redact(&a.secret);
        let hash = secret_hash(&a.secret);
        let region = index.region(text, a.range.0, a.range.1);
        let location = Location {
            path: path.to_string(),
            region: Some(region),
            snippet: Some(redacted_snippet(text, a.range.0, ranges)),
        };
        if a.bundled_test_key {
            return self.bundled_key_finding(a, location, &shown, &hash);
        }
        let mut message = format!("{} hard-coded: `{shown}`", spec.name);
        if a.exported.is_some() {
            message.push_str(" (exported with the platform's flows/workflows)");
        }
        let remediation = spec.remediation.clone().unwrap_or_else(|| {
            format!(
                "Revoke this {} credential at the provider and issue a new one (it is in the \
                 published package and must be considered leaked), then load it at run time \
                 from the platform's credential store (n8n credentials, Node-RED \
                 `credentials`, Forge secrets/environment variables) instead of the source.",
                spec.provider
            )
        });
        let mut f = Finding::from_rule(&rule.decl, message, location)
            .with_severity(a.severity)
            .with_confidence(a.confidence)
            .with_remediation(remediation)
            .with_fingerprint_key(hash.clone())
            .with_property("provider", spec.provider.clone())
            .with_property("secret-sha256", hash)
            .with_property("redacted", shown)
            .with_property(
                "entropy",
                (filter::shannon_entropy(a.secret.as_bytes()) * 100.0).round() / 100.0,
            )
            .with_tag("secret");
        if a.certain {
            f = f
                .with_signal(Signal::VerifiedSecret)
                .with_property("format-certain", true);
        }
        if let Some(e) = a.exported {
            let line_start = text
                .get(..a.range.0)
                .and_then(|t| t.rfind('\n'))
                .map_or(0, |i| i + 1);
            let ev_loc = Location {
                path: path.to_string(),
                region: Some(index.region(text, line_start, a.range.0)),
                snippet: Some(redacted_snippet(text, a.range.0, ranges)),
            };
            f = f
                .with_evidence(ev_loc, e.explanation())
                .with_property("exported", e.as_str())
                .with_tag("exported-default");
        }
        f
    }

    /// A bundled dependency's test/localhost key: hygiene, no rotation advice (the key is
    /// the dependency's, public in its own package, and guards nothing of the extension).
    fn bundled_key_finding(
        &self,
        a: &Accepted,
        location: Location,
        shown: &str,
        hash: &str,
    ) -> Finding {
        let dep = context::bundled_dependency(&location.path)
            .unwrap_or("a dependency")
            .to_string();
        let rule = &decl::BUNDLED_DEPENDENCY_KEY;
        Finding::from_rule(
            rule,
            format!("bundled dependency `{dep}` ships a test/localhost private key: `{shown}`"),
            location,
        )
        .with_remediation(
            "Not a secret of this extension. Make sure the extension never serves TLS with \
             the dependency's built-in key, and leave the dependency's test files out of the \
             published package.",
        )
        .with_fingerprint_key(hash.to_string())
        .with_property("secret-sha256", hash.to_string())
        .with_property("redacted", shown.to_string())
        .with_property("dependency", dep)
        .with_property(
            "entropy",
            (filter::shannon_entropy(a.secret.as_bytes()) * 100.0).round() / 100.0,
        )
    }

    /// Declarations of every rule this analyzer runs (built-in, imported, fixed).
    pub fn declarations(&self) -> Vec<&portcullis_core::rule::Rule> {
        self.set
            .rules
            .iter()
            .map(|r| &r.decl)
            .chain(decl::FIXED_RULES.iter().copied())
            .collect()
    }

    fn verify_into(&self, f: &mut Finding, secret: &str) {
        if !self.config.verify {
            return;
        }
        let Some(v) = self.verifiers.get(&f.rule_id) else {
            return;
        };
        let result = v.verify(secret);
        f.properties
            .insert("verification".into(), result.label().into());
        if let Verification::Valid { .. } = result {
            f.severity = f.severity.raised();
            f.confidence = Confidence::High;
            f.tags.push("verified".into());
            if let Err(i) = f.signals.binary_search(&Signal::VerifiedSecret) {
                f.signals.insert(i, Signal::VerifiedSecret);
            }
        }
        if let Verification::Invalid = result {
            f.confidence = Confidence::Low;
            // The provider says it is not live (revoked, or never was): its format alone no
            // longer makes it a verified secret.
            f.signals.retain(|s| *s != Signal::VerifiedSecret);
        }
    }
}

/// The line holding byte `pos`, with every secret range on it replaced by its redacted
/// form, cut to [`MAX_SNIPPET_LINE_CHARS`] around the first redaction at or after `pos`.
/// Built here rather than by [`LineIndex::snippet`] because a plain cut could keep part of a
/// secret, and a multi-line secret (a PEM block) must not be printed at all.
fn redacted_snippet(text: &str, pos: usize, ranges: &[(usize, usize)]) -> String {
    /// How far around the secret the line is looked at (minified lines are megabytes).
    const REACH: usize = 1000;
    let pos = floor_boundary(text, pos.min(text.len()));
    let bytes = text.as_bytes();
    let lo = floor_boundary(text, pos.saturating_sub(REACH));
    let hi = floor_boundary(text, pos.saturating_add(REACH).min(text.len()));
    let ls = bytes
        .get(lo..pos)
        .and_then(|b| memchr::memrchr(b'\n', b))
        .map_or(lo, |i| lo + i + 1);
    let le = bytes
        .get(pos..hi)
        .and_then(|b| memchr::memchr(b'\n', b))
        .map_or(hi, |i| pos + i);
    let mut out = String::new();
    let mut cursor = ls;
    let mut anchor_char: Option<usize> = None;
    for &(s, e) in ranges {
        // Ranges are sorted; a range that starts before the window but reaches into it is
        // redacted whole, so no tail of a secret is ever printed.
        if e <= cursor || s >= le {
            continue;
        }
        let s_in = s.max(cursor);
        out.push_str(text.get(cursor..s_in).unwrap_or(""));
        if anchor_char.is_none() && e > pos {
            anchor_char = Some(out.chars().count());
        }
        out.push_str(&redact(text.get(s..e).unwrap_or("")));
        cursor = e;
        if cursor >= le {
            break;
        }
    }
    if cursor < le {
        out.push_str(text.get(cursor..le).unwrap_or(""));
    }
    let out = out.trim_end_matches('\r').to_string();
    let total = out.chars().count();
    if total <= MAX_SNIPPET_LINE_CHARS {
        return out;
    }
    let anchor = anchor_char.unwrap_or(0);
    let start = anchor.saturating_sub(MAX_SNIPPET_LINE_CHARS / 3);
    let cut: String = out
        .chars()
        .skip(start)
        .take(MAX_SNIPPET_LINE_CHARS)
        .collect();
    let mut s = String::new();
    if start > 0 {
        s.push('…');
    }
    s.push_str(&cut);
    if start + MAX_SNIPPET_LINE_CHARS < total {
        s.push('…');
    }
    s
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl Analyzer for SecretsAnalyzer {
    fn name(&self) -> &'static str {
        "secrets"
    }

    fn rules(&self) -> Vec<RuleMeta> {
        self.declarations().into_iter().map(|r| r.meta()).collect()
    }

    /// Reports configuration problems found while building (once per package).
    fn analyze_package(&self, _cx: &Context<'_>) -> Output {
        let mut out = Output::default();
        for n in &self.build_notices {
            out.notice(NoticeLevel::Warning, None, n.clone());
        }
        out
    }

    /// Every text file, lockfiles and source maps included (they get restricted rule sets,
    /// see [`SecretsAnalyzer::analyze_file`]).
    fn wants(&self, file: &SourceFile) -> bool {
        file.kind.is_text()
    }

    /// Lockfiles run only fixed-format and URL rules (integrity hashes are not secrets).
    /// Source maps: a secret is reported in a `.map` only when no other file of the package
    /// contains it — the map's `sourcesContent` duplicates the sources, and the finding
    /// belongs on the source file; a map shipped without its sources is the only place the
    /// secret is visible, so it is reported there.
    fn analyze_file(&self, file: &SourceFile, cx: &Context<'_>) -> Output {
        let mut out = Output::default();
        if file.bytes.len() as u64 > self.config.max_file_bytes {
            out.notice(
                NoticeLevel::Warning,
                Some(&file.path),
                format!(
                    "secrets: skipped, {} bytes is over max-file-bytes ({})",
                    file.bytes.len(),
                    self.config.max_file_bytes
                ),
            );
            return out;
        }
        let Some(text) = file.text() else {
            return out;
        };
        let found = self.scan_text(&file.path, file.kind, text, file.is_test_or_example());
        for (mut f, secret) in found {
            if file.kind == FileKind::SourceMap {
                let elsewhere = cx.package.files.iter().any(|other| {
                    other.kind != FileKind::SourceMap
                        && other.kind.is_text()
                        && memchr::memmem::find(&other.bytes, secret.as_bytes()).is_some()
                });
                if elsewhere {
                    continue;
                }
                f = f.with_property("source-map", true);
            }
            self.verify_into(&mut f, &secret);
            out.finding(f);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_never_prints_the_tail_of_a_secret_cut_by_the_window() {
        let long: String = (0..1500).map(|i| (b'a' + (i % 26) as u8) as char).collect();
        let other = "QQQQrrrrSSSStttt9999";
        let text = format!("{long}{}{other};\n", "-".repeat(700));
        let sb = text.find(other).unwrap();
        let ranges = vec![(0, long.len()), (sb, sb + other.len())];
        let s = redacted_snippet(&text, sb, &ranges);
        assert!(!s.contains(&long[1100..1200]), "{s}");
        assert!(!s.contains("rrrrSSSS"), "{s}");
    }

    #[test]
    fn snippet_redacts_every_secret_on_the_line_and_cuts_safely() {
        let a = "AAAAbbbbCCCCddddEEEE1111";
        let b = "ZZZZyyyyXXXXwwwwVVVV2222";
        let text = format!("{}k1='{a}', k2='{b}' // end\nnext\n", "x".repeat(300));
        let sa = text.find(a).unwrap();
        let sb = text.find(b).unwrap();
        let ranges = vec![(sa, sa + a.len()), (sb, sb + b.len())];
        let s = redacted_snippet(&text, sb, &ranges);
        assert!(!s.contains(a) && !s.contains(b), "{s}");
        assert!(!s.contains("wwwwVVVV"));
        assert!(s.chars().count() <= MAX_SNIPPET_LINE_CHARS + 2);
        assert!(s.contains("[redacted sha256:"));
    }
}
