//! SQL for `backward_extremities`: the events a room's history continues with before the
//! oldest events we hold of it, where backfill asks another server to go on.

use crate::store::query::Param;
use crate::store::{Db, StoreError};

/// The backward extremities of a room.
pub async fn backward_extremities(db: &Db, room_id: &str) -> Result<Vec<String>, StoreError> {
    const Q: &str =
        "SELECT event_id FROM backward_extremities WHERE room_id = $1 ORDER BY event_id";
    db.fetch_all(Q, &[Param::Text(room_id)]).await
}

/// Records `event_ids` as backward extremities of a room (those already recorded stay once).
pub async fn add_backward_extremities(
    db: &Db,
    room_id: &str,
    event_ids: &[String],
) -> Result<(), StoreError> {
    for id in event_ids {
        sqlx::query(
            "INSERT INTO backward_extremities (room_id, event_id) VALUES ($1, $2) \
             ON CONFLICT (room_id, event_id) DO NOTHING",
        )
        .bind(room_id)
        .bind(id.as_str())
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

/// Forgets `event_ids` as backward extremities of a room (fetched, or not to be asked again).
pub async fn remove_backward_extremities(
    db: &Db,
    room_id: &str,
    event_ids: &[String],
) -> Result<(), StoreError> {
    for id in event_ids {
        sqlx::query("DELETE FROM backward_extremities WHERE room_id = $1 AND event_id = $2")
            .bind(room_id)
            .bind(id.as_str())
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}
