//! Rate limits with Synapse's keys and defaults: 429 M_LIMIT_EXCEEDED with retry_after_ms
//! (and Retry-After) on messages, failed logins, joins and invites.

use serde_json::{Value, json};

use crate::support::{Engine, Home, Options, TestServer, enc};

fn strict(extra: &str) -> Options {
    Options {
        relaxed_limits: false,
        extra: extra.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn messages_are_limited_with_synapses_defaults() {
    let home = Home::new(Engine::Sqlite).await;
    let s = TestServer::start(&home, &strict("")).await;
    let alice = s.user("alice").await;
    let room = alice.create_room(json!({})).await;
    // rc_message defaults to a burst of 10 at 0.2/s.
    let mut codes = Vec::new();
    let mut last = Value::Null;
    for i in 0..11 {
        let (status, body) = alice
            .put(
                &format!("/rooms/{}/send/m.room.message/t{i}", enc(&room)),
                json!({"msgtype": "m.text", "body": "x"}),
            )
            .await;
        codes.push(status);
        last = body;
    }
    assert_eq!(&codes[..10], &[200; 10]);
    assert_eq!(codes[10], 429);
    assert_eq!(last["errcode"], "M_LIMIT_EXCEEDED");
    let retry = last["retry_after_ms"].as_u64().unwrap();
    assert!(retry > 0 && retry <= 5000, "{retry}");
    let r = alice
        .http
        .put(format!(
            "{}/_matrix/client/v3/rooms/{}/send/m.room.message/t99",
            s.url,
            enc(&room)
        ))
        .bearer_auth(&alice.token)
        .json(&json!({"msgtype": "m.text", "body": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    // A retried transaction id is answered from the record, not limited.
    let (status, _) = alice
        .put(
            &format!("/rooms/{}/send/m.room.message/t0", enc(&room)),
            json!({"msgtype": "m.text", "body": "x"}),
        )
        .await;
    assert_eq!(status, 200);
    s.stop().await;
    home.cleanup().await;
}

#[tokio::test]
async fn failed_logins_are_limited_per_account() {
    let home = Home::new(Engine::Sqlite).await;
    // Generous per-address/account limits so only failed_attempts (3 at 0.17/s) bites.
    let s = TestServer::start(
        &home,
        &strict("rc_login: {address: {per_second: 100, burst_count: 100}, account: {per_second: 100, burst_count: 100}}\n"),
    )
    .await;
    s.user("alice").await;
    for _ in 0..3 {
        assert_eq!(s.login("alice", "wrong").await.0, 403);
    }
    let (status, body) = s.login("alice", "password").await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (429, Some("M_LIMIT_EXCEEDED")),
        "even the right password waits: {body}"
    );
    assert_eq!(
        s.login("bob", "wrong").await.0,
        403,
        "other accounts are not affected"
    );
    s.stop().await;
    home.cleanup().await;
}

#[tokio::test]
async fn logins_from_one_address_are_limited() {
    let home = Home::new(Engine::Sqlite).await;
    let s = TestServer::start(&home, &strict("")).await;
    s.user("alice").await;
    // rc_login.address: a burst of 5 from one address.
    let codes: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..6 {
            v.push(s.login(&format!("user{}", v.len()), "x").await.0);
        }
        v
    };
    assert_eq!(&codes[..5], &[403; 5]);
    assert_eq!(codes[5], 429);
    s.stop().await;
    home.cleanup().await;
}

#[tokio::test]
async fn invites_and_joins_are_limited() {
    let home = Home::new(Engine::Sqlite).await;
    let s = TestServer::start(&home, &strict("rc_invites: {per_issuer: {per_second: 0.01, burst_count: 2}}\nrc_joins: {local: {per_second: 0.01, burst_count: 1}}\n")).await;
    let alice = s.user("alice").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    let mut codes = Vec::new();
    for name in ["b1", "b2", "b3"] {
        let u = s.user(name).await;
        codes.push(
            alice
                .post(
                    &format!("/rooms/{}/invite", enc(&room)),
                    json!({"user_id": u.user_id}),
                )
                .await
                .0,
        );
    }
    assert_eq!(codes, vec![200, 200, 429]);
    let carol = s.user("carol").await;
    assert_eq!(
        carol
            .post(&format!("/join/{}", enc(&room)), json!({}))
            .await
            .0,
        200
    );
    let (status, body) = carol
        .post(&format!("/join/{}", enc(&room)), json!({}))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (429, Some("M_LIMIT_EXCEEDED"))
    );
    s.stop().await;
    home.cleanup().await;
}

/// Issue 12: rc_registration (now checked in the registration service) is checked on every
/// attempt from an address but counted only when an account is made, as Synapse does.
#[tokio::test]
async fn registrations_are_limited_per_address() {
    let home = Home::new(Engine::Sqlite).await;
    let s = TestServer::start(
        &home,
        &strict("enable_registration: true\nenable_registration_without_verification: true\nrc_registration: {per_second: 0.001, burst_count: 1}\n"),
    )
    .await;
    const REG: &str = "/_matrix/client/v3/register";
    // Asking for the flows, again and again, is not a registration.
    for _ in 0..3 {
        let (status, body) = s.post(REG, &json!({})).await;
        assert_eq!(status, 401, "{body}");
    }
    let (status, body) = s
        .post(
            REG,
            &json!({"username": "first", "password": "pw", "auth": {"type": "m.login.dummy"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The burst is spent: the next attempt, of any kind, is refused.
    for attempt in [
        json!({}),
        json!({"username": "second", "password": "pw", "auth": {"type": "m.login.dummy"}}),
    ] {
        let (status, body) = s.post(REG, &attempt).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (429, Some("M_LIMIT_EXCEEDED")),
            "{body}"
        );
        assert!(body["retry_after_ms"].as_u64().unwrap() > 0, "{body}");
    }
    s.stop().await;
    home.cleanup().await;
}
