//! POST /_matrix/client/unstable/org.matrix.simplified_msc3575/sync — simplified sliding sync
//! (MSC4186: https://github.com/matrix-org/matrix-spec-proposals/pull/4186), as Synapse serves it.

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use http::StatusCode;
use ruma::api::IncomingRequest;
use ruma::api::client::sync::sync_events::v5;
use ruma::api::error::DeserializationError;
use serde::Deserialize;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::api::types::{FromHttp, OnPathsOf};
use crate::service::SharedServices;
use crate::service::sliding_sync::{SlidingError, SlidingRequest, TagFilter};

/// ruma's request, read as Synapse reads it: a list may leave out `ranges` (the whole list),
/// and its filters may name `tags` / `not_tags`, which ruma's type does not hold.
pub type Request = OnPathsOf<v5::Request, Body>;

pub struct Body(SlidingRequest);

#[derive(Deserialize, Default)]
struct ListExtras {
    #[serde(default)]
    filters: Option<TagsOnly>,
}

#[derive(Deserialize, Default)]
struct TagsOnly {
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    not_tags: Option<Vec<String>>,
}

impl FromHttp for Body {
    fn from_http(req: &http::Request<&[u8]>, args: &[&str]) -> Result<Self, DeserializationError> {
        let mut value: Value = serde_json::from_slice(req.body())?;
        let mut whole_lists = HashSet::new();
        let mut tags = HashMap::new();
        if let Some(lists) = value.get_mut("lists").and_then(Value::as_object_mut) {
            for (name, list) in lists.iter_mut() {
                let Some(list) = list.as_object_mut() else {
                    continue;
                };
                if !list.contains_key("ranges") {
                    whole_lists.insert(name.clone());
                    list.insert("ranges".into(), Value::Array(Vec::new()));
                }
                let extras: ListExtras =
                    serde_json::from_value(Value::Object(list.clone())).unwrap_or_default();
                if let Some(f) = extras.filters {
                    tags.insert(
                        name.clone(),
                        TagFilter {
                            tags: f.tags,
                            not_tags: f.not_tags,
                        },
                    );
                }
            }
        }
        let body = serde_json::to_vec(&value)?;
        let mut patched = http::Request::new(body.as_slice());
        *patched.method_mut() = req.method().clone();
        *patched.uri_mut() = req.uri().clone();
        *patched.headers_mut() = req.headers().clone();
        let body = v5::Request::try_from_http_request_inner(patched, args)?;
        Ok(Body(SlidingRequest {
            body,
            whole_lists,
            tags,
        }))
    }
}

impl From<SlidingError> for ApiError {
    fn from(e: SlidingError) -> Self {
        match e {
            SlidingError::UnknownPos => {
                ApiError::new(StatusCode::BAD_REQUEST, "M_UNKNOWN_POS", "Unknown position")
            }
            SlidingError::BadToDeviceSince => {
                ApiError::invalid_param("Invalid to_device since token")
            }
            SlidingError::Room(e) => e.into(),
        }
    }
}

pub async fn sliding_sync_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<Request>,
) -> Result<RumaResponse<v5::Response>, ApiError> {
    let response = services
        .sliding_sync(&auth.user_id, &auth.device_id, &req.into_inner().0)
        .await?;
    Ok(RumaResponse(response))
}
