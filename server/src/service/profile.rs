//! Profiles: display name and avatar, the member events that carry a change into every
//! room the user has joined, and the user directory search over them.

use std::collections::HashSet;

use serde_json::Value;

use super::Services;
use super::federation::FederationError;
use super::rooms::{NewEvent, RoomError};
use crate::store::{accounts, rooms as db};

/// A profile field a user can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    DisplayName,
    AvatarUrl,
}

impl ProfileField {
    pub fn parse(name: &str) -> Option<ProfileField> {
        match name {
            "displayname" => Some(ProfileField::DisplayName),
            "avatar_url" => Some(ProfileField::AvatarUrl),
            _ => None,
        }
    }
}

/// Why a profile change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// A value that is not a string, or a field matrixd does not keep.
    #[error("{0}")]
    BadJson(String),
    /// A display name longer than Synapse allows.
    #[error("Display name is too long")]
    TooLong,
    #[error(transparent)]
    Room(#[from] RoomError),
}

/// The most bytes a display name may have, as in Synapse.
pub const MAX_DISPLAYNAME_BYTES: usize = 256;

impl Services {
    /// (display name, avatar URL) of a known user, `None` for an unknown one.
    pub async fn profile(
        &self,
        user_id: &str,
    ) -> Result<Option<(Option<String>, Option<String>)>, RoomError> {
        Ok(accounts::get_profile(&self.db, user_id).await?)
    }

    /// Anyone's profile, for the client API: ours from the database, another server's user's
    /// asked of that server (`/query/profile`, only `field` when given). `None`: no such
    /// profile (the other server said 404); it could not be asked: 502, as Synapse.
    pub async fn profile_of(
        &self,
        user_id: &ruma::UserId,
        field: Option<&str>,
    ) -> Result<Option<(Option<String>, Option<String>)>, RoomError> {
        use ruma::api::federation::query::get_profile_information::v1;
        if self.is_ours(user_id.server_name()) {
            return self.profile(user_id.as_str()).await;
        }
        let mut request = v1::Request::new(user_id.to_owned());
        request.field = field.map(Into::into);
        match self.federation_send(user_id.server_name(), request).await {
            Ok(answer) => {
                let text = |k: &str| answer.get(k).and_then(Value::as_str).map(String::from);
                Ok(Some((text("displayname"), text("avatar_url"))))
            }
            Err(FederationError::Status { status: 404, .. }) => Ok(None),
            Err(e) => {
                tracing::info!(error = %e, "a remote profile could not be fetched");
                Err(RoomError::BadGateway("Failed to fetch profile".into()))
            }
        }
    }

    /// A local user's profile for another server (`/query/profile`): both fields, or the one
    /// asked for, a field not set being `null`, as Synapse answers. A user of another server
    /// is refused (400), an unknown one is not found (404).
    pub async fn profile_for_server(
        &self,
        user_id: &ruma::UserId,
        field: Option<&str>,
    ) -> Result<Vec<(&'static str, Option<String>)>, RoomError> {
        if user_id.server_name().as_str() != self.config.server_name {
            return Err(RoomError::Refused(
                "User is not hosted on this homeserver".into(),
            ));
        }
        let Some((displayname, avatar_url)) = self.profile(user_id.as_str()).await? else {
            return Err(RoomError::NotFound("Profile was not found".into()));
        };
        let mut out = Vec::new();
        if field.is_none_or(|f| f == "displayname") {
            out.push(("displayname", displayname));
        }
        if field.is_none_or(|f| f == "avatar_url") {
            out.push(("avatar_url", avatar_url));
        }
        Ok(out)
    }

    /// Sets the field named `field` from a request body's value as sent: a string sets it
    /// (a display name within MAX_DISPLAYNAME_BYTES), absent or `null` clears it.
    pub async fn set_profile_field_from(
        &self,
        user_id: &str,
        field: &str,
        value: Option<&Value>,
    ) -> Result<(), ProfileError> {
        let value = match value {
            None | Some(Value::Null) => None,
            Some(Value::String(v)) if v.len() <= MAX_DISPLAYNAME_BYTES || field == "avatar_url" => {
                Some(v.as_str())
            }
            Some(Value::String(_)) => return Err(ProfileError::TooLong),
            Some(_) => return Err(ProfileError::BadJson(format!("{field} must be a string"))),
        };
        let field = ProfileField::parse(field)
            .ok_or_else(|| ProfileError::BadJson(format!("Unknown profile field {field}")))?;
        Ok(self.set_profile_field(user_id, field, value).await?)
    }

    /// Sets (or clears) one field, then sends the new member event into every joined room;
    /// a room where that fails is logged and skipped, as in Synapse.
    pub async fn set_profile_field(
        &self,
        user_id: &str,
        field: ProfileField,
        value: Option<&str>,
    ) -> Result<(), RoomError> {
        match field {
            ProfileField::DisplayName => {
                accounts::set_displayname(&self.db, user_id, value).await?
            }
            ProfileField::AvatarUrl => accounts::set_avatar_url(&self.db, user_id, value).await?,
        }
        for (room_id, membership, _, _) in db::memberships_of(&self.db, user_id).await? {
            if membership != "join" {
                continue;
            }
            let content: Value = self.member_content(user_id, "join").await?;
            if let Err(e) = self
                .append(
                    Some(&room_id),
                    None,
                    user_id,
                    NewEvent::state("m.room.member", user_id, content),
                    None,
                )
                .await
            {
                tracing::warn!(room_id, error = %e, "could not update the member event after a profile change");
            }
        }
        Ok(())
    }
    /// The user directory search: users who share a room with `user_id` or are in a public
    /// room, whose id or display name contains `term` (lowercase), sorted by user id, as
    /// (user id, display name, avatar URL).
    #[allow(clippy::type_complexity)]
    pub async fn search_users(
        &self,
        user_id: &str,
        term: &str,
    ) -> Result<Vec<(String, Option<String>, Option<String>)>, RoomError> {
        let mut visible: HashSet<String> = self.users_sharing_rooms(user_id).await?;
        for room_id in db::public_rooms(&self.db).await? {
            visible.extend(db::members_with(&self.db, &room_id, "join").await?);
        }
        let mut users: Vec<String> = visible.into_iter().collect();
        users.sort();
        let mut results = Vec::new();
        for user_id in users {
            let Some((name, avatar)) = accounts::get_profile(&self.db, &user_id).await? else {
                continue;
            };
            let hit = user_id.to_lowercase().contains(term)
                || name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(term));
            if hit {
                results.push((user_id, name, avatar));
            }
        }
        Ok(results)
    }
}
