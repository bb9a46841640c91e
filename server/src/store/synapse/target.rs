//! The matrixd side of an import: the progress table (created here at run time, not by a
//! migration: only an import has one), and batches written with their progress row in one
//! transaction, so a re-run continues after the last committed batch and never writes a row
//! twice.

use sqlx::{AssertSqlSafe, Row as _};

use super::source::Val;
use crate::store::query::push_param;
use crate::store::{Db, StoreError};

pub(super) const PROGRESS_TABLE: &str = "matrixd_import_progress";

/// Where one destination table's rows go: `{head} VALUES (...), ... {tail}`.
pub struct Target {
    /// `INSERT INTO table (column, ...)`: the columns' types are read from the schema.
    pub head: &'static str,
    pub cols: usize,
    pub tail: &'static str,
}

/// Parameters per statement, at most (SQLite's limit is 32766, PostgreSQL's 65535).
const MAX_PARAMS: usize = 10_000;

/// A step's recorded progress.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// The last key copied (rows read so far for tables read by offset).
    pub last_key: i64,
    /// Source rows read so far.
    pub copied: i64,
    /// Source rows not written (and why is in the step's rules: expired tokens, soft-failed
    /// events, files missing from the media store, ...).
    pub skipped: i64,
    pub done: bool,
}

pub(super) async fn create_progress_table(db: &Db) -> Result<(), StoreError> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS matrixd_import_progress (\
            step     TEXT PRIMARY KEY, \
            last_key BIGINT NOT NULL, \
            copied   BIGINT NOT NULL, \
            skipped  BIGINT NOT NULL, \
            done     INTEGER NOT NULL)",
    )
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// True when the target has a progress table (an import was started on it).
pub(super) async fn has_progress_table(db: &Db) -> Result<bool, StoreError> {
    Ok(sqlx::query(AssertSqlSafe(format!(
        "SELECT step FROM {PROGRESS_TABLE} LIMIT 1"
    )))
    .fetch_optional(&db.pool)
    .await
    .is_ok())
}

pub(super) async fn progress(db: &Db, step: &str) -> Result<Progress, StoreError> {
    let r: Option<(i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT last_key, copied, skipped, done FROM matrixd_import_progress WHERE step = $1",
    )
    .bind(step)
    .fetch_optional(&db.pool)
    .await?;
    Ok(r.map(|(last_key, copied, skipped, done)| Progress {
        last_key,
        copied,
        skipped,
        done: done != 0,
    })
    .unwrap_or_default())
}

const SET_PROGRESS: &str = "INSERT INTO matrixd_import_progress (step, last_key, copied, skipped, done) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (step) DO UPDATE SET last_key = excluded.last_key, copied = excluded.copied, \
     skipped = excluded.skipped, done = excluded.done";

pub(super) async fn set_progress(db: &Db, step: &str, p: &Progress) -> Result<(), StoreError> {
    sqlx::query(SET_PROGRESS)
        .bind(step)
        .bind(p.last_key)
        .bind(p.copied)
        .bind(p.skipped)
        .bind(p.done as i64)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Binds `v` as the column's type: PostgreSQL refuses a text parameter (even a NULL one) for an
/// integer column, and the other way round.
fn bind_val<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    v: &Val,
    integer: bool,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    match (v, integer) {
        (Val::Null, true) => q.bind(None::<i64>),
        (Val::Null, false) => q.bind(None::<String>),
        (Val::Int(i), true) => q.bind(*i),
        (Val::Int(i), false) => q.bind(i.to_string()),
        (Val::Text(t), true) => q.bind(t.parse::<i64>().ok()),
        (Val::Text(t), false) => q.bind(t.clone()),
    }
}

/// The table and columns of an `INSERT INTO table (a, b, c)` head.
fn table_and_columns(head: &str) -> (&str, Vec<&str>) {
    let rest = head.trim_start_matches("INSERT INTO ").trim();
    let (table, cols) = rest.split_once('(').unwrap_or((rest, ""));
    let cols = cols
        .trim_end_matches(')')
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    (table.trim(), cols)
}

