//! Portcullis registry server: `portcullis serve`.
//!
//! A JSON REST API under `/api/v1` (OpenAPI 3 document at `/api/v1/openapi.json`, generated
//! from the handlers' annotations so it cannot drift from the routes), `/healthz` and
//! `/readyz`, a pool of scan workers fed by the database job queue, and a periodic signer of
//! the audit chain head. All state is in the database and the data directory, so several
//! `serve` processes can share one PostgreSQL database behind a load balancer. Two things
//! make that safe: every process is given the same audit signing key file
//! (`StoreConfig::signing_key_file`; a process with another key refuses to start), and the
//! only in-process state, a token/status read cache, is stale by at most
//! `StoreConfig::cache_ttl_ms` (default 1 s) for changes made through another process.
//!
//! Every request authenticates with `Authorization: Bearer <token>` and every endpoint is
//! authorized through an [`authz::Authorize`] implementation: by default the policy crate's
//! Cedar policies ([`CedarAuthorizer`]).

pub mod api;
pub mod authz;
pub mod cedar;
pub mod error;
pub mod isolation;
pub mod limits;
pub mod witness;
pub mod worker;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use portcullis_registry::{Store, StoreConfig};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use authz::{Authorize, BuiltinAuthorizer};
pub use cedar::CedarAuthorizer;
pub use worker::Scanner;

/// Everything `serve` needs.
///
/// TOML shape (the CLI reads it; `scanner` and `authorizer` are wired in code):
/// ```toml
/// listen = "127.0.0.1:8080"
/// workers = 2                   # scan workers in this process (0 = API only)
/// checkpoint_interval_secs = 60 # how often the audit head is signed
/// [store]
/// data_dir = "/var/lib/portcullis"
/// database = "postgres://portcullis@db/portcullis"   # optional; default SQLite in data_dir
/// max_connections = 16
/// max_artifact_bytes = 52428800
/// cache_ttl_ms = 1000           # token/status read cache; bounded staleness across processes
/// signing_key_file = "/etc/portcullis/audit-signing.key"  # shared by every serve process
/// [worker]                      # see worker::WorkerConfig
/// lease_ms = 120000
/// poll_ms = 1000
/// error_backoff_ms = 2000
/// retry_backoff_ms = 5000
/// ```
#[derive(Clone, serde::Deserialize)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub store: StoreConfig,
    #[serde(default = "default_workers")]
    pub workers: usize,
    #[serde(default = "default_checkpoint")]
    pub checkpoint_interval_secs: u64,
    #[serde(default)]
    pub worker: worker::WorkerConfig,
    /// Timeouts and the connection cap ([`limits::HttpLimits`]).
    #[serde(default)]
    pub http: limits::HttpLimits,
    /// Where every new signed audit checkpoint is also sent: a file path (another volume)
    /// or an `http(s)://` webhook ([`witness::Witness`]).
    #[serde(default)]
    pub audit_witness: Option<String>,
    /// Scans submissions. Without one, jobs wait in the queue for a process that has one.
    #[serde(skip)]
    pub scanner: Option<Arc<dyn Scanner>>,
    /// Decides every request. Default: the shipped Cedar policies ([`CedarAuthorizer`]).
    #[serde(skip)]
    pub authorizer: Option<Arc<dyn Authorize>>,
}

fn default_workers() -> usize {
    2
}

fn default_checkpoint() -> u64 {
    60
}

impl ServeConfig {
    pub fn new(listen: SocketAddr, store: StoreConfig) -> ServeConfig {
        ServeConfig {
            listen,
            store,
            workers: default_workers(),
            checkpoint_interval_secs: default_checkpoint(),
            worker: worker::WorkerConfig::default(),
            http: limits::HttpLimits::default(),
            audit_witness: None,
            scanner: None,
            authorizer: None,
        }
    }
}

/// Shared by every handler: the store (pool and its short-TTL read cache), the authorizer
/// and a wake-up signal for local workers.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub authorizer: Arc<dyn Authorize>,
    pub job_notify: Arc<tokio::sync::Notify>,
    pub max_artifact_bytes: usize,
}

impl AppState {
    /// The body limit of `POST /api/v1/submissions`: the artifact limit plus room for the form.
    pub fn upload_limit(&self) -> usize {
        self.max_artifact_bytes.saturating_add(1024 * 1024)
    }

    pub fn new(store: Store, authorizer: Arc<dyn Authorize>, max_artifact_bytes: u64) -> AppState {
        AppState {
            store,
            authorizer,
            job_notify: Arc::new(tokio::sync::Notify::new()),
            max_artifact_bytes: usize::try_from(max_artifact_bytes).unwrap_or(usize::MAX),
        }
    }
}

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Portcullis registry API", description = "Catalog, submissions, reviews, promotions, quarantine, tokens, audit and the install-status API for no-code platform extensions."),
    modifiers(&SecurityAddon)
)]
struct ApiDoc;

