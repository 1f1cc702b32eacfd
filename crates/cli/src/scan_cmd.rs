//! `portcullis scan`.

use crate::cli::{ColorChoice, ScanArgs, scan_error, usage};
use crate::{EXIT_GATE_FAILED, EXIT_INTERNAL, EXIT_PASS};
use portcullis_core::{ScanReport, Severity};
use portcullis_report::{Format, RenderOptions, render};
use portcullis_scan::{ScanError, ScanOptions, Scanner, had_internal_error};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Files above which a progress bar is worth showing.
const PROGRESS_MIN_TASKS: usize = 400;

pub fn scan(args: ScanArgs) -> anyhow::Result<u8> {
    let format: Format = args.format.into();
    let outputs = args
        .outputs
        .iter()
        .map(|spec| parse_output(spec))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let fail_on: Option<Severity> = args.fail_on.map(Into::into);
    let options = ScanOptions {
        config: args.config.clone(),
        no_config_discovery: false,
        fail_on,
        baseline: args.baseline.clone(),
        policy_dir: args.policy.clone(),
        forbid_inline_suppressions: args.no_inline_suppressions,
        db_dir: args.db.clone(),
        verify_secrets: args.verify,
        history: args.history,
        dynamic: args.dynamic,
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };

    let wants_sbom =
        format == Format::Cyclonedx || outputs.iter().any(|(f, _)| *f == Format::Cyclonedx);
    if wants_sbom && args.paths.len() > 1 {
        return Err(usage(
            "--format cyclonedx describes one package: scan one path per SBOM",
        ));
    }
    if args.fix {
        let render_options = RenderOptions {
            color,
            verbose: args.verbose,
            ..Default::default()
        };
        return crate::fix_cmd::fix(&args, &options, format, &render_options);
    }
    let mut reports = Vec::new();
    let mut code = EXIT_PASS;
    for path in &args.paths {
        let scanner = Scanner::for_path(path, &options).map_err(scan_error)?;
        let report = run_one(&scanner, path).map_err(scan_error)?;
        code = code.max(exit_code(&report));
        reports.push(report);
    }

    if !args.quiet {
        let text = render_all(
            &reports,
            format,
            &RenderOptions {
                color,
                verbose: args.verbose,
                ..Default::default()
            },
        )?;
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
    }
    for (fmt, file) in outputs {
        let text = render_all(
            &reports,
            fmt,
            &RenderOptions {
                color: false,
                verbose: true,
                ..Default::default()
            },
        )?;
        std::fs::write(&file, text)
            .map_err(|e| usage(format!("cannot write {}: {e}", file.display())))?;
    }
    Ok(code)
}

/// The exit code a report earns: internal error, gate failed, or pass.
pub(crate) fn exit_code(report: &ScanReport) -> u8 {
    if had_internal_error(report) {
        EXIT_INTERNAL
    } else if report.decision.outcome.fails() {
        EXIT_GATE_FAILED
    } else {
        EXIT_PASS
    }
}

pub(crate) fn run_one(scanner: &Scanner, path: &std::path::Path) -> Result<ScanReport, ScanError> {
    let show_progress = std::io::stderr().is_terminal();
    let bar = show_progress.then(|| {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} scanning {msg} [{bar:30}] {pos}/{len}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(path.display().to_string());
        bar
    });
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar
            && total >= PROGRESS_MIN_TASKS
        {
            if bar.is_hidden() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                bar.set_length(total as u64);
            }
            bar.set_position(done as u64);
        }
    };
    let report = scanner.scan(path, Some(&progress));
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    report
}

fn parse_output(spec: &str) -> anyhow::Result<(Format, PathBuf)> {
    let (fmt, file) = spec.split_once('=').ok_or_else(|| {
        usage(format!(
            "--output `{spec}`: expected FORMAT=FILE, e.g. sarif=results.sarif"
        ))
    })?;
    let fmt = fmt
        .parse()
        .map_err(|e| usage(format!("--output `{spec}`: {e}")))?;
    if file.is_empty() {
        return Err(usage(format!("--output `{spec}`: empty file name")));
    }
    Ok((fmt, PathBuf::from(file)))
}

/// Renders one report as is; several are combined the way each format allows (JSON: an
/// array; SARIF: one log with a run per report; text/markdown: concatenated).
fn render_all(
    reports: &[ScanReport],
    format: Format,
    options: &RenderOptions,
) -> anyhow::Result<String> {
    if let [one] = reports {
        return Ok(render(one, format, options)?);
    }
    let parts = reports
        .iter()
        .map(|r| render(r, format, options))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match format {
        Format::Json => {
            let values = parts
                .iter()
                .map(|p| serde_json::from_str::<serde_json::Value>(p))
                .collect::<Result<Vec<_>, _>>()?;
            serde_json::to_string_pretty(&values)?
        }
        Format::Sarif => {
            let mut logs = parts
                .iter()
                .map(|p| serde_json::from_str::<serde_json::Value>(p))
                .collect::<Result<Vec<_>, _>>()?;
            let mut first = logs.remove(0);
            let mut runs: Vec<serde_json::Value> =
                first["runs"].as_array().cloned().unwrap_or_default();
            for log in logs {
                runs.extend(log["runs"].as_array().cloned().unwrap_or_default());
            }
            first["runs"] = serde_json::Value::Array(runs);
            serde_json::to_string_pretty(&first)?
        }
        _ => parts.join("\n"),
    })
}
