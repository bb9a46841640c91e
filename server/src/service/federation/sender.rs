//! The outbound queue: our events reach every other server in their rooms as `/send`
//! transactions. The queue is durable by construction: a destination's row keeps the stream
//! position delivered so far, and what is left to send is read from the events table (our
//! events after that position in rooms one of its users is joined to, and member events about
//! its users), so an event committed before a crash or restart is sent after it. One task per
//! destination sends transactions of at most 50 PDUs in stream order; a destination that
//! cannot be reached is retried after 10 minutes, doubling up to a day (with jitter), at once
//! when it contacts us (`heard_from`), and when this server starts. A transaction the destination refuses with a 4xx
//! other than 429 is not retried (as Synapse), so one bad event cannot stop the queue.
//! EDUs that must arrive exactly once and in order (device-list and cross-signing updates,
//! to-device messages) wait in the destination's outbox (`federation_outbox`) and ride in the
//! same transactions, at most 100 each, deleted once the destination accepted them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use rand::RngExt as _;
use ruma::api::federation::transactions::send_transaction_message::v1;
use ruma::{MilliSecondsSinceUnixEpoch, OwnedServerName, OwnedTransactionId, ServerName, UInt};
use tokio::sync::Notify;

use super::FederationError;
use crate::service::Services;
use crate::store::federation::{self as db, Destination};
use crate::store::now_ms;
use crate::store::rooms::pending_events;

/// The most PDUs in one transaction (the spec's limit).
const MAX_PDUS: i64 = 50;
/// The most EDUs in one transaction (the spec's limit).
const MAX_EDUS: i64 = 100;
/// The first wait after a failed transaction, as Synapse.
const FIRST_BACKOFF_MS: i64 = 10 * 60 * 1000;
/// The longest wait between attempts.
const MAX_BACKOFF_MS: i64 = 24 * 60 * 60 * 1000;

/// The running delivery tasks, by destination.
pub struct Sender {
    running: Mutex<HashMap<OwnedServerName, Arc<Slot>>>,
    /// Destinations with something new in the outbox whose task may not run yet: the task
    /// `start_federation_sender` starts creates them (it holds the services).
    wanted: tokio::sync::mpsc::UnboundedSender<OwnedServerName>,
    wanted_rx: Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<OwnedServerName>>>,
}

impl Default for Sender {
    fn default() -> Self {
        let (wanted, rx) = tokio::sync::mpsc::unbounded_channel();
        Sender {
            running: Mutex::default(),
            wanted,
            wanted_rx: Mutex::new(Some(rx)),
        }
    }
}

/// What wakes a destination's task: new events, or the destination contacting us (`reset`).
#[derive(Default)]
struct Slot {
    wake: Notify,
    reset: AtomicBool,
    /// The last transaction failed: the destination is in backoff.
    down: AtomicBool,
}

impl Sender {
    /// Whether any other server receives our events (so EDUs have anywhere to go).
    pub fn is_federating(&self) -> bool {
        !self.running.lock().expect("sender lock").is_empty()
    }

    /// Whether `server`'s last transaction failed (it is waiting out a backoff).
    fn is_down(&self, server: &ServerName) -> bool {
        self.running
            .lock()
            .expect("sender lock")
            .get(server)
            .is_some_and(|s| s.down.load(Ordering::Relaxed))
    }

    /// Something new waits in `server`'s outbox: its task is woken (and started if needed).
    pub fn want(&self, server: &ServerName) {
        if let Some(slot) = self.running.lock().expect("sender lock").get(server) {
            slot.wake.notify_one();
            return;
        }
        let _ = self.wanted.send(server.to_owned());
    }

    /// Wakes every destination's task (new events were committed).
    fn wake_all(&self) {
        for slot in self.running.lock().expect("sender lock").values() {
            slot.wake.notify_one();
        }
    }
}

/// How long to wait after `failures` failed transactions in a row, with ±20% jitter.
fn backoff_ms(failures: i64) -> i64 {
    let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let base = FIRST_BACKOFF_MS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_BACKOFF_MS);
    let jitter = rand::rng().random_range(-(base / 5)..=(base / 5));
    base + jitter
}