/// The routes and the OpenAPI document they generate.
pub fn router_with_openapi(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let submit_limit = state.upload_limit();
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(api::healthz))
        .routes(routes!(api::readyz))
        .routes(routes!(api::list_extensions, api::create_extension))
        .routes(routes!(api::get_extension, api::update_extension))
        .routes(routes!(api::override_risk))
        .routes(routes!(api::list_versions))
        .routes(routes!(api::get_version))
        .routes(routes!(api::list_findings))
        .routes(routes!(api::list_decisions))
        .routes(routes!(api::get_capabilities))
        .routes(routes!(api::get_sbom))
        .routes(routes!(api::add_review))
        .routes(routes!(api::promote))
        .routes(routes!(api::quarantine))
        .routes(routes!(api::release))
        .routes(routes!(api::revoke))
        .routes(routes!(api::status))
        .routes(routes!(api::list_trusted_sources, api::add_trusted_source))
        .routes(routes!(api::remove_trusted_source))
        .routes(routes!(api::list_submissions))
        .routes(routes!(api::get_submission))
        .routes(routes!(api::create_principal, api::list_principals))
        .routes(routes!(api::set_roles))
        .routes(routes!(api::issue_token, api::list_tokens))
        .routes(routes!(api::revoke_token))
        .routes(routes!(api::audit_events))
        .routes(routes!(api::audit_verify))
        .routes(routes!(api::audit_checkpoints))
        .routes(routes!(api::audit_export))
        .with_state(state.clone())
        .split_for_parts();
    // The upload route gets a body limit sized for artifacts; everything else keeps the
    // default 2 MB.
    let body_limits = Arc::new(limits::BodyLimits {
        upload: submit_limit,
    });
    let (upload, upload_doc) = OpenApiRouter::new()
        .routes(routes!(api::submit))
        .layer(DefaultBodyLimit::max(submit_limit))
        .with_state(state)
        .split_for_parts();
    let mut doc = doc;
    doc.merge(upload_doc);
    let json = doc.clone();
    let router = router
        .merge(upload)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || async move { axum::Json(json) }),
        )
        .layer(axum::middleware::from_fn_with_state(
            body_limits,
            limits::json_errors,
        ))
        .layer(TraceLayer::new_for_http());
    (router, doc)
}

/// The HTTP routes (for embedding and tests).
pub fn router(state: AppState) -> Router {
    router_with_openapi(state).0
}

/// Runs the registry server until Ctrl-C / SIGTERM: opens the store (applying migrations),
/// starts the scan workers and the audit-head signer, and serves HTTP on `config.listen`.
///
/// Logging: this emits `tracing` events; the binary installs the subscriber (JSON lines
/// for production).
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let store = Store::open(&config.store).await?;
    store.check_signing_key().await?;
    let authorizer: Arc<dyn Authorize> = match &config.authorizer {
        Some(a) => a.clone(),
        None => Arc::new(CedarAuthorizer::default_policies()?),
    };
    let state = AppState::new(store.clone(), authorizer, config.store.max_artifact_bytes);
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    match &config.scanner {
        Some(scanner) if config.workers > 0 => tasks.extend(worker::spawn_workers_with(
            &state,
            scanner.clone(),
            config.workers,
            &config.worker,
            rx.clone(),
        )),
        _ => tracing::info!(
            "no scanner configured in this process: submissions wait for a worker elsewhere"
        ),
    }
    let witness = config.audit_witness.as_deref().map(witness::Witness::parse);
    {
        let store = store.clone();
        let mut rx = rx.clone();
        let witness = witness.clone();
        let every = Duration::from_secs(config.checkpoint_interval_secs.max(1));
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = rx.changed() => return,
                }
                sign_and_witness(&store, witness.as_ref()).await;
            }
        }));
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    tracing::info!(listen = %config.listen, backend = store.backend().as_str(), "portcullis registry serving");
    let body_limits = Arc::new(limits::BodyLimits {
        upload: state.upload_limit(),
    });
    let app = limits::with_timeouts(router(state), &config.http, body_limits);
    limits::serve_http(listener, app, config.http.clone(), shutdown_signal()).await?;
    let _ = tx.send(true);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
    }
    // Sign the final head so a restart starts from a checkpoint.
    sign_and_witness(&store, witness.as_ref()).await;
    store.close().await;
    Ok(())
}

/// Signs the audit head if it moved and hands the checkpoint to the witness.
async fn sign_and_witness(store: &Store, witness: Option<&witness::Witness>) {
    match store.sign_audit_head().await {
        Ok(Some(cp)) => {
            tracing::info!(seq = cp.seq, "signed audit checkpoint");
            if let Some(w) = witness.cloned() {
                let seq = cp.seq;
                match tokio::task::spawn_blocking(move || w.record(&cp)).await {
                    Ok(Ok(())) => tracing::info!(seq, "audit checkpoint handed to the witness"),
                    Ok(Err(e)) => {
                        tracing::warn!(seq, error = %e, "the audit witness refused the checkpoint")
                    }
                    Err(e) => tracing::warn!(seq, error = %e, "the audit witness task failed"),
                }
            }
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "signing the audit head failed"),
    }
}

/// `portcullis worker`: scan workers alone, without the HTTP API, taking jobs from the
/// shared (PostgreSQL) queue until Ctrl-C / SIGTERM. A worker killed mid-scan leaves its
/// lease to expire and another worker takes the job over; a finished job is stored once
/// (`complete_job` refuses a job the worker no longer holds).
pub async fn run_workers(
    store_config: StoreConfig,
    scanner: Arc<dyn Scanner>,
    workers: usize,
    timing: worker::WorkerConfig,
) -> anyhow::Result<()> {
    let store = Store::open(&store_config).await?;
    // Workers only read policies through the scanner; the authorizer is never asked.
    let state = AppState::new(
        store.clone(),
        Arc::new(BuiltinAuthorizer),
        store_config.max_artifact_bytes,
    );
    let (tx, rx) = tokio::sync::watch::channel(false);
    let tasks = worker::spawn_workers_with(&state, scanner, workers.max(1), &timing, rx);
    tracing::info!(
        workers = workers.max(1),
        backend = store.backend().as_str(),
        "portcullis scan workers running"
    );
    shutdown_signal().await;
    let _ = tx.send(true);
    for t in tasks {
        // A scan in progress keeps its lease until it ends or expires.
        let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
    }
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}
