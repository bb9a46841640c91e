//! Membership changes: join (by id or alias), knock, invite, leave, kick, ban, unban, forget.
//! Each is an m.room.member event through `append`, so the room version's auth rules decide.

use serde_json::{Value, json};

use super::{NewEvent, Pdu, RoomError};
use crate::service::Services;
use crate::service::ratelimit::Kind;
use crate::store::rooms as db;

impl Services {
    /// Forgets a room the user left: it drops out of their memberships (and sync's copy of them).
    /// Forgets a room the user has left (or was banned from).
    pub async fn forget_room(&self, user_id: &str, room_id: &str) -> Result<(), RoomError> {
        match db::membership(&self.db, user_id, room_id)
            .await?
            .map(|m| m.0)
        {
            Some(m) if m == "leave" || m == "ban" => {}
            Some(_) => {
                return Err(RoomError::Refused(
                    "User is in room, must leave before forgetting".into(),
                ));
            }
            None => return Err(RoomError::NotFound("Not a known room".into())),
        }
        db::forget(&self.db, user_id, room_id).await?;
        self.hints.memberships_rewritten();
        Ok(())
    }

    /// Lifts a ban (the target must be banned).
    pub async fn unban(
        &self,
        room_id: &str,
        sender: &str,
        target: &str,
        reason: Option<&str>,
    ) -> Result<(), RoomError> {
        match db::membership(&self.db, target, room_id)
            .await?
            .map(|m| m.0)
        {
            Some(m) if m == "ban" => {}
            _ => return Err(RoomError::Forbidden(format!("{target} is not banned"))),
        }
        self.set_membership(room_id, sender, target, "leave", reason, None)
            .await?;
        Ok(())
    }

    /// Whether a user of this server is joined to `room_id` (so events are built here).
    pub async fn server_in_room(&self, room_id: &str) -> Result<bool, RoomError> {
        if db::room_version(&self.db, room_id).await?.is_none() {
            return Ok(false);
        }
        let members = db::members_with(&self.db, room_id, "join").await?;
        Ok(members
            .iter()
            .any(|m| ruma::UserId::parse(m).is_ok_and(|u| self.is_ours(u.server_name()))))
    }

    /// Resolves `!room:server` or `#alias:server` to a known room id.
    pub async fn resolve_room(&self, id_or_alias: &str) -> Result<String, RoomError> {
        if id_or_alias.starts_with('#') {
            return match db::alias_room(&self.db, id_or_alias).await? {
                Some((room_id, _)) => Ok(room_id),
                None => Err(RoomError::NotFound(format!(
                    "Room alias {id_or_alias} not found"
                ))),
            };
        }
        if !id_or_alias.starts_with('!') {
            return Err(RoomError::InvalidParam(format!(
                "{id_or_alias} is not a room id or alias"
            )));
        }
        match db::room_version(&self.db, id_or_alias).await? {
            Some(_) => Ok(id_or_alias.to_string()),
            None => Err(RoomError::NotFound(format!("Unknown room {id_or_alias}"))),
        }
    }

