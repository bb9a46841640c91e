//! A waiting /sync wakes for what is news for its user, and only for that: a message, typing
//! and a receipt in one of the user's rooms; an invite, a to-device message and account data
//! for the user; new keys of someone sharing a room. Messages in rooms the user is not in leave
//! the waiting sync asleep (counted through the server's own wake-up counter).

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::e2ee_keys::{device_keys, login_device};
use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User, enc};

fn next(sync: &Value) -> String {
    sync["next_batch"].as_str().unwrap().to_string()
}

/// Starts a long-poll of `user` from `since`, waits until the server has it waiting, runs
/// `change`, and returns what the long-poll answered (it must answer before its timeout).
async fn woken_by<F: std::future::Future<Output = ()>>(
    s: &TestServer,
    user: &User,
    since: &str,
    change: F,
) -> Value {
    let before = s.services.streams.wakeups();
    let poll = {
        let (user, since) = (user.clone(), since.to_string());
        tokio::spawn(async move { user.sync(Some(&since), 30_000).await })
    };
    // The long-poll has looked once and found nothing: give it the time to start waiting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !poll.is_finished(),
        "the long-poll answered with nothing new"
    );
    change.await;
    let body = tokio::time::timeout(Duration::from_secs(20), poll)
        .await
        .expect("the long-poll was woken")
        .unwrap();
    assert!(
        s.services.streams.wakeups() > before,
        "woken, not timed out"
    );
    body
}

async fn sync_wakes_only_for_news_in_scope(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    let room = alice
        .create_room(json!({"preset": "public_chat", "name": "ours"}))
        .await;
    bob.ok(Method::POST, &format!("/join/{}", enc(&room)), json!({}))
        .await;
    let elsewhere = carol.create_room(json!({"preset": "public_chat"})).await;
    dave.ok(
        Method::POST,
        &format!("/join/{}", enc(&elsewhere)),
        json!({}),
    )
    .await;
    let mut since = next(&alice.sync(None, 0).await);

    // Messages in a room alice is not in: her waiting sync sleeps through them.
    let poll = {
        let (alice, since) = (alice.clone(), since.clone());
        tokio::spawn(async move { alice.sync(Some(&since), 30_000).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = s.services.streams.wakeups();
    for i in 0..10 {
        carol
            .send_text(&elsewhere, &format!("e{i}"), "not for alice")
            .await;
    }
    dave.put(
        &format!("/rooms/{}/typing/{}", enc(&elsewhere), enc(&dave.user_id)),
        json!({"typing": true, "timeout": 30000}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        s.services.streams.wakeups(),
        before,
        "news elsewhere woke alice's sync"
    );
    assert!(!poll.is_finished());

    // A message in her room wakes it, and that long-poll answers with it.
    let body = woken_by(&s, &alice, &since, async {
        bob.send_text(&room, "m1", "for alice").await;
    })
    .await;
    // The first long-poll is woken too and answers with the same message.
    let first = tokio::time::timeout(Duration::from_secs(20), poll)
        .await
        .expect("the first long-poll answered")
        .unwrap();
    for b in [&body, &first] {
        let events = b["rooms"]["join"][&room]["timeline"]["events"].to_string();
        assert!(events.contains("for alice"), "{b}");
        assert!(!b.to_string().contains("not for alice"), "{b}");
    }
    since = next(&body);

    // Typing in her room.
    let body = woken_by(&s, &alice, &since, async {
        bob.ok(
            Method::PUT,
            &format!("/rooms/{}/typing/{}", enc(&room), enc(&bob.user_id)),
            json!({"typing": true, "timeout": 30000}),
        )
        .await;
    })
    .await;
    assert!(
        body["rooms"]["join"][&room]["ephemeral"]["events"]
            .to_string()
            .contains(&bob.user_id),
        "{body}"
    );
    since = next(&body);

    // A receipt in her room.
    let event = alice.send_text(&room, "m2", "read me").await;
    since = next(&alice.sync(Some(&since), 0).await);
    let body = woken_by(&s, &alice, &since, async {
        bob.ok(
            Method::POST,
            &format!("/rooms/{}/receipt/m.read/{}", enc(&room), enc(&event)),
            json!({}),
        )
        .await;
    })
    .await;
    assert!(
        body["rooms"]["join"][&room]["ephemeral"]["events"]
            .to_string()
            .contains("m.receipt"),
        "{body}"
    );
    since = next(&body);

    // An invite to a room she is not in yet.
    let body = woken_by(&s, &alice, &since, async {
        carol
            .ok(
                Method::POST,
                &format!("/rooms/{}/invite", enc(&elsewhere)),
                json!({"user_id": alice.user_id}),
            )
            .await;
    })
    .await;
    assert!(body["rooms"]["invite"].get(&elsewhere).is_some(), "{body}");
    since = next(&body);

    // Her own account data (set from another device).
    let body = woken_by(&s, &alice, &since, async {
        alice
            .ok(
                Method::PUT,
                &format!("/user/{}/account_data/org.example.x", enc(&alice.user_id)),
                json!({"n": 1}),
            )
            .await;
    })
    .await;
    assert!(
        body["account_data"].to_string().contains("org.example.x"),
        "{body}"
    );
    since = next(&body);

    // A to-device message from someone she shares no room with.
    let alice_device = super::e2ee_keys::device_id(&alice).await;
    let body = woken_by(&s, &alice, &since, async {
        dave.ok(
            Method::PUT,
            "/sendToDevice/org.example.ping/t1",
            json!({"messages": {alice.user_id.clone(): {alice_device.clone(): {"n": 1}}}}),
        )
        .await;
    })
    .await;
    assert!(
        body["to_device"]["events"]
            .to_string()
            .contains("org.example.ping"),
        "{body}"
    );
    since = next(&body);

    // New keys of a device of bob's, who shares her room.
    let bob2 = login_device(&s, "bob").await;
    since = next(&alice.sync(Some(&since), 0).await);
    let body = woken_by(&s, &alice, &since, async {
        bob2.user
            .ok(
                Method::POST,
                "/keys/upload",
                json!({"device_keys": device_keys(&bob.user_id, &bob2.device_id)}),
            )
            .await;
    })
    .await;
    assert!(
        body["device_lists"]["changed"]
            .to_string()
            .contains(&bob.user_id),
        "{body}"
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(sync_wakes_only_for_news_in_scope);
