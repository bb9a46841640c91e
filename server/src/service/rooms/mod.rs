//! Rooms: building events as full PDUs (prev_events, auth_events, depth, content hash,
//! signature, event id per room version), authorising them with the room version's rules
//! through ruma's state-res, and committing them on the global stream. Room creation and
//! membership changes build on `append`.

pub mod commit;
pub mod create;
pub mod membership;
pub mod pdu;
pub mod power;
pub mod remote;
pub mod send;
pub mod state_res;

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use ruma::events::{StateEventType, TimelineEventType};
use ruma::room_version_rules::RoomVersionRules;
use ruma::{CanonicalJsonObject, EventId, RoomVersionId, UserId};
use serde_json::{Map, Value, json};

pub use pdu::Pdu;

use super::Services;
pub use crate::store::rooms::Txn;
use crate::store::{self, StoreError, now_ms, rooms as db};

/// The room version new rooms get, as in Synapse.
pub const DEFAULT_ROOM_VERSION: RoomVersionId = RoomVersionId::V12;
/// Room versions this server can create and join.
pub const SUPPORTED_ROOM_VERSIONS: &[&str] = &[
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
];

/// The spec's limit on `type`, `state_key`, `sender` and `room_id`, in bytes.
pub const MAX_ID_BYTES: usize = 255;
/// The spec's limit on a whole PDU (canonical JSON), in bytes.
pub const MAX_PDU_BYTES: usize = 65_536;

