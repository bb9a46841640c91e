//! SQL for users, devices, access tokens and refresh tokens. Returns plain rows; the rules
//! about who may register or log in, and when a token has expired, live in
//! `service::accounts`.

use super::query::{Decode, Param, Row};
use super::{Db, StoreError, now_ms};

#[derive(Debug, Clone)]
pub struct UserRow {
    pub user_id: String,
    pub password_hash: Option<String>,
    pub admin: bool,
    pub user_type: Option<String>,
    pub deactivated: bool,
}

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub user_id: String,
    pub device_id: String,
    /// When the token stops being valid (ms since the epoch); `None`: never.
    pub valid_until_ms: Option<i64>,
    /// The token was issued with a refresh token and has not been used yet: its first use
    /// ends the refresh token it was exchanged for ([`mark_token_used`]).
    pub unused_refreshable: bool,
}

/// An access token to store, hashed, with the refresh token issued alongside it if any.
#[derive(Debug, Clone, Copy)]
pub struct NewAccessToken<'a> {
    pub token_hash: &'a str,
    pub valid_until_ms: Option<i64>,
    pub refresh: Option<NewRefreshToken<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub struct NewRefreshToken<'a> {
    pub token_hash: &'a str,
    /// When it can no longer be exchanged (`refresh_token_lifetime`).
    pub expiry_ts: Option<i64>,
    /// When the whole session ends, across refreshes (`session_lifetime`).
    pub ultimate_session_expiry_ts: Option<i64>,
}

impl NewAccessToken<'_> {
    fn cached_row(&self, user_id: &str, device_id: &str) -> TokenRow {
        TokenRow {
            user_id: user_id.to_string(),
            device_id: device_id.to_string(),
            valid_until_ms: self.valid_until_ms,
            unused_refreshable: self.refresh.is_some(),
        }
    }
}

const INSERT_REFRESH_TOKEN: &str = "INSERT INTO refresh_tokens (token_hash, user_id, device_id, next_token_hash, \
     expiry_ts, ultimate_session_expiry_ts, created_ts) VALUES ($1, $2, $3, NULL, $4, $5, $6)";
const INSERT_ACCESS_TOKEN: &str = "INSERT INTO access_tokens (token_hash, user_id, device_id, created_ts, \
     valid_until_ms, refresh_token_hash) VALUES ($1, $2, $3, $4, $5, $6)";
const DELETE_DEVICE_ACCESS_TOKENS: &str =
    "DELETE FROM access_tokens WHERE user_id = $1 AND device_id = $2";
const DELETE_DEVICE_REFRESH_TOKENS: &str =
    "DELETE FROM refresh_tokens WHERE user_id = $1 AND device_id = $2";

