//! The terminal report: snapshot, colour, hostile text, caps.

use crate::fixture;
use portcullis_report::{Format, RenderOptions, render};

fn text(report: &portcullis_core::ScanReport, options: &RenderOptions) -> String {
    render(report, Format::Text, options).expect("render text")
}

#[test]
fn text_snapshot() {
    insta::assert_snapshot!(
        "text_report",
        text(&fixture::report(), &RenderOptions::default())
    );
}

#[test]
fn colour_only_when_asked() {
    let plain = text(&fixture::report(), &RenderOptions::default());
    assert!(!plain.contains('\x1b'), "escape code in uncoloured output");
    let coloured = text(
        &fixture::report(),
        &RenderOptions {
            color: true,
            ..RenderOptions::default()
        },
    );
    assert!(coloured.contains("\x1b["), "no colour in coloured output");
    // Same content once the styling is stripped.
    let stripped = strip_sgr(&coloured);
    assert_eq!(stripped, plain);
}

/// Removes `ESC [ … m` sequences.
fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn hostile_text_snapshot() {
    insta::assert_snapshot!(
        "text_hostile",
        text(&fixture::hostile_report(), &RenderOptions::default())
    );
}

#[test]
fn hostile_text_cannot_drive_the_terminal() {
    for color in [false, true] {
        let out = text(
            &fixture::hostile_report(),
            &RenderOptions {
                color,
                ..RenderOptions::default()
            },
        );
        let visible = if color { strip_sgr(&out) } else { out.clone() };
        let bad: Vec<char> = visible
            .chars()
            .filter(|c| (c.is_control() && *c != '\n') || *c == '\u{202e}')
            .collect();
        assert!(
            bad.is_empty(),
            "raw control characters reached the output: {bad:?}"
        );
        // The hostile bytes are shown, escaped, so a reviewer sees them.
        assert!(visible.contains("nodes/\\x1b]0;owned\\x07\\x1b[2K\\x0dApproved.node.js"));
        assert!(visible.contains("\\x9b32mAPPROVE<U+202E>"));
        // A newline in a message cannot forge a line of the summary.
        assert!(!visible.lines().any(|l| l.starts_with("Decision: APPROVE")));
        assert!(visible.contains("\\x0aDecision: APPROVE"));
    }
}

#[test]
fn a_thousand_findings_stay_readable() {
    let report = fixture::many_findings_report(1000);
    let out = text(&report, &RenderOptions::default());
    // Two noisy rules, ten each in full, the rest summarised.
    assert_eq!(out.matches("finding number").count(), 20);
    assert!(
        out.contains("980 more findings not shown"),
        "{}",
        &out[out.len().saturating_sub(2000)..]
    );
    assert!(out.contains("js/prototype-pollution  …and 656 more"));
    assert!(out.contains("js/dynamic-code  …and 324 more"));
    assert!(out.len() < 30_000, "{} bytes", out.len());
    // The summary still counts everything.
    assert!(out.contains("Findings: 1005 findings"));

    let all = text(
        &report,
        &RenderOptions {
            verbose: true,
            ..RenderOptions::default()
        },
    );
    assert_eq!(all.matches("finding number").count(), 1000);
}

#[test]
fn clean_scan_reads_as_approved() {
    let mut r = fixture::report();
    r.findings.clear();
    r.notices.clear();
    r.decision = portcullis_core::Decision::approve();
    let out = text(&r, &RenderOptions::default());
    assert!(out.contains("Findings: 0 findings (0 critical, 0 high, 0 medium, 0 low, 0 info)"));
    assert!(out.contains("Decision: APPROVE"));
    assert!(!out.contains("Suppressed"));
}
