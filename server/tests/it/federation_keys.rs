//! Other servers' signing keys (issue 13): real HTTPS "remote servers" on loopback (a
//! throwaway CA trusted through the custom CA list, 127.0.0.1 whitelisted), addressed by IP
//! literal, serving key documents signed with test keys; the key ring fetches, verifies and
//! caches them (in memory and in the database), falls back to notaries, refuses what does not
//! verify, and asks a server at most once a minute. The harness is shared with
//! `federation_notary.rs`.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::join_all;
use matrixd::config::{
    DEFAULT_IP_RANGE_BLACKLIST, Database, FederationTlsConfig, PostgresArgs, TrustedKeyServer,
};
use matrixd::keys::SigningKey;
use matrixd::service::federation::{
    Discovery, FederationClient, KeyError, KeyRing, SystemDns, auth, keys,
};
use matrixd::service::safe_http::IpPolicy;
use matrixd::store::{Db, server_keys};
use ruma::{CanonicalJsonObject, OwnedServerName, ServerName};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{self, Engine, Home};

pub(crate) const HOUR: i64 = 60 * 60 * 1000;
pub(crate) const DAY: i64 = 24 * HOUR;

/// What a fake remote server answers, and what it was asked.
#[derive(Default)]
pub(crate) struct Remote {
    /// The `/_matrix/key/v2/server` answer; `None` answers 503 (the server is "down").
    pub key_doc: Mutex<Option<Value>>,
    /// The `/_matrix/key/v2/query` answer; `None` answers 503.
    pub query_answer: Mutex<Option<Value>>,
    pub key_hits: AtomicUsize,
    pub query_hits: AtomicUsize,
    pub query_bodies: Mutex<Vec<Value>>,
}

pub(crate) struct Served {
    pub name: OwnedServerName,
    pub remote: Arc<Remote>,
}

/// A throwaway CA, and a certificate from it for 127.0.0.1 with its key (all PEM).
pub(crate) fn ca_and_cert() -> (String, String, String) {
    let p = testkit::throwaway_pki("matrixd keys test CA", &["127.0.0.1"]);
    (p.ca_pem, p.cert_pem, p.key_pem)
}

/// A fake remote server on 127.0.0.1 (HTTPS with `cert_pem`), answering the key endpoints.
pub(crate) async fn serve(cert_pem: &str, key_pem: &str) -> Served {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let remote: Arc<Remote> = Arc::default();
    let r = remote.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let r = r.clone();
        async move {
            let path = req.uri().path().to_string();
            let body = axum::body::to_bytes(req.into_body(), 1 << 20)
                .await
                .unwrap();
            let answer = match path.as_str() {
                "/_matrix/key/v2/server" => {
                    r.key_hits.fetch_add(1, Ordering::SeqCst);
                    r.key_doc.lock().unwrap().clone()
                }
                "/_matrix/key/v2/query" => {
                    r.query_hits.fetch_add(1, Ordering::SeqCst);
                    r.query_bodies
                        .lock()
                        .unwrap()
                        .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
                    r.query_answer.lock().unwrap().clone()
                }
                _ => None,
            };
            let (status, body) = match answer {
                Some(v) => (200, v.to_string()),
                None => (503, json!({"errcode": "M_UNKNOWN"}).to_string()),
            };
            axum::response::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap()
        }
    });
    let cfg = axum_server::tls_rustls::RustlsConfig::from_pem(
        cert_pem.as_bytes().to_vec(),
        key_pem.as_bytes().to_vec(),
    )
    .await
    .unwrap();
    let server = axum_server::tls_rustls::from_tcp_rustls(listener, cfg).unwrap();
    tokio::spawn(async move { server.serve(app.into_make_service()).await });
    Served {
        name: ServerName::parse(format!("127.0.0.1:{port}")).unwrap(),
        remote,
    }
}

