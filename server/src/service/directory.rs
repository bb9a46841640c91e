//! The room directory: aliases (local ones created, resolved and deleted, another server's
//! asked of it with /query/directory; the aliases of a room) and the public room list with
//! its visibility flag per room.

use serde_json::{Value, json};

use super::Services;
use super::federation::FederationError;
use super::rooms::RoomError;
use crate::store::{accounts, rooms as db};

impl Services {
    fn local_alias(&self, alias: &str) -> Result<(), RoomError> {
        let parsed = ruma::RoomAliasId::parse(alias)
            .map_err(|_| RoomError::InvalidParam(format!("{alias} is not a valid room alias")))?;
        if parsed.server_name().as_str() != self.config.server_name {
            return Err(RoomError::InvalidParam("Room alias must be local".into()));
        }
        Ok(())
    }

    /// PUT /directory/room/{alias}: members may name a room with a new local alias.
    pub async fn create_alias(
        &self,
        user_id: &str,
        alias: &str,
        room_id: &str,
    ) -> Result<(), RoomError> {
        self.local_alias(alias)?;
        self.room_rules(room_id).await?;
        match db::membership(&self.db, user_id, room_id).await? {
            Some((m, _)) if m == "join" => {}
            _ => {
                return Err(RoomError::Forbidden(
                    "You must be in the room to create an alias for it".into(),
                ));
            }
        }
        if !db::set_alias(&self.db, alias, room_id, user_id).await? {
            return Err(RoomError::Conflict(format!(
                "Room alias {alias} already exists"
            )));
        }
        Ok(())
    }

    /// GET /directory/room/{alias}: the room id and the servers that know it. Another
    /// server's alias is asked of that server (`/query/directory`); a 404 there is not found
    /// here, any other failure 502, as Synapse.
    pub async fn alias_target(&self, alias: &str) -> Result<(String, Vec<String>), RoomError> {
        use ruma::api::federation::query::get_room_information::v1;
        let parsed = ruma::RoomAliasId::parse(alias)
            .map_err(|_| RoomError::InvalidParam(format!("{alias} is not a valid room alias")))?;
        if !self.is_ours(parsed.server_name()) {
            let request = v1::Request::new(parsed.clone());
            return match self.federation_send(parsed.server_name(), request).await {
                Ok(answer) => Ok((
                    answer.room_id.to_string(),
                    answer.servers.iter().map(ToString::to_string).collect(),
                )),
                Err(FederationError::Status { status: 404, .. }) => {
                    Err(RoomError::NotFound(format!("Room alias {alias} not found")))
                }
                Err(e) => {
                    tracing::info!(error = %e, "a remote alias could not be resolved");
                    Err(RoomError::BadGateway(format!(
                        "Failed to query {} for room alias {alias}",
                        parsed.server_name()
                    )))
                }
            };
        }
        match db::alias_room(&self.db, alias).await? {
            Some((room_id, _)) => Ok((room_id, vec![self.config.server_name.clone()])),
            None => Err(RoomError::NotFound(format!("Room alias {alias} not found"))),
        }
    }

    /// `/query/directory` from another server: the room one of our aliases names, and the
    /// servers to join it through. An alias of another server is refused (400), as Synapse.
    pub async fn alias_for_server(
        &self,
        alias: &ruma::RoomAliasId,
    ) -> Result<(String, Vec<String>), RoomError> {
        if alias.server_name().as_str() != self.config.server_name {
            return Err(RoomError::Refused(
                "Room Alias is not hosted on this homeserver".into(),
            ));
        }
        self.alias_target(alias.as_str()).await
    }

    /// DELETE /directory/room/{alias}: by its creator, a server admin, or whoever may change
    /// the room's canonical alias.
    pub async fn delete_alias(&self, user_id: &str, alias: &str) -> Result<(), RoomError> {
        self.local_alias(alias)?;
        let Some((room_id, creator)) = db::alias_room(&self.db, alias).await? else {
            return Err(RoomError::NotFound(format!("Room alias {alias} not found")));
        };
        let admin = accounts::get_user(&self.db, user_id)
            .await?
            .is_some_and(|u| u.admin);
        if creator != user_id
            && !admin
            && !self
                .has_power(
                    &room_id,
                    user_id,
                    "state_default",
                    Some("m.room.canonical_alias"),
                )
                .await?
        {
            return Err(RoomError::Forbidden(
                "You don't have permission to delete the alias.".into(),
            ));
        }
        db::delete_alias(&self.db, alias).await?;
        Ok(())
    }

    /// GET /rooms/{roomId}/aliases: for those who may see the room.
    pub async fn room_aliases(
        &self,
        user_id: &str,
        room_id: &str,
    ) -> Result<Vec<String>, RoomError> {
        self.visible_until(user_id, room_id).await?;
        Ok(db::aliases_of(&self.db, room_id).await?)
    }

    /// GET /directory/list/room/{roomId}: whether the room is in the public list.
    pub async fn room_is_public(&self, room_id: &str) -> Result<bool, RoomError> {
        db::is_public(&self.db, room_id)
            .await?
            .ok_or_else(|| RoomError::NotFound("Unknown room".into()))
    }

