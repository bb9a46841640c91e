//! POST /_matrix/client/*/account/3pid/add — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3account3pidadd
//! Behind user-interactive auth with the account's password; binds the address of a
//! validated session (client_secret, sid) to the account.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson};
use crate::service::SharedServices;
use crate::service::uia::{self, UiaRequest};

pub async fn post_threepid_add_route(
    State(s): State<SharedServices>,
    auth: Auth,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, UiaReject> {
    if s.config.email.is_none() {
        return Err(ApiError::from(crate::service::threepid::ThreepidError::AddDisabled).into());
    }
    let req = UiaRequest {
        endpoint: "POST /account/3pid/add",
        user_id: Some(&auth.user_id),
        flows: vec![vec![uia::PASSWORD]],
        body,
    };
    let passed = s.user_interactive_auth(req).await?;
    let field = |k: &str| {
        passed
            .params
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let client_secret = field("client_secret")
        .ok_or_else(|| ApiError::bad_json("client_secret: field required"))?;
    let sid = field("sid").ok_or_else(|| ApiError::bad_json("sid: field required"))?;
    s.add_threepid_from_session(&auth.user_id, &client_secret, &sid)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(json!({})))
}
