//! Pushers: where a user's notifications go (`GET /pushers`, `POST /pushers/set`), with
//! Synapse's rules: kinds `http` (a push gateway's `/_matrix/push/v1/notify` URL) and `email`
//! (only with email configured, to one of the user's addresses); one pusher per
//! (user, app_id, pushkey), a pushkey taken from other users unless `append`; a pusher
//! belongs to the device whose token set it (the store deletes it with the device).
//! Sending is `sender.rs`. Never imports axum.

pub mod sender;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, OnceLock, Weak};
use std::time::Instant;

use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::Services;
use super::safe_http::SafeClient;
use crate::store::pushers::{self as db, PusherRow};
use crate::store::{StoreError, now_ms};

/// The longest app_id and pushkey, in bytes (the spec's limits).
const MAX_APP_ID: usize = 64;
const MAX_PUSHKEY: usize = 512;
/// The path a push gateway's URL must have.
pub const NOTIFY_PATH: &str = "/_matrix/push/v1/notify";

#[derive(Debug, thiserror::Error)]
pub enum PusherError {
    /// A field is out of bounds (M_INVALID_PARAM).
    #[error("{0}")]
    Invalid(String),
    /// The pusher's data does not work for its kind (Synapse's "Config Error",
    /// M_MISSING_PARAM).
    #[error("Config Error: {0}")]
    Config(String),
    /// An email pusher for an address the user does not have (M_THREEPID_NOT_FOUND).
    #[error("Email not found")]
    ThreepidNotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A pusher as a client sets it.
pub struct NewPusher {
    pub app_id: String,
    pub pushkey: String,
    pub kind: String,
    pub data: Map<String, Value>,
    pub app_display_name: String,
    pub device_display_name: String,
    pub profile_tag: Option<String>,
    pub lang: String,
    pub append: bool,
}

/// (user, app_id, pushkey).
pub(crate) type PusherKey = (String, String, String);

/// What sending keeps in memory: the gateway client, whether any pusher exists, the delivery
/// task of each pusher with something to send, the badge each pusher last got.
#[derive(Default)]
pub struct Pushers {
    client: OnceLock<Result<SafeClient, String>>,
    /// Whether any pusher is stored, and when that was read (a pusher set by another
    /// process is seen within `sender::ANY_TTL`).
    any: Mutex<Option<(Instant, bool)>>,
    /// A refresh of `any` is under way.
    refreshing: AtomicBool,
    /// The task evaluating committed events, in commit order.
    dispatch: OnceLock<mpsc::UnboundedSender<Vec<(String, String)>>>,
    workers: Mutex<HashMap<PusherKey, mpsc::UnboundedSender<sender::Job>>>,
    last_badge: Mutex<HashMap<PusherKey, u64>>,
    /// The services, for the tasks started here.
    me: OnceLock<Weak<Services>>,
}

impl Pushers {
    /// Forgets the delivery task and badge of pushers that no longer exist.
    fn forget(&self, keep: impl Fn(&PusherKey) -> bool) {
        self.workers
            .lock()
            .expect("pusher workers")
            .retain(|k, _| keep(k));
        self.last_badge
            .lock()
            .expect("pusher badges")
            .retain(|k, _| keep(k));
    }
}

impl Services {
    /// `GET /pushers`: the user's pushers.
    pub async fn pushers_of(&self, user_id: &str) -> Result<Vec<PusherRow>, PusherError> {
        Ok(db::pushers_of(&self.db, user_id).await?)
    }

    /// `POST /pushers/set` with a kind: checks and stores the pusher for the device.
    pub async fn set_pusher(
        &self,
        user_id: &str,
        device_id: &str,
        p: NewPusher,
    ) -> Result<(), PusherError> {
        if p.app_id.len() > MAX_APP_ID {
            return Err(PusherError::Invalid(format!(
                "app_id must be at most {MAX_APP_ID} bytes"
            )));
        }
        if p.pushkey.len() > MAX_PUSHKEY {
            return Err(PusherError::Invalid(format!(
                "pushkey must be at most {MAX_PUSHKEY} bytes"
            )));
        }
        match p.kind.as_str() {
            "http" => {
                gateway_url(&p.data)?;
            }
            "email" => {
                if self.config.email.is_none() {
                    return Err(PusherError::Invalid(
                        "Email pushers are not available: this server has no email configured"
                            .into(),
                    ));
                }
                let address = p.pushkey.trim().to_lowercase();
                let owner = self.user_by_threepid("email", &address).await?;
                if owner.as_deref() != Some(user_id) {
                    return Err(PusherError::ThreepidNotFound);
                }
            }
            other => {
                return Err(PusherError::Invalid(format!("Unknown pusher kind {other}")));
            }
        }
        if !p.append {
            let taken =
                db::delete_pushers_of_others(&self.db, &p.app_id, &p.pushkey, user_id).await?;
            if taken > 0 {
                tracing::info!(app_id = p.app_id, "a pushkey moved to another user");
                self.pushers
                    .forget(|k| k.0 == user_id || k.1 != p.app_id || k.2 != p.pushkey);
            }
        }
        let row = PusherRow {
            user_id: user_id.to_string(),
            app_id: p.app_id,
            pushkey: p.pushkey,
            kind: p.kind,
            app_display_name: p.app_display_name,
            device_display_name: p.device_display_name,
            profile_tag: p.profile_tag,
            lang: p.lang,
            data: Value::Object(p.data).to_string(),
            device_id: Some(device_id.to_string()),
            pushkey_ts: now_ms(),
        };
        db::set_pusher(&self.db, &row).await?;
        let key = (row.user_id, row.app_id, row.pushkey);
        self.pushers.forget(|k| *k != key);
        *self.pushers.any.lock().expect("pushers any") = Some((Instant::now(), true));
        Ok(())
    }

    /// `POST /pushers/set` with `kind: null`: deletes the user's pusher, if any.
    pub async fn delete_pusher(
        &self,
        user_id: &str,
        app_id: &str,
        pushkey: &str,
    ) -> Result<(), PusherError> {
        db::delete_pusher(&self.db, user_id, app_id, pushkey).await?;
        self.pushers
            .forget(|k| k.0 != user_id || k.1 != app_id || k.2 != pushkey);
        Ok(())
    }
}

/// An http pusher's gateway URL (`data.url`): http(s), with the path `/_matrix/push/v1/notify`.
pub(crate) fn gateway_url(data: &Map<String, Value>) -> Result<url::Url, PusherError> {
    let Some(url) = data.get("url") else {
        return Err(PusherError::Config(
            "'url' required in data for HTTP pusher".into(),
        ));
    };
    let Some(url) = url.as_str() else {
        return Err(PusherError::Config("'url' must be a string".into()));
    };
    let parsed = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| PusherError::Config("'url' must be an http or https URL".into()))?;
    if parsed.path() != NOTIFY_PATH {
        return Err(PusherError::Config(format!(
            "'url' must have a path of '{NOTIFY_PATH}'"
        )));
    }
    Ok(parsed)
}
