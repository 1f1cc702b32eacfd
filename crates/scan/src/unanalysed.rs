//! What was not analysed is never approved.
//!
//! Analyzers, adapters and ingest record every file they could not analyse (too large, nested
//! too deep, unparsable, out of time budget) as a [`NoticeKind::Unanalysed`] notice, and the
//! pipeline records an analyzer that crashed as [`NoticeKind::InternalError`]. Here each one
//! becomes a finding of [`UNANALYSED_CODE`], which carries [`Signal::UnanalysedCode`]: the gate
//! quarantines on the signal, and the report says which files and why.
//!
//! The pipeline also enforces the analyzers' size limits itself ([`SizeLimited`]), so a file
//! over a limit is reported as unanalysed however the analyzer would have told it, and
//! analysis runs on threads with a known, generous stack ([`analysis_pool`]).

use portcullis_core::{
    Analyzer, Context, Finding, Location, Notice, NoticeKind, Output, RuleMeta, SourceFile,
    declare_rule,
};
use std::collections::BTreeSet;
use std::sync::OnceLock;

declare_rule! {
    /// ## What it does
    /// Reports a file, or part of a package, that Portcullis did not analyse: larger than an
    /// analyzer's size limit, nested deeper than a parser's depth limit, unparsable, out of
    /// the analysis time budget, or one an analyzer crashed on. The message names the file and
    /// the reason (the limit and its `portcullis.toml` key where there is one).
    ///
    /// ## Why is this bad?
    /// Code that was not analysed can do anything. Padding a payload past a size limit or
    /// nesting it past a depth limit is the cheapest evasion there is: a 5 MB file that starts
    /// with `require("child_process").exec(req.query.cmd)` must not be approved because it was
    /// too big to read. The default policy quarantines a package with such a finding, so a
    /// reviewer looks at what the scanner could not.
    ///
    /// ## Example
    /// ```text
    /// dist/bundle.js: not analyzed by js: 5242880 bytes exceeds `[js] max-file-bytes` = 4194304
    /// ```
    ///
    /// ## Use instead
    /// Ship source, not a padded bundle; split generated files; or raise the limit in
    /// `portcullis.toml` (`[js] max-file-bytes`, `[secrets] max-file-bytes`) after checking
    /// the file is what it claims to be. A reviewer can accept the finding with a waiver.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/693.html> (Protection Mechanism Failure)
    pub static UNANALYSED_CODE = {
        id: "scan/unanalysed-code",
        title: "Code not analysed",
        category: Code,
        severity: High,
        confidence: High,
        summary: "A file or part of the package was not analysed (size, depth, parse failure, time budget or analyzer crash)",
        cwe: [693],
        signals: [UnanalysedCode],
    }
}

/// Stack size of the analysis threads. Parsers and tree walks recurse once per nesting level;
/// with the per-analyzer depth limits this is several times what the deepest accepted input
/// needs, and it is only reserved address space until touched.
pub const ANALYSIS_STACK_BYTES: usize = 64 * 1024 * 1024;

/// The thread pool every scan runs its analysis on (threads named `portcullis-analysis-N`,
/// [`ANALYSIS_STACK_BYTES`] of stack each), shared by all scans of the process. `None` only
/// when the operating system refuses to create threads; the caller then analyses on its own.
pub fn analysis_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(ANALYSIS_STACK_BYTES)
            .thread_name(|i| format!("portcullis-analysis-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// One finding per file (and reason) that a notice says was not analysed.
pub fn findings(notices: &[Notice]) -> Vec<Finding> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for n in notices {
        let why = match n.kind {
            NoticeKind::Unanalysed => n.message.clone(),
            NoticeKind::InternalError => format!("an analyzer crashed: {}", n.message),
            NoticeKind::General => continue,
        };
        let path = n.path.clone().unwrap_or_default();
        if !seen.insert((path.clone(), why.clone())) {
            continue;
        }
        let (location, subject) = if path.is_empty() {
            (Location::file(""), "part of the package".to_string())
        } else {
            (Location::file(&path), path.clone())
        };
        let key = portcullis_core::location::truncate_chars(&why, 200);
        out.push(
            Finding::from_rule(
                &UNANALYSED_CODE,
                format!("{subject} was not analysed: {why}"),
                location,
            )
            .with_remediation(
                "Review this file by hand before approving, or make it analysable (ship \
                 source rather than a padded or generated bundle, or raise the limit named \
                 in the message after checking the file).",
            )
            .with_fingerprint_key(key),
        );
    }
    out
}

/// The scan crate's own declared rules, for the registry ([`crate::rules`]).
pub static RULES: &[&portcullis_core::rule::Rule] = &[&UNANALYSED_CODE];

/// An analyzer whose per-file size limit the pipeline enforces: a file over it is not given
/// to the analyzer and is reported as unanalysed, naming the limit's `portcullis.toml` key.
pub struct SizeLimited<A> {
    pub inner: A,
    pub max_bytes: u64,
    /// `[js] max-file-bytes`.
    pub setting: &'static str,
}

impl<A: Analyzer> Analyzer for SizeLimited<A> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn rules(&self) -> Vec<RuleMeta> {
        self.inner.rules()
    }
    fn wants(&self, file: &SourceFile) -> bool {
        self.inner.wants(file)
    }
    fn analyze_file(&self, file: &SourceFile, cx: &Context<'_>) -> Output {
        let len = file.bytes.len() as u64;
        if len > self.max_bytes {
            let mut out = Output::default();
            out.unanalysed(
                &file.path,
                format!(
                    "not analyzed by {}: {len} bytes exceeds `{}` = {}",
                    self.inner.name(),
                    self.setting,
                    self.max_bytes
                ),
            );
            return out;
        }
        self.inner.analyze_file(file, cx)
    }
    fn analyze_package(&self, cx: &Context<'_>) -> Output {
        self.inner.analyze_package(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_core::{NoticeLevel, Signal};

    #[test]
    fn unanalysed_and_crash_notices_become_findings_general_ones_do_not() {
        let notices = vec![
            Notice::unanalysed(
                "dist/big.js",
                "not analyzed by js: 5 bytes exceeds `[js] max-file-bytes` = 4",
            ),
            Notice::unanalysed(
                "dist/big.js",
                "not analyzed by js: 5 bytes exceeds `[js] max-file-bytes` = 4",
            ),
            Notice {
                level: NoticeLevel::Error,
                path: Some("lib/x.js".into()),
                message: "internal error in js: boom".into(),
                kind: NoticeKind::InternalError,
            },
            Notice {
                level: NoticeLevel::Info,
                path: Some("README.md".into()),
                message: "link skipped".into(),
                kind: NoticeKind::General,
            },
        ];
        let f = findings(&notices);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().all(|f| f.has_signal(Signal::UnanalysedCode)));
        assert_eq!(f[0].location.path, "dist/big.js");
        assert!(
            f[0].message.contains("`[js] max-file-bytes` = 4"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message
                .contains("lib/x.js was not analysed: an analyzer crashed")
        );
    }

    #[test]
    fn rule_is_documented() {
        for s in [
            "What it does",
            "Why is this bad?",
            "Example",
            "Use instead",
            "References",
        ] {
            assert!(UNANALYSED_CODE.section(s).is_some(), "{s}");
        }
    }
}
