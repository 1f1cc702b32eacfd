//! Import of gitleaks-format rule files, so teams keep the rules they already have.
//!
//! Supported keys per `[[rules]]`: `id`, `description`, `regex`, `secretGroup`, `entropy`,
//! `keywords`, `path` (a regex on the file path), `tags` (ignored), and allowlists either as
//! `[rules.allowlist]` (gitleaks 8.0–8.20) or `[[rules.allowlists]]` (8.21+), each with
//! `regexes`, `stopwords` (both matched against the secret) and `paths`. Rules with only a
//! `path` (file-presence rules) are skipped. Go RE2 syntax is, for what gitleaks rules use,
//! the syntax of the `regex` crate in ASCII mode, which is how imported rules are compiled.
//! An imported rule becomes `secrets/<id>`; severity `high`, confidence `medium`.

use crate::SecretsError;
use crate::rules::{Rule, RuleSpec, build_regex};
use portcullis_core::{Confidence, Severity};
use serde::Deserialize;
use std::path::Path;

/// gitleaks rule files larger than this are rejected.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Deserialize)]
struct File {
    #[serde(default)]
    rules: Vec<GlRule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GlAllow {
    regexes: Vec<String>,
    stopwords: Vec<String>,
    paths: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GlRule {
    id: String,
    description: String,
    regex: Option<String>,
    secret_group: Option<usize>,
    entropy: Option<f64>,
    keywords: Vec<String>,
    path: Option<String>,
    allowlist: Option<GlAllow>,
    allowlists: Vec<GlAllow>,
}

/// Reads and compiles a gitleaks rule file.
pub fn load_file(path: &Path) -> Result<Vec<Rule>, SecretsError> {
    let io = |source| SecretsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(SecretsError::RuleFile {
            path: path.to_path_buf(),
            reason: format!(
                "{} bytes is over the {MAX_FILE_BYTES}-byte limit",
                meta.len()
            ),
        });
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    parse(&text, &path.display().to_string())
}

/// Compiles gitleaks rules from TOML text; `source_name` names it in errors.
pub fn parse(text: &str, source_name: &str) -> Result<Vec<Rule>, SecretsError> {
    let file: File = toml::from_str(text).map_err(|e| SecretsError::RuleFile {
        path: source_name.into(),
        reason: e.to_string(),
    })?;
    let mut out = Vec::new();
    for gl in file.rules {
        let Some(regex) = gl.regex else {
            continue;
        };
        let err = |reason: String| SecretsError::Rule {
            source_name: source_name.to_string(),
            id: gl.id.clone(),
            reason,
        };
        let spec = RuleSpec {
            id: gl.id.clone(),
            name: if gl.description.is_empty() {
                gl.id.clone()
            } else {
                gl.description.clone()
            },
            provider: "custom (gitleaks)".into(),
            keywords: gl.keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
            regex: Some(regex),
            context: None,
            secret: None,
            secret_group: gl.secret_group.filter(|&g| g > 0),
            entropy: gl.entropy,
            severity: Severity::High,
            confidence: Confidence::Medium,
            remediation: None,
            kind: Default::default(),
            files: Default::default(),
            uuid: crate::rules::UuidPolicy::Allow,
            span: None,
            allow_runs: false,
            priority: 1,
            // A user's pattern: nothing says it cannot match a placeholder.
            certain: Some(false),
            t: Vec::new(),
            f: Vec::new(),
        };
        let mut rule = Rule::compile(spec, source_name)?;
        let allows = gl.allowlist.into_iter().chain(gl.allowlists);
        let mut path_allow: Vec<String> = Vec::new();
        for a in allows {
            for r in a.regexes {
                rule.allow_regexes.push(build_regex(&r).map_err(&err)?);
            }
            rule.stopwords
                .extend(a.stopwords.into_iter().map(|s| s.to_ascii_lowercase()));
            path_allow.extend(a.paths);
        }
        if let Some(p) = gl.path {
            rule.path_regex = Some(build_regex(&p).map_err(&err)?);
        }
        if !path_allow.is_empty() {
            // A path allowlist is a negative path filter: fold it into a rule-level check.
            let joined = path_allow
                .iter()
                .map(|p| format!("(?:{p})"))
                .collect::<Vec<_>>()
                .join("|");
            rule.path_deny = Some(build_regex(&joined).map_err(&err)?);
        }
        out.push(rule);
    }
    Ok(out)
}