/// Refuses an event whose identifiers are longer than the spec allows (413, as Synapse).
pub(crate) fn check_field_sizes(
    new: &NewEvent,
    sender: &str,
    room_id: Option<&str>,
) -> Result<(), RoomError> {
    let fields = [
        ("type", Some(new.kind.as_str())),
        ("state_key", new.state_key.as_deref()),
        ("sender", Some(sender)),
        ("room_id", room_id),
    ];
    for (name, value) in fields {
        if value.is_some_and(|v| v.len() > MAX_ID_BYTES) {
            return Err(RoomError::TooLarge(format!(
                "'{name}' is longer than {MAX_ID_BYTES} bytes"
            )));
        }
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    #[error("Unknown room {0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadEvent(String),
    #[error("{0}")]
    InvalidParam(String),
    /// Over rc_message: retry after this many milliseconds (429).
    #[error("Too Many Requests")]
    RateLimited(u64),
    /// A request the room's state does not allow (400 M_UNKNOWN).
    #[error("{0}")]
    Refused(String),
    #[error("Room alias {0} already exists")]
    AliasInUse(String),
    #[error("Unsupported room version {0}")]
    UnsupportedVersion(String),
    /// The other server cannot take part in a room of this version (400).
    #[error("Your homeserver does not support the features required to join this room")]
    IncompatibleVersion(String),
    #[error("{0}")]
    TooLarge(String),
    /// It conflicts with what is stored (409): an alias taken, an event that cannot be stored.
    #[error("{0}")]
    Conflict(String),
    /// The database could not store the event (nothing was stored): try again later.
    #[error("{0}")]
    Unavailable(String),
    /// Another server could not be asked, or gave an answer we cannot pass on (502).
    #[error("{0}")]
    BadGateway(String),
    /// The event built on one that was not stored; `append` builds it again.
    #[error("an earlier event of the room could not be stored")]
    Rebuild,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `append` needs to know about a room, kept in memory between sends. Only `append`
/// reads or changes it, always under the stream write lock, so it never disagrees with what
/// was committed.
pub struct RoomCache {
    version: RoomVersionId,
    rules: RoomVersionRules,
    /// The room's forward extremities, the events nothing else builds on yet: (event id,
    /// depth). One after a local event; more while another server's events fork the room.
    extremities: Vec<(String, i64)>,
    /// The current state.
    state: HashMap<(String, String), Pdu>,
    /// The state group of the current state (none until an event of the room made one).
    group: Option<state_res::GroupRef>,
    /// Stream position of the newest event appended through this cache (0 when loaded).
    last_pos: i64,
    /// About how much memory `state` holds (`Pdu::heap_bytes`).
    bytes: usize,
}

impl RoomCache {
    fn state_bytes(state: &HashMap<(String, String), Pdu>) -> usize {
        state
            .iter()
            .map(|((k, sk), p)| k.len() + sk.len() + p.heap_bytes())
            .sum()
    }

    /// Replaces the whole state (a merge of forks).
    fn set_state(&mut self, state: HashMap<(String, String), Pdu>) {
        self.bytes = Self::state_bytes(&state);
        self.state = state;
    }

    /// Joined members and `user_id`'s display name, from the cached current state.
    fn member_context(&self, user_id: &str) -> (u32, Option<String>) {
        let mut joined = 0u32;
        let mut name = None;
        for ((kind, key), p) in &self.state {
            if kind != "m.room.member" {
                continue;
            }
            let content = p.json.get("content");
            if content
                .and_then(|c| c.get("membership"))
                .and_then(Value::as_str)
                == Some("join")
            {
                joined += 1;
            }
            if key == user_id {
                name = content
                    .and_then(|c| c.get("displayname"))
                    .and_then(Value::as_str)
                    .map(String::from);
            }
        }
        (joined, name)
    }
}

/// Push-rule contexts read from the database (see `Services::member_context`), keyed
/// "room\nuser": joined members and the user's display name, kept while the room's state
/// stands; bounded by bytes.
pub struct MemberContexts(crate::service::sync::Snapshots<(u32, Option<String>)>);

impl Default for MemberContexts {
    fn default() -> Self {
        MemberContexts(crate::service::sync::Snapshots::new(4 << 20))
    }
}

impl Services {
    /// The push-rule context of a room for one user: joined members and the user's display
    /// name. From the room cache when the room is in it, else as last read while the room's
    /// state stands (no query), else from the database.
    pub async fn member_context(
        &self,
        room_id: &str,
        user_id: &str,
    ) -> Result<(u32, Option<String>), RoomError> {
        if let Some(c) = self.lock_room_cache().await.get(room_id) {
            return Ok(c.member_context(user_id));
        }
        let key = format!("{room_id}\n{user_id}");
        let now = self.streams.current();
        if let Some(known) = self.member_contexts.0.get(&key, |at, epoch| {
            self.hints.room_state_unchanged(room_id, at, epoch, now)
        }) {
            return Ok((*known).clone());
        }
        let epoch = self.hints.memberships_epoch();
        let (members, me) = tokio::try_join!(
            async { Ok::<_, RoomError>(db::joined_count(&self.db, room_id).await?) },
            self.current_state_event(room_id, "m.room.member", user_id),
        )?;
        let name = me.and_then(|p| {
            p.content_value()
                .get("displayname")
                .and_then(Value::as_str)
                .map(String::from)
        });
        let members = u32::try_from(members).unwrap_or(u32::MAX);
        let bytes = key.len() + name.as_ref().map_or(0, String::len) + 32;
        self.member_contexts
            .0
            .put(&key, now, epoch, (members, name.clone()), bytes);
        Ok((members, name))
    }
}

/// Rooms whose state `append` keeps in memory at most, and the memory their state may hold;
/// past either, the least recently written of those with nothing waiting to be committed are
/// dropped (and reloaded when needed) until half the bound is left.
const ROOM_CACHE_MAX: usize = 1000;
const ROOM_CACHE_BYTES: usize = 8 << 20;

fn trim_room_cache(cache: &mut HashMap<String, RoomCache>, committed: i64) {
    let mut bytes: usize = cache.values().map(|c| c.bytes).sum();
    if cache.len() <= ROOM_CACHE_MAX && bytes <= ROOM_CACHE_BYTES {
        return;
    }
    let mut idle: Vec<(i64, String)> = cache
        .iter()
        .filter(|(_, c)| c.last_pos <= committed)
        .map(|(r, c)| (c.last_pos, r.clone()))
        .collect();
    idle.sort_unstable();
    for (_, r) in idle {
        if cache.len() <= ROOM_CACHE_MAX / 2 && bytes <= ROOM_CACHE_BYTES / 2 {
            break;
        }
        if let Some(c) = cache.remove(&r) {
            bytes -= c.bytes;
        }
    }
}

/// An event to build and send.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: String,
    pub state_key: Option<String>,
    pub content: Value,
    pub redacts: Option<String>,
}

impl NewEvent {
    pub fn state(kind: &str, state_key: &str, content: Value) -> Self {
        NewEvent {
            kind: kind.into(),
            state_key: Some(state_key.into()),
            content,
            redacts: None,
        }
    }
    pub fn message(kind: &str, content: Value) -> Self {
        NewEvent {
            kind: kind.into(),
            state_key: None,
            content,
            redacts: None,
        }
    }
}

pub fn rules_for(version: &str) -> Result<(RoomVersionId, RoomVersionRules), RoomError> {
    let id = RoomVersionId::try_from(version)
        .map_err(|_| RoomError::UnsupportedVersion(version.into()))?;
    let rules = id
        .rules()
        .ok_or_else(|| RoomError::UnsupportedVersion(version.into()))?;
    Ok((id, rules))
}

impl Services {
    pub async fn room_rules(
        &self,
        room_id: &str,
    ) -> Result<(RoomVersionId, RoomVersionRules), RoomError> {
        let version = db::room_version(&self.db, room_id)
            .await?
            .ok_or_else(|| RoomError::NotFound(room_id.into()))?;
        rules_for(&version)
    }

    pub fn pdu(row: &db::EventRow) -> Result<Pdu, RoomError> {
        Pdu::from_row(row).map_err(|e| RoomError::Store(StoreError::Refused(e)))
    }

    pub async fn event_by_id(&self, event_id: &str) -> Result<Option<Pdu>, RoomError> {
        match db::get_event(&self.db, event_id).await? {
            Some(row) => Ok(Some(Self::pdu(&row)?)),
            None => Ok(None),
        }
    }

    pub async fn current_state_event(
        &self,
        room_id: &str,
        kind: &str,
        state_key: &str,
    ) -> Result<Option<Pdu>, RoomError> {
        match db::current_state_event(&self.db, room_id, kind, state_key).await? {
            Some(row) => Ok(Some(Self::pdu(&row)?)),
            None => Ok(None),
        }
    }

    /// Renders events for a viewer, applying redactions.
    pub async fn format_events(
        &self,
        room_id: &str,
        pdus: &[Pdu],
        viewer: Option<(&str, &str)>,
    ) -> Result<Vec<Value>, RoomError> {
        let mut rules = None;
        let mut out = Vec::with_capacity(pdus.len());
        for p in pdus {
            let redaction = match &p.redacted_by {
                Some(id) => self.event_by_id(id).await?,
                None => None,
            };
            if redaction.is_some() && rules.is_none() {
                rules = Some(self.room_rules(room_id).await?.1);
            }
            let r = redaction.as_ref().zip(rules.as_ref().map(|r| &r.redaction));
            out.push(p.client_format(Some(room_id), viewer, r));
        }
        Ok(out)
    }

    async fn load_room_cache(&self, room_id: &str) -> Result<RoomCache, RoomError> {
        let (version, rules) = self.room_rules(room_id).await?;
        let mut state = HashMap::new();
        for row in db::current_state_events(&self.db, room_id).await? {
            let p = Self::pdu(&row)?;
            state.insert(
                (p.kind_str(), p.state_key_str().unwrap_or("").to_string()),
                p,
            );
        }
        let head = db::room_head(&self.db, room_id).await?;
        let group = match head.as_ref().and_then(|h| h.2) {
            Some(id) => db::group_chain(&self.db, id)
                .await?
                .map(|chain| state_res::GroupRef { id, chain }),
            None => None,
        };
        // A forked room keeps its extremities on record; any other has one, its newest event.
        let recorded = db::forward_extremities(&self.db, room_id).await?;
        let extremities = if recorded.is_empty() {
            head.into_iter().map(|(id, depth, _)| (id, depth)).collect()
        } else {
            recorded
        };
        Ok(RoomCache {
            version,
            rules,
            extremities,
            bytes: RoomCache::state_bytes(&state),
            state,
            group,
            last_pos: 0,
        })
    }

    /// `read` of the room's version rules and current state where the room's cache holds them
    /// (read from the database when the room is not cached): for a read of the whole state
    /// that should not copy it. Every room's appends wait while `read` runs.
    pub async fn read_current_state<T>(
        &self,
        room_id: &str,
        read: impl FnOnce(&RoomVersionRules, &HashMap<(String, String), Pdu>) -> T,
    ) -> Result<T, RoomError> {
        let mut cache_map = self.lock_room_cache().await;
        let cache = self.cached_room(&mut cache_map, room_id).await?;
        Ok(read(&cache.rules, &cache.state))
    }

    /// The room's forward extremities (the events nothing builds on yet), as the next event
    /// would name them.
    pub async fn forward_extremities(&self, room_id: &str) -> Result<Vec<String>, RoomError> {
        let mut cache_map = self.lock_room_cache().await;
        let cache = self.cached_room(&mut cache_map, room_id).await?;
        Ok(cache.prev_events().0)
    }

    /// The room cache, without what other processes made stale.
    pub(crate) async fn lock_room_cache(
        &self,
    ) -> tokio::sync::MutexGuard<'_, HashMap<String, RoomCache>> {
        let mut g = self.room_cache.lock().await;
        self.drop_stale_rooms(&mut g);
        g
    }

    /// The cache entry of `room_id`, loaded from the database when it is not in `map`.
    async fn cached_room<'a>(
        &self,
        map: &'a mut HashMap<String, RoomCache>,
        room_id: &str,
    ) -> Result<&'a mut RoomCache, RoomError> {
        if !map.contains_key(room_id) {
            let loaded = self.load_room_cache(room_id).await?;
            trim_room_cache(map, self.streams.current());
            map.insert(room_id.to_string(), loaded);
        }
        Ok(map.get_mut(room_id).expect("just inserted"))
    }

    /// Builds, authorises and commits one event. `room_id` is `None` only for the create event
    /// of a room version whose room id is the create event's id (v12); `version` is given then.
    /// With a transaction id, an event already sent with it is returned instead.
    pub async fn append(
        &self,
        room_id: Option<&str>,
        version: Option<&RoomVersionId>,
        sender: &str,
        new: NewEvent,
        txn: Option<&Txn>,
    ) -> Result<Pdu, RoomError> {
        // Without a prior check, append_checked asks the database under the lock.
        self.append_checked(room_id, version, sender, new, txn, None)
            .await
    }

    /// `append` for a caller that already found the transaction id absent from the database:
    /// `checked_at` is the stream position it read just before looking (`None`: not looked).
    pub async fn append_checked(
        &self,
        room_id: Option<&str>,
        version: Option<&RoomVersionId>,
        sender: &str,
        new: NewEvent,
        txn: Option<&Txn>,
        checked_at: Option<i64>,
    ) -> Result<Pdu, RoomError> {
        // An event built on another request's event that then failed to commit is built
        // again on what the room holds now, a few times at most.
        let mut attempts = 0;
        loop {
            let new = new.clone();
            match self
                .append_once(room_id, version, sender, new, txn, checked_at)
                .await
            {
                Err(RoomError::Rebuild) if attempts < 3 => attempts += 1,
                Err(RoomError::Rebuild) => {
                    return Err(RoomError::Unavailable(
                        "the room's previous events could not be stored; try again".into(),
                    ));
                }
                other => return other,
            }
        }
    }

    async fn append_once(
        &self,
        room_id: Option<&str>,
        version: Option<&RoomVersionId>,
        sender: &str,
        new: NewEvent,
        txn: Option<&Txn>,
        checked_at: Option<i64>,
    ) -> Result<Pdu, RoomError> {
        check_field_sizes(&new, sender, room_id)?;
        let sender_id = UserId::parse(sender).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let mut guard = self.streams.write().await;

        // The transaction id may have been used while we waited for the lock.
        if let Some(txn) = txn {
            let recent = self
                .commits
                .recent_txn(sender, txn, checked_at.unwrap_or(i64::MIN));
            match recent {
                commit::RecentTxn::Found(event_id, pos) => {
                    drop(guard);
                    self.streams.wait_for(pos).await;
                    return self.event_by_id(&event_id).await?.ok_or_else(|| {
                        RoomError::Store(StoreError::Refused(
                            "the first request with this transaction id failed; retry".into(),
                        ))
                    });
                }
                commit::RecentTxn::Unknown => {
                    if let Some(existing) = db::txn_event(&self.db, sender, txn).await?
                        && let Some(p) = self.event_by_id(&existing).await?
                    {
                        return Ok(p);
                    }
                }
                commit::RecentTxn::New => {}
            }
        }

        let is_create = new.kind == "m.room.create";
        let mut cache_map = self.lock_room_cache().await;
        let mut fresh = None;
        let cache: &mut RoomCache = match (room_id, version) {
            (_, Some(v)) if is_create => {
                let rules = v
                    .rules()
                    .ok_or_else(|| RoomError::UnsupportedVersion(v.to_string()))?;
                fresh.insert(RoomCache {
                    version: v.clone(),
                    rules,
                    extremities: Vec::new(),
                    state: HashMap::new(),
                    group: None,
                    last_pos: 0,
                    bytes: 0,
                })
            }
            (Some(r), _) => self.cached_room(&mut cache_map, r).await?,
            (None, _) => return Err(RoomError::BadEvent("no room".into())),
        };
        let (version_id, rules) = (cache.version.clone(), cache.rules.clone());
        let kind = TimelineEventType::from(new.kind.as_str());
        let content_raw = serde_json::value::to_raw_value(&new.content)
            .map_err(|e| RoomError::BadEvent(e.to_string()))?;

        let auth_ids = if is_create {
            Vec::new()
        } else {
            cache.auth_ids(&kind, &sender_id, new.state_key.as_deref(), &content_raw)?
        };
        let (prev_events, depth) = if is_create {
            (vec![], 1)
        } else {
            cache.prev_events()
        };

        // The PDU. A create event whose hash is the room id gets an origin_server_ts no
        // other create event of this server has, so two rooms created in the same
        // millisecond by the same user with the same content still get distinct ids.
        let derived_room_id = room_id.is_none();
        let mut ts = now_ms();
        if derived_room_id {
            ts = ts.max(self.created_ts.load(Ordering::Relaxed) + 1);
        }
        let (canonical, event_id, room_id_owned) = loop {
            let (canonical, event_id, hash) = self.build_pdu(
                &new,
                room_id,
                sender,
                &auth_ids,
                &prev_events,
                depth,
                ts,
                &rules,
            )?;
            let room_id_owned = match room_id {
                Some(r) => r.to_string(),
                None => format!("!{hash}"),
            };
            // Within this process the clock above keeps create events apart; a room of an
            // earlier run (the clock went back) is in the database.
            if derived_room_id && db::room_version(&self.db, &room_id_owned).await?.is_some() {
                ts += 1;
                continue;
            }
            break (canonical, event_id, room_id_owned);
        };
        if derived_room_id {
            self.created_ts.store(ts, Ordering::Relaxed);
        }
        let json: Map<String, Value> = match serde_json::to_value(&canonical) {
            Ok(Value::Object(m)) => m,
            _ => return Err(RoomError::BadEvent("event is not an object".into())),
        };
        let pdu = Pdu::from_json(event_id.clone(), json.clone()).map_err(RoomError::BadEvent)?;

        authorize(&rules, &pdu, &cache.state, &auth_ids)?;

        let pos = guard.next_pos();
        // From here the position is the committer's to finish, whatever happens to this task.
        guard.detach();
        let (mut row, out) = event_row(
            pos,
            &event_id,
            &room_id_owned,
            json,
            &cache.state,
            txn,
            is_create.then(|| version_id.to_string()),
        )?;
        let (group, new_groups) = state_res::plan_groups(pos, cache.group, &cache.state, &pdu);
        row.state_group = Some(group.id);
        row.new_groups = new_groups;
        row.forward_extremities = cache.extremities_record(&out);
        let done = self.commits.enqueue(row, self.streams.current());

        // The cached state moves on now: the next event builds on this one. If the commit
        // fails, the committer drops the cache and fails every event queued after this one.
        cache.advance(&out, pos, group);
        if let Some(mut c) = fresh {
            c.last_pos = pos;
            trim_room_cache(&mut cache_map, self.streams.current());
            cache_map.insert(room_id_owned, c);
        }
        drop(cache_map);
        drop(guard);
        committed(done).await.map(|()| out)
    }
}

