//! The conversation, step by step as Element X drives it: log in discovering native sliding
//! sync, run `SyncService` (its room list service and encryption sync), create an encrypted DM,
//! accept the invite from the room list, and read each other's messages in the `Timeline`.
//! Every wait is bounded by `STEP` and stops early when a `SyncService` fails; a failure names
//! the step and what was seen last.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, bail, ensure};
use futures_util::StreamExt as _;
use matrix_sdk::ruma::api::client::keys::get_keys;
use matrix_sdk::ruma::api::client::receipt::create_receipt::v3::ReceiptType;
use matrix_sdk::ruma::events::room::message::RoomMessageEventContent;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, UserId};
use matrix_sdk::sliding_sync::{Version, VersionBuilder};
use matrix_sdk::{Client, Room, RoomState};
use matrix_sdk_ui::eyeball_im::Vector;
use matrix_sdk_ui::room_list_service::filters::new_filter_invite;
use matrix_sdk_ui::sync_service::{self, SyncService};
use matrix_sdk_ui::timeline::{EventSendState, RoomExt as _, Timeline};

/// The longest any single step may take (a slow, shared CI machine; real servers answer in
/// well under a second).
const STEP: Duration = Duration::from_secs(180);

/// The messages, in the order they are sent: (sender, body).
const MESSAGES: [(Who, &str); 4] = [
    (Who::A, "hello B, this is A over sliding sync"),
    (Who::B, "hello A, B here, decrypted fine"),
    (Who::A, "second message from A"),
    (Who::B, "second message from B"),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    A,
    B,
}

/// One logged-in user with its running `SyncService`.
struct User {
    who: Who,
    client: Client,
    sync: SyncService,
}

impl User {
    fn id(&self) -> &UserId {
        self.client.user_id().expect("logged in")
    }

    /// An error when this user's `SyncService` has stopped (it does on any sync error).
    fn check_sync(&self) -> Result<()> {
        match self.sync.state().get() {
            sync_service::State::Error(e) => {
                bail!("{:?}'s SyncService stopped on an error: {e}", self.who)
            }
            sync_service::State::Terminated => bail!("{:?}'s SyncService terminated", self.who),
            _ => Ok(()),
        }
    }
}

