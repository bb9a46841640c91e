//! One of our users joining a room this server is not in (or declining its invite), through another server that is
//! (https://spec.matrix.org/v1.16/server-server-api/#joining-rooms): make_join for a
//! template, our join event built on it (our content, hashed and signed), send_join for the
//! room's state and auth chain. Every event of the answer is checked (event id, signatures,
//! hash) and authorised against its own auth events before the room is stored; then our
//! events in it go to every server of its members.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use ruma::api::federation::membership::{
    create_join_event, create_knock_event, create_leave_event, prepare_join_event,
    prepare_knock_event, prepare_leave_event,
};
use ruma::room_version_rules::{EventIdFormatVersion, RoomVersionRules};
use ruma::{
    CanonicalJsonObject, CanonicalJsonValue, OwnedEventId, OwnedServerName, RoomId, RoomVersionId,
    ServerName, UserId,
};
use serde_json::Value;

use super::FederationError;
use super::pdu::{event_id_of, parse_pdu};
use crate::service::Services;
use crate::service::rooms::{Pdu, RoomError, SUPPORTED_ROOM_VERSIONS, rules_for};
use crate::store::now_ms;
use serde_json::value::RawValue as RawJson;

/// What another server's refusal means for our user: its 403 and 404 pass through, anything
/// else is a failure to reach it.
fn remote_error(e: FederationError) -> RoomError {
    match e {
        FederationError::Status { status, body, .. } if status == 403 || status == 404 => {
            let text = body["error"]
                .as_str()
                .unwrap_or("The other server refused the join")
                .to_string();
            if status == 403 {
                RoomError::Forbidden(text)
            } else {
                RoomError::NotFound(text)
            }
        }
        FederationError::Status {
            status: 400, body, ..
        } if body["errcode"] == "M_INCOMPATIBLE_ROOM_VERSION" => {
            RoomError::UnsupportedVersion(body["room_version"].as_str().unwrap_or("?").into())
        }
        other => RoomError::BadGateway(format!("Failed to join through another server: {other}")),
    }
}

/// Events a checking thread of a join takes at a time (about a millisecond's work).
const CHECK_BATCH: usize = 16;

/// The room versions we can take part in, for make_join and make_knock's `ver`.
fn our_room_versions() -> Vec<RoomVersionId> {
    SUPPORTED_ROOM_VERSIONS
        .iter()
        .filter_map(|v| RoomVersionId::try_from(*v).ok())
        .collect()
}

fn bad(e: impl std::fmt::Display) -> RoomError {
    RoomError::BadGateway(format!("the other server's answer is not usable: {e}"))
}

fn text<'a>(obj: &'a CanonicalJsonObject, key: &str) -> Option<&'a str> {
    match obj.get(key) {
        Some(CanonicalJsonValue::String(s)) => Some(s),
        _ => None,
    }
}

impl Services {
    /// Joins `user_id` to `room_id` through the first of `servers` that lets it in.
    pub async fn join_remote(
        self: &Arc<Self>,
        user_id: &UserId,
        room_id: &RoomId,
        servers: &[OwnedServerName],
        reason: Option<&str>,
    ) -> Result<Pdu, RoomError> {
        self.through_first(servers, room_id, "joining", |server| {
            Box::pin(self.join_through(user_id, room_id, server, reason))
        })
        .await
    }

