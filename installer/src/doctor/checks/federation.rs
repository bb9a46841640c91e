//! Federation, as a remote server sees it (matrix-federation-tester's checks, plus
//! `_matrix-fed._tcp`): the server well-known, SRV records, the version and key endpoints at
//! the resolved host and port, and the certificate chain; and federation answering although
//! it is disabled. Discovery follows the spec's order and runs once per doctor run.

use std::net::{IpAddr, SocketAddr};

use hickory_resolver::proto::rr::{RData, RecordType};

use crate::doctor::net::{self, Fetch};
use crate::doctor::{Ctx, Outcome};
use crate::i18n::Text;
use crate::msg;

/// What `/.well-known/matrix/server` said.
#[derive(Debug, Clone)]
pub enum WellKnown {
    /// The server name has an IP or a port, so no well-known is fetched.
    NotUsed(Text),
    /// Not served (404 or another non-200): no delegation.
    NotServed(String),
    Delegated(String),
    /// Served but useless: bad JSON, no m.server, an invalid m.server.
    Invalid(Text),
    Unreachable(String),
}

#[derive(Debug, Clone)]
pub enum Srv {
    NotUsed(Text),
    /// (record name, target, port)
    Found {
        record: String,
        target: String,
        port: u16,
        legacy: bool,
    },
    None,
    Error(Text),
}

/// Where a remote server would connect, and how it got there.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub well_known: WellKnown,
    pub srv: Srv,
    /// The name TLS and Host use.
    pub host: String,
    pub port: u16,
    /// The addresses to connect to.
    pub addrs: Result<Vec<SocketAddr>, String>,
}

impl Discovery {
    pub fn endpoint(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Splits `host[:port]` / `[v6][:port]`.
pub fn split_host_port(name: &str) -> (String, Option<u16>) {
    if let Some(rest) = name.strip_prefix('[')
        && let Some((h, p)) = rest.split_once(']')
    {
        return (
            h.to_string(),
            p.strip_prefix(':').and_then(|p| p.parse().ok()),
        );
    }
    match name.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h.to_string(), p.parse().ok()),
        _ => (name.to_string(), None),
    }
}

async fn srv_lookup(ctx: &Ctx, host: &str) -> Srv {
    let resolver = match net::resolver(&ctx.opts.net) {
        Ok(r) => r,
        Err(e) => return Srv::Error(e.into()),
    };
    for (prefix, legacy) in [("_matrix-fed._tcp", false), ("_matrix._tcp", true)] {
        let record = format!("{prefix}.{host}");
        match resolver.srv_lookup(format!("{record}.")).await {
            Ok(lookup) => {
                let mut best: Option<(u16, String, u16)> = None;
                for r in lookup.answers() {
                    match &r.data {
                        RData::SRV(s) => {
                            let t = s.target.to_utf8().trim_end_matches('.').to_string();
                            if best.as_ref().is_none_or(|b| s.priority < b.0) {
                                best = Some((s.priority, t, s.port));
                            }
                        }
                        RData::CNAME(c) => {
                            return Srv::Error(msg!(
                                "fed-srv-cname",
                                record = record,
                                alias = c.0.to_utf8()
                            ));
                        }
                        _ => {}
                    }
                }
                if let Some((_, target, port)) = best {
                    // RFC 2782: the target must be a host with addresses, never an alias.
                    if let Ok(l) = resolver
                        .lookup(format!("{target}."), RecordType::CNAME)
                        .await
                        && let Some(alias) = l.answers().iter().find_map(|r| match &r.data {
                            RData::CNAME(c) => Some(c.0.to_utf8()),
                            _ => None,
                        })
                    {
                        return Srv::Error(msg!(
                            "fed-srv-target-cname",
                            record = record,
                            target = target,
                            alias = alias.trim_end_matches('.')
                        ));
                    }
                    return Srv::Found {
                        record,
                        target,
                        port,
                        legacy,
                    };
                }
            }
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => {}
            Err(e) => {
                return Srv::Error(msg!(
                    "fed-srv-lookup",
                    record = record,
                    error = net::chain(&e)
                ));
            }
        }
    }
    Srv::None
}

async fn addrs_of(ctx: &Ctx, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    if let Some(c) = ctx
        .opts
        .net
        .connect_to
        .iter()
        .find(|c| c.host == host && c.port == port)
    {
        return Ok(vec![c.to]);
    }
    Ok(net::lookup_ips(&ctx.opts.net, host)
        .await?
        .into_iter()
        .map(|ip| SocketAddr::new(ip, port))
        .collect())
}

