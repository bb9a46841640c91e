//! Configuration: homeserver.yaml loads with the server's own loader, and the settings that
//! break federation, clients or security when wrong. Keys matrixd does not read yet (email,
//! TURN, URL previews) are read from the raw mapping, with Synapse's meaning.

use std::net::IpAddr;
use std::os::unix::fs::MetadataExt as _;
use std::path::PathBuf;

use matrixd::config::{Database, SecretSource, YamlValue};

use crate::doctor::{Ctx, Outcome};

const SUPPORT_MARK: &str = "is a Synapse setting matrixd does not support yet";

fn shown_paths(ctx: &Ctx) -> String {
    ctx.loaded
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn parse(ctx: &Ctx) -> Outcome {
    let l = &ctx.loaded;
    if l.paths.is_empty() {
        return Outcome::fail(
            "no homeserver.yaml found (the OS is not one matrixctl knows, so its config path is unknown)",
            "pass the config: matrixctl doctor -c /path/to/homeserver.yaml",
        );
    }
    let mut details = Outcome::ok("");
    for (i, p) in l.problems.0.iter().enumerate() {
        details = details.detail(&format!("problem{:02}", i + 1), p);
    }
    match &l.config {
        Some(_) => {
            let warnings = l.problems.warnings().count();
            let summary = if warnings == 0 {
                shown_paths(ctx)
            } else {
                format!(
                    "{} ({warnings} warning(s), see config.unknown_keys)",
                    shown_paths(ctx)
                )
            };
            Outcome {
                summary: summary.into(),
                ..details
            }
        }
        None => {
            let first = l.problems.errors().next();
            let n = l.problems.errors().count();
            let summary = match first {
                Some(p) if p.path.is_empty() => p.message.clone(),
                Some(p) => format!("{}: {}", p.path, p.message),
                None => "the configuration did not load".into(),
            };
            let summary = if n > 1 {
                format!("{summary} (and {} more error(s))", n - 1)
            } else {
                summary
            };
            let fix = first
                .and_then(|p| p.fix.clone())
                .unwrap_or_else(|| "fix the errors listed by: matrixd check-config".into());
            Outcome {
                status: crate::doctor::Status::Fail,
                summary: summary.into(),
                fix: Some(fix.into()),
                details: details.details,
            }
        }
    }
}

pub fn unknown_keys(ctx: &Ctx) -> Outcome {
    let probs = &ctx.loaded.problems;
    if ctx.loaded.raw.is_none() {
        return Outcome::skip("skipped (the configuration does not parse: see config.parse)");
    }
    let unknown: Vec<_> = probs
        .errors()
        .filter(|p| p.message == "unknown key")
        .collect();
    let ignored: Vec<_> = probs
        .warnings()
        .filter(|p| {
            p.message.contains(SUPPORT_MARK) || p.message.contains("not supported by matrixd")
        })
        .collect();
    let names = |v: &[&matrixd::config::Problem]| {
        v.iter()
            .map(|p| p.path.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(first) = unknown.first() {
        let fix = first.fix.clone().unwrap_or_else(|| "remove the key".into());
        let mut o = Outcome::fail(
            format!("unknown key(s): {}", names(&unknown)),
            format!("{}: {fix}", first.path),
        );
        for p in &unknown {
            o = o.detail(&p.path, p.fix.as_deref().unwrap_or("unknown key"));
        }
        return o;
    }
    if !ignored.is_empty() {
        let mut o = Outcome::warn(
            format!(
                "{} Synapse setting(s) matrixd ignores: {}",
                ignored.len(),
                names(&ignored)
            ),
            "they have no effect on matrixd yet; remove them or keep them for a later version",
        );
        for p in &ignored {
            o = o.detail(&p.path, &p.message);
        }
        return o;
    }
    Outcome::ok("every key is one matrixd reads")
}

pub fn server_name(ctx: &Ctx) -> Outcome {
    match ctx.loaded.raw("server_name") {
        None => Outcome::fail(
            "server_name is not set",
            "set server_name to the domain in your users' ids, e.g. server_name: example.org",
        ),
        Some(YamlValue::String(s)) if matrixd::config::is_valid_server_name(s) => {
            Outcome::ok(s.clone())
        }
        Some(YamlValue::String(s)) => Outcome::fail(
            format!("{s:?} is not a valid server name"),
            "use a DNS name (example.org), an IPv4 address or [IPv6], optionally with :port",
        ),
        Some(_) => Outcome::fail(
            "server_name is not a string",
            "quote it: server_name: \"example.org\"",
        ),
    }
}

pub fn public_baseurl(ctx: &Ctx) -> Outcome {
    let raw = match ctx.loaded.raw("public_baseurl") {
        None => {
            return Outcome::warn(
                "public_baseurl is not set: /.well-known/matrix/client is not served and clients must be told the URL",
                "set public_baseurl: https://matrix.example.org/ (the URL clients reach)",
            );
        }
        Some(YamlValue::String(s)) => s.clone(),
        Some(_) => {
            return Outcome::fail(
                "public_baseurl is not a string",
                "set public_baseurl: \"https://matrix.example.org/\"",
            );
        }
    };
    let Ok(url) = url::Url::parse(&raw) else {
        return Outcome::fail(
            format!("{raw:?} is not a URL"),
            "set public_baseurl: https://matrix.example.org/",
        );
    };
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => Outcome::ok(url.as_str().to_string()),
        "http" if local => Outcome::ok(format!("{url} (loopback only)")),
        _ => Outcome::warn(
            format!(
                "{url} is not https: web clients on https pages cannot use it and passwords travel in clear"
            ),
            "put TLS in front (matrixctl install sets up nginx and a certificate) and use an https:// public_baseurl",
        ),
    }
}

pub fn signing_key(ctx: &Ctx) -> Outcome {
    let path: PathBuf = match (&ctx.loaded.config, ctx.loaded.raw("signing_key_path")) {
        (Some(c), _) => c.signing_key_path.clone(),
        (None, Some(YamlValue::String(p))) => PathBuf::from(p),
        _ => return Outcome::skip("skipped (no signing_key_path: the configuration did not load)"),
    };
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Outcome::fail(
                format!("{} does not exist", path.display()),
                "restore it from a backup; only if it was never used, create one with matrixctl generate-config",
            );
        }
        Err(e) => {
            return Outcome::warn(
                format!("cannot inspect {}: {e}", path.display()),
                "run doctor as root",
            );
        }
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Outcome::warn(
                format!("{} is not readable by this user", path.display()),
                "run doctor as root (sudo matrixctl doctor)",
            );
        }
        Err(e) => {
            return Outcome::fail(
                format!("cannot read {}: {e}", path.display()),
                "check the file",
            );
        }
    };
    let keys = match matrixd::keys::parse_signing_keys(&text) {
        Ok(k) => k,
        Err(e) => {
            return Outcome::fail(
                format!("{}: {e}", path.display()),
                "restore the key from a backup: a new key makes other servers distrust your old events",
            );
        }
    };
    let mode = meta.mode() & 0o777;
    let key_id = keys[0].key_id();
    let o = |out: Outcome| {
        out.detail("path", path.display())
            .detail("mode", format!("{mode:04o}"))
            .detail("key_id", &key_id)
            .detail("uid", meta.uid())
    };
    if mode & 0o044 != 0 {
        return o(Outcome::fail(
            format!(
                "{} is readable by {} (mode {mode:04o})",
                path.display(),
                if mode & 0o004 != 0 {
                    "every user"
                } else {
                    "its group"
                }
            ),
            format!("chmod 600 {}", path.display()),
        ));
    }
    if let Some(d) = &ctx.distro {
        match nix::unistd::User::from_name(&d.user.name) {
            Ok(Some(u)) if u.uid.as_raw() != meta.uid() => {
                return o(Outcome::warn(
                    format!(
                        "{} is owned by uid {}, not by the service user {}",
                        path.display(),
                        meta.uid(),
                        d.user.name
                    ),
                    format!("chown {}:{} {}", d.user.name, d.user.group, path.display()),
                ));
            }
            Ok(Some(_)) => {
                return o(Outcome::ok(format!(
                    "{key_id} in {} (mode {mode:04o}, owner {})",
                    path.display(),
                    d.user.name
                )));
            }
            _ => {}
        }
    }
    o(Outcome::ok(format!(
        "{key_id} in {} (mode {mode:04o})",
        path.display()
    )))
}

