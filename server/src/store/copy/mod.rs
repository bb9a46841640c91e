//! SQLite → PostgreSQL (`matrixctl migrate-db`): the store is the only code that knows both
//! schemas, so the copy lives here and the installer only drives it and draws progress.
//!
//! The target is migrated with the PostgreSQL migrations, then every table is copied in
//! primary-key order, one batch per transaction; the same transaction records the table's
//! last copied key in `matrixd_migrate_progress`, so a copy killed at any point resumes after
//! the last committed batch and never copies a row twice. Then both sides are read again and
//! compared: row count and a checksum per table, computed by the same code over the same
//! canonical encoding of each row (an order-free sum of SHA-256 digests, so neither engine's
//! sort order matters). Stream positions need no fixing: the server derives every stream's
//! next position from the largest stored one at start, and those rows are copied verbatim; any
//! PostgreSQL sequence owned by a copied column is set past its column's largest value.

mod source;

use std::str::FromStr;

use futures_util::TryStreamExt as _;
use sha2::Digest as _;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, AssertSqlSafe, Row as _};

pub use source::Source;

use super::StoreError;
use crate::config::PostgresArgs;

/// The target's record of a copy: one row per table (`last_key` as a JSON array), plus
/// `SOURCE_ROW` (the source's server_name) and `VERIFIED_ROW` (present once verified).
const PROGRESS: &str = "matrixd_migrate_progress";
const SOURCE_ROW: &str = "#source";
const VERIFIED_ROW: &str = "#verified";

/// PostgreSQL takes at most 65535 parameters per statement.
const MAX_PARAMS: usize = 60_000;
/// Rows per batch (and so per transaction), at most.
pub const BATCH_ROWS: usize = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "table {table}: column {column} has type {declared:?}, which is not an integer, text or blob"
    )]
    ColumnType {
        table: String,
        column: String,
        declared: String,
    },
    #[error("table {0} has no primary key")]
    NoPrimaryKey(String),
    #[error("table {table}: column {column} holds {found}, not its declared type")]
    Value {
        table: String,
        column: String,
        found: String,
    },
    /// The target holds tables matrixd does not make.
    #[error("the target database holds tables matrixd does not know: {0}")]
    ForeignTables(String),
    /// The target holds rows no copy of ours put there.
    #[error("the target database already holds data (table {0} is not empty)")]
    NotEmpty(String),
    /// The target holds (part of) a copy of another server's database.
    #[error("the target database holds a copy of server {found:?}, not of {expected:?}")]
    OtherSource { expected: String, found: String },
    /// The two schemas differ (a matrixctl and a database of different versions).
    #[error("the schemas differ: {0}")]
    Schema(String),
}

impl From<sqlx::Error> for CopyError {
    fn from(e: sqlx::Error) -> Self {
        CopyError::Store(StoreError::Sqlx(e))
    }
}

impl From<sqlx::migrate::MigrateError> for CopyError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        CopyError::Store(StoreError::Migrate(e))
    }
}

/// What a column holds (the store uses only these three).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
    Bytes,
}

impl Kind {
    /// SQLite's type affinity rules, for the types the migrations declare.
    fn of_declared(declared: &str) -> Option<Kind> {
        let d = declared.to_ascii_uppercase();
        if d.contains("INT") {
            Some(Kind::Int)
        } else if d.contains("CHAR") || d.contains("TEXT") || d.contains("CLOB") {
            Some(Kind::Text)
        } else if d.contains("BLOB") || d == "BYTEA" {
            Some(Kind::Bytes)
        } else {
            None
        }
    }

