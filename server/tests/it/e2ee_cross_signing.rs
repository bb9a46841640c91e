//! Cross-signing over real HTTP with real ed25519 keys (ruma's): first upload of master,
//! self-signing and user-signing keys without re-authentication, replacement behind
//! user-interactive auth with the password, signatures checked on upload, /keys/query showing
//! the keys and signatures (user-signing keys and others' signatures only to their owner), and
//! /keys/signatures/upload for own devices and other users' master keys with per-key failures.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use reqwest::Method;
use ruma::signatures::Ed25519KeyPair;
use ruma::{CanonicalJsonObject, CanonicalJsonValue};
use serde_json::{Value, json};

use super::e2ee_keys::device_id;
use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User};

/// A key pair whose key id is `ed25519:<version>` (the public key itself when `None`).
fn keypair(version: Option<&str>) -> (Ed25519KeyPair, String) {
    let der = Ed25519KeyPair::generate();
    let public = STANDARD_NO_PAD.encode(
        Ed25519KeyPair::from_der(&der, "x".into())
            .unwrap()
            .public_key(),
    );
    let kp = Ed25519KeyPair::from_der(
        &der,
        version
            .map(str::to_string)
            .unwrap_or_else(|| public.clone()),
    )
    .unwrap();
    (kp, public)
}

fn sign(v: &mut Value, user_id: &str, kp: &Ed25519KeyPair) {
    let CanonicalJsonValue::Object(mut obj) = CanonicalJsonValue::try_from(v.clone()).unwrap()
    else {
        panic!("object")
    };
    ruma::signatures::sign_json(user_id, kp, &mut obj).unwrap();
    *v = serde_json::to_value::<CanonicalJsonObject>(obj).unwrap();
}

/// A cross-signing key of `usage`, signed by `signer` when given.
fn cs_key(user_id: &str, usage: &str, public: &str, signer: Option<&Ed25519KeyPair>) -> Value {
    let mut k = json!({"user_id": user_id, "usage": [usage], "keys": {format!("ed25519:{public}"): public}});
    if let Some(s) = signer {
        sign(&mut k, user_id, s);
    }
    k
}

struct Identity {
    master: (Ed25519KeyPair, String),
    ssk: (Ed25519KeyPair, String),
    usk: (Ed25519KeyPair, String),
}

impl Identity {
    fn new() -> Identity {
        Identity {
            master: keypair(None),
            ssk: keypair(None),
            usk: keypair(None),
        }
    }
    fn body(&self, user_id: &str) -> Value {
        json!({
            "master_key": cs_key(user_id, "master", &self.master.1, None),
            "self_signing_key": cs_key(user_id, "self_signing", &self.ssk.1, Some(&self.master.0)),
            "user_signing_key": cs_key(user_id, "user_signing", &self.usk.1, Some(&self.master.0)),
        })
    }
}

/// Uploads real, self-signed device keys for the user's device; returns (device_id, keys, pair).
async fn real_device_keys(u: &User) -> (String, Value, Ed25519KeyPair) {
    let dev = device_id(u).await;
    let (kp, public) = keypair(Some(&dev));
    let mut keys = json!({
        "user_id": u.user_id, "device_id": dev,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {format!("ed25519:{dev}"): public, format!("curve25519:{dev}"): "curve"},
    });
    sign(&mut keys, &u.user_id, &kp);
    u.ok(Method::POST, "/keys/upload", json!({"device_keys": keys}))
        .await;
    (dev, keys, kp)
}

fn password_auth(user: &str, session: &str) -> Value {
    json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user}, "password": "password", "session": session})
}