    /// Joins `user_id` to a room by id or alias. A room this server is in takes the join
    /// here; any other is joined through another server: the alias's servers, then `via`,
    /// then the server in the room id (rooms before v12).
    pub async fn join(
        self: &std::sync::Arc<Self>,
        user_id: &str,
        id_or_alias: &str,
        via: &[ruma::OwnedServerName],
        reason: Option<&str>,
    ) -> Result<(String, Pdu), RoomError> {
        // A room an admin blocked (admin API room deletion with block: true) takes no joins.
        if id_or_alias.starts_with('!')
            && crate::store::admin_rooms::is_blocked(&self.db, id_or_alias).await?
        {
            return Err(RoomError::Forbidden(
                "This room has been blocked on this server".into(),
            ));
        }
        let (room_id, mut servers) = if id_or_alias.starts_with('#') {
            self.alias_target(id_or_alias).await?
        } else {
            (id_or_alias.to_string(), Vec::new())
        };
        if !self.server_in_room(&room_id).await? {
            let parsed = ruma::RoomId::parse(&room_id)
                .map_err(|_| RoomError::InvalidParam(format!("{room_id} is not a room id")))?;
            let user =
                ruma::UserId::parse(user_id).map_err(|e| RoomError::BadEvent(e.to_string()))?;
            servers.extend(via.iter().map(ToString::to_string));
            // An invited user joins through the inviter's server.
            if let Some(invite) = self
                .current_state_event(&room_id, "m.room.member", user_id)
                .await?
                && invite.membership().as_deref() == Some("invite")
                && let Ok(inviter) = ruma::UserId::parse(invite.sender_str())
            {
                servers.push(inviter.server_name().to_string());
            }
            if let Some(s) = parsed.server_name() {
                servers.push(s.to_string());
            }
            let servers: Vec<ruma::OwnedServerName> = servers
                .iter()
                .filter_map(|s| ruma::OwnedServerName::try_from(s.as_str()).ok())
                .collect();
            if servers.iter().all(|s| self.is_ours(s)) {
                return Err(RoomError::NotFound(format!("Unknown room {room_id}")));
            }
            self.limiter
                .check(
                    Kind::JoinRemote,
                    user_id,
                    self.config.rate_limits.joins_remote,
                )
                .map_err(|r| RoomError::RateLimited(r.0))?;
            let pdu = self.join_remote(&user, &parsed, &servers, reason).await?;
            return Ok((room_id, pdu));
        }
        let room_id = self.resolve_room(&room_id).await?;
        self.limiter
            .check(
                Kind::JoinLocal,
                user_id,
                self.config.rate_limits.joins_local,
            )
            .map_err(|r| RoomError::RateLimited(r.0))?;
        let pdu = self
            .own_membership(&room_id, user_id, "join", reason)
            .await?;
        Ok((room_id, pdu))
    }

    /// `user_id`'s own member event (`membership`: join, knock) in a room of this server,
    /// with their profile and `reason`.
    async fn own_membership(
        &self,
        room_id: &str,
        user_id: &str,
        membership: &str,
        reason: Option<&str>,
    ) -> Result<Pdu, RoomError> {
        let mut content = self.member_content(user_id, membership).await?;
        if let Some(r) = reason {
            content["reason"] = json!(r);
        }
        self.append(
            Some(room_id),
            None,
            user_id,
            NewEvent::state("m.room.member", user_id, content),
            None,
        )
        .await
    }

    /// Knocks on a room by id or alias for `user_id` (asking to be let in). A room this server
    /// is in takes the knock here; any other through another server: the alias's servers,
    /// then `via`, then the server in the room id (rooms before v12).
    pub async fn knock(
        &self,
        user_id: &str,
        id_or_alias: &str,
        via: &[ruma::OwnedServerName],
        reason: Option<&str>,
    ) -> Result<(String, Pdu), RoomError> {
        let (room_id, mut servers) = if id_or_alias.starts_with('#') {
            self.alias_target(id_or_alias).await?
        } else {
            (id_or_alias.to_string(), Vec::new())
        };
        let user = ruma::UserId::parse(user_id).map_err(|e| RoomError::BadEvent(e.to_string()))?;
        self.limiter
            .check(
                Kind::JoinLocal,
                user_id,
                self.config.rate_limits.joins_local,
            )
            .map_err(|r| RoomError::RateLimited(r.0))?;
        if self.server_in_room(&room_id).await? {
            let pdu = self
                .own_membership(&room_id, user_id, "knock", reason)
                .await?;
            return Ok((room_id, pdu));
        }
        let parsed = ruma::RoomId::parse(&room_id)
            .map_err(|_| RoomError::InvalidParam(format!("{room_id} is not a room id")))?;
        servers.extend(via.iter().map(ToString::to_string));
        if let Some(s) = parsed.server_name() {
            servers.push(s.to_string());
        }
        let servers: Vec<ruma::OwnedServerName> = servers
            .iter()
            .filter_map(|s| ruma::OwnedServerName::try_from(s.as_str()).ok())
            .collect();
        if servers.iter().all(|s| self.is_ours(s)) {
            return Err(RoomError::NotFound(format!("Unknown room {room_id}")));
        }
        let pdu = self.knock_remote(&user, &parsed, &servers, reason).await?;
        Ok((room_id, pdu))
    }

