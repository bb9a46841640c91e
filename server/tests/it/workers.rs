//! Several matrixd processes on one PostgreSQL database (`worker_name`): any of them serves any
//! request, a sync on one wakes for a send on another, concurrent sends into one room from two
//! processes all land in one order that both serve, a logout on one holds on the other at once,
//! typing crosses, and the background duties move when their process stops. (Two servers in
//! this test process stand for two processes: they share nothing but the database.)

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Engine, Home, Options, TestServer, User, enc};

fn worker(name: &str) -> Options {
    Options {
        extra: format!("worker_name: {name}\n"),
        ..Options::default()
    }
}

/// Two processes on one fresh database.
async fn two() -> Option<(Home, TestServer, TestServer)> {
    if !testkit::pg::available() {
        eprintln!("skipped: no PostgreSQL (scripts/test.sh provides one)");
        return None;
    }
    let home = Home::new(Engine::Postgres).await;
    let a = TestServer::start(&home, &worker("w1")).await;
    let b = TestServer::start(&home, &worker("w2")).await;
    Some((home, a, b))
}

/// `user` talking to another process.
fn on(user: &User, s: &TestServer) -> User {
    User {
        base: s.url.clone(),
        ..user.clone()
    }
}

/// Alice on A and Bob on B, and a public room Alice made on A that Bob joined through B.
async fn alice_and_bob(a: &TestServer, b: &TestServer) -> (User, User, String) {
    let alice = a.user("alice").await;
    let bob_b = b.user("bob").await;
    let room = alice
        .create_room(json!({"preset": "public_chat", "invite": [bob_b.user_id]}))
        .await;
    let (status, v) = bob_b
        .post(&format!("/rooms/{}/join", enc(&room)), json!({}))
        .await;
    assert_eq!(status, 200, "join on B: {v}");
    (alice, bob_b, room)
}

fn next(sync: &Value) -> String {
    sync["next_batch"].as_str().unwrap().to_string()
}

