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

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngExt as _;
use serde_json::{Map, Value, json};
use subtle::ConstantTimeEq as _;

use super::Services;
use super::accounts::{self, AccountError};
use crate::store::{StoreError, registration_tokens};

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
/// Unauthenticated clients can start sessions (registration): bound the memory they can take.
const MAX_SESSIONS: usize = 10_000;

struct Session {
    endpoint: String,
    user_id: Option<String>,
    created: Instant,
    completed: Vec<String>,
    params: Value,
    data: HashMap<&'static str, String>,
}

/// The in-memory session store.
pub struct UiaSessions {
    sessions: Mutex<HashMap<String, Session>>,
    lifetime: Duration,
}

impl Default for UiaSessions {
    fn default() -> Self {
        UiaSessions::new(SESSION_LIFETIME)
    }
}

/// A registration token whose reserved use must be given back.
type Released = Vec<String>;

impl UiaSessions {
    pub fn new(lifetime: Duration) -> Self {
        UiaSessions {
            sessions: Mutex::new(HashMap::new()),
            lifetime,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drops expired sessions (and, when full, the oldest), returning the registration tokens
    /// they had reserved without registering.
    fn evict(&self, map: &mut HashMap<String, Session>) -> Released {
        let now = Instant::now();
        let mut gone: Vec<String> = map
            .iter()
            .filter(|(_, s)| now.duration_since(s.created) >= self.lifetime)
            .map(|(k, _)| k.clone())
            .collect();
        if map.len() - gone.len() >= MAX_SESSIONS {
            let mut live: Vec<(&String, Instant)> = map
                .iter()
                .filter(|(k, _)| !gone.contains(k))
                .map(|(k, s)| (k, s.created))
                .collect();
            live.sort_by_key(|(_, t)| *t);
            let excess = map.len() - gone.len() + 1 - MAX_SESSIONS;
            gone.extend(live.into_iter().take(excess).map(|(k, _)| k.clone()));
        }
        let mut released = Vec::new();
        for k in gone {
            if let Some(s) = map.remove(&k)
                && !s.data.contains_key(data::REGISTERED_USER_ID)
                && let Some(t) = s.data.get(data::REGISTRATION_TOKEN)
            {
                released.push(t.clone());
            }
        }
        released
    }

    fn create(&self, endpoint: &str, user_id: Option<&str>, params: Value) -> (String, Released) {
        let id = random_session_id();
        let mut map = self.lock();
        let released = self.evict(&mut map);
        map.insert(
            id.clone(),
            Session {
                endpoint: endpoint.to_string(),
                user_id: user_id.map(str::to_string),
                created: Instant::now(),
                completed: Vec::new(),
                params,
                data: HashMap::new(),
            },
        );
        (id, released)
    }

    /// Continues a session: it must exist, be unexpired, and belong to this endpoint and user.
    /// A request with parameters replaces the stored ones; one without gets them back.
    fn resume(
        &self,
        id: &str,
        endpoint: &str,
        user_id: Option<&str>,
        params: &mut Value,
    ) -> Result<(), UiaError> {
        let mut map = self.lock();
        let Some(s) = map
            .get_mut(id)
            .filter(|s| s.created.elapsed() < self.lifetime)
        else {
            return Err(UiaError::UnknownSession(id.to_string()));
        };
        if s.endpoint != endpoint || s.user_id.as_deref() != user_id {
            return Err(UiaError::Changed);
        }
        if params.as_object().is_some_and(Map::is_empty) {
            *params = s.params.clone();
        } else {
            s.params = params.clone();
        }
        Ok(())
    }

    fn complete_stage(&self, id: &str, stage: &str) {
        if let Some(s) = self.lock().get_mut(id)
            && !s.completed.iter().any(|c| c == stage)
        {
            s.completed.push(stage.to_string());
        }
    }

    fn completed(&self, id: &str) -> Vec<String> {
        self.lock()
            .get(id)
            .map(|s| s.completed.clone())
            .unwrap_or_default()
    }

    pub fn get_data(&self, id: &str, key: &'static str) -> Option<String> {
        self.lock().get(id).and_then(|s| s.data.get(key).cloned())
    }

    pub fn set_data(&self, id: &str, key: &'static str, value: String) {
        if let Some(s) = self.lock().get_mut(id) {
            s.data.insert(key, value);
        }
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
                    .resume(sid, req.endpoint, req.user_id, &mut params)?;
                sid.clone()
            }
            None | Some(Value::Null) => {
                let (sid, released) = self.uia.create(req.endpoint, req.user_id, params.clone());
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
        let challenge = |error: Option<(&'static str, String)>| {
            UiaError::Incomplete(Box::new(UiaChallenge {
                session: session.clone(),
                flows: req.flows.clone(),
                completed: self.uia.completed(&session),
                error,
            }))
        };
        if auth.is_empty() {
            return Err(challenge(None));
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
                Ok(()) => self.uia.complete_stage(&session, stage),
                Err(StageError::Retry(code, msg)) => error = Some((code, msg)),
                Err(StageError::Fatal(e)) => return Err(e),
            }
        }
        let completed = self.uia.completed(&session);
        if req
            .flows
            .iter()
            .any(|f| f.iter().all(|s| completed.iter().any(|c| c == s)))
        {
            return Ok(UiaPassed { session, params });
        }
        Err(challenge(error))
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
        if let Some(stored) = self.uia.get_data(session, data::REGISTRATION_TOKEN) {
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
            self.uia
                .set_data(session, data::REGISTRATION_TOKEN, token.clone());
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

    #[test]
    fn sessions_are_bound_to_endpoint_and_user() {
        let s = UiaSessions::default();
        let (id, _) = s.create(
            "POST /account/password",
            Some("@a:x"),
            json!({"logout_devices": false}),
        );
        let mut p = json!({});
        s.resume(&id, "POST /account/password", Some("@a:x"), &mut p)
            .unwrap();
        assert_eq!(
            p,
            json!({"logout_devices": false}),
            "an empty body gets the first call's parameters"
        );
        assert!(matches!(
            s.resume(
                &id,
                "POST /account/deactivate",
                Some("@a:x"),
                &mut json!({})
            ),
            Err(UiaError::Changed)
        ));
        assert!(matches!(
            s.resume(&id, "POST /account/password", Some("@b:x"), &mut json!({})),
            Err(UiaError::Changed)
        ));
        assert!(matches!(
            s.resume(
                "nope",
                "POST /account/password",
                Some("@a:x"),
                &mut json!({})
            ),
            Err(UiaError::UnknownSession(_))
        ));
    }

    #[test]
    fn expired_sessions_release_their_tokens() {
        let s = UiaSessions::new(Duration::ZERO);
        let (id, _) = s.create("POST /register", None, json!({}));
        s.set_data(&id, data::REGISTRATION_TOKEN, "tok".into());
        assert!(matches!(
            s.resume(&id, "POST /register", None, &mut json!({})),
            Err(UiaError::UnknownSession(_))
        ));
        let (_, released) = s.create("POST /register", None, json!({}));
        assert_eq!(released, vec!["tok".to_string()]);
    }
}
