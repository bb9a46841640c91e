//! GET and POST /_matrix/client/*/login — https://spec.matrix.org/v1.12/client-server-api/#login

use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use ruma::api::client::session::{get_login_types, login};
use ruma::api::client::uiaa::UserIdentifier;
use ruma::{OwnedDeviceId, OwnedServerName, UserId};

use crate::api::ApiError;
use crate::api::extract::{ClientIp, JSON_BODY_LIMIT, Ruma, RumaResponse};
use crate::service::ratelimit::Kind;
use crate::service::{SharedServices, accounts};

pub async fn get_login_types_route(
    Ruma(_req): Ruma<get_login_types::v3::Request>,
) -> RumaResponse<get_login_types::v3::Response> {
    RumaResponse(get_login_types::v3::Response::new(vec![
        get_login_types::v3::LoginType::Password(get_login_types::v3::PasswordLoginType::new()),
    ]))
}

/// Maps `alice`, `@alice:example.org` or `@Alice:example.org` to a local user id, or `None`
/// for a user of another server.
fn local_user_id(user: &str, server_name: &str) -> Option<String> {
    if user.starts_with('@') {
        let parsed = UserId::parse(user).ok()?;
        if parsed.server_name().as_str() != server_name {
            return None;
        }
        Some(format!(
            "@{}:{server_name}",
            parsed.localpart().to_lowercase()
        ))
    } else {
        Some(format!("@{}:{server_name}", user.to_lowercase()))
    }
}

/// A login request whose body has a string `type` (ruma's parser panics without one).
pub struct LoginRequest(login::v3::Request);

impl<S: Send + Sync> FromRequest<S> for LoginRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, JSON_BODY_LIMIT)
            .await
            .map_err(|_| ApiError::too_large(JSON_BODY_LIMIT))?;
        // ruma reads an empty body as `{}`.
        let body = if bytes.iter().all(u8::is_ascii_whitespace) {
            Ok(serde_json::Value::Object(Default::default()))
        } else {
            serde_json::from_slice(&bytes)
        };
        if let Ok(serde_json::Value::Object(o)) = body
            && !o.get("type").is_some_and(serde_json::Value::is_string)
        {
            return Err(ApiError::bad_json("'type' must be a string"));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        let Ruma(inner) = Ruma::from_request(req, state).await?;
        Ok(LoginRequest(inner))
    }
}

#[allow(deprecated)]
pub async fn post_login_route(
    State(services): State<SharedServices>,
    ip: ClientIp,
    LoginRequest(req): LoginRequest,
) -> Result<RumaResponse<login::v3::Response>, ApiError> {
    let server_name = &services.config.server_name;
    let login::v3::LoginInfo::Password(pw) = &req.login_info else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "M_UNKNOWN",
            "Unknown login type",
        ));
    };
    let user = match (&pw.identifier, &pw.user) {
        (Some(UserIdentifier::Matrix(id)), _) => id.user.clone(),
        (Some(_), _) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "M_UNKNOWN",
                "Unknown login identifier type",
            ));
        }
        (None, Some(user)) => user.clone(),
        (None, None) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "M_MISSING_PARAM",
                "Missing identifier",
            ));
        }
    };
    let limits = &services.config.rate_limits;
    services
        .limiter
        .check(Kind::LoginAddress, &ip.key(), limits.login_address)?;
    let user_id = local_user_id(&user, server_name)
        .ok_or_else(|| ApiError::forbidden("Invalid username or password"))?;
    services
        .limiter
        .check(Kind::LoginAccount, &user_id, limits.login_account)?;
    services
        .limiter
        .peek(Kind::LoginFailed, &user_id, limits.login_failed_attempts)?;
    let before = services.stream_position();
    let result = services
        .password_login(
            &user_id,
            &pw.password,
            req.device_id.as_ref().map(|d| d.as_str()),
            req.initial_device_display_name.as_deref(),
            req.refresh_token,
        )
        .await;
    if matches!(result, Err(accounts::AccountError::BadLogin)) {
        services
            .limiter
            .record(Kind::LoginFailed, &user_id, limits.login_failed_attempts);
    }
    let session = result?;
    if session.fresh_device {
        services.device_created(&session.user_id, &session.device_id, before);
    }
    let mut res = login::v3::Response::new(
        UserId::parse(&session.user_id).map_err(|_| ApiError::internal())?,
        session.access_token,
        OwnedDeviceId::from(session.device_id),
    );
    res.home_server = OwnedServerName::try_from(server_name.as_str()).ok();
    res.refresh_token = session.refresh_token;
    res.expires_in = session.valid_until_ms.map(expires_in);
    Ok(RumaResponse(res))
}

/// `expires_in_ms` from an expiry time, as Synapse computes it at the answer.
pub(crate) fn expires_in(valid_until_ms: i64) -> std::time::Duration {
    let left = valid_until_ms.saturating_sub(crate::service::now_ms());
    std::time::Duration::from_millis(left.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::local_user_id;

    #[test]
    fn maps_identifiers_to_local_user_ids() {
        assert_eq!(
            local_user_id("Alice", "example.org").as_deref(),
            Some("@alice:example.org")
        );
        assert_eq!(
            local_user_id("@alice:example.org", "example.org").as_deref(),
            Some("@alice:example.org")
        );
        assert_eq!(local_user_id("@alice:other.org", "example.org"), None);
    }
}
