//! Detectors as data: the rule format, its compilation, and the keyword-gated matcher.
//!
//! A rule is either a full `regex` with a secret capture group, or the *context form*: a
//! `context` alternation (the key name that must precede the value, e.g. `mailgun`) and a
//! `secret` pattern; the context form is expanded into one assignment-shaped regex so that
//! "a 32-hex string after something called mailgun…" is one line of data.
//!
//! Matching is linear in the input: one Aho-Corasick pass (ASCII case-insensitive) over the
//! whole file finds every keyword; each rule's regex then runs only on windows around its
//! keywords' hits (merged, so a rule never scans a byte twice). Rules without keywords scan
//! the whole file (their regex has its own literal prefilter). Every regex is compiled per
//! rule in ASCII mode (`unicode(false)`), never as one giant alternation, and the `regex`
//! crate guarantees linear time, so no input causes catastrophic backtracking.
//!
//! Speed. The keyword pass touches every byte, so it is the scan's floor: it walks the
//! automaton's DFA directly, over several slices of a file in lock-step (a DFA step is one
//! dependent memory load; independent streams let the CPU overlap them). Built-in regexes
//! are compiled on first use: the private-key rules' bounded repetitions (`{64,16384}`)
//! alone cost a tenth of a second to compile and most scans never need them.

use crate::SecretsError;
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{Anchored, MatchKind, StartKind};
use portcullis_core::rule::Rule as CoreRule;
use portcullis_core::{Confidence, Severity};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;
use std::sync::OnceLock;

/// The built-in rule file, embedded at compile time.
pub const BUILTIN_RULES: &str = include_str!("rules.toml");

/// How a rule's matches are post-filtered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// A provider-specific token format (prefix, checksum-like shape).
    #[default]
    Provider,
    /// A generic `key = "value"` assignment: the value must look random and not like code,
    /// prose or a placeholder; never run on lockfiles.
    Generic,
    /// A private key block.
    PrivateKey,
    /// Credentials embedded in a URL or connection string (the secret is the password).
    Url,
    /// No regex: each keyword hit is read as a key/value pair in whatever format the file
    /// uses ([`crate::kv`]) and judged by the generic credential model.
    Extract,
}

/// Which files a rule applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileScope {
    #[default]
    Any,
    /// Configuration-like files only (`.env`, YAML, TOML, `.properties`, `.npmrc`, …): for
    /// unquoted `KEY=value` forms that would be noise in code.
    Config,
}

/// What UUID-shaped values mean for a rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UuidPolicy {
    /// A UUID is an identifier, not a secret: drop it.
    #[default]
    Reject,
    /// Report UUIDs with low confidence (a generic `secret = "<uuid>"`).
    Low,
    /// The provider's secrets are UUIDs (Heroku, Postmark, …), and the context proves it.
    Allow,
}

/// One rule as written in the rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RuleSpec {
    /// `<name>`; the finding's rule id is `secrets/<name>`.
    pub id: String,
    pub name: String,
    pub provider: String,
    /// Literals (matched ASCII case-insensitively) that must occur near a match.
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub regex: Option<String>,
    /// Context form: alternation of key-name fragments (regex syntax, case-insensitive).
    #[serde(default)]
    pub context: Option<String>,
    /// Context form: the value pattern (case-sensitive).
    #[serde(default)]
    pub secret: Option<String>,
    /// Capture group holding the secret; default 1 when the regex has groups, else 0.
    #[serde(default)]
    pub secret_group: Option<usize>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub entropy: Option<f64>,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    #[serde(default = "default_confidence")]
    pub confidence: Confidence,
    /// How to rotate; a provider-generic text is used when absent.
    #[serde(default)]
    pub remediation: Option<String>,
    #[serde(default)]
    pub kind: RuleKind,
    #[serde(default)]
    pub files: FileScope,
    #[serde(default)]
    pub uuid: UuidPolicy,
    /// Bytes after a keyword hit the regex may need (default 512; private keys need more).
    #[serde(default)]
    pub span: Option<usize>,
    /// The provider's format legitimately contains long runs of one character (Dropbox's
    /// `AAAAAAAAAA`): skip the run part of the placeholder check.
    #[serde(default)]
    pub allow_runs: bool,
    /// Higher wins when two rules report overlapping secrets.
    #[serde(default)]
    pub priority: i32,
    /// Whether a match is certain to be a real credential (not a placeholder): the secret
    /// starts with the provider's fixed prefix. Default: a provider rule whose secret
    /// starts with one of its keywords (see [`Rule::format_certain`]).
    #[serde(default)]
    pub certain: Option<bool>,
    /// Labelled fixtures: each `t` must be reported by this rule, no `f` may be. `{{cls:n}}`
    /// expands at test time to `n` pseudo-random characters of class `cls` (so no
    /// real-looking token is committed).
    #[serde(default)]
    pub t: Vec<String>,
    #[serde(default)]
    pub f: Vec<String>,
}

