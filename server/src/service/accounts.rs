//! Accounts: creating users, logging in, and resolving access tokens. Owns the username rules,
//! password hashing (argon2) and token generation. Tokens are stored hashed. Refresh tokens
//! and token lifetimes follow Synapse (`synapse/handlers/register.py` `register_device_inner`,
//! `synapse/handlers/auth.py` `refresh_token`): an access token issued with a refresh token
//! lives `refreshable_access_token_lifetime`; `/refresh` exchanges the refresh token for a new
//! pair, and the old one stays usable until the new access token is first used. Hashes imported
//! from Synapse (bcrypt, `$2b$…`) are checked as Synapse checks them (NFKC, then the configured
//! pepper appended, at most 72 bytes) and replaced by an argon2 hash on the first success.

use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use rand::RngExt as _;
use sha2::{Digest as _, Sha256};

use crate::config::SessionConfig;
pub use crate::store::accounts::DeviceRow;
use crate::store::accounts::{self as store, NewAccessToken, NewRefreshToken, NewUser, TokenRow};
use crate::store::{Db, StoreError, now_ms};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    InvalidUsername(String),
    #[error("User ID already taken.")]
    UserInUse,
    #[error("Invalid username or password")]
    BadLogin,
    #[error("This account has been deactivated")]
    Deactivated,
    /// The access token exists but its lifetime is over: the client refreshes or logs in
    /// again (a soft logout).
    #[error("Access token has expired")]
    TokenExpired,
    #[error("refresh token does not exist")]
    UnknownRefreshToken,
    #[error("refresh token isn't valid anymore")]
    RefreshTokenUsed,
    #[error("The supplied refresh token has expired")]
    RefreshTokenExpired,
    #[error("The session has expired and can no longer be refreshed")]
    SessionExpired,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// What a successful registration or login hands back.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub device_id: String,
    pub access_token: String,
    /// The device was created now under an id this server drew at random, so nothing can
    /// have been stored for it before (keys, to-device messages).
    pub fresh_device: bool,
    /// The device did not exist before this session (whoever chose its id).
    pub new_device: bool,
    /// Issued when the client asked for one and refresh tokens are enabled.
    pub refresh_token: Option<String>,
    /// When the access token expires (ms since the epoch), if it does.
    pub valid_until_ms: Option<i64>,
}

/// When a new login's tokens expire, and whether it gets a refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expiry {
    pub access_until: Option<i64>,
    /// `Some` when a refresh token is issued.
    pub refresh: Option<RefreshExpiry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshExpiry {
    pub expiry_ts: Option<i64>,
    pub ultimate_session_expiry_ts: Option<i64>,
}

impl Expiry {
    /// Synapse's `register_device_inner`: `session_lifetime` bounds everything, the
    /// non-refreshable lifetime a plain token, and a token with a refresh token lives
    /// `refreshable_access_token_lifetime`. A refresh token is issued only when the client
    /// asked (`refresh_token: true`) and the refreshable lifetime is configured.
    pub fn for_login(cfg: &SessionConfig, now: i64, wants_refresh: bool) -> Expiry {
        let after = |ms: u64| now.saturating_add(ms as i64);
        let session_end = cfg.session_lifetime_ms.map(after);
        let mut access_until = session_end;
        if let Some(ms) = cfg.nonrefreshable_access_token_lifetime_ms {
            access_until = Some(access_until.map_or(after(ms), |a| a.min(after(ms))));
        }
        let refreshable = cfg
            .refreshable_access_token_lifetime_ms
            .filter(|_| wants_refresh);
        let Some(refreshable) = refreshable else {
            return Expiry {
                access_until,
                refresh: None,
            };
        };
        let mut access_until = after(refreshable);
        let mut expiry_ts = cfg.refresh_token_lifetime_ms.map(after);
        if let Some(end) = session_end {
            access_until = access_until.min(end);
            expiry_ts = expiry_ts.map(|e| e.min(end));
        }
        Expiry {
            access_until: Some(access_until),
            refresh: Some(RefreshExpiry {
                expiry_ts,
                ultimate_session_expiry_ts: session_end,
            }),
        }
    }
}