/// Each joined member's (user id, display name, avatar URL) in a room's `state`.
pub fn joined_profiles(
    state: &HashMap<(String, String), Pdu>,
) -> Vec<(String, Option<String>, Option<String>)> {
    state
        .iter()
        .filter(|((kind, _), _)| kind == "m.room.member")
        .filter_map(|((_, user), p)| {
            let content = p.json.get("content")?;
            let text = |k: &str| content.get(k).and_then(Value::as_str).map(String::from);
            (content.get("membership").and_then(Value::as_str) == Some("join"))
                .then(|| (user.clone(), text("displayname"), text("avatar_url")))
        })
        .collect()
}

/// Waits for the committer to store an event; its failure as the caller should see it.
async fn committed(
    done: tokio::sync::oneshot::Receiver<Result<(), commit::CommitError>>,
) -> Result<(), RoomError> {
    use commit::CommitError as C;
    match done.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(C::Conflict(m))) => {
            tracing::warn!(error = m, "an event conflicts with stored data");
            Err(RoomError::Conflict(
                "The event conflicts with data already stored; it was not stored".into(),
            ))
        }
        Ok(Err(C::Dependent)) => Err(RoomError::Rebuild),
        Ok(Err(C::Unavailable(m))) => Err(RoomError::Unavailable(format!(
            "the event could not be stored: {m}"
        ))),
        Ok(Err(C::ShuttingDown)) | Err(_) => {
            Err(RoomError::Unavailable("the server is shutting down".into()))
        }
    }
}

