//! Nonces for shared-secret registration: 128 lowercase hex characters (like Synapse's
//! `token_hex(64)`), valid for 60 seconds and usable once, even when the request that used
//! one then fails. Kept in the database (`store::uia`), so a nonce issued by one of several
//! processes sharing it is taken by another, and only once (one DELETE decides).

use std::time::Duration;

use rand::RngExt as _;

use crate::store::{Db, StoreError, now_ms, uia};

pub const NONCE_TIMEOUT: Duration = Duration::from_secs(60);
/// Bound on outstanding nonces so unauthenticated GETs cannot grow the table without limit.
const MAX_OUTSTANDING: i64 = 10_000;

const TIMEOUT_MS: i64 = NONCE_TIMEOUT.as_millis() as i64;

pub async fn issue(db: &Db) -> Result<String, StoreError> {
    let mut bytes = [0u8; 64];
    rand::rng().fill(&mut bytes);
    let nonce = hex::encode(bytes);
    let now = now_ms();
    uia::issue_nonce(db, &nonce, now, now - TIMEOUT_MS, MAX_OUTSTANDING).await?;
    Ok(nonce)
}

/// Uses the nonce up; true when it was issued and had not expired.
pub async fn take(db: &Db, nonce: &str) -> Result<bool, StoreError> {
    Ok(uia::take_nonce(db, nonce)
        .await?
        .is_some_and(|issued| now_ms() - issued < TIMEOUT_MS))
}

impl super::Services {
    /// A new nonce for `/_synapse/admin/v1/register`.
    pub async fn issue_register_nonce(&self) -> Result<String, StoreError> {
        issue(&self.db).await
    }

    /// Uses a nonce up: true when it was issued here within the last minute and not used.
    pub async fn take_register_nonce(&self, nonce: &str) -> Result<bool, StoreError> {
        take(&self.db, nonce).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nonces_are_hex_and_single_use() {
        let db = Db::in_memory().await;
        let a = issue(&db).await.unwrap();
        assert_eq!(a.len(), 128);
        assert!(a.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
        assert!(take(&db, &a).await.unwrap());
        assert!(!take(&db, &a).await.unwrap());
        assert!(!take(&db, "not-issued").await.unwrap());
    }

    #[tokio::test]
    async fn expired_nonces_are_refused_and_the_table_stays_bounded() {
        let db = Db::in_memory().await;
        let old = "0".repeat(128);
        uia::issue_nonce(&db, &old, now_ms() - TIMEOUT_MS - 1, 0, MAX_OUTSTANDING)
            .await
            .unwrap();
        assert!(!take(&db, &old).await.unwrap());
        for i in 0..5 {
            uia::issue_nonce(&db, &format!("n{i}"), 1000 + i, 0, 3)
                .await
                .unwrap();
        }
        let mut left = Vec::new();
        for i in 0..5 {
            left.push(
                uia::take_nonce(&db, &format!("n{i}"))
                    .await
                    .unwrap()
                    .is_some(),
            );
        }
        assert_eq!(left, vec![false, false, true, true, true]);
    }
}
