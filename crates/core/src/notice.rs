//! What a [`crate::Notice`] is about, as a type rather than a message prefix.
//!
//! Most notices are [`NoticeKind::General`]: something to know about the scan. Two kinds carry
//! meaning the rest of the pipeline acts on: [`NoticeKind::Unanalysed`] (a file, or part of
//! one, was not analysed: too large, nested too deep, unparsable, out of time budget) becomes
//! a finding with [`crate::Signal::UnanalysedCode`], so what was not analysed is never
//! approved; [`NoticeKind::InternalError`] records an analyzer that crashed, which the CLI
//! turns into its internal-error exit code.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeKind {
    #[default]
    General,
    /// The notice's file was not (completely) analysed; the message says why.
    Unanalysed,
    /// An analyzer panicked; its results for the notice's file (or the package) are missing.
    InternalError,
}

impl NoticeKind {
    /// For `skip_serializing_if`: general notices keep the report shape they always had.
    pub fn is_general(&self) -> bool {
        *self == NoticeKind::General
    }
}

impl crate::Notice {
    /// A notice that `path` was not analysed, and why (the reason names the limit).
    pub fn unanalysed(path: impl Into<String>, reason: impl Into<String>) -> crate::Notice {
        crate::Notice {
            level: crate::NoticeLevel::Warning,
            path: Some(path.into()),
            message: reason.into(),
            kind: NoticeKind::Unanalysed,
        }
    }
}

impl crate::Output {
    /// Records that `path` was not analysed (see [`NoticeKind::Unanalysed`]).
    pub fn unanalysed(&mut self, path: &str, reason: impl Into<String>) {
        self.notices.push(crate::Notice::unanalysed(path, reason));
    }
}