impl Services {
    /// Starts the outbound queue: a task for every destination the database knows (catching
    /// up on what was not delivered before a restart), and one that wakes them on new events.
    pub async fn start_federation_sender(self: &Arc<Self>) -> Result<(), crate::store::StoreError> {
        // Sharing the database, only the leader sends (it calls this again when it leads);
        // every process records the destinations its users need.
        if self.leads() {
            for d in db::destinations(&self.db).await? {
                if let Ok(server) = OwnedServerName::try_from(d.destination.as_str()) {
                    self.spawn_destination(server);
                }
            }
        }
        if let Some(mut wanted) = self.sender.wanted_rx.lock().expect("sender lock").take() {
            let weak = Arc::downgrade(self);
            tokio::spawn(async move {
                while let Some(server) = wanted.recv().await {
                    let Some(services) = weak.upgrade() else {
                        return;
                    };
                    if let Err(e) = services
                        .add_federation_destination(&server, services.streams.current())
                        .await
                    {
                        tracing::warn!(%server, error = %e, "cannot add a federation destination");
                    }
                    services.sender.want(&server);
                }
            });
        }
        if !self.leads() {
            return Ok(());
        }
        let weak = Arc::downgrade(self);
        let mut changes = self.streams.subscribe();
        let mut seen = self.streams.current();
        tokio::spawn(async move {
            while changes.changed().await.is_ok() {
                let Some(services) = weak.upgrade() else {
                    return;
                };
                // Only a new stream position can mean new events (typing notices poke the
                // stream without one): the queues are not read for nothing.
                let now = services.streams.current();
                if now != seen {
                    seen = now;
                    services.sender.wake_all();
                }
            }
        });
        Ok(())
    }

