//! GET /_matrix/client/*/account/3pid — https://spec.matrix.org/v1.12/client-server-api/#get_matrixclientv3account3pid

use axum::extract::State;
use ruma::api::client::account::get_3pids;
use ruma::thirdparty::{Medium, ThirdPartyIdentifierInit};
use ruma::{MilliSecondsSinceUnixEpoch, UInt};

use crate::api::ApiError;
use crate::api::extract::{Auth, Ruma, RumaResponse};
use crate::service::SharedServices;

fn ts(ms: i64) -> MilliSecondsSinceUnixEpoch {
    MilliSecondsSinceUnixEpoch(UInt::try_from(ms).unwrap_or_default())
}

pub async fn get_threepids_route(
    State(s): State<SharedServices>,
    auth: Auth,
    Ruma(_): Ruma<get_3pids::v3::Request>,
) -> Result<RumaResponse<get_3pids::v3::Response>, ApiError> {
    let threepids = s
        .threepids_of(&auth.user_id)
        .await?
        .into_iter()
        .map(|t| {
            ThirdPartyIdentifierInit {
                address: t.address,
                medium: Medium::from(t.medium),
                validated_at: ts(t.validated_at),
                added_at: ts(t.added_at),
            }
            .into()
        })
        .collect();
    Ok(RumaResponse(get_3pids::v3::Response::new(threepids)))
}
