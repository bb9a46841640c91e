//! POST /_matrix/client/*/user_directory/search — https://spec.matrix.org/v1.12/client-server-api/#post_matrixclientv3user_directorysearch
//! As Synapse with its defaults (search_all_users: false): users who share a room with the
//! searcher or are in a public room, matched on user id and display name.

use axum::extract::State;
use ruma::api::client::user_directory::search_users::v3 as search_users;
use ruma::{OwnedMxcUri, OwnedUserId};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

pub async fn search_user_directory_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(req): Ruma<search_users::Request>,
) -> Result<RumaResponse<search_users::Response>, ApiError> {
    let term = req.search_term.to_lowercase();
    let limit = u64::from(req.limit).clamp(1, 100) as usize;
    let found = s.search_users(&auth.user_id, &term).await?;
    let limited = found.len() > limit;
    let results = found
        .into_iter()
        .take(limit)
        .filter_map(|(user_id, name, avatar)| {
            let mut user = search_users::User::new(OwnedUserId::try_from(user_id).ok()?);
            user.display_name = name;
            user.avatar_url = avatar.map(OwnedMxcUri::from);
            Some(user)
        })
        .collect();
    Ok(RumaResponse(search_users::Response::new(results, limited)))
}