fn timeline_ids(sync: &Value, room: &str) -> Vec<String> {
    sync["rooms"]["join"][room]["timeline"]["events"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["type"] == "m.room.message")
                .map(|e| e["event_id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Every message of the room, oldest first, as `/messages` on `user`'s process serves them.
async fn messages(user: &User, room: &str) -> Vec<(String, String)> {
    let (status, v) = user
        .get(&format!("/rooms/{}/messages?dir=f&limit=1000", enc(room)))
        .await;
    assert_eq!(status, 200, "{v}");
    v["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "m.room.message")
        .map(|e| {
            (
                e["event_id"].as_str().unwrap().to_string(),
                e["content"]["body"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sync_on_one_process_wakes_for_a_send_on_another() {
    let Some((home, a, b)) = two().await else {
        return;
    };
    // Bob joins through the other process: its room cache and the invite came from A.
    let (alice, bob_b, room) = alice_and_bob(&a, &b).await;
    let first = bob_b.sync(None, 0).await;
    assert!(
        first["rooms"]["join"].get(&room).is_some(),
        "B's sync shows the room joined: {first}"
    );

    // A long-poll on B, a send on A.
    let since = next(&first);
    let poll = {
        let bob = bob_b.clone();
        tokio::spawn(async move { bob.sync(Some(&since), 20_000).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !poll.is_finished(),
        "the long-poll answered with nothing new"
    );
    let sent = alice.send_text(&room, "t1", "from A").await;
    let woke = tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .expect("B's long-poll wakes for A's message")
        .unwrap();
    assert_eq!(timeline_ids(&woke, &room), vec![sent.clone()], "{woke}");

    // And the other way round, with typing first.
    let since_a = next(&alice.sync(None, 0).await);
    let poll = {
        let alice = alice.clone();
        let since = since_a.clone();
        tokio::spawn(async move { alice.sync(Some(&since), 20_000).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    bob_b
        .put(
            &format!("/rooms/{}/typing/{}", enc(&room), enc(&bob_b.user_id)),
            json!({"typing": true, "timeout": 30000}),
        )
        .await;
    let woke = tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .expect("A's long-poll wakes for typing on B")
        .unwrap();
    let typing = woke["rooms"]["join"][&room]["ephemeral"]["events"]
        .as_array()
        .and_then(|evs| evs.iter().find(|e| e["type"] == "m.typing"))
        .map(|e| e["content"]["user_ids"].clone());
    assert_eq!(typing, Some(json!([bob_b.user_id])), "{woke}");
    let reply = bob_b.send_text(&room, "t2", "from B").await;
    let later = alice.sync(Some(&next(&woke)), 10_000).await;
    assert_eq!(timeline_ids(&later, &room), vec![reply], "{later}");

    a.stop().await;
    b.stop().await;
    home.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_on_two_processes_land_in_one_order() {
    let Some((home, a, b)) = two().await else {
        return;
    };
    let (alice, bob_b, room) = alice_and_bob(&a, &b).await;
    const EACH: usize = 25;
    let send_all = |u: User, who: &'static str| {
        let room = room.clone();
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..EACH {
                ids.push(
                    u.send_text(&room, &format!("{who}{i}"), &format!("{who} {i}"))
                        .await,
                );
            }
            ids
        })
    };
    // Two senders on each process, all at once.
    let alice2 = alice.clone();
    let bob2 = bob_b.clone();
    let tasks = [
        send_all(alice, "a"),
        send_all(on(&alice2, &b), "ab"),
        send_all(bob_b, "b"),
        send_all(on(&bob2, &a), "ba"),
    ];
    let mut sent = Vec::new();
    for t in tasks {
        sent.extend(t.await.unwrap());
    }
    let on_a = messages(&alice2, &room).await;
    let on_b = messages(&on(&alice2, &b), &room).await;
    assert_eq!(on_a.len(), 4 * EACH, "every message once, on A");
    assert_eq!(on_a, on_b, "both processes serve the same order");
    let mut ids: Vec<&String> = on_a.iter().map(|(id, _)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4 * EACH);
    for id in &sent {
        assert!(ids.contains(&id), "{id} was acknowledged and is served");
    }
    // One line of history: the room has a single forward extremity on both.
    for s in [&a, &b] {
        let ext = s
            .services
            .forward_extremities(&room)
            .await
            .expect("extremities");
        assert_eq!(ext.len(), 1, "{ext:?}");
    }
    // And each sender's messages in the order it sent them.
    for who in ["a", "ab", "b", "ba"] {
        let mine: Vec<usize> = on_a
            .iter()
            .filter_map(|(_, body)| {
                let (w, i) = body.split_once(' ')?;
                (w == who).then(|| i.parse().unwrap())
            })
            .collect();
        assert_eq!(mine, (0..EACH).collect::<Vec<_>>(), "{who}");
    }
    a.stop().await;
    b.stop().await;
    home.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_logout_on_one_process_holds_on_the_other_at_once() {
    let Some((home, a, b)) = two().await else {
        return;
    };
    let alice = a.user("alice").await;
    let alice_b = on(&alice, &b);
    for _ in 0..3 {
        let (status, v) = alice_b.get("/account/whoami").await;
        assert_eq!(status, 200, "{v}");
    }
    let (status, _) = alice.post("/logout", json!({})).await;
    assert_eq!(status, 200);
    let (status, v) = alice_b.get("/account/whoami").await;
    assert_eq!(status, 401, "the token still works on B: {v}");
    assert_eq!(v["errcode"], "M_UNKNOWN_TOKEN");
    a.stop().await;
    b.stop().await;
    home.cleanup().await;
}

/// A client whose requests alternate between processes is held to one rate-limit budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rate_limit_counts_what_every_process_allowed() {
    if !testkit::pg::available() {
        eprintln!("skipped: no PostgreSQL (scripts/test.sh provides one)");
        return;
    }
    const BURST: usize = 4;
    let strict = |name: &str| Options {
        extra: format!(
            "worker_name: {name}\nrc_message: {{per_second: 0.1, burst_count: {BURST}}}\n"
        ),
        relaxed_limits: false,
        ..Options::default()
    };
    let home = Home::new(Engine::Postgres).await;
    let a = TestServer::start(&home, &strict("w1")).await;
    let b = TestServer::start(&home, &strict("w2")).await;
    let alice = a.user("alice").await;
    let room = alice.create_room(json!({})).await;
    let sides = [alice.clone(), on(&alice, &b)];
    let mut allowed = 0;
    let mut refused_at = None;
    for k in 0..2 * BURST + 2 {
        // Time for the other process to hear of the last one.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (status, v) = sides[k % 2]
            .call(
                Method::PUT,
                &format!("/rooms/{}/send/m.room.message/t{k}", enc(&room)),
                Some(&json!({"msgtype": "m.text", "body": format!("{k}")})),
            )
            .await;
        if status == 429 {
            assert_eq!(v["errcode"], "M_LIMIT_EXCEEDED", "{v}");
            refused_at = Some(k);
            break;
        }
        assert_eq!(status, 200, "{v}");
        allowed += 1;
    }
    let k = refused_at.expect("never refused");
    assert!(
        allowed <= BURST,
        "{allowed} messages allowed on two processes against a burst of {BURST}"
    );
    // The other process refuses too.
    let (status, v) = sides[(k + 1) % 2]
        .call(
            Method::PUT,
            &format!("/rooms/{}/send/m.room.message/other", enc(&room)),
            Some(&json!({"msgtype": "m.text", "body": "other"})),
        )
        .await;
    assert_eq!(status, 429, "{v}");
    a.stop().await;
    b.stop().await;
    home.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_background_duties_move_when_their_process_stops() {
    let Some((home, a, b)) = two().await else {
        return;
    };
    // The first process started leads.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !a.services.leads() {
        assert!(tokio::time::Instant::now() < deadline, "A never leads");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!b.services.leads(), "two leaders");
    let alice = a.user("alice").await;
    let room = alice.create_room(json!({})).await;
    a.stop().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !b.services.leads() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "B did not take the duties over"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // B serves on: writes go on after the writer's lock's holder stopped.
    let alice_b = on(&alice, &b);
    alice_b.send_text(&room, "t1", "after A").await;
    let got = messages(&alice_b, &room).await;
    assert_eq!(got.len(), 1);
    b.stop().await;
    home.cleanup().await;
}

#[tokio::test]
async fn worker_name_needs_postgresql() {
    let home = Home::new(Engine::Sqlite).await;
    let err = TestServer::try_start(&home, &worker("w1"))
        .await
        .err()
        .expect("refused");
    let text = format!("{err:#}");
    assert!(text.contains("worker_name"), "{text}");
    assert!(text.contains("PostgreSQL"), "{text}");
    home.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_one_process_starts_another_finishes() {
    let Some((home, a, b)) = two().await else {
        return;
    };
    // A shared-secret registration nonce issued by A is taken by B, once.
    let (_, nonce) = a.get("/_synapse/admin/v1/register").await;
    let nonce = nonce["nonce"].as_str().unwrap().to_string();
    let mac = matrixd::api::admin::register::registration_mac(
        "s3cr3t-for-tests",
        &nonce,
        "carol",
        "password",
        false,
        None,
    );
    let body = json!({"nonce": nonce, "username": "carol", "password": "password", "admin": false, "mac": mac});
    let (status, v) = b.post("/_synapse/admin/v1/register", &body).await;
    assert_eq!(status, 200, "A's nonce on B: {v}");
    let (status, v) = a.post("/_synapse/admin/v1/register", &body).await;
    assert_eq!(status, 400, "a nonce is used once across processes: {v}");

    // A user-interactive auth session begun on A is completed on B.
    let alice = a.user("alice").await;
    let (status, challenge) = alice
        .post(
            "/account/password",
            json!({"new_password": "n3w-pass", "logout_devices": false}),
        )
        .await;
    assert_eq!(status, 401, "{challenge}");
    let session = challenge["session"].as_str().unwrap().to_string();
    let auth = json!({"auth": {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": "alice"},
        "password": "password",
        "session": session,
    }});
    let (status, v) = on(&alice, &b).post("/account/password", auth).await;
    assert_eq!(
        status, 200,
        "A's session finished on B with A's parameters: {v}"
    );
    let (status, _) = a.login("alice", "n3w-pass").await;
    assert_eq!(status, 200, "the new password holds");
    a.stop().await;
    b.stop().await;
    home.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ban_on_one_process_holds_on_the_other_at_once() {
    let Some((home, a, b)) = two().await else {
        return;
    };
    let (alice, bob_b, room) = alice_and_bob(&a, &b).await;
    // B has the room's state cached from Bob's own sends.
    for i in 0..3 {
        bob_b.send_text(&room, &format!("b{i}"), "hello").await;
    }
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{}/ban", enc(&room)),
            json!({"user_id": bob_b.user_id, "reason": "spam"}),
        )
        .await;
    let (status, v) = bob_b
        .put(
            &format!("/rooms/{}/send/m.room.message/after-ban", enc(&room)),
            json!({"msgtype": "m.text", "body": "still here?"}),
        )
        .await;
    assert_eq!(status, 403, "a banned user sends on the other process: {v}");
    // And the power levels A raised hold on B too.
    let (status, v) = alice
        .put(
            &format!("/rooms/{}/state/m.room.power_levels/", enc(&room)),
            // (The creator needs no entry: a room of version 12 gives creators every power.)
            json!({"users": {}, "events_default": 50}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let carol = a.user("carol").await;
    carol
        .ok(
            Method::POST,
            &format!("/rooms/{}/join", enc(&room)),
            json!({}),
        )
        .await;
    let (status, v) = on(&carol, &b)
        .put(
            &format!("/rooms/{}/send/m.room.message/c1", enc(&room)),
            json!({"msgtype": "m.text", "body": "may I?"}),
        )
        .await;
    assert_eq!(status, 403, "events_default 50 set on A holds on B: {v}");
    a.stop().await;
    b.stop().await;
    home.cleanup().await;
}
