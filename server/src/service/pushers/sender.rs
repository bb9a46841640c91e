//! Sending notifications to push gateways (the push gateway API's `/_matrix/push/v1/notify`),
//! as Synapse's HttpPusher does. The committer hands over each committed event (never waiting);
//! one dispatch task evaluates them in commit order: for each local user joined to the room
//! with http pushers (other than the sender), the user's push rules; on `notify`, one
//! notification per pusher (the event, or only its id with `format: event_id_only`; the
//! user's unread badge; the rules' tweaks) goes to that pusher's delivery task. A delivery task
//! sends in order, through the SSRF-checked client (ip_range_blacklist on the connected
//! address); a failure is retried after 1 s, doubling up to an hour, and a notification failing
//! for a day is given up; a gateway answering our pushkey `rejected` deletes the pusher. A read
//! receipt sends the new badge (counts only) to the user's pushers whose badge changed.
//! Delivery state lives in memory: notifications waiting at a restart are not sent.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use ruma::push::Action;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use super::PusherKey;
use crate::service::Services;
use crate::service::metrics::metrics;
use crate::service::rooms::RoomError;
use crate::service::safe_http::{FetchError, SafeClient};
use crate::store::StoreError;
use crate::store::pushers::{self as db, PusherRow};
use crate::store::rooms::NewEventRow;

/// How long "no pusher exists" is believed before the database is asked again.
pub(super) const ANY_TTL: Duration = Duration::from_secs(30);
const INITIAL_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);
/// A notification failing this long is given up.
const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// A delivery task with nothing to send for this long ends.
const IDLE: Duration = Duration::from_secs(10 * 60);
/// Time for one gateway request, and the largest answer read.
const GATEWAY_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_ANSWER: u64 = 64 * 1024;

/// One notification for one pusher.
pub struct Job {
    url: url::Url,
    /// `{"notification": …}` with the pusher's `devices` entry.
    body: Value,
    pushkey: String,
}

/// How one attempt went.
enum Outcome {
    Sent,
    /// The gateway rejected our pushkey.
    Rejected,
    Failed(FetchError),
}

