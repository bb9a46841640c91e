//! End-to-end encryption plumbing — the server stores and relays, never decrypts: device,
//! one-time and fallback keys (/keys/upload, /keys/query, /keys/claim), device-list tracking
//! (/keys/changes and `device_lists` in /sync), to-device messages (/sendToDevice, delivered
//! exactly once per device through /sync) and what /sync reports about them (`e2ee_sync`).
//! Cross-signing lives in `e2ee/cross_signing.rs`, room key backup in `e2ee/backup.rs`.
//! Never imports axum; SQL is in `store::e2ee`.

mod backup;
mod cross_signing;
mod remote;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use crate::service::streams::Scope;
use ruma::api::federation::keys::claim_keys::v1 as remote_claims;
use ruma::{OwnedServerName, OwnedUserId};

use serde_json::{Map, Value, json};

pub use backup::RoomKeysPath;
pub use remote::DEFAULT_REMOTE_TIMEOUT;

use super::Services;
use crate::store::{StoreError, accounts as account_store, e2ee as db};

/// Synapse's `MAX_ONE_TIME_KEYS_PER_ALGORITHM_PER_DEVICE`.
pub const MAX_ONE_TIME_KEYS: i64 = 500;
/// At most this many to-device messages per sync response, as Synapse; the rest follow in the
/// next sync (which also returns at once, since they are waiting).
pub const TO_DEVICE_PER_SYNC: i64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum E2eeError {
    #[error("{0}")]
    BadJson(String),
    #[error("{0}")]
    InvalidParam(String),
    #[error("{0}")]
    MissingParam(String),
    #[error("{0}")]
    InvalidSignature(String),
    #[error("{0}")]
    NotFound(String),
    /// A 400 without a more specific errcode (Synapse's `SynapseError(400, msg)`).
    #[error("{0}")]
    Unknown(String),
    #[error("{0}")]
    TooLarge(String),
    /// A room key upload to a backup version that is not the current one.
    #[error("Wrong room_keys version")]
    WrongRoomKeysVersion { current_version: String },
    /// Another server could not answer (as reported in `failures`: status and message).
    #[error("another server failed: {0}")]
    Remote(Value),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T, E = E2eeError> = std::result::Result<T, E>;

/// What sync last learned about a device, reused while the change logs say it stands.
#[derive(Clone, Default)]
struct DeviceMemo {
    /// (at, since): at stream position `at`, no to-device message was pending for a sync
    /// whose token was `since` (-1: none; a later token leaves out more, never less).
    quiet: Option<(i64, i64)>,
    /// One-time key counts and unused fallback key types, as read at a stream position.
    keys: Option<(i64, Map<String, Value>, Vec<String>)>,
}

/// Devices whose memo is kept at most; past that the memos start again empty.
const DEVICE_MEMOS_MAX: usize = 10_000;

/// Each device's memo, keyed as in the change logs.
#[derive(Default)]
pub struct DeviceMemos(std::sync::Mutex<HashMap<String, DeviceMemo>>);

impl DeviceMemos {
    fn get(&self, key: &str) -> DeviceMemo {
        let m = self.0.lock().expect("device memos");
        m.get(key).cloned().unwrap_or_default()
    }

    fn put(&self, key: String, memo: DeviceMemo) {
        let mut m = self.0.lock().expect("device memos");
        if m.len() >= DEVICE_MEMOS_MAX {
            m.clear();
        }
        m.insert(key, memo);
    }
}

/// `{algorithm: count}` as clients read it.
fn one_time_key_counts_json(counts: Vec<(String, i64)>) -> Map<String, Value> {
    let mut counts: Map<String, Value> = counts.into_iter().map(|(a, n)| (a, json!(n))).collect();
    // Clients (Element Android) need this one even at zero.
    counts.entry("signed_curve25519").or_insert(json!(0));
    counts
}

/// The key of a device in the change logs.
fn device_key(user_id: &str, device_id: &str) -> String {
    format!("{user_id}\n{device_id}")
}

/// What /sync reports about encryption for one device.
#[derive(Debug, Default)]
pub struct E2eeSync {
    pub to_device: Vec<Value>,
    pub changed: Vec<String>,
    pub left: Vec<String>,
    pub one_time_keys_count: Map<String, Value>,
    pub unused_fallback_key_types: Vec<String>,
}

impl E2eeSync {
    /// Whether an incremental sync has something to say (wakes a long-poll).
    pub fn has_news(&self) -> bool {
        !self.to_device.is_empty() || !self.changed.is_empty() || !self.left.is_empty()
    }
}

/// The answer to /keys/query, each map keyed by user id (`failures` by server name).
#[derive(Debug, Default)]
pub struct KeysQuery {
    pub device_keys: Map<String, Value>,
    pub master_keys: Map<String, Value>,
    pub self_signing_keys: Map<String, Value>,
    pub user_signing_keys: Map<String, Value>,
    pub failures: Map<String, Value>,
}

/// The answer to /keys/claim: user id → device id → `{"<alg>:<key id>": key}`.
#[derive(Debug, Default)]
pub struct ClaimedKeys {
    pub one_time_keys: Map<String, Value>,
    pub failures: Map<String, Value>,
}

fn parse_object<'a>(v: &'a Value, what: &str) -> Result<Option<&'a Map<String, Value>>> {
    match v.get(what) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(E2eeError::BadJson(format!("{what} must be an object"))),
    }
}