pub async fn run(url: &str, secret: &str) -> Result<()> {
    let started = Instant::now();
    let step = |what: &str| println!("[{:>6.1} s] {what}", started.elapsed().as_secs_f64());
    let tag = format!(
        "{}_{}",
        std::process::id(),
        SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis()
    );

    let a = log_in(url, secret, Who::A, &format!("sdk_a_{tag}")).await?;
    let b = log_in(url, secret, Who::B, &format!("sdk_b_{tag}")).await?;
    let users = [&a, &b];
    step(&format!(
        "{} and {} logged in with native sliding sync; SyncService running for both",
        a.id(),
        b.id()
    ));

    let a_room = a
        .client
        .create_dm(b.id())
        .await
        .context("A creates an encrypted DM with B")?;
    let room_id = a_room.room_id().to_owned();
    // The answer to createRoom can come before sync has shown every initial state event; the
    // room must be known as encrypted before anything is sent in it.
    wait(&users, "A sees the DM as encrypted", async || {
        let state = a_room.latest_encryption_state().await?;
        Ok(if state.is_encrypted() {
            Ok(())
        } else {
            Err(format!("{state:?}"))
        })
    })
    .await?;
    step(&format!("A created the encrypted DM {room_id}"));

    let b_room = accept_invite_from_room_list(&b, &room_id).await?;
    step("B found the invite (is_direct) in its room list and joined");

    wait(&users, "A sees B joined (joined_count 2)", async || {
        let n = a_room.joined_members_count();
        Ok(if n >= 2 {
            Ok(())
        } else {
            Err(format!("joined_count {n}"))
        })
    })
    .await?;
    wait(&users, "B sees the room as joined", async || {
        let state = b_room.state();
        Ok(if state == RoomState::Joined {
            Ok(())
        } else {
            Err(format!("{state:?}"))
        })
    })
    .await?;
    // A's m.direct (create_dm writes it) comes back through the account_data extension. B's
    // is not checked: matrix-sdk 0.18 writes it after the join only if its sync has not shown
    // the join yet (`finish_join_room` reads the room's state after /join answered), a race a
    // fast server loses about half the time.
    wait(&users, "A sees the room as direct (m.direct)", async || {
        Ok(if a_room.is_direct().await? {
            Ok(())
        } else {
            Err("not direct".to_owned())
        })
    })
    .await?;
    // Element X names a DM after the other member (the heroes of the room's summary).
    for (user, room, other) in [(&a, &a_room, &b), (&b, &b_room, &a)] {
        let expected = other.id().localpart().to_owned();
        wait(
            &users,
            &format!("{:?} sees the DM named {expected:?}", user.who),
            async || {
                let name = room.display_name().await?.to_string();
                Ok(if name == expected { Ok(()) } else { Err(name) })
            },
        )
        .await?;
    }
    step("both see the DM joined by both, named after the other; A sees it marked direct");

    // A message can only be read by devices that had uploaded their keys when it was sent
    // (Element X's users do long before they chat); the senders find them at sending time.
    for user in users {
        let device = user.client.device_id().expect("logged in").to_owned();
        wait(
            &users,
            &format!("{:?}'s device keys are on the server", user.who),
            async || {
                let mut query = get_keys::v3::Request::new();
                query.device_keys.insert(user.id().to_owned(), Vec::new());
                let answer = user.client.send(query).await?;
                let uploaded = answer
                    .device_keys
                    .get(user.id())
                    .is_some_and(|devices| devices.contains_key(&device));
                Ok(if uploaded {
                    Ok(())
                } else {
                    Err(format!("no keys for {device}"))
                })
            },
        )
        .await?;
    }
    step("both devices uploaded their keys");

    // Opening a room in Element X: subscribe to it (the room list asks for one event per
    // room), open its timeline, and page back through what came before.
    for user in users {
        user.sync
            .room_list_service()
            .subscribe_to_rooms(&[&room_id])
            .await;
    }
    let a_timeline = a_room.timeline().await.context("A's timeline")?;
    let b_timeline = b_room.timeline().await.context("B's timeline")?;
    // One message at a time, each sent (its remote echo back) before the next, as people
    // type: matrix-sdk-ui 0.18's timeline can mix up the echoes of two messages sent at once
    // (seen against Synapse as well).
    for (who, body) in MESSAGES {
        let (user, timeline) = if who == Who::A {
            (&a, &a_timeline)
        } else {
            (&b, &b_timeline)
        };
        timeline
            .send(RoomMessageEventContent::text_plain(body).into())
            .await
            .with_context(|| format!("{who:?} sends {body:?}"))?;
        wait(
            &users,
            &format!("{who:?}'s message {body:?} is sent"),
            async || {
                let items = timeline.items().await;
                let sent = items.iter().filter_map(|i| i.as_event()).any(|e| {
                    e.sender() == user.id()
                        && e.event_id().is_some()
                        && e.content().as_message().is_some_and(|m| m.body() == body)
                });
                Ok(if sent {
                    Ok(())
                } else {
                    Err("no remote echo yet".to_owned())
                })
            },
        )
        .await?;
    }
    step("both sent their messages");

    for (user, timeline) in [(&a, &a_timeline), (&b, &b_timeline)] {
        let mut at_start = false;
        wait(
            &users,
            &format!(
                "{:?}'s timeline shows all four messages, sent and decrypted",
                user.who
            ),
            async || {
                let read = every_message_read(user, &a, timeline).await;
                if read.is_err() && !at_start {
                    at_start = timeline.paginate_backwards(20).await.with_context(|| {
                        format!("{:?} pages back through the timeline", user.who)
                    })?;
                }
                Ok(read)
            },
        )
        .await?;
    }
    step("both read every message decrypted in their timelines");

    for (user, other) in [(&a, &b), (&b, &a)] {
        let device = other.client.device_id().expect("logged in");
        ensure!(
            user.client
                .encryption()
                .get_device(other.id(), device)
                .await?
                .is_some(),
            "{:?} does not know {:?}'s device {device} after reading its messages",
            user.who,
            other.who
        );
    }

    for (user, timeline) in [(&a, &a_timeline), (&b, &b_timeline)] {
        let undecryptable = timeline
            .items()
            .await
            .iter()
            .filter_map(|item| item.as_event())
            .filter(|event| event.content().is_unable_to_decrypt())
            .count();
        ensure!(
            undecryptable == 0,
            "{:?}'s timeline holds {undecryptable} undecryptable event(s)",
            user.who
        );
    }
    step("no undecryptable event in either timeline");

    // B's app goes to the background and comes back: its SyncService stops and starts again
    // from the positions it kept, and catches up on what A sent meanwhile.
    b.sync.stop().await;
    let away = "sent while B was away";
    a_timeline
        .send(RoomMessageEventContent::text_plain(away).into())
        .await
        .context("A sends while B is away")?;
    b.sync.start().await;
    wait(&users, "B, back, reads what A sent meanwhile", async || {
        let items = b_timeline.items().await;
        let read = items.iter().filter_map(|i| i.as_event()).any(|e| {
            e.sender() == a.id()
                && e.encryption_info().is_some()
                && e.content().as_message().is_some_and(|m| m.body() == away)
        });
        Ok(if read {
            Ok(())
        } else {
            Err("not yet".to_owned())
        })
    })
    .await?;
    step("B, its sync restarted, read A's message sent meanwhile");

    // B reads it; A's timeline shows B's receipt on it (the receipts extension).
    let last = latest_from(&b_timeline, a.id())
        .await
        .context("B's timeline has no message from A")?;
    ensure!(
        b_timeline
            .send_single_receipt(ReceiptType::Read, last.clone())
            .await
            .context("B sends a read receipt")?,
        "B's timeline did not send a read receipt for {last}"
    );
    wait(
        &users,
        "A sees B's read receipt on its last message",
        async || {
            let items = a_timeline.items().await;
            let seen = items
                .iter()
                .filter_map(|i| i.as_event())
                .any(|e| e.event_id() == Some(&last) && e.read_receipts().contains_key(b.id()));
            Ok(if seen {
                Ok(())
            } else {
                Err("no receipt from B".to_owned())
            })
        },
    )
    .await?;
    step("A sees B's read receipt");

    for user in users {
        user.sync.stop().await;
    }
    Ok(())
}

