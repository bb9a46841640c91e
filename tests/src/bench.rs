//! The small Matrix client the benchmarks drive servers with (matrix-bench, fed-bench):
//! shared-secret registration (so the same run works against Synapse), rooms, sends, /sync
//! and sliding sync, percentiles, and starting and stopping a server process. Never a test.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::{Value, json};

pub fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

pub fn percentiles(mut ms: Vec<f64>) -> Value {
    if ms.is_empty() {
        return json!({"n": 0});
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    json!({
        "n": ms.len(),
        "p50_ms": round(at(0.50), 2),
        "p90_ms": round(at(0.90), 2),
        "p99_ms": round(at(0.99), 2),
        "max_ms": round(*ms.last().unwrap(), 2),
    })
}

// ---------------------------------------------------------------------------------------------
// Starting and stopping a server.

pub fn start_server(cmd: &str, log: &str) -> Result<Child> {
    use std::os::unix::process::CommandExt as _;
    let out = std::fs::File::create(log).with_context(|| format!("create {log}"))?;
    let err = out.try_clone()?;
    Command::new("sh")
        .arg("-c")
        .arg(format!("exec {cmd}"))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .with_context(|| format!("start {cmd:?}"))
}

/// SIGTERM to the server, then SIGKILL to its own process group if it has not exited in 10 s.
pub fn stop_server(child: &mut Child) {
    let pid = child.id() as libc::pid_t;
    if pid <= 1 {
        return;
    }
    // SAFETY: kill(2) on our own child (positive pid) has no memory effects.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // The child leads its own process group (process_group(0)): -pid reaches it and what it
    // started, nothing else.
    // SAFETY: as above, on our child's own process group.
    unsafe { libc::kill(-pid, libc::SIGKILL) };
    let _ = child.wait();
}

// ---------------------------------------------------------------------------------------------
// A minimal Matrix client.

#[derive(Clone)]
pub struct User {
    pub id: String,
    pub token: String,
}

pub struct Client {
    pub http: reqwest::Client,
    pub url: String,
    pub secret: String,
    /// Makes this run's user names and transaction ids unique.
    pub run: String,
    pub txn: AtomicU64,
}

pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Client {
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(Value, usize)> {
        loop {
            let mut req = self
                .http
                .request(method.clone(), format!("{}{}", self.url, path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req
                .send()
                .await
                .with_context(|| format!("{method} {path}"))?;
            let status = resp.status();
            let bytes = resp.bytes().await?;
            let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            if status.as_u16() == 429 {
                // Rate limited: honour retry_after_ms (the bench asks servers to lift limits).
                let ms = v["retry_after_ms"].as_u64().unwrap_or(100);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                continue;
            }
            if !status.is_success() {
                bail!(
                    "{method} {path}: {status}: {}",
                    String::from_utf8_lossy(&bytes)
                );
            }
            return Ok((v, bytes.len()));
        }
    }

    pub async fn register(&self, role: &str) -> Result<User> {
        let localpart = format!("bench_{}_{role}", self.run);
        let password = format!("pw-{}-{role}", self.run);
        let path = "/_synapse/admin/v1/register";
        let (nonce, _) = self.call(reqwest::Method::GET, path, None, None).await?;
        let nonce = nonce["nonce"]
            .as_str()
            .ok_or_else(|| anyhow!("no nonce"))?
            .to_string();
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(self.secret.as_bytes()).expect("hmac key");
        for part in [nonce.as_str(), &localpart, &password] {
            mac.update(part.as_bytes());
            mac.update(b"\0");
        }
        mac.update(b"notadmin");
        let body = json!({"nonce": nonce, "username": localpart, "password": password, "admin": false,
                          "mac": hex::encode(mac.finalize().into_bytes())});
        let (v, _) = self
            .call(reqwest::Method::POST, path, None, Some(&body))
            .await?;
        let id = v["user_id"]
            .as_str()
            .ok_or_else(|| anyhow!("register: no user_id in {v}"))?
            .to_string();
        match v["access_token"].as_str() {
            Some(t) => Ok(User {
                id,
                token: t.to_string(),
            }),
            None => self.login(&localpart, &password).await,
        }
    }

    pub async fn login(&self, user: &str, password: &str) -> Result<User> {
        let body = json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user}, "password": password});
        let (v, _) = self
            .call(
                reqwest::Method::POST,
                "/_matrix/client/v3/login",
                None,
                Some(&body),
            )
            .await?;
        Ok(User {
            id: v["user_id"].as_str().unwrap_or_default().to_string(),
            token: v["access_token"].as_str().unwrap_or_default().to_string(),
        })
    }

    /// A second device (fresh token) for `u`, registered by `role`.
    pub async fn relogin(&self, role: &str) -> Result<User> {
        self.login(
            &format!("bench_{}_{role}", self.run),
            &format!("pw-{}-{role}", self.run),
        )
        .await
    }

    pub async fn create_room(&self, u: &User, name: &str, preset: &str) -> Result<String> {
        let body = json!({"preset": preset, "name": name});
        let (v, _) = self
            .call(
                reqwest::Method::POST,
                "/_matrix/client/v3/createRoom",
                Some(&u.token),
                Some(&body),
            )
            .await?;
        Ok(v["room_id"]
            .as_str()
            .ok_or_else(|| anyhow!("createRoom: {v}"))?
            .to_string())
    }

    pub async fn join(&self, u: &User, room: &str) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/_matrix/client/v3/rooms/{}/join", enc(room)),
            Some(&u.token),
            Some(&json!({})),
        )
        .await?;
        Ok(())
    }

    pub async fn leave(&self, u: &User, room: &str) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/_matrix/client/v3/rooms/{}/leave", enc(room)),
            Some(&u.token),
            Some(&json!({})),
        )
        .await?;
        Ok(())
    }

    pub async fn send(&self, u: &User, room: &str, body: &str) -> Result<String> {
        let txn = format!("{}-{}", self.run, self.txn.fetch_add(1, Ordering::Relaxed));
        let path = format!(
            "/_matrix/client/v3/rooms/{}/send/m.room.message/{txn}",
            enc(room)
        );
        let (v, _) = self
            .call(
                reqwest::Method::PUT,
                &path,
                Some(&u.token),
                Some(&json!({"msgtype": "m.text", "body": body})),
            )
            .await?;
        Ok(v["event_id"].as_str().unwrap_or_default().to_string())
    }

    pub async fn sync(
        &self,
        u: &User,
        since: Option<&str>,
        timeout_ms: u64,
    ) -> Result<(Value, usize)> {
        self.sync_filtered(u, since, timeout_ms, None).await
    }

    /// /sync with a filter given inline (its JSON).
    pub async fn sync_filtered(
        &self,
        u: &User,
        since: Option<&str>,
        timeout_ms: u64,
        filter: Option<&Value>,
    ) -> Result<(Value, usize)> {
        let mut path = format!("/_matrix/client/v3/sync?timeout={timeout_ms}");
        if let Some(s) = since {
            path.push_str(&format!("&since={}", enc(s)));
        }
        if let Some(f) = filter {
            path.push_str(&format!("&filter={}", enc(&f.to_string())));
        }
        self.call(reqwest::Method::GET, &path, Some(&u.token), None)
            .await
    }

    /// A simplified sliding sync request (MSC4186) from `pos`.
    pub async fn sliding(
        &self,
        u: &User,
        pos: Option<&str>,
        timeout_ms: u64,
        body: &Value,
    ) -> Result<(Value, usize)> {
        let mut path = format!(
            "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync?timeout={timeout_ms}"
        );
        if let Some(p) = pos {
            path.push_str(&format!("&pos={}", enc(p)));
        }
        self.call(reqwest::Method::POST, &path, Some(&u.token), Some(body))
            .await
    }
}
