//! Encryption across servers (issue 14): our users' device lists and cross-signing keys sent
//! to every server sharing a room with them (`m.device_list_update` with its `prev_id` chain,
//! `m.signing_key_update`), other servers' users' lists kept as their servers tell us (a gap in
//! the chain, or a list not known, is fetched whole from `/user/devices`), `/keys/query` and
//! `/keys/claim` for remote users fanned out to their servers, the same three served to other
//! servers, and to-device messages both ways (`m.direct_to_device`). What must arrive exactly
//! once waits in the durable outbox (`store::federation`) until a transaction carries it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ruma::api::federation::device::get_devices::v1 as get_devices;
use ruma::api::federation::keys::{claim_keys::v1 as claim_keys, get_keys::v1 as get_keys};
use ruma::api::federation::transactions::edu::{
    DeviceListUpdateContent, DirectDeviceContent, SigningKeyUpdateContent,
};
use ruma::serde::Raw;
use ruma::{OwnedDeviceId, OwnedServerName, OwnedUserId, ServerName, UInt, UserId};
use serde_json::{Map, Value, json};

use super::{E2eeError, KeysQuery, Result, merge_signatures};
use crate::service::Services;
use crate::service::federation::FederationError;
use crate::store::{StoreError, accounts as account_store, e2ee as db, federation as outbox};

/// How long a client's `/keys/query` or `/keys/claim` waits for other servers by default
/// (its `timeout`, as Synapse).
pub const DEFAULT_REMOTE_TIMEOUT: Duration = Duration::from_secs(10);

/// A JSON value as ruma's raw type.
fn raw<T>(v: &Value) -> Option<Raw<T>> {
    serde_json::value::to_raw_value(v).ok().map(Raw::from_json)
}

/// A ruma raw value as JSON.
fn value<T>(r: &Raw<T>) -> Value {
    serde_json::from_str(r.json().get()).unwrap_or(Value::Null)
}

/// A per-server failure as Synapse reports it in `failures`.
fn failure(e: &FederationError) -> Value {
    match e {
        FederationError::Status { status, body, .. } => json!({
            "status": status,
            "message": body.get("error").and_then(Value::as_str).unwrap_or("request failed"),
        }),
        FederationError::Denied { .. } => json!({"status": 403, "message": "Federation denied"}),
        other => json!({"status": 503, "message": other.to_string()}),
    }
}

impl Services {
    fn user_is_ours(&self, user_id: &str) -> bool {
        UserId::parse(user_id).is_ok_and(|u| self.is_ours(u.server_name()))
    }

    /// The other servers with a user joined to a room `user_id` is joined to.
    async fn servers_sharing_rooms(
        &self,
        user_id: &str,
    ) -> Result<Vec<OwnedServerName>, StoreError> {
        let users = crate::store::rooms::users_sharing_rooms(&self.db, user_id).await?;
        let mut servers: Vec<OwnedServerName> = users
            .iter()
            .filter_map(|u| UserId::parse(u).ok())
            .map(|u| u.server_name().to_owned())
            .filter(|s| !self.is_ours(s))
            .collect();
        servers.sort();
        servers.dedup();
        Ok(servers)
    }

    /// A local device's keys as other servers see them: the uploaded keys with the owner's own
    /// signatures (the self-signing key's) merged in, and its display name.
    async fn device_for_federation(
        &self,
        user_id: &str,
        device_id: &str,
    ) -> Result<Option<(Option<String>, Option<Value>)>, StoreError> {
        let Some(device) = account_store::get_device(&self.db, user_id, device_id).await? else {
            return Ok(None);
        };
        let keys = match db::get_device_keys(&self.db, user_id, device_id).await? {
            Some(text) => match serde_json::from_str::<Value>(&text) {
                Ok(mut keys) => {
                    let sigs = db::signatures_on(&self.db, user_id).await?;
                    merge_signatures(&mut keys, device_id, &sigs, user_id, "");
                    Some(keys)
                }
                Err(_) => None,
            },
            None => None,
        };
        Ok(Some((device.display_name, keys)))
    }