pub fn registration_secret(ctx: &Ctx) -> Outcome {
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    match &c.registration_shared_secret {
        None => Outcome::warn(
            "registration_shared_secret is not set: matrixctl register-user cannot create users",
            "add registration_shared_secret_path: /etc/matrixd/secrets/registration_shared_secret (matrixd creates the file)",
        ),
        Some(SecretSource::File { path, value: None }) => Outcome::warn(
            format!("{} does not exist yet", path.display()),
            "start matrixd once: it creates the file",
        ),
        Some(SecretSource::File { path, .. }) => {
            Outcome::ok(format!("set (from {})", path.display()))
        }
        Some(SecretSource::Inline(_)) => Outcome::ok("set"),
    }
}

fn raw_bool(ctx: &Ctx, key: &str) -> bool {
    matches!(ctx.loaded.raw(key), Some(YamlValue::Bool(true)))
}

pub fn registration(ctx: &Ctx) -> Outcome {
    if ctx.loaded.raw.is_none() {
        return Outcome::skip("skipped (the configuration does not parse: see config.parse)");
    }
    if !raw_bool(ctx, "enable_registration") {
        return Outcome::ok("closed (accounts are created with matrixctl register-user)");
    }
    if raw_bool(ctx, "registration_requires_token") {
        return Outcome::ok("open with a registration token");
    }
    Outcome::warn(
        "registration is open without a token: anyone can create accounts (and spam from them)",
        "set registration_requires_token: true in homeserver.yaml, then restart matrixd",
    )
}

