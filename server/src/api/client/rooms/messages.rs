//! GET /rooms/{roomId}/messages — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3roomsroomidmessages
//! Pagination over the room's events by stream position; tokens from sync (`next_batch`,
//! `prev_batch`) and from earlier pages both work. Members of the senders are returned in
//! `state` when the filter asks for lazy loading.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::membership::visible_until;
use crate::api::ApiError;
use crate::api::extract::{Auth, Params, QueryMap, uint_param};
use crate::service::sync::{SyncFilter, Token, page_token};
use crate::service::{Services, SharedServices};
use crate::store::rooms as db;

pub async fn get_messages_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let until = visible_until(&services, &auth.user_id, &room_id).await?;
    let backwards = match q.get("dir").map(String::as_str) {
        Some("b") => true,
        Some("f") => false,
        Some(other) => return Err(ApiError::invalid_param(format!("Unknown dir {other:?}"))),
        None => {
            return Err(ApiError::new(
                http::StatusCode::BAD_REQUEST,
                "M_MISSING_PARAM",
                "Missing parameter: dir",
            ));
        }
    };
    let parse = |key: &str| -> Result<Option<i64>, ApiError> {
        match q.get(key) {
            None => Ok(None),
            Some(t) => Token::parse(t)
                .map(|t| Some(t.pos))
                .ok_or_else(|| ApiError::invalid_param(format!("Invalid {key} token"))),
        }
    };
    let from = parse("from")?;
    let to = parse("to")?;
    let limit = uint_param(&q, "limit")?.unwrap_or(10).min(1000) as i64;
    let filter_json: Option<Value> = match q.get("filter") {
        Some(f) => Some(serde_json::from_str(f).map_err(|_| {
            ApiError::new(
                http::StatusCode::BAD_REQUEST,
                "M_NOT_JSON",
                "filter is not JSON",
            )
        })?),
        None => None,
    };
    // A room filter (lazy_load_members, types, …) as used in /messages.
    let filter = filter_json
        .as_ref()
        .map(|f| SyncFilter::from_json(&json!({"room": {"timeline": f, "state": f}})))
        .unwrap_or_default();

    let rows = if backwards {
        let start = from.unwrap_or(until).min(until);
        let stop = to.unwrap_or(0);
        db::events_backwards(&services.db, &room_id, stop, start, limit).await?
    } else {
        let start = from.unwrap_or(0);
        let stop = to.unwrap_or(until).min(until);
        db::events_forwards(&services.db, &room_id, start, stop, limit).await?
    };
    let start_token = if backwards {
        from.unwrap_or(until).min(until)
    } else {
        from.unwrap_or(0)
    };
    let end = rows.last().map(|r| {
        if backwards {
            r.stream_ordering - 1
        } else {
            r.stream_ordering
        }
    });
    let pdus: Vec<_> = rows
        .iter()
        .map(Services::pdu)
        .collect::<Result<Vec<_>, _>>()?;
    let pdus: Vec<_> = pdus
        .into_iter()
        .filter(|p| filter.event_allowed(p))
        .collect();
    let senders: Vec<String> = pdus.iter().map(|p| p.sender_str().to_string()).collect();
    let chunk = services
        .format_events(&room_id, &pdus, Some((&auth.user_id, &auth.device_id)))
        .await?;

    let mut body = json!({ "chunk": chunk, "start": page_token(start_token) });
    // A full page may have more behind it; a short one reached the end, so `end` is omitted.
    if let (Some(e), true) = (end, rows.len() as i64 == limit && limit > 0) {
        body["end"] = json!(page_token(e));
    }
    if filter.lazy_load_members && !senders.is_empty() {
        let state_pos = rows
            .iter()
            .map(|r| r.stream_ordering)
            .max()
            .unwrap_or(until);
        let mut members = Vec::new();
        for row in db::state_at(&services.db, &room_id, state_pos).await? {
            let p = Services::pdu(&row)?;
            if p.kind_str() == "m.room.member"
                && p.state_key_str()
                    .is_some_and(|sk| senders.iter().any(|s| s == sk))
            {
                members.push(p);
            }
        }
        body["state"] = json!(services.format_events(&room_id, &members, None).await?);
    }
    Ok(Json(body))
}