    /// PostgreSQL's `information_schema` data type.
    fn of_postgres(data_type: &str) -> Option<Kind> {
        match data_type {
            "bigint" | "integer" | "smallint" => Some(Kind::Int),
            "text" | "character varying" | "character" => Some(Kind::Text),
            "bytea" => Some(Kind::Bytes),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// A table to copy, as the source declares it.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// Indexes into `columns` of the primary key, in key order.
    pub key: Vec<usize>,
    /// Rows in the source.
    pub rows: u64,
}

impl Table {
    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| quote(&c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn key_list(&self) -> String {
        self.key
            .iter()
            .map(|&i| quote(&self.columns[i].name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Rows per batch: at most `wanted`, fewer for wide tables.
    fn batch_rows(&self, wanted: usize) -> usize {
        wanted.min(MAX_PARAMS / self.columns.len().max(1)).max(1)
    }
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Value {
    fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Int(n) => (*n).into(),
            Value::Text(s) => s.clone().into(),
            Value::Bytes(b) => hex::encode(b).into(),
        }
    }

    fn from_json(v: &serde_json::Value, kind: Kind) -> Option<Value> {
        Some(match (v, kind) {
            (serde_json::Value::Null, _) => Value::Null,
            (serde_json::Value::Number(n), Kind::Int) => Value::Int(n.as_i64()?),
            (serde_json::Value::String(s), Kind::Text) => Value::Text(s.clone()),
            (serde_json::Value::String(s), Kind::Bytes) => Value::Bytes(hex::decode(s).ok()?),
            _ => return None,
        })
    }
}

/// A quoted SQL identifier (both engines quote with double quotes).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Row count and checksum of a table, the same computation on both sides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checksum {
    pub rows: u64,
    sum: u128,
}

impl Checksum {
    /// Adds a row: its values in column order, each as a tag, a length and its bytes.
    fn add(&mut self, row: &[Value]) {
        let mut h = sha2::Sha256::new();
        for v in row {
            match v {
                Value::Null => h.update([0u8]),
                Value::Int(n) => {
                    h.update([1u8]);
                    h.update(n.to_be_bytes());
                }
                Value::Text(s) => {
                    h.update([2u8]);
                    h.update((s.len() as u64).to_be_bytes());
                    h.update(s.as_bytes());
                }
                Value::Bytes(b) => {
                    h.update([3u8]);
                    h.update((b.len() as u64).to_be_bytes());
                    h.update(b);
                }
            }
        }
        let d = h.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&d[..16]);
        self.sum = self.sum.wrapping_add(u128::from_be_bytes(first));
        self.rows += 1;
    }
}

impl std::fmt::Display for Checksum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:032x}", self.sum)
    }
}

/// A table's comparison after the copy.
#[derive(Debug, Clone)]
pub struct TableCheck {
    pub table: String,
    pub source: Checksum,
    pub target: Checksum,
}

impl TableCheck {
    pub fn matches(&self) -> bool {
        self.source == self.target
    }
}

/// Where a target stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetState {
    /// No copy started: every table empty.
    Empty,
    /// A copy of this server was started; these tables are complete.
    Started { done: Vec<String> },
    /// A copy of this server was completed and verified.
    Verified,
}

/// The PostgreSQL database copied into.
pub struct Target {
    pool: AnyPool,
}

impl Target {
    /// Connects (two connections at most) and checks encoding and collation as the server does.
    /// Changes nothing.
    pub async fn connect(args: &PostgresArgs) -> Result<Target, CopyError> {
        sqlx::any::install_default_drivers();
        let opts = AnyConnectOptions::from_str(&args.connect_url("matrixctl migrate-db"))?;
        let pool = AnyPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(std::time::Duration::from_secs(
                args.connect_timeout.unwrap_or(30).max(1),
            ))
            .connect_with(opts)
            .await?;
        super::check_postgres_locale(&pool, args.allow_unsafe_locale).await?;
        Ok(Target { pool })
    }

