//! Simplified sliding sync (MSC4186) over real HTTP, on both engines: lists ordered by recency
//! and cut to their ranges, incremental answers with only what changed, positions (a retry, an
//! unknown one), the long-poll, required_state wildcards, filters, invites, rooms left (no
//! state after the leave), and the extensions.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User, enc};

const PATH: &str = "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync";

async fn ss_status(user: &User, pos: Option<&str>, timeout_ms: u64, body: &Value) -> (u16, Value) {
    let mut path = format!("{PATH}?timeout={timeout_ms}");
    if let Some(p) = pos {
        path.push_str(&format!("&pos={}", enc(p)));
    }
    user.call(Method::POST, &path, Some(body)).await
}

async fn ss(user: &User, pos: Option<&str>, body: &Value) -> Value {
    let (status, v) = ss_status(user, pos, 0, body).await;
    assert_eq!(status, 200, "sliding sync: {v}");
    assert!(v["pos"].is_string(), "{v}");
    v
}

fn pos(v: &Value) -> String {
    v["pos"].as_str().unwrap().to_string()
}

fn room_ids(v: &Value) -> Vec<String> {
    let mut ids: Vec<String> = v["rooms"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    ids.sort();
    ids
}

fn bodies(room: &Value) -> Vec<String> {
    room["timeline"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter(|e| e["type"] == "m.room.message")
                .map(|e| e["content"]["body"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn state_keys(room: &Value, kind: &str) -> Vec<String> {
    let mut keys: Vec<String> = room["required_state"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|e| e["type"] == kind)
                .map(|e| e["state_key"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    keys.sort();
    keys
}

fn list(ranges: Value, timeline_limit: u64, required_state: Value) -> Value {
    json!({"ranges": ranges, "timeline_limit": timeline_limit, "required_state": required_state})
}

async fn versions_advertise_it(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let (status, v) = s.get("/_matrix/client/versions").await;
    assert_eq!(status, 200);
    assert_eq!(
        v["unstable_features"]["org.matrix.simplified_msc3575"], true,
        "{v}"
    );
    assert_eq!(
        v["unstable_features"]["org.matrix.e2e_cross_signing"], true,
        "{v}"
    );
    // What the flag makes Element Web call is served on its unstable path.
    let alice = s.user("alice").await;
    let (status, v) = alice
        .post(
            "/_matrix/client/unstable/keys/device_signing/upload",
            json!({}),
        )
        .await;
    assert_ne!(v["errcode"], "M_UNRECOGNIZED", "{status} {v}");
    s.stop().await;
    home.cleanup().await;
}
both_engines!(versions_advertise_it);

async fn lists_by_recency_and_incremental_answers(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let a = alice.create_room(json!({"name": "A"})).await;
    let b = alice.create_room(json!({"name": "B"})).await;
    let c = alice.create_room(json!({"name": "C"})).await;
    alice.send_text(&a, "a1", "first in A").await;
    alice.send_text(&a, "a2", "second in A").await;

    let body = json!({"lists": {"all": list(json!([[0, 1]]), 1, json!([["m.room.name", ""]]))}});
    let first = ss(&alice, None, &body).await;
    assert_eq!(first["lists"]["all"]["count"], 3, "{first}");
    // The two most recent: A (a message last) and C (created after B).
    let mut want = vec![a.clone(), c.clone()];
    want.sort();
    assert_eq!(room_ids(&first), want, "{first}");
    let ra = &first["rooms"][&a];
    assert_eq!(ra["initial"], true);
    assert_eq!(ra["name"], "A");
    assert_eq!(bodies(ra), ["second in A"]);
    assert_eq!(ra["limited"], true, "one of many events: {ra}");
    assert_eq!(ra["joined_count"], 1);
    assert_eq!(state_keys(ra, "m.room.name"), [""]);
    assert!(
        ra["bump_stamp"].as_u64().unwrap() > first["rooms"][&c]["bump_stamp"].as_u64().unwrap()
    );
    // prev_batch pages back through /messages.
    let prev = ra["prev_batch"].as_str().unwrap();
    let older = alice
        .ok(
            Method::GET,
            &format!(
                "/rooms/{}/messages?dir=b&limit=5&from={}",
                enc(&a),
                enc(prev)
            ),
            json!({}),
        )
        .await;
    let older: Vec<&str> = older["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["content"]["body"].as_str())
        .collect();
    assert_eq!(older, ["first in A"]);

    // Nothing new: an empty answer at once (timeout 0), and the position moves on.
    let p1 = pos(&first);
    let quiet = ss(&alice, Some(&p1), &body).await;
    assert!(room_ids(&quiet).is_empty(), "{quiet}");
    assert_eq!(quiet["lists"]["all"]["count"], 3);

    // A message in B moves it into the range; only what changed comes.
    alice.send_text(&b, "b1", "hello B").await;
    let next = ss(&alice, Some(&pos(&quiet)), &body).await;
    assert_eq!(room_ids(&next), [b.clone()], "{next}");
    let rb = &next["rooms"][&b];
    assert_eq!(rb["initial"], true, "B was never sent: {rb}");
    assert_eq!(bodies(rb), ["hello B"]);
    // A retry of the same position is answered again.
    let retry = ss(&alice, Some(&pos(&quiet)), &body).await;
    assert_eq!(room_ids(&retry), [b.clone()]);
    // Then A, already sent, gets only its new event, counted live.
    let p2 = pos(&retry);
    alice.send_text(&a, "a3", "third in A").await;
    let inc = ss(&alice, Some(&p2), &body).await;
    assert_eq!(room_ids(&inc), [a.clone()], "{inc}");
    let ra = &inc["rooms"][&a];
    assert!(ra.get("initial").is_none(), "{ra}");
    assert_eq!(bodies(ra), ["third in A"]);
    assert_eq!(ra["num_live"], 1);
    assert!(
        ra.get("limited").is_none() || ra["limited"] == false,
        "{ra}"
    );

    // The long-poll returns as soon as something in scope changes.
    let p3 = pos(&inc);
    let sender = {
        let (base, token, http) = (alice.base.clone(), alice.token.clone(), alice.http.clone());
        let path = format!(
            "{base}/_matrix/client/v3/rooms/{}/send/m.room.message/late",
            enc(&c)
        );
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            http.put(path)
                .bearer_auth(token)
                .json(&json!({"msgtype": "m.text", "body": "late in C"}))
                .send()
                .await
                .unwrap();
        })
    };
    let started = Instant::now();
    let (status, woken) = ss_status(&alice, Some(&p3), 20_000, &body).await;
    sender.await.unwrap();
    assert_eq!(status, 200, "{woken}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "woke on the event"
    );
    assert_eq!(bodies(&woken["rooms"][&c]), ["late in C"], "{woken}");

    // Positions this server never gave are refused, and the client starts over.
    for bad in ["999/s1_0", "garbage"] {
        let (status, v) = ss_status(&alice, Some(bad), 0, &body).await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(v["errcode"], "M_UNKNOWN_POS", "{v}");
    }
    // Another connection id has its own positions.
    let mut other = body.clone();
    other["conn_id"] = json!("other");
    let (status, v) = ss_status(&alice, Some(&pos(&woken)), 0, &other).await;
    assert_eq!(
        (status, v["errcode"].clone()),
        (400, json!("M_UNKNOWN_POS"))
    );
    s.stop().await;
    home.cleanup().await;
}
both_engines!(lists_by_recency_and_incremental_answers);

async fn required_state_wildcards_lazy_members_and_me(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let room = alice
        .create_room(json!({"preset": "public_chat", "topic": "Tea"}))
        .await;
    for u in [&bob, &carol] {
        u.ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
            .await;
    }
    bob.send_text(&room, "b1", "from bob").await;

    let lazy = json!({"lists": {"l": list(json!([[0, 0]]), 1, json!([
        ["m.room.member", "$LAZY"], ["m.room.member", "$ME"], ["m.room.topic", "*"]
    ]))}});
    let v = ss(&alice, None, &lazy).await;
    let r = &v["rooms"][&room];
    let mut want = vec![alice.user_id.clone(), bob.user_id.clone()];
    want.sort();
    assert_eq!(state_keys(r, "m.room.member"), want, "{r}");
    assert_eq!(state_keys(r, "m.room.topic"), [""]);
    assert!(state_keys(r, "m.room.create").is_empty());
    assert_eq!(r["joined_count"], 3);
    // No name: heroes name the room, the user left out.
    let heroes: Vec<&str> = r["heroes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["user_id"].as_str().unwrap())
        .collect();
    assert!(heroes.contains(&bob.user_id.as_str()) && !heroes.contains(&alice.user_id.as_str()));

    // Carol speaks: her member event comes once, with her message.
    carol.send_text(&room, "c1", "from carol").await;
    let v2 = ss(&alice, Some(&pos(&v)), &lazy).await;
    let r2 = &v2["rooms"][&room];
    assert_eq!(
        state_keys(r2, "m.room.member"),
        [carol.user_id.clone()],
        "{r2}"
    );
    carol.send_text(&room, "c2", "carol again").await;
    let v3 = ss(&alice, Some(&pos(&v2)), &lazy).await;
    assert!(
        state_keys(&v3["rooms"][&room], "m.room.member").is_empty(),
        "{v3}"
    );

    // Asking for more state than before sends it: everything with ["*", "*"].
    let all = json!({"lists": {"l": list(json!([[0, 0]]), 1, json!([["*", "*"]]))}});
    let v4 = ss(&alice, Some(&pos(&v3)), &all).await;
    let r4 = &v4["rooms"][&room];
    let mut members = vec![
        alice.user_id.clone(),
        bob.user_id.clone(),
        carol.user_id.clone(),
    ];
    members.sort();
    assert_eq!(state_keys(r4, "m.room.member"), members, "{r4}");
    assert_eq!(state_keys(r4, "m.room.create"), [""]);
    s.stop().await;
    home.cleanup().await;
}
both_engines!(required_state_wildcards_lazy_members_and_me);

async fn filters_invites_and_subscriptions(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let plain = alice.create_room(json!({"name": "plain"})).await;
    let space = alice
        .create_room(json!({"name": "space", "creation_content": {"type": "m.space"}}))
        .await;
    let secret = alice
        .create_room(json!({"name": "secret", "initial_state": [
            {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
        ]}))
        .await;
    let dm = bob
        .create_room(
            json!({"preset": "trusted_private_chat", "is_direct": true, "invite": [alice.user_id]}),
        )
        .await;
    alice
        .ok(
            Method::PUT,
            &format!("/user/{}/account_data/m.direct", enc(&alice.user_id)),
            json!({ bob.user_id.clone(): [dm.clone()] }),
        )
        .await;
    alice
        .ok(
            Method::PUT,
            &format!(
                "/user/{}/rooms/{}/tags/m.favourite",
                enc(&alice.user_id),
                enc(&plain)
            ),
            json!({}),
        )
        .await;

    let with = |filters: Value| json!({"lists": {"l": {"ranges": [[0, 20]], "timeline_limit": 0, "required_state": [], "filters": filters}}});
    let ids = |v: &Value| room_ids(v);
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let v = ss(&alice, None, &with(json!({"is_invite": true}))).await;
    assert_eq!(ids(&v), [dm.clone()]);
    let invite = &v["rooms"][&dm]["invite_state"];
    assert!(
        invite
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "m.room.member" && e["state_key"] == alice.user_id),
        "{v}"
    );
    assert_eq!(v["rooms"][&dm]["is_dm"], true);
    let v = ss(&alice, None, &with(json!({"is_dm": true}))).await;
    assert_eq!(ids(&v), [dm.clone()]);
    let v = ss(&alice, None, &with(json!({"is_encrypted": true}))).await;
    assert_eq!(ids(&v), [secret.clone()]);
    let v = ss(&alice, None, &with(json!({"room_types": ["m.space"]}))).await;
    assert_eq!(ids(&v), [space.clone()]);
    let v = ss(
        &alice,
        None,
        &with(json!({"not_room_types": ["m.space"], "is_invite": false})),
    )
    .await;
    assert_eq!(ids(&v), sorted(vec![plain.clone(), secret.clone()]));
    let v = ss(&alice, None, &with(json!({"tags": ["m.favourite"]}))).await;
    assert_eq!(ids(&v), [plain.clone()]);
    let v = ss(
        &alice,
        None,
        &with(json!({"not_tags": ["m.favourite"], "is_invite": false})),
    )
    .await;
    assert_eq!(ids(&v), sorted(vec![space.clone(), secret.clone()]));
    // A list without ranges is the whole list (as Synapse).
    let v = ss(
        &alice,
        None,
        &json!({"lists": {"l": {"timeline_limit": 0, "required_state": []}}}),
    )
    .await;
    assert_eq!(v["lists"]["l"]["count"], 4);
    assert_eq!(ids(&v).len(), 4);
    // A subscription alone, with its own timeline limit; rooms the user is not in are ignored.
    alice.send_text(&plain, "p1", "one").await;
    alice.send_text(&plain, "p2", "two").await;
    let other = bob.create_room(json!({"name": "not alice's"})).await;
    let v = ss(
        &alice,
        None,
        &json!({"room_subscriptions": {
            plain.clone(): {"timeline_limit": 2, "required_state": [["m.room.name", ""]]},
            other.clone(): {"timeline_limit": 2, "required_state": []}
        }}),
    )
    .await;
    assert_eq!(ids(&v), [plain.clone()]);
    assert_eq!(bodies(&v["rooms"][&plain]), ["one", "two"]);
    s.stop().await;
    home.cleanup().await;
}
both_engines!(filters_invites_and_subscriptions);

/// Synapse's CVE-2024-53867: sliding sync sent the state of rooms the user had left. Here a
/// left room stops at the leave (or kick): later names and messages are never sent.
async fn rooms_left_send_nothing_after_the_leave(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let room = alice
        .create_room(json!({"preset": "public_chat", "name": "Before"}))
        .await;
    let r = enc(&room);
    for u in [&bob, &carol] {
        u.ok(Method::POST, &format!("/join/{r}"), json!({})).await;
    }
    let body = json!({"lists": {"l": list(json!([[0, 9]]), 5, json!([["*", "*"]]))}});
    let bob0 = ss(&bob, None, &body).await;
    assert_eq!(bob0["rooms"][&room]["name"], "Before");

    bob.ok(Method::POST, &format!("/rooms/{r}/leave"), json!({}))
        .await;
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{r}/kick"),
            json!({"user_id": carol.user_id}),
        )
        .await;
    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/state/m.room.name/"),
            json!({"name": "After"}),
        )
        .await;
    alice.send_text(&room, "x", "after they left").await;

    // Bob's connection sees his own leave, and nothing after it.
    let bob1 = ss(&bob, Some(&pos(&bob0)), &body).await;
    let rb = &bob1["rooms"][&room];
    let timeline = rb["timeline"].as_array().unwrap();
    assert_eq!(timeline.last().unwrap()["type"], "m.room.member", "{rb}");
    assert_eq!(timeline.last().unwrap()["content"]["membership"], "leave");
    assert!(bodies(rb).is_empty(), "{rb}");
    assert!(!bob1.to_string().contains("After"), "{bob1}");
    alice.send_text(&room, "y", "later still").await;
    let bob2 = ss(&bob, Some(&pos(&bob1)), &body).await;
    assert!(!bob2.to_string().contains("later still"), "{bob2}");
    // A new connection does not list a room Bob left himself.
    let fresh = ss(&bob, None, &body).await;
    assert!(room_ids(&fresh).is_empty(), "{fresh}");

    // Carol was kicked: the room stays listed, as it stood at the kick.
    let c = ss(&carol, None, &body).await;
    let rc = &c["rooms"][&room];
    assert_eq!(rc["name"], "Before", "{rc}");
    assert!(!c.to_string().contains("After"), "{c}");
    assert!(!c.to_string().contains("after they left"), "{c}");
    s.stop().await;
    home.cleanup().await;
}
both_engines!(rooms_left_send_nothing_after_the_leave);

async fn extensions_to_device_e2ee_account_data_receipts_typing(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    let r = enc(&room);
    bob.ok(Method::POST, &format!("/join/{r}"), json!({})).await;
    let ext = json!({
        "lists": {"l": list(json!([[0, 9]]), 1, json!([]))},
        "extensions": {
            "to_device": {"enabled": true},
            "e2ee": {"enabled": true},
            "account_data": {"enabled": true},
            "receipts": {"enabled": true},
            "typing": {"enabled": true}
        }
    });
    let a0 = ss(&alice, None, &ext).await;
    let e = &a0["extensions"];
    assert!(e["to_device"]["next_batch"].is_string(), "{e}");
    assert!(
        e["e2ee"]["device_unused_fallback_key_types"].is_array(),
        "{e}"
    );
    assert!(
        e["account_data"]["global"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["type"] == "m.push_rules"),
        "{e}"
    );

    // To-device: delivered until acknowledged with the extension's own since.
    let alice_device = alice.ok(Method::GET, "/account/whoami", json!({})).await["device_id"]
        .as_str()
        .unwrap()
        .to_string();
    bob.ok(
        Method::PUT,
        "/sendToDevice/m.test/t1",
        json!({"messages": {alice.user_id.clone(): {alice_device.clone(): {"n": 1}}}}),
    )
    .await;
    // Typing, a receipt and room account data, all from the last position.
    bob.ok(
        Method::PUT,
        &format!("/rooms/{r}/typing/{}", enc(&bob.user_id)),
        json!({"typing": true, "timeout": 30000}),
    )
    .await;
    let event = bob.send_text(&room, "b1", "read me").await;
    bob.ok(
        Method::POST,
        &format!("/rooms/{r}/receipt/m.read/{}", enc(&event)),
        json!({}),
    )
    .await;
    alice
        .ok(
            Method::PUT,
            &format!(
                "/user/{}/rooms/{r}/account_data/org.example.note",
                enc(&alice.user_id)
            ),
            json!({"note": "hi"}),
        )
        .await;
    let mut body = ext.clone();
    body["extensions"]["to_device"]["since"] = a0["extensions"]["to_device"]["next_batch"].clone();
    let a1 = ss(&alice, Some(&pos(&a0)), &body).await;
    let e = &a1["extensions"];
    let msgs = e["to_device"]["events"].as_array().unwrap();
    assert_eq!(msgs.len(), 1, "{e}");
    assert_eq!(msgs[0]["content"]["n"], 1);
    assert_eq!(msgs[0]["sender"], bob.user_id);
    assert_eq!(
        e["typing"]["rooms"][&room]["content"]["user_ids"],
        json!([bob.user_id]),
        "{e}"
    );
    assert!(
        e["receipts"]["rooms"][&room]["content"][&event]["m.read"][&bob.user_id]["ts"].is_number(),
        "{e}"
    );
    assert_eq!(
        e["account_data"]["rooms"][&room][0]["type"], "org.example.note",
        "{e}"
    );
    // Acknowledged: not sent again; a retry before acknowledging would have it again.
    body["extensions"]["to_device"]["since"] = e["to_device"]["next_batch"].clone();
    let a2 = ss(&alice, Some(&pos(&a1)), &body).await;
    assert!(
        a2["extensions"]["to_device"]["events"]
            .as_array()
            .is_none_or(|m| m.is_empty()),
        "{a2}"
    );

    // Device lists: Bob's new device key shows in Alice's e2ee extension.
    let bob_device = bob.ok(Method::GET, "/account/whoami", json!({})).await["device_id"]
        .as_str()
        .unwrap()
        .to_string();
    bob.ok(
        Method::POST,
        "/keys/upload",
        json!({"device_keys": {
            "user_id": bob.user_id, "device_id": bob_device,
            "algorithms": ["m.olm.v1.curve25519-aes-sha2"],
            "keys": {format!("curve25519:{bob_device}"): "abc", format!("ed25519:{bob_device}"): "def"},
            "signatures": {}
        }}),
    )
    .await;
    let a3 = ss(&alice, Some(&pos(&a2)), &body).await;
    assert_eq!(
        a3["extensions"]["e2ee"]["device_lists"]["changed"],
        json!([bob.user_id]),
        "{a3}"
    );
    s.stop().await;
    home.cleanup().await;
}
both_engines!(extensions_to_device_e2ee_account_data_receipts_typing);

/// A device that logged out loses its connections: logging in again under the same device id,
/// its old position is unknown and the client starts over.
async fn a_logged_out_device_starts_over(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    alice.create_room(json!({"name": "A"})).await;
    let login = json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": "alice"},
        "password": "password", "device_id": "PHONE"});
    let (status, v) = s.post("/_matrix/client/v3/login", &login).await;
    assert_eq!(status, 200, "{v}");
    let phone = User {
        token: v["access_token"].as_str().unwrap().to_string(),
        ..alice.clone()
    };
    let body = json!({"lists": {"l": list(json!([[0, 9]]), 1, json!([]))}});
    let first = ss(&phone, None, &body).await;
    let p = pos(&first);
    assert_eq!(ss_status(&phone, Some(&p), 0, &body).await.0, 200);
    phone.ok(Method::POST, "/logout", json!({})).await;
    let (status, v) = s.post("/_matrix/client/v3/login", &login).await;
    assert_eq!(status, 200, "{v}");
    let phone = User {
        token: v["access_token"].as_str().unwrap().to_string(),
        ..alice.clone()
    };
    let (status, v) = ss_status(&phone, Some(&p), 0, &body).await;
    assert_eq!(
        (status, v["errcode"].clone()),
        (400, json!("M_UNKNOWN_POS")),
        "{v}"
    );
    s.stop().await;
    home.cleanup().await;
}
both_engines!(a_logged_out_device_starts_over);

/// A later answer is built on what the last one left (the lists' layout) when the request and
/// the user's rooms are the same. Through a random mix of writes, a connection doing so answers
/// exactly as a twin whose kept layout is dropped before every request, so it lays out anew.
async fn answers_built_on_the_last_one_equal_those_laid_out_anew(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let device = alice.ok(Method::GET, "/account/whoami", json!({})).await["device_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut rooms = Vec::new();
    let mut last_event = Vec::new();
    for i in 0..6 {
        let room = alice
            .create_room(json!({"preset": "public_chat", "name": format!("room {i}")}))
            .await;
        bob.ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
            .await;
        last_event.push(alice.send_text(&room, &format!("t{i}"), "hello").await);
        rooms.push(room);
    }
    let body = |conn: &str| {
        json!({
            "conn_id": conn,
            "lists": {
                "all": list(json!([[0, 2]]), 2, json!([["m.room.name", ""], ["m.room.member", "$LAZY"]])),
                "encrypted": {
                    "ranges": [[0, 9]], "timeline_limit": 1, "required_state": [],
                    "filters": {"is_encrypted": true}
                },
                "work": {
                    "ranges": [[0, 9]], "timeline_limit": 1, "required_state": [],
                    "filters": {"tags": ["u.work"]}
                }
            },
            "extensions": {
                "account_data": {"enabled": true},
                "receipts": {"enabled": true},
                "typing": {"enabled": true}
            }
        })
    };
    let (kept_body, fresh_body) = (body("kept"), body("fresh"));
    // Equal but for the position and the events' ages (the two are read moments apart).
    fn strip(v: &mut Value) {
        match v {
            Value::Object(o) => {
                o.remove("pos");
                o.remove("age");
                o.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let same = |a: &Value, b: &Value, step: &str| {
        let (mut a, mut b) = (a.clone(), b.clone());
        strip(&mut a);
        strip(&mut b);
        assert!(
            a == b,
            "{step}: built on the last answer {a}\nvs laid out anew {b}"
        );
    };
    let mut kept = ss(&alice, None, &kept_body).await;
    let mut fresh = ss(&alice, None, &fresh_body).await;
    same(&kept, &fresh, "first");
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut joined = vec![true; rooms.len()];
    for step in 0..60 {
        let k = next(rooms.len() as u64) as usize;
        let (room, r) = (&rooms[k], enc(&rooms[k]));
        let op = next(9);
        let what = format!("step {step}: op {op} in room {k}");
        match op {
            0 | 1 if joined[k] => {
                last_event[k] = alice.send_text(room, &format!("a{step}"), &what).await;
            }
            0 | 1 | 2 => last_event[k] = bob.send_text(room, &format!("b{step}"), &what).await,
            3 => {
                bob.ok(
                    Method::POST,
                    &format!("/rooms/{r}/receipt/m.read/{}", enc(&last_event[k])),
                    json!({}),
                )
                .await;
            }
            4 => {
                bob.ok(
                    Method::PUT,
                    &format!("/rooms/{r}/typing/{}", enc(&bob.user_id)),
                    json!({"typing": step % 2 == 0, "timeout": 60000}),
                )
                .await;
            }
            5 => {
                alice
                    .ok(
                        Method::PUT,
                        &format!("/user/{}/rooms/{r}/tags/u.work", enc(&alice.user_id)),
                        json!({}),
                    )
                    .await;
            }
            6 if joined[k] => {
                alice
                    .ok(
                        Method::PUT,
                        &format!("/rooms/{r}/state/m.room.encryption/"),
                        json!({"algorithm": "m.megolm.v1.aes-sha2"}),
                    )
                    .await;
            }
            7 if joined[k] => {
                alice
                    .ok(Method::POST, &format!("/rooms/{r}/leave"), json!({}))
                    .await;
                joined[k] = false;
            }
            7 => {
                alice
                    .ok(Method::POST, &format!("/join/{r}"), json!({}))
                    .await;
                joined[k] = true;
            }
            _ => {}
        }
        kept = ss(&alice, Some(&pos(&kept)), &kept_body).await;
        fresh = ss(&alice, Some(&pos(&fresh)), &fresh_body).await;
        same(&kept, &fresh, &what);
        s.services
            .sliding
            .connections
            .forget_kept(&alice.user_id, &device, "fresh");
    }
    s.stop().await;
    home.cleanup().await;
}
both_engines!(answers_built_on_the_last_one_equal_those_laid_out_anew);

/// What a sliding sync remembers between requests (each room's bump stamp, whether it is
/// encrypted) follows the kinds of the events that come: a reaction does not move a room up, a
/// message does, enabling encryption puts a room in an `is_encrypted` list. A restarted server,
/// which remembers nothing, answers the same.
async fn bump_stamps_and_filters_follow_new_events(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let a = alice.create_room(json!({"name": "A"})).await;
    let b = alice.create_room(json!({"name": "B"})).await;
    let in_a = alice.send_text(&a, "a1", "in A").await;
    alice.send_text(&b, "b1", "in B").await;
    let body = json!({"lists": {
        "all": list(json!([[0, 9]]), 1, json!([])),
        "secret": {"ranges": [[0, 9]], "timeline_limit": 0, "required_state": [],
                   "filters": {"is_encrypted": true}}
    }});
    let bump = |v: &Value, room: &str| v["rooms"][room]["bump_stamp"].as_u64();

    let first = ss(&alice, None, &body).await;
    let (a0, b0) = (bump(&first, &a).unwrap(), bump(&first, &b).unwrap());
    assert!(b0 > a0, "{first}");
    assert_eq!(first["lists"]["secret"]["count"], 0);

    // A reaction in A: A comes with it, neither moved up nor re-ordered.
    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{}/send/m.reaction/r1", enc(&a)),
            json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": in_a, "key": "👍"}}),
        )
        .await;
    let reacted = ss(&alice, Some(&pos(&first)), &body).await;
    assert_eq!(bump(&reacted, &a), Some(a0), "{reacted}");
    // A message in A moves it above B (lists are ordered by bump stamp).
    alice.send_text(&a, "a2", "again in A").await;
    let moved = ss(&alice, Some(&pos(&reacted)), &body).await;
    let a1 = bump(&moved, &a).unwrap();
    assert!(a1 > b0, "{moved}");
    // Encryption enabled in B (no event of a bumping kind): B joins the encrypted list.
    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{}/state/m.room.encryption/", enc(&b)),
            json!({"algorithm": "m.megolm.v1.aes-sha2"}),
        )
        .await;
    let encrypted = ss(&alice, Some(&pos(&moved)), &body).await;
    assert_eq!(encrypted["lists"]["secret"]["count"], 1, "{encrypted}");
    assert_eq!(bump(&encrypted, &b), Some(b0), "{encrypted}");

    // A restarted server reads everything again and agrees.
    s.stop().await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = User {
        base: s.url.clone(),
        ..alice.clone()
    };
    let anew = ss(&alice, None, &body).await;
    assert_eq!(
        (bump(&anew, &a), bump(&anew, &b)),
        (Some(a1), Some(b0)),
        "{anew}"
    );
    assert_eq!(anew["lists"]["secret"]["count"], 1, "{anew}");
    s.stop().await;
    home.cleanup().await;
}
both_engines!(bump_stamps_and_filters_follow_new_events);
