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

use crate::SecretsError;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use portcullis_core::{Confidence, Severity};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

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
    pub regex: Regex,
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
    pub fn compile(spec: RuleSpec, source_name: &str) -> Result<Rule, SecretsError> {
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
            (Some(r), None, None) => r.clone(),
            (None, Some(c), Some(s)) => expand_context(c, s),
            _ => {
                return Err(err(
                    "give either `regex`, or both `context` and `secret`".into()
                ));
            }
        };
        let regex = build_regex(&pattern).map_err(err)?;
        let groups = regex.captures_len();
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
        Ok(Rule {
            id: format!("secrets/{}", spec.id),
            spec,
            regex,
            group,
            span,
            allow_regexes: Vec::new(),
            stopwords: Vec::new(),
            path_regex: None,
            path_deny: None,
        })
    }
}

/// A raw match before filtering.
#[derive(Debug, Clone)]
pub struct RawMatch {
    pub rule: usize,
    /// The whole regex match.
    pub whole: (usize, usize),
    /// The secret (capture group) range.
    pub secret: (usize, usize),
}

/// All compiled rules plus the keyword automaton; built once, shared across threads.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    ac: Option<AhoCorasick>,
    /// For each automaton pattern, the rules it gates.
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
                        if let Some(v) = pattern_rules.get_mut(p) {
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
        // The automaton reports leftmost-longest, non-overlapping matches (faster than an
        // overlapping search). So that a short keyword inside a longer one (`key` in
        // `api_key`) still gates its rules, every keyword also gates the rules of every
        // keyword it contains.
        let closure: Vec<Vec<usize>> = patterns
            .iter()
            .map(|p| {
                let mut rules: Vec<usize> = patterns
                    .iter()
                    .zip(&pattern_rules)
                    .filter(|(q, _)| p.contains(q.as_str()))
                    .flat_map(|(_, r)| r.iter().copied())
                    .collect();
                rules.sort_unstable();
                rules.dedup();
                rules
            })
            .collect();
        let pattern_rules = closure;
        let ac = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    // A few hundred short keywords: a full DFA is small and the fastest.
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .map_err(|e| SecretsError::Rule {
                        source_name: "keyword automaton".into(),
                        id: "*".into(),
                        reason: e.to_string(),
                    })?,
            )
        };
        Ok(RuleSet {
            rules,
            ac,
            pattern_rules,
            ungated,
        })
    }

    /// Every raw match of every enabled rule (`enabled[i]`) in `hay`.
    pub fn find(&self, hay: &[u8], enabled: &dyn Fn(usize) -> bool) -> Vec<RawMatch> {
        let mut windows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.rules.len()];
        // Rules switched off for this file never get windows.
        let en: Vec<bool> = (0..self.rules.len()).map(enabled).collect();
        if let Some(ac) = &self.ac {
            for m in ac.find_iter(hay) {
                let Some(rules) = self.pattern_rules.get(m.pattern().as_usize()) else {
                    continue;
                };
                for &r in rules {
                    let Some(rule) = self.rules.get(r) else {
                        continue;
                    };
                    let start = m.start().saturating_sub(WINDOW_BEFORE);
                    let end = m.end().saturating_add(rule.span).min(hay.len());
                    if let Some(w) = windows.get_mut(r) {
                        // Hits arrive in order: merge with the last window.
                        match w.last_mut() {
                            Some(last) if start <= last.1 => last.1 = last.1.max(end),
                            _ => w.push((start, end)),
                        }
                    }
                }
            }
        }
        for &r in &self.ungated {
            if let Some(w) = windows.get_mut(r) {
                w.push((0, hay.len()));
            }
        }
        let mut out = Vec::new();
        for (r, ws) in windows.into_iter().enumerate() {
            if ws.is_empty() || !en.get(r).copied().unwrap_or(false) {
                continue;
            }
            let Some(rule) = self.rules.get(r) else {
                continue;
            };
            let mut last_end = 0usize;
            for (a, b) in ws {
                let (a, b) = snap(hay, a.max(last_end), b);
                if a >= b {
                    continue;
                }
                last_end = b;
                let Some(slice) = hay.get(a..b) else { continue };
                for caps in rule.regex.captures_iter(slice) {
                    let (Some(whole), Some(secret)) = (caps.get(0), caps.get(rule.group)) else {
                        continue;
                    };
                    out.push(RawMatch {
                        rule: r,
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
    fn windows_snap_to_token_boundaries() {
        let hay = b"xx abcdefgh yy";
        assert_eq!(snap(hay, 5, 7), (3, 11));
        assert_eq!(snap(hay, 0, hay.len()), (0, hay.len()));
    }
}
