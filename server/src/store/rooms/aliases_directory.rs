//! SQL for room aliases (`room_aliases`) and the room directory (`rooms.is_public`).

use crate::store::{Db, StoreError};

pub async fn set_alias(
    db: &Db,
    alias: &str,
    room_id: &str,
    creator: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query("INSERT INTO room_aliases (alias, room_id, creator) VALUES ($1, $2, $3) ON CONFLICT (alias) DO NOTHING")
        .bind(alias)
        .bind(room_id)
        .bind(creator)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn alias_room(db: &Db, alias: &str) -> Result<Option<(String, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT room_id, creator FROM room_aliases WHERE alias = $1")
            .bind(alias)
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub async fn delete_alias(db: &Db, alias: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM room_aliases WHERE alias = $1")
        .bind(alias)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn aliases_of(db: &Db, room_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT alias FROM room_aliases WHERE room_id = $1 ORDER BY alias")
            .bind(room_id)
            .fetch_all(&db.pool)
            .await?,
    )
}

pub async fn set_public(db: &Db, room_id: &str, public: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE rooms SET is_public = $1 WHERE room_id = $2")
        .bind(public as i64)
        .bind(room_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn is_public(db: &Db, room_id: &str) -> Result<Option<bool>, StoreError> {
    let v: Option<i64> = sqlx::query_scalar("SELECT is_public FROM rooms WHERE room_id = $1")
        .bind(room_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(v.map(|v| v != 0))
}

pub async fn public_rooms(db: &Db) -> Result<Vec<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT room_id FROM rooms WHERE is_public = 1 ORDER BY created_ts")
            .fetch_all(&db.pool)
            .await?,
    )
}
