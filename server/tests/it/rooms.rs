//! Rooms over real HTTP: createRoom presets and room versions, membership through the auth
//! rules, sending with transaction ids, state, redaction, history pagination and context.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, enc};

fn state_of<'a>(state: &'a Value, kind: &str, key: &str) -> Option<&'a Value> {
    state
        .as_array()?
        .iter()
        .find(|e| e["type"] == kind && e["state_key"] == key)
}

async fn create_room_presets_and_versions(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;

    // Default: room version 12, whose room id is the create event's hash (no server part).
    let room = alice
        .create_room(json!({"name": "Plans", "topic": "weekend", "preset": "private_chat"}))
        .await;
    assert!(room.starts_with('!') && !room.contains(':'), "{room}");
    let (status, state) = alice.get(&format!("/rooms/{}/state", enc(&room))).await;
    assert_eq!(status, 200, "{state}");
    let create = state_of(&state, "m.room.create", "").unwrap();
    assert_eq!(create["content"]["room_version"], "12");
    assert_eq!(
        create["event_id"].as_str().unwrap()[1..],
        room[1..],
        "v12: room id = create event id"
    );
    assert_eq!(
        state_of(&state, "m.room.join_rules", "").unwrap()["content"]["join_rule"],
        "invite"
    );
    assert_eq!(
        state_of(&state, "m.room.history_visibility", "").unwrap()["content"]["history_visibility"],
        "shared"
    );
    assert_eq!(
        state_of(&state, "m.room.guest_access", "").unwrap()["content"]["guest_access"],
        "can_join"
    );
    assert_eq!(
        state_of(&state, "m.room.name", "").unwrap()["content"]["name"],
        "Plans"
    );
    assert_eq!(
        state_of(&state, "m.room.topic", "").unwrap()["content"]["topic"],
        "weekend"
    );
    let pl = &state_of(&state, "m.room.power_levels", "").unwrap()["content"];
    assert_eq!(pl["invite"], 0, "private_chat lets members invite");
    assert_eq!(
        pl["users"],
        json!({}),
        "v12 creators are privileged without a users entry"
    );
    assert_eq!(
        state_of(&state, "m.room.member", &alice.user_id).unwrap()["content"]["membership"],
        "join"
    );

    // An older room version gets a room id with our server name and a creator in users.
    let old = alice
        .create_room(
            json!({"room_version": "10", "preset": "public_chat", "room_alias_name": "town"}),
        )
        .await;
    assert!(old.ends_with(":test.example"), "{old}");
    let (_, state) = alice.get(&format!("/rooms/{}/state", enc(&old))).await;
    assert_eq!(
        state_of(&state, "m.room.power_levels", "").unwrap()["content"]["users"][&alice.user_id],
        100
    );
    assert_eq!(
        state_of(&state, "m.room.join_rules", "").unwrap()["content"]["join_rule"],
        "public"
    );
    assert_eq!(
        state_of(&state, "m.room.canonical_alias", "").unwrap()["content"]["alias"],
        "#town:test.example"
    );
    let (status, body) = alice
        .post("/createRoom", json!({"room_alias_name": "town"}))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_ROOM_IN_USE"))
    );
    let (status, body) = alice
        .post("/createRoom", json!({"room_version": "99"}))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_UNSUPPORTED_ROOM_VERSION"))
    );
    let (status, body) = alice.post("/createRoom", json!({"preset": "party"})).await;
    assert_eq!(status, 400, "{body}");

    // Joining by alias works for anyone on a public room.
    let bob = s.user("bob").await;
    let (status, body) = bob
        .post(&format!("/join/{}", enc("#town:test.example")), json!({}))
        .await;
    assert_eq!(
        (status, body["room_id"].as_str()),
        (200, Some(old.as_str())),
        "{body}"
    );
    let (_, joined) = bob.get("/joined_rooms").await;
    assert_eq!(joined["joined_rooms"], json!([old]));

    s.stop().await;
    home.cleanup().await;
}
both_engines!(create_room_presets_and_versions);

