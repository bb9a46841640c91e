//! Server-side room key backup: versions (/room_keys/version) and the opaque, client-encrypted
//! session keys in them (/room_keys/keys). Only the latest version takes uploads; a key is
//! replaced only by a better one (verified, earlier first message, fewer forwards), and every
//! change bumps the version's etag — as Synapse does.

use serde_json::{Map, Value, json};

use super::{E2eeError, Result};
use crate::service::Services;
use crate::store::e2ee::{self as db, RoomKeyRow};

/// Which keys a /room_keys/keys request addresses: all, one room's, or one session's.
#[derive(Debug, Clone, Default)]
pub struct RoomKeysPath {
    pub room_id: Option<String>,
    pub session_id: Option<String>,
}

fn unknown_version() -> E2eeError {
    E2eeError::NotFound("Unknown backup version".into())
}

/// Our versions are integers: anything else does not exist.
fn parse_version(v: &str) -> Option<i64> {
    v.parse().ok()
}

fn key_json(k: &RoomKeyRow) -> Value {
    json!({
        "first_message_index": k.first_message_index,
        "forwarded_count": k.forwarded_count,
        "is_verified": k.is_verified,
        "session_data": serde_json::from_str::<Value>(&k.session_data).unwrap_or(Value::String(k.session_data.clone())),
    })
}

fn parse_key(room_id: &str, session_id: &str, v: &Value) -> Result<RoomKeyRow> {
    let Some(is_verified) = v.get("is_verified").and_then(Value::as_bool) else {
        return Err(E2eeError::InvalidParam(format!(
            "is_verified must be a boolean in keys for session {session_id} in room {room_id}"
        )));
    };
    let int = |f: &str| {
        v.get(f)
            .and_then(Value::as_i64)
            .ok_or_else(|| E2eeError::InvalidParam(format!("{f} must be an integer")))
    };
    let session_data = v
        .get("session_data")
        .ok_or_else(|| E2eeError::MissingParam("Missing param: session_data".into()))?;
    Ok(RoomKeyRow {
        room_id: room_id.to_string(),
        session_id: session_id.to_string(),
        first_message_index: int("first_message_index")?,
        forwarded_count: int("forwarded_count")?,
        is_verified,
        session_data: session_data.to_string(),
    })
}

/// Synapse's `_should_replace_room_key`.
fn better(new: &RoomKeyRow, old: &RoomKeyRow) -> bool {
    (new.is_verified && !old.is_verified)
        || new.first_message_index < old.first_message_index
        || new.forwarded_count < old.forwarded_count
}

impl Services {
    /// POST /room_keys/version: the new version's number.
    pub async fn create_backup_version(&self, user_id: &str, body: &Value) -> Result<String> {
        let algorithm = body
            .get("algorithm")
            .and_then(Value::as_str)
            .ok_or_else(|| E2eeError::MissingParam("Missing param: algorithm".into()))?;
        let auth_data = body
            .get("auth_data")
            .ok_or_else(|| E2eeError::MissingParam("Missing param: auth_data".into()))?;
        Ok(
            db::create_backup_version(&self.db, user_id, algorithm, &auth_data.to_string())
                .await?
                .to_string(),
        )
    }

    /// GET /room_keys/version[/{version}]: the latest or a given version, with etag and count.
    pub async fn backup_version_info(&self, user_id: &str, version: Option<&str>) -> Result<Value> {
        let wanted = match version {
            Some(v) => Some(
                parse_version(v).ok_or_else(|| E2eeError::NotFound("No backup found".into()))?,
            ),
            None => None,
        };
        let Some((v, algorithm, auth_data, etag)) =
            db::get_backup_version(&self.db, user_id, wanted).await?
        else {
            return Err(E2eeError::NotFound("No backup found".into()));
        };
        Ok(json!({
            "version": v.to_string(),
            "algorithm": algorithm,
            "auth_data": serde_json::from_str::<Value>(&auth_data).unwrap_or(Value::Null),
            "etag": etag.to_string(),
            "count": db::count_room_keys(&self.db, user_id, v).await?,
        }))
    }

    /// PUT /room_keys/version/{version}: new auth_data for an existing version.
    pub async fn update_backup_version(
        &self,
        user_id: &str,
        version: &str,
        body: &Value,
    ) -> Result<()> {
        if body
            .get("version")
            .is_some_and(|v| v.as_str() != Some(version))
        {
            return Err(E2eeError::InvalidParam(
                "Version in body does not match".into(),
            ));
        }
        let v = parse_version(version).ok_or_else(unknown_version)?;
        let Some((_, algorithm, _, _)) = db::get_backup_version(&self.db, user_id, Some(v)).await?
        else {
            return Err(unknown_version());
        };
        if body.get("algorithm").and_then(Value::as_str) != Some(algorithm.as_str()) {
            return Err(E2eeError::InvalidParam("Algorithm does not match".into()));
        }
        let auth_data = body
            .get("auth_data")
            .ok_or_else(|| E2eeError::MissingParam("Missing param: auth_data".into()))?;
        db::update_backup_auth_data(&self.db, user_id, v, &auth_data.to_string()).await?;
        Ok(())
    }

