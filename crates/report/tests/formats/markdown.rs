//! The pull-request comment: snapshot, escaping, caps.

use crate::fixture;
use portcullis_report::{Format, RenderOptions, render};

fn md(report: &portcullis_core::ScanReport, options: &RenderOptions) -> String {
    render(report, Format::Markdown, options).expect("render markdown")
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(
        "markdown_report",
        md(&fixture::report(), &RenderOptions::default())
    );
}

#[test]
fn hostile_markdown_snapshot() {
    insta::assert_snapshot!(
        "markdown_hostile",
        md(&fixture::hostile_report(), &RenderOptions::default())
    );
}

#[test]
fn hostile_text_is_escaped() {
    let out = md(&fixture::hostile_report(), &RenderOptions::default());
    assert!(
        !out.contains("<img"),
        "raw HTML from the package reached the comment"
    );
    assert!(!out.contains("<script"));
    assert!(
        !out.contains("](https://evil.example)"),
        "a live link was injected"
    );
    assert!(!out.contains('\x1b'));
    assert!(out.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // Every table row has exactly the 4 columns: no `|` from a message broke out.
    for line in out
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("<code>"))
    {
        if line.matches(" | ").count() == 3 {
            continue;
        }
        panic!("row with extra columns: {line}");
    }
}

#[test]
fn long_reports_collapse_and_cap() {
    let report = fixture::many_findings_report(1000);
    let out = md(&report, &RenderOptions::default());
    assert!(out.contains("<details><summary>190 more findings</summary>"));
    assert!(out.contains("*805 further findings omitted"));
    let rows = out
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("<code>"))
        .count();
    assert_eq!(rows, 200);
    assert!(
        out.len() < 65_536,
        "{} bytes: over GitHub's comment limit",
        out.len()
    );
}