/// Authorises `pdu` with the room version's rules: against its auth events (`auth_ids`, found
/// in `state`) and against the room's state `state`.
fn authorize(
    rules: &RoomVersionRules,
    pdu: &Pdu,
    state: &HashMap<(String, String), Pdu>,
    auth_ids: &[String],
) -> Result<(), RoomError> {
    let by_id: HashMap<&str, &Pdu> = state
        .iter()
        .filter(|(k, p)| {
            k.0 == "m.room.create" || auth_ids.iter().any(|a| a == p.event_id.as_str())
        })
        .map(|(_, p)| (p.event_id.as_str(), p))
        .collect();
    ruma::state_res::check_state_independent_auth_rules(
        &rules.authorization,
        pdu,
        |id: &EventId| by_id.get(id.as_str()).copied(),
    )
    .map_err(RoomError::Forbidden)?;
    ruma::state_res::check_state_dependent_auth_rules(
        &rules.authorization,
        pdu,
        |t: &StateEventType, sk: &str| state.get(&(t.to_string(), sk.to_string())),
    )
    .map_err(RoomError::Forbidden)
}

/// The row the committer stores for an authorised event `json` (signed PDU), with what
/// clients see beside it (`unsigned`: the state it replaces in `state`), and the event as
/// the cache and the caller keep it. `new_room`: the room version, for a create event.
fn event_row(
    pos: i64,
    event_id: &EventId,
    room_id: &str,
    json: Map<String, Value>,
    state: &HashMap<(String, String), Pdu>,
    txn: Option<&Txn>,
    new_room: Option<String>,
) -> Result<(db::NewEventRow, Pdu), RoomError> {
    let pdu = Pdu::from_json(event_id.to_owned(), json).map_err(RoomError::BadEvent)?;
    pdu_row(pos, pdu, room_id, state, txn, new_room)
}

