//! OpenID tokens, as Synapse issues them: 24 random characters, valid for an hour, exchanged
//! over federation for the user id (`sub`). Never imports axum.

use rand::RngExt as _;

use super::Services;
use super::accounts::hash_token;
use crate::store::{StoreError, now_ms, openid as store};

/// How long a token is valid, in milliseconds (Synapse's EXPIRES_MS).
pub const EXPIRES_MS: i64 = 3600 * 1000;

impl Services {
    /// Issues a token for `user_id`; returns it and its lifetime in seconds.
    pub async fn issue_openid_token(&self, user_id: &str) -> Result<(String, i64), StoreError> {
        let token: String = {
            let mut rng = rand::rng();
            let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
            (0..24)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
                .collect()
        };
        store::insert(
            &self.db,
            &hash_token(&token),
            user_id,
            now_ms() + EXPIRES_MS,
        )
        .await?;
        Ok((token, EXPIRES_MS / 1000))
    }

    /// The user an unexpired token was issued to.
    pub async fn openid_user(&self, token: &str) -> Result<Option<String>, StoreError> {
        store::user_for(&self.db, &hash_token(token)).await
    }
}
