//! `serve`, `bootstrap`, `audit` and `submit`: the registry server and its command-line clients.
//!
//! Settings without a flag come from the environment (read here, for every registry command):
//!
//! | variable | default | what |
//! |---|---|---|
//! | `PORTCULLIS_SIGNING_KEY_FILE` (or `--signing-key`) | `<data>/audit-signing.key` | the audit/approval signing key; every `serve` process on one PostgreSQL database, and `audit verify`, must be given the same file |
//! | `PORTCULLIS_MAX_CONNECTIONS` | 16 | database pool size per process |
//! | `PORTCULLIS_CACHE_TTL_MS` | 1000 | how long a token or install status is served from memory; a change made through another `serve` process is seen within this (0 = no cache) |
//! | `PORTCULLIS_WORKER_LEASE_MS`, `_POLL_MS`, `_ERROR_BACKOFF_MS`, `_RETRY_BACKOFF_MS` | 120000, 1000, 2000, 5000 | scan worker timing ([`portcullis_server::worker::WorkerConfig`]) |

use crate::EXIT_PASS;
use crate::cli::{StoreArgs, usage};
use portcullis_core::ScanReport;
use portcullis_registry::{Store, StoreConfig};
use portcullis_scan::{ScanOptions, Scanner};
use portcullis_server::worker::CachedScanner;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn env_number<T: std::str::FromStr>(var: &str) -> anyhow::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(var) {
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|e| usage(format!("{var}={v}: {e}"))),
        Err(_) => Ok(None),
    }
}

pub(crate) fn store_config(args: StoreArgs) -> anyhow::Result<StoreConfig> {
    let mut config = StoreConfig::new(args.data);
    if let Some(url) = args.database {
        config = config.with_database(url);
    }
    let key = args.signing_key.or_else(|| {
        std::env::var_os("PORTCULLIS_SIGNING_KEY_FILE")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    });
    if let Some(path) = key {
        config = config.with_signing_key_file(path);
    }
    config.artifacts = args
        .artifacts
        .or_else(|| std::env::var("PORTCULLIS_ARTIFACTS").ok())
        .filter(|a| !a.trim().is_empty());
    if let Some(n) = env_number("PORTCULLIS_MAX_CONNECTIONS")? {
        config.max_connections = n;
    }
    if let Some(ms) = env_number("PORTCULLIS_CACHE_TTL_MS")? {
        config.cache_ttl_ms = ms;
    }
    Ok(config)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn failed(e: impl std::fmt::Display) -> anyhow::Error {
    usage(e.to_string())
}

/// The registry's scan worker: the same pipeline as `portcullis scan`, except that the
/// package under review may not suppress its own findings and brings no configuration.
/// Wrapped in a [`portcullis_server::worker::CachedScanner`] so the pipeline is rebuilt only
/// when the vulnerability database, the policies or the configuration change.
struct RegistryScanner(Scanner);

impl portcullis_server::Scanner for RegistryScanner {
    fn scan(&self, path: &Path) -> Result<ScanReport, String> {
        self.0.scan(path, None).map_err(|e| e.to_string())
    }
}

/// The files the pipeline is built from: a change to any of them means a rebuild.
fn scanner_inputs(options: &ScanOptions) -> Vec<PathBuf> {
    let mut inputs = Vec::new();
    if let Some(dir) = options
        .db_dir
        .clone()
        .or_else(portcullis_vulndb::VulnDb::default_dir)
    {
        inputs.push(dir.join(portcullis_vulndb::DB_FILE_NAME));
    }
    inputs.extend(options.policy_dir.iter().cloned());
    inputs.extend(options.config.iter().cloned());
    inputs
}

pub struct ServeArgs {
    pub listen: SocketAddr,
    pub store: StoreArgs,
    pub workers: usize,
    pub config: Option<PathBuf>,
    pub policy: Option<PathBuf>,
    pub db: Option<PathBuf>,
}

pub fn serve(args: ServeArgs) -> anyhow::Result<u8> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let scan_inputs = crate::worker_cmd::ScanInputs {
        config: args.config.clone(),
        policy: args.policy.clone(),
        db: args.db.clone(),
    };
    let options = scan_inputs.options();
    // Fail at start-up, not on the first submission, when the configuration or policies are
    // bad; the pipeline built here serves the first jobs.
    let inputs = scanner_inputs(&options);
    let scanner = CachedScanner::new(inputs, move || {
        Scanner::for_path(Path::new("."), &options)
            .map(RegistryScanner)
            .map_err(|e| e.to_string())
    });
    scanner.current().map_err(failed)?;
    let authorizer = match &args.policy {
        Some(dir) => portcullis_server::CedarAuthorizer::from_dir(dir),
        None => portcullis_server::CedarAuthorizer::default_policies(),
    }
    .map_err(failed)?;
    let mut config = portcullis_server::ServeConfig::new(args.listen, store_config(args.store)?);
    config.workers = args.workers;
    config.worker = portcullis_server::worker::WorkerConfig::default()
        .from_env()
        .map_err(failed)?;
    config.audit_witness = std::env::var("PORTCULLIS_AUDIT_WITNESS")
        .ok()
        .filter(|w| !w.trim().is_empty());
    config.http = portcullis_server::limits::HttpLimits::default()
        .from_env()
        .map_err(failed)?;
    // Jobs are scanned in isolated child processes; the pipeline built above only checked
    // the configuration at start-up.
    drop(scanner);
    config.scanner = Some(Arc::new(crate::worker_cmd::child_scanner(&scan_inputs)?));
    config.authorizer = Some(Arc::new(authorizer));
    runtime()?.block_on(portcullis_server::serve(config))?;
    Ok(EXIT_PASS)
}

