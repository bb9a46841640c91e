//! Step group 8 (TURN configured): the URIs clients get and the shared secret matrixd and the
//! TURN server share: the given secret file (which must exist), or one generated here, which
//! coturn (when installed here) is configured with.

use std::path::PathBuf;

use super::{Builder, Ctx, err, s};
use crate::plan::model::Affects;
use crate::plan::steps::PlanError;
use crate::render::homeserver::TurnCtx;

/// What the homeserver config and coturn need to know about TURN.
pub struct Turn {
    pub uris: Vec<String>,
    pub secret_path: PathBuf,
    /// The secret coturn is configured with, when it is known.
    pub coturn_secret: Option<String>,
}

impl Turn {
    pub fn ctx(&self) -> TurnCtx {
        TurnCtx {
            uris: self.uris.clone(),
            secret_path: s(&self.secret_path),
        }
    }
}

pub fn turn(c: &Ctx, b: &mut Builder) -> Result<Option<Turn>, PlanError> {
    if !c.turn {
        return Ok(None);
    }
    let a = c.a;
    let uris = if a.turn_uris.is_empty() {
        vec![
            format!("turn:{}:3478?transport=udp", c.public_host),
            format!("turn:{}:3478?transport=tcp", c.public_host),
        ]
    } else {
        a.turn_uris.iter().map(|u| u.to_string()).collect()
    };
    let (secret_path, coturn_secret) = match &a.turn_secret_file {
        Some(f) => {
            if !b.existing.exists(f) {
                return Err(err(
                    crate::tr!("plan-err-turn-secret", path = f.display()),
                    crate::tr!("plan-err-turn-secret-hint", flag = "--install-coturn"),
                ));
            }
            let path = f.to_path_buf();
            let secret = if c.coturn {
                b.existing
                    .read(&path)
                    .map(|v| String::from_utf8_lossy(&v).trim().to_string())
            } else {
                None
            };
            (path, secret)
        }
        None => {
            let path = c.l.secrets_dir.join("turn_shared_secret");
            let secret = b.secret(&path, &c.user, Affects::Homeserver);
            (path, Some(secret))
        }
    };
    Ok(Some(Turn {
        uris,
        secret_path,
        coturn_secret,
    }))
}
