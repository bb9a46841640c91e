//! The admin API's user management, as Synapse's admin handler does it: who is a server admin,
//! listing and showing users, creating or modifying one (password, profile, admin flag,
//! deactivation, user type), the admin flag alone, password resets, and `whois`. Never
//! imports axum; returns JSON values shaped like Synapse's responses.

use serde_json::{Value, json};

use super::Services;
use super::accounts::{self, AccountError, NewAccount};
use super::rooms::RoomError;
pub use crate::store::admin_users::UserQuery;
use crate::store::admin_users::{self as store, AdminUserRow};
use crate::store::{StoreError, accounts as account_store};

/// What an admin request can fail with; `api::admin::error` maps it to a Matrix error once.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// 400 with an errcode (Synapse's default is M_UNKNOWN).
    #[error("{1}")]
    BadRequest(&'static str, String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Room(#[from] RoomError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AdminError {
    pub fn bad(msg: impl Into<String>) -> Self {
        AdminError::BadRequest("M_UNKNOWN", msg.into())
    }
    pub fn bad_json(msg: impl Into<String>) -> Self {
        AdminError::BadRequest("M_BAD_JSON", msg.into())
    }
    pub fn invalid_param(msg: impl Into<String>) -> Self {
        AdminError::BadRequest("M_INVALID_PARAM", msg.into())
    }
}

/// User types Synapse knows (`UserTypes.ALL_USER_TYPES`).
pub const USER_TYPES: &[&str] = &["support", "bot"];

/// `order_by` values of the user list and the column each sorts on. Synapse's other values
/// (is_guest, shadow_banned, last_seen_ts, locked) are constant here, so they sort by name.
pub fn user_order_column(order_by: &str) -> Option<&'static str> {
    Some(match order_by {
        "name" | "is_guest" | "shadow_banned" | "last_seen_ts" | "locked" => "user_id",
        "displayname" => "displayname",
        "admin" => "admin",
        "deactivated" => "deactivated",
        "user_type" => "user_type",
        "avatar_url" => "avatar_url",
        "creation_ts" => "created_ts",
        _ => return None,
    })
}

/// The fields the user list shows (Synapse's `UserPaginateResponse`).
fn list_entry(u: &AdminUserRow) -> Value {
    json!({
        "name": u.user_id,
        "user_type": u.user_type,
        "is_guest": false,
        "admin": u.admin,
        "deactivated": u.deactivated,
        "shadow_banned": false,
        "displayname": u.displayname,
        "avatar_url": u.avatar_url,
        // Synapse keeps creation_ts in seconds.
        "creation_ts": u.created_ts / 1000,
        "erased": false,
        "last_seen_ts": Value::Null,
        "locked": false,
    })
}

/// The fields `GET /v2/users/{id}` shows (Synapse's `AdminHandler.get_user`).
fn details(u: &AdminUserRow) -> Value {
    json!({
        "name": u.user_id,
        "admin": u.admin,
        "deactivated": u.deactivated,
        "locked": false,
        "shadow_banned": false,
        "creation_ts": u.created_ts / 1000,
        "appservice_id": Value::Null,
        "consent_server_notice_sent": Value::Null,
        "consent_version": Value::Null,
        "consent_ts": Value::Null,
        "user_type": u.user_type,
        "is_guest": false,
        "suspended": false,
        "displayname": u.displayname,
        "avatar_url": u.avatar_url,
        "threepids": [],
        "external_ids": [],
        "erased": false,
        "last_seen_ts": Value::Null,
    })
}

impl Services {
    /// True when `user_id` is a server admin (users.admin = 1).
    pub async fn is_server_admin(&self, user_id: &str) -> Result<bool, AdminError> {
        Ok(account_store::get_user(&self.db, user_id)
            .await?
            .is_some_and(|u| u.admin))
    }

    /// A user id of this server; Synapse's 400s otherwise.
    pub fn local_user_id(&self, user_id: &str, not_local: &str) -> Result<String, AdminError> {
        let parsed = ruma::UserId::parse(user_id)
            .map_err(|_| AdminError::invalid_param(format!("Invalid user id: {user_id}")))?;
        if parsed.server_name().as_str() != self.config.server_name {
            return Err(AdminError::bad(not_local));
        }
        Ok(parsed.to_string())
    }

    /// `GET /_synapse/admin/v2/users`: one page of users as JSON, and the total.
    pub async fn admin_list_users(&self, q: &UserQuery) -> Result<(Vec<Value>, i64), AdminError> {
        let (rows, total) = store::list_users(&self.db, q).await?;
        Ok((rows.iter().map(list_entry).collect(), total))
    }

    /// `GET /_synapse/admin/v2/users/{id}`.
    pub async fn admin_user(&self, user_id: &str) -> Result<Option<Value>, AdminError> {
        Ok(store::get_user(&self.db, user_id)
            .await?
            .as_ref()
            .map(details))
    }