/// The fake origin and notary, with their keys, and the client that reaches them.
pub(crate) struct World {
    pub origin: Served,
    pub notary: Served,
    pub client: FederationClient,
    /// The CA the fake servers' certificate comes from (PEM).
    pub ca_pem: String,
    /// Our own key, which signs outbound requests.
    pub ours: SigningKey,
    /// The origin's and the notary's signing keys.
    pub origin_key: SigningKey,
    pub notary_key: SigningKey,
}

pub(crate) async fn world() -> World {
    let (ca, cert, key) = ca_and_cert();
    let origin = serve(&cert, &key).await;
    let notary = serve(&cert, &key).await;
    let policy = IpPolicy {
        layers: vec![(
            DEFAULT_IP_RANGE_BLACKLIST
                .iter()
                .map(|s| s.parse().unwrap())
                .collect(),
            vec!["127.0.0.1/32".parse().unwrap()],
        )],
        always_allow: vec![],
    };
    let tls = FederationTlsConfig {
        custom_ca_pem: vec![ca.clone().into_bytes()],
        ..Default::default()
    };
    let mut client = FederationClient::new(
        "us.test",
        Discovery::new(Arc::new(SystemDns::default()), Arc::new(policy), tls),
    );
    client.timeout = Duration::from_secs(10);
    World {
        origin,
        notary,
        client,
        ca_pem: ca,
        ours: SigningKey::generate(),
        origin_key: SigningKey::generate(),
        notary_key: SigningKey::generate(),
    }
}

/// A clock the test moves (ms since the epoch), for `KeyRing::with_clock`.
#[derive(Clone)]
pub(crate) struct Clock(Arc<AtomicI64>);