async fn membership_follows_the_auth_rules(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let room = alice.create_room(json!({"preset": "private_chat"})).await;
    let r = enc(&room);

    // Not invited: cannot join a private room, cannot send.
    let (status, body) = carol.post(&format!("/rooms/{r}/join"), json!({})).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_FORBIDDEN")),
        "{body}"
    );
    let (status, _) = carol
        .put(
            &format!("/rooms/{r}/send/m.room.message/t1"),
            json!({"msgtype": "m.text", "body": "hi"}),
        )
        .await;
    assert_eq!(status, 403);

    alice
        .ok(
            Method::POST,
            &format!("/rooms/{r}/invite"),
            json!({"user_id": bob.user_id}),
        )
        .await;
    bob.ok(Method::POST, &format!("/rooms/{r}/join"), json!({}))
        .await;

    // Bob has power level 0: he may invite (invite: 0) but not change power levels or kick.
    let (status, body) = bob
        .put(
            &format!("/rooms/{r}/state/m.room.power_levels"),
            json!({"users": {bob.user_id.clone(): 100}}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_FORBIDDEN")),
        "{body}"
    );
    let (status, _) = bob
        .post(
            &format!("/rooms/{r}/kick"),
            json!({"user_id": alice.user_id}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = bob
        .put(
            &format!("/rooms/{r}/state/m.room.name"),
            json!({"name": "mine"}),
        )
        .await;
    assert_eq!(status, 403, "state_default is 50");
    bob.ok(
        Method::POST,
        &format!("/rooms/{r}/invite"),
        json!({"user_id": carol.user_id}),
    )
    .await;
    carol
        .ok(Method::POST, &format!("/rooms/{r}/join"), json!({}))
        .await;

    // Alice kicks carol, bans bob, unbans him; bob cannot come back while banned.
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{r}/kick"),
            json!({"user_id": carol.user_id, "reason": "bye"}),
        )
        .await;
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{r}/ban"),
            json!({"user_id": bob.user_id}),
        )
        .await;
    let (status, _) = bob.post(&format!("/rooms/{r}/join"), json!({})).await;
    assert_eq!(status, 403);
    let (_, members) = alice.get(&format!("/rooms/{r}/members")).await;
    let by_user: Vec<(String, String)> = members["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["state_key"].as_str().unwrap().to_string(),
                e["content"]["membership"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        by_user.contains(&(bob.user_id.clone(), "ban".into()))
            && by_user.contains(&(carol.user_id.clone(), "leave".into()))
    );
    let (_, joined) = alice
        .get(&format!("/rooms/{r}/members?membership=join"))
        .await;
    assert_eq!(joined["chunk"].as_array().unwrap().len(), 1);
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{r}/unban"),
            json!({"user_id": bob.user_id}),
        )
        .await;
    let (status, _) = alice
        .post(
            &format!("/rooms/{r}/unban"),
            json!({"user_id": bob.user_id}),
        )
        .await;
    assert_eq!(status, 403, "not banned any more");

    // Leave and forget.
    let (_, jm) = alice.get(&format!("/rooms/{r}/joined_members")).await;
    assert!(jm["joined"].get(&alice.user_id).is_some());
    let (status, _) = carol.post(&format!("/rooms/{r}/forget"), json!({})).await;
    assert_eq!(status, 200);
    let (status, body) = alice.post(&format!("/rooms/{r}/forget"), json!({})).await;
    assert_eq!(status, 400, "must leave first: {body}");

    // Unknown room.
    let (status, body) = alice
        .post(
            &format!("/rooms/{}/join", enc("!nope:test.example")),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (404, Some("M_NOT_FOUND"))
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(membership_follows_the_auth_rules);

async fn messages_state_redaction_and_history(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    let r = enc(&room);

    // Transaction ids: the same txn gives the same event.
    let e1 = alice.send_text(&room, "txn-1", "first").await;
    assert_eq!(alice.send_text(&room, "txn-1", "first (retry)").await, e1);
    let mut ids = vec![e1.clone()];
    for i in 2..=25 {
        ids.push(
            alice
                .send_text(&room, &format!("txn-{i}"), &format!("message {i}"))
                .await,
        );
    }

    // GET /event, with the txn id echoed to the sender.
    let (status, ev) = alice.get(&format!("/rooms/{r}/event/{}", enc(&e1))).await;
    assert_eq!(status, 200);
    assert_eq!(ev["content"]["body"], "first");
    assert_eq!(ev["unsigned"]["transaction_id"], "txn-1");
    assert_eq!(ev["room_id"], room);

    // Backwards pagination in pages of 10 returns every message once, newest first.
    let mut seen = Vec::new();
    let mut from: Option<String> = None;
    for _ in 0..10 {
        let mut path = format!("/rooms/{r}/messages?dir=b&limit=10");
        if let Some(f) = &from {
            path.push_str(&format!("&from={}", enc(f)));
        }
        let (status, page) = alice.get(&path).await;
        assert_eq!(status, 200, "{page}");
        for e in page["chunk"].as_array().unwrap() {
            if e["type"] == "m.room.message" {
                seen.push(e["event_id"].as_str().unwrap().to_string());
            }
        }
        match page.get("end").and_then(Value::as_str) {
            Some(end) => from = Some(end.to_string()),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);

    // Forwards from the start.
    let (_, page) = alice
        .get(&format!("/rooms/{r}/messages?dir=f&limit=3"))
        .await;
    assert_eq!(page["chunk"][0]["type"], "m.room.create");
    assert_eq!(page["chunk"].as_array().unwrap().len(), 3);
    let (status, body) = alice.get(&format!("/rooms/{r}/messages")).await;
    assert_eq!(status, 400, "dir is required: {body}");

    // Context around the 10th message.
    let (status, ctx) = alice
        .get(&format!("/rooms/{r}/context/{}?limit=4", enc(&ids[9])))
        .await;
    assert_eq!(status, 200, "{ctx}");
    assert_eq!(ctx["event"]["event_id"], ids[9]);
    assert_eq!(ctx["events_before"][0]["event_id"], ids[8]);
    assert_eq!(ctx["events_after"][0]["event_id"], ids[10]);
    assert!(
        ctx["state"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "m.room.create")
    );

    // State get/put.
    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/state/m.room.topic"),
            json!({"topic": "new"}),
        )
        .await;
    let (status, topic) = alice.get(&format!("/rooms/{r}/state/m.room.topic/")).await;
    assert_eq!((status, topic["topic"].as_str()), (200, Some("new")));
    let (status, _) = alice.get(&format!("/rooms/{r}/state/m.room.avatar")).await;
    assert_eq!(status, 404);
    let custom = alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/state/org.example.widget/{}", enc("a/b")),
            json!({"x": 1}),
        )
        .await;
    let (_, got) = alice
        .get(&format!(
            "/rooms/{r}/state/org.example.widget/{}",
            enc("a/b")
        ))
        .await;
    assert_eq!(got, json!({"x": 1}));
    assert!(custom["event_id"].as_str().unwrap().starts_with('$'));

    // Redaction strips content and says why.
    let red = alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/redact/{}/red-1", enc(&ids[1])),
            json!({"reason": "typo"}),
        )
        .await;
    let (_, ev) = alice
        .get(&format!("/rooms/{r}/event/{}", enc(&ids[1])))
        .await;
    assert_eq!(ev["content"], json!({}), "{ev}");
    assert_eq!(
        ev["unsigned"]["redacted_because"]["event_id"],
        red["event_id"]
    );
    assert_eq!(
        ev["unsigned"]["redacted_because"]["content"]["reason"],
        "typo"
    );

    // Relations are kept intact: an edit and a reaction point at their targets.
    let edit = json!({"msgtype": "m.text", "body": "* fixed", "m.new_content": {"msgtype": "m.text", "body": "fixed"},
                      "m.relates_to": {"rel_type": "m.replace", "event_id": ids[2]}});
    let edit_id = alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/send/m.room.message/edit-1"),
            edit,
        )
        .await["event_id"]
        .clone();
    let (_, ev) = alice
        .get(&format!(
            "/rooms/{r}/event/{}",
            enc(edit_id.as_str().unwrap())
        ))
        .await;
    assert_eq!(ev["content"]["m.relates_to"]["event_id"], ids[2]);

    // Another user not in the room sees nothing.
    let eve = s.user("eve").await;
    let (status, _) = eve.get(&format!("/rooms/{r}/messages?dir=b")).await;
    assert_eq!(status, 403);

    s.stop().await;
    home.cleanup().await;
}
both_engines!(messages_state_redaction_and_history);

