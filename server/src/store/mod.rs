//! Storage: one sqlx `Any` pool over SQLite (embedded default, WAL) or PostgreSQL, with the
//! migrations embedded and applied at start. Owns SQL and connections; never imports services.
//! Queries use `$n` placeholders and only integer/text/blob columns so both engines run them.

pub mod accounts;
pub mod admin_registration_tokens;
pub mod admin_rooms;
pub mod admin_users;
pub mod cluster;
pub mod copy;
pub mod direct;
pub mod e2ee;
pub mod federation;
pub mod media;
pub mod openid;
pub mod pushers;
mod query;
pub mod registration_tokens;
pub mod remote_media;
pub mod reports;
pub mod rooms;
pub mod server_keys;
pub mod synapse;
pub mod threepids;
pub mod uia;
pub mod userdata;

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};

use crate::config::{Database, PostgresArgs};

/// Which engine a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// From a connection of `direct`.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Refused(String),
}

impl StoreError {
    /// A unique-key or primary-key violation: the row conflicts with one already stored.
    pub fn is_conflict(&self) -> bool {
        match self {
            StoreError::Sqlx(sqlx::Error::Database(e)) => e.is_unique_violation(),
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            _ => false,
        }
    }
}

/// The database handle shared by all services.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub engine: Engine,
    /// Recently used access tokens (see `accounts::find_token`).
    pub tokens: std::sync::Arc<accounts::TokenCache>,
    /// In-place reads for a SQLite file (see `direct`); none for PostgreSQL and `:memory:`.
    pub direct: Option<std::sync::Arc<direct::Direct>>,
    /// What it connected with, for connections of their own (`cluster`).
    url: ConnectUrl,
}

/// A connection URL, never printed (it may hold a password).
#[derive(Clone)]
struct ConnectUrl(String);

impl std::fmt::Debug for ConnectUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectUrl(..)")
    }
}

/// The URL sqlx connects with, built from Synapse-style `database` settings.
pub fn connect_url(db: &Database) -> String {
    match db {
        Database::Sqlite { path } if path.as_os_str() == ":memory:" => {
            "sqlite::memory:".to_string()
        }
        Database::Sqlite { path } => {
            let mut u = url::Url::parse("sqlite://").expect("static URL");
            u.set_path(&path.to_string_lossy());
            format!("{u}?mode=rwc")
        }
        Database::Postgres(a) => postgres_url(a),
    }
}

/// Statements prepared on every new PostgreSQL connection: the reads every sync and send makes.
/// Prepared statements are per connection and the pool hands out its connections in turn, so
/// otherwise each of them parses each statement on first use, a round trip and a parse inside
/// some user's request.
const PREPARED_ON_CONNECT: &[&str] = &[
    accounts::FIND_TOKEN,
    rooms::MEMBERSHIPS_OF,
    rooms::USERS_SHARING_ROOMS,
    rooms::EVENTS_BACKWARDS,
    rooms::EVENTS_BACKWARDS_ROOMS,
    rooms::STATE_THEN_ROOMS,
    userdata::RECEIPTS_SINCE_ROOMS,
    rooms::EVENTS_FORWARDS,
    rooms::STATE_NOW,
    rooms::TXN_EVENT,
    userdata::ACCOUNT_DATA_SINCE,
    userdata::RECEIPTS_SINCE,
    userdata::READ_POSITION,
    userdata::PRESENCE_SINCE,
    e2ee::PENDING_TO_DEVICE,
    e2ee::HAS_ACKNOWLEDGED_TO_DEVICE,
    e2ee::KEY_COUNTS,
    e2ee::DEVICE_LISTS_CHANGED_SINCE,
    e2ee::MEMBERSHIPS_AROUND,
];

/// Prepares `PREPARED_ON_CONNECT` on a connection; returns those that failed.
async fn prepare_ahead(conn: &mut AnyConnection) -> Vec<(&'static str, sqlx::Error)> {
    let mut failed = Vec::new();
    for q in PREPARED_ON_CONNECT {
        if let Err(e) = conn.prepare(sqlx::SqlSafeStr::into_sql_str(*q)).await {
            failed.push((*q, e));
        }
    }
    failed
}

