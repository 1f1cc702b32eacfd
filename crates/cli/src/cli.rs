//! Argument parsing and dispatch.

use crate::{
    EXIT_INTERNAL, EXIT_USAGE, audit_cmd, registry_cmd, rules_cmd, scan_cmd, tools_cmd, worker_cmd,
};
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
    /// List the rules Portcullis can report, or test rules against annotated fixtures.
    Rules(RulesArgs),
    /// Print what an extension declares against what its code does.
    Capabilities {
        /// A package to scan, or a saved capability manifest (`.json`).
        path: PathBuf,
        /// text (a table) or json (the capability manifest, to store and diff)
        #[arg(short, long, default_value = "text")]
        format: String,
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Compare the capabilities of two versions: new hosts, scopes, processes, dependencies.
    Diff {
        /// The old version: a package, or a capability manifest `.json`.
        old: PathBuf,
        /// The new version: a package, or a capability manifest `.json`.
        new: PathBuf,
        #[arg(short, long, default_value = "text")]
        format: String,
        /// Exit 1 when the new version gains capabilities.
        #[arg(long)]
        fail_on_escalation: bool,
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Manage the offline vulnerability database (OSV).
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Validate gate policies, or replay recorded decisions against a policy set.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Run the registry server: REST API, scan workers, audit log (SQLite by default).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        #[command(flatten)]
        store: StoreArgs,
        /// Scan workers in this process (0: only serve; workers elsewhere take the jobs).
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Scan configuration for submissions (portcullis.toml).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Policy directory (`gate/` and `authz/` Cedar policies) replacing the built-in sets.
        #[arg(long, value_name = "DIR")]
        policy: Option<PathBuf>,
        /// Vulnerability database directory.
        #[arg(long, value_name = "DIR")]
        db: Option<PathBuf>,
    },
    /// Create the first security steward and print its API token (once).
    Bootstrap {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, default_value = "steward")]
        name: String,
    },
    /// Verify or export the registry's tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    // --- scale-out and isolation (worker_cmd.rs) ---
    /// Run registry scan workers alone (no HTTP API), sharing the PostgreSQL job queue.
    Worker {
        #[command(flatten)]
        store: StoreArgs,
        /// Concurrent scans in this process.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        #[command(flatten)]
        scan: ScanInputArgs,
    },
    /// (internal) One registry scan, run by a worker as an isolated child process.
    #[command(name = "__scan-job", hide = true)]
    ScanJob {
        path: PathBuf,
        #[command(flatten)]
        scan: ScanInputArgs,
    },
    /// Submit a package archive to a registry with its submission template.
    Submit {
        /// The package (.tgz from `npm pack`, or .zip).
        path: PathBuf,
        /// Registry URL, e.g. http://127.0.0.1:8080
        #[arg(long)]
        server: String,
        /// API token (default: $PORTCULLIS_TOKEN).
        #[arg(long)]
        token: Option<String>,
        /// The submission template as JSON: platform, name, version, owner, purpose,
        /// data_classes, external_services, risk_self_assessment, test_evidence.
        #[arg(long, value_name = "FILE")]
        metadata: PathBuf,
    },
    /// Run an extension's entry points in the sandbox with a simulated platform and report
    /// what they did (exit 1 on a high or critical finding).
    Run(crate::run_cmd::RunArgs),
}

#[derive(Args, Debug)]
pub struct StoreArgs {
    /// Data directory (SQLite database, artifacts, audit signing key).
    #[arg(long, value_name = "DIR", default_value = "portcullis-data")]
    pub data: PathBuf,
    /// PostgreSQL URL (postgres://…) instead of the embedded SQLite.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// Audit/approval signing key (ed25519 seed, hex) instead of `<data>/audit-signing.key`;
    /// every `serve` process on one PostgreSQL database must use the same file
    /// (default: $PORTCULLIS_SIGNING_KEY_FILE).
    #[arg(long, value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
    /// Where package artifacts live: `s3://bucket/prefix` (S3-compatible object storage;
    /// `AWS_*` variables for endpoint and credentials) or a directory (default
    /// `<data>/artifacts`; default: $PORTCULLIS_ARTIFACTS).
    #[arg(long, value_name = "URL|DIR")]
    pub artifacts: Option<String>,
}

