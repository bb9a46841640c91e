//! Pushers: the client API (set, replace, append, delete, validation), and notifications
//! reaching a real push gateway on loopback (the full and `event_id_only` formats, the badge
//! after a read receipt, a `rejected` pushkey removing its pusher, a gateway on a blacklisted
//! address never contacted), a logout removing the device's pusher and deactivation all.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::routing::post;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::devices::password_auth;
use crate::support::{Engine, Home, Options, TestServer, User, enc};

/// What a push gateway received, and the pushkeys it rejects.
#[derive(Default)]
struct Gateway {
    requests: Mutex<Vec<Value>>,
    reject: Mutex<Vec<String>>,
}

/// A push gateway on 127.0.0.1 (whitelisted in the test config) recording every request.
async fn gateway() -> (String, Arc<Gateway>) {
    let gw = Arc::new(Gateway::default());
    let app = axum::Router::new()
        .route(
            "/_matrix/push/v1/notify",
            post(
                |State(gw): State<Arc<Gateway>>, axum::Json(body): axum::Json<Value>| async move {
                    let keys: Vec<String> = body["notification"]["devices"]
                        .as_array()
                        .map(|d| {
                            d.iter()
                                .filter_map(|d| d["pushkey"].as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    gw.requests.lock().unwrap().push(body);
                    let reject = gw.reject.lock().unwrap().clone();
                    let rejected: Vec<String> =
                        keys.into_iter().filter(|k| reject.contains(k)).collect();
                    axum::Json(json!({"rejected": rejected}))
                },
            ),
        )
        .with_state(gw.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (format!("http://{addr}/_matrix/push/v1/notify"), gw)
}

/// A listener on 127.0.0.2 (blacklisted) counting every connection.
async fn forbidden_gateway() -> (String, Arc<AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
            use tokio::io::AsyncWriteExt as _;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                .await;
        }
    });
    (format!("http://{addr}/_matrix/push/v1/notify"), hits)
}

const CONFIG: &str = "ip_range_whitelist: ['127.0.0.1/32']\n";

fn options() -> Options {
    Options {
        extra: CONFIG.into(),
        ..Options::default()
    }
}

fn http_pusher(app_id: &str, pushkey: &str, data: Value) -> Value {
    json!({
        "kind": "http",
        "app_id": app_id,
        "pushkey": pushkey,
        "app_display_name": "Test App",
        "device_display_name": "Test Phone",
        "lang": "en",
        "data": data,
    })
}

async fn pushers(u: &User) -> Vec<Value> {
    let (status, body) = u.get("/pushers").await;
    assert_eq!(status, 200, "{body}");
    body["pushers"].as_array().unwrap().clone()
}

fn keys(list: &[Value]) -> Vec<(String, String)> {
    list.iter()
        .map(|p| {
            (
                p["app_id"].as_str().unwrap().to_string(),
                p["pushkey"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(a: &str, k: &str) -> (String, String) {
    (a.to_string(), k.to_string())
}

/// Waits until the gateway has received `n` requests, and returns them all.
async fn wait_for(gw: &Gateway, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let got = gw.requests.lock().unwrap().clone();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the gateway got {:?}, wanted {n} requests",
        gw.requests.lock().unwrap()
    );
}

async fn pushers_api(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &options()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let url = "https://push.example.org/_matrix/push/v1/notify";

    assert!(pushers(&alice).await.is_empty());
    let set = |u: &User, body: Value| {
        let u = u.clone();
        async move { u.post("/pushers/set", body).await }
    };
    let (status, body) = set(
        &alice,
        json!({
            "kind": "http", "app_id": "org.example.app", "pushkey": "key1",
            "app_display_name": "Example", "device_display_name": "Alice's phone",
            "profile_tag": "tag", "lang": "en-GB",
            "data": {"url": url, "format": "event_id_only", "extra": 1},
        }),
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let list = pushers(&alice).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let p = &list[0];
    assert_eq!(p["kind"], "http");
    assert_eq!(p["app_display_name"], "Example");
    assert_eq!(p["device_display_name"], "Alice's phone");
    assert_eq!(p["profile_tag"], "tag");
    assert_eq!(p["lang"], "en-GB");
    assert_eq!(
        p["data"],
        json!({"url": url, "format": "event_id_only", "extra": 1})
    );

    // The same (app_id, pushkey) replaces it.
    let (status, _) = set(
        &alice,
        http_pusher("org.example.app", "key1", json!({"url": url})),
    )
    .await;
    assert_eq!(status, 200);
    let list = pushers(&alice).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["device_display_name"], "Test Phone");
    assert_eq!(list[0]["data"], json!({"url": url}));

    // Another user setting the pushkey takes it, unless `append`.
    set(
        &bob,
        http_pusher("org.example.app", "key1", json!({"url": url})),
    )
    .await;
    assert!(pushers(&alice).await.is_empty());
    let mut appended = http_pusher("org.example.app", "key1", json!({"url": url}));
    appended["append"] = json!(true);
    assert_eq!(set(&alice, appended).await.0, 200);
    assert_eq!(
        keys(&pushers(&alice).await),
        vec![pair("org.example.app", "key1")]
    );
    assert_eq!(
        keys(&pushers(&bob).await),
        vec![pair("org.example.app", "key1")]
    );

    // Deletion with `kind: null` touches only the caller's pusher; an unknown one is fine.
    let delete = json!({"kind": null, "app_id": "org.example.app", "pushkey": "key1"});
    assert_eq!(set(&bob, delete.clone()).await, (200, json!({})));
    assert!(pushers(&bob).await.is_empty());
    assert_eq!(pushers(&alice).await.len(), 1);
    assert_eq!(set(&bob, delete).await, (200, json!({})));

    // Validation, with Matrix errors.
    let cases = [
        (
            http_pusher("a", "k", json!({"url": "https://push.example.org/notify"})),
            "M_MISSING_PARAM",
        ),
        (
            http_pusher(
                "a",
                "k",
                json!({"url": "ftp://push.example.org/_matrix/push/v1/notify"}),
            ),
            "M_MISSING_PARAM",
        ),
        (
            http_pusher(&"a".repeat(65), "k", json!({"url": url})),
            "M_INVALID_PARAM",
        ),
        (
            http_pusher("a", &"k".repeat(513), json!({"url": url})),
            "M_INVALID_PARAM",
        ),
        (
            json!({"kind": "email", "app_id": "m.email", "pushkey": "alice@example.org",
                   "app_display_name": "Email", "device_display_name": "x", "lang": "en", "data": {}}),
            "M_INVALID_PARAM",
        ),
        (
            json!({"kind": "pigeon", "app_id": "a", "pushkey": "k",
                   "app_display_name": "x", "device_display_name": "x", "lang": "en", "data": {}}),
            "M_INVALID_PARAM",
        ),
    ];
    for (body, errcode) in cases {
        let (status, answer) = set(&alice, body.clone()).await;
        assert_eq!(
            (status, answer["errcode"].as_str()),
            (400, Some(errcode)),
            "{body}: {answer}"
        );
        assert!(answer["error"].is_string(), "{answer}");
    }
    // Not JSON the spec allows: no url, no lang.
    for body in [
        http_pusher("a", "k", json!({})),
        json!({"kind": "http", "app_id": "a", "pushkey": "k", "data": {"url": url}}),
    ] {
        let (status, answer) = set(&alice, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(
            answer["errcode"].as_str().unwrap().starts_with("M_"),
            "{answer}"
        );
    }
    // The limits themselves are fine.
    let (status, answer) = set(
        &alice,
        http_pusher(&"a".repeat(64), &"k".repeat(512), json!({"url": url})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(pushers(&alice).await.len(), 2);

    let (status, body) = s.get("/_matrix/client/v3/pushers").await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_MISSING_TOKEN"))
    );

    // A pusher belongs to the device that set it: logging out removes it.
    let (status, login) = s.login("alice", "password").await;
    assert_eq!(status, 200, "{login}");
    let phone = User {
        user_id: alice.user_id.clone(),
        token: login["access_token"].as_str().unwrap().to_string(),
        base: alice.base.clone(),
        http: alice.http.clone(),
    };
    set(
        &phone,
        http_pusher("org.example.phone", "phonekey", json!({"url": url})),
    )
    .await;
    assert_eq!(pushers(&alice).await.len(), 3);
    assert_eq!(phone.post("/logout", json!({})).await.0, 200);
    let left = keys(&pushers(&alice).await);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(!left.contains(&pair("org.example.phone", "phonekey")));

    // Deactivation removes them all.
    let (status, ch) = alice.post("/account/deactivate", json!({})).await;
    assert_eq!(status, 401, "{ch}");
    let auth = password_auth("alice", "password", ch["session"].as_str().unwrap());
    let (status, body) = alice
        .post("/account/deactivate", json!({"auth": auth}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        s.services
            .pushers_of(&alice.user_id)
            .await
            .unwrap()
            .is_empty()
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(pushers_api);

async fn notifications_reach_the_gateway(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &options()).await;
    let (url, gw) = gateway().await;
    let (forbidden_url, forbidden_hits) = forbidden_gateway().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let room = bob
        .create_room(json!({"preset": "public_chat", "name": "Pets"}))
        .await;
    alice
        .ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
        .await;

    for body in [
        http_pusher("app.full", "kfull", json!({"url": url, "extra": "x"})),
        http_pusher(
            "app.idonly",
            "kid",
            json!({"url": url, "format": "event_id_only"}),
        ),
        http_pusher("app.blocked", "kblocked", json!({"url": forbidden_url})),
    ] {
        let (status, answer) = alice.post("/pushers/set", body).await;
        assert_eq!(status, 200, "{answer}");
    }

    // A message from bob: one notification per reachable pusher.
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ev = bob.send_text(&room, "t1", "hello alice").await;
    let got = wait_for(&gw, 2).await;
    let find = |list: &[Value], app: &str| -> Value {
        list.iter()
            .find(|r| r["notification"]["devices"][0]["app_id"] == app)
            .cloned()
            .unwrap_or_else(|| panic!("no request for {app}: {list:?}"))
    };
    let full = find(&got, "app.full")["notification"].clone();
    assert_eq!(full["event_id"], ev.as_str());
    assert_eq!(full["room_id"], room.as_str());
    assert_eq!(full["type"], "m.room.message");
    assert_eq!(full["sender"], bob.user_id.as_str());
    assert_eq!(full["sender_display_name"], "bob");
    assert_eq!(full["room_name"], "Pets");
    assert_eq!(
        full["content"],
        json!({"msgtype": "m.text", "body": "hello alice"})
    );
    assert_eq!(full["counts"], json!({"unread": 1}));
    // Two members: the one-to-one rule, which plays a sound.
    assert_eq!(full["prio"], "high");
    let device = &full["devices"][0];
    assert_eq!(device["pushkey"], "kfull");
    assert_eq!(
        device["data"],
        json!({"extra": "x"}),
        "data without the url"
    );
    assert_eq!(device["tweaks"]["sound"], "default");
    let ts = device["pushkey_ts"].as_i64().unwrap();
    assert!(
        (now_s - 120..=now_s + 1).contains(&ts),
        "pushkey_ts in seconds: {ts}"
    );

    let idonly = find(&got, "app.idonly")["notification"].clone();
    assert_eq!(idonly["event_id"], ev.as_str());
    assert_eq!(idonly["room_id"], room.as_str());
    assert_eq!(idonly["counts"], json!({"unread": 1}));
    for absent in [
        "type",
        "sender",
        "content",
        "room_name",
        "sender_display_name",
    ] {
        assert!(idonly.get(absent).is_none(), "{absent} in {idonly}");
    }
    assert!(idonly["devices"][0].get("tweaks").is_none(), "{idonly}");
    assert_eq!(
        idonly["devices"][0]["data"],
        json!({"format": "event_id_only"})
    );

    // Reading it: the badge drops to 0, sent as counts only.
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{}/receipt/m.read/{}", enc(&room), enc(&ev)),
            json!({}),
        )
        .await;
    let got = wait_for(&gw, 4).await;
    for r in &got[2..] {
        let n = &r["notification"];
        assert_eq!(n["counts"], json!({"unread": 0}), "{r}");
        assert!(n.get("event_id").is_none(), "{r}");
    }

    // Alice's own message is not pushed to her; bob's next one is, and the gateway rejects
    // the full pusher's key: that pusher goes.
    alice.send_text(&room, "a1", "from alice").await;
    gw.reject.lock().unwrap().push("kfull".into());
    let ev2 = bob.send_text(&room, "t2", "again").await;
    let got = wait_for(&gw, 6).await;
    assert!(
        got.iter()
            .all(|r| r["notification"]["sender"] != alice.user_id.as_str()),
        "{got:?}"
    );
    assert!(
        got[4..]
            .iter()
            .all(|r| r["notification"]["event_id"] == ev2.as_str()),
        "{got:?}"
    );
    let mut gone = false;
    for _ in 0..100 {
        if !keys(&pushers(&alice).await).contains(&pair("app.full", "kfull")) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "a rejected pushkey removes its pusher");
    assert!(keys(&pushers(&alice).await).contains(&pair("app.idonly", "kid")));

    // The blacklisted gateway was never contacted.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(forbidden_hits.load(Ordering::SeqCst), 0);

    s.stop().await;
    home.cleanup().await;
}
both_engines!(notifications_reach_the_gateway);
