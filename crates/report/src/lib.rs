//! Portcullis report formats.
//!
//! Everything a scan produced is in one [`ScanReport`]; this crate turns it into what a person
//! or a machine reads:
//!
//! | [`Format`] | for | notes |
//! |---|---|---|
//! | `text` | a terminal | grouped by file, snippets with the span marked, colour optional |
//! | `json` | scripts | the `ScanReport` itself, documented in `docs/json-report.md` |
//! | `sarif` | GitHub code scanning, IDEs | SARIF 2.1.0 with rules, code flows, fixes, suppressions, baseline states |
//! | `markdown` | a pull-request comment | verdict, counts, top findings, reasons |
//! | `cyclonedx` | SBOM consumers | CycloneDX 1.6 JSON from the extension and its components |
//!
//! Every string that came from the scanned package (paths, messages, snippets) is treated as
//! hostile: terminal control sequences are neutralised in text output, HTML and Markdown
//! syntax is escaped in Markdown, and paths are percent-encoded in URIs. Rendering never
//! panics and its output is bounded by the report's size.

mod cyclonedx;
mod markdown;
pub mod sanitize;
mod sarif;
mod text;

use portcullis_core::ScanReport;
use std::fmt;
use std::str::FromStr;

/// An output format of `portcullis scan --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Human-readable terminal output (the default).
    #[default]
    Text,
    /// The [`ScanReport`] as JSON (`docs/json-report.md`).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// A pull-request comment in GitHub-flavoured Markdown.
    Markdown,
    /// A CycloneDX 1.6 JSON SBOM.
    Cyclonedx,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Markdown,
        Format::Cyclonedx,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Markdown => "markdown",
            Format::Cyclonedx => "cyclonedx",
        }
    }

    /// The conventional file extension for `--output` defaults.
    pub fn file_extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Markdown => "md",
            Format::Cyclonedx => "cdx.json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = ReportError;
    /// Accepts the lower-case names (any case), plus `md` and `cdx` as short forms.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "markdown" | "md" => Ok(Format::Markdown),
            "cyclonedx" | "cdx" => Ok(Format::Cyclonedx),
            _ => Err(ReportError::UnknownFormat(s.to_string())),
        }
    }
}

/// How to render. `Default` gives plain (uncoloured), capped output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours in `text` output. The caller decides (TTY, `NO_COLOR`, `--color`); no
    /// escape code is ever written when this is false.
    pub color: bool,
    /// Show every finding in `text` output (no per-rule cap) and every suppressed one.
    pub verbose: bool,
    /// `text`: at most this many findings per rule are shown in full, then
    /// "…and N more". Ignored when `verbose`. `0` means no cap.
    pub max_per_rule: usize,
    /// `markdown`: findings shown in the main table; the rest go into a collapsed
    /// `<details>` block (itself capped at [`RenderOptions::markdown_max_total`]).
    pub markdown_top: usize,
    /// `markdown`: hard cap on table rows overall, so a comment stays under GitHub's
    /// 65,536-character limit.
    pub markdown_max_total: usize,
    /// `sarif`: `tool.driver.informationUri`.
    pub information_uri: String,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            verbose: false,
            max_per_rule: 10,
            markdown_top: 10,
            markdown_max_total: 200,
            information_uri: env!("CARGO_PKG_REPOSITORY").to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("unknown report format `{0}` (expected one of: text, json, sarif, markdown, cyclonedx)")]
    UnknownFormat(String),
    #[error("cannot serialize the {format} report: {source}")]
    Serialize {
        format: Format,
        #[source]
        source: serde_json::Error,
    },
}

/// Renders `report` in `format`. The result ends with a newline.
pub fn render(
    report: &ScanReport,
    format: Format,
    options: &RenderOptions,
) -> Result<String, ReportError> {
    let json = |value: &dyn erased::Ser| -> Result<String, ReportError> {
        value
            .to_pretty()
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|source| ReportError::Serialize { format, source })
    };
    match format {
        Format::Text => Ok(text::render(report, options)),
        Format::Json => json(report),
        Format::Sarif => json(&sarif::build(report, options)),
        Format::Markdown => Ok(markdown::render(report, options)),
        Format::Cyclonedx => json(&cyclonedx::build(report)),
    }
}

/// A tiny object-safe wrapper over `serde::Serialize`, so `render` serializes the three JSON
/// formats through one error path.
mod erased {
    pub trait Ser {
        fn to_pretty(&self) -> Result<String, serde_json::Error>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_pretty(&self) -> Result<String, serde_json::Error> {
            serde_json::to_string_pretty(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_by_name() {
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>().unwrap(), f);
        }
        assert_eq!("SARIF".parse::<Format>().unwrap(), Format::Sarif);
        assert_eq!("md".parse::<Format>().unwrap(), Format::Markdown);
        let err = "html".parse::<Format>().unwrap_err().to_string();
        assert!(err.contains("`html`") && err.contains("cyclonedx"), "{err}");
    }
}
