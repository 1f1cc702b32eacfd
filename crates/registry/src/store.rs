//! Connection, migrations and the write-transaction discipline shared by every module.

use crate::artifacts::ArtifactStore;
use crate::audit::AuditSigner;
use crate::cache::ReadCache;
use crate::error::{RegistryError, Result, db};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyConnection, AnyPool, Transaction};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Which database the registry runs on. Decided by the URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How to open the registry.
///
/// TOML shape (as the CLI reads it, all optional except `data_dir`):
/// ```toml
/// data_dir = "/var/lib/portcullis"          # artifacts, audit signing key, SQLite file
/// database = "postgres://user@host/db"      # default: sqlite://<data_dir>/registry.db
/// max_connections = 16
/// max_artifact_bytes = 52428800
/// cache_ttl_ms = 1000                       # token/status read cache; 0 = off
/// signing_key_file = "/etc/portcullis/audit-signing.key"  # default: <data_dir>/audit-signing.key
/// ```
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct StoreConfig {
    pub data_dir: PathBuf,
    #[serde(default)]
    pub database: Option<String>,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    #[serde(default = "default_max_artifact_bytes")]
    pub max_artifact_bytes: u64,
    /// How long (ms) an authenticated token and an install status may be served from this
    /// process's memory. A change committed by another process is seen within this time;
    /// one committed by this process at once (see `cache.rs`). 0 turns the cache off.
    #[serde(default = "default_cache_ttl_ms")]
    pub cache_ttl_ms: u64,
    /// The audit signing key (32-byte ed25519 seed, hex). Several `serve` processes on one
    /// PostgreSQL database must be given the same file, so that every checkpoint and
    /// approval is signed by the one key `audit verify` checks. Default:
    /// `<data_dir>/audit-signing.key`, created on first use.
    #[serde(default)]
    pub signing_key_file: Option<PathBuf>,
    /// Where artifacts live: `s3://bucket/prefix` (object storage, for servers and workers
    /// on several machines) or a directory. Default `<data_dir>/artifacts`.
    #[serde(default)]
    pub artifacts: Option<String>,
}

fn default_cache_ttl_ms() -> u64 {
    1000
}

fn default_max_connections() -> u32 {
    16
}

fn default_max_artifact_bytes() -> u64 {
    50 * 1024 * 1024
}

impl StoreConfig {
    /// A config with defaults for everything but the data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            data_dir: data_dir.into(),
            database: None,
            max_connections: default_max_connections(),
            max_artifact_bytes: default_max_artifact_bytes(),
            cache_ttl_ms: default_cache_ttl_ms(),
            signing_key_file: None,
            artifacts: None,
        }
    }

    /// Signs with the key in this file instead of `<data_dir>/audit-signing.key`.
    pub fn with_signing_key_file(mut self, path: impl Into<PathBuf>) -> StoreConfig {
        self.signing_key_file = Some(path.into());
        self
    }

    /// The signing key file in effect.
    pub fn signing_key_path(&self) -> PathBuf {
        self.signing_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-signing.key"))
    }

    /// Uses this database URL instead of the embedded SQLite file.
    pub fn with_database(mut self, url: impl Into<String>) -> StoreConfig {
        self.database = Some(url.into());
        self
    }

    fn url(&self) -> String {
        match &self.database {
            Some(u) => u.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("registry.db").display()
            ),
        }
    }
}

/// The registry's storage: a connection pool, the artifact directory and the audit key.
///
/// Cheap to clone; every clone shares the pool and the read cache. The only cached state is
/// the short-TTL token/status cache (`cache.rs`), whose staleness is bounded, so several
/// processes may open the same PostgreSQL database at once.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) artifacts: ArtifactStore,
    pub(crate) signer: AuditSigner,
    pub(crate) max_artifact_bytes: u64,
    pub(crate) cache: Arc<ReadCache>,
}

const MIGRATIONS_SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../migrations/sqlite/0002_multi_process.sql"),
    ),
    (
        3,
        include_str!("../migrations/sqlite/0003_version_documents.sql"),
    ),
    (
        5,
        include_str!("../migrations/sqlite/0005_isolation_and_anchoring.sql"),
    ),
];
const MIGRATIONS_POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../migrations/postgres/0002_multi_process.sql"),
    ),
    (
        3,
        include_str!("../migrations/postgres/0003_version_documents.sql"),
    ),
    (
        5,
        include_str!("../migrations/postgres/0005_isolation_and_anchoring.sql"),
    ),
];

