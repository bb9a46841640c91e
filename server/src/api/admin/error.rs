//! Maps the admin services' errors to Matrix errors, once.

use axum::http::StatusCode;

use crate::api::ApiError;
use crate::service::admin_users::AdminError;

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::BadRequest(errcode, msg) => {
                ApiError::new(StatusCode::BAD_REQUEST, errcode, msg)
            }
            AdminError::NotFound(msg) => ApiError::not_found(msg),
            AdminError::Forbidden(msg) => ApiError::forbidden(msg),
            AdminError::Account(a) => a.into(),
            AdminError::Room(r) => r.into(),
            AdminError::Store(s) => s.into(),
        }
    }
}
