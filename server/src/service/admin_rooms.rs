//! The admin API's rooms, as Synapse shows them: the room list (search, order, pagination),
//! one room's details and members, and deleting a room (every local member leaves, then the
//! room is optionally blocked and purged; the outcome is recorded for `delete_status`).
//! Never imports axum.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::Services;
use super::admin_users::AdminError;
use crate::store::{admin_rooms as store, rooms as room_store};

/// `order_by` values Synapse accepts for the room list (`RoomSortOrder`).
pub const ROOM_ORDER_BY: &[&str] = &[
    "alphabetical",
    "size",
    "name",
    "canonical_alias",
    "joined_members",
    "joined_local_members",
    "version",
    "creator",
    "encryption",
    "federatable",
    "public",
    "join_rules",
    "guest_access",
    "history_visibility",
    "state_events",
];

/// What a room deletion should do (the DELETE body).
#[derive(Debug, Clone, Default)]
pub struct DeleteRoom {
    pub block: bool,
    pub purge: bool,
}

/// How the room list is searched, ordered and cut.
#[derive(Debug, Clone)]
pub struct RoomQuery {
    pub from: usize,
    pub limit: usize,
    pub order_by: String,
    pub descending: bool,
    pub search_term: Option<String>,
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        // Rooms without a value come last, as in Synapse.
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

impl Services {
    /// One room as the room list shows it (Synapse's `RoomStats` fields), or `None`.
    async fn room_stats(&self, room_id: &str) -> Result<Option<Map<String, Value>>, AdminError> {
        let Some((version, creator, public)) = store::room(&self.db, room_id).await? else {
            return Ok(None);
        };
        let mut state: std::collections::HashMap<(String, String), Value> = Default::default();
        let rows = room_store::current_state_events(&self.db, room_id).await?;
        let n_state = rows.len();
        for row in &rows {
            let p = Self::pdu(row)?;
            state.insert(
                (p.kind_str(), p.state_key_str().unwrap_or("").to_string()),
                p.content_value(),
            );
        }
        let field = |kind: &str, key: &str| -> Value {
            state
                .get(&(kind.to_string(), String::new()))
                .and_then(|c| c.get(key))
                .cloned()
                .unwrap_or(Value::Null)
        };
        let joined = room_store::members_with(&self.db, room_id, "join").await?;
        let local = joined
            .iter()
            .filter(|u| u.ends_with(&format!(":{}", self.config.server_name)))
            .count();
        let create = state
            .get(&("m.room.create".to_string(), String::new()))
            .cloned()
            .unwrap_or(Value::Null);
        let mut m = Map::new();
        m.insert("room_id".into(), json!(room_id));
        m.insert("name".into(), field("m.room.name", "name"));
        m.insert(
            "canonical_alias".into(),
            field("m.room.canonical_alias", "alias"),
        );
        m.insert("joined_members".into(), json!(joined.len()));
        m.insert("joined_local_members".into(), json!(local));
        m.insert("version".into(), json!(version));
        m.insert("creator".into(), json!(creator));
        m.insert("encryption".into(), field("m.room.encryption", "algorithm"));
        m.insert(
            "federatable".into(),
            json!(
                create
                    .get("m.federate")
                    .and_then(Value::as_bool)
                    .unwrap_or(true)
            ),
        );
        m.insert("public".into(), json!(public));
        m.insert("join_rules".into(), field("m.room.join_rules", "join_rule"));
        m.insert(
            "guest_access".into(),
            field("m.room.guest_access", "guest_access"),
        );
        m.insert(
            "history_visibility".into(),
            field("m.room.history_visibility", "history_visibility"),
        );
        m.insert("state_events".into(), json!(n_state));
        m.insert(
            "room_type".into(),
            create.get("type").cloned().unwrap_or(Value::Null),
        );
        m.insert("avatar".into(), field("m.room.avatar", "url"));
        m.insert("topic".into(), field("m.room.topic", "topic"));
        m.insert(
            "tombstone_replacement".into(),
            field("m.room.tombstone", "replacement_room"),
        );
        m.insert(
            "tombstoned".into(),
            json!(state.contains_key(&("m.room.tombstone".to_string(), String::new()))),
        );
        Ok(Some(m))
    }

