//! Read receipts and the fully-read marker, on the global stream.

use serde_json::json;

use super::Services;
use super::rooms::RoomError;
use super::streams::Scope;
use crate::store::{now_ms, userdata};

impl Services {
    /// Sets a receipt (`m.read`, `m.read.private`, or the `m.fully_read` marker, which is
    /// room account data) on an event of the room, in the main timeline or a thread.
    pub async fn set_receipt(
        self: &std::sync::Arc<Self>,
        user_id: &str,
        room_id: &str,
        rtype: &str,
        event_id: &str,
        thread: &str,
    ) -> Result<(), RoomError> {
        let ev = self.event_by_id(event_id).await?;
        if ev.as_ref().and_then(|e| e.room_id_str()) != Some(room_id) {
            return Err(RoomError::NotFound("Event not found in this room".into()));
        }
        if rtype == "m.fully_read" {
            return self
                .set_account_data(
                    user_id,
                    room_id,
                    "m.fully_read",
                    &json!({"event_id": event_id}),
                )
                .await;
        }
        let mut g = self.streams.write().await;
        let pos = g.next_pos();
        userdata::set_receipt(
            &self.db,
            room_id,
            rtype,
            user_id,
            thread,
            event_id,
            now_ms(),
            pos,
        )
        .await?;
        self.hints.receipts.record([(room_id, pos)]);
        self.streams.note(pos, [Scope::Room(room_id)]);
        g.commit();
        // The user's push gateways learn the new badge.
        self.push_badge_after_receipt(user_id);
        // Our user's public receipt goes to the room's other servers.
        if rtype == "m.read"
            && ruma::UserId::parse(user_id).is_ok_and(|u| self.is_ours(u.server_name()))
        {
            let mut data = json!({"ts": now_ms()});
            if !thread.is_empty() {
                data["thread_id"] = json!(thread);
            }
            let edu = json!({
                "edu_type": "m.receipt",
                "content": {room_id: {"m.read": {user_id: {"event_ids": [event_id], "data": data}}}},
            });
            self.send_room_edu(room_id, edu);
        }
        Ok(())
    }
}
