//! The human-readable terminal report.
//!
//! Layout, top to bottom: a header naming what was scanned; active findings grouped by file
//! (files ordered by their most severe finding, findings by position), each with its snippet
//! and the span marked with carets, the evidence trace, remediation, CWE and references;
//! "…and N more" lines for rules over the per-rule cap; compact lists of suppressed findings
//! (with their justification) and findings unchanged since the baseline; notices; and the
//! summary: counts per severity, the decision with every reason and its remediation, timing.
//!
//! Every string from the package goes through [`crate::sanitize`]; colour codes are written
//! only when [`RenderOptions::color`] is set.

use crate::RenderOptions;
use crate::sanitize::{terminal, terminal_multiline, terminal_with_widths};
use anstyle::{AnsiColor, Style};
use portcullis_core::{
    BaselineState, Finding, NoticeLevel, Outcome, Region, ScanReport, Severity, SuppressionKind,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Compact sections (suppressed, unchanged) list at most this many entries unless verbose.
const COMPACT_CAP: usize = 20;
/// Snippet lines and characters per line shown at most.
const SNIPPET_LINES: usize = 5;
const SNIPPET_CHARS: usize = 400;
/// Hops of a dependency path shown.
const PATH_HOPS: usize = 8;
/// References shown per finding unless verbose.
const REFERENCE_CAP: usize = 2;

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let label = format!("{:<8}", s.as_str().to_ascii_uppercase());
        let style = match s {
            Severity::Critical => Style::new()
                .bold()
                .fg_color(Some(AnsiColor::BrightWhite.into()))
                .bg_color(Some(AnsiColor::Red.into())),
            Severity::High => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Severity::Low => Style::new().fg_color(Some(AnsiColor::Blue.into())),
            Severity::Info => Style::new().dimmed(),
        };
        self.paint(style, &label)
    }

    fn outcome(&self, o: Outcome) -> String {
        let label = o.as_str().to_ascii_uppercase();
        let style = match o {
            Outcome::Approve => Style::new().bold().fg_color(Some(AnsiColor::Green.into())),
            Outcome::Quarantine => Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            Outcome::Reject => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
        };
        self.paint(style, &label)
    }

    fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }

    fn path(&self, text: &str) -> String {
        self.paint(
            Style::new().bold().fg_color(Some(AnsiColor::Cyan.into())),
            text,
        )
    }

    fn caret(&self, text: &str) -> String {
        self.paint(
            Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            text,
        )
    }
}

/// `path:line:col`, or `path` alone for a file-level location.
fn position(path: &str, region: Option<Region>) -> String {
    let path = terminal(path);
    match region {
        Some(r) if r.start_line > 0 => format!("{path}:{}:{}", r.start_line, r.start_column),
        _ => path.into_owned(),
    }
}

pub(crate) fn render(report: &ScanReport, options: &RenderOptions) -> String {
    let p = Painter {
        color: options.color,
    };
    let mut out = String::new();
    header(report, &p, &mut out);

    let mut sorted: Vec<&Finding> = report.findings.iter().collect();
    sorted.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let active: Vec<&Finding> = sorted.iter().copied().filter(|f| f.is_active()).collect();
    let baseline_in_use = report.findings.iter().any(|f| f.baseline_state.is_some());

    // Per-rule cap, applied in severity order so the most severe occurrences are the ones
    // shown in full.
    let cap = if options.verbose || options.max_per_rule == 0 {
        usize::MAX
    } else {
        options.max_per_rule
    };
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut hidden: BTreeMap<&str, (usize, Severity)> = BTreeMap::new();
    let mut shown: Vec<&Finding> = Vec::new();
    for f in &active {
        let n = per_rule.entry(f.rule_id.as_str()).or_insert(0);
        if *n < cap {
            shown.push(f);
        } else {
            let h = hidden.entry(f.rule_id.as_str()).or_insert((0, f.severity));
            h.0 += 1;
            h.1 = h.1.max(f.severity);
        }
        *n += 1;
    }

    // Group by file, files in order of first (= most severe) appearance.
    let mut files: Vec<(&str, Vec<&Finding>)> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for f in shown {
        let path = f.location.path.as_str();
        let i = *index.entry(path).or_insert_with(|| {
            files.push((path, Vec::new()));
            files.len() - 1
        });
        if let Some((_, v)) = files.get_mut(i) {
            v.push(f);
        }
    }
    for (path, findings) in &mut files {
        findings.sort_by_key(|f| {
            let r = f.location.region.unwrap_or_default();
            (r.start_line, r.start_column, std::cmp::Reverse(f.severity))
        });
        let _ = writeln!(out, "{}", p.path(&terminal(path)));
        for f in findings.iter() {
            finding_block(f, baseline_in_use, options.verbose, &p, &mut out);
        }
    }

    if !hidden.is_empty() {
        let total: usize = hidden.values().map(|h| h.0).sum();
        let _ = writeln!(
            out,
            "{} more findings not shown (at most {} per rule; use --verbose to see all):",
            total, options.max_per_rule
        );
        let mut rows: Vec<(&str, usize, Severity)> =
            hidden.iter().map(|(r, (n, s))| (*r, *n, *s)).collect();
        rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
        for (rule, n, sev) in rows {
            let _ = writeln!(
                out,
                "  {} {}  …and {n} more",
                p.severity(sev),
                p.bold(&terminal(rule))
            );
        }
        out.push('\n');
    }

    suppressed_section(&sorted, options.verbose, &p, &mut out);
    unchanged_section(&sorted, options.verbose, &p, &mut out);
    notices_section(report, &p, &mut out);
    summary(report, &p, &mut out);
    out
}