/// What `/refresh` hands back.
#[derive(Debug, Clone)]
pub struct Refreshed {
    pub access_token: String,
    pub refresh_token: String,
    pub valid_until_ms: Option<i64>,
}

/// Checks a localpart for a new account the way Synapse does (after lower-casing): only
/// `a-z 0-9 . _ = - / +`, not starting with `_`, not all digits, and a user id of at most
/// 255 bytes.
pub fn check_new_localpart(localpart: &str, server_name: &str) -> Result<(), AccountError> {
    if localpart.is_empty() {
        return Err(AccountError::InvalidUsername(
            "User ID cannot be empty".into(),
        ));
    }
    if !localpart
        .chars()
        .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '=' | '-' | '/' | '+'))
    {
        return Err(AccountError::InvalidUsername(
            "User ID can only contain characters a-z, 0-9, or '=_-./+'".into(),
        ));
    }
    if localpart.starts_with('_') {
        return Err(AccountError::InvalidUsername(
            "User ID may not begin with _".into(),
        ));
    }
    if localpart.chars().all(|c| c.is_ascii_digit()) {
        return Err(AccountError::InvalidUsername(
            "Numeric user IDs are reserved for guest users.".into(),
        ));
    }
    if format!("@{localpart}:{server_name}").len() > 255 {
        return Err(AccountError::InvalidUsername(
            "User ID may not be longer than 255 characters".into(),
        ));
    }
    Ok(())
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

fn new_access_token() -> String {
    format!(
        "mdt_{}",
        random_string(
            40,
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        )
    )
}

fn new_refresh_token() -> String {
    format!(
        "mdr_{}",
        random_string(
            40,
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        )
    )
}

fn new_device_id() -> String {
    random_string(10, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
}

/// An argon2 PHC string for `password`, computed off the async threads.
/// Password hashes computed at once at most: each takes 19 MiB and a core for a while, so
/// more at once only queue for the CPU while holding memory.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

pub async fn hash_password(password: String) -> Result<String, AccountError> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| AccountError::Hash(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AccountError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| AccountError::Hash(e.to_string()))?
}

/// Whether `hash` is a bcrypt hash (Synapse's, imported by `matrixctl import-synapse`).
fn is_bcrypt(hash: &str) -> bool {
    hash.starts_with("$2")
}

/// The bytes Synapse gives bcrypt for `password` (`synapse/handlers/auth.py`, `validate_hash`):
/// the password normalised to NFKC, UTF-8, the pepper appended, cut to bcrypt's 72 bytes.
fn synapse_bcrypt_input(password: &str, pepper: &str) -> Vec<u8> {
    use unicode_normalization::UnicodeNormalization as _;
    let mut bytes: Vec<u8> = password.nfkc().collect::<String>().into_bytes();
    bytes.extend_from_slice(pepper.as_bytes());
    bytes.truncate(72);
    bytes
}