pub fn database(ctx: &Ctx) -> Outcome {
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let Database::Sqlite { path } = &c.database else {
        return Outcome::ok("PostgreSQL");
    };
    const MANY_USERS: i64 = 50;
    let users = super::database::count_local_users(ctx);
    let fix = "plan the move to PostgreSQL (database: name: psycopg2): SQLite serialises every write; `matrixctl install --database postgres` sets PostgreSQL up";
    let o = if ctx.federation_enabled() {
        Outcome::warn(
            "SQLite on a server with federation enabled: large federated rooms will be slow",
            fix,
        )
    } else if let Some(n) = users.filter(|n| *n > MANY_USERS) {
        Outcome::warn(format!("SQLite with {n} users"), fix)
    } else {
        Outcome::ok(format!("SQLite ({}), no federation", path.display()))
    };
    match users {
        Some(n) => o.detail("users", n),
        None => o,
    }
}

/// An IPv4 or IPv6 network `addr/prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Net {
    pub fn parse(s: &str) -> Option<Net> {
        let (a, p) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Net { addr, prefix })
    }

    fn bits(a: IpAddr) -> (u128, u8) {
        match a {
            IpAddr::V4(v) => (u32::from(v) as u128, 32),
            IpAddr::V6(v) => (u128::from(v), 128),
        }
    }

    /// Whether `other` lies entirely inside this network.
    pub fn covers(&self, other: &Net) -> bool {
        let (a, wa) = Self::bits(self.addr);
        let (b, wb) = Self::bits(other.addr);
        if wa != wb || self.prefix > other.prefix {
            return false;
        }
        if self.prefix == 0 {
            return true;
        }
        let shift = wa - self.prefix;
        (a >> shift) == (b >> shift)
    }
}

/// Ranges a URL preview must never fetch: loopback and RFC 1918.
pub const MUST_BLOCK: &[&str] = &[
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
];

