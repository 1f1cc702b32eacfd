//! Test support shared by this crate's and the server's tests: a fresh, isolated store on
//! either backend, so the same suite runs on SQLite and PostgreSQL and tests run in parallel.
//!
//! PostgreSQL tests connect to `PORTCULLIS_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/test`, started by `scripts/ensure-postgres.sh`) and
//! create a database of their own, dropped when the [`TestStore`] is dropped... on a best
//! effort basis (a crashed test leaves a `pcr_t_*` database behind, harmless).

use crate::store::{Store, StoreConfig};
use sqlx::Connection;

pub const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A store in a temporary directory (and, for PostgreSQL, a temporary database).
pub struct TestStore {
    pub store: Store,
    pub config: StoreConfig,
    pub dir: tempfile::TempDir,
    pg_db: Option<(String, String)>,
}

fn pg_base() -> String {
    std::env::var("PORTCULLIS_TEST_PG").unwrap_or_else(|_| DEFAULT_PG.to_string())
}

fn with_db(url: &str, db: &str) -> String {
    match url.rfind('/') {
        Some(i) if i > "postgres://".len() => format!("{}/{db}", &url[..i]),
        _ => format!("{url}/{db}"),
    }
}

impl TestStore {
    pub async fn new(kind: Kind) -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = StoreConfig::new(dir.path().join("data"));
        let mut pg_db = None;
        if kind == Kind::Postgres {
            let base = pg_base();
            let name = format!("pcr_t_{}", crate::auth::random_hex(6).expect("randomness"));
            let mut admin = sqlx::postgres::PgConnection::connect(&base)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {base} is not reachable ({e}); run scripts/ensure-postgres.sh"));
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("create test database");
            let _ = admin.close().await;
            config = config.with_database(with_db(&base, &name));
            pg_db = Some((base, name));
        }
        config.max_connections = 8;
        let store = Store::open(&config).await.expect("open store");
        TestStore {
            store,
            config,
            dir,
            pg_db,
        }
    }

    /// Closes the pool and drops the PostgreSQL database.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((base, name)) = &self.pg_db
            && let Ok(mut admin) = sqlx::postgres::PgConnection::connect(base).await
        {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await;
            let _ = admin.close().await;
        }
    }

    /// Runs raw SQL against the store's database (for tamper tests).
    pub async fn exec(&self, sql: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(self.store.pool())
            .await
            .expect("raw sql");
    }
}

/// Generates `sqlite` and `postgres` variants of an async test function taking a [`Kind`].
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::testing::Kind::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::testing::Kind::Postgres).await
                }
            }
        )*
    };
}
