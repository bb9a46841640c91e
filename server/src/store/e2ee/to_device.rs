//! SQL for to-device messages (`to_device_messages`) and their transaction ids
//! (`to_device_txns`): store, deliver, acknowledge.

use crate::store::query::Param;
use crate::store::{Db, StoreError};

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
    txn: &crate::store::rooms::Txn,
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
