//! What a logged-in user does to their own account: log out (one device or all), change the
//! password, deactivate, list, rename and delete devices. The re-authentication these need is
//! `service::uia`: the `*_with_uia` methods run one round of it (with the password, as
//! Synapse) and then the change. Never imports axum.

use serde_json::Value;

use super::Services;
use super::accounts::{self, AccountError};
use super::uia::{self, UiaError, UiaRequest, data};
use crate::store::{accounts as store, rooms as room_store};

/// Synapse's limit on passwords.
pub const MAX_PASSWORD_LEN: usize = 512;

/// Synapse's `MAX_DEVICE_DISPLAY_NAME_LEN`.
pub const MAX_DEVICE_DISPLAY_NAME_LEN: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("Not found")]
    NotFound,
    #[error("Device display name is too long (max {MAX_DEVICE_DISPLAY_NAME_LEN})")]
    NameTooLong,
    #[error(transparent)]
    Account(#[from] AccountError),
}

/// One UIA round with the user's password, bound to `endpoint` (method and path).
fn password_uia<'a>(endpoint: &'a str, user_id: &'a str, body: Value) -> UiaRequest<'a> {
    UiaRequest {
        endpoint,
        user_id: Some(user_id),
        flows: vec![vec![uia::PASSWORD]],
        body,
    }
}

impl Services {
    /// `POST /logout`: the device and its access token go, with its keys and to-device inbox
    /// (as in Synapse, so a later login under the same device id starts clean).
    pub async fn logout(&self, user_id: &str, device_id: &str) -> Result<(), AccountError> {
        let ids = [device_id.to_string()];
        store::delete_devices(&self.db, user_id, &ids).await?;
        Ok(self.e2ee_devices_deleted(user_id, &ids).await?)
    }

    /// `POST /logout/all`: every device and access token of the user goes.
    pub async fn logout_all(&self, user_id: &str) -> Result<(), AccountError> {
        let ids = self.device_ids_except(user_id, None).await?;
        store::delete_all_devices(&self.db, user_id, None).await?;
        Ok(self.e2ee_devices_deleted(user_id, &ids).await?)
    }

    /// The user's device ids, leaving out `keep`.
    pub(crate) async fn device_ids_except(
        &self,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<Vec<String>, AccountError> {
        Ok(store::list_devices(&self.db, user_id)
            .await?
            .into_iter()
            .map(|d| d.device_id)
            .filter(|d| Some(d.as_str()) != keep)
            .collect())
    }

    /// Sets a new password hash; with `logout_devices`, every other device and its token goes
    /// (as Synapse does), the requesting one stays.
    pub async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        logout_devices: bool,
        keep_device: &str,
    ) -> Result<(), AccountError> {
        store::set_password_hash(&self.db, user_id, Some(password_hash)).await?;
        if logout_devices {
            let ids = self.device_ids_except(user_id, Some(keep_device)).await?;
            store::delete_all_devices(&self.db, user_id, Some(keep_device)).await?;
            self.e2ee_devices_deleted(user_id, &ids).await?;
        }
        Ok(())
    }

    /// Deactivates the account: marked deactivated, password forgotten, every device and token
    /// deleted, then every joined room left and every invite rejected. A room that refuses the
    /// leave is logged and skipped, as in Synapse.
    pub async fn deactivate(&self, user_id: &str) -> Result<(), AccountError> {
        let ids = self.device_ids_except(user_id, None).await?;
        store::deactivate_user(&self.db, user_id).await?;
        self.e2ee_devices_deleted(user_id, &ids).await?;
        for (room_id, membership, _, _) in room_store::memberships_of(&self.db, user_id).await? {
            if !matches!(membership.as_str(), "join" | "invite" | "knock") {
                continue;
            }
            if let Err(e) = self
                .set_membership(&room_id, user_id, user_id, "leave", None, None)
                .await
            {
                tracing::warn!(room_id, user_id, error = %e, "could not leave a room while deactivating");
            }
        }
        Ok(())
    }