async fn upload_query_and_sign(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let (dev, dev_keys, dev_kp) = real_device_keys(&alice).await;

    // First setup: no re-authentication. The same keys again: {} without auth.
    let ident = Identity::new();
    let body = ident.body(&alice.user_id);
    assert_eq!(
        alice
            .ok(Method::POST, "/keys/device_signing/upload", body.clone())
            .await,
        json!({})
    );
    assert_eq!(
        alice
            .ok(Method::POST, "/keys/device_signing/upload", body.clone())
            .await,
        json!({})
    );

    let q = bob
        .ok(
            Method::POST,
            "/keys/query",
            json!({"device_keys": {alice.user_id.clone(): []}}),
        )
        .await;
    assert_eq!(
        q["master_keys"][&alice.user_id]["keys"], body["master_key"]["keys"],
        "{q}"
    );
    assert_eq!(
        q["self_signing_keys"][&alice.user_id]["keys"],
        body["self_signing_key"]["keys"]
    );
    assert!(
        q["user_signing_keys"].get(&alice.user_id).is_none(),
        "only alice sees her user-signing key"
    );
    let q = alice
        .ok(
            Method::POST,
            "/keys/query",
            json!({"device_keys": {alice.user_id.clone(): []}}),
        )
        .await;
    assert_eq!(
        q["user_signing_keys"][&alice.user_id]["keys"], body["user_signing_key"]["keys"],
        "{q}"
    );

    // Replacing keys needs the password.
    let ident2 = Identity {
        master: keypair(None),
        ..Identity::new()
    };
    let body2 = ident2.body(&alice.user_id);
    let (st, challenge) = alice
        .post("/keys/device_signing/upload", body2.clone())
        .await;
    assert_eq!(st, 401, "{challenge}");
    assert_eq!(
        challenge["flows"],
        json!([{"stages": ["m.login.password"]}])
    );
    let session = challenge["session"].as_str().unwrap();
    let mut with_auth = body2.clone();
    with_auth["auth"] = json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": "alice"}, "password": "wrong", "session": session});
    let (st, e) = alice
        .post("/keys/device_signing/upload", with_auth.clone())
        .await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (401, Some("M_FORBIDDEN")),
        "{e}"
    );
    with_auth["auth"] = password_auth("alice", session);
    assert_eq!(
        alice
            .ok(Method::POST, "/keys/device_signing/upload", with_auth)
            .await,
        json!({})
    );
    let q = bob
        .ok(
            Method::POST,
            "/keys/query",
            json!({"device_keys": {alice.user_id.clone(): []}}),
        )
        .await;
    assert_eq!(
        q["master_keys"][&alice.user_id]["keys"], body2["master_key"]["keys"],
        "{q}"
    );
    let ident = ident2;

    // Keys not signed by the master key are refused; so is a key without a master.
    let bad = json!({
        "master_key": cs_key(&carol.user_id, "master", &keypair(None).1, None),
        "self_signing_key": cs_key(&carol.user_id, "self_signing", &keypair(None).1, Some(&keypair(None).0)),
    });
    let (st, e) = carol.post("/keys/device_signing/upload", bad).await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (400, Some("M_INVALID_SIGNATURE")),
        "{e}"
    );
    let (st, e) = carol.post("/keys/device_signing/upload", json!({"self_signing_key": cs_key(&carol.user_id, "self_signing", &keypair(None).1, None)})).await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (400, Some("M_MISSING_PARAM")),
        "{e}"
    );
    let (st, e) = carol
        .post(
            "/keys/device_signing/upload",
            json!({"master_key": cs_key(&alice.user_id, "master", &keypair(None).1, None)}),
        )
        .await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM")),
        "another user's key: {e}"
    );

    // Alice signs her device with her self-signing key, and her master key with her device.
    let mut signed_dev = dev_keys.clone();
    sign(&mut signed_dev, &alice.user_id, &ident.ssk.0);
    let mut signed_master = cs_key(&alice.user_id, "master", &ident.master.1, None);
    sign(&mut signed_master, &alice.user_id, &dev_kp);
    let r = alice
        .ok(Method::POST, "/keys/signatures/upload", json!({alice.user_id.clone(): {dev.clone(): signed_dev, ident.master.1.clone(): signed_master}}))
        .await;
    assert_eq!(r, json!({"failures": {}}));
    let q = bob
        .ok(
            Method::POST,
            "/keys/query",
            json!({"device_keys": {alice.user_id.clone(): []}}),
        )
        .await;
    let ssk_id = format!("ed25519:{}", ident.ssk.1);
    assert!(
        q["device_keys"][&alice.user_id][&dev]["signatures"][&alice.user_id]
            .get(&ssk_id)
            .is_some(),
        "{q}"
    );
    assert!(
        q["master_keys"][&alice.user_id]["signatures"][&alice.user_id]
            .get(format!("ed25519:{dev}"))
            .is_some(),
        "{q}"
    );

    // A bad signature and an unknown device are failures, not errors.
    let mut forged = dev_keys.clone();
    sign(&mut forged, &alice.user_id, &keypair(Some(&ident.ssk.1)).0);
    let r = alice.ok(Method::POST, "/keys/signatures/upload", json!({alice.user_id.clone(): {dev.clone(): forged, "NODEVICE": {"signatures": {alice.user_id.clone(): {ssk_id.clone(): "x"}}}}})).await;
    assert_eq!(
        r["failures"][&alice.user_id][&dev]["errcode"], "M_INVALID_SIGNATURE",
        "{r}"
    );
    assert_eq!(
        r["failures"][&alice.user_id]["NODEVICE"]["errcode"], "M_NOT_FOUND",
        "{r}"
    );

    // Alice signs bob's master key with her user-signing key: shown to alice, not to carol.
    let bob_ident = Identity::new();
    bob.ok(
        Method::POST,
        "/keys/device_signing/upload",
        bob_ident.body(&bob.user_id),
    )
    .await;
    let mut bob_master = cs_key(&bob.user_id, "master", &bob_ident.master.1, None);
    sign(&mut bob_master, &alice.user_id, &ident.usk.0);
    let r = alice
        .ok(
            Method::POST,
            "/keys/signatures/upload",
            json!({bob.user_id.clone(): {bob_ident.master.1.clone(): bob_master}}),
        )
        .await;
    assert_eq!(r, json!({"failures": {}}));
    let usk_id = format!("ed25519:{}", ident.usk.1);
    let q = alice
        .ok(
            Method::POST,
            "/keys/query",
            json!({"device_keys": {bob.user_id.clone(): []}}),
        )
        .await;
    assert!(
        q["master_keys"][&bob.user_id]["signatures"][&alice.user_id]
            .get(&usk_id)
            .is_some(),
        "{q}"
    );
    let q = carol
        .ok(
            Method::POST,
            "/keys/query",
            json!({"device_keys": {bob.user_id.clone(): []}}),
        )
        .await;
    assert!(
        q["master_keys"][&bob.user_id]["signatures"]
            .get(&alice.user_id)
            .is_none(),
        "{q}"
    );
    // Without a user-signing key, signing others fails per key.
    let r = carol
        .ok(
            Method::POST,
            "/keys/signatures/upload",
            json!({bob.user_id.clone(): {bob_ident.master.1.clone(): {"signatures": {}}}}),
        )
        .await;
    assert_eq!(
        r["failures"][&bob.user_id][&bob_ident.master.1]["errcode"], "M_NOT_FOUND",
        "{r}"
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(upload_query_and_sign);