    /// `PUT /_synapse/admin/v2/users/{id}`: modifies an existing user or creates one.
    /// Returns whether the user was created, and the user's details afterwards.
    pub async fn admin_put_user(
        &self,
        requester: &str,
        user_id: &str,
        body: &Value,
    ) -> Result<(bool, Value), AdminError> {
        let user_type = match body.get("user_type") {
            None | Some(Value::Null) => None,
            Some(Value::String(t)) if USER_TYPES.contains(&t.as_str()) => Some(t.as_str()),
            Some(_) => return Err(AdminError::bad("Invalid user type")),
        };
        let set_admin = match body.get("admin") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(AdminError::bad_json(
                    "Param 'admin' must be a boolean, if given",
                ));
            }
        };
        let password = match body.get("password") {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) if p.chars().count() <= 512 => Some(p.as_str()),
            Some(_) => return Err(AdminError::bad("Invalid password")),
        };
        let logout_devices = match body.get("logout_devices") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(AdminError::bad(
                    "'logout_devices' parameter is not of type boolean",
                ));
            }
        };
        let deactivate = match body.get("deactivated") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(AdminError::bad(
                    "'deactivated' parameter is not of type boolean",
                ));
            }
        };
        let displayname = match body.get("displayname") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(d)) if d.chars().count() <= 256 => Some(Some(d.as_str())),
            Some(_) => return Err(AdminError::bad("Invalid displayname")),
        };
        let avatar_url = match body.get("avatar_url") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(a)) if a.len() <= 1000 => Some(Some(a.as_str())),
            Some(_) => return Err(AdminError::bad("Invalid avatar_url")),
        };

        let Some(existing) = store::get_user(&self.db, user_id).await? else {
            let localpart = user_id
                .trim_start_matches('@')
                .split(':')
                .next()
                .unwrap_or_default();
            let hash = match password {
                Some(p) => Some(accounts::hash_password(p.to_string()).await?),
                None => None,
            };
            let new = NewAccount {
                localpart,
                password: None,
                admin: set_admin,
                user_type,
                displayname: displayname.flatten(),
            };
            accounts::create_user(&self.db, &self.config.server_name, &new, hash.as_deref())
                .await?;
            if let Some(Some(url)) = avatar_url {
                account_store::set_avatar_url(&self.db, user_id, Some(url)).await?;
            }
            let created = self
                .admin_user(user_id)
                .await?
                .ok_or_else(|| AdminError::NotFound("User not found".into()))?;
            return Ok((true, created));
        };

        if let Some(name) = displayname {
            account_store::set_displayname(&self.db, user_id, name).await?;
        }
        if let Some(url) = avatar_url {
            account_store::set_avatar_url(&self.db, user_id, url).await?;
        }
        if body.get("admin").is_some() && set_admin != existing.admin {
            if user_id == requester && !set_admin {
                return Err(AdminError::bad("You may not demote yourself."));
            }
            store::set_admin(&self.db, user_id, set_admin).await?;
        }
        if let Some(p) = password {
            let hash = accounts::hash_password(p.to_string()).await?;
            self.admin_set_password(user_id, &hash, logout_devices)
                .await?;
        }
        if body.get("deactivated").is_some() {
            if deactivate && !existing.deactivated {
                self.deactivate(user_id).await?;
            } else if !deactivate && existing.deactivated {
                store::reactivate(&self.db, user_id).await?;
            }
        }
        if body.get("user_type").is_some() {
            store::set_user_type(&self.db, user_id, user_type).await?;
        }
        let user = self
            .admin_user(user_id)
            .await?
            .ok_or_else(|| AdminError::NotFound("User not found".into()))?;
        Ok((false, user))
    }

    /// Sets a password hash as an admin; with `logout_devices` every device of the user and
    /// its access token goes.
    async fn admin_set_password(
        &self,
        user_id: &str,
        hash: &str,
        logout_devices: bool,
    ) -> Result<(), AdminError> {
        account_store::set_password_hash(&self.db, user_id, Some(hash)).await?;
        if logout_devices {
            let ids = self.device_ids_except(user_id, None).await?;
            account_store::delete_all_devices(&self.db, user_id, None).await?;
            self.e2ee_devices_deleted(user_id, &ids).await?;
        }
        Ok(())
    }

    /// `POST /_synapse/admin/v1/reset_password/{id}`.
    pub async fn admin_reset_password(
        &self,
        user_id: &str,
        new_password: &str,
        logout_devices: bool,
    ) -> Result<(), AdminError> {
        if account_store::get_user(&self.db, user_id).await?.is_none() {
            return Err(AdminError::NotFound("User not found".into()));
        }
        let hash = accounts::hash_password(new_password.to_string()).await?;
        self.admin_set_password(user_id, &hash, logout_devices)
            .await
    }

    /// `PUT /_synapse/admin/v1/users/{id}/admin`.
    pub async fn admin_set_admin(
        &self,
        requester: &str,
        user_id: &str,
        admin: bool,
    ) -> Result<(), AdminError> {
        if user_id == requester && !admin {
            return Err(AdminError::bad("You may not demote yourself."));
        }
        store::set_admin(&self.db, user_id, admin).await?;
        Ok(())
    }

    /// `POST /_synapse/admin/v1/deactivate/{id}`: tokens revoked, rooms left.
    pub async fn admin_deactivate(&self, user_id: &str) -> Result<(), AdminError> {
        if account_store::get_user(&self.db, user_id).await?.is_none() {
            return Err(AdminError::NotFound("User not found".into()));
        }
        self.deactivate(user_id).await?;
        Ok(())
    }

    /// `GET /admin/whois/{id}`: devices → sessions → connections. matrixd does not record
    /// client addresses yet, so every device has one session without connections.
    pub async fn whois_devices(
        &self,
        user_id: &str,
    ) -> Result<serde_json::Map<String, Value>, AdminError> {
        let mut devices = serde_json::Map::new();
        for d in account_store::list_devices(&self.db, user_id).await? {
            devices.insert(d.device_id, json!({ "sessions": [{ "connections": [] }] }));
        }
        Ok(devices)
    }
}