/// The id of the newest event from `sender` in `timeline`.
async fn latest_from(timeline: &Timeline, sender: &UserId) -> Option<OwnedEventId> {
    timeline
        .items()
        .await
        .iter()
        .rev()
        .filter_map(|i| i.as_event())
        .find(|e| e.sender() == sender && e.content().as_message().is_some())
        .and_then(|e| e.event_id().map(ToOwned::to_owned))
}

/// Registers `localpart` and logs in as Element X does: discovery from the URL, native sliding
/// sync required, a fresh device; then starts its `SyncService`.
async fn log_in(url: &str, secret: &str, who: Who, localpart: &str) -> Result<User> {
    let password = format!("{localpart}-password");
    crate::register::register(url, secret, localpart, &password).await?;
    let client = Client::builder()
        .server_name_or_homeserver_url(url)
        .sliding_sync_version_builder(VersionBuilder::DiscoverNative)
        .build()
        .await
        .with_context(|| format!("{who:?}: discover {url} with native sliding sync"))?;
    ensure!(
        matches!(client.sliding_sync_version(), Version::Native),
        "{who:?}: the client does not use native sliding sync"
    );
    client
        .matrix_auth()
        .login_username(localpart, &password)
        .initial_device_display_name(&format!("sdk-client {who:?}"))
        .await
        .with_context(|| format!("{who:?}: log in as {localpart}"))?;
    let sync = SyncService::builder(client.clone())
        .build()
        .await
        .with_context(|| format!("{who:?}: build the SyncService"))?;
    sync.start().await;
    Ok(User { who, client, sync })
}