    /// `POST /account/password` by a logged-in user (`body` is the whole body): UIA with the
    /// current password; the new password, when the call that starts the session carries it,
    /// is kept hashed in the session for the call that completes it. `logout_devices`
    /// (default true) signs out every device but `device_id`.
    pub async fn change_password_with_uia(
        &self,
        user_id: &str,
        device_id: &str,
        mut body: Value,
    ) -> Result<(), UiaError> {
        let new_password = match body.as_object_mut().and_then(|o| o.remove("new_password")) {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) if p.len() <= MAX_PASSWORD_LEN => Some(p),
            Some(_) => {
                return Err(UiaError::client(
                    400,
                    "M_BAD_JSON",
                    format!(
                        "new_password must be a string of at most {MAX_PASSWORD_LEN} characters"
                    ),
                ));
            }
        };
        if body.get("logout_devices").is_some_and(|v| !v.is_boolean()) {
            return Err(UiaError::client(
                400,
                "M_BAD_JSON",
                "logout_devices must be a boolean",
            ));
        }
        let req = password_uia("POST /account/password", user_id, body);
        let passed = match self.user_interactive_auth(req).await {
            Ok(p) => p,
            Err(UiaError::Incomplete(c)) => {
                if let Some(p) = &new_password
                    && self
                        .uia_data(&c.session, data::PASSWORD_HASH)
                        .await?
                        .is_none()
                {
                    let hash = self.hash_new_password(p).await?;
                    self.set_uia_data(&c.session, data::PASSWORD_HASH, &hash)
                        .await?;
                }
                return Err(UiaError::Incomplete(c));
            }
            Err(e) => return Err(e),
        };
        let hash = match new_password {
            Some(p) => self.hash_new_password(&p).await?,
            None => self
                .uia_data(&passed.session, data::PASSWORD_HASH)
                .await?
                .ok_or_else(|| {
                    UiaError::client(400, "M_MISSING_PARAM", "Missing params: password")
                })?,
        };
        let logout_devices = passed
            .params
            .get("logout_devices")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        Ok(self
            .set_password(user_id, &hash, logout_devices, device_id)
            .await?)
    }

    /// `POST /account/deactivate` (`body` is the whole body): UIA with the password, then
    /// [`Services::deactivate`].
    pub async fn deactivate_with_uia(&self, user_id: &str, body: Value) -> Result<(), UiaError> {
        let req = password_uia("POST /account/deactivate", user_id, body);
        self.user_interactive_auth(req).await?;
        Ok(self.deactivate(user_id).await?)
    }

    /// `DELETE /devices/{id}` (`body` is the whole body): UIA with the password, bound to this
    /// device's path (a session started to delete one device cannot delete another).
    pub async fn delete_device_with_uia(
        &self,
        user_id: &str,
        device_id: &str,
        body: Value,
    ) -> Result<(), UiaError> {
        let endpoint = format!("DELETE /devices/{device_id}");
        let req = password_uia(&endpoint, user_id, body);
        self.user_interactive_auth(req).await?;
        self.delete_devices(user_id, &[device_id.to_string()]).await
    }

    /// `POST /delete_devices` (`body` is the whole body): `devices` is checked on every call,
    /// before UIA, as Synapse validates the body first; then UIA with the password, then the
    /// devices go. Unknown ids are ignored.
    pub async fn delete_devices_with_uia(
        &self,
        user_id: &str,
        body: Value,
    ) -> Result<(), UiaError> {
        let device_ids: Vec<String> = match body.get("devices") {
            Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
                .iter()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect(),
            Some(_) => {
                return Err(UiaError::client(
                    400,
                    "M_BAD_JSON",
                    "devices must be a list of strings",
                ));
            }
            None => {
                return Err(UiaError::client(
                    400,
                    "M_MISSING_PARAM",
                    "Missing param: devices",
                ));
            }
        };
        let req = password_uia("POST /delete_devices", user_id, body);
        self.user_interactive_auth(req).await?;
        self.delete_devices(user_id, &device_ids).await
    }

    /// The devices go, with their access tokens, keys and to-device inboxes (after UIA).
    /// Unknown ids are ignored.
    async fn delete_devices(&self, user_id: &str, device_ids: &[String]) -> Result<(), UiaError> {
        store::delete_devices(&self.db, user_id, device_ids).await?;
        Ok(self.e2ee_devices_deleted(user_id, device_ids).await?)
    }

    pub async fn devices_of(&self, user_id: &str) -> Result<Vec<store::DeviceRow>, AccountError> {
        Ok(store::list_devices(&self.db, user_id).await?)
    }

    pub async fn device(
        &self,
        user_id: &str,
        device_id: &str,
    ) -> Result<Option<store::DeviceRow>, AccountError> {
        Ok(store::get_device(&self.db, user_id, device_id).await?)
    }

    /// `PUT /devices/{id}`: sets (or, with `None`, clears) the display name of one of the
    /// user's devices.
    pub async fn rename_device(
        &self,
        user_id: &str,
        device_id: &str,
        display_name: Option<&str>,
    ) -> Result<(), DeviceError> {
        if display_name.is_some_and(|n| n.chars().count() > MAX_DEVICE_DISPLAY_NAME_LEN) {
            return Err(DeviceError::NameTooLong);
        }
        let found = store::set_device_display_name(&self.db, user_id, device_id, display_name)
            .await
            .map_err(AccountError::from)?;
        if !found {
            return Err(DeviceError::NotFound);
        }
        // Other users (and servers) show device names: they hear of the change.
        self.device_list_changed(user_id, &[device_id.to_string()])
            .await
            .map_err(AccountError::from)?;
        Ok(())
    }

    /// Hashes a new password (argon2).
    pub async fn hash_new_password(&self, password: &str) -> Result<String, AccountError> {
        accounts::hash_password(password.to_string()).await
    }
}
