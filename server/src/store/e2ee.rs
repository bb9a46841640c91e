//! SQL for end-to-end encryption plumbing: device, one-time, fallback and cross-signing keys,
//! signatures, device-list change positions, to-device messages and room key backups.
//! Returns plain rows; the rules (who may sign what, when a message is acknowledged) live in
//! `service::e2ee`. Never imports services.

use super::query::Param;
use super::{Db, Engine, StoreError, now_ms};

/// Stream positions read at start, in one query (0: none).
pub struct StartPositions {
    /// The highest position used by the tables here (the server's start position must be past
    /// it, or a restart would hand out positions twice).
    pub max: i64,
    /// The newest device-list change and the newest presence change, so sync's change logs
    /// know them exactly from the start.
    pub device_lists: i64,
    pub presence: i64,
}

pub async fn start_positions(db: &Db) -> Result<StartPositions, StoreError> {
    let (to_device, device_lists, cross_signing, presence): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COALESCE(MAX(stream_id), 0) FROM to_device_messages), \
                    (SELECT COALESCE(MAX(stream_id), 0) FROM device_list_changes), \
                    (SELECT COALESCE(MAX(stream_id), 0) FROM e2e_cross_signing_keys), \
                    (SELECT COALESCE(MAX(stream_id), 0) FROM presence)",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(StartPositions {
        max: to_device.max(device_lists).max(cross_signing),
        device_lists,
        presence,
    })
}

// ---- Device keys ----

pub async fn get_device_keys(
    db: &Db,
    user_id: &str,
    device_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT key_json FROM e2e_device_keys WHERE user_id = $1 AND device_id = $2",
    )
    .bind(user_id)
    .bind(device_id)
    .fetch_optional(&db.pool)
    .await?)
}

pub async fn set_device_keys(
    db: &Db,
    user_id: &str,
    device_id: &str,
    key_json: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO e2e_device_keys (user_id, device_id, key_json, ts) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, device_id) DO UPDATE SET key_json = excluded.key_json, ts = excluded.ts",
    )
    .bind(user_id)
    .bind(device_id)
    .bind(key_json)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Device keys of a user's existing devices: (device_id, key_json, display_name).
pub async fn device_keys_of(
    db: &Db,
    user_id: &str,
) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT k.device_id, k.key_json, d.display_name FROM e2e_device_keys k \
         JOIN devices d ON d.user_id = k.user_id AND d.device_id = k.device_id \
         WHERE k.user_id = $1 ORDER BY k.device_id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Forgets everything end-to-end about a deleted device: keys, pending messages, signatures.