fn default_severity() -> Severity {
    Severity::High
}
fn default_confidence() -> Confidence {
    Confidence::High
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<RuleSpec>,
}

/// Parses a rule file in Portcullis' own format.
pub fn parse_rules(text: &str, source_name: &str) -> Result<Vec<RuleSpec>, SecretsError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| SecretsError::RuleFile {
        path: source_name.into(),
        reason: e.to_string(),
    })?;
    Ok(file.rule)
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// Full id, `secrets/<name>`.
    pub id: String,
    pub spec: RuleSpec,
    /// The pattern [`Rule::regex`] compiles (the context form already expanded).
    pub pattern: String,
    /// Compiled on first use (see [`Rule::compile_lazy`]); `None` if that failed.
    regex: OnceLock<Option<Regex>>,
    pub group: usize,
    /// Window after a keyword hit.
    pub span: usize,
    /// Extra per-rule allowlist (imported gitleaks rules): regexes on the secret.
    pub allow_regexes: Vec<Regex>,
    /// Case-insensitive stopwords on the secret (imported gitleaks rules).
    pub stopwords: Vec<String>,
    /// Only files whose path matches (imported gitleaks `path`).
    pub path_regex: Option<Regex>,
    /// Never on files whose path matches (imported gitleaks path allowlists).
    pub path_deny: Option<Regex>,
    /// The rule's declaration (id, docs, severity, signals) that findings are built from.
    pub decl: CoreRule,
}

/// Maximum length of a regex pattern in a rule (bounds compile time and memory).
const MAX_PATTERN_LEN: usize = 8 * 1024;
/// Compiled-size limit per regex.
const REGEX_SIZE_LIMIT: usize = 8 * 1024 * 1024;

pub(crate) fn build_regex(pattern: &str) -> Result<Regex, String> {
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(format!("pattern longer than {MAX_PATTERN_LEN} bytes"));
    }
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string())
}

/// The assignment shape the context form expands to: `<context…> [=:] <secret>`, accepting
/// JS/JSON/YAML/`.env`/header forms (`mailgunKey = "…"`, `"MAILGUN_KEY": "…"`,
/// `MAILGUN_KEY=…`, `'X-Mailgun-Key': '…'`).
fn expand_context(context: &str, secret: &str) -> String {
    format!(
        r#"(?i:(?:{context})[\w.-]{{0,40}})['"]?\s{{0,4}}(?:=|:=|:|=>|\|\|=|\?\?=)\s{{0,4}}['"`]?({secret})(?:[^A-Za-z0-9_+/=-]|$)"#
    )
}

impl Rule {
    /// Compiles the rule's regex now: every error (syntax, size limit) is reported here.
    /// For rules from users' files.
    pub fn compile(spec: RuleSpec, source_name: &str) -> Result<Rule, SecretsError> {
        let rule = Rule::compile_lazy(spec, source_name)?;
        let regex = build_regex(&rule.pattern).map_err(|reason| SecretsError::Rule {
            source_name: source_name.to_string(),
            id: rule.spec.id.clone(),
            reason,
        })?;
        // Cannot fail: the cell was created empty just above.
        let _ = rule.regex.set(Some(regex));
        Ok(rule)
    }

