//! Invites across servers (https://spec.matrix.org/v1.16/server-server-api/#inviting-to-a-room):
//! another server inviting one of our users (we check its event, co-sign it and keep it with
//! the room's stripped state, so the user sees the invite and can join through the inviter's
//! server), and our users inviting another server's user (our event goes to that server to be
//! co-signed before the room stores it).

use std::sync::Arc;

use ruma::api::federation::membership::{RawStrippedState, create_invite};
use ruma::{
    CanonicalJsonObject, CanonicalJsonValue, EventId, RoomId, RoomVersionId, ServerName, UserId,
};
use serde_json::{Value, json};

use super::FederationError;
use super::pdu::{event_id_of, parse_pdu};
use crate::service::Services;
use crate::service::rooms::{NewEvent, Pdu, RoomError, rules_for};

/// The stripped form (type, state_key, content, sender) of a PDU or stripped event.
fn stripped(event: &Value) -> Option<Value> {
    Some(json!({
        "type": event.get("type")?.as_str()?,
        "state_key": event.get("state_key")?.as_str()?,
        "content": event.get("content")?,
        "sender": event.get("sender")?.as_str()?,
    }))
}

impl Services {
    /// `PUT /invite` from `origin`: an invite of one of our users by one of its users. The
    /// event is checked (format, id, the origin's signature, hash), must invite a user of ours
    /// from a user of `origin`, and is co-signed by us and kept; the signed event is returned.
    pub async fn receive_invite(
        self: &Arc<Self>,
        origin: &ServerName,
        room_id: &RoomId,
        event_id: &EventId,
        version: &RoomVersionId,
        event: &serde_json::value::RawValue,
        invite_state: &[RawStrippedState],
    ) -> Result<CanonicalJsonObject, RoomError> {
        let (version, rules) = rules_for(version.as_str())
            .map_err(|_| RoomError::IncompatibleVersion(version.to_string()))?;
        let parsed = parse_pdu(event)?;
        let value =
            serde_json::to_value(&parsed).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let field = |k: &str| value.get(k).and_then(Value::as_str);
        let target = field("state_key").and_then(|u| UserId::parse(u).ok());
        let sender = field("sender").and_then(|u| UserId::parse(u).ok());
        if field("type") != Some("m.room.member")
            || value.pointer("/content/membership").and_then(Value::as_str) != Some("invite")
            || field("room_id") != Some(room_id.as_str())
        {
            return Err(RoomError::BadEvent("Not an invite to this room".into()));
        }
        let Some(target) = target.filter(|t| self.is_ours(t.server_name())) else {
            return Err(RoomError::BadEvent(
                "The invite event must be for this server".into(),
            ));
        };
        if !sender.is_some_and(|s| s.server_name() == origin) {
            return Err(RoomError::Forbidden(
                "The inviter is not a user of the sending server".into(),
            ));
        }
        if self.profile(target.as_str()).await?.is_none() {
            return Err(RoomError::NotFound(format!("Unknown user {target}")));
        }
        self.check_server_acl(room_id.as_str(), origin).await?;
        let checked = self.check_pdu(parsed, &rules).await?;
        if checked.redacted || checked.event_id != event_id {
            return Err(RoomError::BadEvent(
                "The event's id or content hash does not match".into(),
            ));
        }
        let mut signed = checked.event;
        ruma::signatures::hash_and_sign_event(
            &self.config.server_name,
            self.signing_key.pair(),
            &mut signed,
            &rules.redaction,
        )
        .map_err(|e| RoomError::BadEvent(e.to_string()))?;

        // Kept with the room's stripped state, which is all the user sees of the room until
        // they join.
        let mut kept = signed.clone();
        let state = stripped_values(invite_state);
        let unsigned: CanonicalJsonValue =
            serde_json::from_value(json!({"invite_room_state": state}))
                .map_err(|e| RoomError::BadEvent(e.to_string()))?;
        kept.insert("unsigned".into(), unsigned);
        self.store_invite(room_id, &version, event_id, kept).await?;
        Ok(signed)
    }