    /// The tables in the target's `public` schema.
    async fn table_names(&self) -> Result<Vec<String>, CopyError> {
        Ok(sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether the database has no tables at all (`matrixctl restore` refuses a used one).
    pub async fn has_no_tables(&self) -> Result<bool, CopyError> {
        Ok(self.table_names().await?.is_empty())
    }

    /// Where the target stands for a copy of `tables` from the server `server_name`; refuses a
    /// database holding anything else. Changes nothing.
    pub async fn state(
        &self,
        tables: &[Table],
        server_name: &str,
    ) -> Result<TargetState, CopyError> {
        let existing = self.table_names().await?;
        let foreign: Vec<&String> = existing
            .iter()
            .filter(|n| {
                n.as_str() != PROGRESS
                    && n.as_str() != "_sqlx_migrations"
                    && !tables.iter().any(|t| &t.name == *n)
            })
            .collect();
        if !foreign.is_empty() {
            return Err(CopyError::ForeignTables(
                foreign
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        if existing.iter().any(|n| n == PROGRESS) {
            let rows: Vec<(String, i64)> = sqlx::query_as(AssertSqlSafe(format!(
                "SELECT table_name, done FROM {PROGRESS}"
            )))
            .fetch_all(&self.pool)
            .await?;
            let source: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT last_key FROM {PROGRESS} WHERE table_name = $1"
            )))
            .bind(SOURCE_ROW)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(found) = source
                && found != server_name
            {
                return Err(CopyError::OtherSource {
                    expected: server_name.to_string(),
                    found,
                });
            }
            if rows.iter().any(|(n, _)| n == VERIFIED_ROW) {
                return Ok(TargetState::Verified);
            }
            return Ok(TargetState::Started {
                done: rows
                    .into_iter()
                    .filter(|(n, d)| *d != 0 && !n.starts_with('#'))
                    .map(|(n, _)| n)
                    .collect(),
            });
        }
        for t in tables {
            if !existing.contains(&t.name) {
                continue;
            }
            let any: bool = sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM {} LIMIT 1) AS t",
                quote(&t.name)
            )))
            .fetch_one(&self.pool)
            .await?
                > 0;
            if any {
                return Err(CopyError::NotEmpty(t.name.clone()));
            }
        }
        Ok(TargetState::Empty)
    }

    /// Applies the PostgreSQL migrations, checks the target's tables and columns against the
    /// source's, and records which server the copy is of (the first time).
    pub async fn prepare(&self, tables: &[Table], server_name: &str) -> Result<(), CopyError> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        for t in tables {
            let cols: Vec<(String, String)> = sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
            )
            .bind(&t.name)
            .fetch_all(&self.pool)
            .await?;
            if cols.is_empty() {
                return Err(CopyError::Schema(format!(
                    "table {} is missing in PostgreSQL",
                    t.name
                )));
            }
            for c in &t.columns {
                match cols.iter().find(|(n, _)| *n == c.name) {
                    Some((_, ty)) if Kind::of_postgres(ty) == Some(c.kind) => {}
                    Some((_, ty)) => {
                        return Err(CopyError::Schema(format!(
                            "{}.{} is {ty} in PostgreSQL but {:?} in SQLite",
                            t.name, c.name, c.kind
                        )));
                    }
                    None => {
                        return Err(CopyError::Schema(format!(
                            "{}.{} is missing in PostgreSQL",
                            t.name, c.name
                        )));
                    }
                }
            }
            if let Some((n, _)) = cols
                .iter()
                .find(|(n, _)| !t.columns.iter().any(|c| &c.name == n))
            {
                return Err(CopyError::Schema(format!(
                    "{}.{n} is missing in SQLite",
                    t.name
                )));
            }
        }
        sqlx::query(AssertSqlSafe(format!(
            "CREATE TABLE IF NOT EXISTS {PROGRESS} (table_name TEXT PRIMARY KEY, last_key TEXT, \
             rows_copied BIGINT NOT NULL DEFAULT 0, done BIGINT NOT NULL DEFAULT 0)"
        )))
        .execute(&self.pool)
        .await?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {PROGRESS} (table_name, last_key) VALUES ($1, $2) ON CONFLICT (table_name) DO NOTHING"
        )))
        .bind(SOURCE_ROW)
        .bind(server_name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Rows of `t` copied so far (from the progress record), and whether it is complete.
    pub async fn progress(&self, t: &Table) -> Result<(u64, bool), CopyError> {
        let row: Option<(i64, i64)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT rows_copied, done FROM {PROGRESS} WHERE table_name = $1"
        )))
        .bind(&t.name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map_or((0, false), |(n, d)| (n.max(0) as u64, d != 0)))
    }

    /// Copies what remains of `t`, one batch of at most `batch_rows` rows per transaction;
    /// `copied` is told the rows done so far after each batch. Returns the table's rows in the
    /// target.
    pub async fn copy_table(
        &self,
        src: &Source,
        t: &Table,
        batch_rows: usize,
        mut copied: impl FnMut(u64),
    ) -> Result<u64, CopyError> {
        let row: Option<(Option<String>, i64, i64)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT last_key, rows_copied, done FROM {PROGRESS} WHERE table_name = $1"
        )))
        .bind(&t.name)
        .fetch_optional(&self.pool)
        .await?;
        let (mut after, mut count) = match row {
            Some((_, n, done)) if done != 0 => return Ok(n as u64),
            Some((Some(k), n, _)) => (Some(decode_key(t, &k)?), n.max(0) as u64),
            _ => (None, 0),
        };
        copied(count);
        let limit = t.batch_rows(batch_rows);
        let full_insert = insert_sql(t, limit);
        let upsert = format!(
            "INSERT INTO {PROGRESS} (table_name, last_key, rows_copied, done) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (table_name) DO UPDATE SET last_key = EXCLUDED.last_key, \
             rows_copied = EXCLUDED.rows_copied, done = EXCLUDED.done"
        );
        loop {
            let rows = src.batch(t, after.as_deref(), limit)?;
            let done = rows.len() < limit;
            let mut tx = self.pool.begin().await?;
            if !rows.is_empty() {
                let sql = if rows.len() == limit {
                    full_insert.clone()
                } else {
                    insert_sql(t, rows.len())
                };
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for r in &rows {
                    for (v, c) in r.iter().zip(&t.columns) {
                        q = bind(q, v, c.kind);
                    }
                }
                q.execute(&mut *tx).await?;
                count += rows.len() as u64;
                let last = rows.last().expect("a batch that is not empty");
                after = Some(t.key.iter().map(|&i| last[i].clone()).collect());
            }
            let key = after.as_ref().map(|k| {
                serde_json::Value::Array(k.iter().map(Value::to_json).collect()).to_string()
            });
            sqlx::query(AssertSqlSafe(upsert.clone()))
                .bind(&t.name)
                .bind(key)
                .bind(count as i64)
                .bind(i64::from(done))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            copied(count);
            if done {
                return Ok(count);
            }
        }
    }

    /// Compares every table: row count and checksum on both sides.
    pub async fn verify(
        &self,
        src: &Source,
        tables: &[Table],
        mut checked: impl FnMut(&TableCheck),
    ) -> Result<Vec<TableCheck>, CopyError> {
        let mut out = Vec::new();
        for t in tables {
            let mut source = Checksum::default();
            src.each_row(t, |r| source.add(r))?;
            let mut target = Checksum::default();
            let select = t
                .columns
                .iter()
                .map(|c| match c.kind {
                    Kind::Int => format!("CAST({} AS BIGINT)", quote(&c.name)),
                    _ => quote(&c.name),
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("SELECT {select} FROM {}", quote(&t.name));
            let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&self.pool);
            while let Some(r) = rows.try_next().await? {
                let mut row = Vec::with_capacity(t.columns.len());
                for (i, c) in t.columns.iter().enumerate() {
                    row.push(match c.kind {
                        Kind::Int => r
                            .try_get::<Option<i64>, _>(i)?
                            .map_or(Value::Null, Value::Int),
                        Kind::Text => r
                            .try_get::<Option<String>, _>(i)?
                            .map_or(Value::Null, Value::Text),
                        Kind::Bytes => r
                            .try_get::<Option<Vec<u8>>, _>(i)?
                            .map_or(Value::Null, Value::Bytes),
                    });
                }
                target.add(&row);
            }
            let check = TableCheck {
                table: t.name.clone(),
                source,
                target,
            };
            checked(&check);
            out.push(check);
        }
        Ok(out)
    }

    /// After a verified copy: sequences past their columns' values, fresh planner statistics,
    /// and the copy recorded as verified.
    pub async fn finish(&self) -> Result<(), CopyError> {
        let owned: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT s.relname::text, t.relname::text, a.attname::text FROM pg_class s \
             JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass \
             JOIN pg_class t ON t.oid = d.refobjid \
             JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public' \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid \
             WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i')",
        )
        .fetch_all(&self.pool)
        .await?;
        for (seq, table, column) in owned {
            sqlx::query(AssertSqlSafe(format!(
                "SELECT setval($1::regclass, COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)",
                quote(&column),
                quote(&table)
            )))
            .bind(&seq)
            .execute(&self.pool)
            .await?;
        }
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {PROGRESS} (table_name, done) VALUES ($1, 1) ON CONFLICT (table_name) DO NOTHING"
        )))
        .bind(VERIFIED_ROW)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// Applies the SQLite migrations the file lacks (what the server does at start), so both sides