async fn relations_are_kept_and_listed(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let room = alice.create_room(json!({})).await;
    let r = enc(&room);
    let root = alice.send_text(&room, "root", "original").await;
    let rel = |rel_type: &str| json!({"rel_type": rel_type, "event_id": root});
    alice.ok(Method::PUT, &format!("/rooms/{r}/send/m.room.message/e1"), json!({"msgtype": "m.text", "body": "* edited", "m.new_content": {"msgtype": "m.text", "body": "edited"}, "m.relates_to": rel("m.replace")})).await;
    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/send/m.reaction/r1"),
            json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": root, "key": "👍"}}),
        )
        .await;
    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/send/m.reaction/r2"),
            json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": root, "key": "🎉"}}),
        )
        .await;
    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/send/m.room.message/t1"),
            json!({"msgtype": "m.text", "body": "in thread", "m.relates_to": rel("m.thread")}),
        )
        .await;
    let reply = json!({"msgtype": "m.text", "body": "a reply", "m.relates_to": {"m.in_reply_to": {"event_id": root}}});
    let reply_id = alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/send/m.room.message/rep"),
            reply,
        )
        .await["event_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, ev) = alice
        .get(&format!("/rooms/{r}/event/{}", enc(&reply_id)))
        .await;
    assert_eq!(
        ev["content"]["m.relates_to"]["m.in_reply_to"]["event_id"], root,
        "replies are kept intact"
    );

    let base = format!("/_matrix/client/v1/rooms/{r}/relations/{}", enc(&root));
    let (status, all) = alice.get(&format!("{base}?limit=10")).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        all["chunk"].as_array().unwrap().len(),
        4,
        "edit, two reactions, thread reply: {all}"
    );
    let (_, ann) = alice.get(&format!("{base}/m.annotation")).await;
    let keys: Vec<&str> = ann["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["content"]["m.relates_to"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["🎉", "👍"], "newest first");
    let (_, typed) = alice.get(&format!("{base}/m.replace/m.room.message")).await;
    assert_eq!(
        typed["chunk"][0]["content"]["m.new_content"]["body"],
        "edited"
    );
    let (_, page) = alice.get(&format!("{base}?limit=1")).await;
    let next = page["next_batch"].as_str().unwrap();
    let (_, page2) = alice
        .get(&format!("{base}?limit=1&from={}", enc(next)))
        .await;
    assert_ne!(page2["chunk"][0]["event_id"], page["chunk"][0]["event_id"]);
    let (status, _) = alice
        .get(&format!(
            "/_matrix/client/v1/rooms/{r}/relations/{}",
            enc("$nope")
        ))
        .await;
    assert_eq!(status, 404);
    s.stop().await;
    home.cleanup().await;
}
both_engines!(relations_are_kept_and_listed);

