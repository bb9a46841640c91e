//! GET /rooms/{roomId}/event/{eventId} and GET /rooms/{roomId}/context/{eventId}
//! — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3roomsroomideventeventid

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::membership::visible_until;
use crate::api::ApiError;
use crate::api::extract::{Auth, Params, QueryMap, uint_param};
use crate::service::sync::page_token;
use crate::service::{Services, SharedServices};
use crate::store::rooms as db;

pub async fn get_event_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params((room_id, event_id)): Params<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let until = visible_until(&services, &auth.user_id, &room_id).await?;
    let p = services
        .event_by_id(&event_id)
        .await?
        .filter(|p| p.room_id_str() == Some(&room_id) && p.stream <= until);
    let Some(p) = p else {
        return Err(ApiError::not_found("Event not found."));
    };
    let mut v = services
        .format_events(&room_id, &[p], Some((&auth.user_id, &auth.device_id)))
        .await?;
    Ok(Json(v.remove(0)))
}

pub async fn get_context_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params((room_id, event_id)): Params<(String, String)>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let until = visible_until(&services, &auth.user_id, &room_id).await?;
    let limit = uint_param(&q, "limit")?.unwrap_or(10).min(100) as i64;
    let p = services
        .event_by_id(&event_id)
        .await?
        .filter(|p| p.room_id_str() == Some(&room_id) && p.stream <= until);
    let Some(p) = p else {
        return Err(ApiError::not_found("Event not found."));
    };
    let before_n = limit / 2;
    let after_n = limit - before_n;
    let before = db::events_backwards(&services.db, &room_id, 0, p.stream - 1, before_n).await?;
    let after = db::events_forwards(&services.db, &room_id, p.stream, until, after_n).await?;
    let viewer = Some((auth.user_id.as_str(), auth.device_id.as_str()));
    let before_p = before
        .iter()
        .map(Services::pdu)
        .collect::<Result<Vec<_>, _>>()?;
    let after_p = after
        .iter()
        .map(Services::pdu)
        .collect::<Result<Vec<_>, _>>()?;
    let start = before
        .last()
        .map(|r| r.stream_ordering - 1)
        .unwrap_or(p.stream - 1);
    let end = after.last().map(|r| r.stream_ordering).unwrap_or(p.stream);
    let state_rows = db::state_at(&services.db, &room_id, end).await?;
    let state = state_rows
        .iter()
        .map(Services::pdu)
        .collect::<Result<Vec<_>, _>>()?;
    let event = services
        .format_events(&room_id, std::slice::from_ref(&p), viewer)
        .await?
        .remove(0);
    Ok(Json(json!({
        "event": event,
        "events_before": services.format_events(&room_id, &before_p, viewer).await?,
        "events_after": services.format_events(&room_id, &after_p, viewer).await?,
        "start": page_token(start),
        "end": page_token(end),
        "state": services.format_events(&room_id, &state, None).await?,
    })))
}