/// have the same schema.
pub async fn upgrade_source(path: &std::path::Path) -> Result<(), CopyError> {
    sqlx::any::install_default_drivers();
    let url = super::connect_url(&crate::config::Database::Sqlite {
        path: path.to_path_buf(),
    });
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect_with(AnyConnectOptions::from_str(&url)?)
        .await?;
    let result = sqlx::migrate!("./migrations/sqlite").run(&pool).await;
    pool.close().await;
    result?;
    Ok(())
}

/// The versions of the SQLite migrations this build carries.
pub fn known_sqlite_migrations() -> Vec<i64> {
    sqlx::migrate!("./migrations/sqlite")
        .iter()
        .map(|m| m.version)
        .collect()
}

fn insert_sql(t: &Table, rows: usize) -> String {
    let n = t.columns.len();
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ",
        quote(&t.name),
        t.column_list()
    );
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..n {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", r * n + c + 1));
        }
        sql.push(')');
    }
    sql
}

fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    v: &Value,
    kind: Kind,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    match (v, kind) {
        (Value::Int(n), _) => q.bind(*n),
        (Value::Text(s), _) => q.bind(s.clone()),
        (Value::Bytes(b), _) => q.bind(b.clone()),
        (Value::Null, Kind::Int) => q.bind(None::<i64>),
        (Value::Null, Kind::Text) => q.bind(None::<String>),
        (Value::Null, Kind::Bytes) => q.bind(None::<Vec<u8>>),
    }
}