/// Splits `<algorithm>:<key_id>`.
fn split_key_id(k: &str, what: &str) -> Result<(String, String)> {
    match k.split(':').collect::<Vec<_>>()[..] {
        [alg, id] => Ok((alg.to_string(), id.to_string())),
        _ => Err(E2eeError::BadJson(format!(
            "Invalid {what} key {k:?}. Expected \"<algorithm>:<key_id>\"."
        ))),
    }
}

/// Whether two one-time keys are the same key (signatures may legitimately differ).
fn same_key(old: &str, new: &Value) -> bool {
    let Ok(mut old) = serde_json::from_str::<Value>(old) else {
        return false;
    };
    let mut new = new.clone();
    for v in [&mut old, &mut new] {
        if let Value::Object(m) = v {
            m.remove("signatures");
        }
    }
    old == new
}

impl Services {
    // ---- /keys/upload ----

    /// Stores the device's identity keys, one-time keys and fallback keys, and returns the
    /// `one_time_key_counts` that follow.
    pub async fn upload_keys(&self, user_id: &str, device_id: &str, body: &Value) -> Result<Value> {
        match body.get("device_keys") {
            None => {}
            Some(Value::Object(dk)) => {
                if dk.get("user_id").and_then(Value::as_str) != Some(user_id) {
                    return Err(E2eeError::BadJson(
                        "Provided `user_id` in `device_keys` does not match that of the authenticated user".into(),
                    ));
                }
                if dk.get("device_id").and_then(Value::as_str) != Some(device_id) {
                    return Err(E2eeError::BadJson(
                        "Provided `device_id` in `device_keys` does not match that of the authenticated user device".into(),
                    ));
                }
                for field in ["algorithms", "keys", "signatures"] {
                    if dk.get(field).is_none() {
                        return Err(E2eeError::BadJson(format!(
                            "device_keys.{field} is required"
                        )));
                    }
                }
                self.set_device_keys(user_id, device_id, &Value::Object(dk.clone()))
                    .await?;
            }
            Some(_) => return Err(E2eeError::BadJson("device_keys must be an object".into())),
        }

        if let Some(otks) = parse_object(body, "one_time_keys")? {
            let mut new = Vec::new();
            let mut per_alg: HashMap<String, i64> = HashMap::new();
            for (k, v) in otks {
                let (alg, id) = split_key_id(k, "one_time_keys")?;
                if let Some(old) =
                    db::get_one_time_key(&self.db, user_id, device_id, &alg, &id).await?
                {
                    if !same_key(&old, v) {
                        return Err(E2eeError::Unknown(format!(
                            "One time key {alg}:{id} already exists. Old key: {old}; new key: {v}"
                        )));
                    }
                    continue;
                }
                *per_alg.entry(alg.clone()).or_default() += 1;
                new.push((alg, id, v.to_string()));
            }
            let counts: HashMap<String, i64> =
                db::count_one_time_keys(&self.db, user_id, device_id)
                    .await?
                    .into_iter()
                    .collect();
            for (alg, n) in &per_alg {
                let total = counts.get(alg).copied().unwrap_or(0) + n;
                if total > MAX_ONE_TIME_KEYS {
                    return Err(E2eeError::TooLarge(format!(
                        "Uploading {n} more {alg} one-time keys would leave the device holding {total}, over the limit of {MAX_ONE_TIME_KEYS}"
                    )));
                }
            }
            db::add_one_time_keys(&self.db, user_id, device_id, &new).await?;
            self.keys_changed(user_id, device_id);
        }

        if let Some(fallback) = parse_object(body, "fallback_keys")? {
            for (k, v) in fallback {
                let (alg, id) = split_key_id(k, "fallback_keys")?;
                db::set_fallback_key(&self.db, user_id, device_id, &alg, &id, &v.to_string())
                    .await?;
                self.keys_changed(user_id, device_id);
            }
        }
        Ok(json!({"one_time_key_counts": self.one_time_key_counts(user_id, device_id).await?}))
    }

