//! GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]
//! — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv1roomsroomidrelationseventid
//! Edits, reactions, thread replies and references of an event, paginated by stream position.

use axum::extract::State;
use ruma::api::Direction;
use ruma::api::client::relations::{
    get_relating_events, get_relating_events_with_rel_type,
    get_relating_events_with_rel_type_and_event_type,
};
use ruma::{OwnedEventId, OwnedRoomId, UInt};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse, position, raws};
use crate::service::SharedServices;
use crate::service::timeline::{Page, RelationsPage, Viewer};

/// The `Query` of one of the three relations requests (they share these fields).
macro_rules! query_of {
    ($req:expr) => {
        Query {
            room_id: &$req.room_id,
            event_id: &$req.event_id,
            from: $req.from.as_deref(),
            to: $req.to.as_deref(),
            dir: $req.dir,
            limit: $req.limit,
        }
    };
}

/// What the three relations endpoints share.
struct Query<'a> {
    room_id: &'a OwnedRoomId,
    event_id: &'a OwnedEventId,
    from: Option<&'a str>,
    to: Option<&'a str>,
    dir: Direction,
    limit: Option<UInt>,
}

async fn relations(
    s: &SharedServices,
    auth: &Auth,
    q: Query<'_>,
    rel_type: Option<&str>,
    kind: Option<&str>,
) -> Result<RelationsPage, ApiError> {
    let page = Page {
        backwards: q.dir == Direction::Backward,
        from: position(q.from, "from")?,
        to: position(q.to, "to")?,
        limit: q.limit.map_or(5, u64::from).clamp(1, 100) as i64,
    };
    let viewer = Viewer {
        user_id: &auth.user_id,
        device_id: &auth.device_id,
    };
    Ok(s.relations(
        viewer,
        q.room_id.as_str(),
        q.event_id.as_str(),
        rel_type,
        kind,
        page,
    )
    .await?)
}

pub async fn get_relations_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_relating_events::v1::Request>,
) -> Result<RumaResponse<get_relating_events::v1::Response>, ApiError> {
    let q = query_of!(req);
    let page = relations(&s, &auth, q, None, None).await?;
    let mut res = get_relating_events::v1::Response::new(raws(&page.chunk));
    res.next_batch = page.next_batch;
    Ok(RumaResponse(res))
}

pub async fn get_relations_by_type_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_relating_events_with_rel_type::v1::Request>,
) -> Result<RumaResponse<get_relating_events_with_rel_type::v1::Response>, ApiError> {
    let q = query_of!(req);
    let rel_type = req.rel_type.to_string();
    let page = relations(&s, &auth, q, Some(&rel_type), None).await?;
    let mut res = get_relating_events_with_rel_type::v1::Response::new(raws(&page.chunk));
    res.next_batch = page.next_batch;
    Ok(RumaResponse(res))
}

pub async fn get_relations_by_type_and_kind_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_relating_events_with_rel_type_and_event_type::v1::Request>,
) -> Result<RumaResponse<get_relating_events_with_rel_type_and_event_type::v1::Response>, ApiError>
{
    let q = query_of!(req);
    let (rel_type, kind) = (req.rel_type.to_string(), req.event_type.to_string());
    let page = relations(&s, &auth, q, Some(&rel_type), Some(&kind)).await?;
    let mut res =
        get_relating_events_with_rel_type_and_event_type::v1::Response::new(raws(&page.chunk));
    res.next_batch = page.next_batch;
    Ok(RumaResponse(res))
}
