//! Other servers' signing keys
//! (https://spec.matrix.org/v1.16/server-server-api/#retrieving-server-keys), to verify
//! X-Matrix requests and PDUs. A lookup of (server, key id) valid at a timestamp asks, in
//! order: the in-memory cache; the database (`server_keys_json`: every verified document is
//! stored, so keys survive a restart and are shared by every process on the database); the
//! server itself (`GET /_matrix/key/v2/server`); each notary of `trusted_key_servers`
//! (`POST /_matrix/key/v2/query`). Every document received is checked before any key of it is
//! used: `server_name` is the server asked about, the document is self-signed by one of its own
//! `verify_keys`, and a notary's copy also carries the notary's valid signature (its configured
//! `verify_keys`, else its own keys fetched directly, unless `accept_keys_insecurely`). A
//! current key is usable up to the lesser of `valid_until_ts` and 7 days after it was fetched
//! (as Synapse and the spec do), an old key up to its `expired_ts`; a stored document is checked
//! again when read, its 7 days counted from when it was fetched.
//!
//! Fetches are one at a time per server, and a server is not asked again within
//! `REFETCH_INTERVAL_MS` of the last time: a key id it does not publish, or a server that does
//! not answer, costs one fetch a minute, not one per request. Serving the stored documents to
//! others (the notary endpoints) is `notary.rs`.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};

use ruma::serde::Base64;
use ruma::signatures::{
    SigningKeyAlgorithm, to_canonical_json_string_for_signing, verify_canonical_json_bytes,
};
use ruma::{CanonicalJsonObject, CanonicalJsonValue, OwnedServerName, ServerName};
use serde_json::{Value, json};

use super::auth::{self, AuthError, Authenticated};
use super::client::FederationClient;
use crate::config::TrustedKeyServer;
use crate::keys::SigningKey;
use crate::store::{self, Db};

/// The longest a fetched current key is trusted for, whatever its `valid_until_ts` says.
pub const MAX_VALIDITY_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// How long after asking a server for its keys (whatever it answered, or if it did not) a
/// lookup that still misses answers "not found" instead of asking again. One minute is our
/// choice, a trade-off: a key a server has just added is seen at most a minute late, and a
/// flood of requests signed with made-up key ids, or naming a server that is down, costs one
/// outbound fetch a minute rather than one each. (Synapse, too, shares one fetch among the
/// lookups waiting for a server.)
pub const REFETCH_INTERVAL_MS: i64 = 60 * 1000;

/// The most ed25519 keys (current and old) one document may list; a document with more is
/// refused, so no answer can fill the cache.
pub const MAX_KEYS_PER_DOCUMENT: usize = 64;

pub const SERVER_PATH: &str = "/_matrix/key/v2/server";
pub const QUERY_PATH: &str = "/_matrix/key/v2/query";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key id is not `ed25519:<version>` (the only algorithm Matrix signs with).
    #[error("unsupported key id {0:?}")]
    UnsupportedKeyId(String),
    /// A key document failed a check; `from` is who sent it.
    #[error("key document for {server} from {from}: {reason}")]
    Invalid {
        server: String,
        from: String,
        reason: String,
    },
    /// No source gave the key valid at `at_ts`; `tried` says what each source answered.
    #[error("no key {key_id} of {server} valid at {at_ts}: {}", tried.join("; "))]
    NotFound {
        server: OwnedServerName,
        key_id: String,
        at_ts: i64,
        tried: Vec<String>,
    },
}

/// One verified key of a server and until when it may be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedKey {
    pub key_id: String,
    /// The raw 32-byte ed25519 public key.
    pub public_key: Base64,
    /// Usable for timestamps up to this one (ms): the capped `valid_until_ts` of a current
    /// key, the `expired_ts` of an old one.
    pub valid_until_ts: i64,
}

impl VerifiedKey {
    pub fn usable_at(&self, at_ts: i64) -> bool {
        at_ts <= self.valid_until_ts
    }
}

/// A key document that passed `check_document`: as received, with its ed25519 keys and the
/// validity the document states for each (`valid_until_ts` or `expired_ts`, not capped).
pub(super) struct CheckedDocument {
    pub json: CanonicalJsonObject,
    pub keys: Vec<(String, Base64, i64)>,
}

