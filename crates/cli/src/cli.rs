//! Argument parsing and dispatch.

use crate::{EXIT_INTERNAL, EXIT_USAGE, scan_cmd};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "portcullis",
    version,
    about = "Security gate for custom extensions of no-code platforms (n8n, Node-RED, Forge, PCF, Grafana, npm plugins)",
    after_help = "Exit codes: 0 gate passed, 1 gate failed, 2 bad input or usage, 3 internal error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan extension directories or packages (.tgz, .tar.gz, .zip) and gate them.
    Scan(ScanArgs),
    /// List the rules Portcullis can report.
    Rules(RulesArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Directories, npm tarballs (.tgz) or zips to scan.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Report format on standard output: text, json, sarif, markdown, cyclonedx.
    #[arg(short, long, default_value = "text")]
    pub format: String,
    /// Also write FORMAT to FILE (repeatable), e.g. `--output sarif=results.sarif`.
    #[arg(short, long = "output", value_name = "FORMAT=FILE")]
    pub outputs: Vec<String>,
    /// Fail (exit 1) when an active finding is at or above this severity, whatever the policy says.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// A previous JSON or SARIF report: findings already in it do not fail the gate.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Configuration file (default: portcullis.toml found from the scanned path upwards).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Gate policies to use instead of the built-in set.
    #[arg(long, value_name = "DIR")]
    pub policy: Option<PathBuf>,
    /// Ignore `portcullis-ignore` comments in the scanned code.
    #[arg(long)]
    pub no_inline_suppressions: bool,
    /// Vulnerability database directory.
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Colour in text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Show every finding in full (no per-rule cap in text output).
    #[arg(short, long)]
    pub verbose: bool,
    /// Print nothing on standard output; rely on the exit code and --output files.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// List every rule with its severity, category and CWE.
    List {
        /// text or json
        #[arg(short, long, default_value = "text")]
        format: String,
        /// Configuration file (custom rules are listed too).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

pub fn run() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => EXIT_USAGE,
            };
        }
    };
    let result = match cli.command {
        Command::Scan(args) => scan_cmd::scan(args),
        Command::Rules(args) => match args.command {
            RulesCommand::List { format, config } => scan_cmd::rules_list(&format, config),
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("portcullis: {e:#}");
            e.downcast_ref::<CliError>().map_or(EXIT_INTERNAL, |c| c.code)
        }
    }
}

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

pub fn usage(message: impl Into<String>) -> anyhow::Error {
    CliError {
        code: EXIT_USAGE,
        message: message.into(),
    }
    .into()
}
