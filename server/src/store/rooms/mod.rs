//! SQL for rooms, by table family: events and transaction ids (`events`), current state
//! (`state`), memberships (`memberships`), the batch that writes new events (`batch_insert`),
//! where backfill goes on (`extremities`), and aliases and the room directory
//! (`aliases_directory`). Everything is re-exported here,
//! so callers name `store::rooms::X`. Never imports services.

use super::query::Param;
use super::{Db, StoreError};

/// The columns of an event row, in the order its `Decode` reads them.
macro_rules! event_cols {
    () => {
        "stream_ordering, event_id, room_id, json, redacted_by, txn_device_id, txn_id"
    };
}

mod aliases_directory;
mod batch_insert;
mod events;
mod extremities;
mod memberships;
mod state;
mod state_groups;

pub use aliases_directory::*;
pub use batch_insert::*;
pub use events::*;
pub use extremities::*;
pub use memberships::*;
pub use state::*;
pub use state_groups::*;

/// The highest position used by any stream table (the server's start position).
pub async fn max_stream_position(db: &Db) -> Result<i64, StoreError> {
    let v: i64 = sqlx::query_scalar(
        "SELECT MAX(m) FROM (\
            SELECT COALESCE(MAX(stream_ordering), 0) AS m FROM events \
            UNION ALL SELECT COALESCE(MAX(stream_id), 0) FROM account_data \
            UNION ALL SELECT COALESCE(MAX(stream_id), 0) FROM receipts \
            UNION ALL SELECT COALESCE(MAX(stream_id), 0) FROM presence) AS t",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(v)
}

pub async fn room_version(db: &Db, room_id: &str) -> Result<Option<String>, StoreError> {
    const Q: &str = "SELECT room_version FROM rooms WHERE room_id = $1";
    db.fetch_optional(Q, &[Param::Text(room_id)]).await
}