    /// `GET /_synapse/admin/v1/rooms`: one page of rooms and the total matching the search.
    pub async fn admin_list_rooms(&self, q: &RoomQuery) -> Result<(Vec<Value>, usize), AdminError> {
        let mut rooms = Vec::new();
        for (room_id, ..) in store::all_rooms(&self.db).await? {
            if let Some(mut r) = self.room_stats(&room_id).await? {
                for k in ["avatar", "topic", "tombstone_replacement", "tombstoned"] {
                    r.remove(k);
                }
                rooms.push(r);
            }
        }
        if let Some(term) = &q.search_term {
            let t = term.to_lowercase();
            rooms.retain(|r| {
                let has = |k: &str| {
                    r.get(k)
                        .and_then(Value::as_str)
                        .is_some_and(|v| v.to_lowercase().contains(&t))
                };
                has("name")
                    || has("canonical_alias")
                    || r.get("room_id").and_then(Value::as_str) == Some(term.as_str())
            });
        }
        let key = match q.order_by.as_str() {
            "alphabetical" => "name",
            "size" => "joined_members",
            k => k,
        };
        // Sizes sort largest first, like Synapse's `size`/`joined_members` orders.
        let biggest_first = matches!(
            key,
            "joined_members" | "joined_local_members" | "state_events"
        );
        rooms.sort_by(|a, b| {
            let o = compare(&a[key], &b[key]);
            let o = if biggest_first { o.reverse() } else { o };
            o.then_with(|| compare(&a["room_id"], &b["room_id"]))
        });
        if q.descending {
            rooms.reverse();
        }
        let total = rooms.len();
        let page = rooms
            .into_iter()
            .skip(q.from)
            .take(q.limit)
            .map(Value::Object)
            .collect();
        Ok((page, total))
    }

    /// `GET /_synapse/admin/v1/rooms/{roomId}`.
    pub async fn admin_room(&self, room_id: &str) -> Result<Value, AdminError> {
        let Some(mut r) = self.room_stats(room_id).await? else {
            return Err(AdminError::NotFound("Room not found".into()));
        };
        let joined = room_store::members_with(&self.db, room_id, "join").await?;
        let local: Vec<String> = joined
            .into_iter()
            .filter(|u| u.ends_with(&format!(":{}", self.config.server_name)))
            .collect();
        r.insert(
            "joined_local_devices".into(),
            json!(store::count_devices(&self.db, &local).await?),
        );
        r.insert("forgotten".into(), json!(false));
        let replacement = r.remove("tombstone_replacement").unwrap_or(Value::Null);
        r.insert("replacement_room".into(), replacement);
        Ok(Value::Object(r))
    }

    /// `GET /_synapse/admin/v1/rooms/{roomId}/members`: the joined members.
    pub async fn admin_room_members(&self, room_id: &str) -> Result<Vec<String>, AdminError> {
        if store::room(&self.db, room_id).await?.is_none() {
            return Err(AdminError::NotFound("Room not found".into()));
        }
        Ok(room_store::members_with(&self.db, room_id, "join").await?)
    }