fn log_not_prepared(failed: Vec<(&'static str, sqlx::Error)>) {
    for (q, e) in failed {
        tracing::warn!(error = %e, statement = q, "could not prepare a statement ahead");
    }
}

fn postgres_url(a: &PostgresArgs) -> String {
    a.connect_url(a.application_name.as_deref().unwrap_or("matrixd"))
}

impl Db {
    /// A migrated in-memory SQLite database, for unit tests of the services.
    #[cfg(test)]
    pub async fn in_memory() -> Db {
        Db::connect(&Database::Sqlite {
            path: ":memory:".into(),
        })
        .await
        .expect("in-memory database")
    }

    /// Closes the SQLite connections that start-up opened beyond one (each holds a thread, a
    /// page cache and prepared statements); the pool opens them again when load needs them.
    /// PostgreSQL keeps its `cp_min`.
    pub async fn release_idle(&self) {
        if self.engine != Engine::Sqlite {
            return;
        }
        while self.pool.num_idle() > 1 {
            let Some(conn) = self.pool.try_acquire() else {
                break;
            };
            if let Err(e) = conn.close().await {
                tracing::debug!(error = %e, "closing an idle connection");
            }
        }
        if let Some(d) = &self.direct {
            d.release_idle();
        }
    }

    /// Connects, checks the server is usable, and applies pending migrations.
    pub async fn connect(db: &Database) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let url = connect_url(db);
        let opts = AnyConnectOptions::from_str(&url)?;
        // Set once the schema is migrated: connections opened from then on prepare ahead.
        let schema_ready = std::sync::Arc::new(AtomicBool::new(false));
        let (engine, pool) = match db {
            Database::Sqlite { path } => {
                let memory = path.as_os_str() == ":memory:";
                let pool = AnyPoolOptions::new()
                    // An in-memory database lives only as long as its one connection.
                    .max_connections(if memory { 1 } else { 8 })
                    .min_connections(if memory { 1 } else { 0 })
                    .idle_timeout(if memory {
                        None
                    } else {
                        Some(Duration::from_secs(600))
                    })
                    .max_lifetime(if memory {
                        None
                    } else {
                        Some(Duration::from_secs(3600))
                    })
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA busy_timeout = 5000").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            // Checkpoints run in the background (direct::spawn_checkpointer).
                            if !memory {
                                conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                            }
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts)
                    .await?;
                if !memory {
                    pool.execute("PRAGMA journal_mode = WAL").await?;
                }
                (Engine::Sqlite, pool)
            }
            Database::Postgres(a) => {
                // The pool fills up to cp_min in the background; one connection proves the
                // database answers before the server reports ready.
                let pool = AnyPoolOptions::new()
                    .min_connections(a.cp_min)
                    .max_connections(a.cp_max)
                    .after_connect({
                        let schema_ready = schema_ready.clone();
                        move |conn, _| {
                            let ready = schema_ready.load(Ordering::Acquire);
                            Box::pin(async move {
                                if ready {
                                    log_not_prepared(prepare_ahead(conn).await);
                                }
                                Ok(())
                            })
                        }
                    })
                    .acquire_timeout(Duration::from_secs(a.connect_timeout.unwrap_or(30).max(1)))
                    .connect_lazy_with(opts);
                drop(pool.acquire().await?);
                check_postgres_locale(&pool, a.allow_unsafe_locale).await?;
                (Engine::Postgres, pool)
            }
        };
        let db = Db {
            pool,
            engine,
            url: ConnectUrl(url),
            tokens: Default::default(),
            direct: match db {
                Database::Sqlite { path } if path.as_os_str() != ":memory:" => {
                    Some(std::sync::Arc::new(direct::Direct::new(path.clone())))
                }
                _ => None,
            },
        };
        db.migrate().await?;
        schema_ready.store(true, Ordering::Release);
        if let Some(d) = &db.direct {
            direct::spawn_checkpointer(d);
        }
        Ok(db)
    }

    /// Prepares ahead on the PostgreSQL connections opened before the schema was migrated (the
    /// start-up check, the pool's first ones), one idle connection at a time in the background,
    /// so neither start-up nor a request waits for it. Called once the server is serving.
    pub fn prepare_ahead_in_background(&self) {
        if self.engine != Engine::Postgres {
            return;
        }
        let pool = self.pool.clone();
        tokio::spawn(async move {
            for _ in 0..pool.num_idle() {
                let Some(mut c) = pool.try_acquire() else {
                    break;
                };
                log_not_prepared(prepare_ahead(&mut c).await);
            }
        });
    }

    /// Prepares the statements every new PostgreSQL connection prepares ahead on one connection,
    /// and says which fail (a test checks there are none once the schema is in place).
    pub async fn check_prepared_ahead(&self) -> Result<(), String> {
        let mut conn = self.pool.acquire().await.map_err(|e| e.to_string())?;
        let failed = prepare_ahead(&mut conn).await;
        if failed.is_empty() {
            return Ok(());
        }
        Err(failed
            .iter()
            .map(|(q, e)| format!("{q}: {e}"))
            .collect::<Vec<_>>()
            .join("\n"))
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.engine {
            Engine::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Engine::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Records `server_name` on first start and refuses a database made for another name:
    /// every user id and event in it carries the old name.
    pub async fn guard_server_name(&self, server_name: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO server_meta (name, value) VALUES ('server_name', $1) ON CONFLICT (name) DO NOTHING")
            .bind(server_name)
            .execute(&self.pool)
            .await?;
        let stored: String =
            sqlx::query_scalar("SELECT value FROM server_meta WHERE name = 'server_name'")
                .fetch_one(&self.pool)
                .await?;
        if stored != server_name {
            return Err(StoreError::Refused(format!(
                "this database belongs to server_name {stored:?}, but the config says {server_name:?}; \
                 server_name can never change: put server_name: {stored} back, or point database at a new, empty database"
            )));
        }
        Ok(())
    }
}

/// Synapse refuses PostgreSQL databases that are not UTF8 with C collation (sorting and
/// indexes then differ between machines); so do we, with the same escape hatch.
async fn check_postgres_locale(
    pool: &AnyPool,
    allow_unsafe_locale: bool,
) -> Result<(), StoreError> {
    let row: (String, String, String) = sqlx::query_as(
        "SELECT pg_encoding_to_char(encoding)::text, datcollate::text, datctype::text FROM pg_database WHERE datname = current_database()",
    )
    .fetch_one(pool)
    .await?;
    let (encoding, collate, ctype) = row;
    let create = "CREATE DATABASE matrixd ENCODING 'UTF8' LC_COLLATE='C' LC_CTYPE='C' TEMPLATE template0 OWNER matrixd";
    if encoding.to_uppercase() != "UTF8" {
        return Err(StoreError::Refused(format!(
            "the database encoding is {encoding}, it must be UTF8; recreate it with: {create}"
        )));
    }
    if !allow_unsafe_locale && (collate != "C" || ctype != "C") {
        return Err(StoreError::Refused(format!(
            "the database has collation {collate:?} and ctype {ctype:?}, both must be 'C'; recreate it with: {create} \
             (or set database.allow_unsafe_locale: true if you know why not)"
        )));
    }
    Ok(())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PostgresArgs;

    fn args(host: Option<&str>, sslmode: Option<&str>) -> Database {
        Database::Postgres(PostgresArgs {
            user: Some("matrixd".into()),
            password: None,
            dbname: Some("matrixd".into()),
            host: host.map(String::from),
            port: Some(5432),
            cp_min: 5,
            cp_max: 10,
            sslmode: sslmode.map(String::from),
            sslrootcert: None,
            application_name: None,
            connect_timeout: None,
            allow_unsafe_locale: false,
        })
    }

    #[test]
    fn local_postgres_skips_tls_unless_asked() {
        assert!(connect_url(&args(Some("127.0.0.1"), None)).contains("sslmode=disable"));
        assert!(connect_url(&args(Some("/var/run/postgresql"), None)).contains("sslmode=disable"));
        assert!(!connect_url(&args(Some("db.example.org"), None)).contains("sslmode"));
        assert!(connect_url(&args(Some("127.0.0.1"), Some("require"))).contains("sslmode=require"));
    }
}