    /// Checks the rule (id, syntax, capture group, keywords) but compiles its regex only
    /// when [`Rule::regex`] is first called. For the built-in rules, whose compilation is
    /// tested; a pattern that parses but exceeds the size limit would make the rule match
    /// nothing instead of failing here.
    pub fn compile_lazy(spec: RuleSpec, source_name: &str) -> Result<Rule, SecretsError> {
        let err = |reason: String| SecretsError::Rule {
            source_name: source_name.to_string(),
            id: spec.id.clone(),
            reason,
        };
        if spec.id.is_empty()
            || !spec
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(err("id must be non-empty [A-Za-z0-9._-]".into()));
        }
        let pattern = match (&spec.regex, &spec.context, &spec.secret) {
            (None, None, None) if spec.kind == RuleKind::Extract => {
                if spec.keywords.is_empty() {
                    return Err(err("an `extract` rule needs keywords".into()));
                }
                // Never compiled: extract rules read pairs at their keyword hits.
                String::new()
            }
            (Some(_), ..) | (_, Some(_), _) if spec.kind == RuleKind::Extract => {
                return Err(err("an `extract` rule has no `regex` or `context`".into()));
            }
            (Some(r), None, None) => r.clone(),
            (None, Some(c), Some(s)) => expand_context(c, s),
            _ => {
                return Err(err(
                    "give either `regex`, or both `context` and `secret`".into()
                ));
            }
        };
        let groups = captures_len(&pattern).map_err(err)?;
        let group = match spec.secret_group {
            Some(g) if g < groups => g,
            Some(g) => {
                return Err(err(format!(
                    "secret-group {g} but the regex has {} groups",
                    groups - 1
                )));
            }
            None if spec.context.is_some() => 1,
            None if groups > 1 => 1,
            None => 0,
        };
        if spec.keywords.iter().any(|k| k.is_empty() || k.len() > 64) {
            return Err(err("keywords must be 1..=64 bytes".into()));
        }
        let span = spec
            .span
            .unwrap_or(match spec.kind {
                RuleKind::PrivateKey => 16 * 1024,
                _ => 512,
            })
            .clamp(64, 64 * 1024);
        let decl = crate::decl::declaration(&spec);
        Ok(Rule {
            id: format!("secrets/{}", spec.id),
            decl,
            spec,
            pattern,
            regex: OnceLock::new(),
            group,
            span,
            allow_regexes: Vec::new(),
            stopwords: Vec::new(),
            path_regex: None,
            path_deny: None,
        })
    }
}

impl Rule {
    /// Whether `secret`, matched by this rule, has the provider's fixed format (a prefix no
    /// placeholder carries): `certain` in the rule file, else a provider rule whose secret
    /// starts with one of its keywords of 3+ bytes (`ghp_…`, `xoxb-…`, `AKIA…`).
    pub fn format_certain(&self, secret: &str) -> bool {
        match self.spec.certain {
            Some(c) => c,
            None => {
                self.spec.kind == RuleKind::Provider
                    && self.spec.keywords.iter().any(|k| {
                        k.len() >= 3
                            && secret
                                .get(..k.len())
                                .is_some_and(|p| p.eq_ignore_ascii_case(k))
                    })
            }
        }
    }

    /// The compiled regex (compiled now if this is its first use); `None` only for a lazily
    /// compiled rule whose pattern exceeds the size limit.
    pub fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| build_regex(&self.pattern).ok())
            .as_ref()
    }
}

/// Number of capture groups (group 0 included) of `pattern` as [`build_regex`] compiles it,
/// from a parse alone (no automaton is built).
fn captures_len(pattern: &str) -> Result<usize, String> {
    if pattern.len() > MAX_PATTERN_LEN {
        return Err(format!("pattern longer than {MAX_PATTERN_LEN} bytes"));
    }
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())?;
    Ok(hir.properties().explicit_captures_len() + 1)
}