async fn discover(ctx: &Ctx, server_name: &str) -> Discovery {
    let (host, port) = split_host_port(server_name);
    if host.parse::<IpAddr>().is_ok() || port.is_some() {
        let port = port.unwrap_or(8448);
        let why = msg!("fed-direct", key = "server_name");
        return Discovery {
            well_known: WellKnown::NotUsed(why.clone()),
            srv: Srv::NotUsed(why),
            addrs: addrs_of(ctx, &host, port).await,
            host,
            port,
        };
    }
    let url = format!("https://{host}/.well-known/matrix/server");
    let well_known = match net::get(
        &ctx.opts.net,
        &url,
        &Fetch {
            follow: true,
            verify: false,
            ..Default::default()
        },
    )
    .await
    {
        Err(e) => WellKnown::Unreachable(e),
        Ok(f) if f.status != 200 => WellKnown::NotServed(format!("HTTP {}", f.status)),
        Ok(f) => match f.json() {
            Err(e) => WellKnown::Invalid(msg!("fed-wk-bad-json", url = url, error = e)),
            Ok(v) => match v.get("m.server").and_then(|s| s.as_str()) {
                None => {
                    WellKnown::Invalid(msg!("fed-wk-no-server", url = url, key = "\"m.server\""))
                }
                Some(s) if !matrixd::config::is_valid_server_name(s) => WellKnown::Invalid(msg!(
                    "fed-wk-bad-server",
                    url = url,
                    value = format!("m.server {s:?}"),
                    form = "host[:port]"
                )),
                Some(s) => WellKnown::Delegated(s.to_string()),
            },
        },
    };
    let (name, wk_port) = match &well_known {
        WellKnown::Delegated(s) => split_host_port(s),
        _ => (host.clone(), None),
    };
    if name.parse::<IpAddr>().is_ok() || wk_port.is_some() {
        let port = wk_port.unwrap_or(8448);
        return Discovery {
            well_known,
            srv: Srv::NotUsed(msg!("fed-wk-direct")),
            addrs: addrs_of(ctx, &name, port).await,
            host: name,
            port,
        };
    }
    let srv = srv_lookup(ctx, &name).await;
    let (port, addrs) = match &srv {
        Srv::Found { target, port, .. } => {
            let a = match ctx
                .opts
                .net
                .connect_to
                .iter()
                .find(|c| c.host == name && c.port == *port)
            {
                Some(c) => Ok(vec![c.to]),
                None => net::lookup_ips(&ctx.opts.net, target).await.map(|ips| {
                    ips.into_iter()
                        .map(|ip| SocketAddr::new(ip, *port))
                        .collect()
                }),
            };
            (*port, a)
        }
        _ => (8448, addrs_of(ctx, &name, 8448).await),
    };
    Discovery {
        well_known,
        srv,
        host: name,
        port,
        addrs,
    }
}

fn discovery(ctx: &Ctx) -> Result<&Discovery, Outcome> {
    let c = ctx.config()?;
    Ok(ctx
        .discovery
        .get_or_init(|| ctx.block_on(discover(ctx, &c.server_name))))
}

fn disabled_skip(ctx: &Ctx) -> Option<Outcome> {
    (!ctx.federation_enabled()).then(|| Outcome::skip(msg!("fed-skip-disabled")))
}

pub fn well_known(ctx: &Ctx) -> Outcome {
    if let Some(o) = disabled_skip(ctx) {
        return o;
    }
    let d = match discovery(ctx) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let name = &ctx
        .loaded
        .config
        .as_ref()
        .expect("discovery needs the config")
        .server_name;
    let url = format!("https://{name}/.well-known/matrix/server");
    match &d.well_known {
        WellKnown::NotUsed(why) => Outcome::skip(Text::Concat(vec![
            msg!("fed-not-used-prefix"),
            why.clone(),
            ")".into(),
        ])),
        WellKnown::Delegated(to) => Outcome::ok(format!("{url} -> {to}")),
        WellKnown::NotServed(why) => Outcome::ok(msg!(
            "fed-wk-not-served",
            why = why,
            fallback = format!("{name}:8448")
        )),
        WellKnown::Invalid(why) => Outcome::fail(
            why.clone(),
            msg!(
                "fed-wk-invalid-fix",
                json = format!("{{\"m.server\": \"matrix.{name}:443\"}}")
            ),
        ),
        WellKnown::Unreachable(e) => Outcome::warn(
            msg!("fed-unreachable", url = url, error = e),
            msg!(
                "fed-wk-unreachable-fix",
                addr = format!("{name}:443"),
                port = "8448"
            ),
        ),
    }
}