/// Checks `password` against a stored hash: argon2, or an imported Synapse bcrypt hash with
/// `pepper` (`password_config.pepper`). Both compare in constant time.
pub async fn verify_stored_password(
    password: String,
    hash: String,
    pepper: Option<String>,
) -> bool {
    if !is_bcrypt(&hash) {
        return verify_password(password, hash).await;
    }
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let input = synapse_bcrypt_input(&password, pepper.as_deref().unwrap_or(""));
        bcrypt::verify(input, &hash).unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// After a successful check against an imported bcrypt hash, stores an argon2 hash instead
/// (failures only delay it to the next login).
async fn rehash_if_bcrypt(db: &Db, user_id: &str, password: &str, hash: &str) {
    if !is_bcrypt(hash) {
        return;
    }
    match hash_password(password.to_string()).await {
        Ok(new) => {
            if let Err(e) = store::set_password_hash(db, user_id, Some(&new)).await {
                tracing::warn!(error = %e, user_id, "could not replace an imported bcrypt hash");
            }
        }
        Err(e) => tracing::warn!(error = %e, user_id, "could not hash a password"),
    }
}

/// Checks `password` against an argon2 PHC string (argon2 compares in constant time).
pub async fn verify_password(password: String, hash: String) -> bool {
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

pub struct NewAccount<'a> {
    pub localpart: &'a str,
    pub password: Option<&'a str>,
    pub admin: bool,
    pub user_type: Option<&'a str>,
    pub displayname: Option<&'a str>,
}

/// Creates the account and a first device with an access token.
pub async fn register(
    db: &Db,
    server_name: &str,
    new: NewAccount<'_>,
    expiry: Expiry,
) -> Result<Session, AccountError> {
    check_new_localpart(new.localpart, server_name)?;
    let user_id = format!("@{}:{server_name}", new.localpart);
    if store::get_user(db, &user_id).await?.is_some() {
        return Err(AccountError::UserInUse);
    }
    let password_hash = match new.password {
        Some(p) => Some(hash_password(p.to_string()).await?),
        None => None,
    };
    let user_id = create_user(db, server_name, &new, password_hash.as_deref()).await?;
    new_session(db, &user_id, None, None, expiry).await
}

/// Creates the account only (no device), with an already hashed password; returns the user id.
pub async fn create_user(
    db: &Db,
    server_name: &str,
    new: &NewAccount<'_>,
    password_hash: Option<&str>,
) -> Result<String, AccountError> {
    check_new_localpart(new.localpart, server_name)?;
    let user_id = format!("@{}:{server_name}", new.localpart);
    let inserted = store::insert_user(
        db,
        &NewUser {
            user_id: &user_id,
            localpart: new.localpart,
            password_hash,
            admin: new.admin,
            user_type: new.user_type,
            displayname: Some(new.displayname.unwrap_or(new.localpart)),
        },
    )
    .await?;
    if !inserted {
        return Err(AccountError::UserInUse);
    }
    Ok(user_id)
}

/// Adds a device (or reuses `device_id`) with a fresh access token, and a refresh token when
/// `expiry` says so.
pub async fn new_session(
    db: &Db,
    user_id: &str,
    device_id: Option<&str>,
    display_name: Option<&str>,
    expiry: Expiry,
) -> Result<Session, AccountError> {
    let drawn = device_id.is_none();
    let device_id = device_id.map(str::to_string).unwrap_or_else(new_device_id);
    let access_token = new_access_token();
    let refresh_token = expiry.refresh.map(|_| new_refresh_token());
    let access_hash = hash_token(&access_token);
    let refresh_hash = refresh_token.as_deref().map(hash_token);
    let created = store::insert_device_and_token(
        db,
        user_id,
        &device_id,
        display_name,
        &new_token(&access_hash, refresh_hash.as_deref(), &expiry),
    )
    .await?;
    Ok(Session {
        user_id: user_id.to_string(),
        device_id,
        access_token,
        fresh_device: drawn && created,
        new_device: created,
        refresh_token,
        valid_until_ms: expiry.access_until,
    })
}

fn new_token<'a>(
    access_hash: &'a str,
    refresh_hash: Option<&'a str>,
    expiry: &Expiry,
) -> NewAccessToken<'a> {
    NewAccessToken {
        token_hash: access_hash,
        valid_until_ms: expiry.access_until,
        refresh: refresh_hash
            .zip(expiry.refresh)
            .map(|(h, r)| NewRefreshToken {
                token_hash: h,
                expiry_ts: r.expiry_ts,
                ultimate_session_expiry_ts: r.ultimate_session_expiry_ts,
            }),
    }
}

