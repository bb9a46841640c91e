//! Another server's user joining one of our rooms: make_join (a template of the join event,
//! if the room's rules would let the user in) and send_join (the signed event: checked,
//! authorised, stored, answered with the room's state and its auth chain); and leaving or
//! declining an invite the same way (make_leave, send_leave), and knocking (make_knock,
//! send_knock: the knock stored, the room's stripped state answered).
//! https://spec.matrix.org/v1.16/server-server-api/#joining-rooms

use std::collections::HashSet;

use ruma::{EventId, RoomId, RoomVersionId, ServerName, UserId};
use serde_json::{Map, Value};

use super::pdu::parse_pdu;
use super::room_reads::{StateBefore, serve_all};
use crate::service::Services;
use crate::service::rooms::{Pdu, RoomError};

impl Services {
    /// make_join from `origin` for its user `user_id`: the room version and the join event
    /// template. 403 for a user of another server, 404 for a room we do not have, 400
    /// M_INCOMPATIBLE_ROOM_VERSION when `origin` does not support the room's version.
    pub async fn make_join(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        user_id: &UserId,
        supported: &[RoomVersionId],
    ) -> Result<(RoomVersionId, Map<String, Value>), RoomError> {
        if user_id.server_name() != origin {
            return Err(RoomError::Forbidden("User not from origin".into()));
        }
        let (version, _) = self.room_rules(room_id.as_str()).await?;
        self.check_server_acl(room_id.as_str(), origin).await?;
        if !supported.contains(&version) {
            return Err(RoomError::IncompatibleVersion(version.to_string()));
        }
        self.member_template(room_id.as_str(), user_id, "join")
            .await
    }

    /// send_join from `origin`: the join event it built on our template and signed. It must
    /// be a join of a user of `origin`, with `event_id` its id, signed by `origin`, hash
    /// intact, and allowed by the room's rules.
    pub async fn send_join(
        self: &std::sync::Arc<Self>,
        origin: &ServerName,
        room_id: &RoomId,
        event_id: &EventId,
        pdu: &serde_json::value::RawValue,
    ) -> Result<StateBefore, RoomError> {
        // The state before the join, served where it is cached (a large room's state is not
        // copied first), and the auth events it names.
        let (state, auth_ids, rules) = self
            .read_current_state(room_id.as_str(), |rules, state| {
                let mut seen = HashSet::new();
                let auth_ids: Vec<String> = state
                    .values()
                    .flat_map(|p| p.auth_event_ids())
                    .filter(|id| seen.insert(id.as_str()))
                    .map(ToString::to_string)
                    .collect();
                (serve_all(state.values(), rules), auth_ids, rules.clone())
            })
            .await?;
        let state = state?;
        let joined = self
            .receive_member_event(origin, room_id, event_id, pdu, "join")
            .await?;
        // From here on, the user's server receives the room's new events.
        self.add_federation_destination(origin, joined.stream)
            .await?;
        let auth_chain = self.auth_chain_from(auth_ids).await?;
        Ok(StateBefore {
            state,
            auth_chain: serve_all(&auth_chain, &rules)?,
        })
    }

    /// make_leave from `origin` for its user `user_id` (declining an invite, or leaving):
    /// the room version and the leave event template.
    pub async fn make_leave(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        user_id: &UserId,
    ) -> Result<(RoomVersionId, Map<String, Value>), RoomError> {
        if user_id.server_name() != origin {
            return Err(RoomError::Forbidden("User not from origin".into()));
        }
        self.check_server_acl(room_id.as_str(), origin).await?;
        self.member_template(room_id.as_str(), user_id, "leave")
            .await
    }

    /// send_leave from `origin`: its user's leave, built on our template and signed.
    pub async fn send_leave(
        self: &std::sync::Arc<Self>,
        origin: &ServerName,
        room_id: &RoomId,
        event_id: &EventId,
        pdu: &serde_json::value::RawValue,
    ) -> Result<(), RoomError> {
        self.receive_member_event(origin, room_id, event_id, pdu, "leave")
            .await
            .map(drop)
    }

