//! GET /_matrix/client/*/notifications — https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv3notifications

use axum::extract::State;
use ruma::api::client::push::get_notifications::v3 as notifications;
use ruma::{MilliSecondsSinceUnixEpoch, OwnedRoomId, UInt};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

/// Notifications per page when the client does not say, and at most.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;

pub async fn get_notifications_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<notifications::Request>,
) -> Result<RumaResponse<notifications::Response>, ApiError> {
    let from = match &req.from {
        None => None,
        Some(t) => Some(
            t.parse::<i64>()
                .ok()
                .filter(|p| *p >= 0)
                .ok_or_else(|| ApiError::invalid_param("Invalid from token"))?,
        ),
    };
    let limit = req
        .limit
        .map_or(DEFAULT_LIMIT, |l| {
            usize::try_from(u64::from(l)).unwrap_or(MAX_LIMIT)
        })
        .min(MAX_LIMIT);
    let only_highlight = req.only.as_deref() == Some("highlight");
    let page = s
        .notifications(&auth.user_id, from, limit, only_highlight)
        .await?;
    let mut list = Vec::with_capacity(page.notifications.len());
    for n in page.notifications {
        let event = serde_json::value::to_raw_value(&n.event)
            .map(ruma::serde::Raw::from_json)
            .map_err(|_| ApiError::internal())?;
        let room_id = OwnedRoomId::try_from(n.room_id).map_err(|_| ApiError::internal())?;
        let ts = MilliSecondsSinceUnixEpoch(UInt::try_from(n.ts.max(0)).unwrap_or_default());
        list.push(notifications::Notification::new(
            n.actions, event, n.read, room_id, ts,
        ));
    }
    let mut res = notifications::Response::new(list);
    res.next_token = page.next.map(|p| p.to_string());
    Ok(RumaResponse(res))
}
