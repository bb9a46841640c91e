//! Registers a user through the shared-secret admin API (`/_synapse/admin/v1/register`, which
//! matrixd and Synapse both serve): a nonce, then an HMAC-SHA1 over nonce, user, password and
//! "notadmin". Only registration: logging in is the SDK's job (see `chat`).

use anyhow::{Context as _, Result, bail};
use hmac::{Hmac, Mac as _};
use matrix_sdk::reqwest;

/// Registers `user` with `password` on the homeserver at `url`.
pub async fn register(url: &str, secret: &str, user: &str, password: &str) -> Result<()> {
    let http = reqwest::Client::new();
    let endpoint = format!("{}/_synapse/admin/v1/register", url.trim_end_matches('/'));
    let nonce: serde_json::Value = json(http.get(&endpoint).send().await, "get a nonce").await?;
    let nonce = nonce["nonce"]
        .as_str()
        .context("the nonce answer has no nonce")?
        .to_owned();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).context("HMAC key")?;
    for (i, part) in [nonce.as_str(), user, password, "notadmin"]
        .iter()
        .enumerate()
    {
        if i > 0 {
            mac.update(b"\0");
        }
        mac.update(part.as_bytes());
    }
    let body = serde_json::json!({
        "nonce": nonce,
        "username": user,
        "password": password,
        "admin": false,
        "mac": hex::encode(mac.finalize().into_bytes()),
    });
    json(
        http.post(&endpoint)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await,
        &format!("register {user}"),
    )
    .await?;
    Ok(())
}

/// The JSON body of a successful answer, or an error naming `what` with the status and body.
async fn json(answer: reqwest::Result<reqwest::Response>, what: &str) -> Result<serde_json::Value> {
    let answer = answer.with_context(|| format!("{what}: no answer"))?;
    let status = answer.status();
    let body = answer
        .bytes()
        .await
        .with_context(|| format!("{what}: reading the body"))?;
    if !status.is_success() {
        bail!("{what}: {status}: {}", String::from_utf8_lossy(&body));
    }
    serde_json::from_slice(&body).with_context(|| format!("{what}: the body is not JSON"))
}
