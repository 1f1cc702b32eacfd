//! The pull-request comment: GitHub-flavoured Markdown.
//!
//! A reviewer reads it top-down and usually stops early, so the order is: a one-line verdict,
//! the decision's reasons (what failed and what to do), counts per severity, the most severe
//! findings in a table, the rest collapsed in `<details>`, then one remediation hint per
//! rule. All text from the package (paths, messages, justifications) is escaped with
//! [`markdown_inline`]: no raw HTML, no links, no table breakouts.

use crate::RenderOptions;
use crate::sanitize::markdown_inline;
use portcullis_core::location::truncate_chars;
use portcullis_core::{BaselineState, Finding, Outcome, ScanReport, Severity};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Characters of a message kept in a table cell.
const MESSAGE_CHARS: usize = 160;
/// Characters of a path kept in a table cell (the tail, which names the file, is kept).
const PATH_CHARS: usize = 80;
/// Hints listed under "How to fix".
const HINT_RULES: usize = 10;

fn esc(s: &str) -> String {
    markdown_inline(s)
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", esc(s))
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "🟣 Critical",
        Severity::High => "🔴 High",
        Severity::Medium => "🟠 Medium",
        Severity::Low => "🟡 Low",
        Severity::Info => "⚪ Info",
    }
}

fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Approve => "✅ **Approved**",
        Outcome::Quarantine => "⚠️ **Quarantined** for review",
        Outcome::Reject => "❌ **Rejected**",
    }
}

/// Keeps the end of a long path (the file name matters most), marking the cut.
fn short_path(path: &str) -> String {
    let n = path.chars().count();
    if n <= PATH_CHARS {
        return path.to_string();
    }
    let tail: String = path.chars().skip(n - (PATH_CHARS - 1)).collect();
    format!("…{tail}")
}

fn location_cell(f: &Finding) -> String {
    let path = short_path(&f.location.path);
    match f.location.region {
        Some(r) if r.start_line > 0 => code(&format!("{path}:{}", r.start_line)),
        _ => code(&path),
    }
}

fn finding_row(f: &Finding, baseline_in_use: bool) -> String {
    let mut msg = esc(&truncate_chars(&f.message, MESSAGE_CHARS));
    if baseline_in_use && f.baseline_state != Some(BaselineState::Unchanged) {
        msg.push_str(" <sup>new</sup>");
    }
    format!(
        "| {} | {} | {} | {} |\n",
        severity_label(f.severity),
        code(&f.rule_id),
        location_cell(f),
        msg
    )
}

const TABLE_HEAD: &str = "| Severity | Rule | Location | Message |\n|---|---|---|---|\n";

