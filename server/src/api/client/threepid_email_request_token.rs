//! POST /_matrix/client/*/account/3pid/email/requestToken — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3account3pidemailrequesttoken
//! Mails a validation link for an address to add to an account; an address already bound to
//! an account is refused with M_THREEPID_IN_USE, as Synapse.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::threepid_errors::token_request_fields;
use crate::api::ApiError;
use crate::api::extract::MatrixJson;
use crate::service::SharedServices;
use crate::service::threepid::{Purpose, TokenRequest};

pub async fn post_threepid_email_request_token_route(
    State(s): State<SharedServices>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    if s.config.email.is_none() {
        return Err(crate::service::threepid::ThreepidError::AddDisabled.into());
    }
    let (client_secret, email, send_attempt, next_link) = token_request_fields(&body)?;
    let req = TokenRequest {
        client_secret: &client_secret,
        email: &email,
        send_attempt,
        next_link: next_link.as_deref(),
    };
    let sid = s.request_email_token(Purpose::AddThreepid, req).await?;
    Ok(Json(json!({ "sid": sid })))
}