impl CheckedDocument {
    /// Its keys as usable by a server that fetched it at `fetched_at` (the 7-day cap).
    fn usable(&self, fetched_at: i64) -> Vec<VerifiedKey> {
        let cap = fetched_at.saturating_add(MAX_VALIDITY_MS);
        self.keys
            .iter()
            .map(|(key_id, public_key, until)| VerifiedKey {
                key_id: key_id.clone(),
                public_key: public_key.clone(),
                valid_until_ts: (*until).min(cap),
            })
            .collect()
    }
}

type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The cache of other servers' keys, the database behind it, and the notaries to ask.
pub struct KeyRing {
    notaries: Vec<TrustedKeyServer>,
    cache: Mutex<HashMap<(OwnedServerName, String), VerifiedKey>>,
    /// One fetch at a time per server, so concurrent lookups share one fetch.
    fetching: Mutex<HashMap<OwnedServerName, Arc<tokio::sync::Mutex<()>>>>,
    /// When each server was last asked (ms, by `now`), for `REFETCH_INTERVAL_MS`.
    asked: Mutex<HashMap<OwnedServerName, i64>>,
    /// Where verified documents are kept; none keeps them in memory only.
    pub(super) store: Option<Db>,
    pub(super) now: Clock,
}

fn system_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// More servers than this in `KeyRing::asked`, and those asked longer ago than the interval are
/// forgotten.
const ASKED_PRUNE_AT: usize = 1024;

impl KeyRing {
    /// A key ring that keeps keys in memory only.
    pub fn new(notaries: Vec<TrustedKeyServer>) -> Self {
        KeyRing {
            notaries,
            cache: Mutex::default(),
            fetching: Mutex::default(),
            asked: Mutex::default(),
            store: None,
            now: Arc::new(system_now_ms),
        }
    }

    /// The same, keeping every verified document in `db` and reading them back from it.
    pub fn with_store(mut self, db: Db) -> Self {
        self.store = Some(db);
        self
    }

    /// The same with another clock (ms since the epoch), for tests.
    pub fn with_clock(mut self, now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.now = Arc::new(now);
        self
    }

    /// What the cache holds for (server, key id), valid or not.
    pub fn cached(&self, server: &ServerName, key_id: &str) -> Option<VerifiedKey> {
        self.cache
            .lock()
            .expect("lock")
            .get(&(server.to_owned(), key_id.to_string()))
            .cloned()
    }

    fn cached_at(&self, server: &ServerName, key_id: &str, at_ts: i64) -> Option<Base64> {
        self.cached(server, key_id)
            .filter(|k| k.usable_at(at_ts))
            .map(|k| k.public_key)
    }

    fn remember(&self, server: &ServerName, keys: Vec<VerifiedKey>) {
        let mut cache = self.cache.lock().expect("lock");
        for k in keys {
            let slot = (server.to_owned(), k.key_id.clone());
            match cache.get(&slot) {
                // A key never loses validity it was verified to have.
                Some(old)
                    if old.public_key == k.public_key && old.valid_until_ts >= k.valid_until_ts => {
                }
                _ => {
                    cache.insert(slot, k);
                }
            }
        }
    }

    /// Keeps a document of `server` that `from` gave us at `fetched_at` and that passed
    /// `check_document`: its keys in the cache, the document in the database.
    pub(super) async fn keep(
        &self,
        server: &ServerName,
        from: &str,
        doc: CheckedDocument,
        fetched_at: i64,
    ) {
        self.remember(server, doc.usable(fetched_at));
        let Some(db) = &self.store else {
            return;
        };
        let json = match serde_json::to_string(&doc.json) {
            Ok(j) => j,
            Err(e) => {
                tracing::warn!(error = %e, %server, "cannot serialize a key document to store it");
                return;
            }
        };
        let keys: Vec<(&str, i64)> = doc
            .keys
            .iter()
            .map(|(id, _, until)| (id.as_str(), *until))
            .collect();
        if let Err(e) =
            store::server_keys::store_document(db, server.as_str(), from, fetched_at, &keys, &json)
                .await
        {
            tracing::warn!(error = %e, %server, %from, "cannot store a key document");
        }
    }