/// A raw match before filtering.
#[derive(Debug, Clone)]
pub struct RawMatch {
    pub rule: usize,
    /// The key of an extracted pair ([`RuleKind::Extract`]), and whether its value was bare.
    pub pair: Option<((usize, usize), crate::kv::Quote)>,
    /// The whole regex match.
    pub whole: (usize, usize),
    /// The secret (capture group) range.
    pub secret: (usize, usize),
}

/// All compiled rules plus the keyword automaton; built once, shared across threads.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    keywords: Option<Keywords>,
    /// For each keyword, the rules it gates.
    pattern_rules: Vec<Vec<usize>>,
    /// Rules with no keyword: they scan whole files.
    ungated: Vec<usize>,
}

/// How far before a keyword hit a match may start (the key name precedes the keyword, a
/// PEM header precedes `PRIVATE KEY`).
const WINDOW_BEFORE: usize = 160;
/// Window boundaries are moved outwards over token characters at most this far, so a
/// window never cuts a token in two (which could fake a word boundary).
const SNAP_LIMIT: usize = 256;

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'=' | b'.' | b'~')
}

/// A keyword occurrence: pattern index and end offset (the start is `end - len`).
#[derive(Debug, Clone, Copy)]
struct Hit {
    pattern: usize,
    end: usize,
}

/// Independent DFA walks interleaved by [`Keywords::hits`]. Measured stand-alone on the
/// text files of the benchmark corpus (108 MB, bench/secrets/): 1 stream 0.23 s, 4 streams
/// 0.14 s, 8 streams 0.11 s of CPU.
const STREAMS: usize = 8;
/// Below this many bytes per stream a file is walked as one stream (setting up the
/// streams would cost more than it saves).
const MIN_STREAM_BYTES: usize = 256;

/// The keyword automaton: a DFA with standard (overlapping) match semantics, so every
/// occurrence of every keyword is reported, a short keyword inside a longer one included.
#[derive(Debug)]
struct Keywords {
    dfa: aho_corasick::dfa::DFA,
    start: StateID,
    /// Length of each keyword (ASCII case folding does not change lengths).
    lens: Vec<usize>,
    max_len: usize,
}

impl Keywords {
    fn new(patterns: &[String]) -> Result<Keywords, String> {
        let dfa = aho_corasick::dfa::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            // The walk below is hand-written and does not consult a prefilter; for a few
            // hundred keywords none would be effective anyway.
            .prefilter(false)
            .build(patterns)
            .map_err(|e| e.to_string())?;
        let start = dfa.start_state(Anchored::No).map_err(|e| e.to_string())?;
        let lens: Vec<usize> = patterns.iter().map(String::len).collect();
        let max_len = lens.iter().copied().max().unwrap_or(1).max(1);
        Ok(Keywords {
            dfa,
            start,
            lens,
            max_len,
        })
    }

    /// Appends every keyword occurrence in `hay` to `out`, in order of end offset.
    fn hits(&self, hay: &[u8], out: &mut Vec<Hit>) {
        let n = hay.len();
        if n < STREAMS * MIN_STREAM_BYTES {
            self.walk(hay, 0, 0, self.start, out);
            return;
        }
        // Stream k reports the hits ending in (bounds[k], bounds[k+1]]; it starts
        // `max_len - 1` bytes early so that the automaton is in the right state for a
        // keyword that straddles the boundary.
        let chunk = n / STREAMS;
        let bounds: [usize; STREAMS] = std::array::from_fn(|k| k * chunk);
        let ends: [usize; STREAMS] =
            std::array::from_fn(|k| bounds.get(k + 1).copied().unwrap_or(n));
        let begins: [usize; STREAMS] =
            std::array::from_fn(|k| bounds[k].saturating_sub(self.max_len - 1));
        let streams: [&[u8]; STREAMS] =
            std::array::from_fn(|k| hay.get(begins[k]..ends[k]).unwrap_or(&[]));
        // Every stream has at least `chunk` bytes; the last one may have a few more. The
        // lock-step part walks `common` bytes of each, with the states in registers and
        // the rare match handling out of line.
        let common = streams.iter().map(|s| s.len()).min().unwrap_or(0);
        let heads: [&[u8]; STREAMS] =
            std::array::from_fn(|k| streams[k].get(..common).unwrap_or(&[]));
        let mut sids = [self.start; STREAMS];
        let mut found: [Vec<Hit>; STREAMS] = std::array::from_fn(|_| Vec::new());
        for i in 0..common {
            let mut any = false;
            for k in 0..STREAMS {
                let b = heads[k].get(i).copied().unwrap_or(0);
                sids[k] = self.dfa.next_state(Anchored::No, sids[k], b);
                any |= self.dfa.is_match(sids[k]);
            }
            if any {
                self.record(sids, i, &begins, &bounds, &mut found);
            }
        }
        for k in 0..STREAMS {
            let rest = streams[k].get(common..).unwrap_or(&[]);
            self.walk(rest, begins[k] + common, bounds[k], sids[k], &mut found[k]);
        }
        for f in &found {
            out.extend_from_slice(f);
        }
    }

