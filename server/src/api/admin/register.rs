//! GET and POST /_synapse/admin/v1/register — shared-secret registration, byte-compatible with
//! Synapse (docs/admin_api/register_api.md): single-use 60 s nonces and an HMAC-SHA1 over
//! `nonce\0username\0password\0admin|notadmin[\0user_type]`, compared in constant time.

use axum::extract::State;
use axum::http::StatusCode;
use hmac::{KeyInit as _, Mac as _};
use serde_json::Value;
use subtle::ConstantTimeEq as _;

use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::accounts::NewAccount;

/// User types Synapse accepts (`UserTypes.ALL_USER_TYPES`).
const USER_TYPES: &[&str] = &["support", "bot"];

/// `GET /_synapse/admin/v1/register`: a fresh nonce.
pub mod get {
    use ruma::api::auth_scheme::NoAuthentication;
    use ruma::api::metadata;
    use serde::Serialize;

    use crate::api::types::{impl_incoming_request, impl_json_response};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: NoAuthentication,
        path: "/_synapse/admin/v1/register",
    }

    pub struct Request {}

    impl_incoming_request!(|req, args| Ok(Request {}));

    #[derive(Serialize)]
    pub struct Response {
        pub nonce: String,
    }

    impl_json_response!();
}

/// `POST /_synapse/admin/v1/register`: registration with the shared secret.
pub mod post {
    use ruma::api::auth_scheme::NoAuthentication;
    use ruma::api::metadata;
    use serde::{Deserialize, Serialize};
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, impl_json_response, json_body, present};

    metadata! {
        method: POST,
        rate_limited: false,
        authentication: NoAuthentication,
        path: "/_synapse/admin/v1/register",
    }

    /// The fields stay JSON values: Synapse checks each by hand, in order, with its own
    /// errcodes (and takes the truthiness of `admin`).
    #[derive(Deserialize)]
    pub struct Request {
        #[serde(default, deserialize_with = "present")]
        pub nonce: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        pub username: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        pub password: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        pub admin: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        pub user_type: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        pub displayname: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        pub mac: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        pub refresh_token: Option<Value>,
    }

    impl_incoming_request!(|req, args| json_body(&req));

    #[derive(Serialize)]
    pub struct Response {
        pub access_token: String,
        pub user_id: String,
        pub home_server: String,
        pub device_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub refresh_token: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub expires_in_ms: Option<u64>,
    }

    impl_json_response!();
}

pub async fn get_register_nonce_route(
    State(services): State<SharedServices>,
    Ruma(_): Ruma<get::Request>,
) -> Result<RumaResponse<get::Response>, ApiError> {
    Ok(RumaResponse(get::Response {
        nonce: services.issue_register_nonce().await?,
    }))
}

/// The MAC a client must send, as lowercase hex.
pub fn registration_mac(
    secret: &str,
    nonce: &str,
    username: &str,
    password: &str,
    admin: bool,
    user_type: Option<&str>,
) -> String {
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(nonce.as_bytes());
    mac.update(b"\x00");
    mac.update(username.as_bytes());
    mac.update(b"\x00");
    mac.update(password.as_bytes());
    mac.update(b"\x00");
    mac.update(if admin {
        b"admin" as &[u8]
    } else {
        b"notadmin"
    });
    if let Some(t) = user_type.filter(|t| !t.is_empty()) {
        mac.update(b"\x00");
        mac.update(t.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}

fn bad(msg: &str, errcode: &'static str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, errcode, msg)
}

/// A string field of at most 512 characters without NUL, as Synapse requires.
fn checked_str<'a>(v: Option<&'a Value>, key: &str) -> Result<&'a str, ApiError> {
    let Some(v) = v else {
        return Err(bad(&format!("{key} must be specified"), "M_BAD_JSON"));
    };
    match v.as_str() {
        Some(s) if s.chars().count() <= 512 && !s.contains('\0') => Ok(s),
        _ => Err(bad(&format!("Invalid {key}"), "M_UNKNOWN")),
    }
}