pub(crate) fn render(report: &ScanReport, options: &RenderOptions) -> String {
    let mut out = String::new();
    let mut active: Vec<&Finding> = report.findings.iter().filter(|f| f.is_active()).collect();
    active.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let counts = report.active_counts();
    let baseline_in_use = report.findings.iter().any(|f| f.baseline_state.is_some());

    // Verdict.
    let subject = match &report.extension {
        Some(e) => {
            let name = match &e.version {
                Some(v) => format!("{}@{}", e.name, v),
                None => e.name.clone(),
            };
            format!("{} ({})", code(&name), e.platform)
        }
        None => code(&report.target.source),
    };
    let count_text = if active.is_empty() {
        "no open findings".to_string()
    } else {
        let parts: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|s| counts.get(s).map(|n| format!("{n} {s}")))
            .collect();
        format!(
            "{} open finding{} ({})",
            active.len(),
            if active.len() == 1 { "" } else { "s" },
            parts.join(", ")
        )
    };
    let _ = writeln!(
        out,
        "### Portcullis: {} · {subject} · {count_text}\n",
        outcome_label(report.decision.outcome)
    );
    if let Some(w) = portcullis_core::VulnDbStatus::of(report).and_then(|s| s.warning()) {
        let _ = writeln!(out, "> [!WARNING]\n> {}\n", esc(&w));
    }

    // Why: the decision's reasons.
    if !report.decision.reasons.is_empty() {
        out.push_str("#### Why\n\n");
        for r in &report.decision.reasons {
            let _ = writeln!(
                out,
                "- **{}** · {}: {}",
                r.outcome,
                code(&r.policy),
                esc(&r.message)
            );
            if let Some(fix) = &r.remediation {
                let _ = writeln!(out, "  - *Fix:* {}", esc(fix));
            }
        }
        if !report.decision.required_reviewers.is_empty() {
            let names: Vec<String> = report
                .decision
                .required_reviewers
                .iter()
                .map(|r| code(r))
                .collect();
            let _ = writeln!(out, "- Required reviewers: {}", names.join(", "));
        }
        out.push('\n');
    }

    // Counts.
    out.push_str("| Severity | Open |\n|---|---:|\n");
    for s in Severity::ALL {
        let _ = writeln!(
            out,
            "| {} | {} |",
            severity_label(s),
            counts.get(&s).copied().unwrap_or(0)
        );
    }
    out.push('\n');

    // Findings: top N in the open, the rest collapsed, everything capped.
    if !active.is_empty() {
        let top = options.markdown_top.min(options.markdown_max_total);
        let _ = writeln!(out, "#### Findings\n");
        out.push_str(TABLE_HEAD);
        for f in active.iter().take(top) {
            out.push_str(&finding_row(f, baseline_in_use));
        }
        out.push('\n');
        let rest: Vec<&&Finding> = active
            .iter()
            .skip(top)
            .take(options.markdown_max_total.saturating_sub(top))
            .collect();
        if !rest.is_empty() {
            let _ = writeln!(
                out,
                "<details><summary>{} more finding{}</summary>\n",
                rest.len(),
                if rest.len() == 1 { "" } else { "s" }
            );
            out.push_str(TABLE_HEAD);
            for f in &rest {
                out.push_str(&finding_row(f, baseline_in_use));
            }
            out.push_str("\n</details>\n\n");
        }
        let omitted = active.len().saturating_sub(options.markdown_max_total);
        if omitted > 0 {
            let _ = writeln!(
                out,
                "*{omitted} further findings omitted; see the full report (`--format sarif` or `--format json`).*\n"
            );
        }

        // Distinct remediation hints, most severe first (a rule's hint can be specific to
        // the finding: "upgrade axios", "upgrade lodash").
        let mut seen = BTreeSet::new();
        let mut hints = Vec::new();
        for f in &active {
            if hints.len() >= HINT_RULES {
                break;
            }
            if let Some(rem) = &f.remediation
                && seen.insert((f.rule_id.as_str(), rem.as_str()))
            {
                let cwe: Vec<String> = f.cwe.iter().map(|c| format!("CWE-{c}")).collect();
                let cwe = if cwe.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", cwe.join(", "))
                };
                hints.push(format!("- {}{cwe}: {}", code(&f.rule_id), esc(rem)));
            }
        }
        if !hints.is_empty() {
            out.push_str("#### How to fix\n\n");
            for h in hints {
                out.push_str(&h);
                out.push('\n');
            }
            out.push('\n');
        }
    }

    // Footer.
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
    let mut footer = Vec::new();
    if suppressed > 0 {
        footer.push(format!("{suppressed} suppressed"));
    }
    if unchanged > 0 {
        footer.push(format!("{unchanged} unchanged since baseline"));
    }
    if !report.notices.is_empty() {
        footer.push(format!("{} scan notices", report.notices.len()));
    }
    footer.push(format!(
        "{} {} · {} files in {} ms",
        esc(&report.tool.name),
        esc(&report.tool.version),
        report.stats.files_analyzed,
        report.stats.duration_ms
    ));
    let _ = writeln!(out, "<sub>{}</sub>", footer.join(" · "));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paths_keep_their_tail() {
        let p = format!("{}/Secret.node.js", "a".repeat(200));
        let s = short_path(&p);
        assert_eq!(s.chars().count(), PATH_CHARS);
        assert!(s.starts_with('…') && s.ends_with("/Secret.node.js"));
        assert_eq!(short_path("x.js"), "x.js");
    }
}