pub fn bootstrap(store: StoreArgs, name: String) -> anyhow::Result<u8> {
    let config = store_config(store)?;
    let issued = runtime()?
        .block_on(portcullis_registry::auth::bootstrap_steward(&config, &name))
        .map_err(failed)?;
    eprintln!("created security steward `{name}`; this token is shown once, store it now:");
    println!("{}", issued.secret);
    Ok(EXIT_PASS)
}

pub fn audit_export(store: StoreArgs, output: Option<PathBuf>) -> anyhow::Result<u8> {
    let config = store_config(store)?;
    let mut out: Box<dyn std::io::Write + Send> = match &output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| failed(format!("cannot create {}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let n = runtime()?
        .block_on(async {
            let store = Store::open(&config).await?;
            let n = store.export_audit(&mut *out).await;
            store.close().await;
            n
        })
        .map_err(failed)?;
    out.flush()?;
    eprintln!("exported {n} audit events");
    Ok(EXIT_PASS)
}

pub struct SubmitArgs {
    pub path: PathBuf,
    pub server: String,
    pub token: Option<String>,
    pub metadata: PathBuf,
}

/// Uploads a package with its submission template (`POST /api/v1/submissions`, multipart).
pub fn submit(args: SubmitArgs) -> anyhow::Result<u8> {
    let token = args
        .token
        .or_else(|| std::env::var("PORTCULLIS_TOKEN").ok())
        .ok_or_else(|| usage("no token: pass --token or set PORTCULLIS_TOKEN"))?;
    let metadata = std::fs::read_to_string(&args.metadata)
        .map_err(|e| usage(format!("cannot read {}: {e}", args.metadata.display())))?;
    serde_json::from_str::<serde_json::Value>(&metadata)
        .map_err(|e| usage(format!("{} is not JSON: {e}", args.metadata.display())))?;
    if !args.path.is_file() {
        return Err(usage(format!(
            "{}: submit takes a package archive (.tgz or .zip), e.g. from `npm pack`",
            args.path.display()
        )));
    }
    let artifact = std::fs::read(&args.path)
        .map_err(|e| usage(format!("cannot read {}: {e}", args.path.display())))?;
    let file_name = args
        .path
        .file_name()
        .map(|n| n.to_string_lossy().replace('"', "_"))
        .unwrap_or_else(|| "package.tgz".into());
    let boundary = format!("portcullis-{:016x}", rand_u64());
    let mut body = Vec::with_capacity(artifact.len() + metadata.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n{metadata}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"artifact\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&artifact);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let url = format!("{}/api/v1/submissions", args.server.trim_end_matches('/'));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .header(
            "Content-Type",
            &format!("multipart/form-data; boundary={boundary}"),
        )
        .send(&body[..])
        .map_err(|e| failed(format!("{url}: {e}")))?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    println!("{text}");
    if (200..300).contains(&status) {
        Ok(EXIT_PASS)
    } else {
        Err(failed(format!("{url}: the registry answered {status}")))
    }
}

/// A boundary only has to be absent from the body; time and address entropy is enough.
fn rand_u64() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let local = 0u8;
    t ^ (std::ptr::addr_of!(local) as u64).rotate_left(32)
}
