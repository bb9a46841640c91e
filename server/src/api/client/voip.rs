//! GET /_matrix/client/*/voip/turnServer — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3voipturnserver
//! coturn's "use-auth-secret" scheme, byte for byte as Synapse: username `<expiry>:<user id>`,
//! password the padded standard base64 of HMAC-SHA1(turn_shared_secret, username).

use axum::extract::State;
use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use ruma::api::client::voip::get_turn_server_info;
use serde::Serialize;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::impl_json_response;
use crate::service::SharedServices;

/// The coturn REST credential for `user_id`, valid until `expiry_secs`.
pub fn turn_credential(secret: &str, user_id: &str, expiry_secs: u64) -> (String, String) {
    let username = format!("{expiry_secs}:{user_id}");
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(username.as_bytes());
    let password = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (username, password)
}

/// ruma's request; our own response, because ruma's requires every field, where Synapse
/// answers `{}` when no TURN server is configured.
#[derive(Serialize, Default)]
pub struct Response {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uris: Option<Vec<String>>,
}

impl_json_response!();

pub async fn get_turn_server_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(_req): Ruma<get_turn_server_info::v3::Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    let turn = &s.config.turn;
    if turn.uris.is_empty() {
        return Ok(RumaResponse(Response::default()));
    }
    let ttl_secs = turn.user_lifetime_ms / 1000;
    let credential = if let Some(secret) = turn.shared_secret.as_ref().and_then(|s| s.value()) {
        let expiry = (crate::service::now_ms() as u64 + turn.user_lifetime_ms) / 1000;
        turn_credential(secret.expose(), &auth.user_id, expiry)
    } else if let (Some(u), Some(p)) = (&turn.username, &turn.password) {
        (u.clone(), p.expose().to_owned())
    } else {
        return Ok(RumaResponse(Response::default()));
    };
    let (username, password) = credential;
    Ok(RumaResponse(Response {
        username: Some(username),
        password: Some(password),
        ttl: Some(ttl_secs),
        uris: Some(turn.uris.clone()),
    }))
}

#[cfg(test)]
mod tests {
    use super::turn_credential;

    #[test]
    fn matches_coturns_rest_scheme() {
        // python3: base64.b64encode(hmac.new(b"s3cret", b"1767225600:@alice:example.org", hashlib.sha1).digest())
        let (u, p) = turn_credential("s3cret", "@alice:example.org", 1767225600);
        assert_eq!(u, "1767225600:@alice:example.org");
        assert_eq!(
            p, "hSe89DYS2uAyDFMI1dbUPgYaetY=",
            "padded standard base64, as coturn computes it"
        );
    }
}
