//! The extensions of a sliding sync answer: to_device (with its own `since`), e2ee, account
//! data, receipts and typing, the last three for the rooms their `lists` and `rooms` name
//! (by default every room in the lists' ranges and every subscription).

use std::collections::{BTreeSet, HashMap, HashSet};

use ruma::api::client::sync::sync_events::v5;
use ruma::api::client::sync::sync_events::v5::request::ExtensionRoomConfig;
use ruma::{OneTimeKeyAlgorithm, OwnedRoomId, UInt};
use serde_json::{Value, json};

use super::layout::Layout;
use super::{SlidingError, SlidingRequest};
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
        layout: &'r Layout,
        touched: Option<&HashSet<u32>>,
        timelines: &HashMap<String, Vec<String>>,
        initial: &'r HashSet<String>,
    ) -> Result<v5::response::Extensions, SlidingError> {
        let account = layout.account();
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
        let scope = |lists: &'r Option<Vec<String>>,
                     rooms: &'r Option<Vec<ExtensionRoomConfig>>| {
            Scope::of(layout, lists, rooms)
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
            let changed: BTreeSet<&str> = since_rows.iter().map(|(r, ..)| r.as_str()).collect();
            let look_at = look_at(from, initial, &in_scope, changed.iter().copied());
            for room in look_at {
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
            // Rooms seen before: only those with a receipt since `from` (among the rooms with
            // news, when the answer was built on the last one).
            let todo: Vec<&str> = {
                let changed = self.hints.receipts.view();
                let look_at = match touched {
                    Some(t) => look_at(from, initial, &in_scope, t.iter().map(|&i| layout.room(i))),
                    None => in_scope.rooms(),
                };
                look_at
                    .into_iter()
                    .filter(|r| is_new(r) || changed.changed_since(r, since))
                    .collect()
            };
            // Rooms new to the connection: all their receipts, read for all of them at once
            // (one statement on PostgreSQL).
            let new_rooms: Vec<&str> = todo.iter().copied().filter(|r| is_new(r)).collect();
            let mut all_receipts = if new_rooms.is_empty() {
                HashMap::new()
            } else {
                userdata::receipts_since_rooms(&self.db, &new_rooms, 0).await?
            };
            for room in todo {
                let event = if is_new(room) {
                    // The receipts on the events the client was just sent, and the user's own.
                    let shown = timelines.get(room).cloned().unwrap_or_default();
                    let rows: Vec<_> = all_receipts
                        .remove(room)
                        .unwrap_or_default()
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
            let in_scope = scope(&ext.typing.lists, &ext.typing.rooms);
            for room in look_at(from, initial, &in_scope, typed.iter().map(String::as_str)) {
                // Only rooms the user is in show who is typing.
                if layout
                    .find(room)
                    .is_none_or(|i| layout.candidate(i).membership != "join")
                {
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
/// named) and the named rooms (every subscription if none are named, or for `*`). Named
/// neither (the usual request), they are the rooms the request asks for.
enum Scope<'a> {
    Wanted(&'a Layout),
    Named(&'a Layout, BTreeSet<u32>),
}

impl<'a> Scope<'a> {
    fn of(
        layout: &'a Layout,
        lists: &Option<Vec<String>>,
        rooms: &Option<Vec<ExtensionRoomConfig>>,
    ) -> Scope<'a> {
        if lists.is_none() && rooms.is_none() {
            return Scope::Wanted(layout);
        }
        let mut out = BTreeSet::new();
        let all = || layout.list_rooms.values().flatten().copied();
        match lists {
            None => out.extend(all()),
            Some(names) => {
                for n in names {
                    if n == "*" {
                        out.extend(all());
                    } else if let Some(r) = layout.list_rooms.get(n.as_str()) {
                        out.extend(r.iter().copied());
                    }
                }
            }
        }
        match rooms {
            None => out.extend(layout.subscribed.iter().copied()),
            Some(configs) => {
                for c in configs {
                    match c {
                        ExtensionRoomConfig::AllSubscribed => {
                            out.extend(layout.subscribed.iter().copied())
                        }
                        ExtensionRoomConfig::Room(id) => out.extend(layout.find(id.as_str())),
                        _ => {}
                    }
                }
            }
        }
        Scope::Named(layout, out)
    }

    fn contains(&self, room: &str) -> bool {
        match self {
            Scope::Wanted(l) => l.find(room).is_some_and(|i| l.wanted.contains_key(&i)),
            Scope::Named(l, set) => l.find(room).is_some_and(|i| set.contains(&i)),
        }
    }

    /// Every room in scope, ordered by id.
    fn rooms(&self) -> Vec<&'a str> {
        let (layout, ids): (&Layout, Box<dyn Iterator<Item = u32>>) = match self {
            Scope::Wanted(l) => (l, Box::new(l.wanted.keys().copied())),
            Scope::Named(l, set) => (l, Box::new(set.iter().copied())),
        };
        let mut out: Vec<&'a str> = ids.map(|i| layout.room(i)).collect();
        out.sort_unstable();
        out
    }
}

/// The rooms an extension looks at: on a later request, those new to the connection and those
/// `changed` names, in scope; on the first, every room in scope.
fn look_at<'x>(
    from: Option<Token>,
    initial: &'x HashSet<String>,
    scope: &Scope<'x>,
    changed: impl Iterator<Item = &'x str>,
) -> Vec<&'x str> {
    if from.is_none() {
        return scope.rooms();
    }
    let mut out: BTreeSet<&'x str> = initial.iter().map(String::as_str).collect();
    out.extend(changed);
    out.retain(|r| scope.contains(r));
    out.into_iter().collect()
}

fn account_event(kind: &str, content: &str) -> Value {
    json!({"type": kind, "content": serde_json::from_str::<Value>(content).unwrap_or(json!({}))})
}