/// `event_row` of an event already read as a `Pdu`.
fn pdu_row(
    pos: i64,
    mut out: Pdu,
    room_id: &str,
    state: &HashMap<(String, String), Pdu>,
    txn: Option<&Txn>,
    new_room: Option<String>,
) -> Result<(db::NewEventRow, Pdu), RoomError> {
    let json = &mut out.json;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(String::from);
    let field = |k: &str| json.get(k).and_then(Value::as_str).map(String::from);
    let kind = field("type").unwrap_or_default();
    let sender = field("sender").unwrap_or_default();
    let state_key = field("state_key");
    let content = json.get("content");
    let relation = content
        .and_then(|c| c.get("m.relates_to"))
        .and_then(|r| Some((text(r, "event_id")?, text(r, "rel_type")?)));
    let membership = (kind == "m.room.member")
        .then(|| content.and_then(|c| text(c, "membership")))
        .flatten();
    let mut unsigned = Map::new();
    if let Some(sk) = &state_key
        && let Some(prev) = state.get(&(kind.clone(), sk.clone()))
    {
        unsigned.insert("prev_content".into(), prev.content_value());
        unsigned.insert("replaces_state".into(), json!(prev.event_id.as_str()));
        unsigned.insert("prev_sender".into(), json!(prev.sender_str()));
    }
    if !unsigned.is_empty() {
        json.insert("unsigned".into(), Value::Object(unsigned));
    }
    let stored = serde_json::to_string(&json).map_err(|e| RoomError::BadEvent(e.to_string()))?;
    out.stream = pos;
    out.txn = txn.map(|t| (t.device_id.clone(), t.txn_id.clone()));
    let redacts = (kind == "m.room.redaction")
        .then(|| out.redacts_str().map(String::from))
        .flatten();
    let row = db::NewEventRow {
        stream_ordering: pos,
        event_id: out.event_id.to_string(),
        room_id: room_id.to_string(),
        new_room: new_room.map(|v| (v, sender.clone())),
        sender,
        depth: out.depth(),
        origin_server_ts: out.ts(),
        json: stored,
        txn: txn.cloned(),
        membership: state_key.clone().zip(membership),
        kind,
        state_key,
        redacts,
        relation,
        history: false,
        state_group: None,
        new_groups: Vec::new(),
        resolved_state: None,
        forward_extremities: None,
    };
    Ok((row, out))
}