    /// Called under the streams write guard, at `pos`, after a local user's `devices` changed
    /// (keys uploaded or signed, renamed, deleted): an `m.device_list_update` per device for
    /// every server sharing a room with the user, each naming the previous update that server
    /// was sent (`prev_id`), so it can tell whether it missed one.
    pub(super) async fn announce_device_changes(
        &self,
        user_id: &str,
        devices: &[String],
        pos: i64,
    ) -> Result<(), StoreError> {
        if devices.is_empty() || !self.user_is_ours(user_id) {
            return Ok(());
        }
        let servers = self.servers_sharing_rooms(user_id).await?;
        if servers.is_empty() {
            return Ok(());
        }
        let Ok(owner) = OwnedUserId::try_from(user_id) else {
            return Ok(());
        };
        let stream_id = UInt::try_from(pos).unwrap_or_default();
        let mut contents = Vec::with_capacity(devices.len());
        for device_id in devices {
            let mut c = DeviceListUpdateContent::new(
                owner.clone(),
                OwnedDeviceId::from(device_id.as_str()),
                stream_id,
            );
            match self.device_for_federation(user_id, device_id).await? {
                Some((name, keys)) => {
                    c.device_display_name = name;
                    c.keys = keys.as_ref().and_then(raw);
                }
                None => c.deleted = Some(true),
            }
            contents.push(c);
        }
        let mut rows = Vec::new();
        for server in &servers {
            let prev = db::outbound_device_stream(&self.db, server.as_str(), user_id).await?;
            for (seq, c) in contents.iter().enumerate() {
                let mut c = c.clone();
                c.prev_id = prev
                    .and_then(|p| UInt::try_from(p).ok())
                    .into_iter()
                    .collect();
                let content = serde_json::to_string(&c).unwrap_or_default();
                rows.push((
                    server.as_str(),
                    pos,
                    i64::try_from(seq).unwrap_or(0),
                    "m.device_list_update",
                    content,
                ));
            }
        }
        outbox::enqueue_edus(&self.db, &rows).await?;
        for server in &servers {
            db::set_outbound_device_stream(&self.db, server.as_str(), user_id, pos).await?;
            self.sender.want(server);
        }
        Ok(())
    }