    async fn one_time_key_counts(
        &self,
        user_id: &str,
        device_id: &str,
    ) -> Result<Map<String, Value>, StoreError> {
        Ok(one_time_key_counts_json(
            db::count_one_time_keys(&self.db, user_id, device_id).await?,
        ))
    }

    /// Stores device keys; when they changed, everyone sharing a room hears of it.
    async fn set_device_keys(
        &self,
        user_id: &str,
        device_id: &str,
        keys: &Value,
    ) -> Result<(), StoreError> {
        let text = keys.to_string();
        if db::get_device_keys(&self.db, user_id, device_id)
            .await?
            .is_some_and(|old| serde_json::from_str::<Value>(&old).ok().as_ref() == Some(keys))
        {
            return Ok(());
        }
        db::set_device_keys(&self.db, user_id, device_id, &text).await?;
        self.device_list_changed(user_id, &[device_id.to_string()])
            .await
    }

    /// Records that a user's devices or keys changed, at a new stream position (waking syncs);
    /// for one of our users, the servers sharing a room with them are told which `devices`
    /// changed (in the same order as the positions, the streams write guard being held).
    pub(crate) async fn device_list_changed(
        &self,
        user_id: &str,
        devices: &[String],
    ) -> Result<(), StoreError> {
        let mut g = self.streams.write().await;
        let pos = g.next_pos();
        db::mark_device_list_change(&self.db, user_id, pos).await?;
        self.announce_device_changes(user_id, devices, pos).await?;
        self.hints.device_lists.record([("", pos)]);
        self.note_user_and_rooms(pos, user_id).await?;
        g.commit();
        Ok(())
    }

    /// Hook for device deletion (DELETE /devices/{id}, /delete_devices): forgets the devices'
    /// keys and pending messages and announces the change.
    pub async fn e2ee_devices_deleted(
        &self,
        user_id: &str,
        device_ids: &[String],
    ) -> Result<(), StoreError> {
        for d in device_ids {
            // Its sliding sync connections go too: a later login under the same id starts over.
            self.sliding.connections.forget_device(user_id, d);
            db::delete_device(&self.db, user_id, d).await?;
            self.keys_changed(user_id, d);
        }
        self.device_list_changed(user_id, device_ids).await
    }

    // ---- /keys/query ----

