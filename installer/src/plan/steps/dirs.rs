//! Step group 4: the config, secrets, data, media, log and run directories (and the TLS
//! directory when certificates are made here).

use super::{Builder, Ctx};
use crate::answers::Tls;

pub fn dirs(c: &Ctx, b: &mut Builder) {
    let l = &c.l;
    b.dir(&l.config_dir, 0o750, &c.user);
    // An installed package keeps the secrets in its conf.d (see `secrets`); an adopted config
    // has its own.
    if c.facts.packaged.is_none() && c.adopted.is_none() {
        b.dir(&l.secrets_dir, 0o700, &c.user);
    }
    b.dir(&l.data_dir, 0o750, &c.user);
    b.dir(&l.data_dir.join("media_store"), 0o750, &c.user);
    b.dir(&l.log_dir, 0o750, &c.user);
    b.dir(&l.run_dir, 0o755, &c.user);
    if c.direct_acme {
        // matrixd replaces the certificate and key in it (atomically: a new file, renamed).
        b.dir(&l.tls_dir, 0o700, &c.user);
    } else if c.uses_tls && c.a.tls != Tls::Existing {
        b.dir(&l.tls_dir, 0o750, &c.root_group);
    }
}
