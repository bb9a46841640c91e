//! Client discovery, as a web client sees it: `/.well-known/matrix/client` on the server name
//! (valid JSON, `Access-Control-Allow-Origin` on every response including redirects), and its
//! `base_url` being public_baseurl and answering `/_matrix/client/versions`.

use crate::doctor::net::{self, Fetch, Fetched};
use crate::doctor::{Ctx, Outcome};
use crate::i18n::Text;
use crate::msg;

/// The Origin header sent, as a web client on another host would.
pub const ORIGIN: &str = "https://app.element.io";

/// One response on the way to the well-known.
#[derive(Debug, Clone)]
pub struct Hop {
    pub url: String,
    pub status: u16,
    pub cors: Option<String>,
}

/// What fetching the client well-known found, followed by hand so every hop is seen.
#[derive(Debug, Clone)]
pub struct ClientWellKnown {
    pub url: String,
    pub hops: Vec<Hop>,
    /// The last response, or why there is none.
    pub last: Result<Fetched, String>,
}

async fn fetch(ctx: &Ctx, host: &str) -> ClientWellKnown {
    let start = format!("https://{host}/.well-known/matrix/client");
    let mut url = start.clone();
    let mut hops = Vec::new();
    for _ in 0..6 {
        let how = Fetch {
            verify: true,
            follow: false,
            origin: Some(ORIGIN.into()),
            ..Default::default()
        };
        let f = match net::get(&ctx.opts.net, &url, &how).await {
            Ok(f) => f,
            Err(e) => {
                return ClientWellKnown {
                    url: start,
                    hops,
                    last: Err(e),
                };
            }
        };
        hops.push(Hop {
            url: url.clone(),
            status: f.status,
            cors: f.header("access-control-allow-origin"),
        });
        if (300..400).contains(&f.status) {
            let Some(loc) = f.header("location") else {
                return ClientWellKnown {
                    url: start,
                    hops,
                    last: Ok(f),
                };
            };
            url = match url::Url::parse(&url).and_then(|base| base.join(&loc)) {
                Ok(u) => u.to_string(),
                Err(e) => {
                    return ClientWellKnown {
                        url: start,
                        hops,
                        last: Err(crate::tr!(
                            "cli-bad-redirect",
                            to = format!("{loc:?}"),
                            error = e
                        )),
                    };
                }
            };
            continue;
        }
        return ClientWellKnown {
            url: start,
            hops,
            last: Ok(f),
        };
    }
    ClientWellKnown {
        url: start,
        hops,
        last: Err(crate::tr!("cli-too-many-redirects", n = 5)),
    }
}

fn get(ctx: &Ctx) -> Result<&ClientWellKnown, Outcome> {
    let c = ctx.config()?;
    let host = super::federation::split_host_port(&c.server_name).0;
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    Ok(ctx
        .client_wk
        .get_or_init(|| ctx.block_on(fetch(ctx, &host))))
}

/// The well-known's base_url, when the document is usable.
fn base_url(wk: &ClientWellKnown) -> Result<String, Outcome> {
    let f = match &wk.last {
        Err(e) => {
            return Err(Outcome::warn(
                msg!("fed-unreachable", url = wk.url, error = e),
                msg!(
                    "cli-wk-unreachable-fix",
                    cmd = "matrixctl install --well-known yes"
                ),
            ));
        }
        Ok(f) => f,
    };
    if f.status == 404 {
        return Err(Outcome::warn(
            msg!("cli-wk-404", url = wk.url, status = "HTTP 404"),
            msg!(
                "cli-wk-404-fix",
                json = "{\"m.homeserver\": {\"base_url\": \"<public_baseurl>\"}}",
                cmd = "matrixctl install --well-known yes"
            ),
        ));
    }
    if f.status != 200 {
        return Err(Outcome::fail(
            msg!(
                "fed-answered",
                url = wk.url,
                status = format!("HTTP {}", f.status)
            ),
            msg!("cli-wk-status-fix", status = "200"),
        ));
    }
    let v = f.json().map_err(|e| {
        Outcome::fail(
            msg!("fed-wk-bad-json", url = wk.url, error = e),
            msg!(
                "cli-wk-json-fix",
                json = "{\"m.homeserver\": {\"base_url\": \"https://matrix.example.org\"}}"
            ),
        )
    })?;
    v.pointer("/m.homeserver/base_url")
        .and_then(|b| b.as_str())
        .map(str::to_string)
        .ok_or_else(|| {
            Outcome::fail(
                msg!(
                    "cli-wk-no-base",
                    url = wk.url,
                    key = "m.homeserver.base_url"
                ),
                msg!(
                    "cli-serve",
                    json = "{\"m.homeserver\": {\"base_url\": \"https://matrix.example.org\"}}"
                ),
            )
        })
}

