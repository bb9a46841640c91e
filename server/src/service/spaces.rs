//! Spaces and room summaries (https://spec.matrix.org/v1.16/client-server-api/#spaces): the
//! hierarchy of a space for our users (depth first along `m.space.child`, in the children's
//! order; rooms this server is not in are asked of the servers the child event names), the
//! one-level hierarchy other servers ask of us, and one room's summary (`/room_summary`).
//! Who may see a room follows Synapse: a public, knock or world-readable room to anyone, any
//! other to its joined or invited members and, for restricted rooms, to members of a room the
//! join rule allows; for another server, when one of its users is in (or invited to) the room.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use ruma::events::space::child::HierarchySpaceChildEvent;
use ruma::room::{JoinRuleSummary, RoomSummary};
use ruma::serde::Raw;
use ruma::{OwnedRoomId, OwnedServerName, RoomId, ServerName, UInt};
use serde_json::{Value, json};

use super::Services;
use super::rooms::{Pdu, RoomError};
use crate::store::rooms as db;

/// The most rooms one page of a hierarchy holds (Synapse's cap; also its default).
pub const MAX_ROOMS: usize = 50;
/// The most children of one space another server is told about.
const MAX_ROOMS_PER_SPACE: usize = 50;
/// The most servers asked for one room this server is not in.
const MAX_SERVERS_PER_SPACE: usize = 3;
/// How long a `next_batch` token of a hierarchy stays usable.
const SESSION_TTL: Duration = Duration::from_secs(5 * 60);
/// The most pagination sessions kept at once (the oldest go first).
const MAX_SESSIONS: usize = 10_000;

/// A room and the stripped `m.space.child` events of it (empty for a room that is no space).
pub struct RoomEntry {
    pub summary: RoomSummary,
    pub children: Vec<Raw<HierarchySpaceChildEvent>>,
}

/// Who asks: one of our users, another server, or anyone (no access token).
#[derive(Clone, Copy)]
enum Asker<'a> {
    User(&'a str),
    Server(&'a ServerName),
    Anyone,
}

/// A room still to visit: its id, the servers to ask when it is not ours, its depth below the
/// requested room, and the summary a parent's server already gave (used when it is no space).
#[derive(Clone)]
struct Queued {
    room_id: OwnedRoomId,
    via: Vec<OwnedServerName>,
    depth: u64,
    known: Option<RoomSummary>,
}

/// What a `next_batch` token continues: the same question, the rooms still queued and the
/// rooms already answered.
struct Session {
    question: (String, OwnedRoomId, bool, Option<u64>),
    queue: Vec<Queued>,
    done: HashSet<OwnedRoomId>,
    made: Instant,
}

/// Pagination of hierarchies, in memory (a restart answers an old token M_INVALID_PARAM, and
/// the client starts over).
#[derive(Default)]
pub struct HierarchySessions(std::sync::Mutex<HashMap<String, Session>>);

impl HierarchySessions {
    fn take(&self, token: &str) -> Option<Session> {
        let mut map = self.0.lock().expect("hierarchy sessions poisoned");
        map.retain(|_, s| s.made.elapsed() < SESSION_TTL);
        map.remove(token)
    }

    fn put(&self, session: Session) -> String {
        let token: String = (0..24)
            .map(|_| char::from(b'a' + rand::random_range(0..26u8)))
            .collect();
        let mut map = self.0.lock().expect("hierarchy sessions poisoned");
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.made)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(token.clone(), session);
        token
    }
}

/// What a client asked of a hierarchy.
pub struct HierarchyQuery<'a> {
    pub from: Option<&'a str>,
    pub limit: Option<usize>,
    pub max_depth: Option<u64>,
    pub suggested_only: bool,
}

/// A child event's place among its siblings: a valid `order` first (by it), then by when it
/// was sent, then by room id.
fn child_order(e: &Pdu) -> (bool, Option<String>, i64, String) {
    let content = e.content_value();
    let order = content["order"]
        .as_str()
        .filter(|o| o.len() <= 50 && o.chars().all(|c| (' '..='~').contains(&c)))
        .map(String::from);
    (
        order.is_none(),
        order,
        e.ts(),
        e.state_key_str().unwrap_or_default().to_string(),
    )
}

