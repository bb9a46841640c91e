//! Step group 16: wait until the client API answers through the public URL (its host resolved
//! to this machine, trusting the certificate made here). With `--workers N` each process has
//! already answered /health on its own port as it started (`service::start`).

use super::tls::TlsFiles;
use super::{Builder, Ctx, FEDERATION_PORT, HTTP_PORT};
use crate::answers::Tls;
use crate::plan::model::Step;

pub fn health(c: &Ctx, b: &mut Builder, tls: &TlsFiles) {
    let a = c.a;
    if c.direct_acme {
        // matrixd obtains its certificate in the background (its log says when): wait for
        // its plain listener, not for the CA.
        b.steps.push(Step::Wait {
            url: format!("http://127.0.0.1:{HTTP_PORT}/_matrix/client/versions"),
            connect: format!("127.0.0.1:{HTTP_PORT}"),
            ca: None,
        });
        b.notes.push(crate::msg!(
            "plan-note-matrixd-acme",
            names = c.host_names().join(", "),
            port = 443
        ));
        return;
    }
    let connect_port = if c.nginx {
        c.public_port
    } else if c.direct_tls {
        FEDERATION_PORT
    } else {
        c.http_port
    };
    b.steps.push(Step::Wait {
        url: format!("{}_matrix/client/versions", a.public_baseurl),
        connect: format!("127.0.0.1:{connect_port}"),
        ca: matches!(a.tls, Tls::SelfSigned | Tls::Direct).then(|| tls.cert.clone()),
    });
}
