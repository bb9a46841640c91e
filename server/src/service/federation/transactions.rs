//! Transactions other servers send us (`PUT /send/{txnId}`,
//! https://spec.matrix.org/v1.16/server-server-api/#transactions): each PDU checked on its own
//! (format, event id, signatures, hash) and stored under the room's rules, its result
//! reported by event id, one bad PDU never failing the others; then the EDUs (typing
//! notices, read receipts and presence of the origin's users). One transaction per origin at a time; a
//! transaction id seen again is answered as the first time without processing it again.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use ruma::api::federation::transactions::edu::Edu;
use ruma::serde::Raw;
use ruma::{OwnedEventId, OwnedServerName, RoomId, ServerName, UserId};
use serde_json::Value;
use serde_json::value::RawValue;

use super::pdu::{event_id_of, parse_pdu};
use crate::service::Services;

/// At most this many PDUs and EDUs of one transaction are looked at (the spec's limits).
const MAX_PDUS: usize = 50;
const MAX_EDUS: usize = 100;
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

    /// One PDU: its id, or why it was refused (with its id when it has one).
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
        let stored = self
            .append_remote(&room_id, &checked.event_id, checked.event)
            .await
            .map_err(|e| fail(e.to_string()))?;
        // A user of another server now in the room (joined through someone else, or
        // invited): that server receives our events from here on.
        if stored.kind_str() == "m.room.member"
            && matches!(stored.membership().as_deref(), Some("join" | "invite"))
            && let Some(user) = stored.state_key_str().and_then(|u| UserId::parse(u).ok())
            && let Err(e) = self
                .add_federation_destination(user.server_name(), stored.stream)
                .await
        {
            tracing::warn!(error = %e, "cannot add a federation destination");
        }
        Ok(checked.event_id)
    }

    /// One EDU of `origin`; what cannot be used is ignored, as the spec allows.
    async fn receive_edu(self: &Arc<Self>, origin: &ServerName, edu: &Raw<Edu>) {
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