/// Synapse's `AuthHandler.refresh_token`: exchanges a refresh token for a new access token
/// and refresh token. The new access token lives `refreshable_access_token_lifetime`, the new
/// refresh token `refresh_token_lifetime`, neither past the session's end.
pub async fn refresh(
    db: &Db,
    cfg: &SessionConfig,
    refresh_token: &str,
) -> Result<Refreshed, AccountError> {
    let now = now_ms();
    let old_hash = hash_token(refresh_token);
    let existing = store::find_refresh_token(db, &old_hash)
        .await?
        .ok_or(AccountError::UnknownRefreshToken)?;
    if existing.superseded {
        return Err(AccountError::RefreshTokenUsed);
    }
    if existing.expiry_ts.is_some_and(|e| e < now) {
        return Err(AccountError::RefreshTokenExpired);
    }
    let after = |ms: u64| now.saturating_add(ms as i64);
    let mut access_until = cfg.refreshable_access_token_lifetime_ms.map(after);
    let mut expiry_ts = cfg.refresh_token_lifetime_ms.map(after);
    if let Some(end) = existing.ultimate_session_expiry_ts {
        access_until = Some(access_until.map_or(end, |a| a.min(end)));
        expiry_ts = Some(expiry_ts.map_or(end, |e| e.min(end)));
        if end < now {
            return Err(AccountError::SessionExpired);
        }
    }
    let expiry = Expiry {
        access_until,
        refresh: Some(RefreshExpiry {
            expiry_ts,
            ultimate_session_expiry_ts: existing.ultimate_session_expiry_ts,
        }),
    };
    let access_token = new_access_token();
    let new_refresh = new_refresh_token();
    let access_hash = hash_token(&access_token);
    let refresh_hash = hash_token(&new_refresh);
    let rotated = store::rotate_refresh_token(
        db,
        &old_hash,
        &existing.user_id,
        &existing.device_id,
        &new_token(&access_hash, Some(&refresh_hash), &expiry),
    )
    .await?;
    if !rotated {
        return Err(AccountError::UnknownRefreshToken);
    }
    Ok(Refreshed {
        access_token,
        refresh_token: new_refresh,
        valid_until_ms: access_until,
    })
}

/// Password login for a local user id.
pub async fn login(
    db: &Db,
    user_id: &str,
    password: &str,
    pepper: Option<&str>,
    device_id: Option<&str>,
    display_name: Option<&str>,
    expiry: Expiry,
) -> Result<Session, AccountError> {
    let user = store::get_user(db, user_id).await?;
    let Some(user) = user else {
        // Spend the same time as a real check so timing does not reveal which users exist.
        let _ = verify_password(password.to_string(), dummy_hash().await).await;
        return Err(AccountError::BadLogin);
    };
    let Some(hash) = user.password_hash.clone() else {
        // Deactivation forgets the password hash, as in Synapse, which then says why.
        return Err(if user.deactivated {
            AccountError::Deactivated
        } else {
            AccountError::BadLogin
        });
    };
    if !verify_stored_password(password.to_string(), hash.clone(), pepper.map(String::from)).await {
        return Err(AccountError::BadLogin);
    }
    if user.deactivated {
        return Err(AccountError::Deactivated);
    }
    rehash_if_bcrypt(db, &user.user_id, password, &hash).await;
    new_session(db, &user.user_id, device_id, display_name, expiry).await
}

/// Re-authentication (UIA `m.login.password`): true when `password` is the user's. Unknown
/// users and users without a password spend the same time and get false.
pub async fn check_password(
    db: &Db,
    user_id: &str,
    password: &str,
    pepper: Option<&str>,
) -> Result<bool, AccountError> {
    let hash = store::get_user(db, user_id)
        .await?
        .and_then(|u| u.password_hash);
    match hash {
        Some(h) => {
            let ok =
                verify_stored_password(password.to_string(), h.clone(), pepper.map(String::from))
                    .await;
            if ok {
                rehash_if_bcrypt(db, user_id, password, &h).await;
            }
            Ok(ok)
        }
        None => {
            let _ = verify_password(password.to_string(), dummy_hash().await).await;
            Ok(false)
        }
    }
}