    /// Reads what the database holds for (server, key id) that may serve `at_ts` into the
    /// cache: each such document checked again, its keys capped at 7 days from when it was
    /// fetched.
    async fn load_stored(&self, server: &ServerName, key_id: &str, at_ts: i64) {
        let Some(db) = &self.store else {
            return;
        };
        let rows = match store::server_keys::documents_with_key(db, server.as_str(), key_id).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, %server, "cannot read stored key documents");
                return;
            }
        };
        for row in rows {
            // Not worth checking a document that cannot serve `at_ts` anyway.
            if row
                .ts_valid_until_ms
                .min(row.ts_added_ms.saturating_add(MAX_VALIDITY_MS))
                < at_ts
            {
                continue;
            }
            match parse_stored(&row.key_json).and_then(|obj| check_document(obj, server)) {
                Ok(doc) => self.remember(server, doc.usable(row.ts_added_ms)),
                Err(e) => tracing::warn!(
                    %server, from = %row.from_server, reason = %e,
                    "a stored key document does not verify; ignored"
                ),
            }
        }
    }

    /// Runs `work` (a fetch from `server`) when no other fetch from `server` is running.
    pub(super) async fn one_at_a_time<T>(
        &self,
        server: &ServerName,
        work: impl Future<Output = T>,
    ) -> T {
        let gate = self
            .fetching
            .lock()
            .expect("lock")
            .entry(server.to_owned())
            .or_default()
            .clone();
        let result = {
            let _turn = gate.lock().await;
            work.await
        };
        // The gate goes when no other lookup holds it (clones are made under this lock).
        let mut fetching = self.fetching.lock().expect("lock");
        if Arc::strong_count(&gate) <= 2
            && fetching.get(server).is_some_and(|g| Arc::ptr_eq(g, &gate))
        {
            fetching.remove(server);
        }
        result
    }

    /// Why `server` may not be asked now: it was asked less than `REFETCH_INTERVAL_MS` ago.
    pub(super) fn asked_recently(&self, server: &ServerName) -> Option<String> {
        let now = (self.now)();
        let at = *self.asked.lock().expect("lock").get(server)?;
        (now - at < REFETCH_INTERVAL_MS).then(|| {
            format!(
                "{server} was asked {} ms ago, and is not asked again within {REFETCH_INTERVAL_MS} ms",
                now - at
            )
        })
    }

    /// Records that `server` was just asked.
    pub(super) fn mark_asked(&self, server: &ServerName) {
        let now = (self.now)();
        let mut asked = self.asked.lock().expect("lock");
        if asked.len() >= ASKED_PRUNE_AT {
            asked.retain(|_, at| now - *at < REFETCH_INTERVAL_MS);
        }
        asked.insert(server.to_owned(), now);
    }

    /// The public key `key_id` of `origin`, usable at `at_ts` (ms): from the cache, else the
    /// database, else `origin` itself, else the notaries (those two at most once per
    /// `REFETCH_INTERVAL_MS`). Requests go out through `client`, signed with `signing_key`.
    pub async fn server_key(
        &self,
        client: &FederationClient,
        signing_key: &SigningKey,
        origin: &ServerName,
        key_id: &str,
        at_ts: i64,
    ) -> Result<Base64, KeyError> {
        if !key_id.starts_with("ed25519:") || key_id.len() == "ed25519:".len() {
            return Err(KeyError::UnsupportedKeyId(key_id.to_string()));
        }
        if let Some(k) = self.cached_at(origin, key_id, at_ts) {
            return Ok(k);
        }
        self.load_stored(origin, key_id, at_ts).await;
        if let Some(k) = self.cached_at(origin, key_id, at_ts) {
            return Ok(k);
        }
        self.one_at_a_time(
            origin,
            self.fetch(client, signing_key, origin, key_id, at_ts),
        )
        .await
    }

    /// Fetches `origin`'s keys ahead of need, unless one of them is cached and valid now: a
    /// join through `origin` verifies its events next, and the fetch overlaps make_join and
    /// send_join instead of waiting in front of the first check. Not recorded as asked, so
    /// a key its document lacks is still looked for everywhere when it is needed.
    pub async fn prefetch(
        &self,
        client: &FederationClient,
        signing_key: &SigningKey,
        origin: &ServerName,
    ) {
        let has_key = || {
            let now = (self.now)();
            self.cache
                .lock()
                .expect("lock")
                .iter()
                .any(|((server, _), k)| server == origin && k.usable_at(now))
        };
        if has_key() {
            return;
        }
        self.one_at_a_time(origin, async {
            if has_key() || self.asked_recently(origin).is_some() {
                return;
            }
            match self.fetch_direct(client, signing_key, origin).await {
                Ok((doc, fetched_at)) => {
                    self.keep(origin, origin.as_str(), doc, fetched_at).await;
                }
                Err(e) => {
                    tracing::debug!(%origin, error = %e, "fetching a server's keys ahead failed")
                }
            }
        })
        .await
    }

    /// The lookup's fetch, one at a time per server.
    async fn fetch(
        &self,
        client: &FederationClient,
        signing_key: &SigningKey,
        origin: &ServerName,
        key_id: &str,
        at_ts: i64,
    ) -> Result<Base64, KeyError> {
        // Another lookup may have fetched it while this one waited.
        if let Some(k) = self.cached_at(origin, key_id, at_ts) {
            return Ok(k);
        }
        let not_found = |tried| KeyError::NotFound {
            server: origin.to_owned(),
            key_id: key_id.to_string(),
            at_ts,
            tried,
        };
        if let Some(why) = self.asked_recently(origin) {
            return Err(not_found(vec![why]));
        }
        let found = self
            .fetch_everywhere(client, signing_key, origin, key_id, at_ts)
            .await;
        self.mark_asked(origin);
        found.map_err(not_found)
    }

    /// Asks `origin`, then each notary, until one gives the key; else what each answered.
    async fn fetch_everywhere(
        &self,
        client: &FederationClient,
        signing_key: &SigningKey,
        origin: &ServerName,
        key_id: &str,
        at_ts: i64,
    ) -> Result<Base64, Vec<String>> {
        let mut tried = Vec::new();
        match self.fetch_direct(client, signing_key, origin).await {
            Ok((doc, fetched_at)) => {
                self.keep(origin, origin.as_str(), doc, fetched_at).await;
                if let Some(k) = self.cached_at(origin, key_id, at_ts) {
                    return Ok(k);
                }
                tried.push(format!("{origin}: not in its answer"));
            }
            Err(e) => tried.push(e.to_string()),
        }
        for notary in &self.notaries {
            match self
                .fetch_from_notary(client, signing_key, notary, origin, key_id, at_ts)
                .await
            {
                Ok((docs, fetched_at)) => {
                    for doc in docs {
                        self.keep(origin, &notary.server_name, doc, fetched_at)
                            .await;
                    }
                    if let Some(k) = self.cached_at(origin, key_id, at_ts) {
                        return Ok(k);
                    }
                    tried.push(format!("notary {}: not in its answer", notary.server_name));
                }
                Err(e) => tried.push(format!("notary {}: {e}", notary.server_name)),
            }
        }
        Err(tried)
    }

    /// `GET /_matrix/key/v2/server` on `server`: its checked document, and when it came.
    pub(super) async fn fetch_direct(
        &self,
        client: &FederationClient,
        signing_key: &SigningKey,
        server: &ServerName,
    ) -> Result<(CheckedDocument, i64), KeyError> {
        let invalid = |reason: String| KeyError::Invalid {
            server: server.to_string(),
            from: server.to_string(),
            reason,
        };
        let doc = client
            .get_json(signing_key, server, SERVER_PATH)
            .await
            .map_err(|e| invalid(format!("fetch failed: {e}")))?;
        let fetched_at = (self.now)();
        let doc = to_canonical(&doc)
            .and_then(|obj| check_document(obj, server))
            .map_err(invalid)?;
        // Whether any key of it is usable now is the caller's question (an expired document
        // still serves earlier timestamps).
        Ok((doc, fetched_at))
    }

    /// `POST /_matrix/key/v2/query` on `notary` for (`origin`, `key_id`): the checked documents
    /// about `origin` (others are ignored), each signed by the notary, and when they came.
    async fn fetch_from_notary(
        &self,
        client: &FederationClient,
        signing_key: &SigningKey,
        notary: &TrustedKeyServer,
        origin: &ServerName,
        key_id: &str,
        at_ts: i64,
    ) -> Result<(Vec<CheckedDocument>, i64), KeyError> {
        let invalid = |reason: String| KeyError::Invalid {
            server: origin.to_string(),
            from: notary.server_name.clone(),
            reason,
        };
        let notary_name = ServerName::parse(&notary.server_name)
            .map_err(|e| invalid(format!("not a server name: {e}")))?;
        let notary_keys = self
            .notary_keys(client, signing_key, notary, &notary_name)
            .await?;
        let body =
            json!({"server_keys": {origin.as_str(): {key_id: {"minimum_valid_until_ts": at_ts}}}});
        let answer = client
            .request_json(
                signing_key,
                http::Method::POST,
                &notary_name,
                QUERY_PATH,
                Some(&body),
            )
            .await
            .map_err(|e| invalid(format!("query failed: {e}")))?;
        let fetched_at = (self.now)();
        let docs = answer
            .get("server_keys")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("no server_keys list in the answer".into()))?;
        let mut checked = Vec::new();
        let mut problems = Vec::new();
        for doc in docs {
            if doc.get("server_name").and_then(Value::as_str) != Some(origin.as_str()) {
                continue;
            }
            let result = to_canonical(doc).and_then(|obj| {
                if let Some(nk) = &notary_keys {
                    check_signed_by(&obj, notary_name.as_str(), nk)
                        .map_err(|e| format!("notary signature: {e}"))?;
                }
                check_document(obj, origin)
            });
            match result {
                Ok(d) => checked.push(d),
                Err(e) => problems.push(e),
            }
        }
        if checked.is_empty() && !problems.is_empty() {
            return Err(invalid(problems.join("; ")));
        }
        Ok((checked, fetched_at))
    }

    /// The keys a notary's answers must be signed with: its configured `verify_keys`; when
    /// none are configured, none (`accept_keys_insecurely`) or its current keys fetched
    /// directly from it.
    async fn notary_keys(
        &self,
        client: &FederationClient,
        signing_key: &SigningKey,
        notary: &TrustedKeyServer,
        notary_name: &ServerName,
    ) -> Result<Option<BTreeMap<String, Base64>>, KeyError> {
        if !notary.verify_keys.is_empty() {
            let mut keys = BTreeMap::new();
            for (id, key) in &notary.verify_keys {
                let key = decode_key(key).map_err(|reason| KeyError::Invalid {
                    server: notary.server_name.clone(),
                    from: "the configuration".into(),
                    reason: format!("verify_keys {id}: {reason}"),
                })?;
                keys.insert(id.clone(), key);
            }
            return Ok(Some(keys));
        }
        if notary.accept_keys_insecurely {
            return Ok(None);
        }
        let now = (self.now)();
        let usable = || -> BTreeMap<String, Base64> {
            self.cache
                .lock()
                .expect("lock")
                .iter()
                .filter(|((server, _), k)| {
                    server.as_str() == notary_name.as_str() && k.usable_at(now)
                })
                .map(|((_, id), k)| (id.clone(), k.public_key.clone()))
                .collect()
        };
        let cached = usable();
        if !cached.is_empty() {
            return Ok(Some(cached));
        }
        let (doc, fetched_at) = self.fetch_direct(client, signing_key, notary_name).await?;
        self.keep(notary_name, notary_name.as_str(), doc, fetched_at)
            .await;
        Ok(Some(usable()))
    }

    /// Authenticates an inbound federation request from its `Authorization` header (see
    /// `auth::authenticate`), the origin's key looked up here and valid now.
    #[allow(clippy::too_many_arguments)]
    pub async fn authenticate_request(
        &self,
        client: &FederationClient,
        signing_key: &SigningKey,
        us: &ServerName,
        authorization: Option<&str>,
        method: &http::Method,
        path_and_query: &str,
        content: &[u8],
    ) -> Result<Authenticated, AuthError> {
        let now = (self.now)();
        auth::authenticate(
            authorization,
            us,
            method,
            path_and_query,
            content,
            |origin, key| async move {
                self.server_key(client, signing_key, &origin, key.as_str(), now)
                    .await
                    .ok()
                    .map(|k| k.encode())
            },
        )
        .await
    }
}

