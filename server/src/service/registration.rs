//! Open registration through the client API (`POST /register`), as Synapse does it: refused
//! unless `enable_registration`; user-interactive auth with `m.login.dummy`, preceded by
//! `m.login.registration_token` when `registration_requires_token`; the username checked before
//! any stage; the password hashed into the session on the first call; a retry of a session that
//! already registered logs in again instead of registering twice. Never imports axum.

use rand::RngExt as _;
use serde_json::Value;

use super::Services;
use super::accounts::{self, AccountError, NewAccount};
use super::ratelimit::Kind;
use super::uia::{self, UiaError, UiaRequest, data};
use crate::store::{accounts as store, registration_tokens};

/// The answer to a completed registration.
#[derive(Debug)]
pub struct Registered {
    pub user_id: String,
    /// `None` with `inhibit_login`.
    pub device_id: Option<String>,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// When the access token expires (ms since the epoch), if it does.
    pub valid_until_ms: Option<i64>,
}

/// Synapse's limit on usernames and passwords sent to /register.
const MAX_FIELD_LEN: usize = 512;

impl Services {
    /// The UIA flows /register offers.
    pub fn registration_flows(&self) -> Vec<Vec<&'static str>> {
        if self.config.registration_requires_token {
            vec![vec![uia::REGISTRATION_TOKEN, uia::DUMMY]]
        } else {
            vec![vec![uia::DUMMY]]
        }
    }

    /// Refuses unless open registration is enabled.
    pub fn check_registration_enabled(&self) -> Result<(), UiaError> {
        if !self.config.enable_registration {
            return Err(UiaError::client(
                403,
                "M_FORBIDDEN",
                "Registration has been disabled",
            ));
        }
        Ok(())
    }

    /// `GET /register/available`: `Ok` when `username` could be registered now.
    pub async fn check_username_available(&self, username: &str) -> Result<(), UiaError> {
        self.check_registration_enabled()?;
        self.check_username(&username.to_lowercase(), None).await
    }

    /// `GET /register/m.login.registration_token/validity`.
    pub async fn registration_token_is_valid(&self, token: &str) -> Result<bool, UiaError> {
        Ok(registration_tokens::is_valid(&self.db, token).await?)
    }

    /// Synapse's `check_username`: valid, not taken, or the user this session already made.
    async fn check_username(
        &self,
        localpart: &str,
        assigned: Option<&str>,
    ) -> Result<(), UiaError> {
        accounts::check_new_localpart(localpart, &self.config.server_name)?;
        let user_id = format!("@{localpart}:{}", self.config.server_name);
        if let Some(assigned) = assigned {
            if assigned == user_id {
                return Ok(());
            }
            return Err(UiaError::client(
                400,
                "M_UNKNOWN",
                "A different user ID has already been registered for this session",
            ));
        }
        if store::get_user(&self.db, &user_id).await?.is_some() {
            return Err(AccountError::UserInUse.into());
        }
        Ok(())
    }

    /// One call of `POST /register`, as Synapse answers it: guests are refused, any other
    /// `kind` but `user` is not understood, an access token is refused (we serve no
    /// application services), and rc_registration is checked on every attempt (per client
    /// address, `client`) but counted only when an account is made.
    pub async fn register(
        &self,
        client: &str,
        kind: Option<&str>,
        has_access_token: bool,
        body: Value,
    ) -> Result<Registered, UiaError> {
        match kind.unwrap_or("user") {
            "user" => {}
            "guest" => {
                return Err(UiaError::client(
                    403,
                    "M_GUEST_ACCESS_FORBIDDEN",
                    "Guest access is disabled",
                ));
            }
            other => {
                return Err(UiaError::client(
                    400,
                    "M_UNRECOGNIZED",
                    format!("Do not understand membership kind: {other}"),
                ));
            }
        }
        if has_access_token {
            return Err(UiaError::client(
                400,
                "M_UNKNOWN",
                "An access token should not be provided on requests to /register (except if type is m.login.application_service)",
            ));
        }
        let limit = self.config.rate_limits.registration;
        self.limiter.peek(Kind::Registration, client, limit)?;
        let registered = self.register_with_uia(body).await?;
        self.limiter.record(Kind::Registration, client, limit);
        Ok(registered)
    }

    /// One call of `POST /register` with `kind=user`; `body` is the whole JSON body.
    async fn register_with_uia(&self, mut body: Value) -> Result<Registered, UiaError> {
        // Read from this call's body (not the session's first), as Synapse does.
        let wants_refresh = match body.get("refresh_token") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(UiaError::client(
                    400,
                    "M_UNKNOWN",
                    "`refresh_token` should be true or false.",
                ));
            }
        };
        self.check_registration_enabled()?;
        let obj = body
            .as_object_mut()
            .ok_or_else(|| UiaError::client(400, "M_NOT_JSON", "Content not JSON."))?;
        let username = match obj.get("username") {
            None | Some(Value::Null) => None,
            Some(Value::String(u)) if u.len() <= MAX_FIELD_LEN => Some(u.to_lowercase()),
            Some(_) => return Err(UiaError::client(400, "M_UNKNOWN", "Invalid username")),
        };
        // The password never goes into the session's stored parameters, only its hash.
        let password = match obj.remove("password") {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) if p.len() <= MAX_FIELD_LEN => Some(p),
            Some(_) => return Err(UiaError::client(400, "M_UNKNOWN", "Invalid password")),
        };
        let session_id = obj
            .get("auth")
            .and_then(|a| a.get("session"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let (mut registered_user, mut password_hash) = (None, None);
        if let Some(sid) = &session_id {
            registered_user = self.uia_data(sid, data::REGISTERED_USER_ID).await?;
            password_hash = self.uia_data(sid, data::PASSWORD_HASH).await?;
        }
        if let Some(u) = &username {
            self.check_username(u, registered_user.as_deref()).await?;
        }

        let request = UiaRequest {
            endpoint: "POST /register",
            user_id: None,
            flows: self.registration_flows(),
            body,
        };
        let passed = match self.user_interactive_auth(request).await {
            Ok(p) => p,
            Err(UiaError::Incomplete(challenge)) => {
                if let (Some(p), None) = (&password, &password_hash)
                    && self
                        .uia_data(&challenge.session, data::PASSWORD_HASH)
                        .await?
                        .is_none()
                {
                    let hash = accounts::hash_password(p.clone()).await?;
                    self.set_uia_data(&challenge.session, data::PASSWORD_HASH, &hash)
                        .await?;
                }
                return Err(UiaError::Incomplete(challenge));
            }
            Err(e) => return Err(e),
        };
        let params = passed.params;

        let (user_id, newly_registered) = match registered_user {
            Some(u) => (u, false),
            None => {
                let hash = match password {
                    Some(p) => Some(accounts::hash_password(p).await?),
                    None => password_hash,
                };
                let Some(hash) = hash else {
                    return Err(UiaError::client(
                        400,
                        "M_MISSING_PARAM",
                        "Missing params: password",
                    ));
                };
                let user_id = match params.get("username").and_then(Value::as_str) {
                    Some(u) => self.create_account(&u.to_lowercase(), &hash).await?,
                    None => self.create_random_account(&hash).await?,
                };
                self.set_uia_data(&passed.session, data::REGISTERED_USER_ID, &user_id)
                    .await?;
                (user_id, true)
            }
        };

        let mut out = Registered {
            user_id: user_id.clone(),
            device_id: None,
            access_token: None,
            refresh_token: None,
            valid_until_ms: None,
        };
        if !params
            .get("inhibit_login")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            let device_id = params.get("device_id").and_then(Value::as_str);
            let display_name = params
                .get("initial_device_display_name")
                .and_then(Value::as_str);
            let before = self.stream_position();
            let expiry = self.login_expiry(wants_refresh);
            let s =
                accounts::new_session(&self.db, &user_id, device_id, display_name, expiry).await?;
            self.session_started(&s).await?;
            if s.fresh_device {
                self.device_created(&s.user_id, &s.device_id, before);
            }
            out.device_id = Some(s.device_id);
            out.access_token = Some(s.access_token);
            out.refresh_token = s.refresh_token;
            out.valid_until_ms = s.valid_until_ms;
        }
        if newly_registered
            && let Some(token) = self
                .uia_data(&passed.session, data::REGISTRATION_TOKEN)
                .await?
        {
            registration_tokens::complete(&self.db, &token).await?;
        }
        Ok(out)
    }

    async fn create_account(
        &self,
        localpart: &str,
        password_hash: &str,
    ) -> Result<String, UiaError> {
        let new = NewAccount {
            localpart,
            password: None,
            admin: false,
            user_type: None,
            displayname: None,
        };
        Ok(accounts::create_user(
            &self.db,
            &self.config.server_name,
            &new,
            Some(password_hash),
        )
        .await?)
    }

    /// No username given: Synapse picks the next number, but numeric localparts are reserved
    /// for guests here, so pick random letters and digits that start with a letter.
    async fn create_random_account(&self, password_hash: &str) -> Result<String, UiaError> {
        for _ in 0..10 {
            match self
                .create_account(&random_localpart(), password_hash)
                .await
            {
                Err(UiaError::Account(AccountError::UserInUse)) => continue,
                other => return other,
            }
        }
        Err(AccountError::UserInUse.into())
    }
}

/// 12 characters of `a-z0-9`, starting with a letter (so never all digits).
pub fn random_localpart() -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let mut s = String::with_capacity(12);
    s.push(LETTERS[rng.random_range(0..LETTERS.len())] as char);
    for _ in 1..12 {
        s.push(ALNUM[rng.random_range(0..ALNUM.len())] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::random_localpart;

    #[test]
    fn random_localparts_are_valid_and_not_numeric() {
        for _ in 0..200 {
            let l = random_localpart();
            assert_eq!(l.len(), 12);
            assert!(l.starts_with(|c: char| c.is_ascii_lowercase()));
            assert!(
                crate::service::accounts::check_new_localpart(&l, "example.org").is_ok(),
                "{l}"
            );
        }
    }
}
