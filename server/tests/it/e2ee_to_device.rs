//! To-device messages and device lists through /sync over real HTTP: a message reaches each
//! target device exactly once (also with '*'), survives a retried sync until the client comes
//! back with a later token, is idempotent per transaction id, wakes a long-poll, and is
//! delivered 100 per sync at most; device_lists.changed/left and /keys/changes follow key
//! uploads, device deletion, joins and leaves of users sharing a room.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::e2ee_keys::{device_id, device_keys, login_device};
use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User, enc};

fn to_device(sync: &Value) -> Vec<Value> {
    sync["to_device"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn next(sync: &Value) -> String {
    sync["next_batch"].as_str().unwrap().to_string()
}

fn list(sync: &Value, which: &str) -> Vec<String> {
    sync["device_lists"][which]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

async fn send(from: &User, txn: &str, messages: Value) {
    from.ok(
        Method::PUT,
        &format!("/sendToDevice/m.test/{txn}"),
        json!({"messages": messages}),
    )
    .await;
}

async fn exactly_once_per_device(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let bob_dev = device_id(&bob).await;
    let bob2 = login_device(&s, "bob").await;

    let b1 = next(&bob.sync(None, 0).await);
    let b2 = next(&bob2.user.sync(None, 0).await);

    send(
        &alice,
        "t1",
        json!({bob.user_id.clone(): {bob_dev.clone(): {"n": 1}}}),
    )
    .await;
    // The same transaction again is a no-op.
    send(
        &alice,
        "t1",
        json!({bob.user_id.clone(): {bob_dev.clone(): {"n": 1}}}),
    )
    .await;
    send(&alice, "t2", json!({bob.user_id.clone(): {"*": {"n": 2}}})).await;

    let s1 = bob.sync(Some(&b1), 0).await;
    let got: Vec<i64> = to_device(&s1)
        .iter()
        .map(|e| e["content"]["n"].as_i64().unwrap())
        .collect();
    assert_eq!(got, vec![1, 2], "{s1}");
    let e = &to_device(&s1)[0];
    assert_eq!(
        (e["sender"].as_str(), e["type"].as_str()),
        (Some(alice.user_id.as_str()), Some("m.test"))
    );
    // A retried sync with the old token gets them again (the first answer may have been lost)…
    let retry = bob.sync(Some(&b1), 0).await;
    assert_eq!(to_device(&retry).len(), 2, "{retry}");
    // …and the next token acknowledges them: never again.
    let s2 = bob.sync(Some(&next(&retry)), 0).await;
    assert!(to_device(&s2).is_empty(), "{s2}");
    assert!(to_device(&bob.sync(Some(&next(&s2)), 0).await).is_empty());
    assert!(
        to_device(&bob.sync(None, 0).await).is_empty(),
        "acknowledged messages are deleted"
    );

    // The other device got only the '*' message.
    let o = bob2.user.sync(Some(&b2), 0).await;
    assert_eq!(
        to_device(&o)
            .iter()
            .map(|e| e["content"]["n"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![2],
        "{o}"
    );

    // A long-poll wakes for a to-device message.
    let since = next(&s2);
    let waiter = {
        let bob = bob.clone();
        tokio::spawn(async move {
            let start = Instant::now();
            (bob.sync(Some(&since), 20_000).await, start.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    send(
        &alice,
        "t3",
        json!({bob.user_id.clone(): {bob_dev.clone(): {"n": 3}}}),
    )
    .await;
    let (s3, waited) = waiter.await.unwrap();
    assert_eq!(to_device(&s3).len(), 1, "{s3}");
    assert!(
        waited < Duration::from_secs(10),
        "long-poll took {waited:?}"
    );

    // Over 100 waiting: 100 per sync, in order, none lost or repeated.
    let mut since = next(&s3);
    for i in 0..130 {
        send(
            &alice,
            &format!("bulk{i}"),
            json!({bob.user_id.clone(): {bob_dev.clone(): {"n": 100 + i}}}),
        )
        .await;
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        let r = bob.sync(Some(&since), 0).await;
        let batch = to_device(&r);
        assert!(batch.len() <= 100);
        got.extend(batch.iter().map(|e| e["content"]["n"].as_i64().unwrap()));
        since = next(&r);
    }
    assert_eq!(got, (100..230).collect::<Vec<i64>>());

    // Missing messages is a client error.
    let (st, e) = alice.put("/sendToDevice/m.test/bad", json!({})).await;
    assert_eq!(
        (st, e["errcode"].as_str()),
        (400, Some("M_MISSING_PARAM")),
        "{e}"
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(exactly_once_per_device);

async fn device_lists_in_sync(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;

    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
        .await;
    let a0 = next(&alice.sync(None, 0).await);

    // Bob uploads device keys: alice (sharing a room) sees him changed; carol does not.
    let c0 = next(&carol.sync(None, 0).await);
    let bob_dev = device_id(&bob).await;
    bob.ok(
        Method::POST,
        "/keys/upload",
        json!({"device_keys": device_keys(&bob.user_id, &bob_dev)}),
    )
    .await;
    let s1 = alice.sync(Some(&a0), 0).await;
    assert!(list(&s1, "changed").contains(&bob.user_id), "{s1}");
    assert!(!list(&carol.sync(Some(&c0), 0).await, "changed").contains(&bob.user_id));
    let ch = alice
        .get(&format!(
            "/keys/changes?from={}&to={}",
            enc(&a0),
            enc(&next(&s1))
        ))
        .await
        .1;
    assert!(
        ch["changed"]
            .as_array()
            .unwrap()
            .contains(&json!(bob.user_id)),
        "{ch}"
    );
    let a1 = next(&s1);
    assert!(
        list(&alice.sync(Some(&a1), 0).await, "changed").is_empty(),
        "reported once"
    );

    // A long-poll wakes when a new device of bob's appears (keys uploaded).
    let waiter = {
        let (alice, a1) = (alice.clone(), a1.clone());
        tokio::spawn(async move { alice.sync(Some(&a1), 20_000).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bob2 = login_device(&s, "bob").await;
    bob2.user
        .ok(
            Method::POST,
            "/keys/upload",
            json!({"device_keys": device_keys(&bob.user_id, &bob2.device_id)}),
        )
        .await;
    let s2 = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("long-poll woke")
        .unwrap();
    assert!(list(&s2, "changed").contains(&bob.user_id), "{s2}");
    let a2 = next(&s2);

    // Deleting a device is a change too.
    let auth = json!({"auth": {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": "bob"}, "password": "password"}});
    let (st, b) = bob
        .call(
            Method::DELETE,
            &format!("/devices/{}", bob2.device_id),
            Some(&auth),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    let s3 = alice.sync(Some(&a2), 0).await;
    assert!(list(&s3, "changed").contains(&bob.user_id), "{s3}");
    let a3 = next(&s3);

    // Carol joins: alice sees her as changed, and carol sees alice and bob.
    let c1 = next(&carol.sync(None, 0).await);
    carol
        .ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
        .await;
    let s4 = alice.sync(Some(&a3), 0).await;
    assert!(list(&s4, "changed").contains(&carol.user_id), "{s4}");
    let cs = carol.sync(Some(&c1), 0).await;
    let carol_changed = list(&cs, "changed");
    assert!(
        carol_changed.contains(&alice.user_id) && carol_changed.contains(&bob.user_id),
        "{cs}"
    );
    let a4 = next(&s4);

    // Bob leaves the only shared room: left for alice.
    bob.ok(
        Method::POST,
        &format!("/rooms/{}/leave", enc(&room)),
        json!({}),
    )
    .await;
    let s5 = alice.sync(Some(&a4), 0).await;
    assert_eq!(list(&s5, "left"), vec![bob.user_id.clone()], "{s5}");
    let ch = alice
        .get(&format!("/keys/changes?from={}", enc(&a4)))
        .await
        .1;
    assert_eq!(ch["left"], json!([bob.user_id]), "{ch}");
    // Bob's later changes no longer reach alice.
    let a5 = next(&s5);
    bob.ok(Method::POST, "/keys/upload", json!({"device_keys": {"user_id": bob.user_id, "device_id": bob_dev, "algorithms": [], "keys": {}, "signatures": {}}})).await;
    assert!(!list(&alice.sync(Some(&a5), 0).await, "changed").contains(&bob.user_id));

    let (st, _) = alice.get("/keys/changes").await;
    assert_eq!(st, 400);

    s.stop().await;
    home.cleanup().await;
}
both_engines!(device_lists_in_sync);

/// A device's first sync is answered from what the login knew (a new device has no messages
/// and no keys): messages sent and keys uploaded between the login and that sync still show.
async fn first_sync_of_a_new_device(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let _bob = s.user("bob").await;

    let fresh = login_device(&s, "bob").await;
    let first = fresh.user.sync(None, 0).await;
    assert!(to_device(&first).is_empty(), "{first}");
    assert_eq!(first["device_one_time_keys_count"]["signed_curve25519"], 0);

    let other = login_device(&s, "bob").await;
    send(
        &alice,
        "to-new",
        json!({other.user.user_id.clone(): {other.device_id.clone(): {"n": 1}}}),
    )
    .await;
    other
        .user
        .ok(
            Method::POST,
            "/keys/upload",
            json!({"one_time_keys": crate::e2ee_keys::otks("k", 2)}),
        )
        .await;
    let first = other.user.sync(None, 0).await;
    assert_eq!(to_device(&first).len(), 1, "{first}");
    assert_eq!(
        first["device_one_time_keys_count"]["signed_curve25519"], 2,
        "{first}"
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(first_sync_of_a_new_device);
