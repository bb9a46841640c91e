//! SQL for third-party identifiers: the addresses bound to accounts (user_threepids) and the
//! validation sessions and mailed tokens of /requestToken. Decides nothing about when a
//! session may be used; that is `service::threepid`'s.

use sqlx::Row as _;

use super::{Db, StoreError, now_ms};

/// A validation session.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub session_id: String,
    pub medium: String,
    pub address: String,
    pub client_secret: String,
    pub last_send_attempt: i64,
    pub validated_at: Option<i64>,
}

/// An address bound to an account.
#[derive(Debug, Clone)]
pub struct ThreepidRow {
    pub medium: String,
    pub address: String,
    pub validated_at: i64,
    pub added_at: i64,
}

fn session(r: &sqlx::any::AnyRow) -> Result<SessionRow, sqlx::Error> {
    Ok(SessionRow {
        session_id: r.try_get(0)?,
        medium: r.try_get(1)?,
        address: r.try_get(2)?,
        client_secret: r.try_get(3)?,
        last_send_attempt: r.try_get(4)?,
        validated_at: r.try_get(5)?,
    })
}

/// The not-yet-validated session a client secret opened for an address, if any.
pub async fn unvalidated_session(
    db: &Db,
    medium: &str,
    client_secret: &str,
    address: &str,
) -> Result<Option<SessionRow>, StoreError> {
    let row = sqlx::query(
        "SELECT session_id, medium, address, client_secret, last_send_attempt, validated_at FROM threepid_validation_session WHERE medium = $1 AND client_secret = $2 AND address = $3 AND validated_at IS NULL ORDER BY created_ts DESC LIMIT 1",
    )
    .bind(medium)
    .bind(client_secret)
    .bind(address)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(session).transpose()?)
}

pub async fn session_by_id(db: &Db, session_id: &str) -> Result<Option<SessionRow>, StoreError> {
    let row = sqlx::query("SELECT session_id, medium, address, client_secret, last_send_attempt, validated_at FROM threepid_validation_session WHERE session_id = $1")
        .bind(session_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(session).transpose()?)
}

/// Creates the session or records a new send attempt on it, and stores the mailed token.
pub async fn start_or_continue_session(
    db: &Db,
    s: &SessionRow,
    token: &str,
    next_link: Option<&str>,
    token_expires_ts: i64,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    let updated = sqlx::query(
        "UPDATE threepid_validation_session SET last_send_attempt = $1 WHERE session_id = $2",
    )
    .bind(s.last_send_attempt)
    .bind(&s.session_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        sqlx::query(
            "INSERT INTO threepid_validation_session (session_id, medium, address, client_secret, last_send_attempt, validated_at, created_ts) VALUES ($1, $2, $3, $4, $5, NULL, $6)",
        )
        .bind(&s.session_id)
        .bind(&s.medium)
        .bind(&s.address)
        .bind(&s.client_secret)
        .bind(s.last_send_attempt)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("INSERT INTO threepid_validation_token (token, session_id, next_link, expires_ts) VALUES ($1, $2, $3, $4)")
        .bind(token)
        .bind(&s.session_id)
        .bind(next_link)
        .bind(token_expires_ts)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The next_link and expiry of a token of the session, if the token exists.
pub async fn token(
    db: &Db,
    session_id: &str,
    token: &str,
) -> Result<Option<(Option<String>, i64)>, StoreError> {
    let row = sqlx::query("SELECT next_link, expires_ts FROM threepid_validation_token WHERE session_id = $1 AND token = $2")
        .bind(session_id)
        .bind(token)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row
        .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
        .transpose()?)
}

/// Marks the session validated at `ts` and drops its tokens.
pub async fn set_validated(db: &Db, session_id: &str, ts: i64) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE threepid_validation_session SET validated_at = $1 WHERE session_id = $2")
        .bind(ts)
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM threepid_validation_token WHERE session_id = $1")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The account an address is bound to.
pub async fn user_by_threepid(
    db: &Db,
    medium: &str,
    address: &str,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM user_threepids WHERE medium = $1 AND address = $2")
            .bind(medium)
            .bind(address)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// Binds an address to an account (re-adding one's own address refreshes its times);
/// `Ok(false)` when another account holds it.
pub async fn add(
    db: &Db,
    user_id: &str,
    medium: &str,
    address: &str,
    validated_at: i64,
) -> Result<bool, StoreError> {
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO user_threepids (user_id, medium, address, validated_at, added_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (medium, address) DO NOTHING",
    )
    .bind(user_id)
    .bind(medium)
    .bind(address)
    .bind(validated_at)
    .bind(now)
    .execute(&db.pool)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(true);
    }
    let updated = sqlx::query("UPDATE user_threepids SET validated_at = $1, added_at = $2 WHERE medium = $3 AND address = $4 AND user_id = $5")
        .bind(validated_at)
        .bind(now)
        .bind(medium)
        .bind(address)
        .bind(user_id)
        .execute(&db.pool)
        .await?
        .rows_affected();
    Ok(updated == 1)
}

pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<ThreepidRow>, StoreError> {
    let rows = sqlx::query("SELECT medium, address, validated_at, added_at FROM user_threepids WHERE user_id = $1 ORDER BY added_at, address")
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(ThreepidRow {
            medium: r.try_get(0)?,
            address: r.try_get(1)?,
            validated_at: r.try_get(2)?,
            added_at: r.try_get(3)?,
        });
    }
    Ok(out)
}
