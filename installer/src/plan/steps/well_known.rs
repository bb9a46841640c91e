//! Step group 10 (behind nginx, `--well-known yes`): /.well-known/matrix/server (with
//! federation) and /.well-known/matrix/client in nginx's web root.

use std::path::PathBuf;

use serde::Serialize;

use super::{Builder, Ctx};
use crate::answers::Tls;
use crate::plan::model::Affects;
use crate::plan::steps::PlanError;

#[derive(Serialize)]
struct ServerWellKnown {
    delegated: String,
}

#[derive(Serialize)]
struct ClientWellKnown {
    base_url: String,
}

pub fn well_known(c: &Ctx, b: &mut Builder) -> Result<(), PlanError> {
    let a = c.a;
    if !a.well_known.yes() {
        return Ok(());
    }
    let webroot = PathBuf::from(&c.d.nginx.webroot);
    let dir = webroot.join(".well-known/matrix");
    b.dir(&webroot, 0o755, &c.root);
    b.dir(&webroot.join(".well-known"), 0o755, &c.root);
    b.dir(&dir, 0o755, &c.root);
    if a.federation.yes() {
        let port = if a.tls == Tls::None {
            c.public_port
        } else {
            443
        };
        b.template(
            &dir.join("server"),
            crate::render::WELL_KNOWN_SERVER,
            &ServerWellKnown {
                delegated: format!("{}:{port}", c.public_host),
            },
            0o644,
            &c.root,
            Affects::Nothing,
        )?;
    }
    b.template(
        &dir.join("client"),
        crate::render::WELL_KNOWN_CLIENT,
        &ClientWellKnown {
            base_url: a.public_baseurl.trim_end_matches('/').to_string(),
        },
        0o644,
        &c.root,
        Affects::Nothing,
    )?;
    Ok(())
}