fn decode_key(t: &Table, json: &str) -> Result<Vec<Value>, CopyError> {
    let bad = || CopyError::Schema(format!("the progress record of {} is damaged", t.name));
    let v: serde_json::Value = serde_json::from_str(json).map_err(|_| bad())?;
    let items = v.as_array().ok_or_else(bad)?;
    if items.len() != t.key.len() {
        return Err(bad());
    }
    items
        .iter()
        .zip(&t.key)
        .map(|(v, &i)| Value::from_json(v, t.columns[i].kind).ok_or_else(bad))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_ignores_row_order_and_sees_every_value() {
        let a = vec![Value::Int(1), Value::Text("x".into()), Value::Null];
        let b = vec![Value::Int(2), Value::Text("y".into()), Value::Int(0)];
        let (mut one, mut two) = (Checksum::default(), Checksum::default());
        one.add(&a);
        one.add(&b);
        two.add(&b);
        two.add(&a);
        assert_eq!(one, two);
        let mut three = Checksum::default();
        three.add(&a);
        three.add(&[Value::Int(2), Value::Text("y".into()), Value::Null]);
        assert_ne!(one, three, "NULL and 0 must differ");
        let mut four = Checksum::default();
        four.add(&[Value::Text("ab".into()), Value::Text("c".into())]);
        let mut five = Checksum::default();
        five.add(&[Value::Text("a".into()), Value::Text("bc".into())]);
        assert_ne!(four, five, "values are length-prefixed");
    }

    #[test]
    fn keys_round_trip_through_the_progress_record() {
        let t = Table {
            name: "t".into(),
            columns: vec![
                Column {
                    name: "a".into(),
                    kind: Kind::Text,
                },
                Column {
                    name: "b".into(),
                    kind: Kind::Int,
                },
            ],
            key: vec![1, 0],
            rows: 0,
        };
        let key = vec![Value::Int(-5), Value::Text("\"q\"".into())];
        let json = serde_json::Value::Array(key.iter().map(Value::to_json).collect()).to_string();
        assert_eq!(decode_key(&t, &json).unwrap(), key);
        assert!(decode_key(&t, "[1]").is_err());
    }
}
