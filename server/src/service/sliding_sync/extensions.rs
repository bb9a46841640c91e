//! The extensions of a sliding sync answer: to_device (with its own `since`), e2ee, account
//! data, receipts and typing, the last three for the rooms their `lists` and `rooms` name
//! (by default every room in the lists' ranges and every subscription).

use std::collections::{BTreeSet, HashMap, HashSet};

use ruma::api::client::sync::sync_events::v5;
use ruma::api::client::sync::sync_events::v5::request::ExtensionRoomConfig;
use ruma::{OneTimeKeyAlgorithm, OwnedRoomId, UInt};
use serde_json::{Value, json};

use super::{Candidate, SlidingError, SlidingRequest};
use crate::service::Services;
use crate::service::raw::{raw, raws};
use crate::service::sync::{Token, receipt_event, user_ids};
use crate::store::userdata;

impl Services {
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn sliding_extensions<'r>(
        &self,
        user_id: &str,
        device_id: &str,
        req: &'r SlidingRequest,
        from: Option<Token>,
        to: i64,
        list_rooms: &'r HashMap<&str, Vec<&'r str>>,
        subscribed: &'r [&'r str],
        candidates: &HashMap<&str, &Candidate<'_>>,
        timelines: &HashMap<String, Vec<String>>,
        initial: &HashSet<String>,
        account: &[(String, String, String)],
    ) -> Result<v5::response::Extensions, SlidingError> {
        let ext = &req.body.extensions;
        let mut out = v5::response::Extensions::default();
        let on = |e: Option<bool>| e == Some(true);

        // to_device and e2ee share the device's reads.
        let to_device_on = on(ext.to_device.enabled);
        let e2ee_on = on(ext.e2ee.enabled);
        if to_device_on || e2ee_on {
            let to_device_since = match ext.to_device.since.as_deref() {
                None => None,
                Some(s) => Some(
                    s.parse::<i64>()
                        .map_err(|_| SlidingError::BadToDeviceSince)?,
                ),
            };
            let e2ee = self
                .e2ee_sync_from(
                    user_id,
                    device_id,
                    from.map(|t| t.pos),
                    to_device_on.then_some(to_device_since),
                    to,
                )
                .await?;
            if to_device_on {
                let mut t = v5::response::ToDevice::default();
                t.next_batch = to.to_string();
                t.events = raws(&e2ee.to_device);
                out.to_device = Some(t);
            }
            if e2ee_on {
                out.e2ee.device_lists.changed = user_ids(&e2ee.changed);
                out.e2ee.device_lists.left = user_ids(&e2ee.left);
                out.e2ee.device_one_time_keys_count = e2ee
                    .one_time_keys_count
                    .iter()
                    .map(|(k, v)| {
                        (
                            OneTimeKeyAlgorithm::from(k.as_str()),
                            UInt::new_saturating(v.as_u64().unwrap_or(0)),
                        )
                    })
                    .collect();
                out.e2ee.device_unused_fallback_key_types = Some(
                    e2ee.unused_fallback_key_types
                        .iter()
                        .map(|k| OneTimeKeyAlgorithm::from(k.as_str()))
                        .collect(),
                );
            }
        }

        // A room seen for the first time by this connection gets all of its account data
        // and the receipts of its timeline; the others what changed since `from`.
        let is_new = |room: &str| from.is_none() || initial.contains(room);
        // Extensions that name no lists and no rooms (the usual request) share one scope.
        let mut default_scope: Option<BTreeSet<&str>> = None;
        let mut scope = |lists: &Option<Vec<String>>,
                         rooms: &'r Option<Vec<ExtensionRoomConfig>>|
         -> BTreeSet<&'r str> {
            if lists.is_none() && rooms.is_none() {
                return default_scope
                    .get_or_insert_with(|| {
                        rooms_in_scope(&None, NO_ROOMS, list_rooms, subscribed, candidates)
                    })
                    .clone();
            }
            rooms_in_scope(lists, rooms, list_rooms, subscribed, candidates)
        };

        if on(ext.account_data.enabled) {
            let since_rows = match from {
                Some(t) if self.hints.account_data.changed_since(user_id, t.pos) => {
                    userdata::account_data_since(&self.db, user_id, t.pos).await?
                }
                _ => Vec::new(),
            };
            let global_rows: &[(String, String, String)] =
                if from.is_none() { account } else { &since_rows };
            let mut global: Vec<Value> = global_rows
                .iter()
                .filter(|(room, ..)| room.is_empty())
                .map(|(_, kind, content)| account_event(kind, content))
                .collect();
            if from.is_none() && !global.iter().any(|e| e["type"] == "m.push_rules") {
                let rules = self.parsed_push_rules(user_id).await?;
                global.push(json!({"type": "m.push_rules", "content": {"global": &*rules}}));
            }
            out.account_data.global = raws(&global);
            let in_scope = scope(&ext.account_data.lists, &ext.account_data.rooms);
            // Rooms seen before: only those with account data since `from` can have any.
            let changed: HashSet<&str> = since_rows.iter().map(|(r, ..)| r.as_str()).collect();
            for room in in_scope
                .into_iter()
                .filter(|r| is_new(r) || changed.contains(r))
            {
                let rows: &[(String, String, String)] =
                    if is_new(room) { account } else { &since_rows };
                let events: Vec<Value> = rows
                    .iter()
                    .filter(|(r, ..)| *r == room)
                    .map(|(_, kind, content)| account_event(kind, content))
                    .collect();
                if !events.is_empty()
                    && let Ok(id) = OwnedRoomId::try_from(room)
                {
                    out.account_data.rooms.insert(id, raws(&events));
                }
            }
        }

        if on(ext.receipts.enabled) {
            let in_scope = scope(&ext.receipts.lists, &ext.receipts.rooms);
            let since = from.map(|t| t.pos).unwrap_or(0);
            // Rooms seen before: only those with a receipt since `from`.
            let todo: Vec<&str> = {
                let changed = self.hints.receipts.view();
                in_scope
                    .into_iter()
                    .filter(|r| is_new(r) || changed.changed_since(r, since))
                    .collect()
            };
            for room in todo {
                let event = if is_new(room) {
                    // The receipts on the events the client was just sent, and the user's own.
                    let shown = timelines.get(room).cloned().unwrap_or_default();
                    let rows: Vec<_> = userdata::receipts_since(&self.db, room, 0)
                        .await?
                        .into_iter()
                        .filter(|(_, uid, _, event_id, _)| {
                            uid == user_id || shown.contains(event_id)
                        })
                        .collect();
                    receipt_event(&rows, user_id)
                } else {
                    let rows = userdata::receipts_since(&self.db, room, since).await?;
                    receipt_event(&rows, user_id)
                };
                if let Some(event) = event
                    && let Ok(id) = OwnedRoomId::try_from(room)
                {
                    out.receipts.rooms.insert(id, raw(&event));
                }
            }
        }

        if on(ext.typing.enabled) {
            // Rooms seen before: only those whose typing changed since `from` (none when
            // nothing changed anywhere).
            let typed = match from {
                Some(t) if self.typing.serial() > t.typing => self.typing.changed_since(t.typing),
                _ => HashSet::new(),
            };
            for room in scope(&ext.typing.lists, &ext.typing.rooms) {
                if !is_new(room) && !typed.contains(room) {
                    continue;
                }
                // Only rooms the user is in show who is typing.
                if candidates.get(room).is_none_or(|c| c.membership != "join") {
                    continue;
                }
                let (users, serial) = self.typing.get(room);
                let show = match from {
                    Some(t) if !is_new(room) => serial > t.typing,
                    _ => !users.is_empty(),
                };
                if show && let Ok(id) = OwnedRoomId::try_from(room) {
                    let event = json!({"type": "m.typing", "content": {"user_ids": users}});
                    out.typing.rooms.insert(id, raw(&event));
                }
            }
        }
        Ok(out)
    }
}

