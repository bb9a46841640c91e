//! Transactions other servers send us (`PUT /send/{txnId}`,
//! https://spec.matrix.org/v1.16/server-server-api/#transactions): each PDU checked on its own
//! (format, event id, signatures, hash) and stored under the room's rules, its result
//! reported by event id, one bad PDU never failing the others; then the EDUs (typing
//! notices, read receipts and presence of the origin's users; device-list, cross-signing and
//! to-device EDUs, handled in `service::e2ee`). One transaction per origin at a time; a
//! transaction id seen again is answered as the first time without processing it again.
//!
//! A PDU that builds on events we do not have (we missed some) first has the gap filled from
//! its origin (`POST /get_missing_events`,
//! https://spec.matrix.org/v1.16/server-server-api/#post_matrixfederationv1get_missing_eventsroomid):
//! what comes back is checked and stored oldest first like any PDU. A gap that cannot be
//! filled is logged and the PDU stored all the same, on the state after the prev_events we
//! have. Each PDU is authorised against the state before it (resolved from its prev_events'
//! states), then soft-failed if the room's current state does not allow it
//! (`Services::append_remote_pdu`, service/rooms/state_res.rs); a soft-failed PDU is reported
//! as accepted, as Synapse reports it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use ruma::api::federation::event::get_missing_events;
use ruma::api::federation::transactions::edu::Edu;
use ruma::room_version_rules::RoomVersionRules;
use ruma::serde::Raw;
use ruma::{
    CanonicalJsonObject, CanonicalJsonValue, OwnedEventId, OwnedServerName, RoomId, ServerName,
    UInt, UserId,
};
use serde_json::Value;
use serde_json::value::RawValue;

use super::pdu::{event_id_of, parse_pdu};
use crate::service::Services;
use crate::service::rooms::RoomError;

/// At most this many PDUs and EDUs of one transaction are looked at (the spec's limits).
const MAX_PDUS: usize = 50;
const MAX_EDUS: usize = 100;
/// The most events asked for to fill a gap (as Synapse asks).
const MISSING_EVENTS_LIMIT: u32 = 10;
/// How long a remote user's typing notice lasts without a renewal, as Synapse.
const REMOTE_TYPING_TIMEOUT: Duration = Duration::from_secs(60);

pub type PduResults = BTreeMap<OwnedEventId, Result<(), String>>;

/// The last transaction of each origin, and the lock that keeps an origin's transactions
/// one at a time.
#[derive(Default)]
pub struct Inbound {
    origins: std::sync::Mutex<
        HashMap<OwnedServerName, Arc<tokio::sync::Mutex<Option<(String, PduResults)>>>>,
    >,
}

impl Services {
    /// Processes a transaction from `origin` (see the module comment); the per-PDU results.
    pub async fn receive_transaction(
        self: &Arc<Self>,
        origin: &ServerName,
        txn_id: &str,
        pdus: &[Box<RawValue>],
        edus: &[Raw<Edu>],
    ) -> PduResults {
        let slot = self
            .inbound
            .origins
            .lock()
            .expect("inbound lock")
            .entry(origin.to_owned())
            .or_default()
            .clone();
        let mut last = slot.lock().await;
        if let Some((id, results)) = last.as_ref()
            && id == txn_id
        {
            return results.clone();
        }
        let mut results = BTreeMap::new();
        for raw in pdus.iter().take(MAX_PDUS) {
            match self.receive_pdu(origin, raw).await {
                Ok(event_id) => {
                    results.insert(event_id, Ok(()));
                }
                Err((Some(event_id), e)) => {
                    tracing::info!(%origin, %event_id, error = e, "a PDU was refused");
                    results.insert(event_id, Err(e));
                }
                Err((None, e)) => {
                    tracing::info!(%origin, error = e, "a PDU without a usable id was refused")
                }
            }
        }
        for edu in edus.iter().take(MAX_EDUS) {
            self.receive_edu(origin, edu).await;
        }
        *last = Some((txn_id.to_string(), results.clone()));
        results
    }