/// B's room list with Element X's "Invites" filter until the DM shows up; checks that it is a
/// direct invite and joins it.
async fn accept_invite_from_room_list(b: &User, room_id: &OwnedRoomId) -> Result<Room> {
    let rooms = b
        .sync
        .room_list_service()
        .all_rooms()
        .await
        .context("B's all-rooms list")?;
    let (entries, controller) = rooms.entries_with_dynamic_adapters(50);
    controller.set_filter(Box::new(new_filter_invite()));
    let mut entries = std::pin::pin!(entries);
    let mut shown = Vector::new();
    let started = Instant::now();
    let invite = loop {
        b.check_sync()?;
        if let Some(room) = shown
            .iter()
            .find(|r: &&matrix_sdk_ui::room_list_service::RoomListItem| r.room_id() == room_id)
        {
            break room.clone().into_inner();
        }
        if started.elapsed() > STEP {
            let ids: Vec<String> = shown.iter().map(|r| r.room_id().to_string()).collect();
            bail!(
                "B's room list (invites) did not show {room_id} within {STEP:?}; it shows {ids:?}"
            );
        }
        if let Ok(next) = tokio::time::timeout(Duration::from_secs(1), entries.next()).await {
            let Some(diffs) = next else {
                bail!("B's room list stream ended");
            };
            for diff in diffs {
                diff.apply(&mut shown);
            }
        }
    };
    ensure!(
        invite.state() == RoomState::Invited,
        "B's room list shows {room_id} as {:?}, not invited",
        invite.state()
    );
    // The room list can show a room a moment before its invite_state is stored; Element X's
    // user taps it later. Joining marks it in m.direct only when the invite reads as direct.
    wait(
        &[b],
        "B's invite reads as direct (is_direct in its invite_state)",
        async || {
            Ok(if invite.is_direct().await? {
                Ok(())
            } else {
                Err("not direct".to_owned())
            })
        },
    )
    .await?;
    invite.join().await.context("B accepts the invite")?;
    Ok(invite)
}

/// Whether `user`'s timeline shows every message of `MESSAGES`: its own sent (remote echo
/// received), the other's decrypted and encrypted; else what it shows.
async fn every_message_read(user: &User, a: &User, timeline: &Timeline) -> Result<(), String> {
    let items = timeline.items().await;
    let events: Vec<_> = items.iter().filter_map(|i| i.as_event()).collect();
    let mut missing = Vec::new();
    for (who, body) in MESSAGES {
        let from_self = who == user.who;
        let found = events.iter().any(|e| {
            let sender_ok = (e.sender() == a.id()) == (who == Who::A);
            let text_ok = e.content().as_message().is_some_and(|m| m.body() == body);
            let state_ok = if from_self {
                !matches!(
                    e.send_state(),
                    Some(EventSendState::NotSentYet { .. } | EventSendState::SendingFailed { .. })
                )
            } else {
                e.encryption_info().is_some()
            };
            sender_ok && text_ok && state_ok
        });
        if !found {
            missing.push(body);
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let seen: Vec<String> = events
        .iter()
        .map(|e| {
            let c = e.content();
            let what = if let Some(m) = c.as_message() {
                format!("{:?}", m.body())
            } else if c.is_unable_to_decrypt() {
                "UNABLE TO DECRYPT".to_owned()
            } else {
                "other".to_owned()
            };
            let id = e
                .event_id()
                .map_or_else(|| "(local)".to_owned(), |id| id.to_string());
            format!("{id} {} {what} {:?}", e.sender(), e.send_state())
        })
        .collect();
    Err(format!("missing {missing:?}; the timeline shows {seen:#?}"))
}

/// Polls `probe` until it gives `Ok`, failing after `STEP` with the last thing it reported,
/// or as soon as a user's `SyncService` has stopped.
async fn wait<T>(
    users: &[&User],
    what: &str,
    mut probe: impl AsyncFnMut() -> Result<Result<T, String>>,
) -> Result<T> {
    let started = Instant::now();
    loop {
        for user in users {
            user.check_sync()
                .with_context(|| format!("while waiting until {what}"))?;
        }
        let last = match probe()
            .await
            .with_context(|| format!("while waiting until {what}"))?
        {
            Ok(v) => return Ok(v),
            Err(last) => last,
        };
        if started.elapsed() > STEP {
            bail!("not within {STEP:?}: {what}; last seen: {last}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
