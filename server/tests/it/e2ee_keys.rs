//! End-to-end encryption keys over real HTTP: /keys/upload (device keys must match the
//! caller, one-time key counts, fallback keys), /keys/query, /keys/claim (each one-time key
//! handed out once, even to concurrent claimers; the fallback key when none is left), and the
//! counts /sync reports. Shared helpers for the other e2ee_* files live here.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User};

/// A user's device, logged in separately.
pub struct Device {
    pub user: User,
    pub device_id: String,
}

/// Logs `name` in again: a new device with its own token.
pub async fn login_device(s: &TestServer, name: &str) -> Device {
    login_device_as(s, name, None).await
}

/// Logs `name` in under `device_id` when given (else a new device the server names).
pub async fn login_device_as(s: &TestServer, name: &str, device_id: Option<&str>) -> Device {
    let mut req = json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": name}, "password": "password"});
    if let Some(d) = device_id {
        req["device_id"] = json!(d);
    }
    let (status, body) = s.post("/_matrix/client/v3/login", &req).await;
    assert_eq!(status, 200, "login {name}: {body}");
    Device {
        user: User {
            user_id: body["user_id"].as_str().unwrap().to_string(),
            token: body["access_token"].as_str().unwrap().to_string(),
            base: s.url.clone(),
            http: s.http.clone(),
        },
        device_id: body["device_id"].as_str().unwrap().to_string(),
    }
}

