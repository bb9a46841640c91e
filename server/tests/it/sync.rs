//! /sync over real HTTP: initial and incremental syncs, invites, joins, leaves, long-polling
//! that returns promptly on a new event, typing, receipts, account data, and tokens that stay
//! valid across a restart.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, enc};

fn timeline(sync: &Value, room: &str) -> Vec<Value> {
    sync["rooms"]["join"][room]["timeline"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn bodies(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["type"] == "m.room.message")
        .map(|e| e["content"]["body"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn invite_join_chat_and_leave(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;

    let initial = bob.sync(None, 0).await;
    let since = initial["next_batch"].as_str().unwrap().to_string();
    // As Synapse: a section with nothing in it is left out, except the one-time key counts
    // and fallback key types, which are always sent.
    for key in ["to_device", "device_lists"] {
        assert!(
            initial.get(key).is_none(),
            "{key} is left out when empty: {initial}"
        );
    }
    for key in [
        "account_data",
        "device_one_time_keys_count",
        "device_unused_fallback_key_types",
    ] {
        assert!(initial.get(key).is_some(), "{key} is present");
    }
    assert!(
        initial["account_data"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "m.push_rules")
    );

    let room = alice.create_room(json!({"preset": "private_chat", "name": "Chat", "invite": [bob.user_id], "is_direct": true})).await;
    let r = enc(&room);
    let s1 = bob.sync(Some(&since), 0).await;
    let inv = &s1["rooms"]["invite"][&room]["invite_state"]["events"];
    assert!(
        inv.as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "m.room.name" && e["content"]["name"] == "Chat"),
        "{s1}"
    );
    assert!(
        inv.as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "m.room.member" && e["content"]["is_direct"] == true)
    );
    let since = s1["next_batch"].as_str().unwrap().to_string();

    bob.ok(Method::POST, &format!("/join/{r}"), json!({})).await;
    alice.send_text(&room, "a1", "hello bob").await;
    let s2 = bob.sync(Some(&since), 0).await;
    let joined = &s2["rooms"]["join"][&room];
    assert!(
        joined["state"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .chain(joined["timeline"]["events"].as_array().unwrap())
            .any(|e| e["type"] == "m.room.create"),
        "a new join gets the room's state: {s2}"
    );
    assert!(bodies(&timeline(&s2, &room)).contains(&"hello bob".to_string()));
    // As in Synapse, the summary (heroes, member counts) comes only with lazy-loaded members.
    assert_eq!(joined["summary"], json!({}));
    assert_eq!(joined["unread_notifications"]["notification_count"], 1);
    let since = s2["next_batch"].as_str().unwrap().to_string();

    // Nothing new: an immediate empty answer with the same position.
    let s3 = bob.sync(Some(&since), 0).await;
    assert!(s3["rooms"]["join"].get(&room).is_none(), "{s3}");

    // Long-poll: returns within milliseconds of alice's message, long before the timeout.
    let bob2 = bob.clone();
    let since2 = since.clone();
    let waiter = tokio::spawn(async move {
        let start = Instant::now();
        let v = bob2.sync(Some(&since2), 20_000).await;
        (v, start.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent_at = Instant::now();
    alice.send_text(&room, "a2", "are you there?").await;
    let (s4, waited) = waiter.await.unwrap();
    assert!(
        bodies(&timeline(&s4, &room)).contains(&"are you there?".to_string()),
        "{s4}"
    );
    assert!(
        waited < Duration::from_secs(10),
        "long-poll returned after {waited:?}"
    );
    assert!(sent_at.elapsed() < Duration::from_secs(5));
    let since = s4["next_batch"].as_str().unwrap().to_string();

    // Typing and receipts reach the other side through sync.
    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/typing/{}", enc(&alice.user_id)),
            json!({"typing": true, "timeout": 30000}),
        )
        .await;
    let s5 = bob.sync(Some(&since), 5000).await;
    let eph = s5["rooms"]["join"][&room]["ephemeral"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        eph.iter()
            .any(|e| e["type"] == "m.typing" && e["content"]["user_ids"] == json!([alice.user_id])),
        "{s5}"
    );
    let last = timeline(&s4, &room).last().unwrap()["event_id"]
        .as_str()
        .unwrap()
        .to_string();
    bob.ok(
        Method::POST,
        &format!("/rooms/{r}/receipt/m.read/{}", enc(&last)),
        json!({}),
    )
    .await;
    let since_a = alice.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();
    bob.ok(
        Method::POST,
        &format!("/rooms/{r}/read_markers"),
        json!({"m.fully_read": last, "m.read": last}),
    )
    .await;
    let s6 = alice.sync(Some(&since_a), 5000).await;
    let eph = s6["rooms"]["join"][&room]["ephemeral"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let receipt = eph
        .iter()
        .find(|e| e["type"] == "m.receipt")
        .expect("receipt in sync");
    assert!(
        receipt["content"][&last]["m.read"]
            .get(&bob.user_id)
            .is_some(),
        "{receipt}"
    );
    let s7 = bob.sync(None, 0).await;
    assert_eq!(
        s7["rooms"]["join"][&room]["unread_notifications"]["notification_count"], 0,
        "read up to the last message"
    );
    let room_ad = s7["rooms"]["join"][&room]["account_data"]["events"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        room_ad
            .iter()
            .any(|e| e["type"] == "m.fully_read" && e["content"]["event_id"] == last)
    );

    // Bob leaves: his next sync has the room under "leave".
    let since = s7["next_batch"].as_str().unwrap().to_string();
    bob.ok(Method::POST, &format!("/rooms/{r}/leave"), json!({}))
        .await;
    let s8 = bob.sync(Some(&since), 0).await;
    assert!(s8["rooms"]["leave"].get(&room).is_some(), "{s8}");
    assert!(s8["rooms"]["join"].get(&room).is_none());

    s.stop().await;
    home.cleanup().await;
}
both_engines!(invite_join_chat_and_leave);

async fn limited_timelines_filters_and_restarts(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    let since = alice.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();
    for i in 0..15 {
        alice
            .send_text(&room, &format!("t{i}"), &format!("m{i}"))
            .await;
    }
    // The default limit is 10: limited, with a prev_batch that pages back to the rest.
    let s1 = alice.sync(Some(&since), 0).await;
    let j = &s1["rooms"]["join"][&room];
    assert_eq!(j["timeline"]["limited"], true);
    assert_eq!(
        bodies(&timeline(&s1, &room)),
        (5..15).map(|i| format!("m{i}")).collect::<Vec<_>>()
    );
    let prev = j["timeline"]["prev_batch"].as_str().unwrap();
    let (_, page) = alice
        .get(&format!(
            "/rooms/{}/messages?dir=b&limit=5&from={}",
            enc(&room),
            enc(prev)
        ))
        .await;
    assert_eq!(
        bodies(page["chunk"].as_array().unwrap()),
        (0..5).rev().map(|i| format!("m{i}")).collect::<Vec<_>>()
    );

    // A stored filter with a timeline limit, and an inline one with lazy-loaded members.
    let (status, f) = alice
        .post(
            &format!("/user/{}/filter", enc(&alice.user_id)),
            json!({"room": {"timeline": {"limit": 2}}}),
        )
        .await;
    assert_eq!(status, 200);
    let fid = f["filter_id"].as_str().unwrap();
    let (_, got) = alice
        .get(&format!("/user/{}/filter/{fid}", enc(&alice.user_id)))
        .await;
    assert_eq!(got["room"]["timeline"]["limit"], 2);
    let (_, s2) = alice.get(&format!("/sync?filter={fid}")).await;
    assert_eq!(timeline(&s2, &room).len(), 2);
    let inline = enc(
        &json!({"room": {"state": {"lazy_load_members": true}, "timeline": {"limit": 1}}})
            .to_string(),
    );
    let (status, s3) = alice.get(&format!("/sync?filter={inline}")).await;
    assert_eq!(status, 200);
    assert_eq!(timeline(&s3, &room).len(), 1);
    let summary = &s3["rooms"]["join"][&room]["summary"];
    assert!(summary["m.joined_member_count"].as_u64() >= Some(1), "{s3}");
    assert!(summary["m.heroes"].is_array(), "{s3}");

    // Account data.
    alice
        .ok(
            Method::PUT,
            &format!(
                "/user/{}/account_data/org.example.settings",
                enc(&alice.user_id)
            ),
            json!({"theme": "dark"}),
        )
        .await;
    let (_, ad) = alice
        .get(&format!(
            "/user/{}/account_data/org.example.settings",
            enc(&alice.user_id)
        ))
        .await;
    assert_eq!(ad["theme"], "dark");
    let s4 = alice
        .sync(Some(s2["next_batch"].as_str().unwrap()), 0)
        .await;
    assert!(
        s4["account_data"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "org.example.settings")
    );

    // Tokens survive a restart.
    let token = s4["next_batch"].as_str().unwrap().to_string();
    s.stop().await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice2 = crate::support::User {
        base: s.url.clone(),
        ..alice.clone()
    };
    let quiet = alice2.sync(Some(&token), 0).await;
    assert!(
        quiet["rooms"]["join"].get(&room).is_none(),
        "nothing new after restart: {quiet}"
    );
    alice2.send_text(&room, "after", "after restart").await;
    let s5 = alice2.sync(Some(&token), 0).await;
    assert_eq!(
        bodies(&timeline(&s5, &room)),
        vec!["after restart".to_string()]
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(limited_timelines_filters_and_restarts);

async fn profile_changes_reach_rooms(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let room = alice.create_room(json!({})).await;
    alice
        .ok(
            Method::PUT,
            &format!("/profile/{}/displayname", enc(&alice.user_id)),
            json!({"displayname": "Alice A."}),
        )
        .await;
    let (_, p) = alice
        .get(&format!("/profile/{}", enc(&alice.user_id)))
        .await;
    assert_eq!(p["displayname"], "Alice A.");
    let (_, member) = alice
        .get(&format!(
            "/rooms/{}/state/m.room.member/{}",
            enc(&room),
            enc(&alice.user_id)
        ))
        .await;
    assert_eq!(member["displayname"], "Alice A.");
    let (status, _) = alice
        .get(&format!("/profile/{}", enc("@nobody:test.example")))
        .await;
    assert_eq!(status, 404);
    // Issue 12: a path that is not a user id is M_INVALID_PARAM, as in Synapse (was 404).
    for path in ["/profile/nobody", "/profile/nobody/displayname"] {
        let (status, body) = alice.get(path).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_INVALID_PARAM")),
            "{path}"
        );
    }
    let (status, body) = alice
        .put("/profile/nobody/displayname", json!({"displayname": "x"}))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM"))
    );
    // The profile service's rules: at most 256 bytes of display name, strings only.
    let own = format!("/profile/{}/displayname", enc(&alice.user_id));
    let (status, body) = alice
        .put(&own, json!({"displayname": "x".repeat(257)}))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_TOO_LARGE"))
    );
    let (status, body) = alice.put(&own, json!({"displayname": 5})).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_BAD_JSON"))
    );
    // Every capability is listed, those at their spec default too.
    let (_, caps) = alice.get("/capabilities").await;
    assert_eq!(caps["capabilities"]["m.room_versions"]["default"], "12");
    assert_eq!(
        caps["capabilities"]["m.change_password"],
        json!({"enabled": true})
    );
    assert_eq!(
        caps["capabilities"]["m.3pid_changes"],
        json!({"enabled": false})
    );
    // Typing: a missing `typing` is M_MISSING_PARAM (issue 12, as Synapse's
    // assert_params_in_dict); no timeout is 30 s.
    let typing = format!("/rooms/{}/typing/{}", enc(&room), enc(&alice.user_id));
    let (status, body) = alice.put(&typing, json!({"timeout": 1000})).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_MISSING_PARAM"))
    );
    let (status, body) = alice.put(&typing, json!({"typing": "yes"})).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_BAD_JSON"))
    );
    assert_eq!(
        alice.put(&typing, json!({"typing": true})).await,
        (200, json!({}))
    );
    s.stop().await;
    home.cleanup().await;
}
both_engines!(profile_changes_reach_rooms);

async fn unread_counts_follow_push_rules(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
        .await;
    alice.send_text(&room, "m1", "just chatting").await;
    alice.ok(
        Method::PUT,
        &format!("/rooms/{}/send/m.room.message/m2", enc(&room)),
        json!({"msgtype": "m.text", "body": "hey you", "m.mentions": {"user_ids": [bob.user_id]}}),
    )
    .await;
    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{}/state/m.room.topic", enc(&room)),
            json!({"topic": "t"}),
        )
        .await;
    let counts = |v: &Value| v["rooms"]["join"][&room]["unread_notifications"].clone();
    let s1 = bob.sync(None, 0).await;
    assert_eq!(
        counts(&s1),
        json!({"notification_count": 2, "highlight_count": 1}),
        "a mention highlights; state does not notify"
    );

    // Muting the room with a room rule silences the plain message; the mention still counts,
    // because the spec's mention rule is an override rule, evaluated before room rules.
    bob.ok(
        Method::PUT,
        &format!("/pushrules/global/room/{}", enc(&room)),
        json!({"actions": []}),
    )
    .await;
    let s2 = bob.sync(None, 0).await;
    assert_eq!(
        counts(&s2),
        json!({"notification_count": 1, "highlight_count": 1})
    );
    s.stop().await;
    home.cleanup().await;
}
both_engines!(unread_counts_follow_push_rules);

async fn tags_and_user_directory(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let _carol = s.user("carol").await;
    let room = alice.create_room(json!({"invite": [bob.user_id]})).await;
    let base = format!("/user/{}/rooms/{}/tags", enc(&alice.user_id), enc(&room));
    let since = alice.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();
    alice
        .ok(
            Method::PUT,
            &format!("{base}/m.favourite"),
            json!({"order": 0.5}),
        )
        .await;
    alice
        .ok(Method::PUT, &format!("{base}/u.work"), json!({}))
        .await;
    let (_, tags) = alice.get(&base).await;
    assert_eq!(
        tags["tags"],
        json!({"m.favourite": {"order": 0.5}, "u.work": {}})
    );
    let s1 = alice.sync(Some(&since), 0).await;
    let ad = s1["rooms"]["join"][&room]["account_data"]["events"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        ad.iter()
            .any(|e| e["type"] == "m.tag" && e["content"]["tags"]["m.favourite"]["order"] == 0.5),
        "{s1}"
    );
    alice
        .ok(Method::DELETE, &format!("{base}/u.work"), json!({}))
        .await;
    let (_, tags) = alice.get(&base).await;
    assert_eq!(tags["tags"], json!({"m.favourite": {"order": 0.5}}));
    let (status, _) = bob.get(&base).await;
    assert_eq!(status, 403);

    // The directory shows users sharing a room (bob, once joined), not strangers (carol).
    bob.ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
        .await;
    let (_, found) = alice
        .post("/user_directory/search", json!({"search_term": "bo"}))
        .await;
    assert_eq!(found["results"][0]["user_id"], bob.user_id, "{found}");
    let (_, none) = alice
        .post("/user_directory/search", json!({"search_term": "carol"}))
        .await;
    assert_eq!(none["results"], json!([]));
    assert_eq!(alice.get("/thirdparty/protocols").await, (200, json!({})));
    s.stop().await;
    home.cleanup().await;
}
both_engines!(tags_and_user_directory);

/// Sync keeps a user's memberships between requests; leaving, rejoining and forgetting each
/// show at once (a forget is not an event, so it must reach that memory some other way).
async fn memberships_follow_leave_and_forget(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let room = alice
        .create_room(json!({"preset": "public_chat", "name": "Club"}))
        .await;
    let r = enc(&room);
    let with_leave = format!(
        "/sync?timeout=0&filter={}",
        enc(&json!({"room": {"include_leave": true}}).to_string())
    );
    let sync_leave = || async {
        let (status, v) = bob.get(&with_leave).await;
        assert_eq!(status, 200, "{v}");
        v
    };

    bob.ok(Method::POST, &format!("/join/{r}"), json!({})).await;
    assert!(sync_leave().await["rooms"]["join"].get(&room).is_some());
    bob.ok(Method::POST, &format!("/rooms/{r}/leave"), json!({}))
        .await;
    let left = sync_leave().await;
    assert!(left["rooms"]["join"].get(&room).is_none(), "{left}");
    assert!(left["rooms"]["leave"].get(&room).is_some(), "{left}");
    // Asked twice, the same answer.
    assert!(sync_leave().await["rooms"]["leave"].get(&room).is_some());

    bob.ok(Method::POST, &format!("/rooms/{r}/forget"), json!({}))
        .await;
    let forgotten = sync_leave().await;
    assert!(
        forgotten["rooms"]["leave"].get(&room).is_none(),
        "a forgotten room is not shown: {forgotten}"
    );

    bob.ok(Method::POST, &format!("/join/{r}"), json!({})).await;
    let back = sync_leave().await;
    assert!(back["rooms"]["join"].get(&room).is_some(), "{back}");

    s.stop().await;
    home.cleanup().await;
}
both_engines!(memberships_follow_leave_and_forget);

/// Initial syncs reuse what earlier ones read (a room's state, the user's account data) only
/// while it stands: a state change, a redaction of a state event and new account data each
/// show in the next initial sync, while plain messages leave the state as it was.
async fn initial_syncs_see_every_change_of_state_and_account_data(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let room = alice
        .create_room(json!({"preset": "public_chat", "name": "One", "topic": "first topic"}))
        .await;
    let r = enc(&room);
    bob.ok(Method::POST, &format!("/join/{r}"), json!({})).await;
    // A one-event timeline keeps the changes below in the state section.
    let path = format!(
        "/sync?timeout=0&filter={}",
        enc(&json!({"room": {"timeline": {"limit": 1}}}).to_string())
    );
    let initial = || async {
        let (status, v) = bob.get(&path).await;
        assert_eq!(status, 200, "{v}");
        v
    };
    let state_of = |v: &Value, kind: &str| -> Value {
        v["rooms"]["join"][&room]["state"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == kind)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let global = |v: &Value, kind: &str| -> Value {
        v["account_data"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == kind)
            .map(|e| e["content"].clone())
            .unwrap_or(Value::Null)
    };

    alice.send_text(&room, "m0", "before").await;
    let v = initial().await;
    assert_eq!(state_of(&v, "m.room.name")["content"]["name"], "One", "{v}");
    // As Synapse: events are ClientEventWithoutRoomID, and a room where nobody has typed
    // has no m.typing event.
    let joined = &v["rooms"]["join"][&room];
    for section in ["state", "timeline"] {
        for e in joined[section]["events"].as_array().unwrap() {
            assert!(e.get("room_id").is_none(), "{section}: {e}");
        }
    }
    assert!(
        joined["ephemeral"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"] != "m.typing"),
        "{joined}"
    );
    let state_ids = |v: &Value| -> Vec<Value> {
        v["rooms"]["join"][&room]["state"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_id"].clone())
            .collect()
    };
    assert_eq!(
        state_ids(&initial().await),
        state_ids(&v),
        "asked twice with nothing new, the same state"
    );

    alice.send_text(&room, "m1", "just talk").await;
    let v = initial().await;
    assert_eq!(state_of(&v, "m.room.name")["content"]["name"], "One");

    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/state/m.room.name"),
            json!({"name": "Two"}),
        )
        .await;
    alice.send_text(&room, "m2", "renamed").await;
    let v = initial().await;
    assert_eq!(state_of(&v, "m.room.name")["content"]["name"], "Two", "{v}");

    let topic = state_of(&v, "m.room.topic");
    assert_eq!(topic["content"]["topic"], "first topic");
    let topic_id = topic["event_id"].as_str().unwrap();
    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{r}/redact/{}/t1", enc(topic_id)),
            json!({"reason": "gone"}),
        )
        .await;
    alice.send_text(&room, "m3", "after the redaction").await;
    let v = initial().await;
    let topic = state_of(&v, "m.room.topic");
    assert_eq!(topic["content"], json!({}), "the topic is redacted: {v}");
    assert!(topic["unsigned"]["redacted_because"].is_object(), "{topic}");
    assert!(
        topic["unsigned"]["redacted_because"]
            .get("room_id")
            .is_none(),
        "{topic}"
    );

    for n in 1..=2 {
        bob.ok(
            Method::PUT,
            &format!(
                "/user/{}/account_data/org.example.counter",
                enc(&bob.user_id)
            ),
            json!({"n": n}),
        )
        .await;
        let v = initial().await;
        assert_eq!(global(&v, "org.example.counter"), json!({"n": n}), "{v}");
    }
    bob.ok(
        Method::PUT,
        &format!(
            "/user/{}/rooms/{r}/account_data/org.example.note",
            enc(&bob.user_id)
        ),
        json!({"note": "hi"}),
    )
    .await;
    let v = initial().await;
    assert_eq!(
        v["rooms"]["join"][&room]["account_data"]["events"][0]["content"],
        json!({"note": "hi"}),
        "{v}"
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(initial_syncs_see_every_change_of_state_and_account_data);

/// An incremental sync leaves out the rooms where nothing happened since the token, without
/// looking at them, and brings back exactly the room where something did: a message, room
/// account data, a receipt, typing.
async fn incremental_syncs_show_only_rooms_with_news(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let mut rooms = Vec::new();
    for name in ["A", "B", "C"] {
        let room = alice
            .create_room(json!({"preset": "public_chat", "name": name}))
            .await;
        bob.ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
            .await;
        rooms.push(room);
    }
    let first = alice.send_text(&rooms[1], "b0", "in B").await;
    let mut since = bob.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();
    // The rooms an incremental sync from `since` shows must be exactly `want` (an index into
    // `rooms`, or none); returns the next token.
    let next = |since: String, want: Option<usize>| {
        let (bob, rooms) = (&bob, &rooms);
        async move {
            let v = bob.sync(Some(&since), 0).await;
            let shown: Vec<usize> = (0..rooms.len())
                .filter(|&i| v["rooms"]["join"].get(rooms[i].as_str()).is_some())
                .collect();
            assert_eq!(shown, want.into_iter().collect::<Vec<_>>(), "{v}");
            v["next_batch"].as_str().unwrap().to_string()
        }
    };
    since = next(since, None).await;
    alice.send_text(&rooms[2], "c1", "in C").await;
    since = next(since, Some(2)).await;
    bob.ok(
        Method::PUT,
        &format!(
            "/user/{}/rooms/{}/account_data/org.example.note",
            enc(&bob.user_id),
            enc(&rooms[0])
        ),
        json!({"note": "a"}),
    )
    .await;
    since = next(since, Some(0)).await;
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{}/receipt/m.read/{}", enc(&rooms[1]), enc(&first)),
            json!({}),
        )
        .await;
    since = next(since, Some(1)).await;
    alice
        .ok(
            Method::PUT,
            &format!("/rooms/{}/typing/{}", enc(&rooms[2]), enc(&alice.user_id)),
            json!({"typing": true, "timeout": 30000}),
        )
        .await;
    since = next(since, Some(2)).await;
    next(since, None).await;

    s.stop().await;
    home.cleanup().await;
}
both_engines!(incremental_syncs_show_only_rooms_with_news);
