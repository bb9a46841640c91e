//! Presence: PUT/GET /presence/{userId}/status, who may see it, and sync delivering changes.

use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, Home, Options, TestServer, User, enc};

fn presence_of(sync: &Value, user: &str) -> Option<Value> {
    // Left out of the sync when there is none, as in Synapse.
    sync["presence"]["events"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .find(|e| e["sender"] == user)
        .map(|e| e["content"].clone())
}

/// Alice and Bob in a public room of Alice's, and Bob's sync token after joining.
async fn sharing_a_room(s: &TestServer) -> (User, User, String) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.ok(
        reqwest::Method::POST,
        &format!("/join/{}", enc(&room)),
        json!({}),
    )
    .await;
    let since = bob.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();
    (alice, bob, since)
}

async fn set_and_get_presence(engine: Engine) {
    let home = Home::new(engine).await;
    let s = TestServer::start(&home, &Options::default()).await;
    let (alice, bob, since) = sharing_a_room(&s).await;
    let carol = s.user("carol").await;
    let a = enc(&alice.user_id);

    // Never set: offline.
    let (status, body) = alice.get(&format!("/presence/{a}/status")).await;
    assert_eq!((status, body), (200, json!({"presence": "offline"})));

    let (status, body) = alice
        .put(
            &format!("/presence/{a}/status"),
            json!({"presence": "online", "status_msg": "Writing code"}),
        )
        .await;
    assert_eq!((status, body), (200, json!({})));
    let (status, body) = bob
        .get(&format!("/_matrix/client/r0/presence/{a}/status"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["presence"].as_str(), body["status_msg"].as_str()),
        (Some("online"), Some("Writing code"))
    );
    assert_eq!(body["currently_active"], true);
    assert!(
        body["last_active_ago"]
            .as_i64()
            .is_some_and(|t| (0..60_000).contains(&t)),
        "{body}"
    );

    // Bob's sync (he shares a room with alice) delivers it; carol's does not.
    let inc = bob.sync(Some(&since), 0).await;
    let p = presence_of(&inc, &alice.user_id).expect("alice's presence reaches bob");
    assert_eq!(
        (p["presence"].as_str(), p["status_msg"].as_str()),
        (Some("online"), Some("Writing code")),
        "{inc}"
    );
    assert!(presence_of(&carol.sync(None, 0).await, &alice.user_id).is_none());
    // Nor may carol read it directly.
    let (status, body) = carol.get(&format!("/presence/{a}/status")).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_FORBIDDEN")),
        "{body}"
    );

    // unavailable without a message clears the message.
    let since = inc["next_batch"].as_str().unwrap().to_string();
    assert_eq!(
        alice
            .put(
                &format!("/presence/{a}/status"),
                json!({"presence": "unavailable"})
            )
            .await
            .0,
        200
    );
    let (_, body) = alice.get(&format!("/presence/{a}/status")).await;
    assert_eq!(body["presence"], "unavailable");
    assert!(
        body.get("status_msg").is_none() && body.get("currently_active").is_none(),
        "{body}"
    );
    let p = presence_of(&bob.sync(Some(&since), 0).await, &alice.user_id)
        .expect("the change reaches bob");
    assert_eq!(p["presence"], "unavailable");

    // Refusals.
    let (status, body) = bob
        .put(
            &format!("/presence/{a}/status"),
            json!({"presence": "offline"}),
        )
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_FORBIDDEN")),
        "only your own"
    );
    for bad in [
        json!({"presence": "asleep"}),
        json!({}),
        json!({"presence": "online", "status_msg": 5}),
        json!({"presence": "online", "mood": "good"}),
    ] {
        let (status, body) = alice
            .put(&format!("/presence/{a}/status"), bad.clone())
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["errcode"], "M_UNKNOWN");
    }
    let (status, body) = alice
        .get(&format!("/presence/{}/status", enc("@nobody:test.example")))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (404, Some("M_NOT_FOUND"))
    );
    let (status, body) = alice.get("/presence/not-a-user/status").await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (400, Some("M_INVALID_PARAM"))
    );
    let (status, body) = s
        .get(&format!("/_matrix/client/v3/presence/{a}/status"))
        .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_MISSING_TOKEN"))
    );

    s.stop().await;
    home.cleanup().await;
}
both_engines!(set_and_get_presence);

/// With `presence: {enabled: false}` the server answers as Synapse does: a status can be put
/// (200) but is not kept, everyone reads "offline", and sync carries no presence.
async fn presence_switched_off(engine: Engine) {
    let home = Home::new(engine).await;
    let o = Options {
        extra: "presence:\n  enabled: false\n".into(),
        ..Options::default()
    };
    let s = TestServer::start(&home, &o).await;
    let (alice, bob, since) = sharing_a_room(&s).await;
    let a = enc(&alice.user_id);
    let (status, body) = alice
        .put(
            &format!("/presence/{a}/status"),
            json!({"presence": "online", "status_msg": "here"}),
        )
        .await;
    assert_eq!((status, body), (200, json!({})));
    for who in [&alice, &bob] {
        let (status, body) = who.get(&format!("/presence/{a}/status")).await;
        assert_eq!((status, body), (200, json!({"presence": "offline"})));
    }
    let inc = bob.sync(Some(&since), 0).await;
    assert_eq!(presence_of(&inc, &alice.user_id), None, "{inc}");
    // A malformed body is still refused.
    let (status, _) = alice
        .put(&format!("/presence/{a}/status"), json!({"status_msg": "x"}))
        .await;
    assert_eq!(status, 400);
}

both_engines!(presence_switched_off);
