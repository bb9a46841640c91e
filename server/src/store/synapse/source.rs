//! The Synapse database being imported, opened read-only through sqlx (SQLite file with
//! `mode=ro`, PostgreSQL with read-only transactions): its schema version, its counts and its
//! rows as plain values. Never writes to it.

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe, Executor as _, Row as _};

use crate::config::Database;
use crate::store::StoreError;

/// One column's value, whatever its declared type (booleans are selected as 0/1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl Val {
    pub fn text(&self) -> Option<String> {
        match self {
            Val::Null => None,
            Val::Int(i) => Some(i.to_string()),
            Val::Text(t) => Some(t.clone()),
        }
    }
    pub fn int(&self) -> Option<i64> {
        match self {
            Val::Null => None,
            Val::Int(i) => Some(*i),
            Val::Text(t) => t.parse().ok(),
        }
    }
    pub fn opt_text(v: Option<String>) -> Val {
        v.map_or(Val::Null, Val::Text)
    }
}

/// Reads every column of a result row as a `Val` (bytea and blobs as UTF-8 text).
pub(super) fn values(r: &AnyRow) -> Vec<Val> {
    (0..r.len())
        .map(|i| {
            if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
                return v.map_or(Val::Null, Val::Int);
            }
            if let Ok(v) = r.try_get::<Option<String>, _>(i) {
                return v.map_or(Val::Null, Val::Text);
            }
            if let Ok(v) = r.try_get::<Option<Vec<u8>>, _>(i) {
                return v.map_or(Val::Null, |b| {
                    Val::Text(String::from_utf8_lossy(&b).into_owned())
                });
            }
            if let Ok(v) = r.try_get::<Option<bool>, _>(i) {
                return v.map_or(Val::Null, |b| Val::Int(b as i64));
            }
            Val::Null
        })
        .collect()
}

/// A read-only handle on Synapse's database.
pub struct SynapseDb {
    pub(super) pool: AnyPool,
    pub postgres: bool,
}

impl SynapseDb {
    /// Opens Synapse's database as its `database` section says, read-only.
    pub async fn open(db: &Database) -> Result<SynapseDb, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, postgres) = match db {
            Database::Sqlite { path } => {
                let mut u = url::Url::parse("sqlite://").expect("static URL");
                u.set_path(&path.to_string_lossy());
                // A stopped Synapse leaves no write-ahead log: the file is read as immutable,
                // so not even SQLite's -wal and -shm files appear beside it. A log left by a
                // crash holds committed rows, so then it is read through (read-only).
                let wal = path.with_file_name(format!(
                    "{}-wal",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ));
                let pending = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
                let mode = if pending {
                    "mode=ro"
                } else {
                    "mode=ro&immutable=true"
                };
                (format!("{u}?{mode}"), false)
            }
            Database::Postgres(a) => (a.connect_url("matrixctl-import-synapse"), true),
        };
        let opts = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(2)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if postgres {
                        conn.execute("SET default_transaction_read_only = on")
                            .await?;
                    } else {
                        conn.execute("PRAGMA query_only = 1").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await?;
        Ok(SynapseDb { pool, postgres })
    }

    /// Synapse's schema version (`schema_version.version`), or None when it has none (not a
    /// Synapse database).
    pub async fn schema_version(&self) -> Result<Option<i64>, StoreError> {
        let v: Result<Option<i64>, sqlx::Error> =
            sqlx::query_scalar("SELECT CAST(version AS BIGINT) FROM schema_version")
                .fetch_optional(&self.pool)
                .await;
        match v {
            Ok(v) => Ok(v),
            Err(sqlx::Error::Database(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The server name Synapse's users carry (its first user's domain), to check against the
    /// config.
    pub async fn a_user(&self) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT name FROM users ORDER BY name LIMIT 1")
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub(super) async fn count(&self, sql: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql.to_string()))
            .fetch_one(&self.pool)
            .await?)
    }

    /// Rows of `sql` (which takes `$1` = limit, `$2` = offset or key).
    pub(super) async fn page(
        &self,
        sql: &str,
        limit: i64,
        after: i64,
    ) -> Result<Vec<Vec<Val>>, StoreError> {
        let rows: Vec<AnyRow> = sqlx::query(AssertSqlSafe(sql.to_string()))
            .bind(limit)
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(values).collect())
    }

    /// Every row of `sql` (small tables read at once).
    pub(super) async fn all(&self, sql: &str) -> Result<Vec<Vec<Val>>, StoreError> {
        let rows: Vec<AnyRow> = sqlx::query(AssertSqlSafe(sql.to_string()))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(values).collect())
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}