/// A stored document as canonical JSON.
pub(super) fn parse_stored(json: &str) -> Result<CanonicalJsonObject, String> {
    serde_json::from_str(json).map_err(|e| format!("not canonical JSON: {e}"))
}

/// Unpadded (or padded) standard base64 of a 32-byte ed25519 key.
fn decode_key(s: &str) -> Result<Base64, String> {
    let key = Base64::<ruma::serde::base64::Standard>::parse(s.trim_end_matches('='))
        .map_err(|e| format!("not base64: {e}"))?;
    if key.as_bytes().len() != 32 {
        return Err(format!(
            "an ed25519 key is 32 bytes, not {}",
            key.as_bytes().len()
        ));
    }
    Ok(key)
}

fn to_canonical(doc: &Value) -> Result<CanonicalJsonObject, String> {
    if !doc.is_object() {
        return Err("not a JSON object".into());
    }
    serde_json::from_value(doc.clone()).map_err(|e| format!("not canonical JSON: {e}"))
}

/// Checks that `obj` carries at least one signature of `entity` by a key of `keys`, and that
/// every signature of `entity` by a key of `keys` is valid.
fn check_signed_by(
    obj: &CanonicalJsonObject,
    entity: &str,
    keys: &BTreeMap<String, Base64>,
) -> Result<(), String> {
    let Some(CanonicalJsonValue::Object(sigs)) = obj
        .get("signatures")
        .and_then(|s| match s {
            CanonicalJsonValue::Object(m) => m.get(entity),
            _ => None,
        })
        .cloned()
    else {
        return Err(format!("not signed by {entity}"));
    };
    let canonical = to_canonical_json_string_for_signing(obj)
        .map_err(|e| format!("cannot canonicalise: {e}"))?;
    let mut verified = false;
    for (key_id, sig) in &sigs {
        let Some(public) = keys.get(key_id) else {
            continue;
        };
        let CanonicalJsonValue::String(sig) = sig else {
            return Err(format!("signature {entity} {key_id} is not a string"));
        };
        let sig = Base64::<ruma::serde::base64::Standard>::parse(sig.trim_end_matches('='))
            .map_err(|e| format!("signature {entity} {key_id} is not base64: {e}"))?;
        verify_canonical_json_bytes(
            &SigningKeyAlgorithm::Ed25519,
            public.as_bytes(),
            sig.as_bytes(),
            canonical.as_bytes(),
        )
        .map_err(|e| format!("bad signature {entity} {key_id}: {e}"))?;
        verified = true;
    }
    if verified {
        Ok(())
    } else {
        Err(format!("not signed by {entity} with a known key"))
    }
}

