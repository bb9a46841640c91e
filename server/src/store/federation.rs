//! The outbound federation queue: per destination, how far delivery got and its backoff; the
//! events still to send are read from `events` (`rooms::pending_events`).

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