pub fn srv(ctx: &Ctx) -> Outcome {
    if let Some(o) = disabled_skip(ctx) {
        return o;
    }
    let d = match discovery(ctx) {
        Ok(d) => d,
        Err(o) => return o,
    };
    match &d.srv {
        Srv::NotUsed(why) => Outcome::skip(Text::Concat(vec![
            msg!("fed-not-used-prefix"),
            why.clone(),
            ")".into(),
        ])),
        Srv::None => Outcome::ok(msg!("fed-srv-none", host = d.host, port = "8448")),
        Srv::Found {
            record,
            target,
            port,
            legacy: false,
        } => Outcome::ok(format!("{record} -> {target}:{port}")),
        Srv::Found {
            record,
            target,
            port,
            legacy: true,
        } => Outcome::warn(
            msg!(
                "fed-srv-legacy",
                record = format!("{record} -> {target}:{port}")
            ),
            msg!(
                "fed-srv-legacy-fix",
                record = format!("_matrix-fed._tcp.{}", d.host)
            ),
        ),
        Srv::Error(e) => Outcome::fail(e.clone(), msg!("fed-srv-error-fix")),
    }
}

async fn fetch_federation(
    ctx: &Ctx,
    d: &Discovery,
    path: &str,
    verify: bool,
) -> Result<net::Fetched, String> {
    let addrs = d.addrs.clone()?;
    let url = format!("https://{}{path}", d.endpoint());
    let mut last = String::new();
    for a in addrs {
        match net::get(
            &ctx.opts.net,
            &url,
            &Fetch {
                verify,
                addr: Some(a),
                ..Default::default()
            },
        )
        .await
        {
            Ok(f) => return Ok(f),
            Err(e) => last = format!("{a}: {e}"),
        }
    }
    Err(last)
}

pub fn version(ctx: &Ctx) -> Outcome {
    let enabled = ctx.federation_enabled();
    let d = match discovery(ctx) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let endpoint = d.endpoint();
    let url = format!("https://{endpoint}/_matrix/federation/v1/version");
    let answer = ctx.block_on(fetch_federation(
        ctx,
        d,
        "/_matrix/federation/v1/version",
        false,
    ));
    let answered = match &answer {
        Ok(f) if f.status == 200 => f.json().ok().and_then(|v| {
            let s = v.get("server")?;
            Some(format!(
                "{} {}",
                s.get("name")?.as_str()?,
                s.get("version").and_then(|v| v.as_str()).unwrap_or("")
            ))
        }),
        _ => None,
    };
    match (enabled, answered, answer) {
        (true, Some(server), _) => {
            Outcome::ok(msg!("fed-version-ok", url = url, server = server.trim()))
        }
        (true, None, Ok(f)) => Outcome::fail(
            msg!(
                "fed-version-no-version",
                url = url,
                status = format!("HTTP {}", f.status)
            ),
            msg!(
                "fed-version-no-version-fix",
                key = "resources: [federation]"
            ),
        ),
        (true, None, Err(e)) => Outcome::fail(
            msg!("fed-unreachable", url = url, error = e),
            msg!("fed-open-port-listener", port = format!("TCP {}", d.port)),
        ),
        (false, Some(server), _) => Outcome::fail(
            msg!("fed-disabled-answers", url = url, server = server.trim()),
            msg!("fed-disabled-answers-fix", resource = "federation"),
        ),
        (false, None, _) => Outcome::ok(msg!("fed-disabled-ok", endpoint = endpoint)),
    }
}