    /// The match states among `sids` after byte `i` of each stream.
    #[cold]
    #[inline(never)]
    fn record(
        &self,
        sids: [StateID; STREAMS],
        i: usize,
        begins: &[usize; STREAMS],
        bounds: &[usize; STREAMS],
        found: &mut [Vec<Hit>; STREAMS],
    ) {
        for k in 0..STREAMS {
            if self.dfa.is_match(sids[k]) {
                let end = begins[k] + i + 1;
                if end > bounds[k] {
                    self.push_matches(sids[k], end, &mut found[k]);
                }
            }
        }
    }

    /// One stream: `hay` starts at offset `base` of the file, hits ending at or before
    /// `report_after` belong to the previous stream.
    fn walk(
        &self,
        hay: &[u8],
        base: usize,
        report_after: usize,
        mut sid: StateID,
        out: &mut Vec<Hit>,
    ) {
        for (i, &b) in hay.iter().enumerate() {
            sid = self.dfa.next_state(Anchored::No, sid, b);
            if self.dfa.is_match(sid) {
                let end = base + i + 1;
                if end > report_after {
                    self.push_matches(sid, end, out);
                }
            }
        }
    }

    #[inline]
    fn push_matches(&self, sid: StateID, end: usize, out: &mut Vec<Hit>) {
        for j in 0..self.dfa.match_len(sid) {
            out.push(Hit {
                pattern: self.dfa.match_pattern(sid, j).as_usize(),
                end,
            });
        }
    }
}

