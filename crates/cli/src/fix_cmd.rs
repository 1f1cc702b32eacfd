//! `portcullis scan --fix [--dry-run]`: apply the fixes findings carry to the scanned
//! directory, show the diff, and rescan.

use crate::cli::{ScanArgs, scan_error, usage};
use crate::scan_cmd::{exit_code, run_one};
use portcullis_report::{Format, RenderOptions, render};
use portcullis_scan::{ScanOptions, Scanner};
use std::io::Write;

pub fn fix(
    args: &ScanArgs,
    options: &ScanOptions,
    format: Format,
    render_options: &RenderOptions,
) -> anyhow::Result<u8> {
    let [path] = args.paths.as_slice() else {
        return Err(usage("--fix works on one directory at a time"));
    };
    if !path.is_dir() {
        return Err(usage(
            portcullis_scan::fix::FixError::NotADirectory(path.clone()).to_string(),
        ));
    }
    let scanner = Scanner::for_path(path, options).map_err(scan_error)?;
    let report = run_one(&scanner, path).map_err(scan_error)?;
    let plan =
        portcullis_scan::fix::plan(path, &report.findings).map_err(|e| usage(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    out.write_all(plan.diff().as_bytes())?;
    for s in &plan.skipped {
        eprintln!("portcullis: fix skipped: {s}");
    }
    let (n, files) = (plan.applied(), plan.files.len());
    if n == 0 {
        eprintln!("portcullis: no fixes to apply");
        return Ok(exit_code(&report));
    }
    if args.dry_run {
        eprintln!(
            "portcullis: {n} fix(es) in {files} file(s) would be applied (--dry-run: nothing changed)"
        );
        return Ok(exit_code(&report));
    }
    plan.apply(path).map_err(|e| usage(e.to_string()))?;
    eprintln!("portcullis: applied {n} fix(es) in {files} file(s); rescanning");
    let rescanned = run_one(&scanner, path).map_err(scan_error)?;
    if !args.quiet {
        let text = render(&rescanned, format, render_options)?;
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
    }
    Ok(exit_code(&rescanned))
}
