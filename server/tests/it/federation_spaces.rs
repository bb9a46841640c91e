//! Spaces and knocking across two matrixd servers (issue 13): a user of `two` in a space of
//! `one` sees its children that `two` is not in (asked of `one` over /hierarchy), without the
//! ones it may not see; a room summary through `via`; a knock through the room's server,
//! seen by the room's admin, answered by an invite and a join.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_engines;
use crate::federation_rooms::{Node, join_via, pki};
use crate::support::{Engine, User, enc};

fn ids(page: &Value) -> Vec<String> {
    page["rooms"]
        .as_array()
        .unwrap_or_else(|| panic!("no rooms in {page}"))
        .iter()
        .map(|r| r["room_id"].as_str().unwrap().to_string())
        .collect()
}

/// Waits until `user`'s view of `user_id`'s membership in `room` is `membership`.
async fn wait_membership(user: &User, room: &str, user_id: &str, membership: &str) {
    for _ in 0..100 {
        let (status, m) = user
            .get(&format!(
                "/rooms/{}/state/m.room.member/{}",
                enc(room),
                enc(user_id)
            ))
            .await;
        if status == 200 && m["membership"] == membership {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{user_id} never reached {membership} in {room}");
}

async fn spaces_and_knocks_cross_servers(engine: Engine) {
    let pki = pki();
    let (one, two) = tokio::join!(Node::start(engine, &pki), Node::start(engine, &pki));
    let alice = one.server.user("alice").await;
    let bob = two.server.user("bob").await;
    let via = json!([one.name().as_str()]);

    let space = alice
        .create_room(json!({"preset": "public_chat", "name": "Club",
            "creation_content": {"type": "m.space"}}))
        .await;
    let open = alice
        .create_room(json!({"preset": "public_chat", "name": "open"}))
        .await;
    let closed = alice
        .create_room(json!({"preset": "private_chat", "name": "closed"}))
        .await;
    let knock = alice
        .create_room(json!({"name": "knock here", "room_version": "10",
            "initial_state": [{"type": "m.room.join_rules", "state_key": "",
                "content": {"join_rule": "knock"}}]}))
        .await;
    for (child, order) in [(&open, "a"), (&closed, "b"), (&knock, "c")] {
        alice
            .ok(
                Method::PUT,
                &format!("/rooms/{}/state/m.space.child/{}", enc(&space), enc(child)),
                json!({"via": via, "order": order}),
            )
            .await;
    }
    join_via(&bob, &space, &one.name()).await;

    // Two is in the space only: the children are asked of one, the closed room left out.
    let (status, page) = bob
        .get(&format!(
            "/_matrix/client/v1/rooms/{}/hierarchy",
            enc(&space)
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(ids(&page), [space.as_str(), open.as_str(), knock.as_str()]);
    assert_eq!(page["rooms"][1]["name"], "open");
    assert_eq!(page["rooms"][2]["join_rule"], "knock");

    // A room summary of a room two is not in, through one.
    let (status, sum) = bob
        .get(&format!(
            "/_matrix/client/v1/room_summary/{}?via={}",
            enc(&open),
            enc(one.name().as_str())
        ))
        .await;
    assert_eq!(status, 200, "{sum}");
    assert_eq!(
        (
            sum["name"].as_str(),
            sum["membership"].as_str(),
            sum["num_joined_members"].as_u64()
        ),
        (Some("open"), Some("leave"), Some(1))
    );
    let (status, _) = bob
        .get(&format!(
            "/_matrix/client/v1/room_summary/{}?via={}",
            enc(&closed),
            enc(one.name().as_str())
        ))
        .await;
    assert_eq!(status, 404);

    // A knock through one: bob sees the room's stripped state, alice sees the knock.
    let since = bob.sync(None, 0).await["next_batch"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = bob
        .post(
            &format!("/knock/{}?via={}", enc(&knock), enc(one.name().as_str())),
            json!({"reason": "hello from two"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let sync = bob.sync(Some(&since), 0).await;
    let events = sync["rooms"]["knock"][&knock]["knock_state"]["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no knock in {sync}"))
        .clone();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "m.room.name" && e["content"]["name"] == "knock here"),
        "{events:?}"
    );
    assert_eq!(events.last().unwrap()["content"]["membership"], "knock");
    wait_membership(&alice, &knock, &bob.user_id, "knock").await;
    let (_, member) = alice
        .get(&format!(
            "/rooms/{}/state/m.room.member/{}",
            enc(&knock),
            enc(&bob.user_id)
        ))
        .await;
    assert_eq!(member["reason"], "hello from two");

    // Let in: alice invites, bob joins.
    alice
        .ok(
            Method::POST,
            &format!("/rooms/{}/invite", enc(&knock)),
            json!({"user_id": bob.user_id}),
        )
        .await;
    let (status, body) = bob.post(&format!("/join/{}", enc(&knock)), json!({})).await;
    assert_eq!(status, 200, "{body}");
    wait_membership(&alice, &knock, &bob.user_id, "join").await;

    for node in [one, two] {
        node.server.stop().await;
        node.home.cleanup().await;
    }
}
both_engines!(spaces_and_knocks_cross_servers);