impl RuleSet {
    pub fn new(rules: Vec<Rule>) -> Result<RuleSet, SecretsError> {
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_rules: Vec<Vec<usize>> = Vec::new();
        let mut ungated = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if rule.spec.keywords.is_empty() {
                ungated.push(i);
            }
            for kw in &rule.spec.keywords {
                let kw = kw.to_ascii_lowercase();
                match patterns.iter().position(|p| *p == kw) {
                    Some(p) => {
                        if let Some(v) = pattern_rules.get_mut(p)
                            && !v.contains(&i)
                        {
                            v.push(i);
                        }
                    }
                    None => {
                        patterns.push(kw);
                        pattern_rules.push(vec![i]);
                    }
                }
            }
        }
        let keywords = if patterns.is_empty() {
            None
        } else {
            Some(
                Keywords::new(&patterns).map_err(|reason| SecretsError::Rule {
                    source_name: "keyword automaton".into(),
                    id: "*".into(),
                    reason,
                })?,
            )
        };
        Ok(RuleSet {
            rules,
            keywords,
            pattern_rules,
            ungated,
        })
    }

    /// Every raw match of every enabled rule (`enabled(i)`) in `hay`.
    pub fn find(&self, hay: &[u8], enabled: &dyn Fn(usize) -> bool) -> Vec<RawMatch> {
        let mut hits = Vec::new();
        if let Some(kw) = &self.keywords {
            kw.hits(hay, &mut hits);
        }
        // (rule, window) pairs; sorted below so each rule's windows can be merged.
        let mut windows: Vec<(usize, usize, usize)> = Vec::new();
        let mut out = Vec::new();
        // Extract rules' enabled state, asked once per file.
        let mut extract_on: Vec<(usize, bool)> = Vec::new();
        for h in &hits {
            let Some(rules) = self.pattern_rules.get(h.pattern) else {
                continue;
            };
            let len = self.keywords.as_ref().and_then(|k| k.lens.get(h.pattern));
            let kw_start = h.end.saturating_sub(len.copied().unwrap_or(0));
            for &r in rules {
                let Some(rule) = self.rules.get(r) else {
                    continue;
                };
                if rule.spec.kind == RuleKind::Extract {
                    let on = match extract_on.iter().find(|e| e.0 == r) {
                        Some(e) => e.1,
                        None => {
                            let on = enabled(r);
                            extract_on.push((r, on));
                            on
                        }
                    };
                    if let Some(p) = on
                        .then(|| crate::kv::pair_at(hay, kw_start, h.end))
                        .flatten()
                    {
                        out.push(RawMatch {
                            rule: r,
                            pair: Some((p.key, p.quote)),
                            whole: (p.key.0, p.value.1),
                            secret: p.value,
                        });
                    }
                    continue;
                }
                let start = kw_start.saturating_sub(WINDOW_BEFORE);
                let end = h.end.saturating_add(rule.span).min(hay.len());
                windows.push((r, start, end));
            }
        }
        for &r in &self.ungated {
            windows.push((r, 0, hay.len()));
        }
        windows.sort_unstable();
        let mut i = 0;
        while let Some(&(r, ..)) = windows.get(i) {
            let n = windows
                .get(i..)
                .map_or(0, |w| w.iter().take_while(|w| w.0 == r).count());
            let these = windows.get(i..i + n).unwrap_or(&[]);
            i += n.max(1);
            // Rules switched off for this file (or whose regex failed to compile) get no
            // windows scanned; `enabled` is asked only for rules that have windows.
            if !enabled(r) {
                continue;
            }
            let Some(rule) = self.rules.get(r) else {
                continue;
            };
            let Some(regex) = rule.regex() else {
                continue;
            };
            let mut merged: Vec<(usize, usize)> = Vec::new();
            for &(_, a, b) in these {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            let mut last_end = 0usize;
            for (a, b) in merged {
                let (a, b) = snap(hay, a.max(last_end), b);
                if a >= b {
                    continue;
                }
                last_end = b;
                let Some(slice) = hay.get(a..b) else { continue };
                for caps in regex.captures_iter(slice) {
                    let (Some(whole), Some(secret)) = (caps.get(0), caps.get(rule.group)) else {
                        continue;
                    };
                    out.push(RawMatch {
                        rule: r,
                        pair: None,
                        whole: (a + whole.start(), a + whole.end()),
                        secret: (a + secret.start(), a + secret.end()),
                    });
                }
            }
        }
        out
    }
}