/// Resolves an access token to its user and device. An expired token is `TokenExpired`
/// unless `allow_expired` (logging out, as Synapse allows). The first use of a token issued
/// with a refresh token is recorded: it ends the refresh token it was exchanged for.
pub async fn authenticate(
    db: &Db,
    token: &str,
    allow_expired: bool,
) -> Result<Option<TokenRow>, AccountError> {
    let hash = hash_token(token);
    let Some(row) = store::find_token(db, &hash).await? else {
        return Ok(None);
    };
    if !allow_expired && row.valid_until_ms.is_some_and(|until| until < now_ms()) {
        return Err(AccountError::TokenExpired);
    }
    if row.unused_refreshable {
        store::mark_token_used(db, &hash).await?;
    }
    Ok(Some(row))
}

/// An argon2 hash of a random password, computed once, used to equalise timing for unknown
/// users.
async fn dummy_hash() -> String {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| async { hash_password(new_access_token()).await.unwrap_or_default() })
        .await
        .clone()
}

impl super::Services {
    /// The user and device behind an access token, if it is valid (see [`authenticate`]).
    pub async fn authenticate(
        &self,
        token: &str,
        allow_expired: bool,
    ) -> Result<Option<TokenRow>, AccountError> {
        authenticate(&self.db, token, allow_expired).await
    }

    /// When a login's tokens made now expire (`wants_refresh`: the client sent
    /// `refresh_token: true`).
    pub fn login_expiry(&self, wants_refresh: bool) -> Expiry {
        Expiry::for_login(&self.config.sessions, now_ms(), wants_refresh)
    }

    /// `POST /refresh` (see [`refresh`]); `None` when refresh tokens are off (Synapse then
    /// does not serve the endpoint).
    pub async fn refresh_tokens(
        &self,
        refresh_token: &str,
    ) -> Option<Result<Refreshed, AccountError>> {
        let cfg = &self.config.sessions;
        if !cfg.refresh_tokens_enabled() {
            return None;
        }
        Some(refresh(&self.db, cfg, refresh_token).await)
    }

    /// Password login (see [`login`]).
    pub async fn password_login(
        &self,
        user_id: &str,
        password: &str,
        device_id: Option<&str>,
        display_name: Option<&str>,
        wants_refresh: bool,
    ) -> Result<Session, AccountError> {
        let pepper = self.config.password_pepper.as_ref().map(|p| p.expose());
        let expiry = self.login_expiry(wants_refresh);
        let session = login(
            &self.db,
            user_id,
            password,
            pepper,
            device_id,
            display_name,
            expiry,
        )
        .await?;
        self.session_started(&session).await?;
        Ok(session)
    }

    /// A new device is announced, as Synapse does at login: to the user's own other devices
    /// and those sharing a room (device_lists.changed) and to the servers sharing a room.
    pub(crate) async fn session_started(&self, session: &Session) -> Result<(), AccountError> {
        if session.new_device {
            self.device_list_changed(&session.user_id, std::slice::from_ref(&session.device_id))
                .await?;
        }
        Ok(())
    }

