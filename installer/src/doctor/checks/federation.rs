//! Federation, as a remote server sees it (matrix-federation-tester's checks, plus
//! `_matrix-fed._tcp`): the server well-known, SRV records, the version and key endpoints at
//! the resolved host and port, and the certificate chain; and federation answering although
//! it is disabled. Discovery follows the spec's order and runs once per doctor run.

use std::net::{IpAddr, SocketAddr};

use hickory_resolver::proto::rr::{RData, RecordType};

use crate::doctor::net::{self, Fetch};
use crate::doctor::{Ctx, Outcome};

/// What `/.well-known/matrix/server` said.
#[derive(Debug, Clone)]
pub enum WellKnown {
    /// The server name has an IP or a port, so no well-known is fetched.
    NotUsed(String),
    /// Not served (404 or another non-200): no delegation.
    NotServed(String),
    Delegated(String),
    /// Served but useless: bad JSON, no m.server, an invalid m.server.
    Invalid(String),
    Unreachable(String),
}

#[derive(Debug, Clone)]
pub enum Srv {
    NotUsed(String),
    /// (record name, target, port)
    Found {
        record: String,
        target: String,
        port: u16,
        legacy: bool,
    },
    None,
    Error(String),
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
        Err(e) => return Srv::Error(e),
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
                            return Srv::Error(format!(
                                "{record} is a CNAME (to {}), which SRV lookups must not be",
                                c.0.to_utf8()
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
                        return Srv::Error(format!(
                            "{record} points at {target}, which is a CNAME (to {}): SRV targets must be hosts with A/AAAA records",
                            alias.trim_end_matches('.')
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
            Err(e) => return Srv::Error(format!("looking up {record}: {}", net::chain(&e))),
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
        let why =
            "server_name has an IP address or a port, so other servers connect to it directly"
                .to_string();
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
            Err(e) => WellKnown::Invalid(format!("{url} is {e}")),
            Ok(v) => match v.get("m.server").and_then(|s| s.as_str()) {
                None => WellKnown::Invalid(format!("{url} has no \"m.server\" string")),
                Some(s) if !matrixd::config::is_valid_server_name(s) => {
                    WellKnown::Invalid(format!("{url}: m.server {s:?} is not a valid host[:port]"))
                }
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
            srv: Srv::NotUsed("the well-known names an IP address or a port".into()),
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
    (!ctx.federation_enabled()).then(|| Outcome::skip("skipped (federation is disabled)"))
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
        WellKnown::NotUsed(why) => Outcome::skip(format!("not used ({why})")),
        WellKnown::Delegated(to) => Outcome::ok(format!("{url} -> {to}")),
        WellKnown::NotServed(why) => Outcome::ok(format!(
            "not served ({why}): no delegation, other servers look for SRV records, then {name}:8448"
        )),
        WellKnown::Invalid(why) => Outcome::fail(
            why.clone(),
            format!(
                "serve {{\"m.server\": \"matrix.{name}:443\"}} as JSON there, or remove the file"
            ),
        ),
        WellKnown::Unreachable(e) => Outcome::warn(
            format!("{url} unreachable: {e}"),
            format!(
                "serve it over https on {name}:443 to delegate federation (or rely on SRV / port 8448)"
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
        Srv::NotUsed(why) => Outcome::skip(format!("not used ({why})")),
        Srv::None => Outcome::ok(format!(
            "no SRV records for {}: other servers use port 8448",
            d.host
        )),
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
            format!("only the deprecated {record} -> {target}:{port}"),
            format!(
                "add the same record as _matrix-fed._tcp.{} (newer servers look for it first)",
                d.host
            ),
        ),
        Srv::Error(e) => Outcome::fail(
            e.clone(),
            "fix the DNS records (an SRV target must be a host with A/AAAA records, not a CNAME)",
        ),
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
        (true, Some(server), _) => Outcome::ok(format!("{url} answers ({})", server.trim())),
        (true, None, Ok(f)) => Outcome::fail(
            format!("{url} answered HTTP {} without a server version", f.status),
            "make sure that port reaches matrixd's federation listener (resources: [federation]), not another web server",
        ),
        (true, None, Err(e)) => Outcome::fail(
            format!("{url} unreachable: {e}"),
            format!(
                "open TCP {} in the firewall and check the federation listener runs",
                d.port
            ),
        ),
        (false, Some(server), _) => Outcome::fail(
            format!(
                "federation is disabled but {url} answers ({})",
                server.trim()
            ),
            "remove `federation` from every listener's resources (and stop forwarding it), or enable federation on purpose",
        ),
        (false, None, _) => Outcome::ok(format!(
            "federation is disabled and {endpoint} does not answer it"
        )),
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
                format!("{url} answered HTTP {}", f.status),
                "check that path reaches matrixd",
            );
        }
        Err(e) => {
            return Outcome::fail(
                format!("{url} unreachable: {e}"),
                format!("open TCP {} in the firewall", d.port),
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
) -> Result<String, (String, String)> {
    use base64::Engine as _;
    let fix_restart =
        "restart matrixd; if it persists, the answering server is not this matrixd".to_string();
    let doc: serde_json::Value = serde_json::from_str(body).map_err(|e| {
        (
            format!("the key document is not JSON: {e}"),
            fix_restart.clone(),
        )
    })?;
    let name = doc
        .get("server_name")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if name != server_name {
        return Err((
            format!("the key document is for {name:?}, not for {server_name:?}"),
            "this host:port reaches another server: fix the well-known/SRV delegation or the proxy"
                .into(),
        ));
    }
    let until = doc
        .get("valid_until_ts")
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    if until <= now {
        return Err((
            "valid_until_ts is in the past: other servers will not accept these keys".into(),
            "check the clock (system.clock) and restart matrixd".into(),
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
        return Err(("the key document has no ed25519 key".into(), fix_restart));
    }
    let object: ruma::CanonicalJsonObject = serde_json::from_str(body).map_err(|e| {
        (
            format!("the key document is not canonical JSON: {e}"),
            fix_restart.clone(),
        )
    })?;
    for (id, key) in &ed {
        let raw = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(key.trim_end_matches('='))
            .map_err(|_| (format!("{id} is not base64"), fix_restart.clone()))?;
        if raw.len() != 32 {
            return Err((format!("{id} is {} bytes, not 32", raw.len()), fix_restart));
        }
        let mut map = ruma::signatures::PublicKeyMap::new();
        let mut set = ruma::signatures::PublicKeySet::new();
        set.insert(id.clone(), ruma::serde::Base64::new(raw));
        map.insert(server_name.to_string(), set);
        ruma::signatures::verify_json(&map, &object).map_err(|e| {
            (
                format!("the self-signature by {id} does not verify: {e}"),
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
                    format!("{} is published with another public key than the local signing key", local.key_id()),
                    "the answering matrixd uses another key file: check signing_key_path and restart matrixd".into(),
                ));
            }
            None => {
                return Err((
                    format!(
                        "the local key {} is not published (published: {})",
                        local.key_id(),
                        ed.iter()
                            .map(|(i, _)| i.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "restart matrixd so it publishes the key in signing_key_path".into(),
                ));
            }
        }
    }
    let days = (until - now) / 86_400_000;
    Ok(format!(
        "{} ed25519 key(s) for {server_name}, self-signed, valid {}{}",
        ed.len(),
        if days > 0 {
            format!("{days} more day(s)")
        } else {
            format!("{} more hour(s)", (until - now) / 3_600_000)
        },
        if local.is_some() {
            ", the local key among them"
        } else {
            ""
        }
    ))
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
        Ok(_) => Outcome::ok(format!(
            "the certificate at {} verifies for {}",
            d.endpoint(),
            d.host
        )),
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
                    format!(
                        "the certificate at {} does not verify for {}: {e}",
                        d.endpoint(),
                        d.host
                    ),
                    format!(
                        "serve a certificate for {} from a public CA with its full chain (certbot's fullchain.pem)",
                        d.host
                    ),
                )
            } else {
                Outcome::fail(
                    format!("{} unreachable: {e}", d.endpoint()),
                    format!("open TCP {} in the firewall", d.port),
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
        None => Outcome::skip("no federation queue to read (no database, or none yet)"),
        Some(Err(e)) => Outcome::warn(
            format!("the federation queue could not be read: {e}"),
            "see the database checks above",
        ),
        Some(Ok(rows)) => judge_queue(&rows, i64::try_from(now_ms()).unwrap_or(i64::MAX)),
    }
}

/// The verdict on the queue at `now` (ms): destinations in backoff, and events queued.
pub fn judge_queue(rows: &[QueueRow], now: i64) -> Outcome {
    let down: Vec<String> = rows
        .iter()
        .filter(|r| r.failures > 0)
        .map(|r| {
            let wait = (r.retry_at - now).max(0) / 60_000;
            format!(
                "{} ({} failed in a row, {} events waiting, next try in {wait} min)",
                r.destination, r.failures, r.backlog
            )
        })
        .collect();
    let queued: i64 = rows.iter().map(|r| r.backlog).sum();
    if down.is_empty() {
        return Outcome::ok(format!(
            "{} servers receive our events; {queued} events waiting to be sent",
            rows.len()
        ));
    }
    Outcome::warn(
        format!(
            "{} of {} servers cannot be reached: {}",
            down.len(),
            rows.len(),
            down.join(", ")
        ),
        "delivery resumes by itself when they answer, contact us, or matrixd restarts; if one \
         stays down, check it from here: curl https://<server>/_matrix/federation/v1/version",
    )
}