pub async fn delete_device(db: &Db, user_id: &str, device_id: &str) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    for q in [
        "DELETE FROM e2e_device_keys WHERE user_id = $1 AND device_id = $2",
        "DELETE FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2",
        "DELETE FROM e2e_fallback_keys WHERE user_id = $1 AND device_id = $2",
        "DELETE FROM to_device_messages WHERE user_id = $1 AND device_id = $2",
        "DELETE FROM to_device_txns WHERE user_id = $1 AND device_id = $2",
        "DELETE FROM e2e_signatures WHERE target_user_id = $1 AND target_key_id = $2",
    ] {
        sqlx::query(q)
            .bind(user_id)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

// ---- One-time and fallback keys ----

pub async fn get_one_time_key(
    db: &Db,
    user_id: &str,
    device_id: &str,
    algorithm: &str,
    key_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT key_json FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 AND algorithm = $3 AND key_id = $4",
    )
    .bind(user_id)
    .bind(device_id)
    .bind(algorithm)
    .bind(key_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// Inserts one-time keys (algorithm, key_id, key_json) in one transaction; existing ids are kept.
pub async fn add_one_time_keys(
    db: &Db,
    user_id: &str,
    device_id: &str,
    keys: &[(String, String, String)],
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    for (algorithm, key_id, key_json) in keys {
        sqlx::query(
            "INSERT INTO e2e_one_time_keys (user_id, device_id, algorithm, key_id, key_json, ts) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(device_id)
        .bind(algorithm)
        .bind(key_id)
        .bind(key_json)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// (algorithm, count) of the device's unclaimed one-time keys.
pub async fn count_one_time_keys(
    db: &Db,
    user_id: &str,
    device_id: &str,
) -> Result<Vec<(String, i64)>, StoreError> {
    const Q: &str = "SELECT algorithm, COUNT(*) FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 GROUP BY algorithm ORDER BY algorithm";
    db.fetch_all(Q, &[Param::Text(user_id), Param::Text(device_id)])
        .await
}

/// Takes one one-time key away, atomically: the row is deleted by the same statement that
/// returns it, so two claims can never get the same key. On PostgreSQL the candidate row is
/// locked with SKIP LOCKED, so concurrent claimers pick different rows instead of queueing
/// on one; SQLite runs one writer at a time. Returns (key_id, key_json).
pub async fn claim_one_time_key(
    db: &Db,
    user_id: &str,
    device_id: &str,
    algorithm: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let lock = if db.engine == Engine::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let q = format!(
        "DELETE FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 AND algorithm = $3 AND key_id = (\
            SELECT key_id FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 AND algorithm = $3 \
            ORDER BY key_id LIMIT 1{lock}) \
         RETURNING key_id, key_json"
    );
    // A concurrent claim may take the row we picked between our SELECT and DELETE (PostgreSQL
    // re-checks and skips it): try again while keys remain.
    for _ in 0..8 {
        let row: Option<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(q.clone()))
            .bind(user_id)
            .bind(device_id)
            .bind(algorithm)
            .fetch_optional(&db.pool)
            .await?;
        if row.is_some() {
            return Ok(row);
        }
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 AND algorithm = $3")
                .bind(user_id)
                .bind(device_id)
                .bind(algorithm)
                .fetch_one(&db.pool)
                .await?;
        if left == 0 {
            return Ok(None);
        }
    }
    Ok(None)
}

/// Stores the device's fallback key for an algorithm, replacing the old one; `used` is reset
/// unless the same key is uploaded again.
pub async fn set_fallback_key(
    db: &Db,
    user_id: &str,
    device_id: &str,
    algorithm: &str,
    key_id: &str,
    key_json: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO e2e_fallback_keys (user_id, device_id, algorithm, key_id, key_json, used) VALUES ($1, $2, $3, $4, $5, 0) \
         ON CONFLICT (user_id, device_id, algorithm) DO UPDATE SET key_id = excluded.key_id, key_json = excluded.key_json, \
         used = CASE WHEN e2e_fallback_keys.key_id = excluded.key_id AND e2e_fallback_keys.key_json = excluded.key_json \
                THEN e2e_fallback_keys.used ELSE 0 END",
    )
    .bind(user_id)
    .bind(device_id)
    .bind(algorithm)
    .bind(key_id)
    .bind(key_json)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Hands out the fallback key (it stays) and marks it used. Returns (key_id, key_json).
pub async fn claim_fallback_key(
    db: &Db,
    user_id: &str,
    device_id: &str,
    algorithm: &str,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "UPDATE e2e_fallback_keys SET used = 1 WHERE user_id = $1 AND device_id = $2 AND algorithm = $3 RETURNING key_id, key_json",
    )
    .bind(user_id)
    .bind(device_id)
    .bind(algorithm)
    .fetch_optional(&db.pool)
    .await?)
}

pub(crate) const KEY_COUNTS: &str = "SELECT 0, algorithm, COUNT(*) FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 GROUP BY algorithm \
         UNION ALL SELECT 1, algorithm, 0 FROM e2e_fallback_keys WHERE user_id = $1 AND device_id = $2 AND used = 0 \
         ORDER BY 1, 2";

/// Algorithms whose fallback key has not been handed out yet.
/// A device's one-time key counts per algorithm and its unused fallback key types, in one
/// query (sync asks both every time).
pub async fn key_counts(
    db: &Db,
    user_id: &str,
    device_id: &str,
) -> Result<(Vec<(String, i64)>, Vec<String>), StoreError> {
    // kind 0: one-time keys (algorithm, count); kind 1: an unused fallback key's algorithm.
    let rows: Vec<(i64, String, i64)> = db
        .fetch_all(KEY_COUNTS, &[Param::Text(user_id), Param::Text(device_id)])
        .await?;
    let (mut counts, mut fallback) = (Vec::new(), Vec::new());
    for (kind, algorithm, n) in rows {
        if kind == 0 {
            counts.push((algorithm, n));
        } else {
            fallback.push(algorithm);
        }
    }
    Ok((counts, fallback))
}

// ---- Cross-signing keys and signatures ----

pub async fn get_cross_signing_key(
    db: &Db,
    user_id: &str,
    key_type: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT key_json FROM e2e_cross_signing_keys WHERE user_id = $1 AND key_type = $2",
    )
    .bind(user_id)
    .bind(key_type)
    .fetch_optional(&db.pool)
    .await?)
}