impl RoomCache {
    /// The auth events of a new event: the current state the room version's rules name.
    fn auth_ids(
        &self,
        kind: &TimelineEventType,
        sender: &UserId,
        state_key: Option<&str>,
        content: &serde_json::value::RawValue,
    ) -> Result<Vec<String>, RoomError> {
        let keys = ruma::state_res::auth_types_for_event(
            kind,
            sender,
            state_key,
            content,
            &self.rules.authorization,
        )
        .map_err(RoomError::BadEvent)?;
        let mut auth_ids = Vec::new();
        for (t, sk) in keys {
            if let Some(p) = self.state.get(&(t.to_string(), sk)) {
                let id = p.event_id.to_string();
                if !auth_ids.contains(&id) {
                    auth_ids.push(id);
                }
            }
        }
        Ok(auth_ids)
    }

    /// The prev_events and depth of the next event: every extremity (at most 10, the
    /// deepest, as Synapse), one deeper than the deepest.
    fn prev_events(&self) -> (Vec<String>, i64) {
        let mut ends = self.extremities.clone();
        ends.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ends.truncate(MAX_PREV_EVENTS);
        let depth = ends.first().map_or(0, |e| e.1) + 1;
        (ends.into_iter().map(|e| e.0).collect(), depth)
    }

    /// The forward extremities once `event` is stored: it replaces those it builds on.
    fn extremities_after(&self, event: &Pdu) -> Vec<(String, i64)> {
        let prev = event.prev_event_ids();
        let mut ends: Vec<(String, i64)> = self
            .extremities
            .iter()
            .filter(|(id, _)| !prev.iter().any(|p| p.as_str() == id))
            .cloned()
            .collect();
        ends.push((event.event_id.to_string(), event.depth()));
        ends
    }

