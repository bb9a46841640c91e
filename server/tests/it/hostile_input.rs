//! Issue 11, hostile and malformed input, over real HTTP on both engines: a transaction id
//! reused on another path is another request (it used to lose the second message), a login
//! without a type is a 400, the spec's byte limits on event fields and events, integer query
//! parameters, /notifications, rate limits counting only accepted sends, and malformed
//! Authorization headers.

use reqwest::Method;
use serde_json::{Value, json};

use super::e2ee_keys::device_id;
use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User, enc};

fn errcode(v: &Value) -> Option<&str> {
    v["errcode"].as_str()
}

async fn timeline_bodies(u: &User, room: &str) -> Vec<String> {
    let (status, v) = u
        .get(&format!("/rooms/{}/messages?dir=b&limit=50", enc(room)))
        .await;
    assert_eq!(status, 200, "{v}");
    v["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["content"]["body"].as_str().map(String::from))
        .collect()
}

async fn txn_ids_are_scoped_to_the_path(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let r = alice.create_room(json!({})).await;
    let p = alice.create_room(json!({})).await;

    let in_r = alice.send_text(&r, "T", "for R").await;
    let in_p = alice.send_text(&p, "T", "for P").await;
    assert_ne!(
        in_r, in_p,
        "the same txn id in another room is another event"
    );
    assert_eq!(timeline_bodies(&alice, &r).await, vec!["for R"]);
    assert_eq!(timeline_bodies(&alice, &p).await, vec!["for P"]);
    // A retry on the same path is still the same event, and stores nothing new.
    assert_eq!(alice.send_text(&p, "T", "for P again").await, in_p);
    assert_eq!(timeline_bodies(&alice, &p).await, vec!["for P"]);
    // Another event type on the same room and txn id is another request too.
    let (status, v) = alice
        .put(
            &format!("/rooms/{}/send/m.reaction.test/T", enc(&p)),
            json!({"body": "typed"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_ne!(v["event_id"].as_str().unwrap(), in_p);

    // Redactions: the same txn id redacting two events redacts both.
    let (st1, v1) = alice
        .put(
            &format!("/rooms/{}/redact/{}/R1", enc(&r), enc(&in_r)),
            json!({}),
        )
        .await;
    let (st2, v2) = alice
        .put(
            &format!("/rooms/{}/redact/{}/R1", enc(&p), enc(&in_p)),
            json!({}),
        )
        .await;
    assert_eq!((st1, st2), (200, 200), "{v1} {v2}");
    assert_ne!(v1["event_id"], v2["event_id"]);
    for (room, id) in [(&r, &in_r), (&p, &in_p)] {
        let (_, ev) = alice
            .get(&format!("/rooms/{}/event/{}", enc(room), enc(id)))
            .await;
        assert_eq!(ev["content"], json!({}), "redacted: {ev}");
    }

    // To-device: the same txn id for two event types delivers both; a retry neither again.
    let bob_dev = device_id(&bob).await;
    let since = bob.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();
    for kind in ["m.test.one", "m.test.two", "m.test.one"] {
        alice
            .ok(
                Method::PUT,
                &format!("/sendToDevice/{kind}/D1"),
                json!({"messages": {&bob.user_id: {&bob_dev: {"k": kind}}}}),
            )
            .await;
    }
    let sync = bob.sync(Some(&since), 0).await;
    let mut kinds: Vec<&str> = sync["to_device"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, vec!["m.test.one", "m.test.two"]);

    s.stop().await;
    home.cleanup().await;
}
both_engines!(txn_ids_are_scoped_to_the_path);

async fn malformed_bodies_and_headers(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;

    // A login without `type` panicked inside ruma's deserializer: now a 400, and the
    // server answers the next request.
    for body in [
        json!({"identifier": {"type": "m.id.user", "user": "alice"}, "password": "password"}),
        json!({"user": "alice", "password": "password"}),
        json!({"type": null, "password": "password"}),
    ] {
        let (status, v) = s.post("/_matrix/client/v3/login", &body).await;
        assert_eq!(
            (status, errcode(&v)),
            (400, Some("M_BAD_JSON")),
            "{body}: {v}"
        );
    }
    let (status, v) = s
        .post("/_matrix/client/v3/login", &json!({"type": "m.login.nope"}))
        .await;
    assert_eq!((status, errcode(&v)), (400, Some("M_UNKNOWN")), "{v}");
    assert_eq!(s.login("alice", "password").await.0, 200);

    // JSON that is not an object.
    for body in ["[1]", "\"text\"", "3"] {
        let r = s
            .http
            .post(s.u("/_matrix/client/v3/createRoom"))
            .bearer_auth(&alice.token)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap()["errcode"], "M_BAD_JSON");
    }

    // No body where one is expected is not JSON (ruma alone would read it as `{}`); where
    // Synapse takes none as `{}` (leave, join, receipts), it still is.
    let room = alice.create_room(json!({})).await;
    for (method, path) in [
        (
            "PUT",
            format!("/rooms/{}/send/m.room.message/empty", enc(&room)),
        ),
        ("PUT", format!("/rooms/{}/state/m.room.topic/", enc(&room))),
        ("POST", "/createRoom".to_string()),
        ("POST", "/keys/upload".to_string()),
    ] {
        let r = s
            .http
            .request(
                method.parse().unwrap(),
                s.u(&format!("/_matrix/client/v3{path}")),
            )
            .bearer_auth(&alice.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{method} {path}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["errcode"],
            "M_NOT_JSON",
            "{path}"
        );
    }
    let r = s
        .http
        .post(s.u(&format!("/_matrix/client/v3/rooms/{}/leave", enc(&room))))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "leave takes no body");
    // As matrix-nio joins: no body at all, on r0.
    let bob = s.user("bob").await;
    let public = alice.create_room(json!({"preset": "public_chat"})).await;
    let r = s
        .http
        .post(s.u(&format!("/_matrix/client/r0/join/{}", enc(&public))))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "join takes no body");

    // Authorization: exactly "Bearer <token>".
    for header in [
        format!("Bearer  {}", alice.token),
        format!("Bearer {} x", alice.token),
        format!("bearer {}", alice.token),
        "Bearer".to_string(),
    ] {
        let r = s
            .http
            .get(s.u("/_matrix/client/v3/account/whoami"))
            .header("authorization", &header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{header:?}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["errcode"],
            "M_MISSING_TOKEN",
            "{header:?}"
        );
    }
    assert_eq!(alice.get("/account/whoami").await.0, 200);

    s.stop().await;
    home.cleanup().await;
}
both_engines!(malformed_bodies_and_headers);

async fn byte_limits_on_events(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let room = alice.create_room(json!({})).await;
    let state =
        |kind: &str, key: &str| format!("/rooms/{}/state/{}/{}", enc(&room), enc(kind), enc(key));

    // 85 three-byte characters are 255 bytes: allowed; 86 are 258: refused.
    let (status, v) = alice
        .put(&state("m.test", &"€".repeat(85)), json!({}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = alice
        .put(&state("m.test", &"€".repeat(86)), json!({}))
        .await;
    assert_eq!((status, errcode(&v)), (413, Some("M_TOO_LARGE")), "{v}");
    let (status, v) = alice.put(&state(&"t".repeat(256), ""), json!({})).await;
    assert_eq!((status, errcode(&v)), (413, Some("M_TOO_LARGE")), "{v}");
    let (status, v) = alice
        .put(
            &format!("/rooms/{}/send/{}/t1", enc(&room), "é".repeat(128)),
            json!({"body": "x"}),
        )
        .await;
    assert_eq!((status, errcode(&v)), (413, Some("M_TOO_LARGE")), "{v}");
    // The whole event over 65,536 bytes (the body limit is far above).
    let (status, v) = alice
        .put(
            &format!("/rooms/{}/send/m.room.message/t2", enc(&room)),
            json!({"msgtype": "m.text", "body": "x".repeat(70_000)}),
        )
        .await;
    assert_eq!((status, errcode(&v)), (413, Some("M_TOO_LARGE")), "{v}");
    // Nothing refused was stored.
    let (_, st) = alice.get(&format!("/rooms/{}/state", enc(&room))).await;
    let keys: Vec<usize> = st
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "m.test")
        .map(|e| e["state_key"].as_str().unwrap().len())
        .collect();
    assert_eq!(keys, vec![255]);

    // createRoom refuses before creating anything.
    let before = alice.get("/joined_rooms").await.1["joined_rooms"]
        .as_array()
        .unwrap()
        .len();
    let (status, v) = alice
        .post(
            "/createRoom",
            json!({"initial_state": [{"type": "m.test", "state_key": "€".repeat(100), "content": {}}]}),
        )
        .await;
    assert_eq!((status, errcode(&v)), (413, Some("M_TOO_LARGE")), "{v}");
    let (status, v) = alice
        .post("/createRoom", json!({"name": "n".repeat(70_000)}))
        .await;
    assert_eq!((status, errcode(&v)), (413, Some("M_TOO_LARGE")), "{v}");
    let after = alice.get("/joined_rooms").await.1["joined_rooms"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "no half-created room");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(byte_limits_on_events);

async fn integer_query_parameters(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let room = alice.create_room(json!({})).await;
    let ev = alice.send_text(&room, "t1", "hi").await;
    let r = enc(&room);
    let e = enc(&ev);

    let bad = [
        format!("/rooms/{r}/context/{e}?limit=abc"),
        format!("/rooms/{r}/context/{e}?limit=-1"),
        format!("/rooms/{r}/messages?dir=b&limit=abc"),
        format!("/rooms/{r}/messages?dir=b&limit=-5"),
        format!("/rooms/{r}/messages?dir=b&limit=1.5"),
        format!("/_matrix/client/v1/rooms/{r}/relations/{e}?limit=x"),
        "/sync?timeout=abc".to_string(),
        "/sync?timeout=-1".to_string(),
        "/notifications?limit=abc".to_string(),
        "/notifications?limit=-1".to_string(),
        "/notifications?from=abc".to_string(),
        "/publicRooms?limit=abc".to_string(),
        // Past the spec's integer range (2^53 - 1): refused alike, typed endpoint or not.
        format!("/rooms/{r}/context/{e}?limit=99999999999999999999999"),
        "/sync?timeout=9007199254740992".to_string(),
        "/publicRooms?limit=99999999999999999999999".to_string(),
    ];
    for path in &bad {
        let (status, v) = alice.get(path).await;
        assert_eq!(
            (status, errcode(&v)),
            (400, Some("M_INVALID_PARAM")),
            "{path}: {v}"
        );
    }
    // In range but past an endpoint's maximum: clamped.
    let good = [
        format!("/rooms/{r}/context/{e}?limit=9007199254740991"),
        format!("/rooms/{r}/messages?dir=b&limit=100000"),
        format!("/_matrix/client/v1/rooms/{r}/relations/{e}?limit=0"),
        "/sync?timeout=99999999999".to_string(),
        "/notifications?limit=100000".to_string(),
        "/publicRooms?limit=100000".to_string(),
    ];
    // (/sync without since is an initial sync: it answers at once whatever the timeout.)
    for path in &good {
        let (status, v) = alice.get(path).await;
        assert_eq!(status, 200, "{path}: {v}");
    }
    let (status, v) = alice.post("/publicRooms", json!({"limit": "ten"})).await;
    assert_eq!((status, errcode(&v)), (400, Some("M_BAD_JSON")), "{v}");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(integer_query_parameters);

async fn notifications_list(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let room = alice
        .create_room(json!({"invite": [&bob.user_id], "is_direct": true}))
        .await;
    bob.ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
        .await;
    alice.send_text(&room, "a1", "alice's own").await;
    let plain = bob.send_text(&room, "b1", "hello").await;
    let (status, v) = bob
        .put(
            &format!("/rooms/{}/send/m.room.message/b2", enc(&room)),
            json!({"msgtype": "m.text", "body": "look", "m.mentions": {"user_ids": [&alice.user_id]}}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let mention = v["event_id"].as_str().unwrap().to_string();

    let (status, v) = alice.get("/notifications").await;
    assert_eq!(status, 200, "{v}");
    let list = v["notifications"].as_array().unwrap();
    let ids: Vec<&str> = list
        .iter()
        .map(|n| n["event"]["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![mention.as_str(), plain.as_str()],
        "newest first, not her own: {v}"
    );
    assert_eq!(list[0]["room_id"], json!(room));
    assert_eq!(list[0]["read"], json!(false));
    assert!(list[0]["ts"].as_u64().unwrap() > 0);
    assert!(
        list[0]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["set_tweak"] == "highlight"),
        "{v}"
    );

    let (_, v) = alice.get("/notifications?only=highlight").await;
    let only: Vec<&str> = v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"]["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(only, vec![mention.as_str()]);

    // Pages.
    let (_, first) = alice.get("/notifications?limit=1").await;
    assert_eq!(first["notifications"].as_array().unwrap().len(), 1);
    let token = first["next_token"]
        .as_str()
        .expect("next_token")
        .to_string();
    let (_, second) = alice
        .get(&format!("/notifications?limit=1&from={}", enc(&token)))
        .await;
    assert_eq!(
        second["notifications"][0]["event"]["event_id"],
        json!(plain),
        "{second}"
    );

    // A read receipt on the newest marks both read.
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{}/receipt/m.read/{}", enc(&room), enc(&mention)),
            json!({}),
        )
        .await;
    let (_, v) = alice.get("/notifications").await;
    assert!(
        v["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["read"] == json!(true)),
        "{v}"
    );
    // Bob was never notified of his own messages.
    let (_, v) = bob.get("/notifications").await;
    assert!(
        v["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["event"]["sender"] != json!(bob.user_id)),
        "{v}"
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(notifications_list);

async fn refused_sends_are_not_counted(engine: Engine) {
    let home = Home::new(engine).await;
    let o = Options {
        relaxed_limits: false,
        extra: "rc_message: {per_second: 0.001, burst_count: 3}\n".into(),
        ..Default::default()
    };
    let s = TestServer::start(&home, &o).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let bobs = bob.create_room(json!({})).await;
    let room = alice.create_room(json!({})).await;
    // Refused before anything is sent: not alice's room, too large, not JSON.
    for i in 0..3 {
        let (status, _) = alice
            .put(
                &format!("/rooms/{}/send/m.room.message/x{i}", enc(&bobs)),
                json!({"body": "no"}),
            )
            .await;
        assert_eq!(status, 403);
        let (status, _) = alice
            .put(
                &format!("/rooms/{}/send/{}/y{i}", enc(&room), "t".repeat(300)),
                json!({"body": "no"}),
            )
            .await;
        assert_eq!(status, 413);
    }
    let mut codes = Vec::new();
    for i in 0..4 {
        let (status, _) = alice
            .put(
                &format!("/rooms/{}/send/m.room.message/ok{i}", enc(&room)),
                json!({"msgtype": "m.text", "body": "yes"}),
            )
            .await;
        codes.push(status);
    }
    assert_eq!(codes, vec![200, 200, 200, 429], "only accepted sends count");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(refused_sends_are_not_counted);