    /// Device keys (with uploaded signatures and display names) and cross-signing keys of the
    /// requested users: ours from the database, other servers' users from their servers (or
    /// our cache of their lists), all servers at once, each given `timeout`; a server that
    /// fails or is late is listed in `failures`.
    pub async fn query_keys(
        &self,
        requester: &str,
        wanted: Option<&Value>,
        timeout: Duration,
    ) -> Result<KeysQuery> {
        let Some(Value::Object(wanted)) = wanted else {
            return Err(E2eeError::InvalidParam(
                "'device_keys' must be a JSON object".into(),
            ));
        };
        let mut out = KeysQuery::default();
        let mut local = Vec::new();
        let mut remote: BTreeMap<OwnedServerName, Vec<(OwnedUserId, Vec<String>)>> =
            BTreeMap::new();
        for (user_id, devices) in wanted {
            let Some(list) = devices
                .as_array()
                .filter(|a| a.iter().all(Value::is_string))
            else {
                return Err(E2eeError::InvalidParam(
                    "'device_keys' values must be a list of strings".into(),
                ));
            };
            let only: Vec<String> = list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            match OwnedUserId::try_from(user_id.as_str()) {
                Ok(user) if self.is_ours(user.server_name()) => local.push((user_id, only)),
                Ok(user) => remote
                    .entry(user.server_name().to_owned())
                    .or_default()
                    .push((user, only)),
                Err(_) => {
                    let server = user_id.split_once(':').map(|(_, s)| s).unwrap_or("");
                    out.failures.insert(
                        server.to_string(),
                        json!({"status": 400, "message": "Invalid user ID"}),
                    );
                }
            }
        }
        for (user_id, only) in local {
            self.local_keys_into(user_id, &only, requester, &mut out)
                .await?;
        }
        let asks = remote.into_iter().map(|(server, users)| async move {
            let answer =
                tokio::time::timeout(timeout, self.query_remote_keys(requester, &server, users))
                    .await;
            (server, answer)
        });
        for (server, answer) in futures_util::future::join_all(asks).await {
            match answer {
                Ok(Ok(q)) => {
                    out.device_keys.extend(q.device_keys);
                    out.master_keys.extend(q.master_keys);
                    out.self_signing_keys.extend(q.self_signing_keys);
                }
                Ok(Err(E2eeError::Remote(failure))) => {
                    out.failures.insert(server.to_string(), failure);
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    out.failures.insert(
                        server.to_string(),
                        json!({"status": 504, "message": "Timed out"}),
                    );
                }
            }
        }
        Ok(out)
    }

    /// Adds one of our users' keys to `out`: the devices in `only` (none: all), and the
    /// cross-signing keys (the user-signing key only to its owner). Signatures by other users
    /// are shown to the signer only.
    async fn local_keys_into(
        &self,
        user_id: &str,
        only: &[String],
        requester: &str,
        out: &mut KeysQuery,
    ) -> Result<(), StoreError> {
        let sigs = db::signatures_on(&self.db, user_id).await?;
        let mut devices = Map::new();
        for (device_id, key_json, display_name) in db::device_keys_of(&self.db, user_id).await? {
            if !only.is_empty() && !only.contains(&device_id) {
                continue;
            }
            let Ok(mut keys) = serde_json::from_str::<Value>(&key_json) else {
                continue;
            };
            merge_signatures(&mut keys, &device_id, &sigs, user_id, requester);
            if let Some(name) = display_name {
                keys["unsigned"] = json!({"device_display_name": name});
            }
            devices.insert(device_id, keys);
        }
        out.device_keys
            .insert(user_id.to_string(), Value::Object(devices));
        for (kind, map) in [
            ("master", &mut out.master_keys),
            ("self_signing", &mut out.self_signing_keys),
            ("user_signing", &mut out.user_signing_keys),
        ] {
            if kind == "user_signing" && user_id != requester {
                continue;
            }
            if let Some(mut key) = self.cross_signing_key(user_id, kind).await? {
                if let Some(public) = cross_signing::public_key(&key) {
                    merge_signatures(&mut key, &public, &sigs, user_id, requester);
                }
                map.insert(user_id.to_string(), key);
            }
        }
        Ok(())
    }