/// Element Web reads the members of a room it is invited to with `?at=` before the invite is
/// accepted: as Synapse, the history visibility decides (`shared` and `invited` let the invited
/// user read them; `joined` does not), and without `at` an invited user is refused.
async fn an_invited_user_reads_members_at_a_token_when_history_is_shared(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let room = alice
        .create_room(json!({"preset": "private_chat", "invite": [bob.user_id]}))
        .await;
    let r = enc(&room);
    let at = bob.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, v) = bob
        .get(&format!("/rooms/{r}/members?at={}", enc(&at)))
        .await;
    assert_eq!(status, 200, "{v}");
    let mut who: Vec<(String, String)> = v["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["state_key"].as_str().unwrap().to_string(),
                e["content"]["membership"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    who.sort();
    assert_eq!(
        who,
        [
            (alice.user_id.clone(), "join".to_string()),
            (bob.user_id.clone(), "invite".to_string())
        ]
    );
    let (status, _) = bob.get(&format!("/rooms/{r}/members")).await;
    assert_eq!(
        status, 403,
        "without at, an invited user is not in the room"
    );
    alice
        .ok(
            reqwest::Method::PUT,
            &format!("/rooms/{r}/state/m.room.history_visibility/"),
            json!({"history_visibility": "joined"}),
        )
        .await;
    let (status, v) = bob
        .get(&format!("/rooms/{r}/members?at={}", enc(&at)))
        .await;
    assert_eq!(status, 403, "{v}");
    s.stop().await;
    home.cleanup().await;
}
both_engines!(an_invited_user_reads_members_at_a_token_when_history_is_shared);
