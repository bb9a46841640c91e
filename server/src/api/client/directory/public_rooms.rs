//! The public room list — https://spec.matrix.org/v1.16/client-server-api/#listing-rooms
//! GET/PUT /directory/list/room/{roomId}, GET/POST /publicRooms.

use axum::Json;
use axum::extract::State;
use ruma::api::client::directory::{
    get_public_rooms, get_public_rooms_filtered, get_room_visibility,
};
use ruma::api::client::room::Visibility;
use serde_json::Value;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn get_visibility_route(
    State(services): State<SharedServices>,
    Ruma(req): Ruma<get_room_visibility::v3::Request>,
) -> Result<RumaResponse<get_room_visibility::v3::Response>, ApiError> {
    let public = services.room_is_public(req.room_id.as_str()).await?;
    Ok(RumaResponse(get_room_visibility::v3::Response::new(
        if public {
            Visibility::Public
        } else {
            Visibility::Private
        },
    )))
}

/// `PUT /_matrix/client/*/directory/list/room/{room_id}`: our own type, because the spec
/// makes `visibility` optional (default public) and ruma's request requires it.
pub mod set_room_visibility {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::{Deserialize, Deserializer, Serialize};
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, impl_json_response, json_body, path_arg};

    metadata! {
        method: PUT,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/directory/list/room/{room_id}",
            1.1 => "/_matrix/client/v3/directory/list/room/{room_id}",
        }
    }

    pub struct Request {
        pub room_id: String,
        pub body: Body,
    }

    #[derive(Deserialize)]
    pub struct Body {
        #[serde(default)]
        pub visibility: Visibility,
    }

    /// Absent or `null` is public; anything but "public" or "private" is `Invalid`, which
    /// the handler answers M_INVALID_PARAM (as Synapse), not M_BAD_JSON.
    #[derive(Default, Debug, PartialEq, Eq)]
    pub enum Visibility {
        #[default]
        Public,
        Private,
        Invalid,
    }

    impl<'de> Deserialize<'de> for Visibility {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(match Option::<Value>::deserialize(d)? {
                None => Visibility::Public,
                Some(Value::String(s)) if s == "public" => Visibility::Public,
                Some(Value::String(s)) if s == "private" => Visibility::Private,
                Some(_) => Visibility::Invalid,
            })
        }
    }

    impl_incoming_request!(|req, args| Ok(Request {
        room_id: path_arg(args, 0),
        body: json_body(&req)?,
    }));

    #[derive(Serialize)]
    pub struct Response {}

    impl_json_response!();
}

pub async fn put_visibility_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<set_room_visibility::Request>,
) -> Result<RumaResponse<set_room_visibility::Response>, ApiError> {
    let public = match req.body.visibility {
        set_room_visibility::Visibility::Public => true,
        set_room_visibility::Visibility::Private => false,
        set_room_visibility::Visibility::Invalid => {
            return Err(ApiError::invalid_param(
                "visibility must be public or private",
            ));
        }
    };
    services
        .set_room_public(&auth.user_id, &req.room_id, public)
        .await?;
    Ok(RumaResponse(set_room_visibility::Response {}))
}

// The lists keep Synapse's shape (its entries always carry `join_rule`, which ruma's
// PublicRoomsChunk leaves out when it is "public"), so their responses stay JSON.

pub async fn get_public_rooms_route(
    State(services): State<SharedServices>,
    _auth: Auth,
    Ruma(req): Ruma<get_public_rooms::v3::Request>,
) -> Result<Json<Value>, ApiError> {
    let limit = req
        .limit
        .map(|l| usize::try_from(u64::from(l)).unwrap_or(usize::MAX));
    Ok(Json(
        services
            .public_rooms_of(req.server.as_deref(), limit, req.since.as_deref(), None)
            .await?,
    ))
}

pub async fn post_public_rooms_route(
    State(services): State<SharedServices>,
    _auth: Auth,
    Ruma(req): Ruma<get_public_rooms_filtered::v3::Request>,
) -> Result<Json<Value>, ApiError> {
    let limit = req
        .limit
        .map(|l| usize::try_from(u64::from(l)).unwrap_or(usize::MAX));
    let term = req.filter.generic_search_term.as_deref();
    Ok(Json(
        services
            .public_rooms_of(req.server.as_deref(), limit, req.since.as_deref(), term)
            .await?,
    ))
}
