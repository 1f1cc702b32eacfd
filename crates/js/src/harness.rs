//! Rule fixture tests, Semgrep style: a comment `ruleid: <id>[, <id>…]` says the next code line
//! must have a finding of that rule, `ok: <id>` says it must not. For every rule a fixture file
//! mentions, findings of that rule on lines without a `ruleid:` annotation are failures too
//! (false positives). `// portcullis-platform: n8n` in a fixture analyzes it as part of an
//! extension of that platform.

use crate::JsAnalyzer;
use portcullis_core::{Extension, Platform};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const MAX_FILES: usize = 10_000;
const MAX_DIR_DEPTH: u32 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// A `ruleid:` line without a finding of the rule.
    Missed,
    /// A finding on an `ok:` line or on a line without a `ruleid:` annotation.
    Unexpected,
    /// The fixture could not be read.
    Error,
}

#[derive(Debug, Clone)]
pub struct RuleTestFailure {
    pub path: String,
    pub line: u32,
    pub rule: String,
    pub kind: FailureKind,
    pub detail: String,
}

#[derive(Debug, Clone, Default)]
pub struct RuleTestReport {
    pub files: usize,
    /// Annotations checked.
    pub annotations: usize,
    pub failures: Vec<RuleTestFailure>,
    /// Rules with at least one `ruleid:` annotation that passed.
    pub positive: BTreeSet<String>,
    /// Rules with at least one `ok:` annotation that passed.
    pub negative: BTreeSet<String>,
}

impl RuleTestReport {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.files > 0
    }

    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} fixture files, {} annotations, {} failures\n",
            self.files,
            self.annotations,
            self.failures.len()
        );
        for f in &self.failures {
            s.push_str(&format!(
                "  {:?} {} at {}:{} — {}\n",
                f.kind, f.rule, f.path, f.line, f.detail
            ));
        }
        s
    }
}

/// Runs every fixture under `dir` (recursively) through `analyzer`.
pub fn run_rule_tests(dir: &Path, analyzer: &JsAnalyzer) -> RuleTestReport {
    let mut report = RuleTestReport::default();
    let mut files = Vec::new();
    collect(dir, 0, &mut files, &mut report);
    files.sort();
    for path in files {
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        match std::fs::read_to_string(&path) {
            Ok(text) => check_file(&rel, &text, analyzer, &mut report),
            Err(e) => report.failures.push(RuleTestFailure {
                path: rel,
                line: 0,
                rule: String::new(),
                kind: FailureKind::Error,
                detail: format!("cannot read fixture: {e}"),
            }),
        }
        report.files += 1;
    }
    report
}

fn collect(dir: &Path, depth: u32, out: &mut Vec<std::path::PathBuf>, report: &mut RuleTestReport) {
    if depth > MAX_DIR_DEPTH || out.len() >= MAX_FILES {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            report.failures.push(RuleTestFailure {
                path: dir.display().to_string(),
                line: 0,
                rule: String::new(),
                kind: FailureKind::Error,
                detail: format!("cannot read directory: {e}"),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let p = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            collect(&p, depth + 1, out, report);
        } else if ft.is_file()
            && crate::source::source_type(&p.to_string_lossy()).is_some()
            && out.len() < MAX_FILES
        {
            out.push(p);
        }
    }
}

/// Annotations of one file: rule → (expected lines, ok lines).
fn annotations(text: &str) -> BTreeMap<String, (BTreeSet<u32>, BTreeSet<u32>)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut map: BTreeMap<String, (BTreeSet<u32>, BTreeSet<u32>)> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let Some((kind, ids)) = parse_annotation(line) else {
            continue;
        };
        // The target is the next line that is neither blank nor another annotation.
        let mut j = i + 1;
        while j < lines.len()
            && (lines[j].trim().is_empty() || parse_annotation(lines[j]).is_some())
        {
            j += 1;
        }
        let target = u32::try_from(j + 1).unwrap_or(u32::MAX);
        for id in ids {
            let e = map.entry(id).or_default();
            if kind {
                e.0.insert(target);
            } else {
                e.1.insert(target);
            }
        }
    }
    map
}