    /// One PDU of `origin`: its id, or why it was refused (with its id when it has one).
    async fn receive_pdu(
        self: &Arc<Self>,
        origin: &ServerName,
        raw: &RawValue,
    ) -> Result<OwnedEventId, (Option<OwnedEventId>, String)> {
        let event = parse_pdu(raw).map_err(|e| (None, e.to_string()))?;
        let room_id = match event.get("room_id") {
            Some(ruma::CanonicalJsonValue::String(r)) => r.clone(),
            _ => return Err((None, "no room_id".into())),
        };
        let (_, rules) = self
            .room_rules(&room_id)
            .await
            .map_err(|_| (None, format!("this server is not in room {room_id}")))?;
        let claimed = event_id_of(&event, &rules).map_err(|e| (None, e.to_string()))?;
        let fail = |e: String| (Some(claimed.clone()), e);
        self.check_server_acl(&room_id, origin)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let checked = self
            .check_pdu(event, &rules)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let is_new = matches!(self.event_by_id(checked.event_id.as_str()).await, Ok(None));
        if is_new {
            self.fill_gap(origin, &room_id, &rules, &checked.event_id, &checked.event)
                .await;
        }
        self.store_remote_pdu(&room_id, &checked.event_id, checked.event)
            .await
            .map_err(|e| fail(e.to_string()))?;
        Ok(checked.event_id)
    }

    /// Stores a checked PDU under the room's rules. A user of another server now in the room
    /// (joined through someone else, or invited): that server receives our events from here.
    async fn store_remote_pdu(
        self: &Arc<Self>,
        room_id: &str,
        event_id: &ruma::EventId,
        event: CanonicalJsonObject,
    ) -> Result<(), RoomError> {
        let stored = match self.append_remote_pdu(room_id, event_id, event).await? {
            crate::service::rooms::remote::Remote::Stored(p) => p,
            // Kept aside; reported as accepted, as Synapse does.
            crate::service::rooms::remote::Remote::SoftFailed(_) => return Ok(()),
        };
        if stored.kind_str() == "m.room.member"
            && matches!(stored.membership().as_deref(), Some("join" | "invite"))
            && let Some(user) = stored.state_key_str().and_then(|u| UserId::parse(u).ok())
            && let Err(e) = self
                .add_federation_destination(user.server_name(), stored.stream)
                .await
        {
            tracing::warn!(error = %e, "cannot add a federation destination");
        }
        Ok(())
    }

    /// Before a new PDU `event_id` of `origin` is stored: when it builds on events we do not
    /// have, asks `origin` for the events between the room's latest ones and it, and stores
    /// those that pass the checks, oldest first. What cannot be filled is logged.
    async fn fill_gap(
        self: &Arc<Self>,
        origin: &ServerName,
        room_id: &str,
        rules: &RoomVersionRules,
        event_id: &ruma::EventId,
        event: &CanonicalJsonObject,
    ) {
        let missing = match self.unknown_prev_events(event).await {
            Ok(m) if m.is_empty() => return,
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(%event_id, error = %e, "cannot look up an event's prev_events");
                return;
            }
        };
        let (Ok(room), Ok(earliest)) = (
            ruma::OwnedRoomId::try_from(room_id),
            self.forward_extremities(room_id).await,
        ) else {
            return;
        };
        let earliest = earliest
            .iter()
            .filter_map(|e| OwnedEventId::try_from(e.as_str()).ok())
            .collect();
        let mut ask = get_missing_events::v1::Request::new(room, earliest, vec![event_id.into()]);
        ask.limit = UInt::from(MISSING_EVENTS_LIMIT);
        let events = match self.federation_send(origin, ask).await {
            Ok(answer) => answer.events,
            Err(e) => {
                tracing::info!(%origin, %event_id, error = %e, missing = ?missing,
                    "the events before a PDU could not be fetched; it is stored after what we have");
                return;
            }
        };
        let mut found: Vec<(i64, OwnedEventId, CanonicalJsonObject)> = Vec::new();
        for raw in events.iter().take(MISSING_EVENTS_LIMIT as usize) {
            let parsed =
                parse_pdu(raw)
                    .map_err(|e| e.to_string())
                    .and_then(|e| match e.get("room_id") {
                        Some(CanonicalJsonValue::String(r)) if r == room_id => Ok(e),
                        _ => Err("an event of another room".to_string()),
                    });
            let checked = match parsed {
                Ok(e) => self.check_pdu(e, rules).await.map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match checked {
                Ok(c) => {
                    let depth = match c.event.get("depth") {
                        Some(CanonicalJsonValue::Integer(d)) => i64::from(*d),
                        _ => 0,
                    };
                    found.push((depth, c.event_id, c.event));
                }
                Err(e) => tracing::info!(%origin, error = e, "a missing event was refused"),
            }
        }
        found.sort_by_key(|f| f.0);
        for (_, id, e) in found {
            if let Err(e) = self.store_remote_pdu(room_id, &id, e).await {
                tracing::info!(%origin, event_id = %id, error = %e, "a missing event was refused");
            }
        }
        match self.unknown_prev_events(event).await {
            Ok(still) if !still.is_empty() => tracing::info!(%origin, %event_id, missing = ?still,
                "a gap before a PDU remains; it is stored after what we have"),
            _ => {}
        }
    }

