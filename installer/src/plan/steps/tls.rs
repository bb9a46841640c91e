//! Step group 7: the TLS certificate and key. `existing` ones are checked (full chain, valid,
//! matching key) and used where they are; `acme` starts with a self-signed stand-in (so nginx
//! can start and serve the challenges; `steps::acme` replaces it); `self-signed` and `direct`
//! get a certificate made
//! here for the public host (and the server name's), unless both files exist and the
//! certificate has more than `RENEW_DAYS` days left (then it is made again, the old pair kept
//! as a backup).

use std::path::PathBuf;

use super::{Builder, Ctx, answered, err};
use crate::answers::Tls;
use crate::plan::model::{Affects, Change, Step};
use crate::plan::steps::PlanError;

/// The certificate and key paths (also for `--tls none`, where nothing uses them).
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn tls(c: &Ctx, b: &mut Builder) -> Result<TlsFiles, PlanError> {
    let a = c.a;
    let files = match a.tls {
        Tls::Existing => {
            let cert = answered(&a.tls_cert, "tls_cert")?.to_path_buf();
            let key = answered(&a.tls_key, "tls_key")?.to_path_buf();
            let cert_pem = b.existing.read(&cert).ok_or_else(|| {
                err(
                    crate::tr!("plan-err-no-cert", path = cert.display()),
                    crate::tr!("plan-err-no-cert-hint", flag = "--tls-cert"),
                )
            })?;
            let key_pem = b.existing.read(&key).ok_or_else(|| {
                err(
                    crate::tr!("plan-err-no-key", path = key.display()),
                    crate::tr!("plan-err-no-key-hint", flag = "--tls-key"),
                )
            })?;
            crate::plan::tls::check_pair(&cert_pem, &key_pem).map_err(|e| {
                err(
                    crate::tr!("plan-err-bad-pair", path = cert.display(), error = e),
                    crate::tr!("plan-err-bad-pair-hint", flag = "--tls self-signed"),
                )
            })?;
            TlsFiles { cert, key }
        }
        _ => TlsFiles {
            cert: c.l.tls_dir.join("fullchain.pem"),
            key: c.l.tls_dir.join("privkey.pem"),
        },
    };
    if a.tls == Tls::Acme && !(b.existing.exists(&files.cert) && b.existing.exists(&files.key)) {
        b.steps.push(Step::SelfSigned {
            cert: files.cert.clone(),
            key: files.key.clone(),
            names: c.host_names(),
            key_owner: if c.direct_tls {
                c.user.clone()
            } else {
                c.root.clone()
            },
            change: Change::Create,
            affects: if c.direct_tls {
                Affects::Homeserver
            } else {
                Affects::Nginx
            },
            stand_in: true,
        });
    }
    if matches!(a.tls, Tls::SelfSigned | Tls::Direct) {
        let change = match (b.existing.read(&files.cert), b.existing.exists(&files.key)) {
            (Some(pem), true) if crate::plan::tls::due(&pem, c.now) => Change::Update,
            (Some(_), true) => Change::Keep,
            _ => Change::Create,
        };
        let direct = a.tls == Tls::Direct;
        b.steps.push(Step::SelfSigned {
            cert: files.cert.clone(),
            key: files.key.clone(),
            names: c.host_names(),
            key_owner: if direct {
                c.user.clone()
            } else {
                c.root.clone()
            },
            change,
            affects: if direct {
                Affects::Homeserver
            } else {
                Affects::Nginx
            },
            stand_in: false,
        });
    }
    Ok(files)
}
