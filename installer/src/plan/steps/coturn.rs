//! Step group 12 (`--install-coturn`): coturn's config, with use-auth-secret and the secret
//! matrixd shares.

use std::path::PathBuf;

use serde::Serialize;

use super::turn::Turn;
use super::{Builder, Ctx};
use crate::plan::model::{Affects, Owner};
use crate::plan::steps::PlanError;

#[derive(Serialize)]
struct CoturnCtx {
    server_name: String,
    secret: String,
    realm: String,
}

pub fn coturn(c: &Ctx, b: &mut Builder, turn: Option<&Turn>) -> Result<(), PlanError> {
    let d = c.d;
    b.template(
        &PathBuf::from(&d.coturn.config),
        crate::render::COTURN_CONF,
        &CoturnCtx {
            server_name: c.a.server_name.to_string(),
            secret: turn
                .and_then(|t| t.coturn_secret.clone())
                .unwrap_or_default(),
            realm: c.server_host.clone(),
        },
        0o640,
        &Owner {
            user: "root".into(),
            group: d.coturn.user.clone(),
        },
        Affects::Coturn,
    )?;
    Ok(())
}