    /// Shuts a room down: every local joined member leaves (as themselves) and forgets it;
    /// then the room is blocked and/or purged. Returns Synapse's shutdown result.
    pub async fn admin_delete_room(
        &self,
        requester: &str,
        room_id: &str,
        opts: &DeleteRoom,
    ) -> Result<Value, AdminError> {
        if !room_id.starts_with('!') || ruma::RoomId::parse(room_id).is_err() {
            return Err(AdminError::bad(format!("{room_id} is not a legal room ID")));
        }
        if opts.block {
            store::block(&self.db, room_id, requester).await?;
        }
        if store::room(&self.db, room_id).await?.is_none() {
            if opts.block {
                return Ok(
                    json!({"kicked_users": [], "failed_to_kick_users": [], "local_aliases": [], "new_room_id": null}),
                );
            }
            return Err(AdminError::NotFound(format!("Unknown room id {room_id}")));
        }
        let local_aliases = room_store::aliases_of(&self.db, room_id).await?;
        let suffix = format!(":{}", self.config.server_name);
        let mut kicked = Vec::new();
        let mut failed = Vec::new();
        for user in room_store::members_with(&self.db, room_id, "join").await? {
            if !user.ends_with(&suffix) {
                continue;
            }
            match self
                .set_membership(room_id, &user, &user, "leave", None, None)
                .await
            {
                Ok(_) => {
                    room_store::forget(&self.db, &user, room_id).await?;
                    kicked.push(user);
                }
                Err(e) => {
                    tracing::warn!(room_id, user, error = %e, "could not remove a user from a room being deleted");
                    failed.push(user);
                }
            }
        }
        for alias in &local_aliases {
            room_store::delete_alias(&self.db, alias).await?;
        }
        if opts.purge {
            // Under the stream write lock, so no event is being appended to the room meanwhile,
            // once the events already built are committed.
            let _guard = self.streams.write().await;
            _guard.settle().await;
            self.lock_room_cache().await.remove(room_id);
            store::purge(&self.db, room_id).await?;
            self.hints.memberships_rewritten();
        }
        Ok(json!({
            "kicked_users": kicked,
            "failed_to_kick_users": failed,
            "local_aliases": local_aliases,
            "new_room_id": null,
        }))
    }

    /// `DELETE /_synapse/admin/v2/rooms/{roomId}`: the deletion runs now and its outcome is
    /// recorded under a new delete id, which is returned.
    pub async fn admin_delete_room_v2(
        &self,
        requester: &str,
        room_id: &str,
        opts: &DeleteRoom,
    ) -> Result<String, AdminError> {
        if ruma::RoomId::parse(room_id).is_err() {
            return Err(AdminError::bad(format!("{room_id} is not a legal room ID")));
        }
        let delete_id = super::registration::random_localpart();
        match self.admin_delete_room(requester, room_id, opts).await {
            Ok(result) => {
                store::record_delete(
                    &self.db,
                    &delete_id,
                    room_id,
                    "complete",
                    Some(&result.to_string()),
                    None,
                )
                .await?
            }
            Err(e) => {
                store::record_delete(
                    &self.db,
                    &delete_id,
                    room_id,
                    "failed",
                    None,
                    Some(&e.to_string()),
                )
                .await?
            }
        }
        Ok(delete_id)
    }

    fn delete_task_json(row: store::DeleteRow) -> Value {
        let (delete_id, room_id, status, result, error) = row;
        let mut v = json!({
            "delete_id": delete_id,
            "room_id": room_id,
            "status": status,
            "shutdown_room": result.and_then(|r| serde_json::from_str::<Value>(&r).ok()),
        });
        if let Some(e) = error {
            v["error"] = json!(e);
        }
        v
    }

    /// `GET /_synapse/admin/v2/rooms/delete_status/{deleteId}`.
    pub async fn admin_delete_status(&self, delete_id: &str) -> Result<Value, AdminError> {
        match store::delete_task(&self.db, delete_id).await? {
            Some(row) => Ok(Self::delete_task_json(row)),
            None => Err(AdminError::NotFound(format!(
                "delete id '{delete_id}' not found"
            ))),
        }
    }

    /// `GET /_synapse/admin/v2/rooms/{roomId}/delete_status`.
    pub async fn admin_room_delete_status(&self, room_id: &str) -> Result<Value, AdminError> {
        let rows = store::delete_tasks_for_room(&self.db, room_id).await?;
        if rows.is_empty() {
            return Err(AdminError::NotFound(format!(
                "No delete task for room_id '{room_id}' found"
            )));
        }
        Ok(json!({ "results": rows.into_iter().map(Self::delete_task_json).collect::<Vec<_>>() }))
    }

    /// True when an admin blocked the room (joins are refused).
    pub async fn room_is_blocked(&self, room_id: &str) -> Result<bool, AdminError> {
        Ok(store::is_blocked(&self.db, room_id).await?)
    }
}