/// `(true, ids)` for `ruleid:`, `(false, ids)` for `ok:`.
fn parse_annotation(line: &str) -> Option<(bool, Vec<String>)> {
    let t = line.trim_start();
    let body = t
        .strip_prefix("//")
        .or_else(|| t.strip_prefix("/*"))
        .or_else(|| t.strip_prefix("{/*"))
        .or_else(|| t.strip_prefix("<!--"))?
        .trim_start();
    let (kind, rest) = if let Some(r) = body.strip_prefix("ruleid:") {
        (true, r)
    } else if let Some(r) = body.strip_prefix("ok:") {
        (false, r)
    } else {
        return None;
    };
    let rest = rest
        .trim_end()
        .trim_end_matches('}')
        .trim_end_matches("-->")
        .trim_end_matches("*/");
    let ids: Vec<String> = rest
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    (!ids.is_empty()).then_some((kind, ids))
}

fn platform_header(text: &str) -> Option<Platform> {
    text.lines().take(5).find_map(|l| {
        let (_, p) = l.split_once("portcullis-platform:")?;
        match p.trim().trim_end_matches("-->").trim() {
            "n8n" => Some(Platform::N8n),
            "node-red" => Some(Platform::NodeRed),
            "forge" => Some(Platform::Forge),
            "npm" => Some(Platform::Npm),
            _ => None,
        }
    })
}

/// Analyzes one fixture the way the harness does: as part of an extension of the platform its
/// `portcullis-platform:` header names, if any.
pub fn analyze_fixture(analyzer: &JsAnalyzer, rel: &str, text: &str) -> portcullis_core::Output {
    let ext = platform_header(text).map(|platform| Extension {
        platform,
        name: "fixture".into(),
        version: None,
        description: None,
        manifest_path: "package.json".into(),
        entry_points: Vec::new(),
        declared: Default::default(),
    });
    analyzer.analyze_text(rel, text, ext.as_ref())
}

fn check_file(rel: &str, text: &str, analyzer: &JsAnalyzer, report: &mut RuleTestReport) {
    let out = analyze_fixture(analyzer, rel, text);
    let ann = annotations(text);
    for (rule, (expected, ok)) in ann {
        let actual: BTreeSet<u32> = out
            .findings
            .iter()
            .filter(|f| f.rule_id == rule)
            .filter_map(|f| f.location.start_line())
            .collect();
        report.annotations += expected.len() + ok.len();
        let mut pos_ok = !expected.is_empty();
        for l in &expected {
            if !actual.contains(l) {
                pos_ok = false;
                report.failures.push(RuleTestFailure {
                    path: rel.to_string(),
                    line: *l,
                    rule: rule.clone(),
                    kind: FailureKind::Missed,
                    detail: "expected a finding on this line".into(),
                });
            }
        }
        let mut neg_ok = !ok.is_empty();
        for l in &actual {
            if !expected.contains(l) {
                if ok.contains(l) {
                    neg_ok = false;
                }
                let msg = out
                    .findings
                    .iter()
                    .find(|f| f.rule_id == rule && f.location.start_line() == Some(*l))
                    .map(|f| f.message.clone())
                    .unwrap_or_default();
                report.failures.push(RuleTestFailure {
                    path: rel.to_string(),
                    line: *l,
                    rule: rule.clone(),
                    kind: FailureKind::Unexpected,
                    detail: format!("unexpected finding: {msg}"),
                });
            }
        }
        if pos_ok {
            report.positive.insert(rule.clone());
        }
        if neg_ok {
            report.negative.insert(rule);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_syntax() {
        assert_eq!(
            parse_annotation("  // ruleid: js/a, js/b"),
            Some((true, vec!["js/a".to_string(), "js/b".to_string()]))
        );
        assert_eq!(
            parse_annotation("<!-- ok: js/xss -->"),
            Some((false, vec!["js/xss".to_string()]))
        );
        assert_eq!(parse_annotation("exec(x) // ruleid: js/a"), None);
        let m = annotations("// ruleid: js/a\n\n// ok: js/b\nexec(x);\n");
        assert_eq!(m["js/a"].0.iter().copied().collect::<Vec<_>>(), vec![4]);
        assert_eq!(m["js/b"].1.iter().copied().collect::<Vec<_>>(), vec![4]);
    }
}
