//! SQL for reports users file about events, rooms and users, and the admin API's reads of
//! event reports. A report's id is one after the highest so far, taken in its INSERT (tried
//! again when two reports race for the same id).

use super::{Db, StoreError};

/// One stored event report: (id, received_ts, room_id, event_id, user_id, reason, content,
/// the reported event's sender when we hold the event).
pub type EventReportRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

/// Runs `sql` (an INSERT numbering its row with `(SELECT COALESCE(MAX(id), 0) + 1 ...)`, then
/// the received time and `args`), again if a concurrent report took the same id.
async fn insert_numbered(
    db: &Db,
    sql: &'static str,
    ts: i64,
    args: &[Option<&str>],
) -> Result<(), StoreError> {
    let mut tries = 0;
    loop {
        let mut q = sqlx::query(sql).bind(ts);
        for a in args {
            q = q.bind(*a);
        }
        match q.execute(&db.pool).await {
            Ok(_) => return Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() && tries < 5 => tries += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

pub async fn add_event_report(
    db: &Db,
    room_id: &str,
    event_id: &str,
    user_id: &str,
    reason: Option<&str>,
    content: &str,
    ts: i64,
) -> Result<(), StoreError> {
    insert_numbered(
        db,
        "INSERT INTO event_reports (id, received_ts, room_id, event_id, user_id, reason, content) \
         VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM event_reports), $1, $2, $3, $4, $5, $6)",
        ts,
        &[
            Some(room_id),
            Some(event_id),
            Some(user_id),
            reason,
            Some(content),
        ],
    )
    .await
}

pub async fn add_room_report(
    db: &Db,
    room_id: &str,
    user_id: &str,
    reason: &str,
    ts: i64,
) -> Result<(), StoreError> {
    insert_numbered(
        db,
        "INSERT INTO room_reports (id, received_ts, room_id, user_id, reason) \
         VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM room_reports), $1, $2, $3, $4)",
        ts,
        &[Some(room_id), Some(user_id), Some(reason)],
    )
    .await
}

pub async fn add_user_report(
    db: &Db,
    target_user_id: &str,
    user_id: &str,
    reason: &str,
    ts: i64,
) -> Result<(), StoreError> {
    insert_numbered(
        db,
        "INSERT INTO user_reports (id, received_ts, target_user_id, user_id, reason) \
         VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM user_reports), $1, $2, $3, $4)",
        ts,
        &[Some(target_user_id), Some(user_id), Some(reason)],
    )
    .await
}

const EVENT_REPORT_COLS: &str = "SELECT r.id, r.received_ts, r.room_id, r.event_id, r.user_id, r.reason, r.content, e.sender \
     FROM event_reports r LEFT JOIN events e ON e.event_id = r.event_id";

/// Event reports, newest first (`oldest_first` reverses), `limit` after skipping `from`,
/// optionally by the reporting user, the room (each a substring, as Synapse's LIKE) or the
/// reported event's sender; and how many match in all.
pub async fn event_reports(
    db: &Db,
    from: i64,
    limit: i64,
    oldest_first: bool,
    filters: [Option<&str>; 3],
) -> Result<(Vec<EventReportRow>, i64), StoreError> {
    let [user, room, sender] = filters;
    let mut conds = Vec::new();
    let mut args = Vec::new();
    for (column, value, like) in [
        ("r.user_id", user, true),
        ("r.room_id", room, true),
        ("e.sender", sender, false),
    ] {
        let Some(v) = value else { continue };
        args.push(if like {
            format!("%{v}%")
        } else {
            v.to_string()
        });
        let op = if like { "LIKE" } else { "=" };
        conds.push(format!("{column} {op} ${}", args.len()));
    }
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    let count_sql = format!(
        "SELECT COUNT(*) FROM event_reports r LEFT JOIN events e ON e.event_id = r.event_id {filter}"
    );
    let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
    for a in &args {
        count = count.bind(a.as_str());
    }
    let total = count.fetch_one(&db.pool).await?;
    let order = if oldest_first { "ASC" } else { "DESC" };
    let n = args.len();
    let list_sql = format!(
        "{EVENT_REPORT_COLS} {filter} ORDER BY r.received_ts {order}, r.id {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut list = sqlx::query_as::<_, EventReportRow>(sqlx::AssertSqlSafe(list_sql));
    for a in &args {
        list = list.bind(a.as_str());
    }
    let rows = list.bind(limit).bind(from).fetch_all(&db.pool).await?;
    Ok((rows, total))
}

/// One event report by id.
pub async fn event_report(db: &Db, id: i64) -> Result<Option<EventReportRow>, StoreError> {
    let sql = format!("{EVENT_REPORT_COLS} WHERE r.id = $1");
    Ok(
        sqlx::query_as::<_, EventReportRow>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// Deletes an event report; whether there was one.
pub async fn delete_event_report(db: &Db, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM event_reports WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