fn header(report: &ScanReport, p: &Painter, out: &mut String) {
    let mut line = format!(
        "{} {}",
        terminal(&report.tool.name),
        terminal(&report.tool.version)
    );
    if let Some(ext) = &report.extension {
        let _ = write!(line, " · {}", terminal(&ext.name));
        if let Some(v) = &ext.version {
            let _ = write!(line, "@{}", terminal(v));
        }
        let _ = write!(line, " ({})", ext.platform);
    }
    let _ = write!(line, " · {}", terminal(&report.target.source));
    let _ = writeln!(out, "{}", p.bold(&line));
    let sha: String = report.target.sha256.chars().take(16).collect();
    let _ = writeln!(
        out,
        "{}",
        p.dim(&format!(
            "{} files, {} · sha256 {}",
            report.target.files,
            human_bytes(report.target.bytes),
            terminal(&sha)
        ))
    );
    if let Some(w) = portcullis_core::VulnDbStatus::of(report).and_then(|s| s.warning()) {
        let _ = writeln!(
            out,
            "{} {}",
            p.paint(
                Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
                "warning:"
            ),
            terminal(&w)
        );
    }
    out.push('\n');
}

fn finding_block(f: &Finding, baseline_in_use: bool, verbose: bool, p: &Painter, out: &mut String) {
    let mut title = format!(
        "{} {}  {}",
        p.severity(f.severity),
        p.bold(&terminal(&f.rule_id)),
        terminal(&f.message)
    );
    if baseline_in_use && f.baseline_state != Some(BaselineState::Unchanged) {
        title.push_str(&p.dim("  [new]"));
    }
    let _ = writeln!(out, "  {title}");
    let _ = writeln!(
        out,
        "    --> {}",
        position(&f.location.path, f.location.region)
    );
    if let (Some(snippet), Some(region)) = (&f.location.snippet, f.location.region) {
        snippet_block(snippet, region, p, out);
    }
    if !f.evidence.is_empty() {
        let _ = writeln!(out, "    = trace:");
        for (i, step) in f.evidence.iter().enumerate() {
            let _ = writeln!(
                out,
                "        {}. {}  {}",
                i + 1,
                position(&step.location.path, step.location.region),
                terminal(&step.message)
            );
        }
    }
    // Dependency findings: how the package got in (the deps analyzer's `dependency_path`).
    if let Some(path) = f
        .properties
        .get("dependency_path")
        .and_then(serde_json::Value::as_array)
        .filter(|p| p.len() > 1)
    {
        let hops: Vec<String> = path
            .iter()
            .take(PATH_HOPS)
            .filter_map(serde_json::Value::as_str)
            .map(|h| terminal(h).into_owned())
            .collect();
        let more = if path.len() > PATH_HOPS {
            " → …"
        } else {
            ""
        };
        let _ = writeln!(out, "    = via: {}{more}", hops.join(" → "));
    }
    if let Some(fix) = &f.remediation {
        let text = terminal_multiline(fix).replace('\n', "\n            ");
        let _ = writeln!(out, "    = help: {text}");
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(
            out,
            "    = autofix available: {} (apply with --fix)",
            terminal(&fix.description)
        );
    }
    let mut facts: Vec<String> = f.cwe.iter().map(|c| format!("CWE-{c}")).collect();
    facts.push(format!("confidence {}", f.confidence));
    if !f.fingerprint.is_empty() {
        let short: String = f.fingerprint.as_str().chars().take(12).collect();
        facts.push(format!("fingerprint {}", terminal(&short)));
    }
    let _ = writeln!(out, "    = {}", p.dim(&facts.join(" · ")));
    let refs = if verbose {
        f.references.len()
    } else {
        REFERENCE_CAP
    };
    for r in f.references.iter().take(refs) {
        let _ = writeln!(out, "    = see {}", terminal(r));
    }
    out.push('\n');
}

