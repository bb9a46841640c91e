//! Presence set by clients (`PUT /presence/{userId}/status`) and read back, as Synapse keeps
//! it: a state (online, unavailable, offline), an optional status message, and when the user
//! was last active (online only). A change takes the next stream position so sync's presence
//! section delivers it to the user and everyone sharing a room. Never imports axum.

use serde_json::{Map, Value, json};

use super::Services;
use super::rooms::RoomError;
use crate::store::{accounts, now_ms, userdata};

pub const STATES: [&str; 3] = ["online", "unavailable", "offline"];

#[derive(Debug, thiserror::Error)]
pub enum PresenceError {
    #[error("Invalid presence state")]
    InvalidState,
    /// A body without `presence`, or with a field other than `presence` and `status_msg`.
    #[error("Unable to parse state")]
    Unparsable,
    #[error("status_msg must be a string.")]
    StatusMsgNotString,
    #[error("Unknown user")]
    UnknownUser,
    #[error("You are not allowed to see their presence.")]
    NotVisible,
    #[error(transparent)]
    Room(#[from] RoomError),
}

impl From<crate::store::StoreError> for PresenceError {
    fn from(e: crate::store::StoreError) -> Self {
        PresenceError::Room(e.into())
    }
}

impl Services {
    /// `PUT /presence/{userId}/status` with the body as sent, checked as Synapse does:
    /// `presence` is required, `status_msg` must be a string, no other field is allowed.
    pub async fn put_presence(
        self: &std::sync::Arc<Self>,
        user_id: &str,
        body: &Map<String, Value>,
    ) -> Result<(), PresenceError> {
        let Some(presence) = body.get("presence").and_then(Value::as_str) else {
            return Err(PresenceError::Unparsable);
        };
        let status_msg = match body.get("status_msg") {
            None => None,
            Some(Value::String(m)) => Some(m.as_str()),
            Some(_) => return Err(PresenceError::StatusMsgNotString),
        };
        if body.keys().any(|k| k != "presence" && k != "status_msg") {
            return Err(PresenceError::Unparsable);
        }
        self.set_presence(user_id, presence, status_msg).await
    }

    /// Sets the user's own presence. A missing `status_msg` clears it, as in Synapse.
    pub async fn set_presence(
        self: &std::sync::Arc<Self>,
        user_id: &str,
        state: &str,
        status_msg: Option<&str>,
    ) -> Result<(), PresenceError> {
        // With presence off, Synapse accepts the request and keeps nothing.
        if !self.config.presence.enabled() {
            return Ok(());
        }
        if !STATES.contains(&state) {
            return Err(PresenceError::InvalidState);
        }
        let now = now_ms();
        let last_active = match (state, userdata::get_presence(&self.db, user_id).await?) {
            ("online", _) | (_, None) => now,
            (_, Some((_, _, last))) => last,
        };
        self.store_presence(user_id, state, status_msg, last_active)
            .await?;
        // The servers of everyone sharing a room with the user learn it too.
        if !self.sender.is_federating() {
            return Ok(());
        }
        let sharing = self.users_sharing_rooms(user_id).await?;
        let mut push = json!({"user_id": user_id, "presence": state, "last_active_ago": 0, "currently_active": state == "online"});
        if let Some(m) = status_msg {
            push["status_msg"] = json!(m);
        }
        self.send_edu_to_users_servers(
            sharing.iter().map(String::as_str),
            json!({"edu_type": "m.presence", "content": {"push": [push]}}),
        );
        Ok(())
    }

    /// A presence another server told us of one of its users (an `m.presence` EDU).
    pub async fn set_remote_presence(
        &self,
        user_id: &str,
        state: &str,
        status_msg: Option<&str>,
        last_active_ago: i64,
    ) -> Result<(), PresenceError> {
        if !self.config.presence.enabled() {
            return Ok(());
        }
        if !STATES.contains(&state) {
            return Err(PresenceError::InvalidState);
        }
        self.store_presence(
            user_id,
            state,
            status_msg,
            now_ms() - last_active_ago.max(0),
        )
        .await
    }

    async fn store_presence(
        &self,
        user_id: &str,
        state: &str,
        status_msg: Option<&str>,
        last_active: i64,
    ) -> Result<(), PresenceError> {
        let mut g = self.streams.write().await;
        let pos = g.next_pos();
        userdata::set_presence(&self.db, user_id, state, status_msg, last_active, pos).await?;
        self.hints.presence.record([("", pos)]);
        self.note_user_and_rooms(pos, user_id).await?;
        g.commit();
        Ok(())
    }

    /// `{presence, last_active_ago, status_msg?, currently_active?}` of a local user, for the
    /// user themself or someone sharing a room with them.
    pub async fn presence_of(
        &self,
        requester: &str,
        user_id: &str,
    ) -> Result<Value, PresenceError> {
        if !self.config.presence.enabled() {
            return Ok(json!({"presence": "offline"}));
        }
        let local = ruma::UserId::parse(user_id).is_ok_and(|u| self.is_ours(u.server_name()));
        if local && accounts::get_user(&self.db, user_id).await?.is_none() {
            return Err(PresenceError::UnknownUser);
        }
        if requester != user_id && !self.users_sharing_rooms(requester).await?.contains(user_id) {
            return Err(PresenceError::NotVisible);
        }
        let Some((state, status_msg, last_active)) =
            userdata::get_presence(&self.db, user_id).await?
        else {
            return Ok(json!({"presence": "offline"}));
        };
        let mut v = json!({"presence": state, "last_active_ago": (now_ms() - last_active).max(0)});
        if let Some(m) = status_msg.filter(|m| !m.is_empty()) {
            v["status_msg"] = json!(m);
        }
        if state == "online" {
            v["currently_active"] = json!(true);
        }
        Ok(v)
    }
}