    /// `attempt` through each of `servers` in turn (each once, never ours) until one succeeds;
    /// else the last failure.
    async fn through_first<'a, T>(
        &self,
        servers: &'a [OwnedServerName],
        room_id: &RoomId,
        what: &str,
        attempt: impl Fn(&'a ServerName) -> BoxFuture<'a, Result<T, RoomError>>,
    ) -> Result<T, RoomError> {
        let mut last = None;
        let mut tried = HashSet::new();
        for server in servers {
            if self.is_ours(server) || !tried.insert(server.clone()) {
                continue;
            }
            match attempt(server).await {
                Ok(done) => return Ok(done),
                Err(e) => {
                    tracing::info!(%server, %room_id, error = %e, "{what} through a server failed");
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| RoomError::NotFound("No known servers".into())))
    }

    async fn join_through(
        self: &Arc<Self>,
        user_id: &UserId,
        room_id: &RoomId,
        server: &ServerName,
        reason: Option<&str>,
    ) -> Result<Pdu, RoomError> {
        let started = std::time::Instant::now();
        // The resident server's keys verify its answer: fetched while it answers (a check that
        // comes first waits for this fetch rather than make another).
        let (services, resident) = (self.clone(), server.to_owned());
        tokio::spawn(async move { services.prefetch_server_keys(&resident).await });
        let mut ask = prepare_join_event::v1::Request::new(room_id.to_owned(), user_id.to_owned());
        ask.ver = our_room_versions();
        let made = self
            .federation_send(server, ask)
            .await
            .map_err(remote_error)?;
        let version = made.room_version.unwrap_or(RoomVersionId::V1);
        let (version, rules) = rules_for(version.as_str())?;
        let template: CanonicalJsonObject = serde_json::from_str(made.event.get()).map_err(bad)?;
        let (event_id, event) = self
            .build_member(user_id, room_id, template, &rules, "join", reason)
            .await?;

        let send = create_join_event::v2::Request::new(
            room_id.to_owned(),
            event_id.clone(),
            serde_json::value::to_raw_value(&event).map_err(bad)?,
        );
        let asked = started.elapsed();
        let answer = self
            .federation_send(server, send)
            .await
            .map_err(remote_error)?
            .room_state;
        let answered = started.elapsed();
        // A restricted room's resident server signs the join too: keep its copy.
        let event = match answer.event.as_deref().map(parse_pdu) {
            Some(Ok(signed)) if event_id_of(&signed, &rules).is_ok_and(|id| id == event_id) => {
                signed
            }
            _ => event,
        };

        // Every event of the answer, checked (signatures and hashes are most of a large room's
        // join): on one thread per core from the blocking pool, so the runtime's workers stay
        // free for other requests, each taking the next few events until none are left, so
        // every core works to the end. Checks that need a key not fetched yet wait for one
        // fetch of it (the resident's is already under way, above).
        let events: Vec<(Box<RawJson>, bool)> = answer
            .auth_chain
            .into_iter()
            .map(|r| (r, false))
            .chain(answer.state.into_iter().map(|r| (r, true)))
            .collect();
        let queue = Arc::new(std::sync::Mutex::new(events.into_iter()));
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let runtime = tokio::runtime::Handle::current();
        let tasks: Vec<_> = (0..cores)
            .map(|_| {
                let (services, queue, runtime) = (self.clone(), queue.clone(), runtime.clone());
                let (rules, server) = (rules.clone(), server.to_owned());
                tokio::task::spawn_blocking(move || {
                    let mut out = Vec::new();
                    loop {
                        let batch: Vec<_> = queue
                            .lock()
                            .expect("lock")
                            .by_ref()
                            .take(CHECK_BATCH)
                            .collect();
                        if batch.is_empty() {
                            return out;
                        }
                        out.extend(
                            runtime.block_on(services.check_join_events(batch, &rules, &server)),
                        );
                    }
                })
            })
            .collect();
        let mut checked: HashMap<OwnedEventId, Pdu> = HashMap::new();
        let mut state_ids = Vec::new();
        for t in tasks {
            let done = t.await.map_err(|e| RoomError::Unavailable(e.to_string()))?;
            for (p, is_state) in done {
                if is_state {
                    state_ids.push(p.event_id.clone());
                }
                checked.insert(p.event_id.clone(), p);
            }
        }
        let verified = started.elapsed();
        let events = checked.len();
        // Every server with a joined member (in the room's state, not its auth chain, where
        // members who have left since still show joined) receives our events in the room.
        let mut servers = joined_servers(state_ids.iter().filter_map(|id| checked.get(id)));
        servers.push(server.to_owned());
        servers.sort();
        servers.dedup();
        let ordered = authorised_in_order(checked, &rules, room_id)?;
        let authorised = started.elapsed();
        let stored = self
            .store_joined_room(room_id, &version, ordered, &state_ids, (&event_id, event))
            .await?;
        let ms = |d: std::time::Duration| d.as_millis() as u64;
        tracing::info!(
            %room_id, %server, events,
            make_join_ms = ms(asked),
            send_join_ms = ms(answered - asked),
            verify_ms = ms(verified - answered),
            authorise_ms = ms(authorised - verified),
            store_ms = ms(started.elapsed() - authorised),
            "joined a room of another server"
        );

        for s in servers {
            if let Err(e) = self.add_federation_destination(&s, stored.stream).await {
                tracing::warn!(error = %e, "cannot add a federation destination");
            }
        }
        Ok(stored)
    }

    /// Checks a share of a join's events and reads them as events (`Pdu`); those refused are
    /// logged and left out.
    async fn check_join_events(
        &self,
        events: Vec<(Box<RawJson>, bool)>,
        rules: &RoomVersionRules,
        server: &ServerName,
    ) -> Vec<(Pdu, bool)> {
        let mut out = Vec::with_capacity(events.len());
        for (raw, is_state) in events {
            let checked = match parse_pdu(&raw) {
                Ok(parsed) => self
                    .check_pdu(parsed, rules)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            let read = checked.and_then(|c| Pdu::from_canonical_owned(c.event_id, c.event));
            match read {
                Ok(p) => out.push((p, is_state)),
                Err(error) => {
                    tracing::info!(%server, error, "a state event of the join was refused")
                }
            }
        }
        out
    }

    /// Knocks on another server's room for `user_id`, through the first of `servers` that
    /// takes the knock; kept with the room's stripped state that server answered, which is
    /// what the user sees of the room until they are let in.
    pub async fn knock_remote(
        &self,
        user_id: &UserId,
        room_id: &RoomId,
        servers: &[OwnedServerName],
        reason: Option<&str>,
    ) -> Result<Pdu, RoomError> {
        self.through_first(servers, room_id, "knocking", |server| {
            Box::pin(self.knock_through(user_id, room_id, server, reason))
        })
        .await
    }

    async fn knock_through(
        &self,
        user_id: &UserId,
        room_id: &RoomId,
        server: &ServerName,
        reason: Option<&str>,
    ) -> Result<Pdu, RoomError> {
        let mut ask = prepare_knock_event::v1::Request::new(room_id.to_owned(), user_id.to_owned());
        ask.ver = our_room_versions();
        let made = self
            .federation_send(server, ask)
            .await
            .map_err(remote_error)?;
        let (version, rules) = rules_for(made.room_version.as_str())?;
        let template: CanonicalJsonObject = serde_json::from_str(made.event.get()).map_err(bad)?;
        let (event_id, event) = self
            .build_member(user_id, room_id, template, &rules, "knock", reason)
            .await?;
        let send = create_knock_event::v1::Request::new(
            room_id.to_owned(),
            event_id.clone(),
            serde_json::value::to_raw_value(&event).map_err(bad)?,
        );
        let answer = self
            .federation_send(server, send)
            .await
            .map_err(remote_error)?;
        let mut kept = event;
        let unsigned: CanonicalJsonValue = serde_json::from_value(serde_json::json!({
            "knock_room_state": super::invite::stripped_values(&answer.knock_room_state)
        }))
        .map_err(bad)?;
        kept.insert("unsigned".into(), unsigned);
        self.store_invite(room_id, &version, &event_id, kept).await
    }

    /// Withdraws our user's knock on a room this server is not in. As Synapse, only here:
    /// a leave built on the knock and kept, so the room leaves the user's list (the other
    /// server keeps the knock until someone there answers it).
    pub async fn rescind_remote_knock(
        &self,
        room_id: &str,
        user_id: &str,
    ) -> Result<Pdu, RoomError> {
        let knock = self
            .current_state_event(room_id, "m.room.member", user_id)
            .await?
            .filter(|p| p.membership().as_deref() == Some("knock"))
            .ok_or_else(|| RoomError::Forbidden(format!("{user_id} is not in the room")))?;
        let user = UserId::parse(user_id).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let room = RoomId::parse(room_id).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let (version, rules) = self.room_rules(room_id).await?;
        let template: CanonicalJsonObject = serde_json::from_value(serde_json::json!({
            "type": "m.room.member",
            "room_id": room_id,
            "sender": user_id,
            "state_key": user_id,
            "prev_events": [knock.event_id],
            "auth_events": [knock.event_id],
            "depth": knock.depth() + 1,
        }))
        .map_err(bad)?;
        let (event_id, event) = self
            .build_member(&user, &room, template, &rules, "leave", None)
            .await?;
        self.store_invite(&room, &version, &event_id, event).await
    }

    /// Declines an invite of another server's room (or leaves a room this server is not in):
    /// make_leave and send_leave through the inviter's server, then our leave is kept.
    pub async fn leave_remote(&self, room_id: &str, user_id: &str) -> Result<Pdu, RoomError> {
        let user = UserId::parse(user_id).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let room = RoomId::parse(room_id).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let invite = self
            .current_state_event(room_id, "m.room.member", user_id)
            .await?
            .filter(|p| p.membership().as_deref() == Some("invite"))
            .ok_or_else(|| RoomError::Forbidden(format!("{user_id} is not in the room")))?;
        let server = UserId::parse(invite.sender_str())
            .map_err(|e| RoomError::BadEvent(e.to_string()))?
            .server_name()
            .to_owned();
        let made = self
            .federation_send(
                &server,
                prepare_leave_event::v1::Request::new(room.clone(), user.clone()),
            )
            .await
            .map_err(remote_error)?;
        let version = made.room_version.unwrap_or(RoomVersionId::V1);
        let (version, rules) = rules_for(version.as_str())?;
        let template: CanonicalJsonObject = serde_json::from_str(made.event.get()).map_err(bad)?;
        let (event_id, event) = self
            .build_member(&user, &room, template, &rules, "leave", None)
            .await?;
        let send = create_leave_event::v2::Request::new(
            room.clone(),
            event_id.clone(),
            serde_json::value::to_raw_value(&event).map_err(bad)?,
        );
        self.federation_send(&server, send)
            .await
            .map_err(remote_error)?;
        self.store_invite(&room, &version, &event_id, event).await
    }

    /// Our member event (`membership`) on `template`: the template's references, our content,
    /// now, hashed and signed; its event id.
    async fn build_member(
        &self,
        user_id: &UserId,
        room_id: &RoomId,
        mut template: CanonicalJsonObject,
        rules: &RoomVersionRules,
        membership: &str,
        reason: Option<&str>,
    ) -> Result<(OwnedEventId, CanonicalJsonObject), RoomError> {
        if text(&template, "room_id") != Some(room_id.as_str())
            || text(&template, "sender") != Some(user_id.as_str())
            || text(&template, "state_key") != Some(user_id.as_str())
            || text(&template, "type") != Some("m.room.member")
        {
            return Err(bad(
                "the join template is for another room, user or event type",
            ));
        }
        let mut content: Value = if membership == "join" || membership == "knock" {
            self.member_content(user_id.as_str(), membership).await?
        } else {
            serde_json::json!({"membership": membership})
        };
        if let Some(r) = reason {
            content["reason"] = Value::String(r.into());
        }
        // A restricted room's template names the user who authorises the join.
        if let Some(CanonicalJsonValue::Object(c)) = template.get("content")
            && let Some(via) = c.get("join_authorised_via_users_server")
        {
            content["join_authorised_via_users_server"] = serde_json::to_value(via).map_err(bad)?;
        }
        template.insert(
            "content".into(),
            serde_json::from_value(content).map_err(bad)?,
        );
        template.insert(
            "origin_server_ts".into(),
            CanonicalJsonValue::Integer(now_ms().try_into().map_err(bad)?),
        );
        for field in ["signatures", "hashes", "unsigned", "event_id"] {
            template.remove(field);
        }
        if rules.event_id_format == EventIdFormatVersion::V1 {
            let local: String = (0..18)
                .map(|_| char::from(b'a' + rand::random_range(0..26u8)))
                .collect();
            template.insert(
                "event_id".into(),
                CanonicalJsonValue::String(format!("${local}:{}", self.config.server_name)),
            );
        }
        ruma::signatures::hash_and_sign_event(
            &self.config.server_name,
            self.signing_key.pair(),
            &mut template,
            &rules.redaction,
        )
        .map_err(|e| RoomError::BadEvent(e.to_string()))?;
        let event_id =
            event_id_of(&template, rules).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        Ok((event_id, template))
    }
}

/// The servers of the joined members among `events`.
fn joined_servers<'a>(events: impl Iterator<Item = &'a Pdu>) -> Vec<OwnedServerName> {
    events
        .filter(|p| p.kind_str() == "m.room.member")
        .filter(|p| {
            p.json
                .get("content")
                .and_then(|c| c.get("membership"))
                .and_then(Value::as_str)
                == Some("join")
        })
        .filter_map(|p| p.state_key_str().and_then(|u| UserId::parse(u).ok()))
        .map(|u| u.server_name().to_owned())
        .collect()
}

/// The checked events in an order each can be stored in (auth events before the events they
/// authorise, by depth), each authorised against its own auth events by the room version's
/// state-independent rules; the create event must be there and name this room. Events that
/// fail are left out, as are the ones resting on them.
fn authorised_in_order(
    mut pdus: HashMap<OwnedEventId, Pdu>,
    rules: &RoomVersionRules,
    room_id: &RoomId,
) -> Result<Vec<Pdu>, RoomError> {
    let create = pdus
        .values()
        .find(|p| p.kind_str() == "m.room.create" && p.state_key_str() == Some(""))
        .ok_or_else(|| bad("no create event in the room's state"))?;
    let create_names_room = match rules.room_id_format {
        ruma::room_version_rules::RoomIdFormatVersion::V2 => {
            room_id.as_str().strip_prefix('!') == create.event_id.as_str().strip_prefix('$')
        }
        _ => create.room_id_str() == Some(room_id.as_str()),
    };
    if !create_names_room {
        return Err(bad("the create event is not this room's"));
    }
    let mut order: Vec<&Pdu> = pdus.values().collect();
    order.sort_by(|a, b| a.depth().cmp(&b.depth()).then_with(|| a.ts().cmp(&b.ts())));
    let mut ok: HashSet<OwnedEventId> = HashSet::new();
    let mut out = Vec::new();
    for p in order {
        let auth_ok = p.auth_event_ids().iter().all(|a| ok.contains(a));
        let allowed = auth_ok
            && ruma::state_res::check_state_independent_auth_rules(
                &rules.authorization,
                p,
                |id: &ruma::EventId| pdus.get(id),
            )
            .is_ok();
        if allowed {
            ok.insert(p.event_id.clone());
            out.push(p.event_id.clone());
        } else {
            tracing::info!(event_id = %p.event_id, "an event of the joined room's state failed its auth checks");
        }
    }
    // The events as they were read when checked, not converted again to be stored.
    Ok(out.into_iter().filter_map(|id| pdus.remove(&id)).collect())
}
