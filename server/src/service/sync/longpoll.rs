//! The long-poll: a sync with a since token waits up to its timeout for something new.

use std::time::Instant;

use super::*;
use crate::service::Services;
use crate::service::rooms::RoomError;
use crate::service::streams::Scope;

impl Services {
    /// A registration for news for `user_id`: their own changes and those of the rooms they
    /// are joined to (a room they join, are invited to or leave is news for them as a user).
    pub(crate) async fn sync_waiter(
        &self,
        user_id: &str,
    ) -> Result<crate::service::streams::Waiter<'_>, RoomError> {
        let memberships = self.memberships(user_id).await?;
        Ok(self.streams.waiter(user_id, joined(&memberships)))
    }

    /// Notes that the write at `pos` is news for `user_id` and everyone in a room with them
    /// (presence, devices and keys).
    pub(crate) async fn note_user_and_rooms(
        &self,
        pos: i64,
        user_id: &str,
    ) -> Result<(), crate::store::StoreError> {
        let memberships = self.memberships(user_id).await.map_err(|e| match e {
            RoomError::Store(e) => e,
            other => crate::store::StoreError::Refused(other.to_string()),
        })?;
        let rooms = joined(&memberships).map(Scope::Room);
        self.streams
            .note(pos, std::iter::once(Scope::User(user_id)).chain(rooms));
        Ok(())
    }

    /// Runs a sync, waiting up to the timeout for something new when `since` is given.
    pub async fn sync(
        &self,
        user_id: &str,
        device_id: &str,
        req: &SyncRequest,
    ) -> Result<SyncResponse, RoomError> {
        let deadline = Instant::now() + req.timeout;
        // Registered before the first look, so nothing that becomes visible after it is missed.
        let waiter = match req.since {
            Some(_) if !req.full_state && !req.timeout.is_zero() => {
                Some(self.sync_waiter(user_id).await?)
            }
            _ => None,
        };
        loop {
            let (body, changed) = self.sync_once(user_id, device_id, req).await?;
            let Some(waiter) = &waiter else {
                return Ok(body);
            };
            if changed || Instant::now() >= deadline {
                return Ok(body);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let _waiting = crate::service::metrics::SyncWaiter::start();
            if tokio::time::timeout(left, waiter.changed()).await.is_err() {
                // Timed out: answer with the current position so the client moves on.
                let (body, _) = self.sync_once(user_id, device_id, req).await?;
                return Ok(body);
            }
        }
    }
}

/// The rooms of `memberships` the user is joined to.
fn joined(memberships: &[db::MembershipRow]) -> impl Iterator<Item = &str> {
    memberships
        .iter()
        .filter(|(_, m, _, _)| m == "join")
        .map(|(r, _, _, _)| r.as_str())
}
