//! Triage: what happens to findings between the analyzers and the gate.
//!
//! In order: rule selection (`[rules] enable/disable`), severity overrides, fingerprints,
//! inline suppressions (`portcullis-ignore[rule-id]: reason`), `[[ignore]]` entries from the
//! config, and the baseline. Suppressed findings stay in the report, marked with who
//! suppressed them and why; they never count against the gate.

use crate::config::{Config, IgnoreEntry, parse_date, rule_matches, today};
use portcullis_core::{
    BaselineState, Finding, Notice, NoticeLevel, Package, Suppression, SuppressionKind,
    assign_fingerprints, location::LineIndex,
};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The marker of an inline suppression comment.
pub const INLINE_MARKER: &str = "portcullis-ignore";

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("baseline {path} is not a Portcullis JSON or SARIF report: {message}")]
    Format { path: PathBuf, message: String },
}

/// Fingerprints of a previous scan, from its JSON report (`--format json`) or SARIF.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub fingerprints: HashSet<String>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|message| BaselineError::Format {
            path: path.to_path_buf(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Baseline, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut fingerprints = HashSet::new();
        if let Some(findings) = value.get("findings").and_then(|f| f.as_array()) {
            for f in findings {
                if let Some(fp) = f.get("fingerprint").and_then(|v| v.as_str()) {
                    fingerprints.insert(fp.to_string());
                }
            }
        } else if let Some(runs) = value.get("runs").and_then(|r| r.as_array()) {
            for run in runs {
                for result in run
                    .get("results")
                    .and_then(|r| r.as_array())
                    .into_iter()
                    .flatten()
                {
                    if let Some(fp) = result
                        .pointer("/partialFingerprints/portcullis~1v1")
                        .and_then(|v| v.as_str())
                    {
                        fingerprints.insert(fp.to_string());
                    }
                }
            }
        } else {
            return Err("no `findings` array and no SARIF `runs`".into());
        }
        Ok(Baseline { fingerprints })
    }
}

/// Applies rule selection and severity overrides, and drops disabled findings.
pub fn select(findings: &mut Vec<Finding>, config: &Config) {
    let rules = &config.rules;
    findings.retain(|f| {
        let enabled =
            rules.enable.is_empty() || rules.enable.iter().any(|s| rule_matches(s, &f.rule_id));
        enabled && !rules.disable.iter().any(|s| rule_matches(s, &f.rule_id))
    });
    if !rules.severity.is_empty() {
        for f in findings.iter_mut() {
            if let Some(sev) = rules.severity.get(&f.rule_id) {
                f.severity = *sev;
            }
        }
    }
}

/// Fingerprints, suppressions and baseline state. Returns notices about the triage itself
/// (reasonless or forbidden inline suppressions, expired ignores).
pub fn triage(
    findings: &mut [Finding],
    package: &Package,
    config: &Config,
    allow_inline: bool,
    baseline: Option<&Baseline>,
) -> Vec<Notice> {
    let mut notices = Vec::new();
    assign_fingerprints(findings);
    apply_inline(findings, package, allow_inline, &mut notices);
    apply_ignores(findings, &config.ignore, &mut notices);
    if let Some(baseline) = baseline {
        for f in findings.iter_mut() {
            f.baseline_state = Some(if baseline.fingerprints.contains(f.fingerprint.as_str()) {
                BaselineState::Unchanged
            } else {
                BaselineState::New
            });
        }
    }
    notices
}

/// A parsed `portcullis-ignore[...]: reason` comment.
#[derive(Debug, PartialEq, Eq)]
pub struct InlineSuppression {
    /// Rule selectors; empty = every rule.
    pub rules: Vec<String>,
    pub reason: String,
}

