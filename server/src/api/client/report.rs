//! POST /_matrix/client/v3/rooms/{roomId}/report/{eventId} — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3roomsroomidreporteventid
//! POST /_matrix/client/v3/rooms/{roomId}/report — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3roomsroomidreport
//! POST /_matrix/client/v3/users/{userId}/report — https://spec.matrix.org/v1.16/client-server-api/#post_matrixclientv3usersuseridreport

use axum::extract::State;
use ruma::api::client::reporting::report_user;
use ruma::api::client::room::{report_content, report_room};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::timeline::Viewer;

pub async fn report_event_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<report_content::v3::Request>,
) -> Result<RumaResponse<report_content::v3::Response>, ApiError> {
    let viewer = Viewer {
        user_id: &auth.user_id,
        device_id: &auth.device_id,
    };
    services
        .report_event(
            viewer,
            req.room_id.as_str(),
            req.event_id.as_str(),
            req.reason.as_deref(),
        )
        .await?;
    Ok(RumaResponse(report_content::v3::Response::new()))
}

pub async fn report_room_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<report_room::v3::Request>,
) -> Result<RumaResponse<report_room::v3::Response>, ApiError> {
    services
        .report_room(&auth.user_id, req.room_id.as_str(), &req.reason)
        .await?;
    Ok(RumaResponse(report_room::v3::Response::new()))
}

pub async fn report_user_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<report_user::v3::Request>,
) -> Result<RumaResponse<report_user::v3::Response>, ApiError> {
    services
        .report_user(&auth.user_id, &req.user_id, &req.reason)
        .await?;
    Ok(RumaResponse(report_user::v3::Response::new()))
}