    // ---- /keys/claim ----

    /// Hands out one one-time key per requested device: each key exactly once; when a device
    /// has none left, its fallback key (which stays, marked used). Other servers' devices are
    /// claimed from their servers, all at once, each given `timeout`.
    pub async fn claim_keys(
        &self,
        wanted: Option<&Value>,
        timeout: Duration,
    ) -> Result<ClaimedKeys> {
        let mut out = Map::new();
        let mut failures = Map::new();
        let query = match wanted {
            None => return Ok(ClaimedKeys::default()),
            Some(Value::Object(m)) => m,
            Some(_) => {
                return Err(E2eeError::BadJson("one_time_keys must be an object".into()));
            }
        };
        let mut remote: BTreeMap<OwnedServerName, remote_claims::OneTimeKeyClaims> =
            BTreeMap::new();
        for (user_id, devices) in query {
            let Value::Object(devices) = devices else {
                return Err(E2eeError::BadJson(
                    "one_time_keys values must be objects".into(),
                ));
            };
            let mut per_device = Map::new();
            let user = OwnedUserId::try_from(user_id.as_str()).ok();
            for (device_id, alg) in devices {
                let Some(alg) = alg.as_str() else {
                    return Err(E2eeError::BadJson("algorithm must be a string".into()));
                };
                match &user {
                    Some(u) if self.is_ours(u.server_name()) => {}
                    Some(u) => {
                        remote
                            .entry(u.server_name().to_owned())
                            .or_default()
                            .entry(u.clone())
                            .or_default()
                            .insert(device_id.as_str().into(), alg.into());
                        continue;
                    }
                    None => {
                        let server = user_id.split_once(':').map(|(_, s)| s).unwrap_or("");
                        failures.insert(
                            server.to_string(),
                            json!({"status": 400, "message": "Invalid user ID"}),
                        );
                        continue;
                    }
                }
                if let Some((key_id, key)) = self.claim_one(user_id, device_id, alg).await? {
                    per_device.insert(device_id.clone(), json!({ format!("{alg}:{key_id}"): key }));
                }
            }
            if !per_device.is_empty() {
                out.insert(user_id.clone(), Value::Object(per_device));
            }
        }
        if !remote.is_empty() {
            self.claim_remote_keys(remote, timeout, &mut out, &mut failures)
                .await;
        }
        Ok(ClaimedKeys {
            one_time_keys: out,
            failures,
        })
    }

    /// One key of one of our devices for `alg`: a one-time key, else its fallback key.
    async fn claim_one(
        &self,
        user_id: &str,
        device_id: &str,
        alg: &str,
    ) -> Result<Option<(String, Value)>, StoreError> {
        let claimed = match db::claim_one_time_key(&self.db, user_id, device_id, alg).await? {
            Some(k) => Some(k),
            None => db::claim_fallback_key(&self.db, user_id, device_id, alg).await?,
        };
        Ok(claimed.map(|(key_id, key_json)| {
            self.keys_changed(user_id, device_id);
            let key: Value = serde_json::from_str(&key_json).unwrap_or(Value::String(key_json));
            (key_id, key)
        }))
    }

    // ---- Device lists ----