fn ed25519_entries<'a>(
    obj: &'a CanonicalJsonObject,
    field: &str,
) -> Result<Vec<(&'a String, &'a CanonicalJsonObject)>, String> {
    let map = match obj.get(field) {
        None => return Ok(Vec::new()),
        Some(CanonicalJsonValue::Object(m)) => m,
        Some(_) => return Err(format!("{field} is not an object")),
    };
    let mut out = Vec::new();
    for (id, v) in map {
        // Keys of other algorithms are ignored, as Synapse does.
        if !id.starts_with("ed25519:") {
            continue;
        }
        match v {
            CanonicalJsonValue::Object(o) => out.push((id, o)),
            _ => return Err(format!("{field}.{id} is not an object")),
        }
    }
    Ok(out)
}

fn key_of(entry: &CanonicalJsonObject, field: &str, id: &str) -> Result<Base64, String> {
    match entry.get("key") {
        Some(CanonicalJsonValue::String(s)) => {
            decode_key(s).map_err(|e| format!("{field}.{id}.key: {e}"))
        }
        _ => Err(format!("{field}.{id}.key is not a string")),
    }
}

/// Checks a server key document as received for `server` at `now` (ms) and returns its keys
/// with the timestamps up to which each may be used: the document must name `server`, be
/// self-signed by one of its `verify_keys` (every such signature valid) and have an integer
/// `valid_until_ts`. Current keys are usable up to min(valid_until_ts, now + 7 days); old ones
/// up to their `expired_ts` (same cap).
pub fn verify_key_document(
    doc: &Value,
    server: &ServerName,
    now: i64,
) -> Result<Vec<VerifiedKey>, String> {
    Ok(check_document(to_canonical(doc)?, server)?.usable(now))
}