impl Clock {
    pub fn at(ms: i64) -> Clock {
        Clock(Arc::new(AtomicI64::new(ms)))
    }
    pub fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
    /// `ring` reading this clock.
    pub fn ring(&self, ring: KeyRing) -> KeyRing {
        let c = self.clone();
        ring.with_clock(move || c.now())
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// `doc` signed as `server` with `key`.
pub(crate) fn signed(server: &str, key: &SigningKey, doc: Value) -> Value {
    let mut obj: CanonicalJsonObject = serde_json::from_value(doc).unwrap();
    key.sign_json(server, &mut obj).unwrap();
    serde_json::to_value(obj).unwrap()
}

/// A key document for `server` publishing `key`, valid until `valid_until`, self-signed.
pub(crate) fn key_doc(server: &str, key: &SigningKey, valid_until: i64, old: Value) -> Value {
    signed(
        server,
        key,
        json!({
            "server_name": server,
            "valid_until_ts": valid_until,
            "verify_keys": {key.key_id(): {"key": key.public_key_base64()}},
            "old_verify_keys": old,
        }),
    )
}

fn notary_config(w: &World, with_keys: bool) -> TrustedKeyServer {
    TrustedKeyServer {
        server_name: w.notary.name.to_string(),
        verify_keys: if with_keys {
            vec![(w.notary_key.key_id(), w.notary_key.public_key_base64())]
        } else {
            vec![]
        },
        accept_keys_insecurely: false,
    }
}

impl World {
    pub async fn lookup(&self, ring: &KeyRing, key_id: &str, at: i64) -> Result<Vec<u8>, KeyError> {
        ring.server_key(&self.client, &self.ours, &self.origin.name, key_id, at)
            .await
            .map(|k| k.as_bytes().to_vec())
    }
    pub fn set_origin_doc(&self, doc: Option<Value>) {
        *self.origin.remote.key_doc.lock().unwrap() = doc;
    }
    pub fn origin_hits(&self) -> usize {
        self.origin.remote.key_hits.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn a_key_is_fetched_from_its_server_verified_and_cached() {
    let w = world().await;
    let now = now_ms();
    let origin = w.origin.name.to_string();
    w.set_origin_doc(Some(key_doc(&origin, &w.origin_key, now + DAY, json!({}))));
    let clock = Clock::at(now);
    let ring = clock.ring(KeyRing::new(vec![]));
    let kid = w.origin_key.key_id();

    let k = w.lookup(&ring, &kid, now).await.unwrap();
    assert_eq!(k, w.origin_key.public_key());
    assert_eq!(w.origin_hits(), 1);
    // The second lookup, and one for an earlier timestamp, come from the cache.
    assert_eq!(w.lookup(&ring, &kid, now).await.unwrap(), k);
    assert_eq!(w.lookup(&ring, &kid, now - HOUR).await.unwrap(), k);
    assert_eq!(w.origin_hits(), 1);
    let cached = ring.cached(&w.origin.name, &kid).unwrap();
    assert_eq!(cached.valid_until_ts, now + DAY);

    // A timestamp past the key's validity asks again once the minute since the last fetch
    // has passed, and fails: the answer has not changed.
    clock.advance(keys::REFETCH_INTERVAL_MS);
    let e = w.lookup(&ring, &kid, now + 2 * DAY).await.unwrap_err();
    assert!(matches!(e, KeyError::NotFound { .. }), "{e}");
    assert_eq!(w.origin_hits(), 2);

    // An unknown key id is not found; an unsupported one is not even asked for.
    clock.advance(keys::REFETCH_INTERVAL_MS);
    let e = w.lookup(&ring, "ed25519:nope", now).await.unwrap_err();
    assert!(matches!(e, KeyError::NotFound { .. }), "{e}");
    assert_eq!(w.origin_hits(), 3);
    clock.advance(keys::REFETCH_INTERVAL_MS);
    let e = w.lookup(&ring, "curve25519:x", now).await.unwrap_err();
    assert!(matches!(e, KeyError::UnsupportedKeyId(_)), "{e}");
    assert_eq!(w.origin_hits(), 3);

    // Concurrent lookups of a fresh ring share one fetch.
    let ring = KeyRing::new(vec![]);
    let (a, b) = tokio::join!(w.lookup(&ring, &kid, now), w.lookup(&ring, &kid, now));
    assert_eq!(a.unwrap(), b.unwrap());
    assert_eq!(w.origin_hits(), 4);
}

#[tokio::test]
async fn a_prefetch_fetches_once_and_lookups_then_use_it() {
    let w = world().await;
    let now = now_ms();
    let origin = w.origin.name.to_string();
    let kid = w.origin_key.key_id();
    w.set_origin_doc(Some(key_doc(&origin, &w.origin_key, now + DAY, json!({}))));
    let clock = Clock::at(now);
    let ring = clock.ring(KeyRing::new(vec![]));

    // Concurrent with a lookup, the two share one fetch; after it, neither fetches again.
    let (_, found) = tokio::join!(
        ring.prefetch(&w.client, &w.ours, &w.origin.name),
        w.lookup(&ring, &kid, now)
    );
    assert_eq!(found.unwrap(), w.origin_key.public_key());
    assert_eq!(w.origin_hits(), 1);
    ring.prefetch(&w.client, &w.ours, &w.origin.name).await;
    assert_eq!(
        w.origin_hits(),
        1,
        "a valid key is cached: nothing to fetch"
    );

    // Once the cached keys have expired it fetches again, and records no ask: a key id the
    // answer lacks is still looked for at once.
    clock.advance(2 * DAY);
    w.set_origin_doc(Some(key_doc(
        &origin,
        &w.origin_key,
        now + 4 * DAY,
        json!({}),
    )));
    ring.prefetch(&w.client, &w.ours, &w.origin.name).await;
    assert_eq!(w.origin_hits(), 2);
    assert_eq!(
        ring.cached(&w.origin.name, &kid).unwrap().valid_until_ts,
        now + 4 * DAY
    );
    let e = w
        .lookup(&ring, "ed25519:other", now + 2 * DAY)
        .await
        .unwrap_err();
    assert!(matches!(e, KeyError::NotFound { .. }), "{e}");
    assert_eq!(w.origin_hits(), 3);

    // An unreachable server: the prefetch gives up quietly.
    w.set_origin_doc(None);
    let fresh = KeyRing::new(vec![]);
    fresh.prefetch(&w.client, &w.ours, &w.origin.name).await;
    assert!(fresh.cached(&w.origin.name, &kid).is_none());
}

#[tokio::test]
async fn validity_is_capped_at_seven_days() {
    let w = world().await;
    let now = now_ms();
    let origin = w.origin.name.to_string();
    w.set_origin_doc(Some(key_doc(
        &origin,
        &w.origin_key,
        now + 30 * DAY,
        json!({}),
    )));
    let ring = KeyRing::new(vec![]).with_clock(move || now);
    let kid = w.origin_key.key_id();
    w.lookup(&ring, &kid, now).await.unwrap();
    assert_eq!(
        ring.cached(&w.origin.name, &kid).unwrap().valid_until_ts,
        now + keys::MAX_VALIDITY_MS
    );
    let e = w.lookup(&ring, &kid, now + 8 * DAY).await.unwrap_err();
    assert!(matches!(e, KeyError::NotFound { .. }), "{e}");
}

#[tokio::test]
async fn bad_documents_are_refused() {
    let w = world().await;
    let now = now_ms();
    let origin = w.origin.name.to_string();
    let kid = w.origin_key.key_id();
    let other = SigningKey::generate();
    let good = key_doc(&origin, &w.origin_key, now + DAY, json!({}));

    let mut tampered = good.clone();
    tampered["valid_until_ts"] = json!(now + 2 * DAY);
    // Lists the origin's key but is signed by another key under the same key id.
    let forged = {
        let obj: CanonicalJsonObject = serde_json::from_value(json!({
            "server_name": origin,
            "valid_until_ts": now + DAY,
            "verify_keys": {kid.clone(): {"key": w.origin_key.public_key_base64()}},
        }))
        .unwrap();
        let sig = other.sign_bytes(
            ruma::signatures::to_canonical_json_string_for_signing(&obj)
                .unwrap()
                .as_bytes(),
        );
        let mut v = serde_json::to_value(&obj).unwrap();
        v["signatures"] = json!({origin.clone(): {kid.clone(): base64_unpadded(&sig)}});
        v
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        ("tampered", tampered, "bad signature"),
        ("forged", forged, "bad signature"),
        (
            "wrong server_name",
            key_doc("evil.test", &w.origin_key, now + DAY, json!({})),
            "server_name is",
        ),
        (
            "expired",
            key_doc(&origin, &w.origin_key, now - HOUR, json!({})),
            "not in its answer",
        ),
        (
            "unsigned",
            json!({"server_name": origin, "valid_until_ts": now + DAY,
                   "verify_keys": {kid.clone(): {"key": w.origin_key.public_key_base64()}}}),
            "not signed by",
        ),
        (
            "signed by a key it does not list",
            signed(
                &origin,
                &w.origin_key,
                json!({"server_name": origin, "valid_until_ts": now + DAY,
                       "verify_keys": {other.key_id(): {"key": other.public_key_base64()}}}),
            ),
            "not signed by",
        ),
        (
            "float valid_until_ts",
            json!({"server_name": origin, "valid_until_ts": 1.5,
                   "verify_keys": {kid.clone(): {"key": w.origin_key.public_key_base64()}}}),
            "not canonical JSON",
        ),
        ("not an object", json!([1, 2]), "not a JSON object"),
        (
            "too many keys",
            key_doc(
                &origin,
                &w.origin_key,
                now + DAY,
                Value::Object(
                    (0..keys::MAX_KEYS_PER_DOCUMENT)
                        .map(|i| {
                            (
                                format!("ed25519:old{i}"),
                                json!({"key": other.public_key_base64(), "expired_ts": now}),
                            )
                        })
                        .collect(),
                ),
            ),
            "more than 64 keys",
        ),
        (
            "short key",
            signed(
                &origin,
                &w.origin_key,
                json!({"server_name": origin, "valid_until_ts": now + DAY,
                       "verify_keys": {kid.clone(): {"key": "AAAA"}}}),
            ),
            "32 bytes",
        ),
    ];
    for (what, doc, reason) in cases {
        w.set_origin_doc(Some(doc));
        let ring = KeyRing::new(vec![]);
        let e = w.lookup(&ring, &kid, now).await.unwrap_err();
        assert!(matches!(e, KeyError::NotFound { .. }), "{what}: {e}");
        assert!(e.to_string().contains(reason), "{what}: {e}");
        // Nothing usable now is cached (an expired document's key stays usable for earlier
        // timestamps, as its valid_until_ts says).
        let cached = ring.cached(&w.origin.name, &kid);
        assert!(!cached.is_some_and(|k| k.usable_at(now)), "{what}");
    }
    // The good one passes, so the failures above are the documents'.
    w.set_origin_doc(Some(good));
    let ring = KeyRing::new(vec![]);
    assert_eq!(
        w.lookup(&ring, &kid, now).await.unwrap(),
        w.origin_key.public_key()
    );
}

fn base64_unpadded(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn a_notary_answers_when_the_origin_is_down() {
    let w = world().await;
    let now = now_ms();
    let origin = w.origin.name.to_string();
    let notary = w.notary.name.to_string();
    let kid = w.origin_key.key_id();
    w.set_origin_doc(None);
    let doc = key_doc(&origin, &w.origin_key, now + DAY, json!({}));
    let notarised = signed(&notary, &w.notary_key, doc.clone());
    *w.notary.remote.query_answer.lock().unwrap() = Some(json!({"server_keys": [notarised]}));

    let ring = KeyRing::new(vec![notary_config(&w, true)]);
    let k = w.lookup(&ring, &kid, now).await.unwrap();
    assert_eq!(k, w.origin_key.public_key());
    assert_eq!(w.origin_hits(), 1);
    assert_eq!(w.notary.remote.query_hits.load(Ordering::SeqCst), 1);
    let body = w.notary.remote.query_bodies.lock().unwrap()[0].clone();
    assert_eq!(
        body,
        json!({"server_keys": {origin.clone(): {kid.clone(): {"minimum_valid_until_ts": now}}}})
    );
    // Cached: neither is asked again.
    w.lookup(&ring, &kid, now).await.unwrap();
    assert_eq!(w.origin_hits(), 1);
    assert_eq!(w.notary.remote.query_hits.load(Ordering::SeqCst), 1);

    // Without configured verify_keys, the notary's own key is fetched from it directly.
    *w.notary.remote.key_doc.lock().unwrap() =
        Some(key_doc(&notary, &w.notary_key, now + DAY, json!({})));
    let clock = Clock::at(now);
    let ring = clock.ring(KeyRing::new(vec![notary_config(&w, false)]));
    assert_eq!(w.lookup(&ring, &kid, now).await.unwrap(), k);
    assert_eq!(w.notary.remote.key_hits.load(Ordering::SeqCst), 1);
    // The notary's keys are cached too: another lookup through it (a minute later, when the
    // origin may be asked again) does not fetch them again.
    clock.advance(keys::REFETCH_INTERVAL_MS);
    let queries = w.notary.remote.query_hits.load(Ordering::SeqCst);
    let e = w.lookup(&ring, "ed25519:other", now).await.unwrap_err();
    assert!(e.to_string().contains("not in its answer"), "{e}");
    assert_eq!(
        w.notary.remote.query_hits.load(Ordering::SeqCst),
        queries + 1
    );
    assert_eq!(w.notary.remote.key_hits.load(Ordering::SeqCst), 1);

    // A notary signature by another key is refused, as is a copy the notary did not sign
    // and one the notary signed but the origin did not.
    let impostor = SigningKey::generate();
    let bad_notary = {
        // The impostor signs under the notary's key id.
        let obj: CanonicalJsonObject = serde_json::from_value(doc.clone()).unwrap();
        let canonical = ruma::signatures::to_canonical_json_string_for_signing(&obj).unwrap();
        let sig = impostor.sign_bytes(canonical.as_bytes());
        let mut v = serde_json::to_value(&obj).unwrap();
        v["signatures"][notary.as_str()] = json!({w.notary_key.key_id(): base64_unpadded(&sig)});
        v
    };
    let not_origin_signed = signed(
        &notary,
        &w.notary_key,
        json!({"server_name": origin, "valid_until_ts": now + DAY,
               "verify_keys": {kid.clone(): {"key": w.origin_key.public_key_base64()}}}),
    );
    for (what, answer, reason) in [
        (
            "wrong notary signature",
            bad_notary,
            "notary signature: bad signature",
        ),
        (
            "not notarised",
            doc.clone(),
            "notary signature: not signed by",
        ),
        (
            "not signed by the origin",
            not_origin_signed,
            "not signed by",
        ),
    ] {
        *w.notary.remote.query_answer.lock().unwrap() = Some(json!({"server_keys": [answer]}));
        let ring = KeyRing::new(vec![notary_config(&w, true)]);
        let e = w.lookup(&ring, &kid, now).await.unwrap_err();
        assert!(e.to_string().contains(reason), "{what}: {e}");
        assert!(ring.cached(&w.origin.name, &kid).is_none(), "{what}");
    }
    // Hostile answers are errors, not panics.
    for answer in [
        json!({}),
        json!({"server_keys": "x"}),
        json!({"server_keys": [1, null]}),
    ] {
        *w.notary.remote.query_answer.lock().unwrap() = Some(answer.clone());
        let ring = KeyRing::new(vec![notary_config(&w, true)]);
        let e = w.lookup(&ring, &kid, now).await.unwrap_err();
        assert!(matches!(e, KeyError::NotFound { .. }), "{answer}: {e}");
    }
}

#[tokio::test]
async fn old_verify_keys_serve_timestamps_up_to_their_expiry() {
    let w = world().await;
    let now = now_ms();
    let origin = w.origin.name.to_string();
    let old = SigningKey::generate();
    w.set_origin_doc(Some(key_doc(
        &origin,
        &w.origin_key,
        now + DAY,
        json!({old.key_id(): {"key": old.public_key_base64(), "expired_ts": now - HOUR}}),
    )));
    let ring = KeyRing::new(vec![]);
    assert_eq!(
        w.lookup(&ring, &old.key_id(), now - 2 * HOUR)
            .await
            .unwrap(),
        old.public_key()
    );
    assert_eq!(
        w.lookup(&ring, &old.key_id(), now - HOUR).await.unwrap(),
        old.public_key()
    );
    let e = w.lookup(&ring, &old.key_id(), now).await.unwrap_err();
    assert!(matches!(e, KeyError::NotFound { .. }), "{e}");
}

#[tokio::test]
async fn x_matrix_requests_are_authenticated_with_fetched_keys() {
    let w = world().await;
    let now = now_ms();
    let origin = w.origin.name.to_string();
    w.set_origin_doc(Some(key_doc(&origin, &w.origin_key, now + DAY, json!({}))));
    let ring = KeyRing::new(vec![]);
    let us = ServerName::parse("us.test").unwrap();
    let get = http::Method::GET;
    let uri = "/_matrix/federation/v1/version";
    let header =
        auth::authorization_header(&w.origin_key, &w.origin.name, &us, &get, uri, b"").unwrap();
    let a = ring
        .authenticate_request(
            &w.client,
            &w.ours,
            &us,
            Some(header.to_str().unwrap()),
            &get,
            uri,
            b"",
        )
        .await
        .unwrap();
    assert_eq!(a.origin, w.origin.name);
    // Another path: the same header does not cover it.
    let e = ring
        .authenticate_request(
            &w.client,
            &w.ours,
            &us,
            Some(header.to_str().unwrap()),
            &get,
            "/_matrix/federation/v1/other",
            b"",
        )
        .await
        .unwrap_err();
    assert!(matches!(e, auth::AuthError::BadSignature(_)), "{e:?}");
    // Signed by a key the origin does not publish: unknown key.
    let stranger = SigningKey::generate();
    let header =
        auth::authorization_header(&stranger, &w.origin.name, &us, &get, uri, b"").unwrap();
    let e = ring
        .authenticate_request(
            &w.client,
            &w.ours,
            &us,
            Some(header.to_str().unwrap()),
            &get,
            uri,
            b"",
        )
        .await
        .unwrap_err();
    assert!(matches!(e, auth::AuthError::UnknownKey { .. }), "{e:?}");
}

/// Lookups of key ids the origin does not publish, concurrent or one after another, cost one
/// fetch a minute; so do lookups naming a server that does not answer, notaries included.
#[tokio::test]
async fn unknown_key_ids_and_unreachable_servers_cost_one_fetch_a_minute() {
    let w = world().await;
    let now = now_ms();
    let origin = w.origin.name.to_string();
    w.set_origin_doc(Some(key_doc(&origin, &w.origin_key, now + DAY, json!({}))));
    let clock = Clock::at(now);
    let ring = clock.ring(KeyRing::new(vec![]));
    let kid = w.origin_key.key_id();
    let not_found = |r: &Result<Vec<u8>, KeyError>| matches!(r, Err(KeyError::NotFound { .. }));

    // Twenty concurrent lookups of twenty made-up key ids: one fetch.
    let made_up: Vec<String> = (0..20).map(|i| format!("ed25519:made_up_{i}")).collect();
    let results = join_all(made_up.iter().map(|id| w.lookup(&ring, id, now))).await;
    assert!(results.iter().all(not_found), "{results:?}");
    assert_eq!(w.origin_hits(), 1);
    // The key it does publish came with that fetch.
    assert_eq!(
        w.lookup(&ring, &kid, now).await.unwrap(),
        w.origin_key.public_key()
    );
    // More within the minute, one after another: "not found" without asking.
    for i in 0..50 {
        let e = w
            .lookup(&ring, &format!("ed25519:later_{i}"), now)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not asked again"), "{e}");
    }
    assert_eq!(w.origin_hits(), 1);

    // A minute on, the origin is asked again, once, and a key it has since added is found.
    clock.advance(keys::REFETCH_INTERVAL_MS - 1);
    assert!(not_found(&w.lookup(&ring, "ed25519:new", now).await));
    assert_eq!(w.origin_hits(), 1);
    clock.advance(1);
    let added = SigningKey::generate();
    w.set_origin_doc(Some(key_doc(&origin, &added, now + DAY, json!({}))));
    let added_id = added.key_id();
    let (a, b, c) = tokio::join!(
        w.lookup(&ring, &added_id, now),
        w.lookup(&ring, &added_id, now),
        w.lookup(&ring, "ed25519:still_made_up", now),
    );
    assert_eq!(a.unwrap(), added.public_key());
    assert_eq!(b.unwrap(), added.public_key());
    assert!(not_found(&c));
    assert_eq!(w.origin_hits(), 2);

    // A server that does not answer: one attempt, then "not found" at once for a minute.
    w.set_origin_doc(None);
    let ring = clock.ring(KeyRing::new(vec![]));
    let results = join_all((0..10).map(|_| w.lookup(&ring, &kid, now))).await;
    assert!(results.iter().all(not_found), "{results:?}");
    assert_eq!(w.origin_hits(), 3);
    for _ in 0..10 {
        assert!(not_found(&w.lookup(&ring, &kid, now).await));
    }
    assert_eq!(w.origin_hits(), 3);
    clock.advance(keys::REFETCH_INTERVAL_MS);
    assert!(not_found(&w.lookup(&ring, &kid, now).await));
    assert_eq!(w.origin_hits(), 4);

    // With a notary that does not have the key either: each is asked once.
    *w.notary.remote.query_answer.lock().unwrap() = Some(json!({"server_keys": []}));
    let ring = clock.ring(KeyRing::new(vec![notary_config(&w, true)]));
    let results = join_all(made_up.iter().map(|id| w.lookup(&ring, id, now))).await;
    assert!(results.iter().all(not_found), "{results:?}");
    assert_eq!(w.origin_hits(), 5);
    assert_eq!(w.notary.remote.query_hits.load(Ordering::SeqCst), 1);
}

/// A fresh, migrated database of `home`'s engine.
pub(crate) async fn database(home: &Home) -> Db {
    let config = match &home.pg_database {
        None => Database::Sqlite {
            path: home.path().join("keys.db"),
        },
        Some(name) => Database::Postgres(PostgresArgs {
            user: Some(support::pg_user()),
            password: None,
            dbname: Some(name.clone()),
            host: Some(support::pg_host()),
            port: Some(support::pg_port()),
            cp_min: 1,
            cp_max: 2,
            sslmode: None,
            sslrootcert: None,
            application_name: None,
            connect_timeout: None,
            allow_unsafe_locale: false,
        }),
    };
    Db::connect(&config).await.expect("connect and migrate")
}

/// Every verified document goes to the database as received: another key ring on it (a
/// restarted server, another process) uses the keys without fetching them, 7 days counted
/// from the fetch; a document altered in the database does not verify and is not used.
async fn keys_are_kept_in_the_database(engine: Engine) {
    let home = Home::new(engine).await;
    let db = database(&home).await;
    let w = world().await;
    let now = now_ms();
    let origin = w.origin.name.to_string();
    let old = SigningKey::generate();
    let doc = key_doc(
        &origin,
        &w.origin_key,
        now + 30 * DAY,
        json!({old.key_id(): {"key": old.public_key_base64(), "expired_ts": now - HOUR}}),
    );
    w.set_origin_doc(Some(doc.clone()));
    let kid = w.origin_key.key_id();
    let first = Clock::at(now).ring(KeyRing::new(vec![]).with_store(db.clone()));
    w.lookup(&first, &kid, now).await.unwrap();
    assert_eq!(w.origin_hits(), 1);

    // One row per key, each holding the document as served, its validity as stated.
    let mut rows = server_keys::documents_of(&db, &origin).await.unwrap();
    rows.sort_by_key(|r| r.ts_valid_until_ms);
    let stated: Vec<(String, i64)> = rows
        .iter()
        .map(|r| (r.key_id.clone(), r.ts_valid_until_ms))
        .collect();
    assert_eq!(
        stated,
        vec![(old.key_id(), now - HOUR), (kid.clone(), now + 30 * DAY)]
    );
    for r in &rows {
        assert_eq!(r.from_server, origin);
        assert_eq!(r.ts_added_ms, now);
        assert_eq!(serde_json::from_str::<Value>(&r.key_json).unwrap(), doc);
    }

    // The origin goes down; a new ring on the same database still has both keys.
    w.set_origin_doc(None);
    let clock = Clock::at(now + HOUR);
    let second = clock.ring(KeyRing::new(vec![]).with_store(db.clone()));
    assert_eq!(
        w.lookup(&second, &kid, now + HOUR).await.unwrap(),
        w.origin_key.public_key()
    );
    assert_eq!(
        w.lookup(&second, &old.key_id(), now - 2 * HOUR)
            .await
            .unwrap(),
        old.public_key()
    );
    assert_eq!(w.origin_hits(), 1);
    // Usable for 7 days from the fetch, not from the read.
    assert_eq!(
        second.cached(&w.origin.name, &kid).unwrap().valid_until_ts,
        now + keys::MAX_VALIDITY_MS
    );
    let e = w.lookup(&second, &kid, now + 8 * DAY).await.unwrap_err();
    assert!(matches!(e, KeyError::NotFound { .. }), "{e}");
    assert_eq!(w.origin_hits(), 2);

    // Altered behind the key ring's back (a longer validity), the document is not believed.
    sqlx::query(
        "UPDATE server_keys_json SET key_json = REPLACE(key_json, '\"valid_until_ts\":', '\"valid_until_ts\":9') WHERE server_name = $1",
    )
    .bind(&origin)
    .execute(&db.pool)
    .await
    .unwrap();
    let third = Clock::at(now + HOUR).ring(KeyRing::new(vec![]).with_store(db.clone()));
    let e = w.lookup(&third, &kid, now + HOUR).await.unwrap_err();
    assert!(matches!(e, KeyError::NotFound { .. }), "{e}");
    assert!(third.cached(&w.origin.name, &kid).is_none());
    assert_eq!(w.origin_hits(), 3);

    db.pool.close().await;
    home.cleanup().await;
}
both_engines!(keys_are_kept_in_the_database);
