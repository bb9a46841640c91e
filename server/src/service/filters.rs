//! Stored sync filters (POST/GET /user/{userId}/filter): a user's filter JSON, by id.

use serde_json::{Value, json};

use super::Services;
use super::rooms::RoomError;
use crate::store::userdata;

impl Services {
    /// Stores a filter; its id.
    pub async fn create_filter(&self, user_id: &str, filter: &Value) -> Result<i64, RoomError> {
        Ok(userdata::insert_filter(&self.db, user_id, &filter.to_string()).await?)
    }

    /// A stored filter of the user's, if there is one with this id.
    pub async fn filter(&self, user_id: &str, id: i64) -> Result<Option<Value>, RoomError> {
        Ok(userdata::get_filter(&self.db, user_id, id)
            .await?
            .map(|f| serde_json::from_str(&f).unwrap_or(json!({}))))
    }
}