/// Arbitrary constant for `pg_advisory_xact_lock`: serialises migrations when several
/// `serve` processes start together against one database.
const MIGRATION_LOCK_KEY: i64 = 0x5043_5252_4547; // "PCRREG"

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Store {
    /// Opens (creating if needed) the data directory and database, and applies migrations.
    pub async fn open(config: &StoreConfig) -> Result<Store> {
        install_default_drivers();
        std::fs::create_dir_all(&config.data_dir).map_err(|source| RegistryError::Io {
            path: config.data_dir.clone(),
            source,
        })?;
        let url = config.url();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(RegistryError::Invalid(format!(
                "unsupported database URL scheme in `{}` (expected sqlite: or postgres://)",
                redact_url(&url)
            )));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the single writer; FULL sync makes an
                        // acknowledged commit survive power loss, not just a killed process.
                        sqlx::raw_sql(
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                             PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;",
                        )
                        .execute(&mut *conn)
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(db("connecting to the database"))?;
        let store = Store {
            pool,
            backend,
            artifacts: ArtifactStore::open(
                config.artifacts.as_deref(),
                config.data_dir.join("artifacts"),
            )?,
            signer: AuditSigner::load_or_create(&config.signing_key_path())?,
            max_artifact_bytes: config.max_artifact_bytes,
            cache: Arc::new(ReadCache::new(Duration::from_millis(config.cache_ttl_ms))),
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Readiness probe: one round trip to the database.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db("pinging the database"))?;
        Ok(())
    }

    /// Closes the pool (waits for connections in use to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Applies every migration not yet recorded, each in its own transaction, so a crash
    /// between two migrations leaves a schema at a known version.
    async fn migrate(&self) -> Result<()> {
        let migrations = match self.backend {
            Backend::Sqlite => MIGRATIONS_SQLITE,
            Backend::Postgres => MIGRATIONS_POSTGRES,
        };
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS portcullis_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await
        .map_err(db("creating the migrations table"))?;
        for (version, sql) in migrations {
            let mut tx = self
                .pool
                .begin()
                .await
                .map_err(db("starting a migration"))?;
            if self.backend == Backend::Postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(MIGRATION_LOCK_KEY)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("locking migrations"))?;
            }
            let applied =
                sqlx::query("SELECT version FROM portcullis_migrations WHERE version = $1")
                    .bind(*version)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db("reading applied migrations"))?;
            if applied.is_some() {
                continue;
            }
            sqlx::raw_sql(*sql)
                .execute(&mut *tx)
                .await
                .map_err(db("applying a migration"))?;
            sqlx::query("INSERT INTO portcullis_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(*version)
                .bind(now_ms())
                .execute(&mut *tx)
                .await
                .map_err(db("recording a migration"))?;
            tx.commit().await.map_err(db("committing a migration"))?;
            tracing::info!(
                version,
                backend = self.backend.as_str(),
                "applied migration"
            );
        }
        Ok(())
    }

    /// Starts a transaction that will change state.
    ///
    /// Its first statement locks the audit head row. That one lock is what makes the
    /// registry's invariants hold under concurrency on both backends: on PostgreSQL it is a
    /// row lock held to commit, on SQLite it takes the database write lock up front (so a
    /// deferred transaction never has to upgrade a stale read snapshot and fail with
    /// `SQLITE_BUSY`). Checks made after it ("does this version exist?") therefore cannot be
    /// invalidated by a concurrent writer before commit, and audit events get gap-free
    /// sequence numbers in commit order.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(db("starting a transaction"))?;
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await
            .map_err(db("locking the audit head"))?;
        Ok(WriteTx {
            tx,
            cache: self.cache.clone(),
        })
    }

    #[cfg(any(test, feature = "test-support"))]
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// A state-changing transaction from [`Store::begin_write`]: holds the audit-head lock, is
/// used as a connection (`&mut *tx`), and on [`WriteTx::commit`] also invalidates this
/// process's read cache. Dropped without commit, it rolls back.
pub(crate) struct WriteTx {
    tx: Transaction<'static, Any>,
    cache: Arc<ReadCache>,
}

impl WriteTx {
    /// Commits; `what` names the change in the error ("committing a review").
    pub(crate) async fn commit(self, what: &'static str) -> Result<()> {
        let WriteTx { tx, cache } = self;
        let committed = tx.commit().await.map_err(db(what));
        // Invalidate even when the commit reported an error: it may have reached the
        // database before the connection failed.
        cache.invalidate();
        committed
    }
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// Hides a password in a database URL before it reaches a log or an error message.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && let Some((user, _pw)) = userinfo.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}