pub fn well_known(ctx: &Ctx) -> Outcome {
    let wk = match get(ctx) {
        Ok(w) => w,
        Err(o) => return o,
    };
    match base_url(wk) {
        Ok(b) => {
            let mut shown = vec![format!("{} -> {b}", wk.url).into()];
            if wk.hops.len() > 1 {
                shown.push(msg!("cli-wk-redirects", n = wk.hops.len() - 1));
            }
            let mut o = Outcome::ok(Text::Concat(shown));
            for (i, h) in wk.hops.iter().enumerate() {
                o = o.detail(
                    &format!("hop{}", i + 1),
                    format!(
                        "{} HTTP {} CORS {}",
                        h.url,
                        h.status,
                        h.cors.as_deref().unwrap_or("none")
                    ),
                );
            }
            o
        }
        Err(o) => o,
    }
}

pub fn cors(ctx: &Ctx) -> Outcome {
    let wk = match get(ctx) {
        Ok(w) => w,
        Err(o) => return o,
    };
    if base_url(wk).is_err() {
        return Outcome::skip(msg!("cli-skip-no-wk", check = "client.well_known"));
    }
    let redirected = wk.hops.len() > 1;
    if let Some(h) = wk.hops.iter().find(|h| h.cors.is_none()) {
        let is_redirect = (300..400).contains(&h.status);
        let header = "Access-Control-Allow-Origin";
        let summary = if is_redirect {
            msg!(
                "cli-cors-redirect",
                url = h.url,
                status = format!("HTTP {}", h.status),
                header = header
            )
        } else if redirected {
            msg!("cli-cors-after-redirect", url = h.url, header = header)
        } else {
            msg!("cli-cors-missing", url = h.url, header = header)
        };
        let line = "add_header Access-Control-Allow-Origin \"*\" always;";
        let fix = if is_redirect {
            msg!("cli-cors-redirect-fix", line = line)
        } else {
            msg!("cli-cors-fix", line = line)
        };
        return Outcome::fail(summary, fix);
    }
    let last = wk
        .hops
        .last()
        .and_then(|h| h.cors.clone())
        .unwrap_or_default();
    let mut shown = vec![format!("Access-Control-Allow-Origin: {last}").into()];
    if redirected {
        shown.push(msg!("cli-cors-every-redirect"));
    }
    Outcome::ok(Text::Concat(shown))
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

pub fn base_url_check(ctx: &Ctx) -> Outcome {
    let wk = match get(ctx) {
        Ok(w) => w,
        Err(o) => return o,
    };
    let base = match base_url(wk) {
        Ok(b) => b,
        Err(_) => {
            return Outcome::skip(msg!("cli-skip-no-wk", check = "client.well_known"));
        }
    };
    let public = ctx
        .loaded
        .config
        .as_ref()
        .and_then(|c| c.public_baseurl.as_ref())
        .map(|u| u.to_string());
    let versions = format!("{}/_matrix/client/versions", base.trim_end_matches('/'));
    let answer = ctx.block_on(net::get(
        &ctx.opts.net,
        &versions,
        &Fetch {
            verify: true,
            follow: true,
            ..Default::default()
        },
    ));
    let ok = match &answer {
        Ok(f) if f.status == 200 => f
            .json()
            .ok()
            .is_some_and(|v| v.get("versions").is_some_and(|v| v.is_array())),
        _ => false,
    };
    if !ok {
        let why = match answer {
            Ok(f) => format!("HTTP {}", f.status),
            Err(e) => e,
        };
        return Outcome::fail(
            msg!("cli-base-no-answer", url = versions, why = why),
            msg!(
                "cli-base-no-answer-fix",
                key = "base_url",
                public = "public_baseurl",
                path = "/_matrix"
            ),
        );
    }
    match public {
        Some(p) if !same_url(&p, &base) => Outcome::warn(
            msg!(
                "cli-base-differs",
                base = format!("base_url {base}"),
                public = format!("public_baseurl {p}")
            ),
            msg!(
                "cli-base-differs-fix",
                key = "base_url",
                public = "public_baseurl"
            ),
        ),
        _ => Outcome::ok(msg!(
            "cli-base-ok",
            base = base,
            path = "/_matrix/client/versions"
        )),
    }
}
