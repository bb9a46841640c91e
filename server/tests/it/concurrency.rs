//! Issue 21, writes at the same moment, on both engines: concurrent createRoom by one user
//! gives distinct rooms (room version 12 derives the id from the create event), one event
//! that the database refuses fails alone while the events committed beside it succeed, and
//! every write path run concurrently by one user and by several never answers 5xx.

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::Executor as _;

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User, enc, pg_host, pg_port, pg_user};

async fn concurrent_create_room_gives_distinct_rooms(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    for body in [
        json!({}),
        json!({"preset": "trusted_private_chat", "is_direct": true, "invite": [&bob.user_id]}),
        json!({"room_version": "10"}),
    ] {
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (a, b) = (alice.clone(), body.clone());
                tokio::spawn(async move { a.post("/createRoom", b).await })
            })
            .collect();
        let mut rooms = Vec::new();
        for t in tasks {
            let (status, v) = t.await.unwrap();
            assert_eq!(status, 200, "{body}: {v}");
            rooms.push(v["room_id"].as_str().unwrap().to_string());
        }
        rooms.sort();
        rooms.dedup();
        assert_eq!(rooms.len(), 10, "{body}: {rooms:?}");
        for r in &rooms {
            let (status, v) = alice.get(&format!("/rooms/{}/state", enc(r))).await;
            assert_eq!(status, 200, "{v}");
        }
    }
    s.stop().await;
    home.cleanup().await;
}
both_engines!(concurrent_create_room_gives_distinct_rooms);

/// A connection to the test server's database, beside the server.
async fn side_connection(home: &Home) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = match &home.pg_database {
        None => format!("sqlite://{}", home.path().join("homeserver.db").display()),
        Some(db) => format!("postgres://{}@{}:{}/{db}", pg_user(), pg_host(), pg_port()),
    };
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("connect to the test database")
}

async fn one_refused_event_fails_alone(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    // The database accepts one event of this type and refuses every later one: a real
    // constraint violation inside whatever batch the event is committed with.
    let db = side_connection(&home).await;
    db.execute(
        "CREATE UNIQUE INDEX test_only_once ON events (type) WHERE type = 'org.example.once'",
    )
    .await
    .unwrap();
    let alice = s.user("alice").await;
    let room = alice.create_room(json!({})).await;
    let once = |u: &User, room: &str, txn: &str| {
        let (u, path) = (
            u.clone(),
            format!("/rooms/{}/send/org.example.once/{txn}", enc(room)),
        );
        async move { u.put(&path, json!({"n": 1})).await }
    };
    assert_eq!(once(&alice, &room, "first").await.0, 200);

    let mut others = Vec::new();
    for i in 0..9 {
        let u = s.user(&format!("user{i}")).await;
        let r = u.create_room(json!({})).await;
        others.push((u, r));
    }
    for round in 0..5 {
        let refused = tokio::spawn(once(&alice, &room, &format!("again{round}")));
        // Alice's next messages in the same room build on the refused event if they are
        // built before it fails: they are built again and succeed.
        let same_room: Vec<_> = (0..3)
            .map(|i| {
                let (a, r) = (alice.clone(), room.clone());
                tokio::spawn(async move {
                    let path = format!("/rooms/{}/send/m.room.message/r{round}m{i}", enc(&r));
                    a.put(&path, json!({"msgtype": "m.text", "body": "same room"}))
                        .await
                })
            })
            .collect();
        let elsewhere: Vec<_> = others
            .iter()
            .map(|(u, r)| {
                let (u, r) = (u.clone(), r.clone());
                tokio::spawn(async move {
                    let path = format!("/rooms/{}/send/m.room.message/r{round}", enc(&r));
                    u.put(&path, json!({"msgtype": "m.text", "body": "elsewhere"}))
                        .await
                })
            })
            .collect();
        let (status, v) = refused.await.unwrap();
        assert_eq!(
            (status, v["errcode"].as_str()),
            (409, Some("M_UNKNOWN")),
            "{v}"
        );
        for t in same_room.into_iter().chain(elsewhere) {
            let (status, v) = t.await.unwrap();
            assert_eq!(status, 200, "round {round}: {v}");
            let id = v["event_id"].as_str().unwrap();
            assert!(id.starts_with('$'));
        }
    }
    // Everything acknowledged is there, nothing refused is.
    let (_, v) = alice
        .get(&format!("/rooms/{}/messages?dir=b&limit=100", enc(&room)))
        .await;
    let chunk = v["chunk"].as_array().unwrap();
    assert_eq!(
        chunk
            .iter()
            .filter(|e| e["type"] == "org.example.once")
            .count(),
        1
    );
    assert_eq!(
        chunk
            .iter()
            .filter(|e| e["content"]["body"] == "same room")
            .count(),
        15
    );
    for (u, r) in &others {
        let (_, v) = u
            .get(&format!("/rooms/{}/messages?dir=b&limit=100", enc(r)))
            .await;
        let n = v["chunk"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["content"]["body"] == "elsewhere")
            .count();
        assert_eq!(n, 5, "{v}");
    }
    db.close().await;
    s.stop().await;
    home.cleanup().await;
}
both_engines!(one_refused_event_fails_alone);

