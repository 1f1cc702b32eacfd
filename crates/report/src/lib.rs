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
///
/// The caps can come from a `[report]` table in `portcullis.toml` (kebab-case keys, all
/// optional, unknown keys rejected); `color` and `verbose` normally come from the command
/// line:
///
/// ```toml
/// [report]
/// max-per-rule = 10        # text: findings shown per rule before "…and N more"
/// markdown-top = 10        # markdown: rows in the open table
/// markdown-max-total = 200 # markdown: rows overall (the rest is counted, not listed)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
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
    #[error(
        "unknown report format `{0}` (expected one of: text, json, sarif, markdown, cyclonedx)"
    )]
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
    match format {
        Format::Text => Ok(text::render(report, options)),
        Format::Json => to_json(report, format),
        Format::Sarif => to_json(&sarif::build(report, options), format),
        Format::Markdown => Ok(markdown::render(report, options)),
        Format::Cyclonedx => to_json(&cyclonedx::build(report), format),
    }
}

/// The CycloneDX SBOM of `report` as a JSON value (what `--format cyclonedx` prints), for
/// callers that store it rather than print it.
pub fn cyclonedx_value(report: &ScanReport) -> serde_json::Value {
    cyclonedx::build(report)
}

fn to_json<T: serde::Serialize>(value: &T, format: Format) -> Result<String, ReportError> {
    let mut s = serde_json::to_string_pretty(value)
        .map_err(|source| ReportError::Serialize { format, source })?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_read_from_toml() {
        #[derive(serde::Deserialize)]
        struct Config {
            report: RenderOptions,
        }
        let c: Config = toml::from_str("[report]\nmax-per-rule = 3\nmarkdown-top = 5\n").unwrap();
        assert_eq!(c.report.max_per_rule, 3);
        assert_eq!(c.report.markdown_top, 5);
        assert_eq!(c.report.markdown_max_total, 200);
        assert!(!c.report.color);
        assert!(toml::from_str::<Config>("[report]\nmax_per_rul = 3\n").is_err());
    }

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
