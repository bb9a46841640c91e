//! PUT /_matrix/federation/v1/send/{txnId} — https://spec.matrix.org/v1.16/server-server-api/#put_matrixfederationv1sendtxnid

use axum::extract::State;
use ruma::api::federation::transactions::send_transaction_message::v1::{Request, Response};

use crate::api::ApiError;
use crate::api::extract::{Federation, RumaResponse};
use crate::service::SharedServices;

pub async fn put_send_transaction_route(
    State(services): State<SharedServices>,
    Federation {
        origin, request, ..
    }: Federation<Request>,
) -> Result<RumaResponse<Response>, ApiError> {
    // The body's origin must be the server that signed the request, as Synapse checks.
    if request.origin != origin {
        return Err(ApiError::forbidden(format!(
            "The transaction's origin {} is not the sending server {origin}",
            request.origin
        )));
    }
    let results = services
        .receive_transaction(
            &origin,
            request.transaction_id.as_str(),
            &request.pdus,
            &request.edus,
        )
        .await;
    Ok(RumaResponse(Response::new(results)))
}