/// Stores a new access token (and its refresh token) inside the caller's transaction.
async fn insert_tokens(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    device_id: &str,
    token: &NewAccessToken<'_>,
) -> Result<(), StoreError> {
    let now = now_ms();
    if let Some(r) = &token.refresh {
        sqlx::query(INSERT_REFRESH_TOKEN)
            .bind(r.token_hash)
            .bind(user_id)
            .bind(device_id)
            .bind(r.expiry_ts)
            .bind(r.ultimate_session_expiry_ts)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(INSERT_ACCESS_TOKEN)
        .bind(token.token_hash)
        .bind(user_id)
        .bind(device_id)
        .bind(now)
        .bind(token.valid_until_ms)
        .bind(token.refresh.map(|r| r.token_hash))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub struct NewUser<'a> {
    pub user_id: &'a str,
    pub localpart: &'a str,
    pub password_hash: Option<&'a str>,
    pub admin: bool,
    pub user_type: Option<&'a str>,
    pub displayname: Option<&'a str>,
}

/// Inserts a user; `Ok(false)` when the user id is already taken.
pub async fn insert_user(db: &Db, u: &NewUser<'_>) -> Result<bool, StoreError> {
    let res = sqlx::query(
        "INSERT INTO users (user_id, localpart, password_hash, admin, user_type, displayname, created_ts) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(u.user_id)
    .bind(u.localpart)
    .bind(u.password_hash)
    .bind(u.admin as i64)
    .bind(u.user_type)
    .bind(u.displayname)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(res.rows_affected() == 1)
}

pub async fn get_user(db: &Db, user_id: &str) -> Result<Option<UserRow>, StoreError> {
    let row: Option<(String, Option<String>, i64, Option<String>, i64)> = sqlx::query_as(
        "SELECT user_id, password_hash, admin, user_type, deactivated FROM users WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(
        |(user_id, password_hash, admin, user_type, deactivated)| UserRow {
            user_id,
            password_hash,
            admin: admin != 0,
            user_type,
            deactivated: deactivated != 0,
        },
    ))
}

/// Creates (or keeps) a device and stores a new access token (and refresh token) for it, in
/// one transaction. Returns whether the device is new.
pub async fn insert_device_and_token(
    db: &Db,
    user_id: &str,
    device_id: &str,
    display_name: Option<&str>,
    token: &NewAccessToken<'_>,
) -> Result<bool, StoreError> {
    let generation = db.tokens.generation();
    let mut tx = db.pool.begin().await?;
    let created = sqlx::query(
        "INSERT INTO devices (user_id, device_id, display_name, created_ts) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, device_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(device_id)
    .bind(display_name)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    // A device has one current login: logging in again with the same device id replaces its
    // tokens (and ends its refresh chain).
    sqlx::query(DELETE_DEVICE_ACCESS_TOKENS)
        .bind(user_id)
        .bind(device_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(DELETE_DEVICE_REFRESH_TOKENS)
        .bind(user_id)
        .bind(device_id)
        .execute(&mut *tx)
        .await?;
    insert_tokens(&mut tx, user_id, device_id, token).await?;
    tx.commit().await?;
    db.tokens.replace_device(
        token.cached_row(user_id, device_id),
        token.token_hash,
        generation,
    );
    Ok(created)
}

/// A refresh token as `/refresh` needs it.
#[derive(Debug, Clone)]
pub struct RefreshRow {
    pub user_id: String,
    pub device_id: String,
    /// It was exchanged before and its successor has been used (its access token made a
    /// request, or it was exchanged in turn): it can no longer be exchanged.
    pub superseded: bool,
    pub expiry_ts: Option<i64>,
    pub ultimate_session_expiry_ts: Option<i64>,
}

/// Synapse's `lookup_refresh_token`: the token, and whether its successor has been used.
pub(crate) const FIND_REFRESH_TOKEN: &str = "SELECT rt.user_id, rt.device_id, \
     CASE WHEN nrt.next_token_hash IS NOT NULL OR COALESCE(at.used, 0) = 1 THEN 1 ELSE 0 END, \
     rt.expiry_ts, rt.ultimate_session_expiry_ts \
     FROM refresh_tokens rt \
     LEFT JOIN refresh_tokens nrt ON nrt.token_hash = rt.next_token_hash \
     LEFT JOIN access_tokens at ON at.refresh_token_hash = nrt.token_hash \
     WHERE rt.token_hash = $1";

pub async fn find_refresh_token(
    db: &Db,
    token_hash: &str,
) -> Result<Option<RefreshRow>, StoreError> {
    db.fetch_optional(FIND_REFRESH_TOKEN, &[Param::Text(token_hash)])
        .await
}

impl Decode for RefreshRow {
    fn decode<R: Row + ?Sized>(r: &R) -> Result<Self, R::Error> {
        Ok(RefreshRow {
            user_id: r.text(0)?,
            device_id: r.text(1)?,
            superseded: r.int(2)? != 0,
            expiry_ts: r.maybe_int(3)?,
            ultimate_session_expiry_ts: r.maybe_int(4)?,
        })
    }
}

/// Synapse's `replace_refresh_token`, with the new tokens stored in the same transaction:
/// `old_hash` now leads to the new refresh token; a successor it had before (an earlier
/// exchange whose answer the client never saw) is deleted with its access token, and so is
/// the token that led to `old_hash` (only the last two of a chain are kept). `Ok(false)` when
/// `old_hash` was deleted meanwhile (a logout): nothing is stored.
pub async fn rotate_refresh_token(
    db: &Db,
    old_hash: &str,
    user_id: &str,
    device_id: &str,
    token: &NewAccessToken<'_>,
) -> Result<bool, StoreError> {
    let generation = db.tokens.generation();
    let mut tx = db.pool.begin().await?;
    let old_next: Option<(Option<String>,)> =
        sqlx::query_as("SELECT next_token_hash FROM refresh_tokens WHERE token_hash = $1")
            .bind(old_hash)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((old_next,)) = old_next else {
        return Ok(false);
    };
    insert_tokens(&mut tx, user_id, device_id, token).await?;
    sqlx::query("UPDATE refresh_tokens SET next_token_hash = $1 WHERE token_hash = $2")
        .bind(token.refresh.map(|r| r.token_hash))
        .bind(old_hash)
        .execute(&mut *tx)
        .await?;
    if let Some(next) = old_next {
        sqlx::query("DELETE FROM access_tokens WHERE refresh_token_hash = $1")
            .bind(&next)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM refresh_tokens WHERE token_hash = $1")
            .bind(&next)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "DELETE FROM access_tokens WHERE refresh_token_hash IN \
         (SELECT token_hash FROM refresh_tokens WHERE next_token_hash = $1)",
    )
    .bind(old_hash)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM refresh_tokens WHERE next_token_hash = $1")
        .bind(old_hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // Forgets the device's cached tokens (some were deleted) and keeps the new one.
    db.tokens.replace_device(
        token.cached_row(user_id, device_id),
        token.token_hash,
        generation,
    );
    Ok(true)
}

/// Synapse's `mark_access_token_as_used`: the first request with a token issued by a refresh
/// ends the refresh token it was exchanged for.
pub async fn mark_token_used(db: &Db, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE access_tokens SET used = 1 WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    let mut g = db.tokens.inner.lock().expect("token cache");
    if let Some(row) = g.1.get_mut(token_hash) {
        row.unused_refreshable = false;
    }
    Ok(())
}

/// Access tokens seen recently, so most requests authenticate without a query. Every deletion
/// of tokens empties it (after its transaction committed), and a lookup that raced with one
/// does not store what it read.
#[derive(Debug, Default)]
pub struct TokenCache {
    inner: std::sync::Mutex<(u64, std::collections::HashMap<String, TokenRow>)>,
    /// Set when other processes share the database: a token they delete must stop working
    /// here at once, so every lookup asks the database.
    off: std::sync::atomic::AtomicBool,
}

/// Tokens kept at most; past that the cache starts again empty.
const TOKEN_CACHE_MAX: usize = 10_000;

impl TokenCache {
    /// Keeps nothing from now on (see `off`).
    pub fn disable(&self) {
        self.off.store(true, std::sync::atomic::Ordering::Relaxed);
        self.invalidate();
    }

    fn is_off(&self) -> bool {
        self.off.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn invalidate(&self) {
        let mut g = self.inner.lock().expect("token cache");
        g.0 += 1;
        g.1.clear();
    }

    /// The count of deletions so far, read before a transaction that adds a token.
    fn generation(&self) -> u64 {
        self.inner.lock().expect("token cache").0
    }

    /// After a login's transaction committed: forgets the device's previous token and, unless
    /// tokens were deleted since `generation` was read (the new one may be among them), keeps
    /// the new one, so the client's first request needs no query.
    fn replace_device(&self, row: TokenRow, token_hash: &str, generation: u64) {
        let mut g = self.inner.lock().expect("token cache");
        let untouched = g.0 == generation;
        g.0 += 1;
        g.1.retain(|_, r| !(r.user_id == row.user_id && r.device_id == row.device_id));
        if untouched && g.1.len() < TOKEN_CACHE_MAX && !self.is_off() {
            g.1.insert(token_hash.to_string(), row);
        }
    }
}

pub async fn find_token(db: &Db, token_hash: &str) -> Result<Option<TokenRow>, StoreError> {
    if db.tokens.is_off() {
        return find_token_uncached(db, token_hash).await;
    }
    let generation = {
        let g = db.tokens.inner.lock().expect("token cache");
        if let Some(row) = g.1.get(token_hash) {
            return Ok(Some(row.clone()));
        }
        g.0
    };
    let row = find_token_uncached(db, token_hash).await?;
    if let Some(r) = &row {
        let mut g = db.tokens.inner.lock().expect("token cache");
        if g.0 == generation {
            if g.1.len() >= TOKEN_CACHE_MAX {
                g.1.clear();
            }
            g.1.insert(token_hash.to_string(), r.clone());
        }
    }
    Ok(row)
}

pub(crate) const FIND_TOKEN: &str = "SELECT user_id, device_id, valid_until_ms, \
     CASE WHEN refresh_token_hash IS NULL THEN 0 ELSE 1 - used END \
     FROM access_tokens WHERE token_hash = $1";

async fn find_token_uncached(db: &Db, token_hash: &str) -> Result<Option<TokenRow>, StoreError> {
    db.fetch_optional(FIND_TOKEN, &[Param::Text(token_hash)])
        .await
}

impl Decode for TokenRow {
    fn decode<R: Row + ?Sized>(r: &R) -> Result<Self, R::Error> {
        Ok(TokenRow {
            user_id: r.text(0)?,
            device_id: r.text(1)?,
            valid_until_ms: r.maybe_int(2)?,
            unused_refreshable: r.int(3)? != 0,
        })
    }
}

pub async fn count_users(db: &Db) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&db.pool)
        .await?)
}

/// (displayname, avatar_url) of a local user; `None` when the user does not exist.
pub async fn get_profile(
    db: &Db,
    user_id: &str,
) -> Result<Option<(Option<String>, Option<String>)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT displayname, avatar_url FROM users WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub async fn set_displayname(db: &Db, user_id: &str, name: Option<&str>) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET displayname = $1 WHERE user_id = $2")
        .bind(name)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn set_avatar_url(db: &Db, user_id: &str, url: Option<&str>) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET avatar_url = $1 WHERE user_id = $2")
        .bind(url)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// One device of a user.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub device_id: String,
    pub display_name: Option<String>,
}

pub async fn list_devices(db: &Db, user_id: &str) -> Result<Vec<DeviceRow>, StoreError> {
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT device_id, display_name FROM devices WHERE user_id = $1 ORDER BY created_ts, device_id")
            .bind(user_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(device_id, display_name)| DeviceRow {
            device_id,
            display_name,
        })
        .collect())
}