/// `verify_key_document`'s checks, keeping the document and the validity it states.
pub(super) fn check_document(
    obj: CanonicalJsonObject,
    server: &ServerName,
) -> Result<CheckedDocument, String> {
    match obj.get("server_name") {
        Some(CanonicalJsonValue::String(s)) if s == server.as_str() => {}
        Some(CanonicalJsonValue::String(s)) => {
            return Err(format!("server_name is {s:?}, not {server:?}"));
        }
        _ => return Err("no server_name".into()),
    }
    let valid_until = match obj.get("valid_until_ts") {
        Some(CanonicalJsonValue::Integer(i)) => i64::from(*i),
        _ => return Err("valid_until_ts is not an integer".into()),
    };
    let listed = ed25519_entries(&obj, "verify_keys")?;
    let old = ed25519_entries(&obj, "old_verify_keys")?;
    if listed.len() + old.len() > MAX_KEYS_PER_DOCUMENT {
        return Err(format!("more than {MAX_KEYS_PER_DOCUMENT} keys"));
    }
    let mut current = BTreeMap::new();
    for (id, entry) in listed {
        current.insert(id.clone(), key_of(entry, "verify_keys", id)?);
    }
    if current.is_empty() {
        return Err("no ed25519 verify_keys".into());
    }
    check_signed_by(&obj, server.as_str(), &current)?;
    let mut keys = Vec::new();
    for (id, entry) in old {
        if current.contains_key(id) {
            continue;
        }
        let expired = match entry.get("expired_ts") {
            Some(CanonicalJsonValue::Integer(i)) => i64::from(*i),
            _ => return Err(format!("old_verify_keys.{id}.expired_ts is not an integer")),
        };
        keys.push((id.clone(), key_of(entry, "old_verify_keys", id)?, expired));
    }
    keys.extend(
        current
            .into_iter()
            .map(|(key_id, public_key)| (key_id, public_key, valid_until)),
    );
    Ok(CheckedDocument { json: obj, keys })
}