/// The scan configuration of registry workers.
#[derive(Args, Debug)]
pub struct ScanInputArgs {
    /// Scan configuration for submissions (portcullis.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Policy directory replacing the built-in gate policies.
    #[arg(long, value_name = "DIR")]
    pub policy: Option<PathBuf>,
    /// Vulnerability database directory.
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
}

impl From<ScanInputArgs> for worker_cmd::ScanInputs {
    fn from(a: ScanInputArgs) -> Self {
        worker_cmd::ScanInputs {
            config: a.config,
            policy: a.policy,
            db: a.db,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Recompute the hash chain and signed checkpoints; report the first broken link (exit 1).
    Verify {
        #[command(flatten)]
        store: StoreArgs,
        /// A checkpoint kept outside the database (from `audit head`): fail unless the log
        /// still contains it.
        #[arg(long, value_name = "HEAD.json")]
        against: Option<PathBuf>,
        /// Most events allowed after the last signed checkpoint (default 10000).
        #[arg(long, value_name = "N")]
        max_unsigned_events: Option<i64>,
        /// Oldest an event after the last signed checkpoint may be (default 600 s).
        #[arg(long, value_name = "SECS")]
        max_unsigned_age: Option<i64>,
    },
    /// Print the latest signed checkpoint as JSON, to keep outside the database.
    Head {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write every audit event as JSON Lines (for a SIEM).
    Export {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Download the OSV exports (default: npm and PyPI) into the database.
    Update {
        /// Base URL serving `<Ecosystem>/all.zip`.
        #[arg(long)]
        url: Option<String>,
        /// Ecosystems to fetch (repeatable; default npm, PyPI).
        #[arg(long = "ecosystem")]
        ecosystems: Vec<String>,
        /// Database directory (default: $PORTCULLIS_DB_DIR or ~/.cache/portcullis/db).
        #[arg(long, value_name = "DIR")]
        db: Option<PathBuf>,
    },
    /// Import an OSV zip (`all.zip`), a directory of OSV JSON, or one OSV file (air-gapped use).
    Import {
        path: PathBuf,
        #[arg(long, value_name = "DIR")]
        db: Option<PathBuf>,
    },
    /// Show the database's date, sources and size.
    Status {
        #[arg(long, value_name = "DIR")]
        db: Option<PathBuf>,
        #[arg(short, long, default_value = "text")]
        format: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Check a policy directory against the schema without using it.
    Validate { dir: PathBuf },
    /// Replay recorded decisions (JSON Lines of `{input, outcome}`) and list every change.
    Test {
        /// The recorded decisions.
        #[arg(long, value_name = "FILE")]
        cases: PathBuf,
        /// The policy set to test (default: the built-in one).
        #[arg(long, value_name = "DIR")]
        policy: Option<PathBuf>,
    },
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
    /// Report format on standard output.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Also write FORMAT to FILE (repeatable), e.g. `--output sarif=results.sarif`.
    #[arg(short, long = "output", value_name = "FORMAT=FILE")]
    pub outputs: Vec<String>,
    /// Fail (exit 1) when an active finding is at or above this severity, whatever the policy says.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
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
    /// Also scan every commit of a git working directory for secrets.
    #[arg(long)]
    pub history: bool,
    /// Check found secrets against their providers' APIs (sends them over the network).
    #[arg(long)]
    pub verify: bool,
    /// Also run the entry points in the sandbox (see `portcullis run`).
    #[arg(long)]
    pub dynamic: bool,
    /// Colour in text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Show every finding in full (no per-rule cap in text output).
    #[arg(short, long)]
    pub verbose: bool,
    /// Print nothing on standard output; rely on the exit code and --output files.
    #[arg(short, long)]
    pub quiet: bool,
    /// Apply the fixes findings carry to the scanned directory, show the diff, and rescan
    /// (never to an archive).
    #[arg(long)]
    pub fix: bool,
    /// With --fix: print the diff, change nothing.
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
}

/// `scan --format`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
    Sarif,
    Markdown,
    Cyclonedx,
}

impl From<ReportFormat> for portcullis_report::Format {
    fn from(f: ReportFormat) -> Self {
        use portcullis_report::Format as F;
        match f {
            ReportFormat::Text => F::Text,
            ReportFormat::Json => F::Json,
            ReportFormat::Sarif => F::Sarif,
            ReportFormat::Markdown => F::Markdown,
            ReportFormat::Cyclonedx => F::Cyclonedx,
        }
    }
}

/// `scan --fail-on`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl From<FailOn> for portcullis_core::Severity {
    fn from(f: FailOn) -> Self {
        use portcullis_core::Severity as S;
        match f {
            FailOn::Critical => S::Critical,
            FailOn::High => S::High,
            FailOn::Medium => S::Medium,
            FailOn::Low => S::Low,
            FailOn::Info => S::Info,
        }
    }
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
        #[arg(short, long, value_enum, default_value = "text")]
        format: ListFormat,
        /// Configuration file (custom rules are listed too).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Print one rule's documentation: what it finds, why, an example, the fix, references.
    Show {
        /// The rule id, e.g. `capability/undeclared-egress`.
        id: String,
        #[arg(short, long, value_enum, default_value = "text")]
        format: ListFormat,
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Generate `docs/rules/` (a page per rule) from the rule declarations.
    Docs {
        #[arg(long, value_name = "DIR", default_value = "docs/rules")]
        out: PathBuf,
        /// Write nothing; exit 1 when the pages differ from the declarations.
        #[arg(long)]
        check: bool,
    },
    /// Run the JS rules over fixtures annotated with `// ruleid: <id>` and `// ok: <id>`.
    Test {
        dir: PathBuf,
        /// Configuration file with custom rules (`[js]`).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// `--format` of the rule commands.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Text,
    Json,
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
        Command::Run(args) => crate::run_cmd::run(args),
        Command::Rules(args) => match args.command {
            RulesCommand::List { format, config } => rules_cmd::list(format, config),
            RulesCommand::Show { id, format, config } => rules_cmd::show(&id, format, config),
            RulesCommand::Docs { out, check } => rules_cmd::docs(&out, check, None),
            RulesCommand::Test { dir, config } => tools_cmd::rules_test(dir, config),
        },
        Command::Capabilities {
            path,
            format,
            config,
        } => tools_cmd::capabilities(path, &format, config),
        Command::Diff {
            old,
            new,
            format,
            fail_on_escalation,
            config,
        } => tools_cmd::diff_cmd(old, new, &format, fail_on_escalation, config),
        Command::Db { command } => match command {
            DbCommand::Update {
                url,
                ecosystems,
                db,
            } => tools_cmd::db_update(db, url, ecosystems),
            DbCommand::Import { path, db } => tools_cmd::db_import(db, path),
            DbCommand::Status { db, format } => tools_cmd::db_status(db, &format),
        },
        Command::Serve {
            listen,
            store,
            workers,
            config,
            policy,
            db,
        } => registry_cmd::serve(registry_cmd::ServeArgs {
            listen,
            store,
            workers,
            config,
            policy,
            db,
        }),
        Command::Bootstrap { store, name } => registry_cmd::bootstrap(store, name),
        Command::Audit { command } => match command {
            AuditCommand::Verify {
                store,
                against,
                max_unsigned_events,
                max_unsigned_age,
            } => audit_cmd::verify(audit_cmd::VerifyArgs {
                store,
                against,
                max_unsigned_events,
                max_unsigned_age_secs: max_unsigned_age,
            }),
            AuditCommand::Head { store } => audit_cmd::head(store),
            AuditCommand::Export { store, output } => registry_cmd::audit_export(store, output),
        },
        Command::Worker {
            store,
            workers,
            scan,
        } => worker_cmd::worker(store, workers, scan.into()),
        Command::ScanJob { path, scan } => worker_cmd::scan_job(path, scan.into()),
        Command::Submit {
            path,
            server,
            token,
            metadata,
        } => registry_cmd::submit(registry_cmd::SubmitArgs {
            path,
            server,
            token,
            metadata,
        }),
        Command::Policy { command } => match command {
            PolicyCommand::Validate { dir } => tools_cmd::policy_validate(dir),
            PolicyCommand::Test { cases, policy } => tools_cmd::policy_test(cases, policy),
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("portcullis: {e:#}");
            e.downcast_ref::<CliError>()
                .map_or(EXIT_INTERNAL, |c| c.code)
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

/// A scan error with the exit code its kind maps to (2 bad input, 3 internal).
pub fn scan_error(e: portcullis_scan::ScanError) -> anyhow::Error {
    CliError {
        code: e.exit_code() as u8,
        message: e.to_string(),
    }
    .into()
}

pub fn usage(message: impl Into<String>) -> anyhow::Error {
    CliError {
        code: EXIT_USAGE,
        message: message.into(),
    }
    .into()
}