/// Every write path of a user, for the sweep below.
async fn writes(
    u: User,
    shared_room: String,
    invitee: String,
    n: usize,
) -> Vec<(String, u16, Value)> {
    let r = enc(&shared_room);
    let calls: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/createRoom".into(),
            json!({"name": format!("r{n}")}),
        ),
        (
            Method::POST,
            "/createRoom".into(),
            json!({"invite": [&invitee], "is_direct": true, "preset": "trusted_private_chat"}),
        ),
        (
            Method::PUT,
            format!("/rooms/{r}/send/m.room.message/sweep{n}"),
            json!({"msgtype": "m.text", "body": "sweep"}),
        ),
        (
            Method::PUT,
            format!("/rooms/{r}/state/org.example.sweep/{}", enc(&u.user_id)),
            json!({"n": n}),
        ),
        (Method::POST, format!("/join/{r}"), json!({})),
        (
            Method::POST,
            format!("/rooms/{r}/invite"),
            json!({"user_id": &invitee}),
        ),
        (
            Method::PUT,
            format!("/profile/{}/displayname", enc(&u.user_id)),
            json!({"displayname": format!("name {n}")}),
        ),
        (
            Method::PUT,
            format!("/user/{}/account_data/org.example.sweep", enc(&u.user_id)),
            json!({"n": n}),
        ),
        (
            Method::POST,
            "/keys/upload".into(),
            json!({"one_time_keys": {format!("curve25519:k{n}"): "a2V5"}}),
        ),
        (
            Method::POST,
            format!("/rooms/{r}/receipt/m.read/%24nope"),
            json!({}),
        ),
    ];
    let tasks: Vec<_> = calls
        .into_iter()
        .map(|(m, path, body)| {
            let u = u.clone();
            tokio::spawn(async move {
                let (status, v) = u.call(m.clone(), &path, Some(&body)).await;
                (format!("{m} {path}"), status, v)
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn concurrent_writes_never_answer_5xx(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let mut users = Vec::new();
    for i in 0..4 {
        users.push(s.user(&format!("sweep{i}")).await);
    }
    let invitee = s.user("invitee").await;
    let room = users[0]
        .create_room(json!({"preset": "public_chat", "power_level_content_override": {"events_default": 0, "state_default": 0, "invite": 0}}))
        .await;
    for u in &users[1..] {
        u.ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
            .await;
    }
    // One user, several times at once; then several users at once.
    let mut results = Vec::new();
    let one: Vec<_> = (0..3)
        .map(|n| {
            tokio::spawn(writes(
                users[0].clone(),
                room.clone(),
                invitee.user_id.clone(),
                n,
            ))
        })
        .collect();
    for t in one {
        results.extend(t.await.unwrap());
    }
    let many: Vec<_> = users
        .iter()
        .enumerate()
        .map(|(n, u)| {
            tokio::spawn(writes(
                u.clone(),
                room.clone(),
                invitee.user_id.clone(),
                10 + n,
            ))
        })
        .collect();
    for t in many {
        results.extend(t.await.unwrap());
    }
    let server_errors: Vec<_> = results.iter().filter(|(_, st, _)| *st >= 500).collect();
    assert!(server_errors.is_empty(), "{server_errors:#?}");
    // Receipts for an unknown event and repeated invites may be refused (4xx); every other
    // write succeeds.
    let refused: Vec<_> = results
        .iter()
        .filter(|(what, st, _)| {
            *st != 200 && !what.contains("/receipt/") && !what.ends_with("/invite")
        })
        .collect();
    assert!(refused.is_empty(), "{refused:#?}");
    s.stop().await;
    home.cleanup().await;
}
both_engines!(concurrent_writes_never_answer_5xx);