    /// What storing `event` records of the extremities: them, while the room is forked or as
    /// `event` ends a fork; nothing in the usual case (one extremity, the newest event).
    fn extremities_record(&self, event: &Pdu) -> Option<Vec<(String, i64)>> {
        let after = self.extremities_after(event);
        (after.len() > 1 || self.extremities.len() > 1).then_some(after)
    }

    /// Moves the cache past `event`, stored at `pos`: it replaces the extremities it builds
    /// on, its state (if any) is now the room's, and a state event it redacts is marked
    /// redacted, as the store marks it (the first redaction only).
    fn advance(&mut self, event: &Pdu, pos: i64, group: state_res::GroupRef) {
        self.group = Some(group);
        self.extremities = self.extremities_after(event);
        self.last_pos = pos;
        if let Some(target) = event.redacts_str()
            && event.kind_str() == "m.room.redaction"
            && let Some(p) = self
                .state
                .values_mut()
                .find(|p| p.event_id.as_str() == target && p.redacted_by.is_none())
        {
            p.redacted_by = Some(event.event_id.to_string());
        }
        if let Some(sk) = event.state_key_str() {
            let key = (event.kind_str(), sk.to_string());
            self.bytes += key.0.len() + key.1.len() + event.heap_bytes();
            if let Some(old) = self.state.insert(key, event.clone()) {
                self.bytes = self
                    .bytes
                    .saturating_sub(old.kind_str().len() + sk.len() + old.heap_bytes());
            }
        }
    }
}