    /// On the leader of processes sharing the database: starts sending to the destinations
    /// the others added, and looks at every queue (they may have queued EDUs).
    pub async fn federation_sender_rescan(self: &Arc<Self>) {
        match db::destinations(&self.db).await {
            Ok(ds) => {
                for d in ds {
                    if let Ok(server) = OwnedServerName::try_from(d.destination.as_str()) {
                        self.spawn_destination(server);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the federation destinations"),
        }
        self.sender.wake_all();
    }

    /// A user of `server` joined (or was invited to) a room with us at stream position `pos`:
    /// from there on, it receives our events in that room.
    pub async fn add_federation_destination(
        self: &Arc<Self>,
        server: &ServerName,
        pos: i64,
    ) -> Result<(), crate::store::StoreError> {
        if self.is_ours(server) {
            return Ok(());
        }
        db::add_destination(&self.db, server.as_str(), pos).await?;
        self.spawn_destination(server.to_owned());
        Ok(())
    }

    /// `server` sent us an authenticated request: it is up, so a backoff ends now.
    pub fn heard_from(&self, server: &ServerName) {
        if let Some(slot) = self.sender.running.lock().expect("sender lock").get(server) {
            slot.reset.store(true, Ordering::Relaxed);
            slot.wake.notify_one();
        }
    }

    fn spawn_destination(self: &Arc<Self>, server: OwnedServerName) {
        if !self.leads() {
            return;
        }
        let slot = {
            let mut running = self.sender.running.lock().expect("sender lock");
            if running.contains_key(&server) {
                return;
            }
            let slot = Arc::new(Slot::default());
            running.insert(server.clone(), slot.clone());
            slot
        };
        tokio::spawn(deliver(Arc::downgrade(self), server, slot));
    }

    /// Sends the next transaction to `d` (our events after its delivered position, and the
    /// EDUs waiting in its outbox): `Ok(false)` when there was nothing to send.
    async fn send_next(
        &self,
        d: &mut Destination,
        server: &ServerName,
    ) -> Result<bool, FederationError> {
        let reading = |e: crate::store::StoreError| FederationError::Connect {
            destination: server.to_owned(),
            message: format!("reading the queue: {e}"),
        };
        let rows = pending_events(
            &self.db,
            &self.config.server_name,
            server.as_str(),
            d.delivered_pos,
            MAX_PDUS,
        )
        .await
        .map_err(reading)?;
        let queued = db::pending_edus(&self.db, server.as_str(), MAX_EDUS)
            .await
            .map_err(reading)?;
        if rows.is_empty() && queued.is_empty() {
            return Ok(false);
        }
        let last = rows.last().map(|r| r.stream_ordering);
        let mut pdus = Vec::with_capacity(rows.len());
        for row in &rows {
            let Ok(pdu) = Self::pdu(row) else { continue };
            // An invite of one of its users went to it through /invite; a server with nobody
            // in the room does not take it again as a room event.
            if self
                .invite_delivered_out_of_band(&pdu, server)
                .await
                .map_err(reading)?
            {
                continue;
            }
            if let Ok(raw) = pdu.federation_raw() {
                pdus.push(raw);
            }
        }
        let edus = queued
            .iter()
            .filter_map(|q| {
                let edu_type = serde_json::to_string(&q.edu_type).ok()?;
                let text = format!(r#"{{"edu_type":{edu_type},"content":{}}}"#, q.content);
                serde_json::value::RawValue::from_string(text)
                    .ok()
                    .map(ruma::serde::Raw::from_json)
            })
            .collect();
        let now = now_ms();
        let txn_id = OwnedTransactionId::from(format!(
            "{now}-{}-{}",
            last.unwrap_or(d.delivered_pos),
            queued.len()
        ));
        let ts = MilliSecondsSinceUnixEpoch(UInt::try_from(now).unwrap_or_default());
        let origin = OwnedServerName::try_from(self.config.server_name.as_str())
            .expect("server_name is validated by the config");
        let mut request = v1::Request::new(txn_id, origin, ts);
        request.pdus = pdus;
        request.edus = edus;
        match self.federation_send(server, request).await {
            Ok(answer) => {
                for (event_id, result) in answer.pdus {
                    if let Err(e) = result {
                        tracing::info!(%server, %event_id, error = e, "the destination refused an event");
                    }
                }
            }
            Err(FederationError::Status { status, body, .. })
                if (400..500).contains(&status) && status != 429 =>
            {
                tracing::warn!(%server, status, %body, "the destination refused a transaction; it is not retried");
            }
            Err(e) => return Err(e),
        }
        if let Some(q) = queued.last() {
            db::delete_edus_through(&self.db, server.as_str(), q.stream_id, q.seq)
                .await
                .map_err(reading)?;
        }
        if let Some(last) = last {
            d.delivered_pos = last;
        }
        Ok(true)
    }
}

impl Services {
    /// Whether `pdu` is an invite of a user of `server` into a room none of its users is
    /// joined to (so it reached `server` through /invite, out of band).
    async fn invite_delivered_out_of_band(
        &self,
        pdu: &crate::service::rooms::Pdu,
        server: &ServerName,
    ) -> Result<bool, crate::store::StoreError> {
        let invites_theirs = pdu.kind_str() == "m.room.member"
            && pdu.membership().as_deref() == Some("invite")
            && pdu
                .state_key_str()
                .and_then(|k| ruma::UserId::parse(k).ok())
                .is_some_and(|u| u.server_name() == server);
        if !invites_theirs {
            return Ok(false);
        }
        let room_id = pdu.room_id_str().unwrap_or_default();
        let joined =
            crate::store::rooms::joined_on_server(&self.db, room_id, server.as_str()).await?;
        Ok(!joined
            .iter()
            .filter_map(|u| ruma::UserId::parse(u).ok())
            .any(|u| u.server_name() == server))
    }
}

/// One destination's delivery loop, for as long as the server runs.
async fn deliver(weak: Weak<Services>, server: OwnedServerName, slot: Arc<Slot>) {
    let mut state: Option<Destination> = None;
    loop {
        let Some(services) = weak.upgrade() else {
            return;
        };
        let d = match &mut state {
            Some(d) => d,
            None => match db::destinations(&services.db).await {
                Ok(all) => match all.into_iter().find(|d| d.destination == server.as_str()) {
                    // A start is a moment to try again: two servers that each wait out a
                    // backoff for the other would otherwise both wait the whole time. The
                    // failure count stays, so a failure now waits longer.
                    Some(d) => {
                        let d = state.insert(d);
                        d.retry_at = 0;
                        d
                    }
                    None => return,
                },
                Err(e) => {
                    tracing::warn!(%server, error = %e, "cannot read the federation queue");
                    drop(services);
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            },
        };
        if slot.reset.swap(false, Ordering::Relaxed) {
            d.retry_at = 0;
            slot.down.store(false, Ordering::Relaxed);
        }
        let wait = d.retry_at - now_ms();
        if wait > 0 {
            drop(services);
            // Woken early by new events (they wait for the backoff) or by the destination
            // contacting us (`reset`: the backoff ends).
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(wait.unsigned_abs())) => {}
                () = slot.wake.notified() => {}
            }
            continue;
        }
        let before = d.clone();
        let sent = services.send_next(d, &server).await;
        match sent {
            Ok(true) => {
                d.failures = 0;
                d.retry_at = 0;
                slot.down.store(false, Ordering::Relaxed);
            }
            Ok(false) => {
                drop(services);
                slot.wake.notified().await;
                continue;
            }
            // Asked to slow down: again when it says, without counting a failure.
            Err(FederationError::Status {
                status: 429, body, ..
            }) => {
                let wait = body["retry_after_ms"]
                    .as_i64()
                    .unwrap_or(1000)
                    .clamp(100, 60_000);
                d.retry_at = now_ms() + wait;
            }
            Err(e) => {
                slot.down.store(true, Ordering::Relaxed);
                d.failures += 1;
                d.retry_at = now_ms() + backoff_ms(d.failures);
                tracing::info!(%server, error = %e, failures = d.failures, "a transaction could not be delivered; retrying later");
            }
        }
        if *d != before
            && let Err(e) = db::set_progress(&services.db, d).await
        {
            tracing::warn!(%server, error = %e, "cannot record federation delivery");
        }
    }
}

impl Services {
    /// Sends an EDU (a typing notice, a read receipt of one of our users) to every other
    /// server with a user joined to `room_id`, at once and once: EDUs are not queued, and a
    /// server in backoff or unreachable misses it, as in Synapse.
    pub fn send_room_edu(self: &Arc<Self>, room_id: &str, edu: serde_json::Value) {
        if !self.sender.is_federating() {
            return;
        }
        let services = self.clone();
        let room_id = room_id.to_string();
        tokio::spawn(async move {
            match crate::store::rooms::members_with(&services.db, &room_id, "join").await {
                Ok(members) => {
                    services.send_edu_to_users_servers(members.iter().map(String::as_str), edu);
                }
                Err(e) => tracing::warn!(error = %e, "cannot read a room's members for an EDU"),
            }
        });
    }

    /// Sends an EDU once to the servers (other than ours) of `users`, as `send_room_edu`.
    pub fn send_edu_to_users_servers<'a>(
        self: &Arc<Self>,
        users: impl Iterator<Item = &'a str>,
        edu: serde_json::Value,
    ) {
        let mut servers: Vec<OwnedServerName> = users
            .filter_map(|u| ruma::UserId::parse(u).ok())
            .map(|u| u.server_name().to_owned())
            .filter(|s| !self.is_ours(s))
            .collect();
        servers.sort();
        servers.dedup();
        if servers.is_empty() {
            return;
        }
        let services = self.clone();
        tokio::spawn(async move {
            let Ok(raw) = serde_json::value::to_raw_value(&edu) else {
                return;
            };
            let origin = OwnedServerName::try_from(services.config.server_name.as_str())
                .expect("server_name is validated by the config");
            for server in servers {
                if services.sender.is_down(&server) {
                    continue;
                }
                let now = now_ms();
                let txn_id =
                    OwnedTransactionId::from(format!("{now}-edu-{}", rand::rng().random::<u32>()));
                let ts = MilliSecondsSinceUnixEpoch(UInt::try_from(now).unwrap_or_default());
                let mut request = v1::Request::new(txn_id, origin.clone(), ts);
                request.edus = vec![ruma::serde::Raw::from_json(raw.clone())];
                let s = services.clone();
                tokio::spawn(async move {
                    if let Err(e) = s.federation_send(&server, request).await {
                        tracing::debug!(%server, error = %e, "an EDU was not delivered");
                    }
                });
            }
        });
    }
}
