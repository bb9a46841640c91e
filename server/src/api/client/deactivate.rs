//! POST /_matrix/client/*/account/deactivate — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3accountdeactivate
//! Behind user-interactive auth with the password. We bind no identity servers, so the answer
//! is always `no-support`.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::uia::UiaReject;
use crate::api::extract::{Auth, OptionalJson};
use crate::service::SharedServices;
use crate::service::uia::{self, UiaRequest};

pub async fn post_deactivate_route(
    State(s): State<SharedServices>,
    auth: Auth,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, UiaReject> {
    let req = UiaRequest {
        endpoint: "POST /account/deactivate",
        user_id: Some(&auth.user_id),
        flows: vec![vec![uia::PASSWORD]],
        body,
    };
    s.user_interactive_auth(req).await?;
    s.deactivate(&auth.user_id).await?;
    Ok(Json(json!({"id_server_unbind_result": "no-support"})))
}
