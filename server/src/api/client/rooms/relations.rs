//! GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]
//! — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1roomsroomidrelationseventid
//! Edits, reactions, thread replies and references of an event, paginated by stream position.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::membership::visible_until;
use crate::api::ApiError;
use crate::api::extract::{Auth, Params, QueryMap, uint_param};
use crate::service::sync::{Token, page_token};
use crate::service::{Services, SharedServices};
use crate::store::rooms as db;

async fn relations(
    s: &SharedServices,
    auth: &Auth,
    room_id: &str,
    event_id: &str,
    rel_type: Option<&str>,
    kind: Option<&str>,
    q: &std::collections::HashMap<String, String>,
) -> Result<Json<Value>, ApiError> {
    let until = visible_until(s, &auth.user_id, room_id).await?;
    let parent = s
        .event_by_id(event_id)
        .await?
        .filter(|p| p.room_id_str() == Some(room_id) && p.stream <= until);
    if parent.is_none() {
        return Err(ApiError::not_found("Event not found."));
    }
    let backwards = match q.get("dir").map(String::as_str) {
        None | Some("b") => true,
        Some("f") => false,
        Some(d) => return Err(ApiError::invalid_param(format!("Unknown dir {d:?}"))),
    };
    let token = |k: &str| -> Result<Option<i64>, ApiError> {
        q.get(k)
            .map(|t| {
                Token::parse(t)
                    .map(|t| t.pos)
                    .ok_or_else(|| ApiError::invalid_param(format!("Invalid {k} token")))
            })
            .transpose()
    };
    let limit = uint_param(q, "limit")?.unwrap_or(5).clamp(1, 100) as i64;
    let (from, to) = if backwards {
        (
            token("to")?.unwrap_or(0),
            token("from")?.unwrap_or(until).min(until),
        )
    } else {
        (
            token("from")?.unwrap_or(0),
            token("to")?.unwrap_or(until).min(until),
        )
    };
    let rows = db::relations(
        &s.db, room_id, event_id, rel_type, kind, from, to, limit, backwards,
    )
    .await?;
    let pdus = rows
        .iter()
        .map(Services::pdu)
        .collect::<Result<Vec<_>, _>>()?;
    let chunk = s
        .format_events(room_id, &pdus, Some((&auth.user_id, &auth.device_id)))
        .await?;
    let mut body = json!({ "chunk": chunk });
    if rows.len() as i64 == limit {
        let last = rows.last().map(|r| r.stream_ordering).unwrap_or(0);
        body["next_batch"] = json!(page_token(if backwards { last - 1 } else { last }));
    }
    Ok(Json(body))
}

pub async fn get_relations_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((room_id, event_id)): Params<(String, String)>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    relations(&s, &auth, &room_id, &event_id, None, None, &q).await
}

pub async fn get_relations_by_type_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((room_id, event_id, rel_type)): Params<(String, String, String)>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    relations(&s, &auth, &room_id, &event_id, Some(&rel_type), None, &q).await
}

pub async fn get_relations_by_type_and_kind_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Params((room_id, event_id, rel_type, kind)): Params<(String, String, String, String)>,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    relations(
        &s,
        &auth,
        &room_id,
        &event_id,
        Some(&rel_type),
        Some(&kind),
        &q,
    )
    .await
}