pub fn url_preview(ctx: &Ctx) -> Outcome {
    if !raw_bool(ctx, "url_preview_enabled") {
        return Outcome::skip("URL previews are off");
    }
    let list: Vec<String> = match ctx.loaded.raw("url_preview_ip_range_blacklist") {
        Some(YamlValue::Sequence(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let nets: Vec<Net> = list.iter().filter_map(|s| Net::parse(s)).collect();
    let missing: Vec<&str> = MUST_BLOCK
        .iter()
        .copied()
        .filter(|m| {
            let m = Net::parse(m).expect("valid constant");
            !nets.iter().any(|n| n.covers(&m))
        })
        .collect();
    if missing.is_empty() {
        Outcome::ok(format!(
            "enabled; {} ranges blocked, loopback and private ones included",
            nets.len()
        ))
    } else {
        Outcome::fail(
            format!(
                "URL previews are enabled but the blacklist lets the server fetch {}",
                missing.join(", ")
            ),
            format!(
                "add {} to url_preview_ip_range_blacklist (matrixctl install writes the full list)",
                missing.join(", ")
            ),
        )
        .detail("blacklist", list.join(", "))
    }
}

pub fn email(ctx: &Ctx) -> Outcome {
    let Some(YamlValue::Mapping(_)) = ctx.loaded.raw("email") else {
        return Outcome::skip("email is not configured");
    };
    match ctx.loaded.raw("public_baseurl") {
        Some(YamlValue::String(u)) => Outcome::ok(format!("links in emails point at {u}")),
        _ => Outcome::fail(
            "email is configured but public_baseurl is not: password-reset and verification links need it",
            "set public_baseurl: https://matrix.example.org/",
        ),
    }
}

/// TURN settings as Synapse reads them.
pub struct TurnSettings {
    pub uris: Vec<String>,
    /// The shared secret, or why it cannot be read.
    pub secret: Option<Result<String, String>>,
    pub username: Option<String>,
    pub password: Option<String>,
}

pub fn turn_settings(ctx: &Ctx) -> TurnSettings {
    let s = |k: &str| {
        ctx.loaded
            .raw(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let uris = match ctx.loaded.raw("turn_uris") {
        Some(YamlValue::Sequence(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(YamlValue::String(u)) => vec![u.clone()],
        _ => Vec::new(),
    };
    let secret = match (s("turn_shared_secret"), s("turn_shared_secret_path")) {
        (Some(v), _) => Some(Ok(v)),
        (None, Some(p)) => Some(match std::fs::read_to_string(&p) {
            Ok(t) if !t.trim().is_empty() => Ok(t.trim().to_string()),
            Ok(_) => Err(format!("{p} is empty")),
            Err(e) => Err(format!("cannot read {p}: {e}")),
        }),
        (None, None) => None,
    };
    TurnSettings {
        uris,
        secret,
        username: s("turn_username"),
        password: s("turn_password"),
    }
}

pub fn turn(ctx: &Ctx) -> Outcome {
    let t = turn_settings(ctx);
    let has_static = t.username.is_some() || t.password.is_some();
    if t.uris.is_empty() && t.secret.is_none() && !has_static {
        return Outcome::skip("TURN is not configured");
    }
    if t.uris.is_empty() {
        return Outcome::fail(
            "TURN credentials are set but turn_uris is empty: clients are never told where the TURN server is",
            "add turn_uris: [\"turn:turn.example.org:3478?transport=udp\", \"turn:turn.example.org:3478?transport=tcp\"]",
        );
    }
    match (&t.secret, &t.username, &t.password) {
        (Some(Err(e)), _, _) => Outcome::fail(
            format!("turn_shared_secret_path: {e}"),
            "put coturn's static-auth-secret in that file",
        ),
        (Some(Ok(_)), _, _) => Outcome::ok(format!("{} URI(s), shared secret set", t.uris.len())),
        (None, Some(_), Some(_)) => {
            Outcome::ok(format!("{} URI(s), static credentials", t.uris.len()))
        }
        (None, Some(_), None) | (None, None, Some(_)) => Outcome::fail(
            "only one of turn_username and turn_password is set",
            "set both, or better, use turn_shared_secret (coturn's use-auth-secret)",
        ),
        (None, None, None) => Outcome::fail(
            "turn_uris is set but there is no turn_shared_secret (or turn_username/turn_password): calls cannot relay",
            "set turn_shared_secret_path to a file holding coturn's static-auth-secret",
        ),
    }
}