/// The most prev_events a new event names (Synapse's limit).
const MAX_PREV_EVENTS: usize = 10;

impl Services {
    /// Builds, hashes and signs a PDU; returns it with its event id and reference hash.
    #[allow(clippy::too_many_arguments)]
    fn build_pdu(
        &self,
        new: &NewEvent,
        room_id: Option<&str>,
        sender: &str,
        auth_ids: &[String],
        prev_events: &[String],
        depth: i64,
        ts: i64,
        rules: &RoomVersionRules,
    ) -> Result<(CanonicalJsonObject, ruma::OwnedEventId, String), RoomError> {
        let mut obj = Map::new();
        obj.insert("auth_events".into(), json!(auth_ids));
        obj.insert("content".into(), new.content.clone());
        obj.insert("depth".into(), json!(depth));
        obj.insert("origin_server_ts".into(), json!(ts));
        obj.insert("prev_events".into(), json!(prev_events));
        if let Some(r) = room_id {
            obj.insert("room_id".into(), json!(r));
        }
        obj.insert("sender".into(), json!(sender));
        obj.insert("type".into(), json!(new.kind));
        if let Some(sk) = &new.state_key {
            obj.insert("state_key".into(), json!(sk));
        }
        if let Some(r) = &new.redacts
            && !rules.redaction.content_field_redacts
        {
            obj.insert("redacts".into(), json!(r));
        }
        let mut canonical: CanonicalJsonObject = serde_json::from_value(Value::Object(obj))
            .map_err(|e| {
                RoomError::BadEvent(format!("event content is not canonical JSON: {e}"))
            })?;
        let too_large = |e| match e {
            ruma::signatures::JsonError::PduTooLarge => {
                RoomError::TooLarge(format!("event is larger than {MAX_PDU_BYTES} bytes"))
            }
            other => RoomError::BadEvent(other.to_string()),
        };
        ruma::signatures::hash_and_sign_event(
            &self.config.server_name,
            self.signing_key.pair(),
            &mut canonical,
            &rules.redaction,
        )
        .map_err(too_large)?;
        let hash = ruma::signatures::reference_hash(&canonical, rules).map_err(too_large)?;
        let event_id =
            EventId::parse(format!("${hash}")).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        Ok((canonical, event_id, hash))
    }

    /// The event a user's transaction already created, if any (committed ones only: a
    /// transaction still being committed is found by `append_checked`).
    pub async fn txn_event(&self, user_id: &str, txn: &Txn) -> Result<Option<String>, RoomError> {
        Ok(db::txn_event(&self.db, user_id, txn).await?)
    }

    /// The current stream position (for sync tokens).
    pub fn stream_position(&self) -> i64 {
        self.streams.current()
    }
}

/// Loads the global stream position at start.
pub async fn initial_position(db: &store::Db) -> Result<i64, StoreError> {
    db::max_stream_position(db).await
}

/// The highest position stored anywhere (events, account data, receipts, presence, the
/// end-to-end tables): where a stream starts.
pub async fn stored_position(db: &store::Db) -> Result<i64, StoreError> {
    let e2ee = store::e2ee::start_positions(db).await?.max;
    Ok(initial_position(db).await?.max(e2ee))
}
