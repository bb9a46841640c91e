//! GET /_matrix/federation/v1/openid/userinfo — https://spec.matrix.org/v1.12/server-server-api/#get_matrixfederationv1openiduserinfo
//! Served on listeners with the federation or openid resource; no federation auth.

use axum::extract::State;
use axum::http::StatusCode;

use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::service::SharedServices;

/// Our own request, answered with ruma's response: a missing `access_token` is 401
/// M_MISSING_TOKEN, as in Synapse, where ruma's request makes it a 400 M_MISSING_PARAM.
pub mod get_openid_userinfo {
    use ruma::api::auth_scheme::NoAuthentication;
    use ruma::api::metadata;

    pub use ruma::api::federation::openid::get_openid_userinfo::v1::Response;

    use crate::api::types::{impl_incoming_request, query};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: NoAuthentication,
        path: "/_matrix/federation/v1/openid/userinfo",
    }

    pub struct Request {
        pub access_token: Option<String>,
    }

    impl_incoming_request!(|req, args| Ok(Request {
        access_token: query(&req).remove("access_token"),
    }));
}

pub async fn get_openid_userinfo_route(
    State(s): State<SharedServices>,
    Ruma(req): Ruma<get_openid_userinfo::Request>,
) -> Result<RumaResponse<get_openid_userinfo::Response>, ApiError> {
    let Some(token) = req.access_token else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "M_MISSING_TOKEN",
            "Access Token required",
        ));
    };
    let unknown = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "M_UNKNOWN_TOKEN",
            "Access Token unknown or expired",
        )
    };
    let user_id = s.openid_user(&token).await?.ok_or_else(unknown)?;
    let sub = ruma::OwnedUserId::try_from(user_id).map_err(|_| unknown())?;
    Ok(RumaResponse(get_openid_userinfo::Response::new(sub)))
}