    /// Users whose device lists the user should refetch (`changed`) or may stop tracking
    /// (`left`) after `since`: device or cross-signing key changes of anyone sharing a room,
    /// everyone in a room newly joined (by either side), and users who no longer share any room.
    pub async fn device_list_updates(
        &self,
        user_id: &str,
        since: i64,
    ) -> Result<(Vec<String>, Vec<String>), StoreError> {
        let (rows, changed_devices) = tokio::try_join!(
            db::memberships_around(&self.db, user_id, since),
            db::device_lists_changed_since(&self.db, since),
        )?;
        let mut my: HashMap<&str, (&str, i64)> = HashMap::new();
        for (u, room, m, pos) in &rows {
            if u == user_id {
                my.insert(room.as_str(), (m.as_str(), *pos));
            }
        }
        let mut shared: HashSet<&str> = HashSet::new();
        let mut changed: HashSet<&str> = HashSet::new();
        let mut candidates_left: HashSet<&str> = HashSet::new();
        for (u, room, m, pos) in &rows {
            let Some((my_m, my_pos)) = my.get(room.as_str()).copied() else {
                continue;
            };
            let i_am_in = my_m == "join";
            if i_am_in && m == "join" {
                shared.insert(u);
                if my_pos > since || *pos > since {
                    changed.insert(u);
                }
            } else if (i_am_in && matches!(m.as_str(), "leave" | "ban") && *pos > since)
                || (!i_am_in && my_pos > since && m == "join")
            {
                // They left a room I am in, or I left a room they are in.
                candidates_left.insert(u);
            }
        }
        for u in changed_devices {
            if let Some(s) = shared.get(u.as_str()) {
                changed.insert(s);
            } else if u == user_id {
                changed.insert(user_id);
            }
        }
        let mut left: Vec<String> = candidates_left
            .into_iter()
            .filter(|u| !shared.contains(u) && *u != user_id)
            .map(str::to_string)
            .collect();
        left.sort();
        let mut changed: Vec<String> = changed.into_iter().map(str::to_string).collect();
        changed.sort();
        Ok((changed, left))
    }

    // ---- To-device messages ----

    /// PUT /sendToDevice: stores one message per target device (`*`: all of that user's
    /// devices) at one stream position; messages for other servers' users go to their servers
    /// (one `m.direct_to_device` each, through the durable outbox). Replaying a transaction id
    /// of the sending device for the same event type does nothing. Messages to unknown local
    /// users or devices are dropped.
    pub async fn send_to_device(
        &self,
        sender: &str,
        sender_device: &str,
        kind: &str,
        txn_id: &str,
        body: &Value,
    ) -> Result<()> {
        let Some(messages) = body.get("messages") else {
            return Err(E2eeError::MissingParam(
                "Missing params: ['messages']".into(),
            ));
        };
        let Value::Object(messages) = messages else {
            return Err(E2eeError::BadJson("messages must be an object".into()));
        };
        let mut targets: BTreeMap<(String, String), String> = BTreeMap::new();
        let mut remote: BTreeMap<OwnedServerName, BTreeMap<String, Map<String, Value>>> =
            BTreeMap::new();
        for (user_id, by_device) in messages {
            let Value::Object(by_device) = by_device else {
                return Err(E2eeError::BadJson("messages values must be objects".into()));
            };
            match OwnedUserId::try_from(user_id.as_str()) {
                Ok(u) if self.is_ours(u.server_name()) => {
                    self.to_device_targets(user_id, by_device, &mut targets)
                        .await?;
                }
                Ok(u) => {
                    remote
                        .entry(u.server_name().to_owned())
                        .or_default()
                        .insert(user_id.clone(), by_device.clone());
                }
                Err(_) => tracing::debug!(
                    user_id,
                    "dropping a to-device message for an invalid user id"
                ),
            }
        }
        let txn = crate::store::rooms::Txn {
            device_id: sender_device.to_string(),
            scope: format!("sendToDevice/{kind}"),
            txn_id: txn_id.to_string(),
        };
        self.deliver_to_devices(sender, &txn, kind, &targets, Some(remote))
            .await?;
        Ok(())
    }

    /// The devices a to-device message for our `user_id` goes to (`*`: every device of the
    /// user; an unknown device: none), added to `targets` with the content as text.
    async fn to_device_targets(
        &self,
        user_id: &str,
        by_device: &Map<String, Value>,
        targets: &mut BTreeMap<(String, String), String>,
    ) -> Result<(), StoreError> {
        let devices: Vec<String> = account_store::list_devices(&self.db, user_id)
            .await?
            .into_iter()
            .map(|d| d.device_id)
            .collect();
        for (device_id, content) in by_device {
            let text = content.to_string();
            if device_id == "*" {
                for d in &devices {
                    targets
                        .entry((user_id.to_string(), d.clone()))
                        .or_insert_with(|| text.clone());
                }
            } else if devices.contains(device_id) {
                targets.insert((user_id.to_string(), device_id.clone()), text);
            }
        }
        Ok(())
    }

