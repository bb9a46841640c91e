//! Our users reading further back than we hold of a room we joined through another server
//! (https://spec.matrix.org/v1.16/server-server-api/#backfilling-and-retrieving-missing-events):
//! when a room has backward extremities (events its oldest events we hold build on, which we
//! do not have), a server of the room is asked for /backfill from them; every event of the
//! answer is checked (format, event id, signatures, hash) and authorised against its auth
//! events, and what passes is stored as history (rooms/remote.rs `store_backfilled`: below
//! the stream, leaving the current state alone). The extremities move back to what the stored
//! events build on and we still lack.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use ruma::api::federation::backfill::get_backfill;
use ruma::room_version_rules::RoomVersionRules;
use ruma::{CanonicalJsonObject, CanonicalJsonValue, OwnedEventId, OwnedServerName, RoomId, UInt};
use serde_json::value::RawValue;

use super::pdu::parse_pdu;
use crate::service::Services;
use crate::service::rooms::{Pdu, RoomError};
use crate::store::rooms as db;

/// Events asked for at once (what Synapse asks for).
const BACKFILL_LIMIT: u32 = 100;
/// Servers of the room asked, one after the other, before giving up for now.
const SERVERS_TRIED: usize = 3;
/// How long one server gets to answer.
const TIMEOUT: Duration = Duration::from_secs(20);
/// After every server failed, the room is not backfilled again for this long.
const RETRY_AFTER: Duration = Duration::from_secs(60);

/// Backfill's own state: one store at a time (positions below the lowest are taken in turn),
/// and when each room's last attempt failed.
#[derive(Default)]
pub struct Backfills {
    pub(crate) storing: tokio::sync::Mutex<()>,
    failed: std::sync::Mutex<HashMap<String, Instant>>,
}

impl Backfills {
    fn failed_recently(&self, room_id: &str) -> bool {
        self.failed
            .lock()
            .expect("backfill lock")
            .get(room_id)
            .is_some_and(|at| at.elapsed() < RETRY_AFTER)
    }

    fn set_failed(&self, room_id: &str, failed: bool) {
        let mut map = self.failed.lock().expect("backfill lock");
        if failed {
            map.insert(room_id.to_string(), Instant::now());
        } else {
            map.remove(room_id);
        }
    }
}

impl Services {
    /// Whether `room_id` has history before what we hold that another server may give us.
    pub async fn can_backfill(&self, room_id: &str) -> Result<bool, RoomError> {
        Ok(!db::backward_extremities(&self.db, room_id)
            .await?
            .is_empty())
    }

    /// Fetches older events of `room_id` from a server of the room (see the module comment).
    /// How many events were stored; 0 when there is nothing before what we hold, no server
    /// answered (logged, and not tried again for a minute) or nothing new came.
    pub async fn backfill(&self, room_id: &str) -> Result<usize, RoomError> {
        let extremities = db::backward_extremities(&self.db, room_id).await?;
        if extremities.is_empty() || self.backfills.failed_recently(room_id) {
            return Ok(0);
        }
        let (_, rules) = self.room_rules(room_id).await?;
        let room = RoomId::parse(room_id).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let from: Vec<OwnedEventId> = extremities
            .iter()
            .filter_map(|e| OwnedEventId::try_from(e.as_str()).ok())
            .collect();
        for server in self
            .servers_of_room(room_id)
            .await?
            .iter()
            .take(SERVERS_TRIED)
        {
            let ask = get_backfill::v1::Request::new(
                room.clone(),
                from.clone(),
                UInt::from(BACKFILL_LIMIT),
            );
            let answer = tokio::time::timeout(TIMEOUT, self.federation_send(server, ask)).await;
            match answer {
                Ok(Ok(answer)) => {
                    self.backfills.set_failed(room_id, false);
                    return self
                        .store_backfill(server, room_id, &rules, &extremities, &answer.pdus)
                        .await;
                }
                Ok(Err(e)) => tracing::info!(%server, room_id, error = %e, "backfill failed"),
                Err(_) => tracing::info!(%server, room_id, "backfill timed out"),
            }
        }
        self.backfills.set_failed(room_id, true);
        Ok(0)
    }

    /// Other servers with users joined to the room, those with the most first.
    async fn servers_of_room(&self, room_id: &str) -> Result<Vec<OwnedServerName>, RoomError> {
        let mut count: BTreeMap<OwnedServerName, usize> = BTreeMap::new();
        for user in db::members_with(&self.db, room_id, "join").await? {
            if let Ok(user) = ruma::UserId::parse(&user)
                && !self.is_ours(user.server_name())
            {
                *count.entry(user.server_name().to_owned()).or_default() += 1;
            }
        }
        let mut servers: Vec<(OwnedServerName, usize)> = count.into_iter().collect();
        servers.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(servers.into_iter().map(|(s, _)| s).collect())
    }