    /// Creates an account and its first session (see [`register`]).
    pub async fn register_account(
        &self,
        account: NewAccount<'_>,
        wants_refresh: bool,
    ) -> Result<Session, AccountError> {
        let expiry = self.login_expiry(wants_refresh);
        register(&self.db, &self.config.server_name, account, expiry).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes made by Python's bcrypt as Synapse makes them: `file` (what NFKC makes of the
    /// ligature `ﬁle`) with the pepper `pepper!`, and 80 `x`s cut to 72 bytes.
    #[tokio::test]
    async fn synapse_bcrypt_hashes_check_with_nfkc_and_pepper() {
        let peppered = "$2b$04$cev8bKq1ojOq5uohoLw4BOvISFHPThypPlw0x3Rrb1TQlxLyzT6Yy".to_string();
        let pepper = Some("pepper!".to_string());
        assert!(
            verify_stored_password("\u{FB01}le".into(), peppered.clone(), pepper.clone()).await
        );
        assert!(verify_stored_password("file".into(), peppered.clone(), pepper).await);
        assert!(!verify_stored_password("file".into(), peppered.clone(), None).await);
        assert!(!verify_stored_password("fil".into(), peppered, Some("pepper!".into())).await);
        let long = "$2b$04$PuAQFKK3AlDZm81/ODLXBus3EiXTVK5kryGbrxpfziXUuP/Vvs7b2".to_string();
        assert!(verify_stored_password("x".repeat(80), long.clone(), None).await);
        assert!(!verify_stored_password("x".repeat(71), long, None).await);
    }

    /// `matrixctl import-synapse` stores Synapse's tokens hashed as logins here look them up.
    #[test]
    fn imported_tokens_are_hashed_alike() {
        assert_eq!(
            hash_token("syt_abc"),
            crate::store::synapse::token_hash("syt_abc")
        );
    }

    fn lifetimes(
        session: Option<u64>,
        refreshable: Option<u64>,
        refresh: Option<u64>,
        nonrefreshable: Option<u64>,
    ) -> SessionConfig {
        SessionConfig {
            session_lifetime_ms: session,
            refreshable_access_token_lifetime_ms: refreshable,
            refresh_token_lifetime_ms: refresh,
            nonrefreshable_access_token_lifetime_ms: nonrefreshable,
        }
    }

    /// Synapse's `register_device_inner`, case by case.
    #[test]
    fn login_expiry_follows_synapse() {
        let now = 1_000;
        // Defaults: a plain token never expires; asking for a refresh token gets one, and a
        // 5-minute access token.
        let d = SessionConfig::default();
        assert_eq!(Expiry::for_login(&d, now, false), Expiry::default());
        let e = Expiry::for_login(&d, now, true);
        assert_eq!(e.access_until, Some(now + 300_000));
        assert_eq!(
            e.refresh,
            Some(RefreshExpiry {
                expiry_ts: None,
                ultimate_session_expiry_ts: None
            })
        );
        // Refresh tokens off: the request is ignored.
        let off = lifetimes(None, None, None, None);
        assert_eq!(Expiry::for_login(&off, now, true), Expiry::default());
        // The non-refreshable lifetime, bounded by the session.
        let c = lifetimes(Some(50), Some(10), None, Some(100));
        assert_eq!(
            Expiry::for_login(&c, now, false).access_until,
            Some(now + 50)
        );
        let c = lifetimes(None, Some(10), None, Some(100));
        assert_eq!(
            Expiry::for_login(&c, now, false).access_until,
            Some(now + 100)
        );
        // Everything a refresh issues stops at the session's end.
        let c = lifetimes(Some(20), Some(30), Some(40), None);
        let e = Expiry::for_login(&c, now, true);
        assert_eq!(e.access_until, Some(now + 20));
        assert_eq!(
            e.refresh,
            Some(RefreshExpiry {
                expiry_ts: Some(now + 20),
                ultimate_session_expiry_ts: Some(now + 20)
            })
        );
    }

    #[test]
    fn localpart_rules_match_synapse() {
        assert!(check_new_localpart("alice", "example.org").is_ok());
        assert!(check_new_localpart("a.b_c=d-e/f+g", "example.org").is_ok());
        for bad in ["", "Alice", "al ice", "_bridge", "12345", "al:ice", "é"] {
            assert!(
                matches!(
                    check_new_localpart(bad, "example.org"),
                    Err(AccountError::InvalidUsername(_))
                ),
                "{bad}"
            );
        }
        let long = "a".repeat(250);
        assert!(check_new_localpart(&long, "example.org").is_err());
    }
}