    /// Stores to-device messages for our devices at one new stream position, unless `txn` was
    /// seen (then nothing happens), and queues `remote`'s for their servers at the same one.
    async fn deliver_to_devices(
        &self,
        sender: &str,
        txn: &crate::store::rooms::Txn,
        kind: &str,
        targets: &BTreeMap<(String, String), String>,
        remote: Option<BTreeMap<OwnedServerName, BTreeMap<String, Map<String, Value>>>>,
    ) -> Result<(), StoreError> {
        let rows: Vec<db::ToDevice<'_>> = targets
            .iter()
            .map(|((u, d), c)| db::ToDevice {
                user_id: u,
                device_id: d,
                content: c.clone(),
            })
            .collect();
        let mut g = self.streams.write().await;
        let pos = g.next_pos();
        if !db::send_to_device(&self.db, sender, txn, kind, pos, &rows).await? {
            return Ok(());
        }
        if let Some(remote) = remote.filter(|r| !r.is_empty()) {
            self.send_remote_to_device(sender, kind, remote, pos)
                .await?;
        }
        let keys: Vec<String> = rows
            .iter()
            .map(|r| device_key(r.user_id, r.device_id))
            .collect();
        self.hints
            .to_device
            .record(keys.iter().map(|k| (k.as_str(), pos)));
        self.streams
            .note(pos, rows.iter().map(|r| Scope::User(r.user_id)));
        g.commit();
        Ok(())
    }

    /// After a login created a device under an id drawn at random (nothing stored for it
    /// before), with `before` the stream position read before its transaction: the device has
    /// no key and no to-device message as of `before` (a message for it can only be sent once
    /// it exists, at a later position), so its first sync needs no query for them.
    pub fn device_created(&self, user_id: &str, device_id: &str, before: i64) {
        self.device_memos.put(
            device_key(user_id, device_id),
            DeviceMemo {
                quiet: Some((before, -1)),
                keys: Some((before, one_time_key_counts_json(Vec::new()), Vec::new())),
            },
        );
    }

    /// Notes a change of a device's one-time or fallback keys (after it committed) for the
    /// key counts sync reuses. These writes take no stream position: the next one is recorded,
    /// which is later than any position a reader could have read before.
    fn keys_changed(&self, user_id: &str, device_id: &str) {
        let key = device_key(user_id, device_id);
        self.hints
            .device_keys
            .record([(key.as_str(), self.streams.current() + 1)]);
    }

    // ---- /sync ----

    /// The encryption part of a sync of `device_id` from `since` to `to`: first deletes the
    /// to-device messages an earlier sync returned and the client acknowledged by coming back
    /// with a token at or past them, then returns the pending ones (at most
    /// `TO_DEVICE_PER_SYNC`, oldest first), device-list changes, and key counts.
    ///
    /// What an earlier sync of the device found is reused while it stands: while nothing was
    /// sent to the device and its keys did not change, those queries are skipped.
    pub async fn e2ee_sync(
        &self,
        user_id: &str,
        device_id: &str,
        since: Option<i64>,
        to: i64,
    ) -> Result<E2eeSync, StoreError> {
        self.e2ee_sync_from(user_id, device_id, since, Some(since), to)
            .await
    }