/// The rooms an extension applies to: those of the named lists (all lists if none are
/// named) and the named rooms (every subscription if none are named, or for `*`).
const NO_ROOMS: &Option<Vec<ExtensionRoomConfig>> = &None;

fn rooms_in_scope<'a>(
    lists: &Option<Vec<String>>,
    rooms: &'a Option<Vec<ExtensionRoomConfig>>,
    list_rooms: &HashMap<&str, Vec<&'a str>>,
    subscribed: &[&'a str],
    candidates: &HashMap<&str, &Candidate<'_>>,
) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::new();
    let all = || list_rooms.values().flatten().copied();
    match lists {
        None => out.extend(all()),
        Some(names) => {
            for n in names {
                if n == "*" {
                    out.extend(all());
                } else if let Some(r) = list_rooms.get(n.as_str()) {
                    out.extend(r.iter().copied());
                }
            }
        }
    }
    match rooms {
        None => out.extend(subscribed.iter().copied()),
        Some(configs) => {
            for c in configs {
                match c {
                    ExtensionRoomConfig::AllSubscribed => out.extend(subscribed.iter().copied()),
                    ExtensionRoomConfig::Room(id) if candidates.contains_key(id.as_str()) => {
                        out.insert(id.as_str());
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

fn account_event(kind: &str, content: &str) -> Value {
    json!({"type": kind, "content": serde_json::from_str::<Value>(content).unwrap_or(json!({}))})
}
