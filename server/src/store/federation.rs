//! The outbound federation queue: per destination, how far delivery got and its backoff; the
//! events still to send are read from `events` (`rooms::pending_events`); EDUs that must arrive
//! exactly once (device lists, to-device messages) wait in `federation_outbox`.

use super::query::Param;
use super::{Db, StoreError};

/// One destination's delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub destination: String,
    pub delivered_pos: i64,
    pub failures: i64,
    pub retry_at: i64,
}

impl super::query::Decode for Destination {
    fn decode<R: super::query::Row + ?Sized>(r: &R) -> Result<Self, R::Error> {
        Ok(Destination {
            destination: r.text(0)?,
            delivered_pos: r.int(1)?,
            failures: r.int(2)?,
            retry_at: r.int(3)?,
        })
    }
}

pub async fn destinations(db: &Db) -> Result<Vec<Destination>, StoreError> {
    const Q: &str =
        "SELECT destination, delivered_pos, failures, retry_at FROM federation_destinations";
    db.fetch_all(Q, &[]).await
}

/// Adds `destination`, with everything up to `delivered_pos` counted as delivered; a known
/// destination is left as it is.
pub async fn add_destination(
    db: &Db,
    destination: &str,
    delivered_pos: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO federation_destinations (destination, delivered_pos) VALUES ($1, $2) \
         ON CONFLICT (destination) DO NOTHING",
    )
    .bind(destination)
    .bind(delivered_pos)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Records a delivery attempt's outcome.
pub async fn set_progress(db: &Db, d: &Destination) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE federation_destinations SET delivered_pos = $2, failures = $3, retry_at = $4 \
         WHERE destination = $1",
    )
    .bind(&d.destination)
    .bind(d.delivered_pos)
    .bind(i32::try_from(d.failures).unwrap_or(i32::MAX))
    .bind(d.retry_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// One EDU waiting in the outbox for a destination.
#[derive(Debug, Clone)]
pub struct QueuedEdu {
    pub stream_id: i64,
    pub seq: i64,
    pub edu_type: String,
    pub content: String,
}

impl super::query::Decode for QueuedEdu {
    fn decode<R: super::query::Row + ?Sized>(r: &R) -> Result<Self, R::Error> {
        Ok(QueuedEdu {
            stream_id: r.int(0)?,
            seq: r.int(1)?,
            edu_type: r.text(2)?,
            content: r.text(3)?,
        })
    }
}

/// Puts EDUs in the outbox: (destination, stream_id, seq, edu_type, content), in one
/// transaction; a row already there (the same position) is kept.
pub async fn enqueue_edus(
    db: &Db,
    rows: &[(&str, i64, i64, &str, String)],
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    for (destination, stream_id, seq, edu_type, content) in rows {
        sqlx::query(
            "INSERT INTO federation_outbox (destination, stream_id, seq, edu_type, content) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(*destination)
        .bind(*stream_id)
        .bind(*seq)
        .bind(*edu_type)
        .bind(content)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) const PENDING_EDUS: &str = "SELECT stream_id, seq, edu_type, content FROM federation_outbox \
     WHERE destination = $1 ORDER BY stream_id, seq LIMIT $2";

/// The oldest `limit` EDUs waiting for `destination`, in the order they were written.
pub async fn pending_edus(
    db: &Db,
    destination: &str,
    limit: i64,
) -> Result<Vec<QueuedEdu>, StoreError> {
    db.fetch_all(PENDING_EDUS, &[Param::Text(destination), Param::Int(limit)])
        .await
}

/// Drops `destination`'s EDUs up to and including (stream_id, seq): they were delivered.
pub async fn delete_edus_through(
    db: &Db,
    destination: &str,
    stream_id: i64,
    seq: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM federation_outbox WHERE destination = $1 \
         AND (stream_id < $2 OR (stream_id = $2 AND seq <= $3))",
    )
    .bind(destination)
    .bind(stream_id)
    .bind(seq)
    .execute(&db.pool)
    .await?;
    Ok(())
}