    /// DELETE /room_keys/version/{version}: the version and its keys go.
    pub async fn delete_backup_version(&self, user_id: &str, version: &str) -> Result<()> {
        let v = parse_version(version).ok_or_else(unknown_version)?;
        if !db::delete_backup_version(&self.db, user_id, v).await? {
            return Err(unknown_version());
        }
        Ok(())
    }

    /// PUT /room_keys/keys[/{roomId}[/{sessionId}]]: merges keys into the current version.
    pub async fn put_room_keys(
        &self,
        user_id: &str,
        version: &str,
        path: &RoomKeysPath,
        body: Value,
    ) -> Result<Value> {
        let body = match (&path.room_id, &path.session_id) {
            (Some(r), Some(s)) => json!({"rooms": {r: {"sessions": {s: body}}}}),
            (Some(r), None) => json!({"rooms": {r: body}}),
            _ => body,
        };
        let not_found = || E2eeError::NotFound(format!("Version '{version}' not found"));
        let Some((current, ..)) = db::get_backup_version(&self.db, user_id, None).await? else {
            return Err(not_found());
        };
        if Some(current) != parse_version(version) {
            return match parse_version(version) {
                Some(v)
                    if db::get_backup_version(&self.db, user_id, Some(v))
                        .await?
                        .is_some() =>
                {
                    Err(E2eeError::WrongRoomKeysVersion {
                        current_version: current.to_string(),
                    })
                }
                _ => Err(not_found()),
            };
        }
        let rooms = body
            .get("rooms")
            .and_then(Value::as_object)
            .ok_or_else(|| E2eeError::BadJson("rooms must be an object".into()))?;
        let mut new = Vec::new();
        for (room_id, room) in rooms {
            let sessions = room
                .get("sessions")
                .and_then(Value::as_object)
                .ok_or_else(|| E2eeError::BadJson("sessions must be an object".into()))?;
            for (session_id, key) in sessions {
                new.push(parse_key(room_id, session_id, key)?);
            }
        }
        let mut changed = false;
        for k in &new {
            let old = db::get_room_keys(
                &self.db,
                user_id,
                current,
                Some(&k.room_id),
                Some(&k.session_id),
            )
            .await?;
            if old.first().is_none_or(|o| better(k, o)) {
                db::put_room_key(&self.db, user_id, current, k).await?;
                changed = true;
            }
        }
        if changed {
            db::bump_backup_etag(&self.db, user_id, current).await?;
        }
        self.backup_etag_and_count(user_id, current).await
    }

    async fn backup_etag_and_count(&self, user_id: &str, version: i64) -> Result<Value> {
        let etag = db::get_backup_version(&self.db, user_id, Some(version))
            .await?
            .map(|r| r.3)
            .unwrap_or(0);
        Ok(
            json!({"etag": etag.to_string(), "count": db::count_room_keys(&self.db, user_id, version).await?}),
        )
    }

    /// GET /room_keys/keys[/{roomId}[/{sessionId}]].
    pub async fn get_room_keys(
        &self,
        user_id: &str,
        version: &str,
        path: &RoomKeysPath,
    ) -> Result<Value> {
        let v = parse_version(version).ok_or_else(unknown_version)?;
        if db::get_backup_version(&self.db, user_id, Some(v))
            .await?
            .is_none()
        {
            return Err(unknown_version());
        }
        let keys = db::get_room_keys(
            &self.db,
            user_id,
            v,
            path.room_id.as_deref(),
            path.session_id.as_deref(),
        )
        .await?;
        if path.session_id.is_some() {
            return keys
                .first()
                .map(key_json)
                .ok_or_else(|| E2eeError::NotFound("No room_keys found".into()));
        }
        let mut rooms: Map<String, Value> = Map::new();
        for k in &keys {
            let room = rooms
                .entry(k.room_id.clone())
                .or_insert_with(|| json!({"sessions": {}}));
            room["sessions"][&k.session_id] = key_json(k);
        }
        match &path.room_id {
            Some(r) => Ok(rooms.remove(r).unwrap_or_else(|| json!({"sessions": {}}))),
            None => Ok(json!({"rooms": rooms})),
        }
    }

    /// DELETE /room_keys/keys[/{roomId}[/{sessionId}]].
    pub async fn delete_room_keys(
        &self,
        user_id: &str,
        version: &str,
        path: &RoomKeysPath,
    ) -> Result<Value> {
        let v = parse_version(version).ok_or_else(unknown_version)?;
        if db::get_backup_version(&self.db, user_id, Some(v))
            .await?
            .is_none()
        {
            return Err(unknown_version());
        }
        db::delete_room_keys(
            &self.db,
            user_id,
            v,
            path.room_id.as_deref(),
            path.session_id.as_deref(),
        )
        .await?;
        db::bump_backup_etag(&self.db, user_id, v).await?;
        self.backup_etag_and_count(user_id, v).await
    }
}