    /// `sender` invites `target`, within rc_invites (per room, per invitee, per inviter).
    pub async fn invite(
        self: &std::sync::Arc<Self>,
        room_id: &str,
        sender: &str,
        target: &str,
        reason: Option<&str>,
    ) -> Result<Pdu, RoomError> {
        let limits = &self.config.rate_limits;
        for (kind, key, limit) in [
            (Kind::InviteRoom, room_id, limits.invites_per_room),
            (Kind::InviteUser, target, limits.invites_per_user),
            (Kind::InviteIssuer, sender, limits.invites_per_issuer),
        ] {
            self.limiter
                .check(kind, key, limit)
                .map_err(|r| RoomError::RateLimited(r.0))?;
        }
        // Another server's user is invited through their server, which co-signs the event.
        if let Ok(user) = ruma::UserId::parse(target)
            && !self.is_ours(user.server_name())
        {
            let content = self
                .membership_content(room_id, sender, target, "invite", reason, None)
                .await?;
            return self.invite_remote(room_id, sender, &user, content).await;
        }
        self.set_membership(room_id, sender, target, "invite", reason, None)
            .await
    }

    /// invite, leave (target == sender), kick (leave for someone else), ban, unban.
    pub async fn set_membership(
        &self,
        room_id: &str,
        sender: &str,
        target: &str,
        membership: &str,
        reason: Option<&str>,
        extra: Option<Value>,
    ) -> Result<Pdu, RoomError> {
        // Declining another server's invite goes through that server; a knock on another
        // server's room is withdrawn here.
        if membership == "leave" && sender == target && !self.server_in_room(room_id).await? {
            match db::membership(&self.db, target, room_id)
                .await?
                .map(|m| m.0)
                .as_deref()
            {
                Some("invite") => return self.leave_remote(room_id, target).await,
                Some("knock") => return self.rescind_remote_knock(room_id, target).await,
                _ => {}
            }
        }
        let content = self
            .membership_content(room_id, sender, target, membership, reason, extra)
            .await?;
        self.append(
            Some(room_id),
            None,
            sender,
            NewEvent::state("m.room.member", target, content),
            None,
        )
        .await
    }

    /// The content of a membership change, after the checks the room's rules do not make
    /// (the target is in the room to be kicked, not already joined or banned to be invited).
    async fn membership_content(
        &self,
        room_id: &str,
        sender: &str,
        target: &str,
        membership: &str,
        reason: Option<&str>,
        extra: Option<Value>,
    ) -> Result<Value, RoomError> {
        if ruma::UserId::parse(target).is_err() {
            return Err(RoomError::InvalidParam(format!(
                "Invalid user_id: {target}"
            )));
        }
        self.room_rules(room_id).await?;
        let mut content = if membership == "invite" || (membership == "join" && sender == target) {
            self.member_content(target, membership).await?
        } else {
            json!({"membership": membership})
        };
        if let Some(r) = reason {
            content["reason"] = json!(r);
        }
        if let (Some(Value::Object(extra)), Value::Object(c)) = (extra, &mut content) {
            for (k, v) in extra {
                c.entry(k).or_insert(v);
            }
        }
        // Unban and kick need the target to currently be banned / in the room.
        let current = db::membership(&self.db, target, room_id)
            .await?
            .map(|m| m.0);
        if membership == "leave" && sender != target {
            match current.as_deref() {
                Some("join") | Some("invite") | Some("knock") | Some("ban") => {}
                _ => return Err(RoomError::Forbidden(format!("{target} is not in the room"))),
            }
        }
        if membership == "invite" && current.as_deref() == Some("join") {
            return Err(RoomError::Forbidden(format!(
                "{target} is already in the room."
            )));
        }
        if membership == "invite" && current.as_deref() == Some("ban") {
            return Err(RoomError::Forbidden(format!(
                "{target} is banned from the room"
            )));
        }
        Ok(content)
    }
}
