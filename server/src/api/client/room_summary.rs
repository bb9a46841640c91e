//! GET /_matrix/client/v1/room_summary/{roomIdOrAlias} — https://spec.matrix.org/v1.16/client-server-api/#get_matrixclientv1room_summaryroomidoralias
//! Anyone may ask (no access token needed); a user also learns their membership.

use axum::extract::State;
use ruma::api::client::room::get_summary;
use ruma::room::RoomSummary;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn get_room_summary_route(
    State(services): State<SharedServices>,
    auth: Option<Auth>,
    Ruma(req): Ruma<get_summary::v1::Request>,
) -> Result<RumaResponse<get_summary::v1::Response>, ApiError> {
    let (summary, membership): (RoomSummary, _) = services
        .room_preview(
            auth.as_ref().map(|a| a.user_id.as_str()),
            req.room_id_or_alias.as_str(),
            &req.via,
        )
        .await?;
    let mut response = get_summary::v1::Response::new(summary);
    response.membership = membership.map(|m| m.as_str().into());
    Ok(RumaResponse(response))
}
