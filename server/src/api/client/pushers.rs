//! GET /_matrix/client/*/pushers and POST /_matrix/client/*/pushers/set —
//! https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv3pushers
//! Also maps `PusherError` to Matrix errors.

use axum::extract::State;
use axum::http::StatusCode;
use ruma::api::client::push::{Pusher, get_pushers, set_pusher};
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::pushers::{NewPusher, PusherError};

impl From<PusherError> for ApiError {
    fn from(e: PusherError) -> Self {
        let msg = e.to_string();
        match e {
            PusherError::Invalid(_) => ApiError::invalid_param(msg),
            PusherError::Config(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_MISSING_PARAM", msg)
            }
            PusherError::ThreepidNotFound => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_THREEPID_NOT_FOUND", msg)
            }
            PusherError::Store(s) => s.into(),
        }
    }
}

pub async fn get_pushers_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(_): Ruma<get_pushers::v3::Request>,
) -> Result<RumaResponse<get_pushers::v3::Response>, ApiError> {
    let mut pushers = Vec::new();
    for p in s.pushers_of(&auth.user_id).await? {
        let data: Value = serde_json::from_str(&p.data).unwrap_or_else(|_| json!({}));
        let pusher = json!({
            "app_id": p.app_id,
            "pushkey": p.pushkey,
            "kind": p.kind,
            "data": data,
            "app_display_name": p.app_display_name,
            "device_display_name": p.device_display_name,
            "profile_tag": p.profile_tag,
            "lang": p.lang,
        });
        // A stored pusher ruma cannot read (an imported one) is left out.
        if let Ok(pusher) = serde_json::from_value::<Pusher>(pusher) {
            pushers.push(pusher);
        }
    }
    Ok(RumaResponse(get_pushers::v3::Response::new(pushers)))
}

pub async fn set_pusher_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<set_pusher::v3::Request>,
) -> Result<RumaResponse<set_pusher::v3::Response>, ApiError> {
    match req.action {
        set_pusher::v3::PusherAction::Delete(ids) => {
            s.delete_pusher(&auth.user_id, &ids.app_id, &ids.pushkey)
                .await?;
        }
        set_pusher::v3::PusherAction::Post(post) => {
            // The kind and its data as the client sent them (ruma keeps unknown kinds).
            let kind_json =
                serde_json::to_value(&post.pusher.kind).map_err(|_| ApiError::internal())?;
            let kind = kind_json["kind"].as_str().unwrap_or_default().to_string();
            let data = match &kind_json["data"] {
                Value::Object(m) => m.clone(),
                _ => Default::default(),
            };
            let p = post.pusher;
            s.set_pusher(
                &auth.user_id,
                &auth.device_id,
                NewPusher {
                    app_id: p.ids.app_id,
                    pushkey: p.ids.pushkey,
                    kind,
                    data,
                    app_display_name: p.app_display_name,
                    device_display_name: p.device_display_name,
                    profile_tag: p.profile_tag,
                    lang: p.lang,
                    append: post.append,
                },
            )
            .await?;
        }
        _ => return Err(ApiError::bad_json("Unknown pusher action")),
    }
    Ok(RumaResponse(set_pusher::v3::Response::new()))
}