    /// `e2ee_sync` with the to-device messages read from their own token (sliding sync's
    /// to_device extension keeps one apart from the connection's), or left alone (`None`):
    /// device-list changes are since `since`.
    pub async fn e2ee_sync_from(
        &self,
        user_id: &str,
        device_id: &str,
        since: Option<i64>,
        to_device_since: Option<Option<i64>>,
        to: i64,
    ) -> Result<E2eeSync, StoreError> {
        let wants_to_device = to_device_since.is_some();
        let (lists_since, since) = (since, to_device_since.flatten());
        let key = device_key(user_id, device_id);
        let mut memo = self.device_memos.get(&key);
        let acked = since.unwrap_or(-1);
        let quiet = !wants_to_device
            || memo.quiet.is_some_and(|(at, memo_since)| {
                acked >= memo_since && !self.hints.to_device.changed_since(&key, at)
            });
        let known_keys = memo
            .keys
            .as_ref()
            .filter(|(at, ..)| !self.hints.device_keys.changed_since(&key, *at))
            .map(|(_, counts, fallback)| (counts.clone(), fallback.clone()));
        let keys_were_known = known_keys.is_some();
        // The acknowledged messages are deleted alongside reading the pending ones, which
        // leave them out whether or not the deletion came first.
        let ((), rows, changed_left, (one_time_keys_count, unused_fallback_key_types)) = tokio::try_join!(
            async {
                if let Some(since) = since.filter(|_| !quiet)
                    && db::has_acknowledged_to_device(&self.db, user_id, device_id, since).await?
                {
                    db::delete_acknowledged_to_device(&self.db, user_id, device_id, since).await?;
                }
                Ok(())
            },
            async {
                if quiet {
                    return Ok(Vec::new());
                }
                db::pending_to_device(&self.db, user_id, device_id, since, to, TO_DEVICE_PER_SYNC)
                    .await
            },
            async {
                // Only a membership or device change since can put anyone in these lists.
                match lists_since {
                    Some(since)
                        if self.hints.memberships.changed_since("", since)
                            || self.hints.device_lists.changed_since("", since) =>
                    {
                        self.device_list_updates(user_id, since).await
                    }
                    _ => Ok((Vec::new(), Vec::new())),
                }
            },
            async {
                match known_keys {
                    Some(k) => Ok(k),
                    None => {
                        let (counts, fallback) =
                            db::key_counts(&self.db, user_id, device_id).await?;
                        Ok((one_time_key_counts_json(counts), fallback))
                    }
                }
            },
        )?;
        if !quiet {
            memo.quiet = rows.is_empty().then_some((to, acked));
        }
        if !keys_were_known {
            memo.keys = Some((
                to,
                one_time_keys_count.clone(),
                unused_fallback_key_types.clone(),
            ));
        }
        if !quiet || !keys_were_known {
            self.device_memos.put(key, memo);
        }
        if let Some((pos, seq, ..)) = rows.last() {
            db::mark_to_device_delivered(&self.db, user_id, device_id, *pos, *seq).await?;
        }
        let to_device = rows
            .into_iter()
            .map(|(_, _, sender, kind, content)| {
                json!({"sender": sender, "type": kind, "content": serde_json::from_str::<Value>(&content).unwrap_or(json!({}))})
            })
            .collect();
        let (changed, left) = changed_left;
        Ok(E2eeSync {
            to_device,
            changed,
            left,
            one_time_keys_count,
            unused_fallback_key_types,
        })
    }
}

/// Adds stored signatures on `key_id` of `target` to a key object. Signatures by other users
/// (their user-signing key) are shown only to the signer, as Synapse does.
fn merge_signatures(
    key: &mut Value,
    key_id: &str,
    sigs: &[(String, String, String, String)],
    target: &str,
    requester: &str,
) {
    for (target_key, signer, signer_key, sig) in sigs {
        if target_key != key_id || (signer != target && signer != requester) {
            continue;
        }
        if !key.get("signatures").is_some_and(Value::is_object) {
            key["signatures"] = json!({});
        }
        let by_signer = &mut key["signatures"][signer];
        if !by_signer.is_object() {
            *by_signer = json!({});
        }
        by_signer[signer_key] = json!(sig);
    }
}
