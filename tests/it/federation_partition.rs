//! A network partition with conflicting state on each side: one server is down while the other
//! renames the room and changes the power levels; back up, it renames the room too before it
//! hears of that. Once they exchange new events, both have the same current state (state
//! resolution v2, Synapse's choice where Synapse is one of them) and each other's messages.

use std::time::Duration;

use serde_json::{Value, json};

use crate::fed::*;
use crate::support::*;

/// The room's current state as `(type, state_key, event_id)`, sorted.
async fn state_of(server: &Server, token: &str, room_id: &str) -> Vec<(String, String, String)> {
    let path = format!("/_matrix/client/v3/rooms/{}/state", enc(room_id));
    let (status, body) = server.call("GET", &path, token, None).await;
    assert_eq!(status, 200, "{}: {body}", server.name);
    let mut out: Vec<(String, String, String)> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["state_key"].as_str().unwrap().to_string(),
                e["event_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Sets a state event; its id.
async fn put_state(
    server: &Server,
    token: &str,
    room_id: &str,
    kind: &str,
    content: Value,
) -> String {
    let path = format!("/_matrix/client/v3/rooms/{}/state/{kind}/", enc(room_id));
    let (status, body) = server.call("PUT", &path, token, Some(content)).await;
    assert_eq!(status, 200, "{} setting {kind}: {body}", server.name);
    body["event_id"].as_str().unwrap().to_string()
}

/// The event a state event replaced when `server` stored it (its `unsigned.replaces_state`).
async fn replaced(server: &Server, token: &str, room_id: &str, event_id: &str) -> Value {
    let path = format!(
        "/_matrix/client/v3/rooms/{}/event/{}",
        enc(room_id),
        enc(event_id)
    );
    let (status, body) = server.call("GET", &path, token, None).await;
    assert_eq!(status, 200, "{}: {body}", server.name);
    body["unsigned"]["replaces_state"].clone()
}

async fn room_name(server: &Server, token: &str, room_id: &str) -> String {
    let path = format!(
        "/_matrix/client/v3/rooms/{}/state/m.room.name/",
        enc(room_id)
    );
    let (status, body) = server.call("GET", &path, token, None).await;
    assert_eq!(status, 200, "{}: {body}", server.name);
    body["name"].as_str().unwrap().to_string()
}

/// Both sides (`a` with `a_token`, `b` with `b_token`) send a message until each sees every
/// text of `texts` and both report the same current state; that state. Fails after 120 s.
async fn converge(
    (a, a_token): (&Server, &str),
    (b, b_token): (&Server, &str),
    room_id: &str,
    texts_wanted: &[&str],
) -> Vec<(String, String, String)> {
    let messages = format!(
        "/_matrix/client/v3/rooms/{}/messages?dir=b&limit=100",
        enc(room_id)
    );
    let start = std::time::Instant::now();
    let mut round = 0;
    loop {
        let mut all = true;
        for (server, token) in [(a, a_token), (b, b_token)] {
            let (_, page) = server.call("GET", &messages, token, None).await;
            let t = texts(&page);
            all &= texts_wanted.iter().all(|w| t.contains(&w.to_string()));
        }
        let (sa, sb) = (
            state_of(a, a_token, room_id).await,
            state_of(b, b_token, room_id).await,
        );
        if all && sa == sb {
            return sa;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the servers did not agree after the partition:\n{}: {:?}\n{}: {:?}",
            a.name,
            sa,
            b.name,
            sb
        );
        // New events carry each side's extremities to the other (and prod the senders).
        if round % 8 == 0 {
            a.send_text(a_token, room_id, &format!("{} again {round}", a.name))
                .await;
            b.send_text(b_token, room_id, &format!("{} again {round}", b.name))
                .await;
        }
        round += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// matrixd's alice and Synapse's bob, both with power 100 in alice's room. Synapse is down
/// while alice renames the room, gives a third user power and speaks; back up, bob renames it
/// before Synapse hears of that. Both end with Synapse's resolution.
#[tokio::test]
async fn after_a_partition_matrixd_and_synapse_resolve_to_the_same_state() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (syn_dir, md_dir) = (dir.path().join("synapse"), dir.path().join("matrixd"));
    let (mut syn, md) = tokio::join!(synapse(&syn_dir, &pki), matrixd(&md_dir, &pki));
    let alice = md.user("alice").await;
    let bob = syn.user("bob").await;
    let room_id = join_and_talk(&md, &alice, &syn, &bob, "partition").await;
    let bob_id = syn.user_id("bob");
    put_state(
        &md,
        &alice,
        &room_id,
        "m.room.power_levels",
        json!({"users": {bob_id.clone(): 100}}),
    )
    .await;
    let levels = format!(
        "/_matrix/client/v3/rooms/{}/state/m.room.power_levels/",
        enc(&room_id)
    );
    syn.until(&levels, &bob, "bob's power on Synapse", |b| {
        b["users"][&bob_id] == 100
    })
    .await;

    syn.stop();
    let md_name = put_state(
        &md,
        &alice,
        &room_id,
        "m.room.name",
        json!({"name": "named on matrixd"}),
    )
    .await;
    put_state(
        &md,
        &alice,
        &room_id,
        "m.room.power_levels",
        json!({"users": {bob_id.clone(): 100, "@third:example.org": 50}}),
    )
    .await;
    md.send_text(&alice, &room_id, "matrixd during the partition")
        .await;

    syn.restart_synapse(&pki).await;
    let syn_name = put_state(
        &syn,
        &bob,
        &room_id,
        "m.room.name",
        json!({"name": "named on Synapse"}),
    )
    .await;
    syn.send_text(&bob, &room_id, "Synapse after the partition")
        .await;

    let state = converge(
        (&md, &alice),
        (&syn, &bob),
        &room_id,
        &[
            "matrixd during the partition",
            "Synapse after the partition",
        ],
    )
    .await;
    // A real fork: Synapse's name event was built without matrixd's.
    assert_ne!(
        replaced(&syn, &bob, &room_id, &syn_name).await,
        md_name.as_str()
    );
    let name = room_name(&syn, &bob, &room_id).await;
    assert_eq!(room_name(&md, &alice, &room_id).await, name);
    assert!(
        ["named on matrixd", "named on Synapse"].contains(&name.as_str()),
        "{name}"
    );
    // The power level change made on one side only stands on both.
    let (_, on_md) = md.call("GET", &levels, &alice, None).await;
    assert_eq!(on_md["users"]["@third:example.org"], 50, "{on_md}");
    assert!(state.iter().any(|(t, _, _)| t == "m.room.power_levels"));
}

/// The same between two matrixd servers: two is down while one renames the room and changes
/// the power levels; back up, two renames it too. Both end with the same state.
#[tokio::test]
async fn after_a_partition_two_matrixd_servers_resolve_to_the_same_state() {
    let Pair {
        pki: _pki,
        one,
        mut two,
        alice,
        carol,
        room_id,
        _dir,
        ..
    } = pair_sharing_a_room("partition-state").await;
    let carol_id = two.user_id("carol");
    put_state(
        &one,
        &alice,
        &room_id,
        "m.room.power_levels",
        json!({"users": {carol_id.clone(): 100}}),
    )
    .await;
    let levels = format!(
        "/_matrix/client/v3/rooms/{}/state/m.room.power_levels/",
        enc(&room_id)
    );
    two.until(&levels, &carol, "carol's power on two", |b| {
        b["users"][&carol_id] == 100
    })
    .await;

    two.stop();
    let one_name = put_state(
        &one,
        &alice,
        &room_id,
        "m.room.name",
        json!({"name": "named on one"}),
    )
    .await;
    put_state(
        &one,
        &alice,
        &room_id,
        "m.room.power_levels",
        json!({"users": {carol_id.clone(): 100, "@third:example.org": 50}}),
    )
    .await;
    one.send_text(&alice, &room_id, "one during the partition")
        .await;

    two.start_matrixd().await;
    let two_name = put_state(
        &two,
        &carol,
        &room_id,
        "m.room.name",
        json!({"name": "named on two"}),
    )
    .await;
    two.send_text(&carol, &room_id, "two after the partition")
        .await;

    converge(
        (&one, &alice),
        (&two, &carol),
        &room_id,
        &["one during the partition", "two after the partition"],
    )
    .await;
    // A real fork: two's name event was built without one's.
    assert_ne!(
        replaced(&two, &carol, &room_id, &two_name).await,
        one_name.as_str()
    );
    let name = room_name(&one, &alice, &room_id).await;
    assert_eq!(room_name(&two, &carol, &room_id).await, name);
    let (_, on_two) = two.call("GET", &levels, &carol, None).await;
    assert_eq!(on_two["users"]["@third:example.org"], 50, "{on_two}");
}