/// A child event names the servers to reach the child through (a redacted one does not).
fn has_valid_via(content: &Value) -> bool {
    content["via"]
        .as_array()
        .is_some_and(|v| !v.is_empty() && v.iter().all(Value::is_string))
}

fn text(content: &Option<Value>, field: &str) -> Option<String> {
    content.as_ref()?.get(field)?.as_str().map(String::from)
}

impl Services {
    /// GET /rooms/{roomId}/hierarchy for `user_id`: rooms depth first from `room_id`, at
    /// most `limit` (≤ 50) a page, and a token for the rest.
    pub async fn space_hierarchy(
        &self,
        user_id: &str,
        room_id: &RoomId,
        q: HierarchyQuery<'_>,
    ) -> Result<(Vec<RoomEntry>, Option<String>), RoomError> {
        let asker = Asker::User(user_id);
        let not_visible = || {
            RoomError::Forbidden(format!(
                "User {user_id} not in room {room_id}, and room previews are disabled"
            ))
        };
        if self.server_in_room(room_id.as_str()).await? {
            if !self.room_accessible(room_id, asker).await? {
                return Err(not_visible());
            }
        } else {
            // A room this server is not in: nobody to ask without a child event's servers.
            return Err(not_visible());
        }

        let question = (
            user_id.to_string(),
            room_id.to_owned(),
            q.suggested_only,
            q.max_depth,
        );
        let (mut queue, mut done) = match q.from {
            Some(token) => match self.hierarchy_sessions.take(token) {
                Some(s) if s.question == question => (s.queue, s.done),
                _ => {
                    return Err(RoomError::InvalidParam("Unknown pagination token".into()));
                }
            },
            None => (
                vec![Queued {
                    room_id: room_id.to_owned(),
                    via: Vec::new(),
                    depth: 0,
                    known: None,
                }],
                HashSet::new(),
            ),
        };
        let limit = q.limit.unwrap_or(MAX_ROOMS).min(MAX_ROOMS);
        let mut rooms = Vec::new();
        while rooms.len() < limit
            && let Some(next) = queue.pop()
        {
            if !done.insert(next.room_id.clone()) {
                continue;
            }
            let mut from_remote = HashMap::new();
            let mut inaccessible = HashSet::new();
            let entry = if self.server_in_room(next.room_id.as_str()).await? {
                self.local_entry(&next.room_id, asker, q.suggested_only, true)
                    .await?
            } else {
                let leaf = next.known.as_ref().filter(|s| {
                    s.room_type != Some(ruma::room::RoomType::Space)
                        || q.max_depth.is_some_and(|m| next.depth >= m)
                });
                let entry = match leaf {
                    Some(s) => Some(RoomEntry {
                        summary: s.clone(),
                        children: Vec::new(),
                    }),
                    None => match self.remote_hierarchy(&next, q.suggested_only).await {
                        Some((entry, children, hidden)) => {
                            from_remote = children;
                            inaccessible = hidden;
                            Some(entry)
                        }
                        None => None,
                    },
                };
                match entry {
                    Some(e) if self.remote_room_accessible(user_id, &e.summary).await? => Some(e),
                    _ => None,
                }
            };
            let Some(entry) = entry else { continue };
            if q.max_depth.is_none_or(|m| next.depth < m) {
                // Children go on the stack last first, so the first child is visited next.
                for child in entry.children.iter().rev() {
                    let Ok(child) = child.deserialize() else {
                        continue;
                    };
                    if inaccessible.contains(&child.state_key) {
                        continue;
                    }
                    queue.push(Queued {
                        known: from_remote.remove(&child.state_key),
                        room_id: child.state_key,
                        via: child.content.via,
                        depth: next.depth + 1,
                    });
                }
            }
            rooms.push(entry);
        }
        let next_batch = (!queue.is_empty()).then(|| {
            self.hierarchy_sessions.put(Session {
                question,
                queue,
                done,
                made: Instant::now(),
            })
        });
        Ok((rooms, next_batch))
    }

