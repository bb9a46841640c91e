//! SQL for end-to-end encryption plumbing, by table family: device keys (`device_keys`),
//! one-time and fallback keys (`one_time_keys`), cross-signing keys and signatures
//! (`cross_signing`), device-list change positions (`device_lists`), other servers' users' device lists (`remote`), to-device messages
//! (`to_device`) and room key backups (`backup`). Returns plain rows; the rules (who may sign
//! what, when a message is acknowledged) live in `service::e2ee`. Everything is re-exported
//! here, so callers name `store::e2ee::X`. Never imports services.

use super::{Db, StoreError};

mod backup;
mod cross_signing;
mod device_keys;
mod device_lists;
mod one_time_keys;
mod remote;
mod to_device;

pub use backup::*;
pub use cross_signing::*;
pub use device_keys::*;
pub use device_lists::*;
pub use one_time_keys::*;
pub use remote::*;
pub use to_device::*;

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
