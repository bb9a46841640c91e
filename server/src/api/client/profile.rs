//! Profiles — https://spec.matrix.org/v1.12/client-server-api/#profiles
//! GET /profile/{userId}, GET/PUT /profile/{userId}/displayname and /avatar_url. A change is
//! also sent as a new member event into every room the user has joined.
//!
//! The whole profile uses ruma's types. The one-field endpoints use our own: ruma's
//! `get_profile_field`/`set_profile_field` also claim MSC4133's unstable path, which matrixd
//! does not serve, and its `set_profile_field` refuses a body without the field (or with
//! `null`), which clears the field here; an unknown field is answered as before.

use axum::extract::State;
use ruma::api::client::profile::get_profile;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::profile::ProfileError;

/// `GET /_matrix/client/*/profile/{user_id}/{field}`.
pub mod get_profile_field {
    use ruma::OwnedUserId;
    use ruma::api::auth_scheme::NoAccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::{Map, Value};

    use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: NoAccessToken,
        history: {
            1.0 => "/_matrix/client/r0/profile/{user_id}/{field}",
            1.1 => "/_matrix/client/v3/profile/{user_id}/{field}",
        }
    }

    pub struct Request {
        /// Not a user id is M_INVALID_PARAM, as in Synapse (and ruma's whole-profile type).
        pub user_id: OwnedUserId,
        pub field: String,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: OwnedUserId::try_from(path_arg(args, 0))?,
        field: path_arg(args, 1),
    }));

    /// `{field: value}`.
    #[derive(Serialize)]
    #[serde(transparent)]
    pub struct Response {
        pub fields: Map<String, Value>,
    }

    impl_json_response!();
}

/// `PUT /_matrix/client/*/profile/{user_id}/{field}`.
pub mod set_profile_field {
    use ruma::OwnedUserId;
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::{Map, Value};

    use crate::api::types::{impl_incoming_request, impl_json_response, json_body, path_arg};

    metadata! {
        method: PUT,
        rate_limited: true,
        authentication: AccessToken,
        history: {
            1.0 => "/_matrix/client/r0/profile/{user_id}/{field}",
            1.1 => "/_matrix/client/v3/profile/{user_id}/{field}",
        }
    }

    pub struct Request {
        /// Not a user id is M_INVALID_PARAM, as in Synapse.
        pub user_id: OwnedUserId,
        pub field: String,
        /// The body: the handler reads the value under `field` (absent or `null` clears it).
        pub body: Map<String, Value>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        user_id: OwnedUserId::try_from(path_arg(args, 0))?,
        field: path_arg(args, 1),
        body: json_body(&req)?,
    }));

    #[derive(Serialize)]
    pub struct Response {}

    impl_json_response!();
}

pub async fn get_profile_route(
    State(s): State<SharedServices>,
    Ruma(req): Ruma<get_profile::v3::Request>,
) -> Result<RumaResponse<get_profile::v3::Response>, ApiError> {
    let Some((name, avatar)) = s.profile_of(&req.user_id, None).await? else {
        return Err(ApiError::not_found("Profile was not found"));
    };
    let fields = [("displayname", name), ("avatar_url", avatar)]
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_owned(), json!(v?))));
    Ok(RumaResponse(fields.collect()))
}

pub async fn get_profile_field_route(
    State(s): State<SharedServices>,
    Ruma(req): Ruma<get_profile_field::Request>,
) -> Result<RumaResponse<get_profile_field::Response>, ApiError> {
    let known = matches!(req.field.as_str(), "displayname" | "avatar_url");
    let asked = known.then_some(req.field.as_str());
    let Some((name, avatar)) = s.profile_of(&req.user_id, asked).await? else {
        return Err(ApiError::not_found("Profile was not found"));
    };
    let value = match req.field.as_str() {
        "displayname" => name,
        "avatar_url" => avatar,
        _ => return Err(ApiError::not_found("Profile field not found")),
    };
    let Some(v) = value else {
        return Err(ApiError::not_found("Profile field not set"));
    };
    let fields = [(req.field, Value::String(v))].into_iter().collect();
    Ok(RumaResponse(get_profile_field::Response { fields }))
}

pub async fn put_profile_field_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<set_profile_field::Request>,
) -> Result<RumaResponse<set_profile_field::Response>, ApiError> {
    let (user_id, field) = (req.user_id.as_str(), req.field.as_str());
    if auth.user_id != user_id {
        return Err(ApiError::forbidden("Cannot set another user's profile"));
    }
    s.set_profile_field_from(user_id, field, req.body.get(field))
        .await?;
    Ok(RumaResponse(set_profile_field::Response {}))
}

impl From<ProfileError> for ApiError {
    fn from(e: ProfileError) -> Self {
        match e {
            ProfileError::BadJson(m) => ApiError::bad_json(m),
            ProfileError::TooLong => {
                ApiError::new(http::StatusCode::BAD_REQUEST, "M_TOO_LARGE", e.to_string())
            }
            ProfileError::Room(r) => r.into(),
        }
    }
}
