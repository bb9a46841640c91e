//! SQL for `room_memberships`: a user's rooms, a room's members, who shares a room with whom,
//! and forgetting a room. Rows are written by `batch_insert`.

use crate::store::query::Param;
use crate::store::{Db, StoreError};

/// (room_id, membership, event_id, stream_ordering) of a membership.
pub type MembershipRow = (String, String, String, i64);

pub(crate) const MEMBERSHIPS_OF: &str = "SELECT room_id, membership, event_id, stream_ordering FROM room_memberships WHERE user_id = $1 AND forgotten = 0";

/// A user's memberships, leaving out forgotten rooms.
pub async fn memberships_of(db: &Db, user_id: &str) -> Result<Vec<MembershipRow>, StoreError> {
    db.fetch_all(MEMBERSHIPS_OF, &[Param::Text(user_id)]).await
}

pub(crate) const USERS_SHARING_ROOMS: &str = "SELECT DISTINCT o.user_id FROM room_memberships m \
         JOIN room_memberships o ON o.room_id = m.room_id AND o.membership = 'join' \
         WHERE m.user_id = $1 AND m.membership = 'join'";

/// Everyone joined to a room the user is joined to (the user included).
pub async fn users_sharing_rooms(db: &Db, user_id: &str) -> Result<Vec<String>, StoreError> {
    db.fetch_all(USERS_SHARING_ROOMS, &[Param::Text(user_id)])
        .await
}

pub async fn membership(
    db: &Db,
    user_id: &str,
    room_id: &str,
) -> Result<Option<(String, i64)>, StoreError> {
    const Q: &str = "SELECT membership, stream_ordering FROM room_memberships WHERE user_id = $1 AND room_id = $2";
    db.fetch_optional(Q, &[Param::Text(user_id), Param::Text(room_id)])
        .await
}

/// Members of a room with the given membership.
pub async fn members_with(
    db: &Db,
    room_id: &str,
    membership: &str,
) -> Result<Vec<String>, StoreError> {
    const Q: &str = "SELECT user_id FROM room_memberships WHERE room_id = $1 AND membership = $2 ORDER BY user_id";
    db.fetch_all(Q, &[Param::Text(room_id), Param::Text(membership)])
        .await
}

/// How many users are joined to a room.
pub async fn joined_count(db: &Db, room_id: &str) -> Result<i64, StoreError> {
    const Q: &str =
        "SELECT COUNT(*) FROM room_memberships WHERE room_id = $1 AND membership = 'join'";
    Ok(db
        .fetch_optional::<i64>(Q, &[Param::Text(room_id)])
        .await?
        .unwrap_or(0))
}

/// Users of `server` joined to a room (by the end of their id; the caller checks each id's
/// server name exactly).
pub async fn joined_on_server(
    db: &Db,
    room_id: &str,
    server: &str,
) -> Result<Vec<String>, StoreError> {
    const Q: &str = "SELECT user_id FROM room_memberships WHERE room_id = $1 AND membership = 'join' \
         AND user_id LIKE $2 ESCAPE '\\'";
    let theirs = super::events::on_server(server);
    db.fetch_all(Q, &[Param::Text(room_id), Param::Text(&theirs)])
        .await
}

pub async fn forget(db: &Db, user_id: &str, room_id: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE room_memberships SET forgotten = 1 WHERE user_id = $1 AND room_id = $2")
        .bind(user_id)
        .bind(room_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