pub async fn set_cross_signing_key(
    db: &Db,
    user_id: &str,
    key_type: &str,
    key_json: &str,
    stream_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO e2e_cross_signing_keys (user_id, key_type, key_json, stream_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, key_type) DO UPDATE SET key_json = excluded.key_json, stream_id = excluded.stream_id",
    )
    .bind(user_id)
    .bind(key_type)
    .bind(key_json)
    .bind(stream_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Signatures on a user's keys: (target_key_id, signer_user_id, signer_key_id, signature).
pub async fn signatures_on(
    db: &Db,
    target_user_id: &str,
) -> Result<Vec<(String, String, String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT target_key_id, signer_user_id, signer_key_id, signature FROM e2e_signatures WHERE target_user_id = $1 \
         ORDER BY target_key_id, signer_user_id, signer_key_id",
    )
    .bind(target_user_id)
    .fetch_all(&db.pool)
    .await?)
}

pub async fn add_signature(
    db: &Db,
    target_user_id: &str,
    target_key_id: &str,
    signer_user_id: &str,
    signer_key_id: &str,
    signature: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO e2e_signatures (target_user_id, target_key_id, signer_user_id, signer_key_id, signature) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (target_user_id, target_key_id, signer_user_id, signer_key_id) DO UPDATE SET signature = excluded.signature",
    )
    .bind(target_user_id)
    .bind(target_key_id)
    .bind(signer_user_id)
    .bind(signer_key_id)
    .bind(signature)
    .execute(&db.pool)
    .await?;
    Ok(())
}

// ---- Device lists ----

pub async fn mark_device_list_change(
    db: &Db,
    user_id: &str,
    stream_id: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO device_list_changes (user_id, stream_id) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET stream_id = excluded.stream_id",
    )
    .bind(user_id)
    .bind(stream_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub(crate) const DEVICE_LISTS_CHANGED_SINCE: &str =
    "SELECT user_id FROM device_list_changes WHERE stream_id > $1 ORDER BY user_id";

/// Users whose devices changed after `since` (the latest change only is kept, so a change
/// after `to` also counts: a spurious extra entry, never a missed one).
pub async fn device_lists_changed_since(db: &Db, since: i64) -> Result<Vec<String>, StoreError> {
    db.fetch_all(DEVICE_LISTS_CHANGED_SINCE, &[Param::Int(since)])
        .await
}

pub(crate) const MEMBERSHIPS_AROUND: &str = "SELECT m.user_id, m.room_id, m.membership, m.stream_ordering FROM room_memberships m \
         JOIN room_memberships me ON me.room_id = m.room_id AND me.user_id = $1 \
         WHERE me.membership = 'join' OR me.stream_ordering > $2";

/// Memberships in every room the user is joined to, or whose own membership changed after
/// `since`: (user_id, room_id, membership, stream_ordering).
pub async fn memberships_around(
    db: &Db,
    user_id: &str,
    since: i64,
) -> Result<Vec<(String, String, String, i64)>, StoreError> {
    db.fetch_all(
        MEMBERSHIPS_AROUND,
        &[Param::Text(user_id), Param::Int(since)],
    )
    .await
}

// ---- To-device messages ----

/// One to-device message for one device.
pub struct ToDevice<'a> {
    pub user_id: &'a str,
    pub device_id: &'a str,
    pub content: String,
}