    /// The prev_events of `event` we do not have.
    async fn unknown_prev_events(
        &self,
        event: &CanonicalJsonObject,
    ) -> Result<Vec<String>, RoomError> {
        let mut unknown = Vec::new();
        if let Some(CanonicalJsonValue::Array(prevs)) = event.get("prev_events") {
            for prev in prevs {
                if let CanonicalJsonValue::String(id) = prev
                    && self.event_by_id(id).await?.is_none()
                {
                    unknown.push(id.clone());
                }
            }
        }
        Ok(unknown)
    }

    /// One EDU of `origin`; what cannot be used is ignored, as the spec allows.
    async fn receive_edu(self: &Arc<Self>, origin: &ServerName, edu: &Raw<Edu>) {
        match edu.deserialize() {
            Ok(Edu::DeviceListUpdate(c)) => {
                return self.receive_device_list_update(origin, c).await;
            }
            Ok(Edu::SigningKeyUpdate(c)) => {
                return self.receive_signing_key_update(origin, c).await;
            }
            Ok(Edu::DirectToDevice(c)) => return self.receive_direct_to_device(origin, c).await,
            _ => {}
        }
        let Ok(value) = edu.deserialize_as::<Value>() else {
            return;
        };
        let content = &value["content"];
        let of_origin = |user: &str| {
            UserId::parse(user)
                .ok()
                .filter(|u| u.server_name() == origin)
        };
        match value["edu_type"].as_str() {
            Some("m.typing") => {
                let (Some(room), Some(user)) = (
                    content["room_id"].as_str(),
                    content["user_id"].as_str().and_then(of_origin),
                ) else {
                    return;
                };
                if self.check_server_acl(room, origin).await.is_err() {
                    return;
                }
                let typing = content["typing"].as_bool().unwrap_or(false);
                if let Err(e) = self
                    .set_typing(room, user.as_str(), typing, REMOTE_TYPING_TIMEOUT)
                    .await
                {
                    tracing::debug!(error = %e, "a remote typing notice was ignored");
                }
            }
            Some("m.receipt") => {
                let Some(rooms) = content.as_object() else {
                    return;
                };
                for (room, by_type) in rooms {
                    if RoomId::parse(room).is_err()
                        || self.check_server_acl(room, origin).await.is_err()
                    {
                        continue;
                    }
                    let Some(read) = by_type.get("m.read").and_then(Value::as_object) else {
                        continue;
                    };
                    for (user, receipt) in read {
                        let Some(user) = of_origin(user) else {
                            continue;
                        };
                        let thread = receipt
                            .pointer("/data/thread_id")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        let ids = receipt["event_ids"].as_array().cloned().unwrap_or_default();
                        for id in ids.iter().filter_map(Value::as_str) {
                            if let Err(e) = self
                                .set_receipt(user.as_str(), room, "m.read", id, thread)
                                .await
                            {
                                tracing::debug!(error = %e, "a remote receipt was ignored");
                            }
                        }
                    }
                }
            }
            Some("m.presence") => {
                for push in content["push"].as_array().into_iter().flatten() {
                    let Some(user) = push["user_id"].as_str().and_then(of_origin) else {
                        continue;
                    };
                    let state = push["presence"].as_str().unwrap_or("offline");
                    let ago = push["last_active_ago"].as_i64().unwrap_or(0);
                    if let Err(e) = self
                        .set_remote_presence(user.as_str(), state, push["status_msg"].as_str(), ago)
                        .await
                    {
                        tracing::debug!(error = %e, "a remote presence was ignored");
                    }
                }
            }
            _ => {}
        }
    }
}
