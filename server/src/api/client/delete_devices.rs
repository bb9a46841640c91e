//! POST /_matrix/client/*/delete_devices — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3delete_devices
//! Behind user-interactive auth with the password; unknown device ids are ignored.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::uia::UiaReject;
use crate::api::ApiError;
use crate::api::extract::{Auth, OptionalJson};
use crate::service::SharedServices;
use crate::service::uia::{self, UiaRequest};

pub async fn post_delete_devices_route(
    State(s): State<SharedServices>,
    auth: Auth,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, UiaReject> {
    // Checked on every call before auth, as Synapse validates the body first.
    let devices: Vec<String> = match body.get("devices") {
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
            .iter()
            .filter_map(|d| d.as_str().map(str::to_string))
            .collect(),
        Some(_) => return Err(ApiError::bad_json("devices must be a list of strings").into()),
        None => {
            return Err(ApiError::new(
                http::StatusCode::BAD_REQUEST,
                "M_MISSING_PARAM",
                "Missing param: devices",
            )
            .into());
        }
    };
    let req = UiaRequest {
        endpoint: "POST /delete_devices",
        user_id: Some(&auth.user_id),
        flows: vec![vec![uia::PASSWORD]],
        body,
    };
    s.user_interactive_auth(req).await?;
    s.delete_devices(&auth.user_id, &devices).await?;
    s.e2ee_devices_deleted(&auth.user_id, &devices).await?;
    Ok(Json(json!({})))
}