impl Services {
    /// Hands committed events to the dispatch task (from the committer: never waits, never
    /// reads the database). Skipped while no pusher is known to exist.
    pub(crate) fn pushers_after_commit<'a>(
        self: &Arc<Self>,
        rows: impl Iterator<Item = &'a NewEventRow>,
    ) {
        if self.no_pusher_known() {
            return;
        }
        let events: Vec<(String, String)> = rows
            .filter(|r| !r.history)
            .map(|r| (r.room_id.clone(), r.event_id.clone()))
            .collect();
        if events.is_empty() {
            return;
        }
        self.pushers.me.get_or_init(|| Arc::downgrade(self));
        let tx = self.pushers.dispatch.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(dispatch_task(Arc::downgrade(self), rx));
            tx
        });
        let _ = tx.send(events);
    }

    /// Whether the last look (within `ANY_TTL`) found no pusher at all: nothing to do then.
    fn no_pusher_known(&self) -> bool {
        matches!(*self.pushers.any.lock().expect("pushers any"), Some((at, false)) if at.elapsed() < ANY_TTL)
    }

    /// Whether any pusher exists, read again when `ANY_TTL` has passed.
    async fn any_pusher(&self) -> bool {
        if let Some((at, v)) = *self.pushers.any.lock().expect("pushers any")
            && at.elapsed() < ANY_TTL
        {
            return v;
        }
        if self.pushers.refreshing.swap(true, Ordering::AcqRel) {
            return true;
        }
        let found = db::any_pusher(&self.db).await;
        self.pushers.refreshing.store(false, Ordering::Release);
        match found {
            Ok(v) => {
                *self.pushers.any.lock().expect("pushers any") = Some((Instant::now(), v));
                v
            }
            Err(_) => true,
        }
    }

    /// Evaluates one committed event for the pushers of the room's members.
    async fn push_event(&self, room_id: &str, event_id: &str) -> Result<(), RoomError> {
        let pushers = db::http_pushers_in_room(&self.db, room_id).await?;
        if pushers.is_empty() {
            return Ok(());
        }
        let Some(pdu) = self.event_by_id(event_id).await? else {
            return Ok(());
        };
        let sender = pdu.sender_str().to_string();
        let mut by_user: BTreeMap<String, Vec<PusherRow>> = BTreeMap::new();
        for p in pushers {
            if p.user_id != sender {
                by_user.entry(p.user_id.clone()).or_default().push(p);
            }
        }
        if by_user.is_empty() {
            return Ok(());
        }
        let event = pdu.client_format(Some(room_id), None, None);
        let Ok(raw) = ruma::serde::Raw::new(&event) else {
            return Ok(());
        };
        let kind = pdu.kind_str();
        // Read once, for the first user notified.
        let mut names: Option<(Option<String>, Option<String>)> = None;
        for (user_id, pushers) in by_user {
            let (ruleset, ctx) = tokio::try_join!(
                self.parsed_push_rules(&user_id),
                self.push_context(room_id, &user_id),
            )?;
            let Some(ctx) = ctx else { continue };
            let actions = ruleset.get_actions(&raw, &ctx).await;
            if !actions.iter().any(Action::should_notify) {
                continue;
            }
            let tweaks = tweaks_of(actions);
            let badge = self.badge(&user_id).await?;
            if names.is_none() {
                names = Some(self.push_names(room_id, &sender).await?);
            }
            let (sender_name, room_name) = names.clone().unwrap_or_default();
            let prio = if kind == "m.room.encrypted"
                || tweaks.get("highlight").is_some_and(truthy)
                || tweaks.get("sound").is_some_and(truthy)
            {
                "high"
            } else {
                "low"
            };
            let mut full = json!({
                "event_id": event_id,
                "room_id": room_id,
                "type": kind,
                "sender": sender,
                "prio": prio,
                "counts": {"unread": badge},
            });
            if let Some(n) = sender_name.filter(|n| !n.is_empty()) {
                full["sender_display_name"] = json!(n);
            }
            if let Some(n) = room_name.filter(|n| !n.is_empty()) {
                full["room_name"] = json!(n);
            }
            if kind == "m.room.member" && pdu.state_key_str().is_some() {
                full["membership"] = json!(pdu.membership());
                full["user_is_target"] = json!(pdu.state_key_str() == Some(user_id.as_str()));
            }
            let content = pdu.content_value();
            if content.as_object().is_some_and(|c| !c.is_empty()) {
                full["content"] = content;
            }
            for p in pushers {
                let Some((url, data)) = pusher_target(&p) else {
                    continue;
                };
                let notification =
                    if data.get("format").and_then(Value::as_str) == Some("event_id_only") {
                        json!({
                            "event_id": event_id,
                            "room_id": room_id,
                            "prio": prio,
                            "counts": {"unread": badge},
                            "devices": [device(&p, data, None)],
                        })
                    } else {
                        let mut n = full.clone();
                        n["devices"] = json!([device(&p, data, Some(&tweaks))]);
                        n
                    };
                self.pushers
                    .last_badge
                    .lock()
                    .expect("pusher badges")
                    .insert(
                        (p.user_id.clone(), p.app_id.clone(), p.pushkey.clone()),
                        badge,
                    );
                self.enqueue(&p, url, json!({"notification": notification}));
            }
        }
        Ok(())
    }

    /// The sender's display name and the room's name (or canonical alias), for notifications.
    async fn push_names(
        &self,
        room_id: &str,
        sender: &str,
    ) -> Result<(Option<String>, Option<String>), RoomError> {
        let text = |c: Value, k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
        let member = self
            .current_state_event(room_id, "m.room.member", sender)
            .await?;
        let sender_name = member.and_then(|m| text(m.content_value(), "displayname"));
        let mut room_name = self
            .current_state_event(room_id, "m.room.name", "")
            .await?
            .and_then(|e| text(e.content_value(), "name"))
            .filter(|n| !n.is_empty());
        if room_name.is_none() {
            room_name = self
                .current_state_event(room_id, "m.room.canonical_alias", "")
                .await?
                .and_then(|e| text(e.content_value(), "alias"));
        }
        Ok((sender_name, room_name))
    }

    /// The user's badge, as Synapse counts it: rooms with unread notifications, and invites.
    async fn badge(&self, user_id: &str) -> Result<u64, RoomError> {
        let mut badge = 0;
        // The user's memberships as sync keeps them (cached while none of theirs changes).
        for (room_id, membership, _, pos) in self.memberships(user_id).await?.iter() {
            let counts = match membership.as_str() {
                "invite" => true,
                "join" => {
                    self.unread_counts(room_id, user_id, *pos)
                        .await?
                        .notification_count
                        > 0
                }
                _ => false,
            };
            badge += u64::from(counts);
        }
        Ok(badge)
    }

    /// After a read receipt of the user: the new badge (counts only) to each of their http
    /// pushers whose last badge differs, in the background.
    pub(crate) fn push_badge_after_receipt(self: &Arc<Self>, user_id: &str) {
        if self.no_pusher_known() {
            return;
        }
        self.pushers.me.get_or_init(|| Arc::downgrade(self));
        let s = self.clone();
        let user_id = user_id.to_string();
        tokio::spawn(async move {
            if let Err(e) = s.push_badge(&user_id).await {
                tracing::warn!(error = %e, user_id, "could not send a badge update");
            }
        });
    }

    async fn push_badge(&self, user_id: &str) -> Result<(), RoomError> {
        let pushers: Vec<PusherRow> = db::pushers_of(&self.db, user_id)
            .await?
            .into_iter()
            .filter(|p| p.kind == "http")
            .collect();
        if pushers.is_empty() {
            return Ok(());
        }
        let badge = self.badge(user_id).await?;
        for p in pushers {
            let key = (p.user_id.clone(), p.app_id.clone(), p.pushkey.clone());
            {
                let mut last = self.pushers.last_badge.lock().expect("pusher badges");
                if last.get(&key) == Some(&badge) {
                    continue;
                }
                last.insert(key, badge);
            }
            let Some((url, data)) = pusher_target(&p) else {
                continue;
            };
            let body = json!({"notification": {
                "id": "",
                "type": null,
                "sender": "",
                "counts": {"unread": badge},
                "devices": [device(&p, data, None)],
            }});
            self.enqueue(&p, url, body);
        }
        Ok(())
    }

    /// Queues a notification for the pusher's delivery task (started if it has none).
    fn enqueue(&self, p: &PusherRow, url: url::Url, body: Value) {
        let key: PusherKey = (p.user_id.clone(), p.app_id.clone(), p.pushkey.clone());
        let job = Job {
            url,
            body,
            pushkey: p.pushkey.clone(),
        };
        let Some(weak) = self.pushers.me.get().cloned() else {
            return;
        };
        let mut workers = self.pushers.workers.lock().expect("pusher workers");
        let job = match workers.get(&key) {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(job);
        let me = tx.downgrade();
        workers.insert(key.clone(), tx);
        tokio::spawn(delivery_task(weak, key, me, rx));
    }

    /// The gateway client: outbound requests checked against ip_range_blacklist (with
    /// ip_range_whitelist), as federation's.
    fn gateway_client(&self) -> Result<&SafeClient, String> {
        self.pushers
            .client
            .get_or_init(|| {
                SafeClient::new(
                    crate::service::federation::ip_policy(&self.config),
                    GATEWAY_TIMEOUT,
                )
                .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    async fn deliver(&self, job: &Job) -> Outcome {
        let client = match self.gateway_client() {
            Ok(c) => c,
            Err(e) => return Outcome::Failed(FetchError::Other(e)),
        };
        match client.post_json(&job.url, &job.body, MAX_ANSWER).await {
            Ok(answer) => {
                let rejected = answer
                    .get("rejected")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|k| k.as_str() == Some(&job.pushkey)));
                if rejected {
                    Outcome::Rejected
                } else {
                    Outcome::Sent
                }
            }
            Err(e) => Outcome::Failed(e),
        }
    }

    async fn pusher_exists(&self, key: &PusherKey) -> Result<bool, StoreError> {
        Ok(db::pusher(&self.db, &key.0, &key.1, &key.2)
            .await?
            .is_some())
    }

    async fn remove_rejected(&self, key: &PusherKey) -> Result<(), StoreError> {
        db::delete_pusher(&self.db, &key.0, &key.1, &key.2).await?;
        self.pushers.forget(|k| k != key);
        Ok(())
    }
}

/// Evaluates committed events in order until the services are dropped.
async fn dispatch_task(
    services: Weak<Services>,
    mut rx: mpsc::UnboundedReceiver<Vec<(String, String)>>,
) {
    while let Some(events) = rx.recv().await {
        let Some(s) = services.upgrade() else { return };
        if !s.any_pusher().await {
            continue;
        }
        for (room_id, event_id) in events {
            if let Err(e) = s.push_event(&room_id, &event_id).await {
                tracing::warn!(error = %e, event_id, "could not evaluate an event for pushers");
            }
        }
    }
}

/// Sends one pusher's notifications in order, retrying each with backoff.
async fn delivery_task(
    services: Weak<Services>,
    key: PusherKey,
    me: mpsc::WeakUnboundedSender<Job>,
    mut rx: mpsc::UnboundedReceiver<Job>,
) {
    let mut backoff = INITIAL_BACKOFF;
    let mut failing_since: Option<Instant> = None;
    loop {
        let job = match tokio::time::timeout(IDLE, rx.recv()).await {
            Ok(Some(job)) => job,
            Ok(None) => return,
            Err(_) => {
                let Some(s) = services.upgrade() else { return };
                // Under the lock senders take, so nothing is queued after this look.
                let mut workers = s.pushers.workers.lock().expect("pusher workers");
                if rx.is_empty() {
                    let mine = me.upgrade();
                    if workers
                        .get(&key)
                        .zip(mine.as_ref())
                        .is_some_and(|(tx, mine)| tx.same_channel(mine))
                    {
                        workers.remove(&key);
                    }
                    return;
                }
                continue;
            }
        };
        loop {
            let Some(s) = services.upgrade() else { return };
            match s.deliver(&job).await {
                Outcome::Sent => {
                    metrics().push_sent();
                    backoff = INITIAL_BACKOFF;
                    failing_since = None;
                    break;
                }
                Outcome::Rejected => {
                    metrics().push_sent();
                    tracing::info!(
                        user_id = key.0,
                        app_id = key.1,
                        "pushkey rejected by the gateway: removing the pusher"
                    );
                    if let Err(e) = s.remove_rejected(&key).await {
                        tracing::warn!(error = %e, "could not remove a rejected pusher");
                    }
                    return;
                }
                Outcome::Failed(e) => {
                    metrics().push_failed();
                    let since = *failing_since.get_or_insert_with(Instant::now);
                    tracing::warn!(error = %e, user_id = key.0, app_id = key.1, url = %job.url, retry_in = ?backoff, "push gateway failed");
                    if since.elapsed() > GIVE_UP_AFTER {
                        tracing::warn!(
                            user_id = key.0,
                            app_id = key.1,
                            "giving up on a notification"
                        );
                        failing_since = None;
                        backoff = INITIAL_BACKOFF;
                        break;
                    }
                }
            }
            drop(s);
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
            // A pusher deleted meanwhile gets nothing more.
            let Some(s) = services.upgrade() else { return };
            if !s.pusher_exists(&key).await.unwrap_or(true) {
                s.pushers.forget(|k| *k != key);
                return;
            }
        }
    }
}

/// The gateway URL and data of an http pusher as stored (`None` if unusable).
fn pusher_target(p: &PusherRow) -> Option<(url::Url, Map<String, Value>)> {
    let data = match serde_json::from_str::<Value>(&p.data) {
        Ok(Value::Object(m)) => m,
        _ => return None,
    };
    let url = super::gateway_url(&data).ok()?;
    Some((url, data))
}

/// The notification's `devices` entry for a pusher: its data without the URL, and the tweaks.
fn device(
    p: &PusherRow,
    mut data: Map<String, Value>,
    tweaks: Option<&Map<String, Value>>,
) -> Value {
    data.remove("url");
    let mut d = json!({
        "app_id": p.app_id,
        "pushkey": p.pushkey,
        "pushkey_ts": p.pushkey_ts / 1000,
        "data": data,
    });
    if let Some(t) = tweaks.filter(|t| !t.is_empty()) {
        d["tweaks"] = Value::Object(t.clone());
    }
    d
}

/// The `set_tweak` actions as `{tweak: value}` (a tweak without a value is `true`).
fn tweaks_of(actions: &[Action]) -> Map<String, Value> {
    let mut out = Map::new();
    for a in actions {
        if let Ok(Value::Object(o)) = serde_json::to_value(a)
            && let Some(name) = o.get("set_tweak").and_then(Value::as_str)
        {
            out.insert(
                name.to_string(),
                o.get("value").cloned().unwrap_or(Value::Bool(true)),
            );
        }
    }
    out
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruma::push::Tweak;

    #[test]
    fn tweaks_are_read_from_actions() {
        let actions = [
            Action::Notify,
            Action::SetTweak(Tweak::Sound("default".into())),
            Action::SetTweak(Tweak::Highlight(true.into())),
        ];
        let t = tweaks_of(&actions);
        assert_eq!(t.get("sound"), Some(&json!("default")));
        assert_eq!(t.get("highlight"), Some(&json!(true)));
        assert!(
            tweaks_of(&[Action::SetTweak(Tweak::Highlight(false.into()))])["highlight"]
                == json!(false)
        );
    }
}
