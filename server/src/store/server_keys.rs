//! SQL for other servers' signing keys (`server_keys_json`): the key documents the key ring
//! verified, one row per (server, key id, who gave us the document), read back by the key ring
//! (after a restart, or when another process fetched them) and by the notary endpoints. Knows
//! nothing of signatures: the service checks a document before it is stored and after it is read.

use super::query::{Decode, Param, Row};
use super::{Db, StoreError};

/// One stored row.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub key_id: String,
    pub from_server: String,
    pub ts_added_ms: i64,
    /// The key's validity as the document states it (not capped).
    pub ts_valid_until_ms: i64,
    /// The document as received, signatures and all.
    pub key_json: String,
}

impl Decode for StoredKey {
    fn decode<R: Row + ?Sized>(r: &R) -> Result<Self, R::Error> {
        Ok(StoredKey {
            key_id: r.text(0)?,
            from_server: r.text(1)?,
            ts_added_ms: r.int(2)?,
            ts_valid_until_ms: r.int(3)?,
            key_json: r.text(4)?,
        })
    }
}

const UPSERT: &str = "INSERT INTO server_keys_json \
     (server_name, key_id, from_server, ts_added_ms, ts_valid_until_ms, key_json) \
     VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (server_name, key_id, from_server) DO UPDATE SET \
     ts_added_ms = excluded.ts_added_ms, ts_valid_until_ms = excluded.ts_valid_until_ms, \
     key_json = excluded.key_json";

/// Stores `key_json`, a document of `server_name` that `from_server` gave us at `ts_added_ms`,
/// under each of its `keys` (key id, validity the document states), replacing what the same
/// source gave before for those keys. One transaction: a document is stored whole or not at all.
pub async fn store_document(
    db: &Db,
    server_name: &str,
    from_server: &str,
    ts_added_ms: i64,
    keys: &[(&str, i64)],
    key_json: &str,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    for (key_id, valid_until) in keys {
        sqlx::query(UPSERT)
            .bind(server_name)
            .bind(*key_id)
            .bind(from_server)
            .bind(ts_added_ms)
            .bind(*valid_until)
            .bind(key_json)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

const WITH_KEY: &str = "SELECT key_id, from_server, ts_added_ms, ts_valid_until_ms, key_json \
     FROM server_keys_json WHERE server_name = $1 AND key_id = $2 ORDER BY ts_added_ms DESC";

/// The stored documents of `server_name` that list `key_id`, newest first.
pub async fn documents_with_key(
    db: &Db,
    server_name: &str,
    key_id: &str,
) -> Result<Vec<StoredKey>, StoreError> {
    db.fetch_all(WITH_KEY, &[Param::Text(server_name), Param::Text(key_id)])
        .await
}

const OF_SERVER: &str = "SELECT key_id, from_server, ts_added_ms, ts_valid_until_ms, key_json \
     FROM server_keys_json WHERE server_name = $1 ORDER BY ts_added_ms DESC, key_id";

/// Every stored row of `server_name`, newest first.
pub async fn documents_of(db: &Db, server_name: &str) -> Result<Vec<StoredKey>, StoreError> {
    db.fetch_all(OF_SERVER, &[Param::Text(server_name)]).await
}
