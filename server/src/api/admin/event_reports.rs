//! GET /_synapse/admin/v1/event_reports, GET and DELETE /_synapse/admin/v1/event_reports/{reportId} — https://element-hq.github.io/synapse/latest/admin_api/event_reports.html
//! Pagination with `from`/`limit` (default 100), `dir` (b: newest first), `next_token` while
//! more remain, and `total`; filters `user_id`, `room_id`, `event_sender_user_id`.

use axum::extract::State;
use serde_json::Value;

use super::extract::{Admin, enum_param, int_param};
use crate::api::ApiError;
use crate::api::extract::{Ruma, RumaResponse};
use crate::service::SharedServices;
use crate::service::reports::EventReportQuery;

/// `GET /_synapse/admin/v1/event_reports`.
pub mod list {
    use ruma::api::auth_scheme::AccessToken;
    use ruma::api::metadata;
    use serde::Serialize;
    use serde_json::Value;

    use crate::api::types::{impl_incoming_request, impl_json_response, query};

    metadata! {
        method: GET,
        rate_limited: false,
        authentication: AccessToken,
        path: "/_synapse/admin/v1/event_reports",
    }

    /// The parameters stay strings, parsed as Synapse parses them.
    pub struct Request {
        pub from: Option<String>,
        pub limit: Option<String>,
        pub dir: Option<String>,
        pub user_id: Option<String>,
        pub room_id: Option<String>,
        pub event_sender_user_id: Option<String>,
    }

    impl_incoming_request!(|req, args| {
        let mut q = query(&req);
        Ok(Request {
            from: q.remove("from"),
            limit: q.remove("limit"),
            dir: q.remove("dir"),
            user_id: q.remove("user_id"),
            room_id: q.remove("room_id"),
            event_sender_user_id: q.remove("event_sender_user_id"),
        })
    });

    #[derive(Serialize)]
    pub struct Response {
        pub event_reports: Vec<Value>,
        pub total: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub next_token: Option<i64>,
    }

    impl_json_response!();
}

/// `GET` and `DELETE /_synapse/admin/v1/event_reports/{report_id}`.
pub mod one {
    macro_rules! endpoint {
        ($name:ident, $method:ident) => {
            pub mod $name {
                use ruma::api::auth_scheme::AccessToken;
                use ruma::api::metadata;
                use serde::Serialize;
                use serde_json::Value;

                use crate::api::types::{impl_incoming_request, impl_json_response, path_arg};

                metadata! {
                    method: $method,
                    rate_limited: false,
                    authentication: AccessToken,
                    path: "/_synapse/admin/v1/event_reports/{report_id}",
                }

                pub struct Request {
                    pub report_id: String,
                }

                impl_incoming_request!(|req, args| Ok(Request {
                    report_id: path_arg(args, 0),
                }));

                #[derive(Serialize)]
                #[serde(transparent)]
                pub struct Response(pub Value);

                impl_json_response!();
            }
        };
    }
    endpoint!(get, GET);
    endpoint!(delete, DELETE);
}

pub async fn get_event_reports_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(q): Ruma<list::Request>,
) -> Result<RumaResponse<list::Response>, ApiError> {
    let from = int_param(q.from.as_deref(), "from", 0)?;
    let limit = int_param(q.limit.as_deref(), "limit", 100)?;
    let dir = enum_param(q.dir.as_deref(), "dir", "b", &["f", "b"])?;
    let (event_reports, total) = s
        .admin_event_reports(EventReportQuery {
            from,
            limit,
            oldest_first: dir == "f",
            user_id: q.user_id.as_deref(),
            room_id: q.room_id.as_deref(),
            event_sender_user_id: q.event_sender_user_id.as_deref(),
        })
        .await?;
    let next_token =
        (from.saturating_add(limit) < total).then(|| from + event_reports.len() as i64);
    Ok(RumaResponse(list::Response {
        event_reports,
        total,
        next_token,
    }))
}

/// A report id as Synapse reads it: a non-negative integer, else 400 M_INVALID_PARAM.
fn report_id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
        ApiError::invalid_param(
            "The report_id parameter must be a string representing a positive integer.",
        )
    })
}

pub async fn get_event_report_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<one::get::Request>,
) -> Result<RumaResponse<one::get::Response>, ApiError> {
    match s.admin_event_report(report_id(&req.report_id)?).await? {
        Some(r) => Ok(RumaResponse(one::get::Response(r))),
        None => Err(ApiError::not_found("Event report not found")),
    }
}

pub async fn delete_event_report_route(
    State(s): State<SharedServices>,
    _admin: Admin,
    Ruma(req): Ruma<one::delete::Request>,
) -> Result<RumaResponse<one::delete::Response>, ApiError> {
    if s.admin_delete_event_report(report_id(&req.report_id)?)
        .await?
    {
        Ok(RumaResponse(one::delete::Response(Value::Object(
            Default::default(),
        ))))
    } else {
        Err(ApiError::not_found("Event report not found"))
    }
}