    /// GET /_matrix/federation/v1/hierarchy/{roomId} from `origin`: the room with its
    /// children events and, one level down, the children this server is in that `origin` may
    /// see (the others listed as inaccessible). 404 when `origin` may not see the room.
    pub async fn federation_hierarchy(
        &self,
        origin: &ServerName,
        room_id: &RoomId,
        suggested_only: bool,
    ) -> Result<(RoomEntry, Vec<RoomSummary>, Vec<OwnedRoomId>), RoomError> {
        let asker = Asker::Server(origin);
        let unknown = || RoomError::NotFound(format!("Unknown room: {room_id}"));
        if !self.server_in_room(room_id.as_str()).await? {
            return Err(unknown());
        }
        let root = self
            .local_entry(room_id, asker, suggested_only, true)
            .await?
            .ok_or_else(unknown)?;
        let mut children = Vec::new();
        let mut inaccessible = Vec::new();
        for child in root.children.iter().take(MAX_ROOMS_PER_SPACE) {
            let Ok(child) = child.deserialize() else {
                continue;
            };
            if !self.server_in_room(child.state_key.as_str()).await? {
                continue;
            }
            match self
                .local_entry(&child.state_key, asker, suggested_only, false)
                .await?
            {
                Some(e) => children.push(e.summary),
                None => inaccessible.push(child.state_key),
            }
        }
        Ok((root, children, inaccessible))
    }

    /// GET /room_summary/{roomIdOrAlias}: one room's summary, and the user's membership in it
    /// ("leave" when none). A room this server is not in is asked of `via` (400 without).
    pub async fn room_preview(
        &self,
        user_id: Option<&str>,
        id_or_alias: &str,
        via: &[OwnedServerName],
    ) -> Result<(RoomSummary, Option<String>), RoomError> {
        let (room_id, mut servers) = if id_or_alias.starts_with('#') {
            self.alias_target(id_or_alias).await?
        } else {
            (id_or_alias.to_string(), Vec::new())
        };
        let room_id = OwnedRoomId::try_from(room_id)
            .map_err(|_| RoomError::InvalidParam(format!("{id_or_alias} is not a room id")))?;
        let hidden = || RoomError::NotFound("Room not found or is not accessible".into());
        let summary = if self.server_in_room(room_id.as_str()).await? {
            let asker = user_id.map_or(Asker::Anyone, Asker::User);
            self.local_entry(&room_id, asker, false, false)
                .await?
                .ok_or_else(hidden)?
                .summary
        } else {
            servers.extend(via.iter().map(ToString::to_string));
            if servers.is_empty() {
                return Err(RoomError::InvalidParam(
                    "Missing via to query remote room".into(),
                ));
            }
            let queued = Queued {
                room_id: room_id.clone(),
                via: servers
                    .iter()
                    .filter_map(|s| OwnedServerName::try_from(s.as_str()).ok())
                    .collect(),
                depth: 0,
                known: None,
            };
            let entry = self
                .remote_hierarchy(&queued, true)
                .await
                .map(|(e, _, _)| e)
                .ok_or_else(hidden)?;
            let visible = match user_id {
                Some(u) => self.remote_room_accessible(u, &entry.summary).await?,
                None => publicly_visible(&entry.summary),
            };
            if !visible {
                return Err(hidden());
            }
            entry.summary
        };
        let membership = match user_id {
            Some(u) => Some(
                db::membership(&self.db, u, room_id.as_str())
                    .await?
                    .map_or_else(|| "leave".to_string(), |m| m.0),
            ),
            None => None,
        };
        Ok((summary, membership))
    }

    /// A room this server is in, summarised, if `asker` may see it; with its children events
    /// (suggested ones only when asked) when it is a space and `with_children`.
    async fn local_entry(
        &self,
        room_id: &RoomId,
        asker: Asker<'_>,
        suggested_only: bool,
        with_children: bool,
    ) -> Result<Option<RoomEntry>, RoomError> {
        if !self.room_accessible(room_id, asker).await? {
            return Ok(None);
        }
        let summary = self.local_summary(room_id).await?;
        let mut children = Vec::new();
        if with_children && summary.room_type == Some(ruma::room::RoomType::Space) {
            let mut events: Vec<Pdu> =
                db::current_state_of_type(&self.db, room_id.as_str(), "m.space.child")
                    .await?
                    .iter()
                    .map(Self::pdu)
                    .collect::<Result<_, _>>()?;
            events.retain(|e| {
                let c = e.content_value();
                has_valid_via(&c) && (!suggested_only || c["suggested"] == json!(true))
            });
            events.sort_by_cached_key(child_order);
            children = events
                .iter()
                .filter_map(|e| {
                    Raw::from_json_string(
                        json!({
                            "type": "m.space.child",
                            "state_key": e.state_key_str(),
                            "content": e.content_value(),
                            "sender": e.sender_str(),
                            "origin_server_ts": e.ts(),
                        })
                        .to_string(),
                    )
                    .ok()
                })
                .collect();
        }
        Ok(Some(RoomEntry { summary, children }))
    }

