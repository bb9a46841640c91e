//! Step group 16: wait until the client API answers through the public URL (its host resolved
//! to this machine, trusting the certificate made here).

use super::tls::TlsFiles;
use super::{Builder, Ctx, FEDERATION_PORT, HTTP_PORT};
use crate::answers::Tls;
use crate::plan::model::Step;

pub fn health(c: &Ctx, b: &mut Builder, tls: &TlsFiles) {
    let a = c.a;
    let connect_port = if c.nginx {
        c.public_port
    } else if c.direct_tls {
        FEDERATION_PORT
    } else {
        HTTP_PORT
    };
    b.steps.push(Step::Wait {
        url: format!("{}_matrix/client/versions", a.public_baseurl),
        connect: format!("127.0.0.1:{connect_port}"),
        ca: matches!(a.tls, Tls::SelfSigned | Tls::Direct).then(|| tls.cert.clone()),
    });
}
