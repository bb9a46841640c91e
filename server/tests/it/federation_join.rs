//! A room of many members joined through another server (issue 13): the joining server stores
//! the room's state, its auth chain and its user's join in one go, and what it serves from
//! then on must be what the resident server serves: the room's state, its members, the state
//! at an event (federation /state_ids), the timeline since the join, an initial sync's state
//! and what a later incremental sync brings (members leaving, renaming, messages).

use std::collections::BTreeSet;

use ruma::OwnedEventId;
use ruma::api::federation::event::get_room_state_ids;
use serde_json::{Value, json};

use crate::both_engines;
use crate::federation_rooms::{Node, join_via, pki};
use crate::support::{Engine, User, enc};

/// Members of the resident's room besides its creator.
const MEMBERS: usize = 60;

/// A room's state as `user` reads it: (type, state_key) → (event id, sender, content).
async fn state(user: &User, room_id: &str) -> BTreeSet<(String, String, String, String, String)> {
    let (status, state) = user.get(&format!("/rooms/{}/state", enc(room_id))).await;
    assert_eq!(status, 200, "{state}");
    state.as_array().unwrap().iter().map(state_row).collect()
}

fn state_row(e: &Value) -> (String, String, String, String, String) {
    let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
    (
        s("type"),
        s("state_key"),
        s("event_id"),
        s("sender"),
        e["content"].to_string(),
    )
}

