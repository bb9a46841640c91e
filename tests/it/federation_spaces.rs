//! Spaces and knocking between matrixd and a real Synapse, each way (issue 13): a user of the
//! visiting server, in a space of the host, sees the space's children the visiting server is
//! not in (the host answers /hierarchy), without the invite-only one; a room summary through
//! `via`; a knock on a knock room of the host, shown to the knocker with the room's name and
//! to the host's admin, who lets the knocker in.

use serde_json::{Value, json};

use crate::fed::*;
use crate::support::*;

/// `owner` of `host` makes a space with three children (open, invite-only, knock);
/// `guest` of `visitor` joins the space, reads its hierarchy and knocks on the knock room.
async fn spaces_and_knocks(host: &Server, owner: &str, visitor: &Server, guest: (&str, &str)) {
    let create = |body: Value| async move {
        let (status, b) = host
            .call("POST", "/_matrix/client/v3/createRoom", owner, Some(body))
            .await;
        assert_eq!(status, 200, "{} createRoom: {b}", host.name);
        b["room_id"].as_str().unwrap().to_string()
    };
    let space = create(json!({"preset": "public_chat", "name": "Club",
        "creation_content": {"type": "m.space"}}))
    .await;
    let open = create(json!({"preset": "public_chat", "name": "open"})).await;
    let closed = create(json!({"preset": "private_chat", "name": "closed"})).await;
    let knock = create(json!({"name": "knock here", "room_version": "10",
        "initial_state": [{"type": "m.room.join_rules", "state_key": "",
            "content": {"join_rule": "knock"}}]}))
    .await;
    for (child, order) in [(&open, "a"), (&closed, "b"), (&knock, "c")] {
        let (status, b) = host
            .call(
                "PUT",
                &format!(
                    "/_matrix/client/v3/rooms/{}/state/m.space.child/{}",
                    enc(&space),
                    enc(child)
                ),
                owner,
                Some(json!({"via": [host.name], "order": order})),
            )
            .await;
        assert_eq!(status, 200, "{b}");
    }
    let (status, b) = visitor
        .call(
            "POST",
            &format!(
                "/_matrix/client/v3/join/{}?via={}",
                enc(&space),
                enc(&host.name)
            ),
            guest.1,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{} joining the space: {b}", visitor.name);

    let page = visitor
        .until(
            &format!("/_matrix/client/v1/rooms/{}/hierarchy", enc(&space)),
            guest.1,
            "the space's children",
            |b| b["rooms"].as_array().is_some_and(|r| r.len() >= 3),
        )
        .await;
    let ids: Vec<&str> = page["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["room_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [&space, &open, &knock],
        "{} hierarchy: {page}",
        visitor.name
    );
    assert_eq!(page["rooms"][1]["name"], "open");

    let (status, sum) = visitor
        .call(
            "GET",
            &format!(
                "/_matrix/client/v1/room_summary/{}?via={}",
                enc(&open),
                enc(&host.name)
            ),
            guest.1,
            None,
        )
        .await;
    assert_eq!(status, 200, "{} room summary: {sum}", visitor.name);
    assert_eq!(
        (sum["name"].as_str(), sum["membership"].as_str()),
        (Some("open"), Some("leave"))
    );

    let (status, b) = visitor
        .call(
            "POST",
            &format!(
                "/_matrix/client/v3/knock/{}?via={}",
                enc(&knock),
                enc(&host.name)
            ),
            guest.1,
            Some(json!({"reason": "may I?"})),
        )
        .await;
    assert_eq!(status, 200, "{} knocking: {b}", visitor.name);
    let sync = visitor
        .until(
            "/_matrix/client/v3/sync",
            guest.1,
            "the knock in sync",
            |b| b["rooms"]["knock"].get(&knock).is_some(),
        )
        .await;
    let state = &sync["rooms"]["knock"][&knock]["knock_state"]["events"];
    assert!(
        state
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "m.room.name" && e["content"]["name"] == "knock here"),
        "{state}"
    );
    let guest_id = visitor.user_id(guest.0);
    let member = format!(
        "/_matrix/client/v3/rooms/{}/state/m.room.member/{}",
        enc(&knock),
        enc(&guest_id)
    );
    host.until(&member, owner, "the knock", |b| b["membership"] == "knock")
        .await;
    let (status, b) = host
        .call(
            "POST",
            &format!("/_matrix/client/v3/rooms/{}/invite", enc(&knock)),
            owner,
            Some(json!({"user_id": guest_id})),
        )
        .await;
    assert_eq!(status, 200, "{} letting the knocker in: {b}", host.name);
    // Synapse keeps a /sync answer for two minutes: each poll asks a different question.
    let since = sync["next_batch"].as_str().unwrap();
    let mut invited = false;
    for limit in 1..60 {
        let (status, b) = visitor
            .call(
                "GET",
                &format!(
                    "/_matrix/client/v3/sync?since={}&timeout=500&filter={}",
                    enc(since),
                    enc(&json!({"room": {"timeline": {"limit": limit}}}).to_string())
                ),
                guest.1,
                None,
            )
            .await;
        assert_eq!(status, 200, "{b}");
        if b["rooms"]["invite"].get(&knock).is_some() {
            invited = true;
            break;
        }
    }
    assert!(
        invited,
        "{}: the invite after the knock never came",
        visitor.name
    );
    let (status, b) = visitor
        .call(
            "POST",
            &format!("/_matrix/client/v3/join/{}", enc(&knock)),
            guest.1,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{} joining after the knock: {b}", visitor.name);
    host.until(&member, owner, "the join", |b| b["membership"] == "join")
        .await;
}

#[tokio::test]
async fn spaces_and_knocks_cross_both_ways_with_synapse() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (syn_dir, md_dir) = (dir.path().join("synapse"), dir.path().join("matrixd"));
    let (syn, md) = tokio::join!(synapse(&syn_dir, &pki), matrixd(&md_dir, &pki));
    let alice = md.user("alice").await;
    let bob = syn.user("bob").await;
    // Synapse hosts, matrixd visits; then the other way round.
    spaces_and_knocks(&syn, &bob, &md, ("alice", &alice)).await;
    spaces_and_knocks(&md, &alice, &syn, ("bob", &bob)).await;
}
