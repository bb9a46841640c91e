//! User-interactive authentication (UIA) —
//! https://spec.matrix.org/v1.12/client-server-api/#user-interactive-authentication-api
//!
//! Owns the sessions and the stage checks (`m.login.dummy`, `m.login.password` for the
//! requesting user, `m.login.registration_token`). A session lives in memory for 48 hours, as
//! in Synapse; it is bound to the endpoint and the user it was started for, remembers the
//! parameters of the first request (so a client may send only `auth` later), the stages
//! completed, and data a flow carries between calls (a password hash, the registration token
//! reserved, the user id registered). Never imports axum: `api::client::uia` turns `UiaError`
//! into HTTP.

use std::time::Duration;

use rand::RngExt as _;
use serde_json::{Map, Value, json};
use subtle::ConstantTimeEq as _;

use super::Services;
use super::accounts::{self, AccountError};
use crate::store::uia as store_uia;
use crate::store::{Db, StoreError, now_ms, registration_tokens};

pub const DUMMY: &str = "m.login.dummy";
pub const PASSWORD: &str = "m.login.password";
pub const REGISTRATION_TOKEN: &str = "m.login.registration_token";

/// Keys of the data a session carries between calls.
pub mod data {
    /// An argon2 hash of the password given on an earlier call of the session.
    pub const PASSWORD_HASH: &str = "password_hash";
    /// The registration token whose use the session reserved.
    pub const REGISTRATION_TOKEN: &str = "registration_token";
    /// The user the session already registered (a retry logs in again instead).
    pub const REGISTERED_USER_ID: &str = "registered_user_id";
}

/// Synapse's `SESSION_EXPIRE_MS`.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(48 * 3600);
/// Unauthenticated clients can start sessions (registration): bound the room they can take.
const MAX_SESSIONS: i64 = 10_000;

/// The sessions, kept in the database (`store::uia`): any process sharing it continues a
/// session another began, and a restart keeps them.
pub struct UiaSessions {
    lifetime: Duration,
}

impl Default for UiaSessions {
    fn default() -> Self {
        UiaSessions::new(SESSION_LIFETIME)
    }
}

/// Registration tokens whose reserved use must be given back.
type Released = Vec<String>;

impl UiaSessions {
    pub fn new(lifetime: Duration) -> Self {
        UiaSessions { lifetime }
    }

    fn lifetime_ms(&self) -> i64 {
        i64::try_from(self.lifetime.as_millis()).unwrap_or(i64::MAX)
    }

    /// Starts a session, after dropping expired ones (and, when full, the oldest): returns its
    /// id and the registration tokens the dropped ones had reserved without registering.
    async fn create(
        &self,
        db: &Db,
        endpoint: &str,
        user_id: Option<&str>,
        params: &Value,
    ) -> Result<(String, Released), StoreError> {
        let now = now_ms();
        let released = store_uia::evict(db, now - self.lifetime_ms(), MAX_SESSIONS).await?;
        let id = random_session_id();
        store_uia::create(db, &id, endpoint, user_id, now, &params.to_string()).await?;
        Ok((id, released))
    }

    /// Continues a session: it must exist, be unexpired, and belong to this endpoint and user.
    /// A request with parameters replaces the stored ones; one without gets them back.
    async fn resume(
        &self,
        db: &Db,
        id: &str,
        endpoint: &str,
        user_id: Option<&str>,
        params: &mut Value,
    ) -> Result<(), UiaError> {
        let Some(s) = store_uia::get(db, id)
            .await?
            .filter(|s| now_ms() - s.created_ms < self.lifetime_ms())
        else {
            return Err(UiaError::UnknownSession(id.to_string()));
        };
        if s.endpoint != endpoint || s.user_id.as_deref() != user_id {
            return Err(UiaError::Changed);
        }
        if params.as_object().is_some_and(Map::is_empty) {
            *params = serde_json::from_str(&s.params).unwrap_or_else(|_| json!({}));
        } else {
            store_uia::set_params(db, id, &params.to_string()).await?;
        }
        Ok(())
    }
}

impl Services {
    /// A value a session's flow carries between calls.
    pub async fn uia_data(
        &self,
        session: &str,
        key: &'static str,
    ) -> Result<Option<String>, StoreError> {
        store_uia::get_data(&self.db, session, key).await
    }

    /// Sets a value the session's flow carries (nothing when the session is gone).
    pub async fn set_uia_data(
        &self,
        session: &str,
        key: &'static str,
        value: &str,
    ) -> Result<(), StoreError> {
        store_uia::set_data(&self.db, session, key, value).await
    }
}