/// Parses the suppression marker on one line of source, if any.
pub fn parse_inline(line: &str) -> Option<InlineSuppression> {
    let at = line.find(INLINE_MARKER)?;
    let mut rest = &line[at + INLINE_MARKER.len()..];
    let mut rules = Vec::new();
    if let Some(after) = rest.strip_prefix('[') {
        let close = after.find(']')?;
        rules = after[..close]
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        rest = &after[close + 1..];
    }
    let reason = rest
        .trim_start()
        .strip_prefix(':')
        .map(|r| {
            r.trim()
                .trim_end_matches("*/")
                .trim_end_matches("-->")
                .trim()
        })
        .unwrap_or("");
    Some(InlineSuppression {
        rules,
        reason: reason.to_string(),
    })
}

fn is_comment_only(line: &str) -> bool {
    let t = line.trim_start();
    ["//", "/*", "*", "#", "<!--"]
        .iter()
        .any(|p| t.starts_with(p))
}

fn apply_inline(
    findings: &mut [Finding],
    package: &Package,
    allow: bool,
    notices: &mut Vec<Notice>,
) {
    let mut indexes: HashMap<&str, (LineIndex, &str)> = HashMap::new();
    let mut reported: HashSet<(String, u32)> = HashSet::new();
    for f in findings.iter_mut() {
        let Some(line_no) = f.location.start_line() else {
            continue;
        };
        if line_no == 0 {
            continue;
        }
        let Some(file) = package.file(&f.location.path) else {
            continue;
        };
        let Some(text) = file.text() else { continue };
        // Cheap check before building a line index for this file.
        if !text.contains(INLINE_MARKER) {
            continue;
        }
        let (index, text) = indexes
            .entry(file.path.as_str())
            .or_insert_with(|| (LineIndex::new(text), text));
        let same = index.line_text(text, line_no);
        let previous = if line_no > 1 {
            index.line_text(text, line_no - 1)
        } else {
            ""
        };
        let found = parse_inline(same).map(|s| (s, line_no)).or_else(|| {
            is_comment_only(previous)
                .then(|| parse_inline(previous))
                .flatten()
                .map(|s| (s, line_no - 1))
        });
        let Some((sup, at_line)) = found else {
            continue;
        };
        if !sup.rules.is_empty()
            && !sup
                .rules
                .iter()
                .any(|r| rule_matches(r, &f.rule_id) || r == "*")
        {
            continue;
        }
        let key = (f.location.path.clone(), at_line);
        if !allow {
            if reported.insert(key) {
                notices.push(Notice {
                    kind: portcullis_core::NoticeKind::General,
                    level: NoticeLevel::Warning,
                    path: Some(f.location.path.clone()),
                    message: format!(
                        "line {at_line}: inline suppression ignored: this scan does not allow the scanned code to suppress its own findings"
                    ),
                });
            }
            f.tags.push("inline-suppression-ignored".into());
            continue;
        }
        if sup.reason.is_empty() {
            if reported.insert(key) {
                notices.push(Notice {
                    kind: portcullis_core::NoticeKind::General,
                    level: NoticeLevel::Warning,
                    path: Some(f.location.path.clone()),
                    message: format!(
                        "line {at_line}: `{INLINE_MARKER}` without a reason is not honoured; write `{INLINE_MARKER}[{}]: <why>`",
                        f.rule_id
                    ),
                });
            }
            continue;
        }
        f.suppression = Some(Suppression {
            kind: SuppressionKind::Inline,
            justification: sup.reason,
        });
    }
}

