//! createRoom: the events Synapse sends for a new room, in its order — create, the creator's
//! join, power levels, canonical alias, join rules, history visibility, guest access, the
//! client's initial_state, name, topic — then the invites. Presets and power levels as Synapse.

use rand::RngExt as _;
use serde_json::{Map, Value, json};

use super::{
    DEFAULT_ROOM_VERSION, MAX_PDU_BYTES, NewEvent, RoomError, check_field_sizes, rules_for,
};
use crate::service::Services;
use crate::store::{accounts, rooms as db};

#[derive(Debug, Default, Clone)]
pub struct CreateRoom {
    pub visibility_public: bool,
    pub preset: Option<String>,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub room_alias_name: Option<String>,
    pub invite: Vec<String>,
    pub is_direct: bool,
    /// (type, state_key, content)
    pub initial_state: Vec<(String, String, Value)>,
    pub creation_content: Map<String, Value>,
    pub power_level_content_override: Map<String, Value>,
    pub room_version: Option<String>,
}

struct Preset {
    join_rule: &'static str,
    history_visibility: &'static str,
    original_invitees_have_ops: bool,
    guest_can_join: bool,
    power_override: Value,
}

fn preset(name: &str) -> Option<Preset> {
    Some(match name {
        "private_chat" => Preset {
            join_rule: "invite",
            history_visibility: "shared",
            original_invitees_have_ops: false,
            guest_can_join: true,
            power_override: json!({"invite": 0}),
        },
        "trusted_private_chat" => Preset {
            join_rule: "invite",
            history_visibility: "shared",
            original_invitees_have_ops: true,
            guest_can_join: true,
            power_override: json!({"invite": 0}),
        },
        "public_chat" => Preset {
            join_rule: "public",
            history_visibility: "shared",
            original_invitees_have_ops: false,
            guest_can_join: false,
            power_override: json!({"events": {"m.call.invite": 50}}),
        },
        _ => return None,
    })
}

fn deep_merge(base: &mut Map<String, Value>, over: &Map<String, Value>) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(Value::Object(b)), Value::Object(o)) => deep_merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

impl Services {
    /// The content of a member event for `user_id` with their current profile.
    pub async fn member_content(
        &self,
        user_id: &str,
        membership: &str,
    ) -> Result<Value, RoomError> {
        let mut c = json!({"membership": membership});
        if let Some((name, avatar)) = accounts::get_profile(&self.db, user_id).await? {
            if let Some(n) = name {
                c["displayname"] = json!(n);
            }
            if let Some(a) = avatar {
                c["avatar_url"] = json!(a);
            }
        }
        Ok(c)
    }

