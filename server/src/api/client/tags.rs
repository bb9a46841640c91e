//! Room tags — https://spec.matrix.org/v1.12/client-server-api/#room-tagging
//! GET /user/{userId}/rooms/{roomId}/tags, PUT and DELETE /user/{userId}/rooms/{roomId}/tags/{tag}.
//! Tags live in the room's `m.tag` account data, so sync delivers changes. Our own types on
//! purpose: ruma's `TagInfo` keeps only `order`, while Synapse stores a tag's whole body.

use axum::extract::State;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

/// `GET /_matrix/client/*/user/{user_id}/rooms/{room_id}/tags`.
pub mod get_tags {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::{Map, Value};

    use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/user/{user_id}/rooms/{room_id}/tags",
            1.1 => "/_matrix/client/v3/user/{user_id}/rooms/{room_id}/tags",
        }
    }

    pub struct Request {
        pub user_id: String,
        pub room_id: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: path_arg(args, 0),
        room_id: path_arg(args, 1),
    }));

    /// Each tag with the whole body it was set with.
    #[derive(Serialize)]
    pub struct Response {
        pub tags: Map<String, Value>,
    }

    impl_json_response!();
}

/// `PUT /_matrix/client/*/user/{user_id}/rooms/{room_id}/tags/{tag}`.
pub mod create_tag {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::{Map, Value};

    use crate::api::types::{impl_incoming_request, impl_json_response, json_body, path_arg};

    metadata! {
        method: PUT,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/user/{user_id}/rooms/{room_id}/tags/{tag}",
            1.1 => "/_matrix/client/v3/user/{user_id}/rooms/{room_id}/tags/{tag}",
        }
    }

    pub struct Request {
        pub user_id: String,
        pub room_id: String,
        pub tag: String,
        /// The tag's body (`order` and anything else), kept whole.
        pub tag_info: Map<String, Value>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: path_arg(args, 0),
        room_id: path_arg(args, 1),
        tag: path_arg(args, 2),
        tag_info: json_body(&req)?,
    }));

    #[derive(Serialize)]
    pub struct Response {}

    impl_json_response!();
}

/// `DELETE /_matrix/client/*/user/{user_id}/rooms/{room_id}/tags/{tag}`.
pub mod delete_tag {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;

    use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

    metadata! {
        method: DELETE,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/user/{user_id}/rooms/{room_id}/tags/{tag}",
            1.1 => "/_matrix/client/v3/user/{user_id}/rooms/{room_id}/tags/{tag}",
        }
    }

    pub struct Request {
        pub user_id: String,
        pub room_id: String,
        pub tag: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: path_arg(args, 0),
        room_id: path_arg(args, 1),
        tag: path_arg(args, 2),
    }));

    #[derive(Serialize)]
    pub struct Response {}

    impl_json_response!();
}

fn own(auth: &Auth, user_id: &str) -> Result<(), ApiError> {
    if auth.user_id != user_id {
        return Err(ApiError::forbidden("Cannot set another user's tags"));
    }
    Ok(())
}

pub async fn get_tags_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_tags::Request>,
) -> Result<RumaResponse<get_tags::Response>, ApiError> {
    own(&auth, &req.user_id)?;
    let tags = s.room_tags(&req.user_id, &req.room_id).await?;
    Ok(RumaResponse(get_tags::Response { tags }))
}

pub async fn put_tag_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<create_tag::Request>,
) -> Result<RumaResponse<create_tag::Response>, ApiError> {
    own(&auth, &req.user_id)?;
    let info = serde_json::Value::Object(req.tag_info);
    s.set_room_tag(&req.user_id, &req.room_id, &req.tag, info)
        .await?;
    Ok(RumaResponse(create_tag::Response {}))
}

pub async fn delete_tag_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<delete_tag::Request>,
) -> Result<RumaResponse<delete_tag::Response>, ApiError> {
    own(&auth, &req.user_id)?;
    s.delete_room_tag(&req.user_id, &req.room_id, &req.tag)
        .await?;
    Ok(RumaResponse(delete_tag::Response {}))
}