pub async fn post_register_route(
    State(services): State<SharedServices>,
    Ruma(body): Ruma<post::Request>,
) -> Result<RumaResponse<post::Response>, ApiError> {
    let Some(secret) = services.config.registration_secret() else {
        return Err(bad(
            "Shared secret registration is not enabled",
            "M_UNKNOWN",
        ));
    };
    let Some(nonce) = &body.nonce else {
        return Err(bad("nonce must be specified", "M_BAD_JSON"));
    };
    // The nonce is spent here, before anything else can fail.
    let taken = match nonce.as_str() {
        Some(n) => services.take_register_nonce(n).await?,
        None => false,
    };
    if !taken {
        return Err(bad("unrecognised nonce", "M_UNKNOWN"));
    }
    let nonce = nonce.as_str().unwrap_or_default();
    let username = checked_str(body.username.as_ref(), "username")?;
    let password = checked_str(body.password.as_ref(), "password")?;
    // Synapse tests `admin` for truthiness, so 1 or "yes" also mean admin (and sign as such).
    let admin = match &body.admin {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    };
    let user_type = match &body.user_type {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if USER_TYPES.contains(&t.as_str()) => Some(t.as_str()),
        Some(_) => return Err(bad("Invalid user type", "M_UNKNOWN")),
    };
    let displayname = match &body.displayname {
        None | Some(Value::Null) => None,
        Some(Value::String(d)) => Some(d.as_str()),
        Some(_) => return Err(bad("Invalid displayname", "M_UNKNOWN")),
    };
    let Some(got) = &body.mac else {
        return Err(bad("mac must be specified", "M_BAD_JSON"));
    };
    let got = got.as_str().unwrap_or_default();
    let want = registration_mac(secret.expose(), nonce, username, password, admin, user_type);
    if !bool::from(want.as_bytes().ct_eq(got.as_bytes())) {
        // Synapse answers 403 with its default errcode, M_UNKNOWN; clients match on that.
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "M_UNKNOWN",
            "HMAC incorrect",
        ));
    }

    // Checked after the MAC, as Synapse does; honoured only while refresh tokens are enabled.
    let wants_refresh = match &body.refresh_token {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(bad("refresh_token must be a boolean", "M_UNKNOWN")),
    };
    let localpart = username.to_lowercase();
    let session = services
        .register_account(
            NewAccount {
                localpart: &localpart,
                password: Some(password),
                admin,
                user_type,
                displayname,
            },
            wants_refresh,
        )
        .await?;
    tracing::info!(user_id = %session.user_id, admin, "registered a user with the shared secret");
    Ok(RumaResponse(post::Response {
        access_token: session.access_token,
        user_id: session.user_id,
        home_server: services.config.server_name.clone(),
        device_id: session.device_id,
        refresh_token: session.refresh_token,
        expires_in_ms: session
            .valid_until_ms
            .map(|t| crate::api::client::login::expires_in(t).as_millis() as u64),
    }))
}

#[cfg(test)]
mod tests {
    use super::registration_mac;

    #[test]
    fn mac_matches_synapse_and_openssl() {
        // printf 'abc\0alice\0pw\0notadmin' | openssl sha1 -hmac secret
        assert_eq!(
            registration_mac("secret", "abc", "alice", "pw", false, None),
            "42e32623fe124933c326f9d2d67ff7c617915a10"
        );
        // An empty user_type is left out of the MAC, as Synapse's `if user_type:` does.
        assert_eq!(
            registration_mac("secret", "abc", "alice", "pw", false, Some("")),
            "42e32623fe124933c326f9d2d67ff7c617915a10"
        );
        // Python: hmac.new(b'secret', b'abc\x00alice\x00pw\x00admin\x00bot', sha1).hexdigest()
        assert_eq!(
            registration_mac("secret", "abc", "alice", "pw", true, Some("bot")),
            "403f9ef63d482b2509f8dd394af982a107ca97eb"
        );
    }
}
