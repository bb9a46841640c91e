//! SQL for `pushers` (migration 0021): a user's pushers, set, replaced and deleted by
//! (user, app_id, pushkey); the http pushers of a room's joined members, for sending
//! notifications. A device's deletion removes its pushers in `accounts` (same transaction).

use super::query::{Decode, Param, Row};
use super::{Db, StoreError};

/// One stored pusher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PusherRow {
    pub user_id: String,
    pub app_id: String,
    pub pushkey: String,
    pub kind: String,
    pub app_display_name: String,
    pub device_display_name: String,
    pub profile_tag: Option<String>,
    pub lang: String,
    /// The pusher's `data` object, as JSON text.
    pub data: String,
    pub device_id: Option<String>,
    /// When the pushkey was set, in milliseconds.
    pub pushkey_ts: i64,
}

impl Decode for PusherRow {
    fn decode<R: Row + ?Sized>(r: &R) -> Result<Self, R::Error> {
        Ok(PusherRow {
            user_id: r.text(0)?,
            app_id: r.text(1)?,
            pushkey: r.text(2)?,
            kind: r.text(3)?,
            app_display_name: r.text(4)?,
            device_display_name: r.text(5)?,
            profile_tag: r.maybe_text(6)?,
            lang: r.text(7)?,
            data: r.text(8)?,
            device_id: r.maybe_text(9)?,
            pushkey_ts: r.int(10)?,
        })
    }
}

const PUSHERS_OF: &str = "SELECT user_id, app_id, pushkey, kind, app_display_name, \
     device_display_name, profile_tag, lang, data, device_id, pushkey_ts FROM pushers \
     WHERE user_id = $1 ORDER BY app_id, pushkey";

/// A user's pushers.
pub async fn pushers_of(db: &Db, user_id: &str) -> Result<Vec<PusherRow>, StoreError> {
    db.fetch_all(PUSHERS_OF, &[Param::Text(user_id)]).await
}

const PUSHER: &str = "SELECT user_id, app_id, pushkey, kind, app_display_name, \
     device_display_name, profile_tag, lang, data, device_id, pushkey_ts FROM pushers \
     WHERE user_id = $1 AND app_id = $2 AND pushkey = $3";

/// One pusher of a user.
pub async fn pusher(
    db: &Db,
    user_id: &str,
    app_id: &str,
    pushkey: &str,
) -> Result<Option<PusherRow>, StoreError> {
    db.fetch_optional(
        PUSHER,
        &[
            Param::Text(user_id),
            Param::Text(app_id),
            Param::Text(pushkey),
        ],
    )
    .await
}

const HTTP_PUSHERS_IN_ROOM: &str = "SELECT p.user_id, p.app_id, p.pushkey, p.kind, \
     p.app_display_name, p.device_display_name, p.profile_tag, p.lang, p.data, p.device_id, \
     p.pushkey_ts FROM room_memberships m JOIN pushers p ON p.user_id = m.user_id \
     WHERE m.room_id = $1 AND m.membership = 'join' AND p.kind = 'http'";

/// The http pushers of the users joined to a room.
pub async fn http_pushers_in_room(db: &Db, room_id: &str) -> Result<Vec<PusherRow>, StoreError> {
    db.fetch_all(HTTP_PUSHERS_IN_ROOM, &[Param::Text(room_id)])
        .await
}

const ANY_PUSHER: &str = "SELECT 1 FROM pushers LIMIT 1";

/// Whether any pusher is stored.
pub async fn any_pusher(db: &Db) -> Result<bool, StoreError> {
    Ok(db.fetch_optional::<i64>(ANY_PUSHER, &[]).await?.is_some())
}

/// Stores a pusher, replacing the user's one with the same (app_id, pushkey); a replaced
/// pusher keeps its device (one device may change another's pusher, as in Synapse).
pub async fn set_pusher(db: &Db, p: &PusherRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO pushers (user_id, app_id, pushkey, kind, app_display_name, \
         device_display_name, profile_tag, lang, data, device_id, pushkey_ts) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (user_id, app_id, pushkey) DO UPDATE SET kind = excluded.kind, \
         app_display_name = excluded.app_display_name, \
         device_display_name = excluded.device_display_name, \
         profile_tag = excluded.profile_tag, lang = excluded.lang, data = excluded.data, \
         pushkey_ts = excluded.pushkey_ts",
    )
    .bind(&p.user_id)
    .bind(&p.app_id)
    .bind(&p.pushkey)
    .bind(&p.kind)
    .bind(&p.app_display_name)
    .bind(&p.device_display_name)
    .bind(p.profile_tag.as_deref())
    .bind(&p.lang)
    .bind(&p.data)
    .bind(p.device_id.as_deref())
    .bind(p.pushkey_ts)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Deletes one pusher of a user; whether there was one.
pub async fn delete_pusher(
    db: &Db,
    user_id: &str,
    app_id: &str,
    pushkey: &str,
) -> Result<bool, StoreError> {
    let res =
        sqlx::query("DELETE FROM pushers WHERE user_id = $1 AND app_id = $2 AND pushkey = $3")
            .bind(user_id)
            .bind(app_id)
            .bind(pushkey)
            .execute(&db.pool)
            .await?;
    Ok(res.rows_affected() > 0)
}

/// Deletes other users' pushers with this (app_id, pushkey) (a pushkey moves to the user who
/// set it last, unless `append`); how many were deleted.
pub async fn delete_pushers_of_others(
    db: &Db,
    app_id: &str,
    pushkey: &str,
    user_id: &str,
) -> Result<u64, StoreError> {
    let res =
        sqlx::query("DELETE FROM pushers WHERE app_id = $1 AND pushkey = $2 AND user_id <> $3")
            .bind(app_id)
            .bind(pushkey)
            .bind(user_id)
            .execute(&db.pool)
            .await?;
    Ok(res.rows_affected())
}