/// Stores the messages of one /sendToDevice at `stream_id`, with the transaction id, in one
/// transaction. `Ok(false)`: the sending device already used this transaction id, nothing stored.
pub async fn send_to_device(
    db: &Db,
    sender: &str,
    txn: &super::rooms::Txn,
    kind: &str,
    stream_id: i64,
    messages: &[ToDevice<'_>],
) -> Result<bool, StoreError> {
    let mut tx = db.pool.begin().await?;
    let fresh = sqlx::query("INSERT INTO to_device_txns (user_id, device_id, scope, txn_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(sender)
        .bind(&txn.device_id)
        .bind(&txn.scope)
        .bind(&txn.txn_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if !fresh {
        tx.rollback().await?;
        return Ok(false);
    }
    for (seq, m) in messages.iter().enumerate() {
        sqlx::query(
            "INSERT INTO to_device_messages (user_id, device_id, stream_id, seq, sender, type, content) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(m.user_id)
        .bind(m.device_id)
        .bind(stream_id)
        .bind(seq as i64)
        .bind(sender)
        .bind(kind)
        .bind(&m.content)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Deletes the device's messages a sync already returned and whose position is at or before
/// `since` (the client holds a token past them, so it got them).
pub async fn delete_acknowledged_to_device(
    db: &Db,
    user_id: &str,
    device_id: &str,
    since: i64,
) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM to_device_messages WHERE user_id = $1 AND device_id = $2 AND stream_id <= $3 AND delivered = 1")
        .bind(user_id)
        .bind(device_id)
        .bind(since)
        .execute(&db.pool)
        .await?
        .rows_affected())
}

pub(crate) const HAS_ACKNOWLEDGED_TO_DEVICE: &str = "SELECT 1 FROM to_device_messages WHERE user_id = $1 AND device_id = $2 AND stream_id <= $3 AND delivered = 1 LIMIT 1";

/// Whether the device has delivered messages up to `since` that its sync acknowledged (a read,
/// so a sync with nothing to acknowledge never takes the write lock).
pub async fn has_acknowledged_to_device(
    db: &Db,
    user_id: &str,
    device_id: &str,
    since: i64,
) -> Result<bool, StoreError> {
    let found: Option<i64> = db
        .fetch_optional(
            HAS_ACKNOWLEDGED_TO_DEVICE,
            &[
                Param::Text(user_id),
                Param::Text(device_id),
                Param::Int(since),
            ],
        )
        .await?;
    Ok(found.is_some())
}

/// A stored to-device message: (stream_id, seq, sender, type, content).
pub type ToDeviceRow = (i64, i64, String, String, String);

pub(crate) const PENDING_TO_DEVICE: &str = "SELECT stream_id, seq, sender, type, content FROM to_device_messages WHERE user_id = $1 AND device_id = $2 AND stream_id <= $3 \
         AND NOT (delivered = 1 AND stream_id <= $5) ORDER BY stream_id, seq LIMIT $4";

/// The device's messages at or before `to`, oldest first, at most `limit`, leaving out those the
/// device acknowledged (delivered and at or before `acknowledged`, the sync's `since`).
pub async fn pending_to_device(
    db: &Db,
    user_id: &str,
    device_id: &str,
    acknowledged: Option<i64>,
    to: i64,
    limit: i64,
) -> Result<Vec<ToDeviceRow>, StoreError> {
    // Nothing is acknowledged below position 0.
    let acked = acknowledged.unwrap_or(-1);
    db.fetch_all(
        PENDING_TO_DEVICE,
        &[
            Param::Text(user_id),
            Param::Text(device_id),
            Param::Int(to),
            Param::Int(limit),
            Param::Int(acked),
        ],
    )
    .await
}

/// Marks the device's messages up to and including (stream_id, seq) as returned by a sync.
pub async fn mark_to_device_delivered(
    db: &Db,
    user_id: &str,
    device_id: &str,
    stream_id: i64,
    seq: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE to_device_messages SET delivered = 1 WHERE user_id = $1 AND device_id = $2 AND delivered = 0 \
         AND (stream_id < $3 OR (stream_id = $3 AND seq <= $4))",
    )
    .bind(user_id)
    .bind(device_id)
    .bind(stream_id)
    .bind(seq)
    .execute(&db.pool)
    .await?;
    Ok(())
}

// ---- Room key backup ----

/// A backup version: (version, algorithm, auth_data, etag).
pub type BackupVersionRow = (i64, String, String, i64);

/// Creates the next backup version (numbers are never reused) and returns it.
pub async fn create_backup_version(
    db: &Db,
    user_id: &str,
    algorithm: &str,
    auth_data: &str,
) -> Result<i64, StoreError> {
    let mut tx = db.pool.begin().await?;
    let next: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM e2e_room_keys_versions WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO e2e_room_keys_versions (user_id, version, algorithm, auth_data, etag, deleted) VALUES ($1, $2, $3, $4, 0, 0)")
        .bind(user_id)
        .bind(next)
        .bind(algorithm)
        .bind(auth_data)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(next)
}

/// A live backup version, or the latest live one when `version` is `None`.
pub async fn get_backup_version(
    db: &Db,
    user_id: &str,
    version: Option<i64>,
) -> Result<Option<BackupVersionRow>, StoreError> {
    let q = match version {
        Some(_) => {
            "SELECT version, algorithm, auth_data, etag FROM e2e_room_keys_versions WHERE user_id = $1 AND deleted = 0 AND version = $2"
        }
        None => {
            "SELECT version, algorithm, auth_data, etag FROM e2e_room_keys_versions WHERE user_id = $1 AND deleted = 0 ORDER BY version DESC LIMIT 1"
        }
    };
    let mut query = sqlx::query_as(q).bind(user_id);
    if let Some(v) = version {
        query = query.bind(v);
    }
    Ok(query.fetch_optional(&db.pool).await?)
}

pub async fn update_backup_auth_data(
    db: &Db,
    user_id: &str,
    version: i64,
    auth_data: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE e2e_room_keys_versions SET auth_data = $1 WHERE user_id = $2 AND version = $3",
    )
    .bind(auth_data)
    .bind(user_id)
    .bind(version)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn bump_backup_etag(db: &Db, user_id: &str, version: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE e2e_room_keys_versions SET etag = etag + 1 WHERE user_id = $1 AND version = $2",
    )
    .bind(user_id)
    .bind(version)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Marks a version deleted and drops its keys; `Ok(false)` when there was no such live version.
pub async fn delete_backup_version(
    db: &Db,
    user_id: &str,
    version: i64,
) -> Result<bool, StoreError> {
    let mut tx = db.pool.begin().await?;
    let n = sqlx::query("UPDATE e2e_room_keys_versions SET deleted = 1 WHERE user_id = $1 AND version = $2 AND deleted = 0")
        .bind(user_id)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM e2e_room_keys WHERE user_id = $1 AND version = $2")
        .bind(user_id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(n == 1)
}

/// One backed-up session key.
#[derive(Debug, Clone)]
pub struct RoomKeyRow {
    pub room_id: String,
    pub session_id: String,
    pub first_message_index: i64,
    pub forwarded_count: i64,
    pub is_verified: bool,
    pub session_data: String,
}

type RoomKeyTuple = (String, String, i64, i64, i64, String);

/// Keys of a backup version, optionally only one room's or one session's.
pub async fn get_room_keys(
    db: &Db,
    user_id: &str,
    version: i64,
    room_id: Option<&str>,
    session_id: Option<&str>,
) -> Result<Vec<RoomKeyRow>, StoreError> {
    let rows: Vec<RoomKeyTuple> = sqlx::query_as(
        "SELECT room_id, session_id, first_message_index, forwarded_count, is_verified, session_data FROM e2e_room_keys \
         WHERE user_id = $1 AND version = $2 AND ($3 = '' OR room_id = $3) AND ($4 = '' OR session_id = $4) ORDER BY room_id, session_id",
    )
    .bind(user_id)
    .bind(version)
    .bind(room_id.unwrap_or(""))
    .bind(session_id.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(room_id, session_id, first_message_index, forwarded_count, v, session_data)| {
                RoomKeyRow {
                    room_id,
                    session_id,
                    first_message_index,
                    forwarded_count,
                    is_verified: v != 0,
                    session_data,
                }
            },
        )
        .collect())
}

pub async fn put_room_key(
    db: &Db,
    user_id: &str,
    version: i64,
    k: &RoomKeyRow,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO e2e_room_keys (user_id, version, room_id, session_id, first_message_index, forwarded_count, is_verified, session_data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, version, room_id, session_id) DO UPDATE SET \
         first_message_index = excluded.first_message_index, forwarded_count = excluded.forwarded_count, \
         is_verified = excluded.is_verified, session_data = excluded.session_data",
    )
    .bind(user_id)
    .bind(version)
    .bind(&k.room_id)
    .bind(&k.session_id)
    .bind(k.first_message_index)
    .bind(k.forwarded_count)
    .bind(k.is_verified as i64)
    .bind(&k.session_data)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn delete_room_keys(
    db: &Db,
    user_id: &str,
    version: i64,
    room_id: Option<&str>,
    session_id: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM e2e_room_keys WHERE user_id = $1 AND version = $2 AND ($3 = '' OR room_id = $3) AND ($4 = '' OR session_id = $4)",
    )
    .bind(user_id)
    .bind(version)
    .bind(room_id.unwrap_or(""))
    .bind(session_id.unwrap_or(""))
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn count_room_keys(db: &Db, user_id: &str, version: i64) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM e2e_room_keys WHERE user_id = $1 AND version = $2",
        )
        .bind(user_id)
        .bind(version)
        .fetch_one(&db.pool)
        .await?,
    )
}