    /// `sender` (ours) invites `target` (another server's user): the event, built here, goes
    /// to the target's server to be co-signed, then the room stores it and that server
    /// receives the room's events about its user from here on.
    pub async fn invite_remote(
        self: &Arc<Self>,
        room_id: &str,
        sender: &str,
        target: &UserId,
        content: Value,
    ) -> Result<Pdu, RoomError> {
        let (version, rules) = self.room_rules(room_id).await?;
        let (event_id, event) = self
            .build_event(
                room_id,
                sender,
                NewEvent::state("m.room.member", target.as_str(), content),
            )
            .await?;
        let state = self.shared_room_state(room_id).await?;
        let room = RoomId::parse(room_id).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let request = create_invite::v2::Request::new(
            room,
            event_id.clone(),
            version,
            serde_json::value::to_raw_value(&event)
                .map_err(|e| RoomError::BadEvent(e.to_string()))?,
            state,
        );
        let answer = self
            .federation_send(target.server_name(), request)
            .await
            .map_err(|e| match e {
                FederationError::Status {
                    status: 403, body, ..
                } => RoomError::Forbidden(
                    body["error"]
                        .as_str()
                        .unwrap_or("The invitee's server refused the invite")
                        .into(),
                ),
                other => {
                    RoomError::BadGateway(format!("The invite could not be delivered: {other}"))
                }
            })?;
        // The answer must be our event, signed by the invitee's server too.
        let mut signed = parse_pdu(&answer.event)?;
        if event_id_of(&signed, &rules)? != event_id {
            return Err(RoomError::BadGateway(
                "The invitee's server changed the invite".into(),
            ));
        }
        signed.remove("unsigned");
        let checked = self.check_pdu(signed, &rules).await?;
        let stored = self
            .append_remote(room_id, &event_id, checked.event)
            .await?;
        if let Err(e) = self
            .add_federation_destination(target.server_name(), stored.stream)
            .await
        {
            tracing::warn!(error = %e, "cannot add a federation destination");
        }
        Ok(stored)
    }
}

impl Services {
    /// The state a room shares with the servers of users it invites or who knock (the spec's
    /// recommendation), as full PDUs.
    pub async fn shared_room_state(
        &self,
        room_id: &str,
    ) -> Result<Vec<RawStrippedState>, RoomError> {
        let mut state = Vec::new();
        for kind in crate::service::sync::INVITE_STATE_TYPES {
            if let Some(p) = self.current_state_event(room_id, kind, "").await? {
                let raw = p
                    .federation_raw()
                    .map_err(|e| RoomError::BadEvent(e.to_string()))?;
                state.push(RawStrippedState::Pdu(raw));
            }
        }
        Ok(state)
    }
}

/// Another server's stripped room state (with an invite, or the answer to a knock), as the
/// stripped events we keep.
pub fn stripped_values(state: &[RawStrippedState]) -> Vec<Value> {
    state
        .iter()
        .filter_map(|s| {
            #[allow(deprecated)]
            let raw = match s {
                RawStrippedState::Pdu(raw) => raw.get(),
                RawStrippedState::Stripped(raw) => raw.json().get(),
                _ => return None,
            };
            serde_json::from_str::<Value>(raw)
                .ok()
                .as_ref()
                .and_then(stripped)
        })
        .collect()
}

/// The stripped state an invite or a knock was kept with (`unsigned.invite_room_state`,
/// `unsigned.knock_room_state`), if it came from another server.
pub fn invite_room_state(invite: &Pdu) -> Option<Vec<Value>> {
    let unsigned = invite.json.get("unsigned")?;
    unsigned
        .get("invite_room_state")
        .or_else(|| unsigned.get("knock_room_state"))
        .and_then(Value::as_array)
        .cloned()
}