/// Moves `a` left and `b` right over token bytes (bounded), so the window edges fall on
/// token boundaries.
fn snap(hay: &[u8], mut a: usize, mut b: usize) -> (usize, usize) {
    let mut n = 0;
    while a > 0 && n < SNAP_LIMIT && hay.get(a - 1).is_some_and(|&c| is_token_byte(c)) {
        a -= 1;
        n += 1;
    }
    n = 0;
    while b < hay.len() && n < SNAP_LIMIT && hay.get(b).is_some_and(|&c| is_token_byte(c)) {
        b += 1;
        n += 1;
    }
    (a, b.min(hay.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_form_matches_common_assignment_shapes() {
        let re = build_regex(&expand_context("mailgun", "[a-f0-9]{32}")).unwrap();
        let v = "0123456789abcdef0123456789abcdef";
        for line in [
            format!("const MAILGUN_API_KEY = '{v}';"),
            format!("\"mailgunKey\": \"{v}\","),
            format!("MAILGUN_KEY={v}"),
            format!("mailgun_key: {v}"),
        ] {
            let caps = re.captures(line.as_bytes()).expect(&line);
            assert_eq!(caps.get(1).unwrap().as_bytes(), v.as_bytes());
        }
        // A longer token is not cut to 32 characters.
        assert!(
            re.captures(format!("mailgun = '{v}ff'").as_bytes())
                .is_none()
        );
    }

    #[test]
    fn keyword_streams_report_every_occurrence_once() {
        let kws: Vec<String> = [
            "token",
            "ghp_",
            "q~",
            "secret_key",
            "key",
            "begin rsa private key",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let k = Keywords::new(&kws).unwrap();
        // Big enough for the lock-step streams; keywords (in mixed case) straddle every
        // stream boundary, overlap each other, and sit at both ends.
        let mut hay = b"TOKEN ".to_vec();
        let filler = b"lorem ipsum dolor sit amet, consectetur adipiscing elit; ";
        while hay.len() < STREAMS * MIN_STREAM_BYTES * 3 {
            hay.extend_from_slice(filler);
        }
        let n = hay.len();
        // Straddling the boundary, starting just before it, ending exactly on it, starting
        // on it.
        let cases: [(usize, &[u8]); 4] =
            [(3, b"Secret_Key"), (1, b"ghP_"), (5, b"toKen"), (0, b"q~")];
        for b in 1..STREAMS {
            let at = b * (n / STREAMS);
            let (off, kw) = cases[b % cases.len()];
            let p = at - off;
            hay.get_mut(p..p + kw.len()).unwrap().copy_from_slice(kw);
        }
        hay.extend_from_slice(b"-----BEGIN RSA PRIVATE KEY-----");
        let expected: Vec<(usize, usize)> = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&kws)
            .unwrap()
            .find_overlapping_iter(&hay)
            .map(|m| (m.end(), m.pattern().as_usize()))
            .collect();
        let mut got = Vec::new();
        k.hits(&hay, &mut got);
        let mut got: Vec<(usize, usize)> = got.iter().map(|h| (h.end, h.pattern)).collect();
        got.sort_unstable();
        let mut expected_sorted = expected.clone();
        expected_sorted.sort_unstable();
        assert_eq!(got, expected_sorted);
        // The leading `TOKEN`, one keyword per boundary (plus `key` inside `secret_key`),
        // the PEM header and the `key` inside it.
        assert!(expected.len() >= STREAMS + 2, "{}", expected.len());
        // Short inputs take the single-stream path and agree as well.
        let short = b"x = 'ghp_abc'; SECRET_KEY=1; q~";
        let mut got = Vec::new();
        k.hits(short, &mut got);
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn lazy_rules_are_checked_at_build_and_compile_on_use() {
        let spec = |regex: &str| RuleSpec {
            id: "x".into(),
            name: "x".into(),
            provider: "x".into(),
            keywords: vec!["tok".into()],
            regex: Some(regex.into()),
            context: None,
            secret: None,
            secret_group: Some(2),
            entropy: None,
            severity: Severity::High,
            confidence: Confidence::High,
            remediation: None,
            kind: RuleKind::Provider,
            files: FileScope::Any,
            uuid: UuidPolicy::Reject,
            span: None,
            allow_runs: false,
            priority: 0,
            certain: None,
            t: Vec::new(),
            f: Vec::new(),
        };
        assert!(Rule::compile_lazy(spec("tok_(["), "t").is_err());
        // Group 2 does not exist: found from the parse alone.
        assert!(Rule::compile_lazy(spec("tok_([a-z]+)"), "t").is_err());
        let rule = Rule::compile_lazy(spec("(tok)_([a-z]{8})"), "t").unwrap();
        let re = rule.regex().unwrap();
        let caps = re.captures(b"a tok_abcdefgh b").unwrap();
        assert_eq!(caps.get(rule.group).unwrap().as_bytes(), b"abcdefgh");
    }

    #[test]
    fn windows_snap_to_token_boundaries() {
        let hay = b"xx abcdefgh yy";
        assert_eq!(snap(hay, 5, 7), (3, 11));
        assert_eq!(snap(hay, 0, hay.len()), (0, hay.len()));
    }
}
