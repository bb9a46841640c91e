//! How long logins last: Synapse's `session_lifetime`, `refreshable_access_token_lifetime`,
//! `refresh_token_lifetime` and `nonrefreshable_access_token_lifetime` (its
//! `synapse/config/registration.py`), with its defaults and its checks. Owns only their meaning;
//! issuing and checking tokens is `service::accounts`'.

use super::check::parse_duration_ms;
use super::problem::{Fix, Kind};
use super::reader::Section;

/// Synapse's default `refreshable_access_token_lifetime` ("5m"): refresh tokens are offered to
/// clients that ask for them unless the key is set to null.
pub const DEFAULT_REFRESHABLE_ACCESS_TOKEN_LIFETIME_MS: u64 = 5 * 60 * 1000;

/// Token lifetimes, in milliseconds; `None` is "no limit" (or, for the refreshable lifetime,
/// "no refresh tokens").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    /// `session_lifetime`: no access or refresh token outlives its login by more than this.
    pub session_lifetime_ms: Option<u64>,
    /// `refreshable_access_token_lifetime` (default 5m; null turns refresh tokens off): the
    /// life of an access token issued with a refresh token.
    pub refreshable_access_token_lifetime_ms: Option<u64>,
    /// `refresh_token_lifetime`: how long a refresh token may wait to be used.
    pub refresh_token_lifetime_ms: Option<u64>,
    /// `nonrefreshable_access_token_lifetime`: the life of an access token issued without one.
    pub nonrefreshable_access_token_lifetime_ms: Option<u64>,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            session_lifetime_ms: None,
            refreshable_access_token_lifetime_ms: Some(
                DEFAULT_REFRESHABLE_ACCESS_TOKEN_LIFETIME_MS,
            ),
            refresh_token_lifetime_ms: None,
            nonrefreshable_access_token_lifetime_ms: None,
        }
    }
}

impl SessionConfig {
    /// Whether clients that ask for refresh tokens get them (and `/refresh` is served).
    pub fn refresh_tokens_enabled(&self) -> bool {
        self.refreshable_access_token_lifetime_ms.is_some()
    }
}

fn duration(r: &mut Section<'_>, key: &str) -> Option<u64> {
    let v = r.raw(key)?;
    match parse_duration_ms(v) {
        Ok(ms) => Some(ms),
        Err(e) => {
            r.error(key, e, Fix::DurationMinutesDays);
            None
        }
    }
}

pub(super) fn read(r: &mut Section<'_>) -> SessionConfig {
    let session_lifetime_ms = duration(r, "session_lifetime");
    // Absent: Synapse's default; null: refresh tokens are off.
    let refreshable_set = r.present("refreshable_access_token_lifetime");
    let refreshable_access_token_lifetime_ms =
        match duration(r, "refreshable_access_token_lifetime") {
            Some(ms) => Some(ms),
            None if refreshable_set => None,
            None => Some(DEFAULT_REFRESHABLE_ACCESS_TOKEN_LIFETIME_MS),
        };
    let refresh_token_lifetime_ms = duration(r, "refresh_token_lifetime");
    let nonrefreshable_access_token_lifetime_ms =
        duration(r, "nonrefreshable_access_token_lifetime");
    // Synapse refuses to start when a token would outlive the session (the refreshable
    // lifetime only when set explicitly: its default is not compared).
    if let Some(session) = session_lifetime_ms {
        let explicit_refreshable = if r.contains("refreshable_access_token_lifetime") {
            refreshable_access_token_lifetime_ms
        } else {
            None
        };
        for (key, value) in [
            ("refreshable_access_token_lifetime", explicit_refreshable),
            ("refresh_token_lifetime", refresh_token_lifetime_ms),
            (
                "nonrefreshable_access_token_lifetime",
                nonrefreshable_access_token_lifetime_ms,
            ),
        ] {
            if let Some(ms) = value
                && ms > session
            {
                r.error(
                    key,
                    Kind::LifetimeExceedsSession {
                        lifetime_ms: ms,
                        session_ms: session,
                    },
                    Fix::LifetimeWithinSession,
                );
            }
        }
    }
    SessionConfig {
        session_lifetime_ms,
        refreshable_access_token_lifetime_ms,
        refresh_token_lifetime_ms,
        nonrefreshable_access_token_lifetime_ms,
    }
}