/// Prints the snippet lines with a gutter and a caret line under the region's columns.
fn snippet_block(snippet: &str, region: Region, p: &Painter, out: &mut String) {
    // Core bounds snippets, but a report read back from JSON may not have been built by it.
    let lines: Vec<&str> = snippet.split('\n').take(SNIPPET_LINES).collect();
    let last_line = region.start_line.saturating_add(
        u32::try_from(lines.len())
            .unwrap_or(u32::MAX)
            .saturating_sub(1),
    );
    let gutter = last_line.to_string().len();
    let _ = writeln!(out, "    {:>gutter$} |", "");
    for (i, raw) in lines.iter().enumerate() {
        let line_no = region
            .start_line
            .saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let raw = match raw.char_indices().nth(SNIPPET_CHARS) {
            Some((cut, _)) => raw.get(..cut).unwrap_or(raw),
            None => raw,
        };
        let (text, widths) = terminal_with_widths(raw);
        let _ = writeln!(out, "    {line_no:>gutter$} | {text}");
        // Columns (1-based, code points) to mark on this line: [from, to).
        let from = if line_no == region.start_line {
            region.start_column.max(1) as usize
        } else {
            1
        };
        let to = if line_no == region.end_line {
            region.end_column as usize
        } else if line_no < region.end_line {
            widths.len() + 1
        } else {
            0
        };
        if line_no < region.start_line || line_no > region.end_line.max(region.start_line) {
            continue;
        }
        let caret = caret_line(&widths, from, to);
        let _ = writeln!(out, "    {:>gutter$} | {}", "", p.caret(&caret));
    }
}

/// Spaces up to column `from`, then `^` up to (excluding) column `to`, in display cells. An
/// empty or inverted range still gets one caret so the start is always pointed at; a start
/// past the end of the (possibly truncated) line is pinned to the line's end.
fn caret_line(widths: &[usize], from: usize, to: usize) -> String {
    let from = from.clamp(1, widths.len() + 1);
    let to = to.clamp(from, widths.len() + 1);
    let pad: usize = widths.iter().take(from - 1).sum();
    let marked: usize = widths
        .iter()
        .skip(from - 1)
        .take(to - from)
        .sum::<usize>()
        .max(1);
    format!("{}{}", " ".repeat(pad), "^".repeat(marked))
}

fn suppressed_section(sorted: &[&Finding], verbose: bool, p: &Painter, out: &mut String) {
    let suppressed: Vec<&&Finding> = sorted.iter().filter(|f| f.suppression.is_some()).collect();
    if suppressed.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{} {}",
        p.bold(&format!("Suppressed ({}):", suppressed.len())),
        p.dim("reported, never counted by the gate")
    );
    let cap = if verbose { usize::MAX } else { COMPACT_CAP };
    for f in suppressed.iter().take(cap) {
        let Some(s) = &f.suppression else { continue };
        let kind = match s.kind {
            SuppressionKind::Inline => "inline",
            SuppressionKind::Config => "config",
            SuppressionKind::Waiver => "waiver",
        };
        let _ = writeln!(
            out,
            "  {}  {}  {kind}: {}",
            position(&f.location.path, f.location.region),
            terminal(&f.rule_id),
            terminal(&s.justification)
        );
    }
    if suppressed.len() > cap {
        let _ = writeln!(
            out,
            "  …and {} more (use --verbose)",
            suppressed.len() - cap
        );
    }
    out.push('\n');
}

fn unchanged_section(sorted: &[&Finding], verbose: bool, p: &Painter, out: &mut String) {
    let unchanged: Vec<&&Finding> = sorted
        .iter()
        .filter(|f| f.suppression.is_none() && f.baseline_state == Some(BaselineState::Unchanged))
        .collect();
    if unchanged.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{} {}",
        p.bold(&format!("Unchanged since baseline ({}):", unchanged.len())),
        p.dim("not counted by the gate")
    );
    let cap = if verbose { usize::MAX } else { COMPACT_CAP };
    for f in unchanged.iter().take(cap) {
        let _ = writeln!(
            out,
            "  {}  {} {}  {}",
            position(&f.location.path, f.location.region),
            f.severity,
            terminal(&f.rule_id),
            terminal(&f.message)
        );
    }
    if unchanged.len() > cap {
        let _ = writeln!(out, "  …and {} more (use --verbose)", unchanged.len() - cap);
    }
    out.push('\n');
}

