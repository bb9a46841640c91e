//! Federation between matrixd and a real Synapse, both on loopback with IP-literal server names
//! (`127.0.0.1:PORT`, no DNS), federation over TLS with one throwaway CA that each side trusts
//! through `federation_custom_ca_list`, and `ip_range_blacklist` Synapse's default minus
//! 127.0.0.0/8. Each side's client API is plain HTTP on another port.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::fed::*;
use crate::support::*;

/// Profiles and aliases asked across servers, each way: the asking server fetches the other's
/// signing key over TLS, signs its request with X-Matrix, and the answering server verifies it.
#[tokio::test]
async fn profile_and_alias_lookups_cross_servers_both_ways() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (syn_dir, md_dir) = (dir.path().join("synapse"), dir.path().join("matrixd"));
    let (syn, md) = tokio::join!(synapse(&syn_dir, &pki), matrixd(&md_dir, &pki));
    let alice = md.user("alice").await;
    let bob = syn.user("bob").await;

    for (server, token, user, name) in [
        (&md, &alice, "alice", "Alice on matrixd"),
        (&syn, &bob, "bob", "Bob on Synapse"),
    ] {
        let path = format!(
            "/_matrix/client/v3/profile/{}/displayname",
            enc(&server.user_id(user))
        );
        let (status, body) = server
            .call("PUT", &path, token, Some(json!({"displayname": name})))
            .await;
        assert_eq!(status, 200, "{body}");
    }

    // Synapse asks matrixd for alice's profile, matrixd asks Synapse for bob's.
    for (asker, token, owner, user, name) in [
        (&syn, &bob, &md, "alice", "Alice on matrixd"),
        (&md, &alice, &syn, "bob", "Bob on Synapse"),
    ] {
        let id = enc(&owner.user_id(user));
        let (status, body) = asker
            .call(
                "GET",
                &format!("/_matrix/client/v3/profile/{id}"),
                token,
                None,
            )
            .await;
        assert_eq!(status, 200, "{} asking for {user}: {body}", asker.name);
        assert_eq!(body["displayname"], name, "{body}");
        let (status, body) = asker
            .call(
                "GET",
                &format!("/_matrix/client/v3/profile/{id}/displayname"),
                token,
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, json!({"displayname": name}));
        // An unknown user of the other server is not found.
        let ghost = enc(&owner.user_id("nobody-here"));
        let (status, body) = asker
            .call(
                "GET",
                &format!("/_matrix/client/v3/profile/{ghost}"),
                token,
                None,
            )
            .await;
        assert_eq!(
            status, 404,
            "{} asking for an unknown user: {body}",
            asker.name
        );
    }

    // Each side creates a room with an alias; the other resolves it.
    for (asker, asker_token, owner, owner_token, local) in [
        (&syn, &bob, &md, &alice, "md-room"),
        (&md, &alice, &syn, &bob, "syn-room"),
    ] {
        let (status, body) = owner
            .call(
                "POST",
                "/_matrix/client/v3/createRoom",
                owner_token,
                Some(json!({"room_alias_name": local, "preset": "public_chat", "visibility": "public", "name": local})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let room_id = body["room_id"].as_str().unwrap().to_string();
        let alias = enc(&format!("#{local}:{}", owner.name));
        let (status, body) = asker
            .call(
                "GET",
                &format!("/_matrix/client/v3/directory/room/{alias}"),
                asker_token,
                None,
            )
            .await;
        assert_eq!(status, 200, "{} resolving {local}: {body}", asker.name);
        assert_eq!(body["room_id"], room_id.as_str(), "{body}");
        let servers: Vec<&str> = body["servers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(servers.contains(&owner.name.as_str()), "{body}");
        let missing = enc(&format!("#no-such-room:{}", owner.name));
        let (status, body) = asker
            .call(
                "GET",
                &format!("/_matrix/client/v3/directory/room/{missing}"),
                asker_token,
                None,
            )
            .await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["errcode"], "M_NOT_FOUND", "{body}");
        // The room is in the owner's public list, read through the asker. (Synapse lists a
        // new room once its statistics caught up, and keeps an unfiltered list for minutes:
        // a search, asked until it is found.)
        let path = format!("/_matrix/client/v3/publicRooms?server={}", enc(&owner.name));
        let start = std::time::Instant::now();
        loop {
            let (status, body) = asker
                .call(
                    "POST",
                    &path,
                    asker_token,
                    Some(json!({"filter": {"generic_search_term": local}})),
                )
                .await;
            assert_eq!(
                status, 200,
                "{} reading {}'s directory: {body}",
                asker.name, owner.name
            );
            let found = body["chunk"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|r| r["room_id"] == room_id.as_str() && r["name"] == local)
            });
            if found {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{} never listed {local}: {body}",
                owner.name
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// A Synapse user joins a room on matrixd by its alias; then messages and typing notices
/// cross both ways, each server checking the other's signatures.
#[tokio::test]
async fn a_synapse_user_joins_a_matrixd_room_and_they_talk() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (syn_dir, md_dir) = (dir.path().join("synapse"), dir.path().join("matrixd"));
    let (syn, md) = tokio::join!(synapse(&syn_dir, &pki), matrixd(&md_dir, &pki));
    let alice = md.user("alice").await;
    let bob = syn.user("bob").await;

    let (status, body) = md
        .call(
            "POST",
            "/_matrix/client/v3/createRoom",
            &alice,
            Some(json!({"room_alias_name": "talk", "preset": "public_chat", "name": "Across"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let room_id = body["room_id"].as_str().unwrap().to_string();
    md.send_text(&alice, &room_id, "before bob joined").await;

    // Bob joins through Synapse: alias lookup, make_join and send_join against matrixd.
    let alias = enc(&format!("#talk:{}", md.name));
    let (status, body) = syn
        .call(
            "POST",
            &format!("/_matrix/client/v3/join/{alias}"),
            &bob,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "Synapse joining a matrixd room: {body}");
    assert_eq!(body["room_id"], room_id.as_str());
    let rid = enc(&room_id);

    // What alice said before bob joined: Synapse fetches it from matrixd (/backfill, and the
    // state and events it needs to accept it) when bob pages back.
    let messages = format!("/_matrix/client/v3/rooms/{rid}/messages?dir=b&limit=20");
    syn.until(
        &messages,
        &bob,
        "the history before bob joined, on Synapse",
        |b| texts(b).contains(&"before bob joined".to_string()),
    )
    .await;

    // Synapse has the room's state from the join; matrixd has bob's join.
    let (status, body) = syn
        .call(
            "GET",
            &format!("/_matrix/client/v3/rooms/{rid}/state/m.room.name/"),
            &bob,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Across");
    let bob_id = syn.user_id("bob");
    md.until(
        &format!("/_matrix/client/v3/rooms/{rid}/joined_members"),
        &alice,
        "bob's join",
        |b| b["joined"].get(&bob_id).is_some(),
    )
    .await;

    // matrixd → Synapse: delivered by a /send transaction.
    md.send_text(&alice, &room_id, "hello from matrixd").await;
    syn.until(&messages, &bob, "alice's message on Synapse", |b| {
        texts(b).contains(&"hello from matrixd".to_string())
    })
    .await;

    // Synapse → matrixd.
    syn.send_text(&bob, &room_id, "hello from Synapse").await;
    md.until(&messages, &alice, "bob's message on matrixd", |b| {
        texts(b).contains(&"hello from Synapse".to_string())
    })
    .await;

    // Typing, Synapse → matrixd: an m.typing EDU shows in alice's sync.
    let (status, body) = syn
        .call(
            "PUT",
            &format!("/_matrix/client/v3/rooms/{rid}/typing/{}", enc(&bob_id)),
            &bob,
            Some(json!({"typing": true, "timeout": 20000})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    md.until(
        "/_matrix/client/v3/sync?timeout=1000",
        &alice,
        "bob typing",
        |b| {
            b["rooms"]["join"][&room_id]["ephemeral"]["events"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| {
                    e["type"] == "m.typing"
                        && e["content"]["user_ids"]
                            .as_array()
                            .is_some_and(|u| u.iter().any(|u| u == bob_id.as_str()))
                })
        },
    )
    .await;

    // Typing and a read receipt, matrixd → Synapse: EDUs in bob's sync.
    let alice_id = md.user_id("alice");
    let (status, body) = md
        .call(
            "PUT",
            &format!("/_matrix/client/v3/rooms/{rid}/typing/{}", enc(&alice_id)),
            &alice,
            Some(json!({"typing": true, "timeout": 20000})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let seen = md
        .until(&messages, &alice, "bob's message", |b| {
            texts(b).contains(&"hello from Synapse".to_string())
        })
        .await;
    let bobs_event = seen["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["content"]["body"] == "hello from Synapse")
        .unwrap()["event_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = md
        .call(
            "POST",
            &format!(
                "/_matrix/client/v3/rooms/{rid}/receipt/m.read/{}",
                enc(&bobs_event)
            ),
            &alice,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let ephemeral = |b: &Value, kind: &str| -> Vec<Value> {
        b["rooms"]["join"][&room_id]["ephemeral"]["events"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["type"] == kind)
            .cloned()
            .collect()
    };
    syn.until(
        "/_matrix/client/v3/sync?timeout=1000",
        &bob,
        "alice typing and her receipt",
        |b| {
            let typing = ephemeral(b, "m.typing").iter().any(|e| {
                e["content"]["user_ids"]
                    .as_array()
                    .is_some_and(|u| u.iter().any(|u| u == alice_id.as_str()))
            });
            let receipt = ephemeral(b, "m.receipt")
                .iter()
                .any(|e| e["content"][&bobs_event]["m.read"].get(&alice_id).is_some());
            typing && receipt
        },
    )
    .await;

    // Presence, both ways: each server learns the other's user's status.
    for (setter, token, user_id, reader, reader_token, text) in [
        (&syn, &bob, &bob_id, &md, &alice, "busy on Synapse"),
        (&md, &alice, &alice_id, &syn, &bob, "busy on matrixd"),
    ] {
        let path = format!("/_matrix/client/v3/presence/{}/status", enc(user_id));
        let (status, body) = setter
            .call(
                "PUT",
                &path,
                token,
                Some(json!({"presence": "online", "status_msg": text})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        reader
            .until(&path, reader_token, "the other server's presence", |b| {
                b["presence"] == "online" && b["status_msg"] == text
            })
            .await;
    }
}

#[tokio::test]
async fn a_matrixd_user_joins_a_synapse_room_and_they_talk() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (syn_dir, md_dir) = (dir.path().join("synapse"), dir.path().join("matrixd"));
    let (syn, md) = tokio::join!(synapse(&syn_dir, &pki), matrixd(&md_dir, &pki));
    let alice = md.user("alice").await;
    let bob = syn.user("bob").await;
    join_and_talk(&syn, &bob, &md, &alice, "synroom").await;
}

#[tokio::test]
async fn two_matrixd_servers_share_a_room() {
    pair_sharing_a_room("shared").await;
}

/// An invite-only room of `host`: `guest` (of `visitor`) is invited, sees the invite with the
/// room's name in its sync, joins, and the host sees the join; `stranger` (of `visitor`, not
/// invited) is refused.
async fn invite_and_join(
    host: &Server,
    owner: &str,
    visitor: &Server,
    guest: (&str, &str),
    stranger: &str,
) {
    let (status, body) = host
        .call(
            "POST",
            "/_matrix/client/v3/createRoom",
            owner,
            Some(json!({"preset": "private_chat", "name": "Invite only"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let room_id = body["room_id"].as_str().unwrap().to_string();
    let rid = enc(&room_id);
    let guest_id = visitor.user_id(guest.0);
    let (status, body) = host
        .call(
            "POST",
            &format!("/_matrix/client/v3/rooms/{rid}/invite"),
            owner,
            Some(json!({"user_id": guest_id})),
        )
        .await;
    assert_eq!(status, 200, "{} inviting {guest_id}: {body}", host.name);
    let sync = visitor
        .until(
            "/_matrix/client/v3/sync?timeout=1000",
            guest.1,
            "the invite",
            |b| b["rooms"]["invite"].get(&room_id).is_some(),
        )
        .await;
    let state = &sync["rooms"]["invite"][&room_id]["invite_state"]["events"];
    assert!(
        state
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "m.room.name" && e["content"]["name"] == "Invite only"),
        "the invite carries the room's name: {state}"
    );

    // Not invited: refused by the host's rules.
    let (status, body) = visitor
        .call(
            "POST",
            &format!("/_matrix/client/v3/join/{rid}?via={}", enc(&host.name)),
            stranger,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 403, "{} joining uninvited: {body}", visitor.name);

    // The invited user joins by room id alone: through the inviter's server.
    let (status, body) = visitor
        .call(
            "POST",
            &format!("/_matrix/client/v3/rooms/{rid}/join"),
            guest.1,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{} accepting the invite: {body}", visitor.name);
    host.until(
        &format!("/_matrix/client/v3/rooms/{rid}/joined_members"),
        owner,
        "the guest's join",
        |b| b["joined"].get(&guest_id).is_some(),
    )
    .await;
    visitor
        .send_text(guest.1, &room_id, "thanks for the invite")
        .await;
    host.until(
        &format!("/_matrix/client/v3/rooms/{rid}/messages?dir=b&limit=30"),
        owner,
        "the guest's message",
        |b| texts(b).contains(&"thanks for the invite".to_string()),
    )
    .await;
}

#[tokio::test]
async fn invites_cross_both_ways_and_invite_only_rooms_refuse_strangers() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (syn_dir, md_dir) = (dir.path().join("synapse"), dir.path().join("matrixd"));
    let (syn, md) = tokio::join!(synapse(&syn_dir, &pki), matrixd(&md_dir, &pki));
    let (alice, mallory_md) = (md.user("alice").await, md.user("mallory").await);
    let (bob, mallory_syn) = (syn.user("bob").await, syn.user("mallory").await);
    // Synapse invites a matrixd user, then matrixd invites a Synapse user.
    invite_and_join(&syn, &bob, &md, ("alice", &alice), &mallory_md).await;
    invite_and_join(&md, &alice, &syn, ("bob", &bob), &mallory_syn).await;
}

/// A signed federation request to `server`, as `origin` with `key`, trusting the test CA.
async fn signed_request(
    pki: &Pki,
    key: &matrixd::keys::SigningKey,
    origin: &str,
    server: &Server,
    method: http::Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let content = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let origin = ruma::ServerName::parse(origin).unwrap();
    let destination = ruma::ServerName::parse(&server.name).unwrap();
    let header = matrixd::service::federation::auth::authorization_header(
        key,
        &origin,
        &destination,
        &method,
        path,
        &content,
    )
    .unwrap();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&pki.ca).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let mut req = client
        .request(method, format!("https://{}{path}", server.name))
        .header("Authorization", header);
    if body.is_some() {
        req = req.header("Content-Type", "application/json").body(content);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A server in a room sends join events for a user of its own, three ways: signed with a key
/// it never published, changed after signing, and properly signed. Only the last is stored.
#[tokio::test]
async fn forged_and_wrongly_signed_pdus_are_refused_and_not_stored() {
    let Pair {
        pki,
        one,
        two,
        two_dir,
        alice,
        room_id,
        _dir,
        ..
    } = pair_sharing_a_room("guarded").await;
    let two_key =
        matrixd::keys::read_signing_key(&two_dir.join(format!("{}.signing.key", two.name)))
            .unwrap();
    let rules = ruma::RoomVersionId::V12.rules().unwrap();

    // One join template per attempt, for users of two.
    let attempt = |user: &'static str| {
        let (pki, two_key, one, two, room_id) = (&pki, &two_key, &one, &two, room_id.clone());
        async move {
            let user_id = two.user_id(user);
            let path = format!(
                "/_matrix/federation/v1/make_join/{}/{}?ver=12",
                enc(&room_id),
                enc(&user_id)
            );
            let (status, body) =
                signed_request(pki, two_key, &two.name, one, http::Method::GET, &path, None).await;
            assert_eq!(status, 200, "make_join: {body}");
            let mut event: ruma::CanonicalJsonObject =
                serde_json::from_value(body["event"].clone()).unwrap();
            event.insert(
                "origin_server_ts".into(),
                ruma::CanonicalJsonValue::Integer(1_700_000_000_000u64.try_into().unwrap()),
            );
            (user_id, event)
        }
    };
    let send = |event: ruma::CanonicalJsonObject| {
        let (pki, two_key, one, two, rules) = (&pki, &two_key, &one, &two, &rules);
        async move {
            let id = format!(
                "${}",
                ruma::signatures::reference_hash(&event, rules).unwrap()
            );
            let txn = json!({
                "origin": two.name,
                "origin_server_ts": 1_700_000_000_000u64,
                "pdus": [serde_json::to_value(&event).unwrap()],
            });
            let path = format!("/_matrix/federation/v1/send/t{}", rand_suffix());
            let (status, body) = signed_request(
                pki,
                two_key,
                &two.name,
                one,
                http::Method::PUT,
                &path,
                Some(&txn),
            )
            .await;
            assert_eq!(status, 200, "/send: {body}");
            (id, body)
        }
    };
    let joined = |user_id: String| {
        let (one, alice, room_id) = (&one, &alice, room_id.clone());
        async move {
            let (_, body) = one
                .call(
                    "GET",
                    &format!("/_matrix/client/v3/rooms/{}/joined_members", enc(&room_id)),
                    alice,
                    None,
                )
                .await;
            body["joined"].get(&user_id).is_some()
        }
    };

    // Signed with a key two never published.
    let (eve, mut event) = attempt("eve").await;
    let stranger_key = matrixd::keys::SigningKey::generate();
    ruma::signatures::hash_and_sign_event(
        &two.name,
        stranger_key.pair(),
        &mut event,
        &rules.redaction,
    )
    .unwrap();
    let (id, body) = send(event).await;
    assert!(
        body["pdus"][&id]["error"].is_string(),
        "an unknown key's signature: {body}"
    );
    assert!(
        !joined(eve).await,
        "a PDU signed with an unpublished key was stored"
    );

    // Signed with two's key, then changed.
    let (frank, mut event) = attempt("frank").await;
    ruma::signatures::hash_and_sign_event(&two.name, two_key.pair(), &mut event, &rules.redaction)
        .unwrap();
    event.insert(
        "origin_server_ts".into(),
        ruma::CanonicalJsonValue::Integer(1_700_000_000_001u64.try_into().unwrap()),
    );
    let (id, body) = send(event).await;
    assert!(
        body["pdus"][&id]["error"].is_string(),
        "a changed event: {body}"
    );
    assert!(
        !joined(frank).await,
        "a PDU changed after signing was stored"
    );

    // Properly signed: stored (the refusals above are the signatures', nothing else).
    let (grace, mut event) = attempt("grace").await;
    ruma::signatures::hash_and_sign_event(&two.name, two_key.pair(), &mut event, &rules.redaction)
        .unwrap();
    let (id, body) = send(event).await;
    assert_eq!(body["pdus"][&id], json!({}), "a well-signed join: {body}");
    assert!(joined(grace).await, "a well-signed join was not stored");
}

/// Declining invites across servers: the inviter's side sees the user leave.
#[tokio::test]
async fn declined_invites_are_seen_by_the_inviting_server() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (syn_dir, md_dir) = (dir.path().join("synapse"), dir.path().join("matrixd"));
    let (syn, md) = tokio::join!(synapse(&syn_dir, &pki), matrixd(&md_dir, &pki));
    let alice = md.user("alice").await;
    let bob = syn.user("bob").await;
    for (host, owner, visitor, guest, guest_name) in [
        (&syn, &bob, &md, &alice, "alice"),
        (&md, &alice, &syn, &bob, "bob"),
    ] {
        let (status, body) = host
            .call(
                "POST",
                "/_matrix/client/v3/createRoom",
                owner,
                Some(json!({"preset": "private_chat"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let room_id = body["room_id"].as_str().unwrap().to_string();
        let rid = enc(&room_id);
        let guest_id = visitor.user_id(guest_name);
        let (status, body) = host
            .call(
                "POST",
                &format!("/_matrix/client/v3/rooms/{rid}/invite"),
                owner,
                Some(json!({"user_id": guest_id})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        visitor
            .until(
                "/_matrix/client/v3/sync?timeout=1000",
                guest,
                "the invite",
                |b| b["rooms"]["invite"].get(&room_id).is_some(),
            )
            .await;
        let (status, body) = visitor
            .call(
                "POST",
                &format!("/_matrix/client/v3/rooms/{rid}/leave"),
                guest,
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 200, "{} declining: {body}", visitor.name);
        host.until(
            &format!(
                "/_matrix/client/v3/rooms/{rid}/state/m.room.member/{}",
                enc(&guest_id)
            ),
            owner,
            "the declined invite",
            |b| b["membership"] == "leave",
        )
        .await;
    }
}

/// A partition: each server in turn is down while the other sends, then comes back and
/// sends too; both end with every message, and the room's state agrees.
#[tokio::test]
async fn after_a_partition_both_servers_have_every_message() {
    let Pair {
        pki: _pki,
        mut one,
        mut two,
        alice,
        carol,
        room_id,
        _dir,
        ..
    } = pair_sharing_a_room("partitioned").await;
    let messages = format!(
        "/_matrix/client/v3/rooms/{}/messages?dir=b&limit=50",
        enc(&room_id)
    );

    // two is down while one sends; back up, it sends too.
    two.stop();
    one.send_text(&alice, &room_id, "one, while two was down")
        .await;
    two.start_matrixd().await;
    two.send_text(&carol, &room_id, "two, back up").await;

    // one is down while two sends; back up, it sends too.
    one.stop();
    two.send_text(&carol, &room_id, "two, while one was down")
        .await;
    one.start_matrixd().await;
    one.send_text(&alice, &room_id, "one, back up").await;

    let all = [
        "one, while two was down",
        "two, back up",
        "two, while one was down",
        "one, back up",
    ];
    for (server, token) in [(&one, &alice), (&two, &carol)] {
        server
            .until(&messages, token, "every message after the partition", |b| {
                let t = texts(b);
                all.iter().all(|m| t.contains(&m.to_string()))
            })
            .await;
    }
    // The same members on both.
    let members = format!("/_matrix/client/v3/rooms/{}/joined_members", enc(&room_id));
    let (_, on_one) = one.call("GET", &members, &alice, None).await;
    let (_, on_two) = two.call("GET", &members, &carol, None).await;
    let names = |b: &Value| {
        let mut k: Vec<String> = b["joined"].as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(names(&on_one), names(&on_two));
}

/// `matrixctl doctor federation.queue` on one server.
fn doctor_queue(server: &Server) -> Value {
    let out = Command::new(bin("matrixctl"))
        .args(["doctor", "--json", "-c"])
        .arg(&server.config)
        .arg("federation.queue")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json: {e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "federation.queue"))
        .cloned()
        .unwrap_or_else(|| panic!("no federation.queue in {report}"))
}

/// The doctor names a destination in backoff and what waits for it, then clears it once the
/// destination is back and has everything.
#[tokio::test]
async fn doctor_reports_destinations_in_backoff() {
    let Pair {
        one,
        mut two,
        alice,
        carol,
        room_id,
        _dir,
        ..
    } = pair_sharing_a_room("watched").await;
    let check = doctor_queue(&one);
    assert_eq!(check["status"], "ok", "{check}");

    two.stop();
    one.send_text(&alice, &room_id, "nobody home").await;
    let start = std::time::Instant::now();
    let check = loop {
        let check = doctor_queue(&one);
        if check["status"] == "warn" || start.elapsed() > Duration::from_secs(20) {
            break check;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(check["status"], "warn", "{check}");
    let summary = check["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains(&two.name) && summary.contains("1 events waiting"),
        "{check}"
    );

    two.start_matrixd().await;
    two.send_text(&carol, &room_id, "back").await;
    two.until(
        &format!(
            "/_matrix/client/v3/rooms/{}/messages?dir=b&limit=30",
            enc(&room_id)
        ),
        &carol,
        "the queued message",
        |b| texts(b).contains(&"nobody home".to_string()),
    )
    .await;
    let check = doctor_queue(&one);
    assert_eq!(check["status"], "ok", "{check}");
}

/// A room's server ACL: once it bars IP literals, the other server's (IP-literal) events are
/// refused.
#[tokio::test]
async fn a_server_acl_bars_a_server_from_the_room() {
    let Pair {
        one,
        two,
        alice,
        carol,
        room_id,
        _dir,
        ..
    } = pair_sharing_a_room("acl").await;
    let rid = enc(&room_id);
    let (status, body) = one
        .call(
            "PUT",
            &format!("/_matrix/client/v3/rooms/{rid}/state/m.room.server_acl/"),
            &alice,
            Some(json!({"allow": ["*"], "deny": [], "allow_ip_literals": false})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // two learns of the ACL, then carol speaks: one refuses it.
    two.until(
        &format!("/_matrix/client/v3/rooms/{rid}/state/m.room.server_acl/"),
        &carol,
        "the ACL",
        |b| b["allow_ip_literals"] == false,
    )
    .await;
    // (The ACL bars one's IP-literal name on two as well, as the spec says: it binds every
    // server but the one reading it.) Delivery takes well under a second here; before the ACL,
    // carol's messages reached one (join_and_talk).
    two.send_text(&carol, &room_id, "barred words").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, body) = one
        .call(
            "GET",
            &format!("/_matrix/client/v3/rooms/{rid}/messages?dir=b&limit=30"),
            &alice,
            None,
        )
        .await;
    assert!(
        !texts(&body).contains(&"barred words".to_string()),
        "a barred server's event was stored: {body}"
    );
}

/// matrixd misses what a Synapse user says while it is down, and Synapse restarts meanwhile:
/// catching up, the new Synapse sends only the newest event of the room, which builds on the
/// ones missed. matrixd asks Synapse for the events between (/get_missing_events) and stores
/// them first.
#[tokio::test]
async fn matrixd_fills_a_gap_from_synapse() {
    install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (syn_dir, md_dir) = (dir.path().join("synapse"), dir.path().join("matrixd"));
    let (mut syn, mut md) = tokio::join!(synapse(&syn_dir, &pki), matrixd(&md_dir, &pki));
    let alice = md.user("alice").await;
    let bob = syn.user("bob").await;
    let (status, body) = md
        .call(
            "POST",
            "/_matrix/client/v3/createRoom",
            &alice,
            Some(json!({"room_alias_name": "gap", "preset": "public_chat"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let room_id = body["room_id"].as_str().unwrap().to_string();
    let rid = enc(&room_id);
    let alias = enc(&format!("#gap:{}", md.name));
    let (status, body) = syn
        .call(
            "POST",
            &format!("/_matrix/client/v3/join/{alias}"),
            &bob,
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let messages = format!("/_matrix/client/v3/rooms/{rid}/messages?dir=b&limit=30");
    syn.send_text(&bob, &room_id, "before the gap").await;
    md.until(&messages, &alice, "bob's first message", |b| {
        texts(b).contains(&"before the gap".to_string())
    })
    .await;

    md.stop_matrixd();
    for text in ["missed one", "missed two", "after the gap"] {
        syn.send_text(&bob, &room_id, text).await;
    }
    syn.restart_synapse(&pki).await;
    md.start_matrixd().await;
    let (status, page) = md.call("GET", &messages, &alice, None).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        !texts(&page).contains(&"missed one".to_string()),
        "the gap is there: {page}"
    );
    // matrixd calls Synapse, which then catches up with it.
    md.send_text(&alice, &room_id, "matrixd is back").await;

    let page = md
        .until(&messages, &alice, "the missed messages", |b| {
            let t = texts(b);
            ["missed one", "missed two", "after the gap"]
                .iter()
                .all(|m| t.contains(&m.to_string()))
        })
        .await;
    let shown = texts(&page);
    let at = |m: &str| shown.iter().position(|t| t == m).unwrap();
    assert!(
        at("after the gap") < at("missed two") && at("missed two") < at("missed one"),
        "in order, newest first: {shown:?}"
    );
    // Synapse writes its log in batches, every few seconds.
    let synapse_log =
        || std::fs::read_to_string(syn_dir.join("homeserver.log")).unwrap_or_default();
    let start = std::time::Instant::now();
    while !synapse_log().contains("/_matrix/federation/v1/get_missing_events/") {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the gap was not filled by asking Synapse"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