/// The device id behind a user's token.
pub async fn device_id(u: &User) -> String {
    u.get("/account/whoami").await.1["device_id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub fn device_keys(user_id: &str, device_id: &str) -> Value {
    json!({
        "user_id": user_id,
        "device_id": device_id,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {format!("curve25519:{device_id}"): format!("curve-{device_id}"), format!("ed25519:{device_id}"): format!("ed-{device_id}")},
        "signatures": {user_id: {format!("ed25519:{device_id}"): "sig"}},
    })
}

/// `n` signed curve25519 one-time keys with ids `<prefix>0..`.
pub fn otks(prefix: &str, n: usize) -> Value {
    let mut m = serde_json::Map::new();
    for i in 0..n {
        m.insert(
            format!("signed_curve25519:{prefix}{i}"),
            json!({"key": format!("key-{prefix}{i}"), "signatures": {}}),
        );
    }
    Value::Object(m)
}

async fn upload_and_query(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let dev = device_id(&alice).await;

    // device_keys must name the caller's user and device.
    let (st, e) = alice
        .post(
            "/keys/upload",
            json!({"device_keys": device_keys(&bob.user_id, &dev)}),
        )
        .await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (400, Some("M_BAD_JSON")),
        "{e}"
    );
    let (st, e) = alice
        .post(
            "/keys/upload",
            json!({"device_keys": device_keys(&alice.user_id, "OTHER")}),
        )
        .await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (400, Some("M_BAD_JSON")),
        "{e}"
    );

    let r = alice
        .ok(Method::POST, "/keys/upload", json!({"device_keys": device_keys(&alice.user_id, &dev), "one_time_keys": otks("a", 5)}))
        .await;
    assert_eq!(r["one_time_key_counts"]["signed_curve25519"], 5, "{r}");
    // Uploading the same keys again is fine and adds nothing; a different key under a used id is refused.
    let r = alice
        .ok(
            Method::POST,
            "/keys/upload",
            json!({"one_time_keys": otks("a", 5)}),
        )
        .await;
    assert_eq!(r["one_time_key_counts"]["signed_curve25519"], 5);
    let (st, e) = alice.post("/keys/upload", json!({"one_time_keys": {"signed_curve25519:a0": {"key": "different", "signatures": {}}}})).await;
    assert_eq!(st, 400, "{e}");
    let (st, e) = alice
        .post("/keys/upload", json!({"one_time_keys": {"nocolon": "x"}}))
        .await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (400, Some("M_BAD_JSON")),
        "{e}"
    );
    // An empty upload just reports the counts (signed_curve25519 always present).
    let r = bob.ok(Method::POST, "/keys/upload", json!({})).await;
    assert_eq!(r, json!({"one_time_key_counts": {"signed_curve25519": 0}}));

    // Query: all devices, one device, display names, unknown users empty, failures for remote.
    alice
        .ok(
            Method::PUT,
            &format!("/devices/{dev}"),
            json!({"display_name": "Alice's phone"}),
        )
        .await;
    let q = bob.ok(Method::POST, "/keys/query", json!({"device_keys": {alice.user_id.clone(): [], "@nobody:test.example": [], "@x:elsewhere.example": []}})).await;
    let d = &q["device_keys"][&alice.user_id][&dev];
    assert_eq!(
        d["keys"][format!("curve25519:{dev}")],
        format!("curve-{dev}"),
        "{q}"
    );
    assert_eq!(d["unsigned"]["device_display_name"], "Alice's phone");
    assert_eq!(q["device_keys"]["@nobody:test.example"], json!({}));
    assert!(q["failures"].get("elsewhere.example").is_some(), "{q}");
    let q = bob
        .ok(
            Method::POST,
            "/keys/query",
            json!({"device_keys": {alice.user_id.clone(): ["NOPE"]}}),
        )
        .await;
    assert_eq!(q["device_keys"][&alice.user_id], json!({}), "{q}");
    assert_eq!(q["failures"], json!({}));
    let (st, e) = bob
        .post(
            "/keys/query",
            json!({"device_keys": {alice.user_id.clone(): "x"}}),
        )
        .await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM")),
        "{e}"
    );
    let (st, _) = bob.post("/keys/query", json!({})).await;
    assert_eq!(st, 400);

    // Sync reports the device's counts.
    let sync = alice.sync(None, 0).await;
    assert_eq!(
        sync["device_one_time_keys_count"]["signed_curve25519"], 5,
        "{sync}"
    );
    assert_eq!(sync["device_unused_fallback_key_types"], json!([]));

    // A deleted device's keys are gone from queries.
    let extra = login_device(&s, "alice").await;
    extra
        .user
        .ok(
            Method::POST,
            "/keys/upload",
            json!({"device_keys": device_keys(&alice.user_id, &extra.device_id)}),
        )
        .await;
    let q = bob
        .ok(
            Method::POST,
            "/keys/query",
            json!({"device_keys": {alice.user_id.clone(): []}}),
        )
        .await;
    assert_eq!(
        q["device_keys"][&alice.user_id].as_object().unwrap().len(),
        2
    );
    let auth = json!({"auth": {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": "alice"}, "password": "password"}});
    let (st, b) = alice
        .call(
            Method::DELETE,
            &format!("/devices/{}", extra.device_id),
            Some(&auth),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    let q = bob
        .ok(
            Method::POST,
            "/keys/query",
            json!({"device_keys": {alice.user_id.clone(): []}}),
        )
        .await;
    assert_eq!(
        q["device_keys"][&alice.user_id]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec![&dev]
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(upload_and_query);

async fn claim_once_then_fallback(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let dev = device_id(&alice).await;
    alice
        .ok(
            Method::POST,
            "/keys/upload",
            json!({
                "one_time_keys": otks("k", 2),
                "fallback_keys": {"signed_curve25519:fb1": {"key": "fallback-1", "fallback": true, "signatures": {}}},
            }),
        )
        .await;
    assert_eq!(
        alice.sync(None, 0).await["device_unused_fallback_key_types"],
        json!(["signed_curve25519"])
    );

    let claim =
        json!({"one_time_keys": {alice.user_id.clone(): {dev.clone(): "signed_curve25519"}}});
    let mut seen = HashSet::new();
    for _ in 0..2 {
        let r = bob.ok(Method::POST, "/keys/claim", claim.clone()).await;
        let keys = r["one_time_keys"][&alice.user_id][&dev]
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(keys.len(), 1, "{r}");
        let (id, _) = keys.into_iter().next().unwrap();
        assert!(id.starts_with("signed_curve25519:k"), "{id}");
        assert!(seen.insert(id), "a one-time key was handed out twice");
        assert_eq!(r["failures"], json!({}));
    }
    // None left: the fallback key, every time, and it is not deleted.
    for _ in 0..2 {
        let r = bob.ok(Method::POST, "/keys/claim", claim.clone()).await;
        assert_eq!(
            r["one_time_keys"][&alice.user_id][&dev]["signed_curve25519:fb1"]["key"], "fallback-1",
            "{r}"
        );
    }
    let sync = alice.sync(None, 0).await;
    assert_eq!(sync["device_one_time_keys_count"]["signed_curve25519"], 0);
    assert_eq!(
        sync["device_unused_fallback_key_types"],
        json!([]),
        "the fallback key is marked used"
    );
    // A new fallback key is unused again; re-uploading the same one keeps it used.
    alice.ok(Method::POST, "/keys/upload", json!({"fallback_keys": {"signed_curve25519:fb1": {"key": "fallback-1", "fallback": true, "signatures": {}}}})).await;
    assert_eq!(
        alice.sync(None, 0).await["device_unused_fallback_key_types"],
        json!([])
    );
    alice.ok(Method::POST, "/keys/upload", json!({"fallback_keys": {"signed_curve25519:fb2": {"key": "fallback-2", "fallback": true, "signatures": {}}}})).await;
    assert_eq!(
        alice.sync(None, 0).await["device_unused_fallback_key_types"],
        json!(["signed_curve25519"])
    );
    // Unknown devices and algorithms: nothing.
    let r = bob.ok(Method::POST, "/keys/claim", json!({"one_time_keys": {alice.user_id.clone(): {"NODEVICE": "signed_curve25519", dev.clone(): "curve25519"}}})).await;
    assert_eq!(r["one_time_keys"], json!({}), "{r}");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(claim_once_then_fallback);

/// A long-poll that wakes reports the key counts as they are then: a claim made while it
/// waited (which does not wake it) shows in the answer it gives when something else does.
async fn long_poll_sees_claims_made_while_it_waited(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let dev = device_id(&alice).await;
    alice
        .ok(
            Method::POST,
            "/keys/upload",
            json!({"one_time_keys": otks("k", 3)}),
        )
        .await;
    // The stream moves on past the upload, so the long-poll below may trust what it reads.
    alice.create_room(json!({"preset": "private_chat"})).await;
    let first = alice.sync(None, 0).await;
    assert_eq!(first["device_one_time_keys_count"]["signed_curve25519"], 3);
    let since = first["next_batch"].as_str().unwrap().to_string();
    let waiter = {
        let alice = alice.clone();
        tokio::spawn(async move { alice.sync(Some(&since), 20_000).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let claim =
        json!({"one_time_keys": {alice.user_id.clone(): {dev.clone(): "signed_curve25519"}}});
    bob.ok(Method::POST, "/keys/claim", claim).await;
    // Something for alice: a to-device message wakes the long-poll.
    bob.ok(
        Method::PUT,
        "/sendToDevice/m.test/wake",
        json!({"messages": {alice.user_id.clone(): {dev.clone(): {"n": 1}}}}),
    )
    .await;
    let woke = waiter.await.unwrap();
    assert_eq!(
        woke["to_device"]["events"].as_array().map(Vec::len),
        Some(1),
        "{woke}"
    );
    assert_eq!(
        woke["device_one_time_keys_count"]["signed_curve25519"], 2,
        "{woke}"
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(long_poll_sees_claims_made_while_it_waited);

/// Logging out deletes the device's keys, as in Synapse: a bot that logs in again under the
/// same device id must not have its old one-time keys handed out (their private halves are gone).
async fn logout_forgets_the_device_keys(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let bot = login_device_as(&s, "alice", Some("BOT")).await.user;
    bot.ok(
        Method::POST,
        "/keys/upload",
        json!({"device_keys": device_keys(&alice.user_id, "BOT"), "one_time_keys": otks("old", 3)}),
    )
    .await;
    assert_eq!(
        bot.sync(None, 0).await["device_one_time_keys_count"]["signed_curve25519"],
        3
    );
    let (status, body) = bot.post("/logout", json!({})).await;
    assert_eq!(status, 200, "{body}");

    let again = login_device_as(&s, "alice", Some("BOT")).await.user;
    let sync = again.sync(None, 0).await;
    assert_eq!(
        sync["device_one_time_keys_count"]["signed_curve25519"], 0,
        "{sync}"
    );
    let claim = json!({"one_time_keys": {alice.user_id.clone(): {"BOT": "signed_curve25519"}}});
    let r = bob.ok(Method::POST, "/keys/claim", claim).await;
    assert_eq!(
        r["one_time_keys"],
        json!({}),
        "an old key was handed out: {r}"
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(logout_forgets_the_device_keys);

/// Several clients claim at once: every key goes to exactly one of them.
async fn concurrent_claims_get_distinct_keys(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let dev = device_id(&alice).await;
    const KEYS: usize = 30;
    const CLAIMERS: usize = 8;
    const EACH: usize = 5;
    alice
        .ok(
            Method::POST,
            "/keys/upload",
            json!({"one_time_keys": otks("c", KEYS)}),
        )
        .await;
    let mut claimers = Vec::new();
    for i in 0..CLAIMERS {
        claimers.push(s.user(&format!("claimer{i}")).await);
    }
    let mut tasks = Vec::new();
    for c in claimers {
        let (uid, dev) = (alice.user_id.clone(), dev.clone());
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for _ in 0..EACH {
                let r = c
                    .ok(
                        Method::POST,
                        "/keys/claim",
                        json!({"one_time_keys": {uid.clone(): {dev.clone(): "signed_curve25519"}}}),
                    )
                    .await;
                if let Some(keys) = r["one_time_keys"][&uid][&dev].as_object() {
                    got.extend(keys.keys().cloned());
                }
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(
        all.len(),
        KEYS,
        "{CLAIMERS}x{EACH} claims for {KEYS} keys: every key handed out once, then nothing (no fallback)"
    );
    assert_eq!(distinct.len(), KEYS, "duplicates among {all:?}");
    assert_eq!(
        alice.sync(None, 0).await["device_one_time_keys_count"]["signed_curve25519"],
        0
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(concurrent_claims_get_distinct_keys);
