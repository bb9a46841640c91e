//! The public room list — https://spec.matrix.org/v1.12/client-server-api/#listing-rooms
//! GET/PUT /directory/list/room/{roomId}, GET/POST /publicRooms.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, MatrixJson, OptionalJson, Params, QueryMap, uint_param};
use crate::service::SharedServices;
use crate::store::rooms as db;

pub async fn get_visibility_route(
    State(services): State<SharedServices>,
    Params(room_id): Params<String>,
) -> Result<Json<Value>, ApiError> {
    match db::is_public(&services.db, &room_id).await? {
        Some(p) => Ok(Json(
            json!({ "visibility": if p { "public" } else { "private" } }),
        )),
        None => Err(ApiError::not_found("Unknown room")),
    }
}

pub async fn put_visibility_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Params(room_id): Params<String>,
    MatrixJson(body): MatrixJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let public = match body.get("visibility").and_then(Value::as_str) {
        Some("public") => true,
        Some("private") | None => false,
        Some(_) => {
            return Err(ApiError::invalid_param(
                "visibility must be public or private",
            ));
        }
    };
    services.room_rules(&room_id).await?;
    if !services
        .has_power(
            &room_id,
            &auth.user_id,
            "state_default",
            Some("m.room.canonical_alias"),
        )
        .await?
    {
        return Err(ApiError::forbidden(
            "This server requires you to be a moderator in the room to edit its room list entry",
        ));
    }
    db::set_public(&services.db, &room_id, public).await?;
    Ok(Json(json!({})))
}

async fn entry(services: &SharedServices, room_id: &str) -> Result<Value, ApiError> {
    let content = |kind: &'static str| async move {
        services
            .current_state_event(room_id, kind, "")
            .await
            .map(|p| p.map(|p| p.content_value()))
    };
    let name = content("m.room.name").await?;
    let topic = content("m.room.topic").await?;
    let alias = content("m.room.canonical_alias").await?;
    let avatar = content("m.room.avatar").await?;
    let join_rules = content("m.room.join_rules").await?;
    let history = content("m.room.history_visibility").await?;
    let guest = content("m.room.guest_access").await?;
    let create = content("m.room.create").await?;
    let members = db::members_with(&services.db, room_id, "join").await?.len();
    let mut e = json!({
        "room_id": room_id,
        "num_joined_members": members,
        "world_readable": history.as_ref().is_some_and(|h| h["history_visibility"] == "world_readable"),
        "guest_can_join": guest.as_ref().is_some_and(|g| g["guest_access"] == "can_join"),
        "join_rule": join_rules.as_ref().and_then(|j| j.get("join_rule").cloned()).unwrap_or(json!("public")),
    });
    for (key, v, field) in [
        ("name", &name, "name"),
        ("topic", &topic, "topic"),
        ("canonical_alias", &alias, "alias"),
        ("avatar_url", &avatar, "url"),
    ] {
        if let Some(s) = v
            .as_ref()
            .and_then(|c| c.get(field))
            .and_then(Value::as_str)
        {
            e[key] = json!(s);
        }
    }
    if let Some(t) = create
        .as_ref()
        .and_then(|c| c.get("type"))
        .and_then(Value::as_str)
    {
        e["room_type"] = json!(t);
    }
    Ok(e)
}

async fn list(
    services: &SharedServices,
    limit: Option<usize>,
    since: Option<&str>,
    term: Option<&str>,
) -> Result<Json<Value>, ApiError> {
    let mut rooms = Vec::new();
    for room_id in db::public_rooms(&services.db).await? {
        let e = entry(services, &room_id).await?;
        if let Some(t) = term.map(str::to_lowercase).filter(|t| !t.is_empty()) {
            let hay = ["name", "topic", "canonical_alias"]
                .iter()
                .filter_map(|k| e[*k].as_str())
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            if !hay.contains(&t) {
                continue;
            }
        }
        rooms.push(e);
    }
    // Largest rooms first, as Synapse lists them.
    rooms.sort_by(|a, b| {
        b["num_joined_members"]
            .as_u64()
            .cmp(&a["num_joined_members"].as_u64())
            .then(a["room_id"].as_str().cmp(&b["room_id"].as_str()))
    });
    let total = rooms.len();
    let offset = match since {
        Some(s) => s
            .strip_prefix('o')
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::invalid_param("Invalid since token"))?,
        None => 0,
    };
    let limit = limit.unwrap_or(total.max(1));
    let chunk: Vec<Value> = rooms.into_iter().skip(offset).take(limit).collect();
    let mut body = json!({ "chunk": chunk, "total_room_count_estimate": total });
    if offset + limit < total {
        body["next_batch"] = json!(format!("o{}", offset + limit));
    }
    if offset > 0 {
        body["prev_batch"] = json!(format!("o{}", offset.saturating_sub(limit)));
    }
    Ok(body).map(Json)
}

pub async fn get_public_rooms_route(
    State(services): State<SharedServices>,
    _auth: Auth,
    QueryMap(q): QueryMap,
) -> Result<Json<Value>, ApiError> {
    let limit = uint_param(&q, "limit")?.map(|l| l.min(usize::MAX as u64) as usize);
    list(&services, limit, q.get("since").map(String::as_str), None).await
}

pub async fn post_public_rooms_route(
    State(services): State<SharedServices>,
    _auth: Auth,
    OptionalJson(body): OptionalJson,
) -> Result<Json<Value>, ApiError> {
    let field = |v: Option<&Value>, what: &str| -> Result<(), ApiError> {
        match v {
            Some(v) if !v.is_null() => Err(ApiError::bad_json(format!("{what} has the wrong type"))),
            _ => Ok(()),
        }
    };
    let limit = match body.get("limit") {
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64().map(|l| l as usize),
        other => {
            field(other, "limit")?;
            None
        }
    };
    let filter = body.get("filter");
    let term = match filter.and_then(|f| f.get("generic_search_term")) {
        Some(Value::String(t)) => Some(t.as_str()),
        other => {
            field(other, "filter.generic_search_term")?;
            None
        }
    };
    let since = match body.get("since") {
        Some(Value::String(t)) => Some(t.as_str()),
        other => {
            field(other, "since")?;
            None
        }
    };
    if filter.is_some_and(|f| !f.is_object() && !f.is_null()) {
        return Err(ApiError::bad_json("filter must be an object"));
    }
    list(&services, limit, since, term).await
}