/// Which of the head's columns are integers in the target's schema, as the schema itself says
/// (asked once per statement head).
async fn integer_columns(db: &Db, head: &'static str) -> Result<Vec<bool>, StoreError> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static KNOWN: OnceLock<Mutex<HashMap<&'static str, Vec<bool>>>> = OnceLock::new();
    let known = KNOWN.get_or_init(Default::default);
    if let Some(v) = known.lock().expect("column cache").get(head) {
        return Ok(v.clone());
    }
    let (table, cols) = table_and_columns(head);
    let types: Vec<(String, String)> = match db.engine {
        crate::store::Engine::Postgres => {
            sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(table)
            .fetch_all(&db.pool)
            .await?
        }
        crate::store::Engine::Sqlite => {
            sqlx::query_as("SELECT name, type FROM pragma_table_info($1)")
                .bind(table)
                .fetch_all(&db.pool)
                .await?
        }
    };
    let out: Vec<bool> = cols
        .iter()
        .map(|c| {
            types.iter().any(|(name, ty)| {
                name == c && {
                    let ty = ty.to_ascii_lowercase();
                    ty.contains("int")
                }
            })
        })
        .collect();
    known
        .lock()
        .expect("column cache")
        .insert(head, out.clone());
    Ok(out)
}

/// Writes `rows` (each tagged with its index in `targets`) and the step's progress in one
/// transaction.
pub(super) async fn write_batch(
    db: &Db,
    step: &str,
    targets: &[Target],
    rows: &[(usize, Vec<Val>)],
    p: &Progress,
) -> Result<(), StoreError> {
    let mut integers = Vec::with_capacity(targets.len());
    for t in targets {
        integers.push(integer_columns(db, t.head).await?);
    }
    let mut tx = db.pool.begin().await?;
    for (t_index, t) in targets.iter().enumerate() {
        let integer = &integers[t_index];
        let mine: Vec<&Vec<Val>> = rows
            .iter()
            .filter(|(i, _)| *i == t_index)
            .map(|(_, r)| r)
            .collect();
        for chunk in mine.chunks((MAX_PARAMS / t.cols.max(1)).max(1)) {
            let mut sql = String::from(t.head);
            sql.push_str(" VALUES ");
            let mut n = 1;
            for (ri, _) in chunk.iter().enumerate() {
                if ri > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for c in 0..t.cols {
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    push_param(&mut sql, db.engine, n);
                    n += 1;
                }
                sql.push(')');
            }
            sql.push(' ');
            sql.push_str(t.tail);
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                debug_assert_eq!(r.len(), t.cols, "{}", t.head);
                for (c, v) in r.iter().enumerate() {
                    q = bind_val(q, v, integer.get(c).copied().unwrap_or(false));
                }
            }
            q.execute(&mut *tx).await?;
        }
    }
    sqlx::query(SET_PROGRESS)
        .bind(step)
        .bind(p.last_key)
        .bind(p.copied)
        .bind(p.skipped)
        .bind(p.done as i64)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A count on the target (for the verification).
pub(super) async fn count(db: &Db, sql: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql.to_string()))
        .fetch_one(&db.pool)
        .await?)
}

/// The highest event position stored (None: no events yet): where the event copy resumes.
pub(super) async fn last_event_position(db: &Db) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(stream_ordering) FROM events")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// The rooms the target has a row of.
pub(super) async fn room_ids(db: &Db) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT room_id FROM rooms")
        .fetch_all(&db.pool)
        .await?)
}

/// Every room's current state as stored: (room, type, state key, event id, event json), to
/// continue the state the event copy tracks after a resume.
pub(super) async fn current_state_events(
    db: &Db,
) -> Result<Vec<(String, String, String, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.room_id, c.type, c.state_key, e.event_id, e.json FROM current_state c \
         JOIN events e ON e.event_id = c.event_id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// (event id, stream position, json) of the stored event `event_id`, for the samples.
pub(super) async fn event(
    db: &Db,
    event_id: &str,
) -> Result<Option<(i64, String, Option<String>)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT stream_ordering, json, redacted_by FROM events WHERE event_id = $1")
            .bind(event_id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// (password hash, admin, deactivated) of a stored user, for the samples.
pub(super) async fn user(
    db: &Db,
    user_id: &str,
) -> Result<Option<(Option<String>, i64, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT password_hash, admin, deactivated FROM users WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// Users already in the target (an import needs an empty one, or its own earlier run).
pub(super) async fn user_count(db: &Db) -> Result<i64, StoreError> {
    count(db, "SELECT COUNT(*) FROM users").await
}

#[cfg(test)]
mod tests {
    #[test]
    fn heads_name_their_table_and_columns() {
        assert_eq!(
            super::table_and_columns("INSERT INTO users (user_id, localpart, admin)"),
            ("users", vec!["user_id", "localpart", "admin"])
        );
    }
}
