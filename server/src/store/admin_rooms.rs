//! SQL for the admin API's room views and room deletion: every room, joined-member counts,
//! blocked rooms, purging a room's rows, and the recorded outcome of deletions.

use super::{Db, StoreError, now_ms};

/// (room_id, room_version, creator, is_public) of every room, oldest first.
pub async fn all_rooms(db: &Db) -> Result<Vec<(String, String, String, bool)>, StoreError> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT room_id, room_version, creator, is_public FROM rooms ORDER BY created_ts, room_id",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(r, v, c, p)| (r, v, c, p != 0))
        .collect())
}

/// (room_version, creator, is_public) of one room.
pub async fn room(db: &Db, room_id: &str) -> Result<Option<(String, String, bool)>, StoreError> {
    let row: Option<(String, String, i64)> =
        sqlx::query_as("SELECT room_version, creator, is_public FROM rooms WHERE room_id = $1")
            .bind(room_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(v, c, p)| (v, c, p != 0)))
}

/// How many devices the given users have.
pub async fn count_devices(db: &Db, user_ids: &[String]) -> Result<i64, StoreError> {
    let mut n = 0;
    for u in user_ids {
        let c: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE user_id = $1")
            .bind(u)
            .fetch_one(&db.pool)
            .await?;
        n += c;
    }
    Ok(n)
}

pub async fn block(db: &Db, room_id: &str, user_id: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO blocked_rooms (room_id, user_id) VALUES ($1, $2) ON CONFLICT (room_id) DO NOTHING")
        .bind(room_id)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn is_blocked(db: &Db, room_id: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blocked_rooms WHERE room_id = $1")
        .bind(room_id)
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}

/// Deletes every row of a room, in one transaction: events and their transaction ids,
/// current state, memberships, where backfill would go on, aliases, receipts, room account
/// data, and the room.
pub async fn purge(db: &Db, room_id: &str) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "DELETE FROM event_txns WHERE event_id IN (SELECT event_id FROM events WHERE room_id = $1)",
    )
    .bind(room_id)
    .execute(&mut *tx)
    .await?;
    for table in [
        "events",
        "current_state",
        "room_memberships",
        "backward_extremities",
        "room_aliases",
        "receipts",
        "account_data",
        "rooms",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE room_id = $1"
        )))
        .bind(room_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Records the outcome of a room deletion.
pub async fn record_delete(
    db: &Db,
    delete_id: &str,
    room_id: &str,
    status: &str,
    result: Option<&str>,
    error: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO room_delete_tasks (delete_id, room_id, status, result, error, created_ts) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(delete_id)
        .bind(room_id)
        .bind(status)
        .bind(result)
        .bind(error)
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// (delete_id, room_id, status, result JSON, error)
pub type DeleteRow = (String, String, String, Option<String>, Option<String>);

pub async fn delete_task(db: &Db, delete_id: &str) -> Result<Option<DeleteRow>, StoreError> {
    Ok(sqlx::query_as("SELECT delete_id, room_id, status, result, error FROM room_delete_tasks WHERE delete_id = $1")
        .bind(delete_id)
        .fetch_optional(&db.pool)
        .await?)
}

pub async fn delete_tasks_for_room(db: &Db, room_id: &str) -> Result<Vec<DeleteRow>, StoreError> {
    Ok(sqlx::query_as("SELECT delete_id, room_id, status, result, error FROM room_delete_tasks WHERE room_id = $1 ORDER BY created_ts")
        .bind(room_id)
        .fetch_all(&db.pool)
        .await?)
}