fn notices_section(report: &ScanReport, p: &Painter, out: &mut String) {
    if report.notices.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        p.bold(&format!("Notices ({}):", report.notices.len()))
    );
    for n in &report.notices {
        let level = match n.level {
            NoticeLevel::Info => p.dim("info"),
            NoticeLevel::Warning => p.paint(
                Style::new().fg_color(Some(AnsiColor::Yellow.into())),
                "warning",
            ),
            NoticeLevel::Error => p.paint(
                Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
                "error",
            ),
        };
        match &n.path {
            Some(path) => {
                let _ = writeln!(
                    out,
                    "  {level}: {}: {}",
                    terminal(path),
                    terminal(&n.message)
                );
            }
            None => {
                let _ = writeln!(out, "  {level}: {}", terminal(&n.message));
            }
        }
    }
    out.push('\n');
}

fn summary(report: &ScanReport, p: &Painter, out: &mut String) {
    let counts = report.active_counts();
    let total: usize = counts.values().sum();
    let suppressed = report
        .findings
        .iter()
        .filter(|f| f.suppression.is_some())
        .count();
    let unchanged = report
        .findings
        .iter()
        .filter(|f| f.suppression.is_none() && f.baseline_state == Some(BaselineState::Unchanged))
        .count();
    let per: Vec<String> = Severity::ALL
        .iter()
        .map(|s| format!("{} {s}", counts.get(s).copied().unwrap_or(0)))
        .collect();
    let mut line = format!(
        "{} {total} finding{} ({})",
        p.bold("Findings:"),
        if total == 1 { "" } else { "s" },
        per.join(", ")
    );
    let mut extra = Vec::new();
    if suppressed > 0 {
        extra.push(format!("{suppressed} suppressed"));
    }
    if unchanged > 0 {
        extra.push(format!("{unchanged} unchanged since baseline"));
    }
    if !extra.is_empty() {
        let _ = write!(line, "; {}", extra.join(", "));
    }
    let _ = writeln!(out, "{line}");

    let d = &report.decision;
    let _ = writeln!(out, "{} {}", p.bold("Decision:"), p.outcome(d.outcome));
    for r in &d.reasons {
        let _ = writeln!(
            out,
            "  - [{}] {}: {}",
            r.outcome,
            terminal(&r.policy),
            terminal(&r.message)
        );
        if let Some(fix) = &r.remediation {
            let text = terminal_multiline(fix).replace('\n', "\n          ");
            let _ = writeln!(out, "      fix: {text}");
        }
    }
    if !d.required_reviewers.is_empty() {
        let reviewers: Vec<String> = d
            .required_reviewers
            .iter()
            .map(|r| terminal(r).into_owned())
            .collect();
        let _ = writeln!(out, "  Required reviewers: {}", reviewers.join(", "));
    }

    let mut timing = format!(
        "Scanned {} files in {}",
        report.stats.files_analyzed,
        human_ms(report.stats.duration_ms)
    );
    if !report.stats.analyzer_ms.is_empty() {
        let parts: Vec<String> = report
            .stats
            .analyzer_ms
            .iter()
            .map(|(name, ms)| format!("{} {}", terminal(name), human_ms(*ms)))
            .collect();
        let _ = write!(timing, " ({})", parts.join(", "));
    }
    let _ = writeln!(out, "{}", p.dim(&timing));
}

fn human_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{}.{:02} s", ms / 1000, (ms % 1000) / 10)
    }
}

fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if b < 1024 {
        return format!("{b} B");
    }
    let mut v = b as f64 / 1024.0;
    let mut unit = UNITS[0];
    for u in UNITS.iter().skip(1) {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carets_cover_the_span() {
        assert_eq!(caret_line(&[1; 10], 3, 6), "  ^^^");
        // Inverted or empty span: one caret at the start.
        assert_eq!(caret_line(&[1; 10], 4, 2), "   ^");
        // Start beyond the line (a truncated snippet): pinned to the end.
        assert_eq!(caret_line(&[1; 3], 50, 60), "   ^");
        // An escaped control char is four cells wide.
        assert_eq!(caret_line(&[1, 4, 1], 2, 3), " ^^^^");
        assert_eq!(caret_line(&[], 1, 1), "^");
    }

    #[test]
    fn multi_line_regions_mark_each_line() {
        let mut out = String::new();
        let p = Painter { color: false };
        let region = Region {
            start_line: 9,
            start_column: 5,
            end_line: 10,
            end_column: 3,
        };
        snippet_block("abc defgh\nxy);\ntrailing", region, &p, &mut out);
        assert_eq!(
            out,
            "       |\n     9 | abc defgh\n       |     ^^^^^\n    10 | xy);\n       | ^^\n    11 | trailing\n"
        );
    }

    #[test]
    fn sizes_and_durations_read_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MiB");
        assert_eq!(human_ms(42), "42 ms");
        assert_eq!(human_ms(1234), "1.23 s");
    }
}