    /// Called under the streams write guard, at `pos`, after a local user's master or
    /// self-signing key changed: an `m.signing_key_update` for every server sharing a room.
    pub(super) async fn announce_signing_keys(
        &self,
        user_id: &str,
        pos: i64,
    ) -> Result<(), StoreError> {
        if !self.user_is_ours(user_id) {
            return Ok(());
        }
        let servers = self.servers_sharing_rooms(user_id).await?;
        let Ok(owner) = OwnedUserId::try_from(user_id) else {
            return Ok(());
        };
        if servers.is_empty() {
            return Ok(());
        }
        let mut c = SigningKeyUpdateContent::new(owner);
        c.master_key = self
            .cross_signing_key(user_id, "master")
            .await?
            .as_ref()
            .and_then(raw);
        c.self_signing_key = self
            .cross_signing_key(user_id, "self_signing")
            .await?
            .as_ref()
            .and_then(raw);
        let content = serde_json::to_string(&c).unwrap_or_default();
        // After any device updates written at the same position.
        let seq = 1_000_000;
        let rows: Vec<_> = servers
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    pos,
                    seq,
                    "m.signing_key_update",
                    content.clone(),
                )
            })
            .collect();
        outbox::enqueue_edus(&self.db, &rows).await?;
        for server in &servers {
            self.sender.want(server);
        }
        Ok(())
    }

    /// Queues to-device messages for users of other servers, one `m.direct_to_device` per
    /// server, at `pos` (called with the streams write guard held, after the local ones).
    pub(super) async fn send_remote_to_device(
        &self,
        sender: &str,
        kind: &str,
        remote: BTreeMap<OwnedServerName, BTreeMap<String, Map<String, Value>>>,
        pos: i64,
    ) -> Result<(), StoreError> {
        let Ok(sender_id) = OwnedUserId::try_from(sender) else {
            return Ok(());
        };
        let mut rows = Vec::new();
        for (seq, (server, users)) in remote.iter().enumerate() {
            let message_id = ruma::TransactionId::new();
            let mut c = DirectDeviceContent::new(sender_id.clone(), kind.into(), message_id);
            for (user, devices) in users {
                let Ok(user) = OwnedUserId::try_from(user.as_str()) else {
                    continue;
                };
                let entry = c.messages.entry(user).or_default();
                for (device, content) in devices {
                    let Ok(device) =
                        ruma::to_device::DeviceIdOrAllDevices::try_from(device.as_str())
                    else {
                        continue;
                    };
                    if let Some(content) = raw(content) {
                        entry.insert(device, content);
                    }
                }
            }
            let content = serde_json::to_string(&c).unwrap_or_default();
            rows.push((
                server.as_str(),
                pos,
                i64::try_from(seq).unwrap_or(0),
                "m.direct_to_device",
                content,
            ));
        }
        outbox::enqueue_edus(&self.db, &rows).await?;
        for server in remote.keys() {
            self.sender.want(server);
        }
        Ok(())
    }

    // ---- What other servers tell us ----

    /// An `m.device_list_update` of `origin`: applied when it follows what we hold (every
    /// `prev_id` already seen), else the whole list is fetched again; either way our users
    /// sharing a room with its user see it in `device_lists.changed`. Ignored for a user we
    /// share no room with (we do not track their list).
    pub async fn receive_device_list_update(
        self: &Arc<Self>,
        origin: &ServerName,
        c: DeviceListUpdateContent,
    ) {
        if c.user_id.server_name() != origin {
            return;
        }
        let user = c.user_id.as_str();
        let _serial = self.remote_device_lists.lock().await;
        let result: Result<(), E2eeError> = async {
            if !db::shares_room_with_local(&self.db, user, &self.config.server_name).await? {
                tracing::debug!(user, "a device-list update for a user sharing no room with us");
                return Ok(());
            }
            let stream = i64::from(c.stream_id);
            let held = db::remote_device_list(&self.db, user).await?;
            match held {
                Some((at, 0)) if stream <= at => return Ok(()),
                Some((at, 0)) if c.prev_id.iter().all(|p| i64::from(*p) <= at) => {
                    let keys = c.keys.as_ref().map(|k| k.json().get().to_string());
                    db::apply_remote_device(
                        &self.db,
                        user,
                        c.device_id.as_str(),
                        c.deleted == Some(true),
                        c.device_display_name.as_deref(),
                        keys.as_deref(),
                        stream,
                    )
                    .await?;
                }
                _ => {
                    if let Err(e) = self.resync_remote_devices(&c.user_id).await {
                        if let E2eeError::Store(e) = e {
                            return Err(e.into());
                        }
                        tracing::info!(user, error = %e, "cannot fetch a device list; it is marked stale");
                        db::mark_remote_lists_stale(&self.db, &[user]).await?;
                    }
                }
            }
            self.device_list_changed(user, &[]).await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(user, error = %e, "a device-list update was not applied");
        }
    }

    /// After joins committed ((room, user) each): another server's user who joins shares a
    /// room with us again, and one of our users who joins a room meets its members; updates
    /// their servers sent while we shared no room never reached us, so what we hold of those
    /// lists is marked stale (fetched again when next asked for).
    /// The remote users' lists are marked in one statement (a joined room's thousand members
    /// cost one), our users' rooms' members in one statement per room.
    pub(crate) fn device_lists_after_joins(self: &Arc<Self>, joins: &[(&str, &str)]) {
        let mut rooms: Vec<String> = Vec::new();
        let mut remote: Vec<String> = Vec::new();
        for (room, user) in joins {
            if self.user_is_ours(user) {
                if !rooms.iter().any(|r| r == room) {
                    rooms.push(room.to_string());
                }
            } else {
                remote.push(user.to_string());
            }
        }
        let services = self.clone();
        tokio::spawn(async move {
            let remote: Vec<&str> = remote.iter().map(String::as_str).collect();
            let mut marked = db::mark_remote_lists_stale(&services.db, &remote).await;
            for room in &rooms {
                if marked.is_ok() {
                    marked = db::mark_room_lists_stale(&services.db, room).await;
                }
            }
            if let Err(e) = marked {
                tracing::warn!(error = %e, "cannot mark device lists stale after a join");
            }
        });
    }

    /// An `m.signing_key_update` of `origin`: its user's new master and self-signing keys.
    pub async fn receive_signing_key_update(
        self: &Arc<Self>,
        origin: &ServerName,
        c: SigningKeyUpdateContent,
    ) {
        if c.user_id.server_name() != origin {
            return;
        }
        let user = c.user_id.as_str();
        let result: Result<(), E2eeError> = async {
            if !db::shares_room_with_local(&self.db, user, &self.config.server_name).await? {
                return Ok(());
            }
            self.store_remote_cross_signing(
                &c.user_id,
                c.master_key.as_ref(),
                c.self_signing_key.as_ref(),
            )
            .await?;
            self.device_list_changed(user, &[]).await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(user, error = %e, "a signing-key update was not applied");
        }
    }

    /// An `m.direct_to_device` of `origin`: its messages delivered to our users' devices
    /// (`*`: all of a user's devices), once per message id however often it is sent.
    pub async fn receive_direct_to_device(&self, origin: &ServerName, c: DirectDeviceContent) {
        if c.sender.server_name() != origin {
            return;
        }
        let mut targets = BTreeMap::new();
        for (user, devices) in &c.messages {
            if !self.is_ours(user.server_name()) {
                continue;
            }
            let by_device: Map<String, Value> = devices
                .iter()
                .map(|(d, content)| (d.to_string(), value(content)))
                .collect();
            if let Err(e) = self
                .to_device_targets(user.as_str(), &by_device, &mut targets)
                .await
            {
                tracing::warn!(error = %e, "cannot read a user's devices for a to-device message");
                return;
            }
        }
        let txn = crate::store::rooms::Txn {
            device_id: origin.to_string(),
            scope: "federation/m.direct_to_device".into(),
            txn_id: c.message_id.to_string(),
        };
        if let Err(e) = self
            .deliver_to_devices(
                c.sender.as_str(),
                &txn,
                &c.ev_type.to_string(),
                &targets,
                None,
            )
            .await
        {
            tracing::warn!(error = %e, "a to-device message from another server was not stored");
        }
    }

    async fn store_remote_cross_signing(
        &self,
        user: &UserId,
        master: Option<&Raw<ruma::encryption::CrossSigningKey>>,
        self_signing: Option<&Raw<ruma::encryption::CrossSigningKey>>,
    ) -> Result<(), StoreError> {
        let pos = self.streams.current();
        for (kind, key) in [("master", master), ("self_signing", self_signing)] {
            let Some(key) = key else { continue };
            let v = value(key);
            // Only a key that says it is this user's.
            if v.get("user_id").and_then(Value::as_str) != Some(user.as_str()) {
                continue;
            }
            db::set_cross_signing_key(&self.db, user.as_str(), kind, &v.to_string(), pos).await?;
        }
        Ok(())
    }

    /// Fetches a remote user's whole device list (`/user/devices`) and keeps it.
    async fn resync_remote_devices(&self, user: &UserId) -> Result<(), E2eeError> {
        let answer = self
            .federation_send(
                user.server_name(),
                get_devices::Request::new(user.to_owned()),
            )
            .await
            .map_err(|e| E2eeError::Remote(failure(&e)))?;
        if answer.user_id != user {
            return Err(E2eeError::Remote(
                json!({"status": 502, "message": "the device list is of another user"}),
            ));
        }
        let mut devices = Vec::new();
        for d in &answer.devices {
            let keys = value(&d.keys);
            // Only keys that say they are this device's.
            if keys.get("user_id").and_then(Value::as_str) != Some(user.as_str())
                || keys.get("device_id").and_then(Value::as_str) != Some(d.device_id.as_str())
            {
                continue;
            }
            devices.push((
                d.device_id.to_string(),
                d.device_display_name.clone(),
                keys.to_string(),
            ));
        }
        db::replace_remote_devices(
            &self.db,
            user.as_str(),
            &devices,
            i64::from(answer.stream_id),
        )
        .await?;
        self.store_remote_cross_signing(
            user,
            answer.master_key.as_ref(),
            answer.self_signing_key.as_ref(),
        )
        .await?;
        Ok(())
    }

    // ---- /keys/query and /keys/claim for other servers' users ----

    /// The keys of `users` (user → wanted device ids, none: all) of one other server, for
    /// `requester`: from the cache for users we share a room with (fetched first when not
    /// known or stale), from `/user/keys/query` for the others.
    pub(super) async fn query_remote_keys(
        &self,
        requester: &str,
        server: &ServerName,
        users: Vec<(OwnedUserId, Vec<String>)>,
    ) -> Result<KeysQuery, E2eeError> {
        let mut out = KeysQuery::default();
        let mut ask = BTreeMap::new();
        for (user, only) in users {
            let tracked =
                db::shares_room_with_local(&self.db, user.as_str(), &self.config.server_name)
                    .await?;
            if !tracked {
                let devices = only
                    .iter()
                    .map(|d| OwnedDeviceId::from(d.as_str()))
                    .collect();
                ask.insert(user, devices);
                continue;
            }
            let held = db::remote_device_list(&self.db, user.as_str()).await?;
            if !matches!(held, Some((_, 0))) {
                self.resync_remote_devices(&user).await?;
            }
            let mut devices = Map::new();
            let sigs = db::signatures_on(&self.db, user.as_str()).await?;
            for (device_id, name, keys) in db::remote_devices(&self.db, user.as_str()).await? {
                if !only.is_empty() && !only.contains(&device_id) {
                    continue;
                }
                let Some(mut keys) = keys.and_then(|k| serde_json::from_str::<Value>(&k).ok())
                else {
                    continue;
                };
                if let Some(name) = name {
                    keys["unsigned"] = json!({"device_display_name": name});
                }
                devices.insert(device_id, keys);
            }
            out.device_keys
                .insert(user.to_string(), Value::Object(devices));
            for (kind, map) in [
                ("master", &mut out.master_keys),
                ("self_signing", &mut out.self_signing_keys),
            ] {
                if let Some(mut key) = self.cross_signing_key(user.as_str(), kind).await? {
                    if let Some(public) = super::cross_signing::public_key(&key) {
                        merge_signatures(&mut key, &public, &sigs, user.as_str(), requester);
                    }
                    map.insert(user.to_string(), key);
                }
            }
        }
        if !ask.is_empty() {
            let answer = self
                .federation_send(server, get_keys::Request::new(ask))
                .await
                .map_err(|e| E2eeError::Remote(failure(&e)))?;
            for (user, devices) in answer.device_keys {
                if user.server_name() != server {
                    continue;
                }
                let devices: Map<String, Value> = devices
                    .iter()
                    .map(|(d, k)| (d.to_string(), value(k)))
                    .collect();
                out.device_keys
                    .insert(user.to_string(), Value::Object(devices));
            }
            for (user, key) in answer.master_keys {
                if user.server_name() == server {
                    out.master_keys.insert(user.to_string(), value(&key));
                }
            }
            for (user, key) in answer.self_signing_keys {
                if user.server_name() == server {
                    out.self_signing_keys.insert(user.to_string(), value(&key));
                }
            }
        }
        Ok(out)
    }

    /// One-time keys of other servers' devices: `/user/keys/claim` on each server, all at once,
    /// each given `timeout`; a server that fails or is late is listed in `failures`.
    pub(super) async fn claim_remote_keys(
        &self,
        remote: BTreeMap<OwnedServerName, claim_keys::OneTimeKeyClaims>,
        timeout: Duration,
        one_time_keys: &mut Map<String, Value>,
        failures: &mut Map<String, Value>,
    ) {
        let asks = remote.into_iter().map(|(server, claims)| async move {
            let answer = tokio::time::timeout(
                timeout,
                self.federation_send(&server, claim_keys::Request::new(claims)),
            )
            .await;
            (server, answer)
        });
        for (server, answer) in futures_util::future::join_all(asks).await {
            match answer {
                Ok(Ok(answer)) => {
                    for (user, devices) in answer.one_time_keys {
                        if user.server_name() != server {
                            continue;
                        }
                        let mut per_device = Map::new();
                        for (device, keys) in devices {
                            let keys: Map<String, Value> = keys
                                .iter()
                                .map(|(id, k)| (id.to_string(), value(k)))
                                .collect();
                            per_device.insert(device.to_string(), Value::Object(keys));
                        }
                        one_time_keys.insert(user.to_string(), Value::Object(per_device));
                    }
                }
                Ok(Err(e)) => {
                    failures.insert(server.to_string(), failure(&e));
                }
                Err(_) => {
                    failures.insert(
                        server.to_string(),
                        json!({"status": 504, "message": "Timed out"}),
                    );
                }
            }
        }
    }

    // ---- Served to other servers ----

    /// `GET /_matrix/federation/v1/user/devices/{userId}` for `origin`: every device of one of
    /// our users with keys, its display name, and the user's master and self-signing keys;
    /// from here on `origin`'s next update of this user names this list's stream id.
    pub async fn federation_user_devices(
        &self,
        origin: &ServerName,
        user: &UserId,
    ) -> Result<get_devices::Response> {
        if !self.is_ours(user.server_name()) {
            return Err(E2eeError::Unknown(
                "User is not hosted on this homeserver".into(),
            ));
        }
        let user_id = user.as_str();
        let stream_id = db::device_list_stream(&self.db, user_id)
            .await?
            .unwrap_or(0);
        let sigs = db::signatures_on(&self.db, user_id).await?;
        let mut devices = Vec::new();
        for (device_id, key_json, display_name) in db::device_keys_of(&self.db, user_id).await? {
            let Ok(mut keys) = serde_json::from_str::<Value>(&key_json) else {
                continue;
            };
            merge_signatures(&mut keys, &device_id, &sigs, user_id, "");
            let Some(keys) = raw(&keys) else { continue };
            let mut d = get_devices::UserDevice::new(OwnedDeviceId::from(device_id), keys);
            d.device_display_name = display_name;
            devices.push(d);
        }
        let mut answer = get_devices::Response::new(
            user.to_owned(),
            UInt::try_from(stream_id).unwrap_or_default(),
        );
        answer.devices = devices;
        for kind in ["master", "self_signing"] {
            if let Some(mut key) = self.cross_signing_key(user_id, kind).await? {
                if let Some(public) = super::cross_signing::public_key(&key) {
                    merge_signatures(&mut key, &public, &sigs, user_id, "");
                }
                let key = raw(&key);
                if kind == "master" {
                    answer.master_key = key;
                } else {
                    answer.self_signing_key = key;
                }
            }
        }
        db::set_outbound_device_stream(&self.db, origin.as_str(), user_id, stream_id).await?;
        Ok(answer)
    }

    /// `POST /_matrix/federation/v1/user/keys/query`: the keys of our users among those asked.
    pub async fn federation_query_keys(
        &self,
        wanted: BTreeMap<OwnedUserId, Vec<OwnedDeviceId>>,
    ) -> Result<get_keys::Response> {
        let mut q = KeysQuery::default();
        for (user, devices) in wanted {
            if !self.is_ours(user.server_name()) {
                continue;
            }
            let only: Vec<String> = devices.iter().map(ToString::to_string).collect();
            self.local_keys_into(user.as_str(), &only, "", &mut q)
                .await?;
        }
        let mut answer = get_keys::Response::default();
        for (user, devices) in q.device_keys {
            let (Ok(user), Value::Object(devices)) = (OwnedUserId::try_from(user), devices) else {
                continue;
            };
            let devices = devices
                .iter()
                .filter_map(|(d, k)| Some((OwnedDeviceId::from(d.as_str()), raw(k)?)))
                .collect();
            answer.device_keys.insert(user, devices);
        }
        for (user, key) in q.master_keys {
            if let (Ok(user), Some(key)) = (OwnedUserId::try_from(user), raw(&key)) {
                answer.master_keys.insert(user, key);
            }
        }
        for (user, key) in q.self_signing_keys {
            if let (Ok(user), Some(key)) = (OwnedUserId::try_from(user), raw(&key)) {
                answer.self_signing_keys.insert(user, key);
            }
        }
        Ok(answer)
    }

    /// `POST /_matrix/federation/v1/user/keys/claim`: one key per asked device of our users.
    pub async fn federation_claim_keys(
        &self,
        claims: claim_keys::OneTimeKeyClaims,
    ) -> Result<claim_keys::Response> {
        let mut answer = claim_keys::Response::new(BTreeMap::new());
        for (user, devices) in claims {
            if !self.is_ours(user.server_name()) {
                continue;
            }
            let mut per_device = BTreeMap::new();
            for (device, alg) in devices {
                let Some((key_id, key)) = self
                    .claim_one(user.as_str(), device.as_str(), alg.as_str())
                    .await?
                else {
                    continue;
                };
                let (Ok(id), Some(key)) = (
                    ruma::OwnedOneTimeKeyId::try_from(format!("{alg}:{key_id}")),
                    raw(&key),
                ) else {
                    continue;
                };
                per_device.insert(device, BTreeMap::from([(id, key)]));
            }
            if !per_device.is_empty() {
                answer.one_time_keys.insert(user, per_device);
            }
        }
        Ok(answer)
    }
}