pub fn keys(ctx: &Ctx) -> Outcome {
    if let Some(o) = disabled_skip(ctx) {
        return o;
    }
    let d = match discovery(ctx) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let c = ctx
        .loaded
        .config
        .as_ref()
        .expect("discovery needs the config");
    let url = format!("https://{}/_matrix/key/v2/server", d.endpoint());
    let f = match ctx.block_on(fetch_federation(ctx, d, "/_matrix/key/v2/server", false)) {
        Ok(f) if f.status == 200 => f,
        Ok(f) => {
            return Outcome::fail(
                msg!(
                    "fed-answered",
                    url = url,
                    status = format!("HTTP {}", f.status)
                ),
                msg!("fed-keys-path-fix"),
            );
        }
        Err(e) => {
            return Outcome::fail(
                msg!("fed-unreachable", url = url, error = e),
                msg!("fed-open-port", port = format!("TCP {}", d.port)),
            );
        }
    };
    let local = matrixd::keys::read_signing_key(&c.signing_key_path).ok();
    match judge_key_document(&f.body, &c.server_name, local.as_ref(), now_ms()) {
        Ok(summary) => Outcome::ok(summary),
        Err((summary, fix)) => Outcome::fail(summary, fix).detail("url", url),
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The tester's `CheckKeys` plus "the same key as ours": server_name, a future valid_until_ts,
/// a valid self-signature by every ed25519 key, and our signing key among them.
pub fn judge_key_document(
    body: &str,
    server_name: &str,
    local: Option<&matrixd::keys::SigningKey>,
    now: u64,
) -> Result<Text, (Text, Text)> {
    use base64::Engine as _;
    let fix_restart = msg!("fed-keys-restart-fix");
    let doc: serde_json::Value = serde_json::from_str(body)
        .map_err(|e| (msg!("fed-keys-not-json", error = e), fix_restart.clone()))?;
    let name = doc
        .get("server_name")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if name != server_name {
        return Err((
            msg!(
                "fed-keys-other-server",
                name = format!("{name:?}"),
                ours = format!("{server_name:?}")
            ),
            msg!("fed-keys-other-server-fix", addr = "host:port"),
        ));
    }
    let until = doc
        .get("valid_until_ts")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    if until <= now {
        return Err((
            msg!("fed-keys-expired", key = "valid_until_ts"),
            msg!("fed-keys-expired-fix", check = "system.clock"),
        ));
    }
    let keys = doc
        .get("verify_keys")
        .and_then(|v| v.as_object())
        .cloned()
        .unwrap_or_default();
    let ed: Vec<(String, String)> = keys
        .iter()
        .filter(|(id, _)| id.starts_with("ed25519:"))
        .filter_map(|(id, v)| Some((id.clone(), v.get("key")?.as_str()?.to_string())))
        .collect();
    if ed.is_empty() {
        return Err((msg!("fed-keys-none"), fix_restart));
    }
    let object: ruma::CanonicalJsonObject = serde_json::from_str(body).map_err(|e| {
        (
            msg!("fed-keys-not-canonical", error = e),
            fix_restart.clone(),
        )
    })?;
    for (id, key) in &ed {
        let raw = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(key.trim_end_matches('='))
            .map_err(|_| (msg!("fed-keys-not-base64", id = id), fix_restart.clone()))?;
        if raw.len() != 32 {
            return Err((msg!("fed-keys-length", id = id, n = raw.len()), fix_restart));
        }
        let mut map = ruma::signatures::PublicKeyMap::new();
        let mut set = ruma::signatures::PublicKeySet::new();
        set.insert(id.clone(), ruma::serde::Base64::new(raw));
        map.insert(server_name.to_string(), set);
        ruma::signatures::verify_json(&map, &object).map_err(|e| {
            (
                msg!("fed-keys-bad-signature", id = id, error = e),
                fix_restart.clone(),
            )
        })?;
    }
    if let Some(local) = local {
        let ours = local.public_key_base64();
        match ed.iter().find(|(id, _)| *id == local.key_id()) {
            Some((_, k)) if k.trim_end_matches('=') == ours => {}
            Some(_) => {
                return Err((
                    msg!("fed-keys-other-key", id = local.key_id()),
                    msg!("fed-keys-other-key-fix", key = "signing_key_path"),
                ));
            }
            None => {
                return Err((
                    msg!(
                        "fed-keys-unpublished",
                        id = local.key_id(),
                        published = ed
                            .iter()
                            .map(|(i, _)| i.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    msg!("fed-keys-unpublished-fix", key = "signing_key_path"),
                ));
            }
        }
    }
    let days = (until - now) / 86_400_000;
    let valid = if days > 0 {
        msg!("fed-keys-days", n = days)
    } else {
        msg!("fed-keys-hours", n = (until - now) / 3_600_000)
    };
    let mut parts = vec![
        msg!("fed-keys-ok", n = ed.len(), server = server_name),
        valid,
    ];
    if local.is_some() {
        parts.push(msg!("fed-keys-ok-local"));
    }
    Ok(Text::Concat(parts))
}

pub fn certificate(ctx: &Ctx) -> Outcome {
    if let Some(o) = disabled_skip(ctx) {
        return o;
    }
    let d = match discovery(ctx) {
        Ok(d) => d,
        Err(o) => return o,
    };
    match ctx.block_on(fetch_federation(
        ctx,
        d,
        "/_matrix/federation/v1/version",
        true,
    )) {
        Ok(_) => Outcome::ok(msg!("fed-cert-ok", endpoint = d.endpoint(), host = d.host)),
        Err(e) => {
            let reachable = ctx
                .block_on(fetch_federation(
                    ctx,
                    d,
                    "/_matrix/federation/v1/version",
                    false,
                ))
                .is_ok();
            if reachable {
                Outcome::fail(
                    msg!(
                        "fed-cert-bad",
                        endpoint = d.endpoint(),
                        host = d.host,
                        error = e
                    ),
                    msg!("fed-cert-bad-fix", host = d.host, file = "fullchain.pem"),
                )
            } else {
                Outcome::fail(
                    msg!("fed-unreachable", url = d.endpoint(), error = e),
                    msg!("fed-open-port", port = format!("TCP {}", d.port)),
                )
            }
        }
    }
}

/// One row of matrixd's outbound federation queue: a destination, its failures in a row, when
/// it is tried next (ms), and how many of our events wait for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub destination: String,
    pub failures: i64,
    pub retry_at: i64,
    pub backlog: i64,
}

/// The queue, read from the database (read-only); `None` when it cannot be read (no database,
/// or one from before federation).
fn read_queue(ctx: &Ctx) -> Option<Result<Vec<QueueRow>, String>> {
    use super::database::{Conn, connect};
    let c = ctx.loaded.config.as_ref()?;
    let ours = format!(
        "%:{}",
        c.server_name.replace('%', "\\%").replace('_', "\\_")
    );
    // The events waiting for a destination: ours, after what it has received, in rooms where
    // one of its users is joined (matrixd's own queue reads the same rows).
    const Q: &str = "SELECT d.destination, CAST(d.failures AS BIGINT), d.retry_at, \
               (SELECT COUNT(*) FROM events e WHERE e.stream_ordering > d.delivered_pos \
                  AND e.sender LIKE $1 ESCAPE '\\' \
                  AND e.room_id IN (SELECT m.room_id FROM room_memberships m \
                      WHERE m.membership = 'join' AND m.user_id LIKE '%:' || d.destination)) \
             FROM federation_destinations d ORDER BY d.destination";
    ctx.block_on(async {
        let rows: Result<Vec<(String, i64, i64, i64)>, sqlx::Error> =
            match connect(&c.database).await.ok()? {
                Conn::Sqlite(mut s) => sqlx::query_as(Q).bind(&ours).fetch_all(&mut s).await,
                Conn::Pg(mut p) => sqlx::query_as(Q).bind(&ours).fetch_all(&mut p).await,
            };
        Some(match rows {
            Ok(rows) => Ok(rows
                .into_iter()
                .map(|(destination, failures, retry_at, backlog)| QueueRow {
                    destination,
                    failures,
                    retry_at,
                    backlog,
                })
                .collect()),
            Err(e) if e.to_string().contains("federation_destinations") => return None,
            Err(e) => Err(e.to_string()),
        })
    })
}

/// `federation.queue`: the servers our events are waiting for.
pub fn queue(ctx: &Ctx) -> Outcome {
    match read_queue(ctx) {
        None => Outcome::skip(msg!("fed-queue-none")),
        Some(Err(e)) => Outcome::warn(
            msg!("fed-queue-error", error = e),
            msg!("fed-queue-error-fix"),
        ),
        Some(Ok(rows)) => judge_queue(&rows, i64::try_from(now_ms()).unwrap_or(i64::MAX)),
    }
}

/// The verdict on the queue at `now` (ms): destinations in backoff, and events queued.
pub fn judge_queue(rows: &[QueueRow], now: i64) -> Outcome {
    let down: Vec<Text> = rows
        .iter()
        .filter(|r| r.failures > 0)
        .map(|r| {
            let wait = (r.retry_at - now).max(0) / 60_000;
            msg!(
                "fed-queue-down-one",
                server = r.destination,
                failures = r.failures,
                events = r.backlog,
                minutes = wait
            )
        })
        .collect();
    let queued: i64 = rows.iter().map(|r| r.backlog).sum();
    if down.is_empty() {
        return Outcome::ok(msg!("fed-queue-ok", servers = rows.len(), events = queued));
    }
    let n = down.len();
    let mut list = Vec::new();
    for (i, d) in down.into_iter().enumerate() {
        if i > 0 {
            list.push(", ".into());
        }
        list.push(d);
    }
    Outcome::warn(
        Text::Concat(vec![
            msg!("fed-queue-down", down = n, servers = rows.len()),
            Text::Concat(list),
        ]),
        msg!(
            "fed-queue-down-fix",
            cmd = "curl https://<server>/_matrix/federation/v1/version"
        ),
    )
}