/// The room's members as `user` reads them (/members: event id and membership of each), and
/// its joined members with their display names (/joined_members).
async fn members(user: &User, room_id: &str) -> (BTreeSet<(String, String, String)>, Value) {
    let (status, all) = user.get(&format!("/rooms/{}/members", enc(room_id))).await;
    assert_eq!(status, 200, "{all}");
    let all = all["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["state_key"].as_str().unwrap().to_string(),
                e["event_id"].as_str().unwrap().to_string(),
                e["content"]["membership"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let (status, joined) = user
        .get(&format!("/rooms/{}/joined_members", enc(room_id)))
        .await;
    assert_eq!(status, 200, "{joined}");
    (all, joined["joined"].clone())
}

/// The ids of the newest `limit` events of the room's timeline as `user` pages back.
async fn newest(user: &User, room_id: &str, limit: usize) -> Vec<String> {
    let (status, page) = user
        .get(&format!(
            "/rooms/{}/messages?dir=b&limit={limit}",
            enc(room_id)
        ))
        .await;
    assert_eq!(status, 200, "{page}");
    page["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap().to_string())
        .collect()
}

/// Long-polls `user`'s sync from `since` until an event with body `marker` arrives in the room;
/// the room's timeline events on the way (each answer's `limited` must be false) and the next
/// position.
async fn timeline_until(
    user: &User,
    since: &str,
    room_id: &str,
    marker: &str,
) -> (Vec<Value>, String) {
    let mut since = since.to_string();
    let mut events = Vec::new();
    for _ in 0..100 {
        let sync = user.sync(Some(&since), 10_000).await;
        since = sync["next_batch"].as_str().unwrap().to_string();
        let room = &sync["rooms"]["join"][room_id];
        if let Some(got) = room["timeline"]["events"].as_array() {
            assert_eq!(room["timeline"]["limited"], false, "{sync}");
            events.extend(got.iter().cloned());
        }
        if events.iter().any(|e| e["content"]["body"] == marker) {
            return (events, since);
        }
    }
    panic!("{marker} never reached {}", user.user_id);
}

/// Both servers' answers to the other's /state_ids at `event`, as sets of ids.
async fn state_ids_both_ways(one: &Node, two: &Node, room_id: &str, event: &str) {
    let ask = |from: &Node, to: &Node| {
        let (services, to) = (from.server.services.clone(), to.name());
        let (room_id, event) = (room_id.to_string(), event.to_string());
        async move {
            let got = services
                .federation_send(
                    &to,
                    get_room_state_ids::v1::Request::new(
                        OwnedEventId::try_from(event).unwrap(),
                        ruma::OwnedRoomId::try_from(room_id).unwrap(),
                    ),
                )
                .await
                .unwrap();
            got.pdu_ids
                .iter()
                .map(ToString::to_string)
                .collect::<BTreeSet<_>>()
        }
    };
    let (resident, joiner) = (ask(two, one).await, ask(one, two).await);
    assert!(resident.len() > MEMBERS, "{resident:?}");
    assert_eq!(joiner, resident, "the state at {event}");
}

/// A resident room of 61 members (some renamed, some gone, one banned) joined by carol of
/// another server reads the same on both servers, after the join and after more happened.
async fn a_joined_room_of_many_members_reads_as_its_resident_serves_it(engine: Engine) {
    let pki = pki();
    let (one, two) = tokio::join!(Node::start(engine, &pki), Node::start(engine, &pki));
    let alice = one.server.user("alice").await;
    let room_id = alice
        .create_room(json!({"preset": "public_chat", "name": "Many"}))
        .await;
    let mut users = Vec::new();
    for i in 0..MEMBERS {
        let u = one.server.user(&format!("m{i}")).await;
        u.ok(
            reqwest::Method::POST,
            &format!("/join/{}", enc(&room_id)),
            json!({}),
        )
        .await;
        users.push(u);
    }
    for (i, u) in users.iter().enumerate().take(10) {
        let member = format!(
            "/rooms/{}/state/m.room.member/{}",
            enc(&room_id),
            enc(&u.user_id)
        );
        u.ok(
            reqwest::Method::PUT,
            &member,
            json!({"membership": "join", "displayname": format!("Member {i}")}),
        )
        .await;
    }
    for u in &users[10..14] {
        u.ok(
            reqwest::Method::POST,
            &format!("/rooms/{}/leave", enc(&room_id)),
            json!({}),
        )
        .await;
    }
    alice
        .ok(
            reqwest::Method::POST,
            &format!("/rooms/{}/ban", enc(&room_id)),
            json!({"user_id": users[14].user_id}),
        )
        .await;
    alice
        .ok(
            reqwest::Method::PUT,
            &format!("/rooms/{}/state/m.room.topic/", enc(&room_id)),
            json!({"topic": "many members"}),
        )
        .await;
    // A state event redacted before the join reaches the joining server redacted (send_join
    // serves it as every other read does), so both read the same state.
    let avatar = alice
        .ok(
            reqwest::Method::PUT,
            &format!("/rooms/{}/state/m.room.avatar/", enc(&room_id)),
            json!({"url": "mxc://example.org/redacted-before-the-join"}),
        )
        .await;
    alice
        .ok(
            reqwest::Method::PUT,
            &format!(
                "/rooms/{}/redact/{}/r1",
                enc(&room_id),
                enc(avatar["event_id"].as_str().unwrap())
            ),
            json!({}),
        )
        .await;
    for (i, u) in users.iter().enumerate().take(5) {
        u.send_text(&room_id, &format!("b{i}"), &format!("before {i}"))
            .await;
    }

    let carol = two.server.user("carol").await;
    join_via(&carol, &room_id, &one.name()).await;

    // The state and the members, as the resident serves them.
    let resident_state = state(&alice, &room_id).await;
    let avatar_row = resident_state
        .iter()
        .find(|r| r.0 == "m.room.avatar")
        .expect("the avatar event is in the state");
    assert_eq!(avatar_row.4, "{}", "redacted on the resident");
    assert_eq!(state(&carol, &room_id).await, resident_state);
    let (all, joined) = members(&alice, &room_id).await;
    assert_eq!(all.len(), MEMBERS + 2, "alice, the members, carol");
    assert_eq!(joined.as_object().unwrap().len(), MEMBERS - 5 + 2);
    assert_eq!(joined[&users[3].user_id]["display_name"], "Member 3");
    assert_eq!(members(&carol, &room_id).await, (all, joined));

    // An initial sync shows the room with its whole state (the state before the timeline, and
    // the state events in it) and the resident's summary.
    let initial = carol.sync(None, 0).await;
    let room = &initial["rooms"]["join"][&room_id];
    let resident_sync = alice.sync(None, 0).await;
    assert_eq!(
        room["summary"], resident_sync["rooms"]["join"][&room_id]["summary"],
        "{room}"
    );
    let mut synced = std::collections::BTreeMap::new();
    for e in room["state"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .chain(room["timeline"]["events"].as_array().unwrap())
        .filter(|e| e.get("state_key").is_some())
    {
        let row = state_row(e);
        synced.insert((row.0.clone(), row.1.clone()), row);
    }
    assert_eq!(
        synced.into_values().collect::<BTreeSet<_>>(),
        resident_state
    );
    let since = initial["next_batch"].as_str().unwrap().to_string();

    // The timeline since the join: the same events in the same order.
    alice.send_text(&room_id, "a1", "after 1").await;
    users[0].send_text(&room_id, "a2", "after 2").await;
    let (arrived, since) = timeline_until(&carol, &since, &room_id, "after 2").await;
    let bodies: Vec<&Value> = arrived.iter().map(|e| &e["content"]["body"]).collect();
    assert_eq!(
        bodies,
        [&json!("after 1"), &json!("after 2")],
        "{arrived:?}"
    );
    let resident_newest = newest(&alice, &room_id, 3).await;
    assert_eq!(newest(&carol, &room_id, 3).await, resident_newest);
    let carol_join = &resident_newest[2];
    state_ids_both_ways(&one, &two, &room_id, carol_join).await;

    // A later incremental sync brings exactly what happened meanwhile, and leaves the state
    // and the members as the resident has them.
    users[20]
        .ok(
            reqwest::Method::POST,
            &format!("/rooms/{}/leave", enc(&room_id)),
            json!({}),
        )
        .await;
    let rename = format!(
        "/rooms/{}/state/m.room.member/{}",
        enc(&room_id),
        enc(&users[21].user_id)
    );
    users[21]
        .ok(
            reqwest::Method::PUT,
            &rename,
            json!({"membership": "join", "displayname": "Renamed"}),
        )
        .await;
    let late = one.server.user("late").await;
    late.ok(
        reqwest::Method::POST,
        &format!("/join/{}", enc(&room_id)),
        json!({}),
    )
    .await;
    alice.send_text(&room_id, "a3", "after 3").await;
    let (arrived, _) = timeline_until(&carol, &since, &room_id, "after 3").await;
    let ids: Vec<&str> = arrived
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    let mut expected = newest(&alice, &room_id, 4).await;
    expected.reverse();
    assert_eq!(ids, expected, "{arrived:?}");
    assert_eq!(state(&carol, &room_id).await, state(&alice, &room_id).await);
    assert_eq!(
        members(&carol, &room_id).await,
        members(&alice, &room_id).await
    );
    state_ids_both_ways(&one, &two, &room_id, &expected[3]).await;

    for node in [one, two] {
        node.server.stop().await;
        node.home.cleanup().await;
    }
}
both_engines!(a_joined_room_of_many_members_reads_as_its_resident_serves_it);