    /// Checks, authorises and stores a /backfill answer from `server`, then moves the room's
    /// backward extremities (`asked`) back.
    async fn store_backfill(
        &self,
        server: &OwnedServerName,
        room_id: &str,
        rules: &RoomVersionRules,
        asked: &[String],
        pdus: &[Box<RawValue>],
    ) -> Result<usize, RoomError> {
        let mut checked: HashMap<OwnedEventId, (CanonicalJsonObject, Pdu)> = HashMap::new();
        for raw in pdus.iter().take(BACKFILL_LIMIT as usize) {
            let event = match parse_pdu(raw) {
                Ok(e) if of_room(&e, room_id) => e,
                Ok(_) => {
                    tracing::info!(%server, room_id, "a backfilled event of another room was refused");
                    continue;
                }
                Err(e) => {
                    tracing::info!(%server, room_id, error = %e, "a backfilled event was refused");
                    continue;
                }
            };
            match self.check_pdu(event, rules).await {
                Ok(c) => match Pdu::from_canonical(c.event_id.clone(), &c.event) {
                    Ok(p) => {
                        checked.insert(c.event_id, (c.event, p));
                    }
                    Err(e) => {
                        tracing::info!(%server, room_id, error = e, "a backfilled event was refused")
                    }
                },
                Err(e) => {
                    tracing::info!(%server, room_id, error = %e, "a backfilled event was refused")
                }
            }
        }
        let create = self
            .current_state_event(room_id, "m.room.create", "")
            .await?
            .ok_or_else(|| RoomError::NotFound(room_id.into()))?;
        let allowed = self.authorised_history(rules, &create, checked).await?;
        let held: Vec<String> = allowed.iter().map(|(id, _)| id.to_string()).collect();
        let prevs: Vec<String> = allowed.iter().flat_map(|(_, e)| prev_events(e)).collect();
        let stored = self.store_backfilled(room_id, allowed).await?;

        // The extremities asked for are done with: fetched now, or not to be had from this
        // answer (asking again would bring nothing new). What the stored events build on and
        // we lack is where the history goes on.
        let mut next = Vec::new();
        for id in prevs {
            if !held.contains(&id) && !next.contains(&id) && self.event_by_id(&id).await?.is_none()
            {
                next.push(id);
            }
        }
        db::add_backward_extremities(&self.db, room_id, &next).await?;
        let done: Vec<String> = asked
            .iter()
            .filter(|a| !next.contains(a))
            .cloned()
            .collect();
        db::remove_backward_extremities(&self.db, room_id, &done).await?;
        tracing::debug!(%server, room_id, stored = stored.len(), "backfilled");
        Ok(stored.len())
    }

    /// The checked events that pass the room version's authorisation rules against their own
    /// auth events (held, or among `checked` and allowed) and the room's create event (which
    /// from room version 12 on is not among them), oldest first; the others are logged and
    /// left out.
    async fn authorised_history(
        &self,
        rules: &RoomVersionRules,
        create: &Pdu,
        checked: HashMap<OwnedEventId, (CanonicalJsonObject, Pdu)>,
    ) -> Result<Vec<(OwnedEventId, CanonicalJsonObject)>, RoomError> {
        let mut order: Vec<&Pdu> = checked.values().map(|(_, p)| p).collect();
        order.sort_by_key(|p| (p.depth(), p.ts()));
        let mut allowed: HashMap<OwnedEventId, Pdu> = HashMap::new();
        let mut out = Vec::new();
        for p in order {
            let mut auth: HashMap<OwnedEventId, Pdu> = HashMap::new();
            for id in p.auth_event_ids() {
                let found = match allowed.get(id) {
                    Some(a) => Some(a.clone()),
                    None => self.event_by_id(id.as_str()).await?,
                };
                if let Some(a) = found {
                    auth.insert(id.clone(), a);
                }
            }
            let complete = auth.len() == p.auth_event_ids().len();
            auth.insert(create.event_id.clone(), create.clone());
            let result = if complete {
                authorise_by_auth_events(rules, p, &auth)
            } else {
                Err("an auth event is missing".to_string())
            };
            match result {
                Ok(()) => {
                    allowed.insert(p.event_id.clone(), p.clone());
                    out.push((p.event_id.clone(), checked[&p.event_id].0.clone()));
                }
                Err(e) => {
                    tracing::info!(event_id = %p.event_id, error = e, "a backfilled event failed its auth checks")
                }
            }
        }
        Ok(out)
    }
}

/// The room version's authorisation rules for `pdu`, with its auth events as the room's state
/// (the spec's check of an event against its auth events).
fn authorise_by_auth_events(
    rules: &RoomVersionRules,
    pdu: &Pdu,
    auth: &HashMap<OwnedEventId, Pdu>,
) -> Result<(), String> {
    ruma::state_res::check_state_independent_auth_rules(
        &rules.authorization,
        pdu,
        |id: &ruma::EventId| auth.get(id),
    )?;
    let by_key: HashMap<(String, String), &Pdu> = auth
        .values()
        .filter_map(|a| Some(((a.kind_str(), a.state_key_str()?.to_string()), a)))
        .collect();
    ruma::state_res::check_state_dependent_auth_rules(
        &rules.authorization,
        pdu,
        |t: &ruma::events::StateEventType, sk: &str| {
            by_key.get(&(t.to_string(), sk.to_string())).copied()
        },
    )
}

/// Whether a parsed event names `room_id` (a v12 create event names none; it is already held).
fn of_room(event: &CanonicalJsonObject, room_id: &str) -> bool {
    match event.get("room_id") {
        Some(CanonicalJsonValue::String(r)) => r == room_id,
        None => {
            matches!(event.get("type"), Some(CanonicalJsonValue::String(t)) if t == "m.room.create")
        }
        _ => false,
    }
}

fn prev_events(event: &CanonicalJsonObject) -> Vec<String> {
    match event.get("prev_events") {
        Some(CanonicalJsonValue::Array(ids)) => ids
            .iter()
            .filter_map(|v| match v {
                CanonicalJsonValue::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