pub async fn get_device(
    db: &Db,
    user_id: &str,
    device_id: &str,
) -> Result<Option<DeviceRow>, StoreError> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT device_id, display_name FROM devices WHERE user_id = $1 AND device_id = $2",
    )
    .bind(user_id)
    .bind(device_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(device_id, display_name)| DeviceRow {
        device_id,
        display_name,
    }))
}

/// Sets a device's display name; `Ok(false)` when the device does not exist.
pub async fn set_device_display_name(
    db: &Db,
    user_id: &str,
    device_id: &str,
    name: Option<&str>,
) -> Result<bool, StoreError> {
    let res =
        sqlx::query("UPDATE devices SET display_name = $1 WHERE user_id = $2 AND device_id = $3")
            .bind(name)
            .bind(user_id)
            .bind(device_id)
            .execute(&db.pool)
            .await?;
    Ok(res.rows_affected() == 1)
}

/// Deletes the given devices, their access and refresh tokens and their pushers, in one
/// transaction. Unknown ids are
/// ignored.
pub async fn delete_devices(
    db: &Db,
    user_id: &str,
    device_ids: &[String],
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    for device_id in device_ids {
        sqlx::query(DELETE_DEVICE_ACCESS_TOKENS)
            .bind(user_id)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(DELETE_DEVICE_REFRESH_TOKENS)
            .bind(user_id)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM devices WHERE user_id = $1 AND device_id = $2")
            .bind(user_id)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
        // The device's pushers go with it, as in Synapse.
        sqlx::query("DELETE FROM pushers WHERE user_id = $1 AND device_id = $2")
            .bind(user_id)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    db.tokens.invalidate();
    Ok(())
}

/// Deletes every device, access token, refresh token and device's pusher of a user except
/// `keep`'s (a device id), in one transaction.
pub async fn delete_all_devices(
    db: &Db,
    user_id: &str,
    keep: Option<&str>,
) -> Result<(), StoreError> {
    let keep = keep.unwrap_or("");
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM access_tokens WHERE user_id = $1 AND device_id <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM refresh_tokens WHERE user_id = $1 AND device_id <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM devices WHERE user_id = $1 AND device_id <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM pushers WHERE user_id = $1 AND device_id <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    db.tokens.invalidate();
    Ok(())
}

pub async fn set_password_hash(
    db: &Db,
    user_id: &str,
    hash: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE user_id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Marks a user deactivated, forgets the password hash, and deletes every device, token
/// (access and refresh) and pusher, in one transaction.
pub async fn deactivate_user(db: &Db, user_id: &str) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE users SET deactivated = 1, password_hash = NULL WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM access_tokens WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM refresh_tokens WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM devices WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM pushers WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    db.tokens.invalidate();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(device: &str) -> TokenRow {
        TokenRow {
            user_id: "@a:x".into(),
            device_id: device.into(),
            valid_until_ms: None,
            unused_refreshable: false,
        }
    }

    fn cached(c: &TokenCache, hash: &str) -> Option<String> {
        let g = c.inner.lock().unwrap();
        g.1.get(hash).map(|r| r.device_id.clone())
    }

    #[test]
    fn a_login_replaces_its_device_token_and_keeps_the_others() {
        let c = TokenCache::default();
        c.inner.lock().unwrap().1.insert("old".into(), row("D1"));
        c.inner.lock().unwrap().1.insert("other".into(), row("D2"));
        let g = c.generation();
        c.replace_device(row("D1"), "new", g);
        assert_eq!(cached(&c, "old"), None);
        assert_eq!(cached(&c, "other").as_deref(), Some("D2"));
        assert_eq!(cached(&c, "new").as_deref(), Some("D1"));
        // A lookup that began before the login does not store what it read.
        assert_ne!(c.generation(), g);
    }

    #[test]
    fn a_login_racing_with_a_deletion_does_not_cache_its_token() {
        let c = TokenCache::default();
        let g = c.generation();
        // e.g. /logout/all committed after the login's insert: the new token may be gone.
        c.invalidate();
        c.replace_device(row("D1"), "new", g);
        assert_eq!(cached(&c, "new"), None);
    }
}
