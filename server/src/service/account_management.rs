//! What a logged-in user does to their own account: log out (one device or all), change the
//! password, deactivate, list, rename and delete devices. The re-authentication these need is
//! `service::uia`; this module runs once it passed. Never imports axum.

use super::Services;
use super::accounts::{self, AccountError};
use crate::store::{accounts as store, rooms as room_store};

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

    /// `DELETE /devices/{id}` and `POST /delete_devices` (after UIA). Unknown ids are ignored.
    pub async fn delete_devices(
        &self,
        user_id: &str,
        device_ids: &[String],
    ) -> Result<(), AccountError> {
        Ok(store::delete_devices(&self.db, user_id, device_ids).await?)
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

    /// `PUT /devices/{id}`: `Ok(false)` when the user has no such device.
    pub async fn rename_device(
        &self,
        user_id: &str,
        device_id: &str,
        display_name: Option<&str>,
    ) -> Result<bool, AccountError> {
        Ok(store::set_device_display_name(&self.db, user_id, device_id, display_name).await?)
    }

    /// Hashes a new password (argon2).
    pub async fn hash_new_password(&self, password: &str) -> Result<String, AccountError> {
        accounts::hash_password(password.to_string()).await
    }
}