    pub async fn create_room(
        self: &std::sync::Arc<Self>,
        creator: &str,
        req: CreateRoom,
    ) -> Result<String, RoomError> {
        let version_str = req
            .room_version
            .clone()
            .unwrap_or_else(|| DEFAULT_ROOM_VERSION.to_string());
        let (version, rules) = rules_for(&version_str)?;
        let preset_name = req.preset.clone().unwrap_or_else(|| {
            if req.visibility_public {
                "public_chat".into()
            } else {
                "private_chat".into()
            }
        });
        let preset = preset(&preset_name)
            .ok_or_else(|| RoomError::BadEvent(format!("'{preset_name}' is not a valid preset")))?;
        let server = self.config.server_name.clone();

        let alias = match &req.room_alias_name {
            Some(local) => {
                if local.is_empty() || local.contains(':') || local.contains(char::is_whitespace) {
                    return Err(RoomError::InvalidParam(
                        "Invalid characters in room alias".into(),
                    ));
                }
                let alias = format!("#{local}:{server}");
                if ruma::RoomAliasId::parse(&alias).is_err() {
                    return Err(RoomError::InvalidParam("Invalid room alias".into()));
                }
                if db::alias_room(&self.db, &alias).await?.is_some() {
                    return Err(RoomError::AliasInUse(alias));
                }
                Some(alias)
            }
            None => None,
        };
        for u in &req.invite {
            if ruma::UserId::parse(u).is_err() {
                return Err(RoomError::InvalidParam(format!("Invalid user_id: {u}")));
            }
        }
        // Refuse what some event of the room would be refused for before sending any of them.
        let too_large = |what: &str, v: &Value| match v.to_string().len() > MAX_PDU_BYTES {
            true => Err(RoomError::TooLarge(format!(
                "{what} is larger than {MAX_PDU_BYTES} bytes"
            ))),
            false => Ok(()),
        };
        for (kind, state_key, content) in &req.initial_state {
            check_field_sizes(
                &NewEvent::state(kind, state_key, Value::Null),
                creator,
                None,
            )?;
            too_large("an initial_state event's content", content)?;
        }
        too_large(
            "creation_content",
            &Value::Object(req.creation_content.clone()),
        )?;
        too_large(
            "power_level_content_override",
            &Value::Object(req.power_level_content_override.clone()),
        )?;
        for text in [&req.name, &req.topic].into_iter().flatten() {
            too_large("the room name or topic", &json!(text))?;
        }

        // 1. m.room.create
        let mut create = req.creation_content.clone();
        create.insert("room_version".into(), json!(version_str));
        if !rules.authorization.use_room_create_sender {
            create.insert("creator".into(), json!(creator));
        }
        let creators_privileged = rules.authorization.explicitly_privilege_room_creators;
        if creators_privileged && preset_name == "trusted_private_chat" && !req.invite.is_empty() {
            let mut extra: Vec<String> = create
                .get("additional_creators")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            for i in &req.invite {
                if !extra.contains(i) {
                    extra.push(i.clone());
                }
            }
            create.insert("additional_creators".into(), json!(extra));
        }
        let create_event = NewEvent::state("m.room.create", "", Value::Object(create));
        let room_id = if rules.authorization.room_create_event_id_as_room_id {
            let pdu = self
                .append(None, Some(&version), creator, create_event, None)
                .await?;
            format!("!{}", &pdu.event_id.as_str()[1..])
        } else {
            let local: String = {
                let mut rng = rand::rng();
                (0..18)
                    .map(|_| (b'a' + rng.random_range(0..26u8)) as char)
                    .collect()
            };
            let room_id = format!("!{local}:{server}");
            self.append(Some(&room_id), Some(&version), creator, create_event, None)
                .await?;
            room_id
        };
        let rid = Some(room_id.as_str());

        // 2. the creator joins
        let join = self.member_content(creator, "join").await?;
        self.append(
            rid,
            None,
            creator,
            NewEvent::state("m.room.member", creator, join),
            None,
        )
        .await?;

        // 3. power levels (unless the client sent its own in initial_state)
        let own_pl = req
            .initial_state
            .iter()
            .find(|(t, sk, _)| t == "m.room.power_levels" && sk.is_empty())
            .map(|(_, _, c)| c.clone());
        let pl = match own_pl {
            Some(c) => c,
            None => {
                let mut users = Map::new();
                if !creators_privileged {
                    users.insert(creator.into(), json!(100));
                    if preset.original_invitees_have_ops {
                        for i in &req.invite {
                            users.insert(i.clone(), json!(100));
                        }
                    }
                }
                let mut pl = json!({
                    "users": users,
                    "users_default": 0,
                    "events": {
                        "m.room.name": 50,
                        "m.room.power_levels": 100,
                        "m.room.history_visibility": 100,
                        "m.room.canonical_alias": 50,
                        "m.room.avatar": 50,
                        "m.room.tombstone": if creators_privileged { 150 } else { 100 },
                        "m.room.server_acl": 100,
                        "m.room.encryption": 100,
                    },
                    "events_default": 0,
                    "state_default": 50,
                    "ban": 50,
                    "kick": 50,
                    "redact": 50,
                    "invite": 50,
                    "historical": 100,
                });
                let pl_map = pl.as_object_mut().expect("object");
                if let Value::Object(o) = &preset.power_override {
                    deep_merge(pl_map, o);
                }
                for (k, v) in &req.power_level_content_override {
                    pl_map.insert(k.clone(), v.clone());
                }
                pl
            }
        };
        self.append(
            rid,
            None,
            creator,
            NewEvent::state("m.room.power_levels", "", pl),
            None,
        )
        .await?;

        let has = |t: &str| {
            req.initial_state
                .iter()
                .any(|(k, sk, _)| k == t && sk.is_empty())
        };
        if let Some(a) = &alias
            && !has("m.room.canonical_alias")
        {
            self.append(
                rid,
                None,
                creator,
                NewEvent::state("m.room.canonical_alias", "", json!({"alias": a})),
                None,
            )
            .await?;
        }
        if !has("m.room.join_rules") {
            self.append(
                rid,
                None,
                creator,
                NewEvent::state(
                    "m.room.join_rules",
                    "",
                    json!({"join_rule": preset.join_rule}),
                ),
                None,
            )
            .await?;
        }
        if !has("m.room.history_visibility") {
            let c = json!({"history_visibility": preset.history_visibility});
            self.append(
                rid,
                None,
                creator,
                NewEvent::state("m.room.history_visibility", "", c),
                None,
            )
            .await?;
        }
        if preset.guest_can_join && !has("m.room.guest_access") {
            self.append(
                rid,
                None,
                creator,
                NewEvent::state(
                    "m.room.guest_access",
                    "",
                    json!({"guest_access": "can_join"}),
                ),
                None,
            )
            .await?;
        }
        for (t, sk, c) in &req.initial_state {
            if t == "m.room.power_levels" && sk.is_empty() {
                continue;
            }
            self.append(rid, None, creator, NewEvent::state(t, sk, c.clone()), None)
                .await?;
        }
        if let Some(name) = &req.name {
            self.append(
                rid,
                None,
                creator,
                NewEvent::state("m.room.name", "", json!({"name": name})),
                None,
            )
            .await?;
        }
        if let Some(topic) = &req.topic {
            let c = json!({"topic": topic, "m.topic": {"m.text": [{"body": topic}]}});
            self.append(
                rid,
                None,
                creator,
                NewEvent::state("m.room.topic", "", c),
                None,
            )
            .await?;
        }
        if let Some(a) = &alias {
            db::set_alias(&self.db, a, &room_id, creator).await?;
        }
        if req.visibility_public {
            db::set_public(&self.db, &room_id, true).await?;
        }
        for invitee in &req.invite {
            let mut c = self.member_content(invitee, "invite").await?;
            if req.is_direct {
                c["is_direct"] = json!(true);
            }
            // Another server's user is invited through their server, as /invite does.
            if let Ok(user) = ruma::UserId::parse(invitee)
                && !self.is_ours(user.server_name())
            {
                self.invite_remote(&room_id, creator, &user, c).await?;
                continue;
            }
            self.append(
                rid,
                None,
                creator,
                NewEvent::state("m.room.member", invitee, c),
                None,
            )
            .await?;
        }
        Ok(room_id)
    }
}