    /// PUT /directory/list/room/{roomId}: moderators (whoever may change the canonical
    /// alias) put a room in the public list or take it out.
    pub async fn set_room_public(
        &self,
        user_id: &str,
        room_id: &str,
        public: bool,
    ) -> Result<(), RoomError> {
        self.room_rules(room_id).await?;
        if !self
            .has_power(
                room_id,
                user_id,
                "state_default",
                Some("m.room.canonical_alias"),
            )
            .await?
        {
            return Err(RoomError::Forbidden(
                "This server requires you to be a moderator in the room to edit its room list entry".into(),
            ));
        }
        db::set_public(&self.db, room_id, public).await?;
        Ok(())
    }

    /// One room of the public room list: its summary without what only the hierarchy and
    /// room summaries carry (encryption, room version).
    async fn directory_entry(&self, room_id: &str) -> Result<Value, RoomError> {
        let room_id = ruma::RoomId::parse(room_id)
            .map_err(|_| RoomError::InvalidParam(format!("{room_id} is not a room id")))?;
        let mut e = serde_json::to_value(self.local_summary(&room_id).await?)
            .map_err(|e| RoomError::BadEvent(e.to_string()))?;
        if let Value::Object(m) = &mut e {
            for key in ["encryption", "room_version", "allowed_room_ids"] {
                m.remove(key);
            }
            // ruma leaves out the default ("public"); Synapse's list always says it.
            m.entry("join_rule").or_insert_with(|| json!("public"));
        }
        Ok(e)
    }

    /// The public room list (GET and POST /publicRooms): `limit` rooms after the `since`
    /// token, largest first, optionally those whose name, topic or alias contain `term`.
    /// The public room list of `server`: ours, or asked of that server over federation
    /// (`?server=` on the client API); 502 when it cannot be asked.
    pub async fn public_rooms_of(
        &self,
        server: Option<&ruma::ServerName>,
        limit: Option<usize>,
        since: Option<&str>,
        term: Option<&str>,
    ) -> Result<Value, RoomError> {
        use ruma::api::federation::directory::get_public_rooms_filtered::v1;
        let Some(server) = server.filter(|s| !self.is_ours(s)) else {
            return self.public_rooms(limit, since, term).await;
        };
        let mut request = v1::Request::new();
        request.limit = limit.and_then(|l| ruma::UInt::try_from(l).ok());
        request.since = since.map(String::from);
        request.filter.generic_search_term = term.map(String::from);
        match self.federation_send(server, request).await {
            Ok(answer) => {
                let mut body = json!({"chunk": answer.chunk});
                for (key, value) in [
                    ("next_batch", answer.next_batch.map(Value::from)),
                    ("prev_batch", answer.prev_batch.map(Value::from)),
                    (
                        "total_room_count_estimate",
                        answer.total_room_count_estimate.map(|n| json!(n)),
                    ),
                ] {
                    if let Some(v) = value {
                        body[key] = v;
                    }
                }
                Ok(body)
            }
            Err(e) => {
                tracing::info!(%server, error = %e, "a remote room directory could not be read");
                Err(RoomError::BadGateway(format!(
                    "Failed to fetch the room directory of {server}"
                )))
            }
        }
    }

    /// Our public room list for another server: only when allow_public_rooms_over_federation
    /// is set (403 otherwise, as Synapse).
    pub async fn public_rooms_for_server(
        &self,
        limit: Option<usize>,
        since: Option<&str>,
        term: Option<&str>,
    ) -> Result<Value, RoomError> {
        if !self.config.allow_public_rooms_over_federation {
            return Err(RoomError::Forbidden(format!(
                "You are not allowed to view the public rooms list of {}",
                self.config.server_name
            )));
        }
        self.public_rooms(limit, since, term).await
    }

    pub async fn public_rooms(
        &self,
        limit: Option<usize>,
        since: Option<&str>,
        term: Option<&str>,
    ) -> Result<Value, RoomError> {
        let mut rooms = Vec::new();
        for room_id in db::public_rooms(&self.db).await? {
            let e = self.directory_entry(&room_id).await?;
            if let Some(t) = term.map(str::to_lowercase).filter(|t| !t.is_empty()) {
                let hay = ["name", "topic", "canonical_alias"]
                    .iter()
                    .filter_map(|k| e[*k].as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase();
                if !hay.contains(&t) {
                    continue;
                }
            }
            rooms.push(e);
        }
        // Largest rooms first, as Synapse lists them.
        rooms.sort_by(|a, b| {
            b["num_joined_members"]
                .as_u64()
                .cmp(&a["num_joined_members"].as_u64())
                .then(a["room_id"].as_str().cmp(&b["room_id"].as_str()))
        });
        let total = rooms.len();
        let offset = match since {
            Some(s) => s
                .strip_prefix('o')
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| RoomError::InvalidParam("Invalid since token".into()))?,
            None => 0,
        };
        let limit = limit.unwrap_or(total.max(1));
        let chunk: Vec<Value> = rooms.into_iter().skip(offset).take(limit).collect();
        let mut body = json!({ "chunk": chunk, "total_room_count_estimate": total });
        if offset.saturating_add(limit) < total {
            body["next_batch"] = json!(format!("o{}", offset.saturating_add(limit)));
        }
        if offset > 0 {
            body["prev_batch"] = json!(format!("o{}", offset.saturating_sub(limit)));
        }
        Ok(body)
    }
}
