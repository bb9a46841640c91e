//! Filters — https://spec.matrix.org/v1.12/client-server-api/#filtering
//! POST /user/{userId}/filter, GET /user/{userId}/filter/{filterId}. Our own types: a filter
//! is stored and given back as the client sent it (as in Synapse), where ruma's
//! `FilterDefinition` would drop the fields it does not know.

use axum::extract::State;

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

/// `POST /_matrix/client/*/user/{user_id}/filter`.
pub mod create_filter {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::{Map, Value};

    use crate::api::types::{impl_incoming_request, impl_json_response, json_body, path_arg};

    metadata! {
        method: POST,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/user/{user_id}/filter",
            1.1 => "/_matrix/client/v3/user/{user_id}/filter",
        }
    }

    pub struct Request {
        pub user_id: String,
        /// The filter definition, kept whole.
        pub filter: Map<String, Value>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: path_arg(args, 0),
        filter: json_body(&req)?,
    }));

    #[derive(Serialize)]
    pub struct Response {
        pub filter_id: String,
    }

    impl_json_response!();
}

/// `GET /_matrix/client/*/user/{user_id}/filter/{filter_id}`.
pub mod get_filter {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/user/{user_id}/filter/{filter_id}",
            1.1 => "/_matrix/client/v3/user/{user_id}/filter/{filter_id}",
        }
    }

    pub struct Request {
        pub user_id: String,
        pub filter_id: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: path_arg(args, 0),
        filter_id: path_arg(args, 1),
    }));

    /// The stored filter, as it was sent.
    #[derive(Serialize)]
    #[serde(transparent)]
    pub struct Response {
        pub filter: Value,
    }

    impl_json_response!();
}

fn own_user(auth: &Auth, user_id: &str) -> Result<(), ApiError> {
    if auth.user_id != user_id {
        return Err(ApiError::forbidden("Cannot use filters for other users"));
    }
    Ok(())
}

pub async fn create_filter_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<create_filter::Request>,
) -> Result<RumaResponse<create_filter::Response>, ApiError> {
    own_user(&auth, &req.user_id)?;
    let id = services
        .create_filter(&auth.user_id, &serde_json::Value::Object(req.filter))
        .await?;
    Ok(RumaResponse(create_filter::Response {
        filter_id: id.to_string(),
    }))
}

pub async fn get_filter_route(
    State(services): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<get_filter::Request>,
) -> Result<RumaResponse<get_filter::Response>, ApiError> {
    own_user(&auth, &req.user_id)?;
    // A filter id that is not a number names no filter.
    let id: i64 = req
        .filter_id
        .parse()
        .map_err(|_| ApiError::not_found("No such filter"))?;
    let filter = services
        .filter(&auth.user_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such filter"))?;
    Ok(RumaResponse(get_filter::Response { filter }))
}
