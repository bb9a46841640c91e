//! Step group 6: the homeserver's secrets (registration, macaroon, form), each in its own file,
//! and the signing key: created when absent, never overwritten. None with a matrixd package
//! installed: its conf.d/secrets.yaml has them (and the signing key's path), and the packaged
//! service reads it after homeserver.yaml; a second set here would contradict it (matrixd
//! refuses a secret given both inline and by file) and a second key would change the server's
//! identity.

use std::path::PathBuf;

use super::{Builder, Ctx};
use crate::plan::model::{Affects, Change, Content, FileStep, Step};

/// Where the secrets and the signing key are.
pub struct Secrets {
    pub registration: PathBuf,
    pub macaroon: PathBuf,
    pub form: PathBuf,
    pub signing_key: PathBuf,
}

pub fn secrets(c: &Ctx, b: &mut Builder) -> Option<Secrets> {
    if let Some(pkg) = &c.facts.packaged {
        b.notes.push(crate::msg!(
            "plan-note-package-secrets",
            format = pkg.format,
            path = pkg.conf_d.join("secrets.yaml").display()
        ));
        return None;
    }
    let l = &c.l;
    let s = Secrets {
        registration: l.secrets_dir.join("registration_shared_secret"),
        macaroon: l.secrets_dir.join("macaroon_secret_key"),
        form: l.secrets_dir.join("form_secret"),
        signing_key: l.config_dir.join("signing.key"),
    };
    for p in [&s.registration, &s.macaroon, &s.form] {
        b.secret(p, &c.user, Affects::Homeserver);
    }
    let change = if b.existing.exists(&s.signing_key) {
        Change::Keep
    } else {
        Change::Create
    };
    b.steps.push(Step::File(FileStep {
        path: s.signing_key.clone(),
        content: Content::SigningKey,
        mode: 0o600,
        owner: c.user.clone(),
        change,
        create_only: true,
        affects: Affects::Homeserver,
    }));
    Some(s)
}