    /// make_knock from `origin` for its user `user_id`: the room version and the knock event
    /// template; refused (403) when the room's rules would not take the knock (its version has
    /// no knocking, its join rule is not knock, the user is banned or already in).
    pub async fn make_knock(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        user_id: &UserId,
        supported: &[RoomVersionId],
    ) -> Result<(RoomVersionId, Map<String, Value>), RoomError> {
        if user_id.server_name() != origin {
            return Err(RoomError::Forbidden("User not from origin".into()));
        }
        let (version, rules) = self.room_rules(room_id.as_str()).await?;
        self.check_server_acl(room_id.as_str(), origin).await?;
        if !supported.contains(&version) || !rules.authorization.knocking {
            return Err(RoomError::IncompatibleVersion(version.to_string()));
        }
        self.member_template(room_id.as_str(), user_id, "knock")
            .await
    }

    /// send_knock from `origin`: its user's knock, built on our template and signed; the
    /// answer is the room's stripped state, all the knocking user sees of it.
    pub async fn send_knock(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        event_id: &EventId,
        pdu: &serde_json::value::RawValue,
    ) -> Result<Vec<ruma::api::federation::membership::RawStrippedState>, RoomError> {
        self.receive_member_event(origin, room_id, event_id, pdu, "knock")
            .await?;
        self.shared_room_state(room_id.as_str()).await
    }

    /// A member event `membership` sent directly (send_join, send_leave): a user of `origin`
    /// about themself, with `event_id` its id, signed by `origin`, hash intact, and allowed
    /// by the room's rules; stored.
    async fn receive_member_event(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        event_id: &EventId,
        pdu: &serde_json::value::RawValue,
        membership: &str,
    ) -> Result<Pdu, RoomError> {
        let (_, rules) = self.room_rules(room_id.as_str()).await?;
        self.check_server_acl(room_id.as_str(), origin).await?;
        let event = parse_pdu(pdu)?;
        let value = serde_json::to_value(&event).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let field = |k: &str| value.get(k).and_then(Value::as_str);
        let sender = field("sender").and_then(|s| UserId::parse(s).ok());
        let Some(sender) = sender.filter(|s| s.server_name() == origin) else {
            return Err(RoomError::Forbidden(
                "The event is not by a user of the sending server".into(),
            ));
        };
        if field("type") != Some("m.room.member")
            || field("state_key") != Some(sender.as_str())
            || value.pointer("/content/membership").and_then(Value::as_str) != Some(membership)
        {
            return Err(RoomError::BadEvent(format!(
                "Not a {membership} event of its sender"
            )));
        }
        if field("room_id") != Some(room_id.as_str()) {
            return Err(RoomError::BadEvent("The event is for another room".into()));
        }
        let checked = self.check_pdu(event, &rules).await?;
        if checked.redacted {
            return Err(RoomError::BadEvent(
                "The event's content hash does not match".into(),
            ));
        }
        if checked.event_id != event_id {
            return Err(RoomError::BadEvent(format!(
                "The event's id is {}, not {event_id}",
                checked.event_id
            )));
        }
        self.append_remote(room_id.as_str(), event_id, checked.event)
            .await
    }

    /// Every event the auth events of `events` lead to, transitively, each once: read a level
    /// at a time (the auth events of the level before), one query per level.
    pub async fn auth_chain(&self, events: &[Pdu]) -> Result<Vec<Pdu>, RoomError> {
        let mut seen = HashSet::new();
        let level = events
            .iter()
            .flat_map(|p| p.auth_event_ids())
            .filter(|id| seen.insert(id.as_str()))
            .map(ToString::to_string)
            .collect();
        self.auth_chain_from(level).await
    }

    /// The events `level` (distinct ids) names and every event their auth events lead to.
    pub async fn auth_chain_from(&self, mut level: Vec<String>) -> Result<Vec<Pdu>, RoomError> {
        let mut seen: HashSet<String> = level.iter().cloned().collect();
        let mut out = Vec::new();
        while !level.is_empty() {
            let ids: Vec<&str> = level.iter().map(String::as_str).collect();
            let rows = crate::store::rooms::get_events(&self.db, &ids).await?;
            let mut next = Vec::new();
            for row in &rows {
                let p = Self::pdu(row)?;
                for id in p.auth_event_ids() {
                    if seen.insert(id.to_string()) {
                        next.push(id.to_string());
                    }
                }
                out.push(p);
            }
            level = next;
        }
        Ok(out)
    }
}