fn random_session_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// What the client must still do: the body of a 401.
#[derive(Debug, Clone)]
pub struct UiaChallenge {
    pub session: String,
    pub flows: Vec<Vec<&'static str>>,
    pub completed: Vec<String>,
    /// Why the last stage failed (`errcode`, `error`), e.g. a wrong password.
    pub error: Option<(&'static str, String)>,
}

impl UiaChallenge {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "session": self.session,
            "flows": self.flows.iter().map(|f| json!({"stages": f})).collect::<Vec<_>>(),
            "params": {},
        });
        if !self.completed.is_empty() {
            v["completed"] = json!(self.completed);
        }
        if let Some((errcode, error)) = &self.error {
            v["errcode"] = json!(errcode);
            v["error"] = json!(error);
        }
        v
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UiaError {
    /// 401 with the flows: authentication is not complete.
    #[error("user-interactive authentication is incomplete")]
    Incomplete(Box<UiaChallenge>),
    #[error("Unknown session ID: {0}")]
    UnknownSession(String),
    #[error("Requested operation has changed during the UI authentication session.")]
    Changed,
    /// The stage authenticated someone other than the requesting user.
    #[error("Invalid auth")]
    WrongUser,
    /// Any other refusal, with its HTTP status and errcode.
    #[error("{message}")]
    Client {
        status: u16,
        errcode: &'static str,
        message: String,
    },
    /// A rate limit refused the call (milliseconds until it may be retried).
    #[error("Too Many Requests")]
    RateLimited(u64),
    #[error(transparent)]
    Account(#[from] AccountError),
}

impl From<super::ratelimit::RetryAfter> for UiaError {
    fn from(r: super::ratelimit::RetryAfter) -> Self {
        UiaError::RateLimited(r.0)
    }
}

impl UiaError {
    pub fn client(status: u16, errcode: &'static str, message: impl Into<String>) -> Self {
        UiaError::Client {
            status,
            errcode,
            message: message.into(),
        }
    }
}

impl From<StoreError> for UiaError {
    fn from(e: StoreError) -> Self {
        UiaError::Account(AccountError::Store(e))
    }
}

/// A stage that failed: reported inside the 401 body (`Retry`) or as its own error.
enum StageError {
    Retry(&'static str, String),
    Fatal(UiaError),
}

impl From<UiaError> for StageError {
    fn from(e: UiaError) -> Self {
        StageError::Fatal(e)
    }
}

/// One endpoint's request for authentication.
pub struct UiaRequest<'a> {
    /// Method and path template, e.g. `"POST /account/password"`.
    pub endpoint: &'a str,
    /// The authenticated user (re-authentication), or `None` (registration).
    pub user_id: Option<&'a str>,
    pub flows: Vec<Vec<&'static str>>,
    /// The whole JSON body, `auth` included.
    pub body: Value,
}

/// Authentication is complete.
#[derive(Debug)]
pub struct UiaPassed {
    pub session: String,
    /// The request parameters (without `auth`), from this call or the session's first.
    pub params: Value,
}

impl Services {
    /// Runs one round of UIA: starts or resumes the session, checks the stage in `auth`, and
    /// either passes or says what is missing.
    pub async fn user_interactive_auth(&self, req: UiaRequest<'_>) -> Result<UiaPassed, UiaError> {
        let mut params = req.body;
        let auth = params.as_object_mut().and_then(|o| o.remove("auth"));
        let auth = match auth {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m,
            Some(_) => {
                return Err(UiaError::client(
                    400,
                    "M_BAD_JSON",
                    "auth must be an object",
                ));
            }
        };
        let session = match auth.get("session") {
            Some(Value::String(sid)) if !sid.is_empty() => {
                self.uia
                    .resume(&self.db, sid, req.endpoint, req.user_id, &mut params)
                    .await?;
                sid.clone()
            }
            None | Some(Value::Null) => {
                let (sid, released) = self
                    .uia
                    .create(&self.db, req.endpoint, req.user_id, &params)
                    .await?;
                for token in released {
                    registration_tokens::release(&self.db, &token).await?;
                }
                sid
            }
            Some(_) => {
                return Err(UiaError::client(
                    400,
                    "M_INVALID_PARAM",
                    "session must be a string",
                ));
            }
        };
        let challenge = |completed: Vec<String>, error: Option<(&'static str, String)>| {
            UiaError::Incomplete(Box::new(UiaChallenge {
                session: session.clone(),
                flows: req.flows.clone(),
                completed,
                error,
            }))
        };
        if auth.is_empty() {
            let completed = store_uia::stages(&self.db, &session).await?;
            return Err(challenge(completed, None));
        }
        let mut error = None;
        if let Some(t) = auth.get("type") {
            let Some(stage) = t.as_str() else {
                return Err(UiaError::client(
                    400,
                    "M_INVALID_PARAM",
                    "Bad parameter: type",
                ));
            };
            let Some(stage) = req.flows.iter().flatten().find(|s| **s == stage).copied() else {
                return Err(UiaError::client(
                    400,
                    "M_UNKNOWN",
                    format!("Unknown login type {stage}"),
                ));
            };
            match self.check_stage(stage, &auth, &session, req.user_id).await {
                Ok(()) => store_uia::add_stage(&self.db, &session, stage, now_ms()).await?,
                Err(StageError::Retry(code, msg)) => error = Some((code, msg)),
                Err(StageError::Fatal(e)) => return Err(e),
            }
        }
        let completed = store_uia::stages(&self.db, &session).await?;
        if req
            .flows
            .iter()
            .any(|f| f.iter().all(|s| completed.iter().any(|c| c == s)))
        {
            return Ok(UiaPassed { session, params });
        }
        Err(challenge(completed, error))
    }

    async fn check_stage(
        &self,
        stage: &str,
        auth: &Map<String, Value>,
        session: &str,
        user_id: Option<&str>,
    ) -> Result<(), StageError> {
        match stage {
            DUMMY => Ok(()),
            PASSWORD => self.check_password_stage(auth, user_id).await,
            REGISTRATION_TOKEN => self.check_token_stage(auth, session).await,
            super::threepid::EMAIL_IDENTITY => match self
                .check_email_identity_stage(auth, session)
                .await
                .map_err(UiaError::from)?
            {
                Ok(()) => Ok(()),
                Err((code, msg)) => Err(StageError::Retry(code, msg)),
            },
            other => Err(
                UiaError::client(400, "M_UNKNOWN", format!("Unknown login type {other}")).into(),
            ),
        }
    }

    async fn check_password_stage(
        &self,
        auth: &Map<String, Value>,
        user_id: Option<&str>,
    ) -> Result<(), StageError> {
        let Some(requester) = user_id else {
            return Err(
                UiaError::client(400, "M_UNKNOWN", "Unknown login type m.login.password").into(),
            );
        };
        let Some(password) = auth.get("password").and_then(Value::as_str) else {
            return Err(UiaError::client(400, "M_INVALID_PARAM", "Bad parameter: password").into());
        };
        let user = match (auth.get("identifier"), auth.get("user")) {
            (Some(Value::Object(id)), _) => {
                if id.get("type").and_then(Value::as_str) != Some("m.id.user") {
                    return Err(UiaError::client(
                        400,
                        "M_UNKNOWN",
                        "Unknown login identifier type",
                    )
                    .into());
                }
                match id.get("user").and_then(Value::as_str) {
                    Some(u) => u.to_string(),
                    None => {
                        return Err(UiaError::client(
                            400,
                            "M_UNKNOWN",
                            "User identifier is missing 'user' key",
                        )
                        .into());
                    }
                }
            }
            (None, Some(Value::String(u))) => u.clone(),
            _ => {
                return Err(
                    UiaError::client(400, "M_MISSING_PARAM", "Missing param: identifier").into(),
                );
            }
        };
        let server_name = &self.config.server_name;
        let claimed = match user.strip_prefix('@') {
            Some(rest) => match rest.split_once(':') {
                Some((local, server)) if server == server_name => {
                    format!("@{}:{server_name}", local.to_lowercase())
                }
                _ => {
                    return Err(StageError::Retry(
                        "M_FORBIDDEN",
                        "Invalid username or password".into(),
                    ));
                }
            },
            None => format!("@{}:{server_name}", user.to_lowercase()),
        };
        let pepper = self.config.password_pepper.as_ref().map(|p| p.expose());
        if !accounts::check_password(&self.db, &claimed, password, pepper)
            .await
            .map_err(UiaError::from)?
        {
            return Err(StageError::Retry(
                "M_FORBIDDEN",
                "Invalid username or password".into(),
            ));
        }
        if claimed != requester {
            return Err(UiaError::WrongUser.into());
        }
        Ok(())
    }

    async fn check_token_stage(
        &self,
        auth: &Map<String, Value>,
        session: &str,
    ) -> Result<(), StageError> {
        let token = match auth.get("token") {
            None => {
                return Err(StageError::Retry(
                    "M_MISSING_PARAM",
                    "Missing registration token".into(),
                ));
            }
            Some(Value::String(t)) => t,
            Some(_) => {
                return Err(StageError::Retry(
                    "M_INVALID_PARAM",
                    "Registration token must be a string".into(),
                ));
            }
        };
        if let Some(stored) = self
            .uia_data(session, data::REGISTRATION_TOKEN)
            .await
            .map_err(UiaError::from)?
        {
            if bool::from(stored.as_bytes().ct_eq(token.as_bytes())) {
                return Ok(());
            }
            return Err(StageError::Retry(
                "M_INVALID_PARAM",
                "Registration token has changed".into(),
            ));
        }
        if registration_tokens::reserve(&self.db, token)
            .await
            .map_err(UiaError::from)?
        {
            self.set_uia_data(session, data::REGISTRATION_TOKEN, token)
                .await
                .map_err(UiaError::from)?;
            return Ok(());
        }
        Err(StageError::Retry(
            "M_UNAUTHORIZED",
            "Invalid registration token".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sessions_are_bound_to_endpoint_and_user() {
        let (db, s) = (Db::in_memory().await, UiaSessions::default());
        let (id, _) = s
            .create(
                &db,
                "POST /account/password",
                Some("@a:x"),
                &json!({"logout_devices": false}),
            )
            .await
            .unwrap();
        let mut p = json!({});
        s.resume(&db, &id, "POST /account/password", Some("@a:x"), &mut p)
            .await
            .unwrap();
        assert_eq!(
            p,
            json!({"logout_devices": false}),
            "an empty body gets the first call's parameters"
        );
        let mut other = json!({"logout_devices": true});
        s.resume(&db, &id, "POST /account/password", Some("@a:x"), &mut other)
            .await
            .unwrap();
        let mut p = json!({});
        s.resume(&db, &id, "POST /account/password", Some("@a:x"), &mut p)
            .await
            .unwrap();
        assert_eq!(
            p,
            json!({"logout_devices": true}),
            "later parameters replace"
        );
        for (endpoint, user) in [
            ("POST /account/deactivate", Some("@a:x")),
            ("POST /account/password", Some("@b:x")),
            ("POST /account/password", None),
        ] {
            assert!(matches!(
                s.resume(&db, &id, endpoint, user, &mut json!({})).await,
                Err(UiaError::Changed)
            ));
        }
        assert!(matches!(
            s.resume(
                &db,
                "nope",
                "POST /account/password",
                Some("@a:x"),
                &mut json!({})
            )
            .await,
            Err(UiaError::UnknownSession(_))
        ));
        // Stages in the order completed, once each.
        store_uia::add_stage(&db, &id, PASSWORD, 5).await.unwrap();
        store_uia::add_stage(&db, &id, DUMMY, 7).await.unwrap();
        store_uia::add_stage(&db, &id, PASSWORD, 9).await.unwrap();
        assert_eq!(
            store_uia::stages(&db, &id).await.unwrap(),
            vec![PASSWORD.to_string(), DUMMY.to_string()]
        );
    }

    #[tokio::test]
    async fn expired_sessions_release_their_tokens() {
        let db = Db::in_memory().await;
        let s = UiaSessions::new(Duration::from_secs(60));
        let old = now_ms() - 61_000;
        for id in ["expired", "registered"] {
            store_uia::create(&db, id, "POST /register", None, old, "{}")
                .await
                .unwrap();
        }
        store_uia::set_data(&db, "expired", data::REGISTRATION_TOKEN, "tok")
            .await
            .unwrap();
        // One that registered keeps its token's use.
        store_uia::set_data(&db, "registered", data::REGISTRATION_TOKEN, "used")
            .await
            .unwrap();
        store_uia::set_data(&db, "registered", data::REGISTERED_USER_ID, "@u:x")
            .await
            .unwrap();
        assert!(matches!(
            s.resume(&db, "expired", "POST /register", None, &mut json!({}))
                .await,
            Err(UiaError::UnknownSession(_))
        ));
        let (fresh, released) = s
            .create(&db, "POST /register", None, &json!({}))
            .await
            .unwrap();
        assert_eq!(released, vec!["tok".to_string()]);
        for id in ["expired", "registered"] {
            assert!(store_uia::get(&db, id).await.unwrap().is_none(), "{id}");
        }
        assert!(store_uia::get(&db, &fresh).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn sessions_past_the_bound_go_oldest_first() {
        let db = Db::in_memory().await;
        for i in 0..5 {
            store_uia::create(
                &db,
                &format!("s{i}"),
                "POST /register",
                None,
                1000 + i,
                "{}",
            )
            .await
            .unwrap();
        }
        store_uia::evict(&db, 0, 3).await.unwrap();
        let left: Vec<bool> = {
            let mut v = Vec::new();
            for i in 0..5 {
                v.push(
                    store_uia::get(&db, &format!("s{i}"))
                        .await
                        .unwrap()
                        .is_some(),
                );
            }
            v
        };
        assert_eq!(
            left,
            vec![false, false, false, true, true],
            "room for one more under 3"
        );
    }
}