fn apply_ignores(findings: &mut [Finding], entries: &[IgnoreEntry], notices: &mut Vec<Notice>) {
    let today = today();
    let mut active = Vec::new();
    for entry in entries {
        if let Some(exp) = entry.expires.as_deref().and_then(parse_date)
            && exp < today
        {
            notices.push(Notice {
                kind: portcullis_core::NoticeKind::General,
                level: NoticeLevel::Warning,
                path: None,
                message: format!(
                    "ignore entry for `{}` expired on {}; its findings count again",
                    describe(entry),
                    entry.expires.as_deref().unwrap_or_default()
                ),
            });
            continue;
        }
        let glob = if entry.path.is_empty() {
            None
        } else {
            match globset::Glob::new(&entry.path) {
                Ok(g) => Some(g.compile_matcher()),
                Err(e) => {
                    notices.push(Notice {
                        kind: portcullis_core::NoticeKind::General,
                        level: NoticeLevel::Error,
                        path: None,
                        message: format!(
                            "ignore entry path `{}` is not a valid glob: {e}",
                            entry.path
                        ),
                    });
                    continue;
                }
            }
        };
        active.push((entry, glob));
    }
    for f in findings.iter_mut().filter(|f| f.suppression.is_none()) {
        let hit = active.iter().find(|(e, glob)| {
            (e.rule.is_empty() || rule_matches(&e.rule, &f.rule_id))
                && glob.as_ref().is_none_or(|g| g.is_match(&f.location.path))
                && (e.fingerprint.is_empty() || e.fingerprint == f.fingerprint.as_str())
        });
        if let Some((entry, _)) = hit {
            f.suppression = Some(Suppression {
                kind: SuppressionKind::Config,
                justification: entry.reason.clone(),
            });
        }
    }
}