    /// The summary of a room this server is in, from its current state.
    pub async fn local_summary(&self, room_id: &RoomId) -> Result<RoomSummary, RoomError> {
        let id = room_id.as_str();
        let content = |kind: &'static str| async move {
            self.current_state_event(id, kind, "")
                .await
                .map(|p| p.map(|p| p.content_value()))
        };
        let (name, topic, alias, avatar, join_rules, history, guest, create, encryption) = tokio::try_join!(
            content("m.room.name"),
            content("m.room.topic"),
            content("m.room.canonical_alias"),
            content("m.room.avatar"),
            content("m.room.join_rules"),
            content("m.room.history_visibility"),
            content("m.room.guest_access"),
            content("m.room.create"),
            content("m.room.encryption"),
        )?;
        let (version, _) = self.room_rules(id).await?;
        let members = db::joined_count(&self.db, id).await?;
        let join_rule = join_rules
            .and_then(|j| serde_json::from_value::<ruma::room::JoinRule>(j).ok())
            .map_or(JoinRuleSummary::Invite, JoinRuleSummary::from);
        let join_rule = match join_rule {
            // An unknown rule cannot be written back; nobody can join by it.
            JoinRuleSummary::Invite
            | JoinRuleSummary::Knock
            | JoinRuleSummary::Private
            | JoinRuleSummary::Restricted(_)
            | JoinRuleSummary::KnockRestricted(_)
            | JoinRuleSummary::Public => join_rule,
            _ => JoinRuleSummary::Private,
        };
        let mut s = RoomSummary::new(
            room_id.to_owned(),
            join_rule,
            text(&guest, "guest_access").as_deref() == Some("can_join"),
            UInt::try_from(members).unwrap_or_default(),
            text(&history, "history_visibility").as_deref() == Some("world_readable"),
        );
        s.name = text(&name, "name").filter(|n| !n.is_empty());
        s.topic = text(&topic, "topic").filter(|t| !t.is_empty());
        s.canonical_alias = text(&alias, "alias").and_then(|a| a.try_into().ok());
        s.avatar_url = text(&avatar, "url")
            .filter(|u| !u.is_empty())
            .map(Into::into);
        s.room_type = text(&create, "type").map(|t| t.as_str().into());
        s.encryption = text(&encryption, "algorithm").map(|a| a.as_str().into());
        s.room_version = Some(version);
        Ok(s)
    }

    /// Whether `asker` may see a room this server knows (see the module's documentation). A
    /// room we hold no state of is visible to a user only through an invite.
    async fn room_accessible(&self, room_id: &RoomId, asker: Asker<'_>) -> Result<bool, RoomError> {
        let id = room_id.as_str();
        let Ok((_, rules)) = self.room_rules(id).await else {
            return Ok(match asker {
                Asker::User(u) => db::membership(&self.db, u, id)
                    .await?
                    .is_some_and(|m| m.0 == "invite"),
                Asker::Server(_) | Asker::Anyone => false,
            });
        };
        let join_rules = self
            .current_state_event(id, "m.room.join_rules", "")
            .await?
            .map(|p| p.content_value());
        let rule = text(&join_rules, "join_rule");
        let auth = &rules.authorization;
        match rule.as_deref() {
            Some("public") => return Ok(true),
            Some("knock") if auth.knocking => return Ok(true),
            Some("knock_restricted") if auth.knock_restricted_join_rule => return Ok(true),
            _ => {}
        }
        let history = self
            .current_state_event(id, "m.room.history_visibility", "")
            .await?
            .map(|p| p.content_value());
        if text(&history, "history_visibility").as_deref() == Some("world_readable") {
            return Ok(true);
        }
        let restricted = match rule.as_deref() {
            Some("restricted") => auth.restricted_join_rule,
            Some("knock_restricted") => auth.knock_restricted_join_rule,
            _ => false,
        };
        let allowed_rooms: Vec<String> = if restricted {
            join_rules
                .as_ref()
                .and_then(|j| j["allow"].as_array())
                .into_iter()
                .flatten()
                .filter(|a| a["type"] == "m.room_membership")
                .filter_map(|a| a["room_id"].as_str().map(String::from))
                .collect()
        } else {
            Vec::new()
        };
        match asker {
            Asker::User(u) => {
                if db::membership(&self.db, u, id)
                    .await?
                    .is_some_and(|m| m.0 == "join" || m.0 == "invite")
                {
                    return Ok(true);
                }
                for allowed in &allowed_rooms {
                    if db::membership(&self.db, u, allowed)
                        .await?
                        .is_some_and(|m| m.0 == "join")
                    {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Asker::Server(origin) => {
                if self.server_has_member(id, origin, true).await? {
                    return Ok(true);
                }
                for allowed in &allowed_rooms {
                    if self.server_has_member(allowed, origin, false).await? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Asker::Anyone => Ok(false),
        }
    }

    /// Whether a user of `server` is joined to the room (or, with `or_invited`, invited). The
    /// joined ones are found by the end of their ids (`joined_on_server`), not by reading every
    /// member of a big room.
    async fn server_has_member(
        &self,
        room_id: &str,
        server: &ServerName,
        or_invited: bool,
    ) -> Result<bool, RoomError> {
        let of_server = |users: &[String]| {
            users
                .iter()
                .filter_map(|u| ruma::UserId::parse(u).ok())
                .any(|u| u.server_name() == server)
        };
        if of_server(&db::joined_on_server(&self.db, room_id, server.as_str()).await?) {
            return Ok(true);
        }
        Ok(or_invited && of_server(&db::members_with(&self.db, room_id, "invite").await?))
    }

    /// Whether our user may see a room another server summarised: public, knock or
    /// world-readable, a member of a room its rule allows, or as for our own rooms (an invite).
    async fn remote_room_accessible(
        &self,
        user_id: &str,
        summary: &RoomSummary,
    ) -> Result<bool, RoomError> {
        if publicly_visible(summary) {
            return Ok(true);
        }
        if let JoinRuleSummary::Restricted(r) | JoinRuleSummary::KnockRestricted(r) =
            &summary.join_rule
        {
            for allowed in &r.allowed_room_ids {
                if db::membership(&self.db, user_id, allowed.as_str())
                    .await?
                    .is_some_and(|m| m.0 == "join")
                {
                    return Ok(true);
                }
            }
        }
        self.room_accessible(&summary.room_id, Asker::User(user_id))
            .await
    }

    /// A room this server is not in, asked of (at most three of) the servers its child event
    /// names: its entry, the summaries of its children the answering server gave, and the
    /// children it said we may not see. None when no server answered.
    async fn remote_hierarchy(
        &self,
        room: &Queued,
        suggested_only: bool,
    ) -> Option<(
        RoomEntry,
        HashMap<OwnedRoomId, RoomSummary>,
        HashSet<OwnedRoomId>,
    )> {
        use ruma::api::federation::space::get_hierarchy::v1;
        for server in room
            .via
            .iter()
            .filter(|s| !self.is_ours(s))
            .take(MAX_SERVERS_PER_SPACE)
        {
            let mut request = v1::Request::new(room.room_id.clone());
            request.suggested_only = suggested_only;
            match self.federation_send(server, request).await {
                Ok(answer) if answer.room.summary.room_id == room.room_id => {
                    let children = answer
                        .children
                        .into_iter()
                        .map(|c| (c.room_id.clone(), c))
                        .collect();
                    let entry = RoomEntry {
                        summary: answer.room.summary,
                        children: answer.room.children_state,
                    };
                    return Some((
                        entry,
                        children,
                        answer.inaccessible_children.into_iter().collect(),
                    ));
                }
                Ok(_) => {
                    tracing::info!(%server, room_id = %room.room_id, "a hierarchy answer was for another room");
                }
                Err(e) => {
                    tracing::info!(%server, room_id = %room.room_id, error = %e, "cannot read a room's hierarchy over federation");
                }
            }
        }
        None
    }
}

/// Anyone may see a room that is public, knock or world-readable.
fn publicly_visible(summary: &RoomSummary) -> bool {
    summary.world_readable
        || matches!(
            summary.join_rule,
            JoinRuleSummary::Public | JoinRuleSummary::Knock | JoinRuleSummary::KnockRestricted(_)
        )
}