impl crate::service::Services {
    /// The public key `key_id` of `origin` usable at `at_ts` (ms), to verify its requests and
    /// PDUs: cache, then the database, then `origin`, then the notaries.
    pub async fn server_key(
        &self,
        origin: &ServerName,
        key_id: &str,
        at_ts: i64,
    ) -> Result<Base64, KeyError> {
        self.server_key_ring
            .server_key(&self.federation, &self.signing_key, origin, key_id, at_ts)
            .await
    }

    /// Fetches `origin`'s keys ahead of need (see `KeyRing::prefetch`).
    pub async fn prefetch_server_keys(&self, origin: &ServerName) {
        self.server_key_ring
            .prefetch(&self.federation, &self.signing_key, origin)
            .await
    }

    /// Authenticates an inbound federation request (X-Matrix header, origin's key, signature),
    /// for the inbound extractor.
    pub async fn authenticate_federation_request(
        &self,
        authorization: Option<&str>,
        method: &http::Method,
        path_and_query: &str,
        content: &[u8],
    ) -> Result<Authenticated, AuthError> {
        let us = ServerName::parse(&self.config.server_name)
            .map_err(|e| AuthError::Malformed(format!("our server_name: {e}")))?;
        self.server_key_ring
            .authenticate_request(
                &self.federation,
                &self.signing_key,
                &us,
                authorization,
                method,
                path_and_query,
                content,
            )
            .await
    }
}