fn describe(e: &IgnoreEntry) -> String {
    [e.rule.as_str(), e.path.as_str(), e.fingerprint.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::{Category, FileKind, Location, Origin, Severity, SourceFile};

    fn package(path: &str, text: &str) -> Package {
        Package {
            source: "t".into(),
            origin: Origin::Directory,
            sha256: String::new(),
            files: vec![SourceFile::new(
                path,
                FileKind::JavaScript,
                text.as_bytes().to_vec(),
            )],
        }
    }

    fn finding_on(text: &str, needle: &str, rule: &str) -> Finding {
        let off = text.find(needle).unwrap();
        Finding::new(
            rule,
            Category::Code,
            Severity::High,
            "m",
            Location::from_offsets("lib/a.js", text, off, off + needle.len()),
        )
    }

    #[test]
    fn parses_markers() {
        assert_eq!(
            parse_inline(
                "exec(x); // portcullis-ignore[js/command-injection, js/eval]: constant input"
            ),
            Some(InlineSuppression {
                rules: vec!["js/command-injection".into(), "js/eval".into()],
                reason: "constant input".into()
            })
        );
        assert_eq!(
            parse_inline("/* portcullis-ignore: vetted */")
                .unwrap()
                .reason,
            "vetted"
        );
        assert_eq!(
            parse_inline("// portcullis-ignore[js/x]").unwrap().reason,
            ""
        );
        assert!(parse_inline("// nothing here").is_none());
    }

    #[test]
    fn inline_suppression_on_previous_line_with_reason() {
        let text = "// portcullis-ignore[js/command-injection]: the command is a constant\nexec(cmd);\nexec(other);\n";
        let pkg = package("lib/a.js", text);
        let mut fs = vec![
            finding_on(text, "exec(cmd)", "js/command-injection"),
            finding_on(text, "exec(other)", "js/command-injection"),
        ];
        let notices = triage(&mut fs, &pkg, &Config::default(), true, None);
        assert!(notices.is_empty());
        assert_eq!(
            fs[0].suppression.as_ref().unwrap().kind,
            SuppressionKind::Inline
        );
        assert_eq!(
            fs[0].suppression.as_ref().unwrap().justification,
            "the command is a constant"
        );
        assert!(fs[1].suppression.is_none());
        assert!(!fs[0].is_active());
        assert!(fs[1].is_active());
    }

    #[test]
    fn reasonless_or_forbidden_suppressions_are_not_honoured() {
        let text = "exec(cmd); // portcullis-ignore[js/command-injection]\n";
        let pkg = package("lib/a.js", text);
        let mut fs = vec![finding_on(text, "exec(cmd)", "js/command-injection")];
        let notices = triage(&mut fs, &pkg, &Config::default(), true, None);
        assert!(fs[0].suppression.is_none());
        assert!(notices[0].message.contains("without a reason"));

        let text = "exec(cmd); // portcullis-ignore[js/command-injection]: trust me\n";
        let pkg = package("lib/a.js", text);
        let mut fs = vec![finding_on(text, "exec(cmd)", "js/command-injection")];
        let notices = triage(&mut fs, &pkg, &Config::default(), false, None);
        assert!(fs[0].suppression.is_none());
        assert!(notices[0].message.contains("does not allow"));
    }

    #[test]
    fn wrong_rule_does_not_suppress() {
        let text = "exec(cmd); // portcullis-ignore[js/eval]: unrelated\n";
        let pkg = package("lib/a.js", text);
        let mut fs = vec![finding_on(text, "exec(cmd)", "js/command-injection")];
        triage(&mut fs, &pkg, &Config::default(), true, None);
        assert!(fs[0].suppression.is_none());
    }

    #[test]
    fn config_ignores_match_rule_path_and_expire() {
        let text = "exec(cmd);\n";
        let pkg = package("lib/a.js", text);
        let config = Config::parse(
            "[[ignore]]\nrule = 'js/'\npath = 'lib/**'\nreason = 'legacy'\n\n[[ignore]]\nrule = 'js/command-injection'\nreason = 'old'\nexpires = '2001-01-01'\n",
        )
        .unwrap();
        let mut fs = vec![finding_on(text, "exec(cmd)", "js/command-injection")];
        let notices = triage(&mut fs, &pkg, &config, true, None);
        let s = fs[0].suppression.as_ref().unwrap();
        assert_eq!(
            (s.kind, s.justification.as_str()),
            (SuppressionKind::Config, "legacy")
        );
        assert!(notices.iter().any(|n| n.message.contains("expired")));

        let config =
            Config::parse("[[ignore]]\nrule = 'js/'\npath = 'test/**'\nreason = 'x'\n").unwrap();
        let mut fs = vec![finding_on(text, "exec(cmd)", "js/command-injection")];
        triage(&mut fs, &pkg, &config, true, None);
        assert!(fs[0].suppression.is_none());
    }

    #[test]
    fn baseline_marks_new_and_unchanged() {
        let text = "exec(a);\nexec(b);\n";
        let pkg = package("lib/a.js", text);
        let mut old = vec![finding_on(text, "exec(a)", "js/command-injection")];
        triage(&mut old, &pkg, &Config::default(), true, None);
        let json =
            serde_json::json!({ "findings": [ { "fingerprint": old[0].fingerprint.as_str() } ] });
        let baseline = Baseline::parse(&json.to_string()).unwrap();
        let shifted = format!("\n\n{text}");
        let pkg = package("lib/a.js", &shifted);
        let mut fs = vec![
            finding_on(&shifted, "exec(a)", "js/command-injection"),
            finding_on(&shifted, "exec(b)", "js/command-injection"),
        ];
        triage(&mut fs, &pkg, &Config::default(), true, Some(&baseline));
        assert_eq!(fs[0].baseline_state, Some(BaselineState::Unchanged));
        assert_eq!(fs[1].baseline_state, Some(BaselineState::New));
        assert!(!fs[0].is_active());
        assert!(Baseline::parse("{\"x\": 1}").is_err());
    }

    #[test]
    fn selection_and_severity_overrides() {
        let text = "exec(a);\n";
        let config = Config::parse(
            "[rules]\ndisable = ['js/eval']\nseverity = { 'js/command-injection' = 'low' }\n",
        )
        .unwrap();
        let mut fs = vec![
            finding_on(text, "exec(a)", "js/command-injection"),
            finding_on(text, "exec(a)", "js/eval"),
        ];
        select(&mut fs, &config);
        assert_eq!(fs.len(), 1);
        assert_eq!(fs[0].severity, Severity::Low);
    }
}
