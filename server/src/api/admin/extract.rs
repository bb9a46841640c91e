//! What every admin endpoint needs: the `Admin` extractor (an access token of a server admin;
//! others get 403 M_FORBIDDEN "You are not a server admin", as in Synapse) and Synapse's
//! query-parameter parsing (`parse_integer`, `parse_boolean`, `parse_string`).

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::api::ApiError;
use crate::api::extract::Auth;
use crate::service::SharedServices;

/// The authenticated user of a request, checked to be a server admin.
#[derive(Debug, Clone)]
pub struct Admin(pub Auth);

impl FromRequestParts<SharedServices> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        services: &SharedServices,
    ) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_request_parts(parts, services).await?;
        if !services.is_server_admin(&auth.user_id).await? {
            return Err(ApiError::forbidden("You are not a server admin"));
        }
        Ok(Admin(auth))
    }
}

// The query parameters of the admin endpoints' requests stay strings, parsed here rather than
// by ruma's query deserializer: Synapse answers a bad one with M_INVALID_PARAM and its own
// messages, which these keep.

/// A non-negative integer query parameter `name` (value `v`), `default` when absent.
pub fn int_param(v: Option<&str>, name: &str, default: i64) -> Result<i64, ApiError> {
    let q: HashMap<String, String> = v
        .map(|v| (name.to_owned(), v.to_owned()))
        .into_iter()
        .collect();
    Ok(crate::api::extract::uint_param(&q, name)?
        .map_or(default, |n| i64::try_from(n).unwrap_or(i64::MAX)))
}

/// A `true`/`false` query parameter.
pub fn bool_param(v: Option<&str>, name: &str) -> Result<Option<bool>, ApiError> {
    match v {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid_param(format!(
            "Boolean query parameter {name:?} must be one of ['true', 'false']"
        ))),
    }
}

/// A query parameter restricted to `allowed` values.
pub fn enum_param<'a>(
    v: Option<&'a str>,
    name: &str,
    default: &'a str,
    allowed: &[&str],
) -> Result<&'a str, ApiError> {
    match v {
        None => Ok(default),
        Some(v) if allowed.contains(&v) => Ok(v),
        Some(v) => Err(ApiError::invalid_param(format!(
            "Query parameter {name:?} must be one of [{}], not {v:?}",
            allowed
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}
