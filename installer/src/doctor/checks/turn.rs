//! TURN: `/_matrix/client/v3/voip/turnServer` hands out a credential that coturn accepts, i.e.
//! `password == base64(HMAC-SHA1(turn_shared_secret, username))` (padded), or the static pair.
//! The endpoint needs a logged-in user: `--access-token-file`.

use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};

use crate::doctor::net::{self, Fetch};
use crate::doctor::{Ctx, Outcome};
use crate::msg;

/// The TURN REST password for `username` (coturn's use-auth-secret scheme).
pub fn turn_password(secret: &str, username: &str) -> String {
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

pub fn credentials(ctx: &Ctx) -> Outcome {
    let t = super::config::turn_settings(ctx);
    if t.uris.is_empty() {
        return Outcome::skip(msg!("cfg-turn-off"));
    }
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let token = match &ctx.opts.access_token_file {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(t) => Some(t.trim().to_string()),
            Err(e) => {
                return Outcome::fail(
                    msg!(
                        "turn-token-file",
                        flag = format!("--access-token-file {}", p.display()),
                        error = e
                    ),
                    msg!("turn-token-file-fix"),
                );
            }
        },
        None => None,
    };
    let url = format!("{}/_matrix/client/v3/voip/turnServer", c.local_client_url());
    let local = net::NetOptions::default();
    let f = match ctx.block_on(net::get(
        &local,
        &url,
        &Fetch {
            token: token.clone(),
            ..Default::default()
        },
    )) {
        Ok(f) => f,
        Err(e) => {
            return Outcome::fail(
                msg!("fed-unreachable", url = url, error = e),
                msg!("turn-start-fix", cmd = "matrixctl start"),
            );
        }
    };
    let body = f.json().unwrap_or_default();
    let errcode = body.get("errcode").and_then(|v| v.as_str()).unwrap_or("");
    if f.status == 404 || errcode == "M_UNRECOGNIZED" {
        return Outcome::warn(
            msg!("turn-not-served", path = "/voip/turnServer"),
            msg!("turn-not-served-fix"),
        );
    }
    if f.status == 401 || f.status == 403 {
        return Outcome::skip(msg!("turn-needs-login", flag = "--access-token-file FILE"));
    }
    if f.status != 200 {
        return Outcome::fail(
            msg!(
                "fed-answered",
                url = url,
                status = format!("HTTP {}", f.status)
            ),
            msg!("turn-see-log"),
        );
    }
    let username = body.get("username").and_then(|v| v.as_str());
    let password = body.get("password").and_then(|v| v.as_str());
    let (Some(username), Some(password)) = (username, password) else {
        return Outcome::fail(
            msg!("turn-no-credential", path = "/voip/turnServer"),
            msg!("turn-no-credential-fix", key = "turn_shared_secret"),
        );
    };
    let expected = match (&t.secret, &t.username, &t.password) {
        (Some(Ok(secret)), _, _) => turn_password(secret, username),
        (Some(Err(e)), _, _) => {
            return Outcome::fail(
                msg!("turn-secret-unreadable", error = "").with_arg("error", e.clone()),
                msg!(
                    "turn-secret-unreadable-fix",
                    key = "turn_shared_secret_path"
                ),
            );
        }
        (None, Some(_), Some(p)) => p.clone(),
        _ => return Outcome::skip(msg!("turn-skip-half", check = "config.turn")),
    };
    if password == expected {
        Outcome::ok(msg!("turn-ok", user = username, key = "turn_shared_secret"))
            .detail("uris", t.uris.join(", "))
    } else {
        Outcome::fail(
            msg!("turn-mismatch", user = username, key = "turn_shared_secret"),
            msg!(
                "turn-mismatch-fix",
                key = "turn_shared_secret",
                option = "static-auth-secret"
            ),
        )
    }
}
