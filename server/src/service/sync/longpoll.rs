//! The long-poll: a sync with a since token waits up to its timeout for something new.

use std::time::Instant;

use super::*;
use crate::service::Services;
use crate::service::rooms::RoomError;

impl Services {
    /// Runs a sync, waiting up to the timeout for something new when `since` is given.
    pub async fn sync(
        &self,
        user_id: &str,
        device_id: &str,
        req: &SyncRequest,
    ) -> Result<SyncResponse, RoomError> {
        let deadline = Instant::now() + req.timeout;
        let mut wake = self.streams.subscribe();
        loop {
            wake.borrow_and_update();
            let (body, changed) = self.sync_once(user_id, device_id, req).await?;
            if changed || req.since.is_none() || req.full_state || Instant::now() >= deadline {
                return Ok(body);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let _waiting = crate::service::metrics::SyncWaiter::start();
            match tokio::time::timeout(left, wake.changed()).await {
                Ok(Ok(())) => continue,
                _ => {
                    // Timed out: answer with the current position so the client moves on.
                    let (body, _) = self.sync_once(user_id, device_id, req).await?;
                    return Ok(body);
                }
            }
        }
    }
}
