//! Configuration: homeserver.yaml loads with the server's own loader, and the settings that
//! break federation, clients or security when wrong. Keys matrixd does not read yet (email,
//! TURN, URL previews) are read from the raw mapping, with Synapse's meaning.

use std::net::IpAddr;
use std::os::unix::fs::MetadataExt as _;
use std::path::PathBuf;

use matrixd::config::{Database, SecretSource, YamlValue};

use crate::doctor::{Ctx, Outcome};
use crate::i18n::problems;
use crate::msg;

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
            msg!("cfg-no-config", file = "homeserver.yaml", cmd = "matrixctl"),
            msg!(
                "cfg-no-config-fix",
                cmd = "matrixctl doctor -c /path/to/homeserver.yaml"
            ),
        );
    }
    let mut details = Outcome::ok("");
    for (i, p) in l.problems.0.iter().enumerate() {
        details = details.detail_text(&format!("problem{:02}", i + 1), problems::problem(p));
    }
    match &l.config {
        Some(_) => {
            let warnings = l.problems.warnings().count();
            let summary = if warnings == 0 {
                shown_paths(ctx).into()
            } else {
                msg!(
                    "cfg-parse-warnings",
                    paths = shown_paths(ctx),
                    n = warnings,
                    check = "config.unknown_keys"
                )
            };
            Outcome { summary, ..details }
        }
        None => {
            let first = l.problems.errors().next();
            let n = l.problems.errors().count();
            let summary = match first {
                Some(p) => problems::at_key(p),
                None => msg!("cfg-did-not-load"),
            };
            // The server's loader names its problems by id; the catalogue words them.
            let summary = if n > 1 {
                crate::i18n::Text::Concat(vec![summary, msg!("cfg-more-errors", n_more = n - 1)])
            } else {
                summary
            };
            let fix = match first.and_then(|p| p.fix.as_ref()) {
                Some(f) => problems::fix(f),
                None => msg!("cfg-parse-fix", cmd = "matrixd check-config"),
            };
            Outcome {
                status: crate::doctor::Status::Fail,
                summary,
                fix: Some(fix),
                details: details.details,
            }
        }
    }
}

pub fn unknown_keys(ctx: &Ctx) -> Outcome {
    let probs = &ctx.loaded.problems;
    if ctx.loaded.raw.is_none() {
        return Outcome::skip(msg!("skip-no-parse", check = "config.parse"));
    }
    let unknown: Vec<_> = probs
        .errors()
        .filter(|p| p.message == matrixd::config::Kind::UnknownKey)
        .collect();
    let ignored: Vec<_> = probs
        .warnings()
        .filter(|p| problems::is_ignored_setting(p))
        .collect();
    let names = |v: &[&matrixd::config::Problem]| {
        v.iter()
            .map(|p| p.path.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(first) = unknown.first() {
        let fix = match &first.fix {
            Some(f) => problems::fix(f),
            None => msg!("cfg-remove-key"),
        };
        let mut o = Outcome::fail(
            msg!("cfg-unknown-keys", keys = names(&unknown)),
            msg!("conf-at-key", key = first.path, message = "").with_arg("message", fix),
        );
        for p in &unknown {
            o = o.detail_text(
                &p.path,
                p.fix
                    .as_ref()
                    .map_or_else(|| problems::kind(&p.message), problems::fix),
            );
        }
        return o;
    }
    if !ignored.is_empty() {
        let mut o = Outcome::warn(
            msg!(
                "cfg-ignored-keys",
                n = ignored.len(),
                keys = names(&ignored)
            ),
            msg!("cfg-ignored-keys-fix"),
        );
        for p in &ignored {
            o = o.detail_text(&p.path, problems::kind(&p.message));
        }
        return o;
    }
    Outcome::ok(msg!("cfg-keys-ok"))
}

pub fn server_name(ctx: &Ctx) -> Outcome {
    match ctx.loaded.raw("server_name") {
        None => Outcome::fail(
            msg!("cfg-unset", key = "server_name"),
            msg!(
                "cfg-server-name-fix",
                key = "server_name",
                example = "server_name: example.org"
            ),
        ),
        Some(YamlValue::String(s)) if matrixd::config::is_valid_server_name(s) => {
            Outcome::ok(s.clone())
        }
        Some(YamlValue::String(s)) => Outcome::fail(
            msg!("err-gc-server-name", name = format!("{s:?}")),
            msg!(
                "cfg-server-name-forms",
                example = "example.org",
                ipv6 = "[IPv6]",
                port = ":port"
            ),
        ),
        Some(_) => Outcome::fail(
            msg!("cfg-not-string", key = "server_name"),
            msg!("cfg-quote-it", example = "server_name: \"example.org\""),
        ),
    }
}

pub fn public_baseurl(ctx: &Ctx) -> Outcome {
    let raw = match ctx.loaded.raw("public_baseurl") {
        None => {
            return Outcome::warn(
                msg!(
                    "cfg-baseurl-unset",
                    key = "public_baseurl",
                    path = "/.well-known/matrix/client"
                ),
                msg!(
                    "cfg-baseurl-unset-fix",
                    example = "public_baseurl: https://matrix.example.org/"
                ),
            );
        }
        Some(YamlValue::String(s)) => s.clone(),
        Some(_) => {
            return Outcome::fail(
                msg!("cfg-not-string", key = "public_baseurl"),
                msg!(
                    "cfg-set",
                    example = "public_baseurl: \"https://matrix.example.org/\""
                ),
            );
        }
    };
    let Ok(url) = url::Url::parse(&raw) else {
        return Outcome::fail(
            msg!("cfg-not-url", value = format!("{raw:?}")),
            msg!(
                "cfg-set",
                example = "public_baseurl: https://matrix.example.org/"
            ),
        );
    };
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => Outcome::ok(url.as_str().to_string()),
        "http" if local => Outcome::ok(msg!("cfg-loopback-only", url = url)),
        _ => Outcome::warn(
            msg!("cfg-not-https", url = url),
            msg!(
                "cfg-not-https-fix",
                cmd = "matrixctl install",
                scheme = "https://",
                key = "public_baseurl"
            ),
        ),
    }
}

pub fn signing_key(ctx: &Ctx) -> Outcome {
    let path: PathBuf = match (&ctx.loaded.config, ctx.loaded.raw("signing_key_path")) {
        (Some(c), _) => c.signing_key_path.clone(),
        (None, Some(YamlValue::String(p))) => PathBuf::from(p),
        _ => return Outcome::skip(msg!("cfg-skip-no-key-path", key = "signing_key_path")),
    };
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Outcome::fail(
                msg!("doc-does-not-exist", path = path.display()),
                msg!("cfg-key-missing-fix", cmd = "matrixctl generate-config"),
            );
        }
        Err(e) => {
            return Outcome::warn(
                msg!("doc-cannot-inspect", path = path.display(), error = e),
                msg!("doc-run-as-root", user = "root"),
            );
        }
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Outcome::warn(
                msg!("doc-not-readable", path = path.display()),
                msg!(
                    "doc-run-as-root-sudo",
                    user = "root",
                    cmd = "sudo matrixctl doctor"
                ),
            );
        }
        Err(e) => {
            return Outcome::fail(
                msg!("doc-cannot-read", path = path.display(), error = e),
                msg!("doc-check-file"),
            );
        }
    };
    let keys = match matrixd::keys::parse_signing_keys(&text) {
        Ok(k) => k,
        Err(e) => {
            return Outcome::fail(
                problems::kind(&matrixd::config::Kind::SigningKeyInvalid {
                    path: path.display().to_string(),
                    error: e,
                }),
                msg!("cfg-key-bad-fix"),
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
            if mode & 0o004 != 0 {
                msg!(
                    "cfg-key-readable-all",
                    path = path.display(),
                    mode = format!("{mode:04o}")
                )
            } else {
                msg!(
                    "cfg-key-readable-group",
                    path = path.display(),
                    mode = format!("{mode:04o}")
                )
            },
            format!("chmod 600 {}", path.display()),
        ));
    }
    if let Some(d) = &ctx.distro {
        match nix::unistd::User::from_name(&d.user.name) {
            Ok(Some(u)) if u.uid.as_raw() != meta.uid() => {
                return o(Outcome::warn(
                    msg!(
                        "cfg-key-owner",
                        path = path.display(),
                        uid = meta.uid(),
                        user = d.user.name
                    ),
                    format!("chown {}:{} {}", d.user.name, d.user.group, path.display()),
                ));
            }
            Ok(Some(_)) => {
                return o(Outcome::ok(msg!(
                    "cfg-key-ok-owner",
                    key = key_id,
                    path = path.display(),
                    mode = format!("{mode:04o}"),
                    user = d.user.name
                )));
            }
            _ => {}
        }
    }
    o(Outcome::ok(msg!(
        "cfg-key-ok",
        key = key_id,
        path = path.display(),
        mode = format!("{mode:04o}")
    )))
}

pub fn registration_secret(ctx: &Ctx) -> Outcome {
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    match &c.registration_shared_secret {
        None => Outcome::warn(
            msg!(
                "cfg-reg-secret-unset",
                key = "registration_shared_secret",
                cmd = "matrixctl register-user"
            ),
            msg!(
                "cfg-reg-secret-unset-fix",
                line = "registration_shared_secret_path: /etc/matrixd/secrets/registration_shared_secret"
            ),
        ),
        Some(SecretSource::File { path, value: None }) => Outcome::warn(
            msg!("cfg-not-yet", path = path.display()),
            msg!("cfg-start-once"),
        ),
        Some(SecretSource::File { path, .. }) => {
            Outcome::ok(msg!("cfg-set-from", path = path.display()))
        }
        Some(SecretSource::Inline(_)) => Outcome::ok(msg!("cfg-set-inline")),
    }
}

fn raw_bool(ctx: &Ctx, key: &str) -> bool {
    matches!(ctx.loaded.raw(key), Some(YamlValue::Bool(true)))
}

pub fn registration(ctx: &Ctx) -> Outcome {
    if ctx.loaded.raw.is_none() {
        return Outcome::skip(msg!("skip-no-parse", check = "config.parse"));
    }
    if !raw_bool(ctx, "enable_registration") {
        return Outcome::ok(msg!("cfg-reg-closed", cmd = "matrixctl register-user"));
    }
    if raw_bool(ctx, "registration_requires_token") {
        return Outcome::ok(msg!("cfg-reg-token"));
    }
    Outcome::warn(
        msg!("cfg-reg-open"),
        msg!(
            "cfg-reg-open-fix",
            line = "registration_requires_token: true",
            file = "homeserver.yaml"
        ),
    )
}

pub fn database(ctx: &Ctx) -> Outcome {
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let Database::Sqlite { path } = &c.database else {
        return Outcome::ok(msg!("cfg-db-postgres"));
    };
    const MANY_USERS: i64 = 50;
    let users = super::database::count_local_users(ctx);
    let fix = msg!(
        "cfg-db-sqlite-fix",
        key = "database: name: psycopg2",
        cmd = "matrixctl install --database postgres"
    );
    let o = if ctx.federation_enabled() {
        Outcome::warn(msg!("cfg-db-sqlite-federation"), fix)
    } else if let Some(n) = users.filter(|n| *n > MANY_USERS) {
        Outcome::warn(msg!("cfg-db-sqlite-users", n = n), fix)
    } else {
        Outcome::ok(msg!("cfg-db-sqlite-ok", path = path.display()))
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
        return Outcome::skip(msg!("cfg-preview-off"));
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
        Outcome::ok(msg!("cfg-preview-ok", n = nets.len()))
    } else {
        Outcome::fail(
            msg!("cfg-preview-open", ranges = missing.join(", ")),
            msg!(
                "cfg-preview-open-fix",
                ranges = missing.join(", "),
                key = "url_preview_ip_range_blacklist",
                cmd = "matrixctl install"
            ),
        )
        .detail("blacklist", list.join(", "))
    }
}

pub fn email(ctx: &Ctx) -> Outcome {
    let Some(YamlValue::Mapping(_)) = ctx.loaded.raw("email") else {
        return Outcome::skip(msg!("cfg-email-off"));
    };
    match ctx.loaded.raw("public_baseurl") {
        Some(YamlValue::String(u)) => Outcome::ok(msg!("cfg-email-ok", url = u)),
        _ => Outcome::fail(
            msg!("cfg-email-no-baseurl", key = "public_baseurl"),
            msg!(
                "cfg-set",
                example = "public_baseurl: https://matrix.example.org/"
            ),
        ),
    }
}

/// TURN settings as Synapse reads them.
pub struct TurnSettings {
    pub uris: Vec<String>,
    /// The shared secret, or why it cannot be read.
    pub secret: Option<Result<String, crate::i18n::Text>>,
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
            Ok(_) => Err(msg!("cfg-file-empty", path = p)),
            Err(e) => Err(msg!("doc-cannot-read", path = p, error = e)),
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
        return Outcome::skip(msg!("cfg-turn-off"));
    }
    if t.uris.is_empty() {
        return Outcome::fail(
            msg!("cfg-turn-no-uris", key = "turn_uris"),
            msg!(
                "cfg-add",
                line = "turn_uris: [\"turn:turn.example.org:3478?transport=udp\", \"turn:turn.example.org:3478?transport=tcp\"]"
            ),
        );
    }
    match (&t.secret, &t.username, &t.password) {
        (Some(Err(e)), _, _) => Outcome::fail(
            msg!("conf-at-key", key = "turn_shared_secret_path", message = "")
                .with_arg("message", e.clone()),
            msg!("cfg-turn-secret-file-fix", key = "static-auth-secret"),
        ),
        (Some(Ok(_)), _, _) => Outcome::ok(msg!("cfg-turn-ok-secret", n = t.uris.len())),
        (None, Some(_), Some(_)) => Outcome::ok(msg!("cfg-turn-ok-static", n = t.uris.len())),
        (None, Some(_), None) | (None, None, Some(_)) => Outcome::fail(
            msg!(
                "cfg-turn-half-static",
                user = "turn_username",
                password = "turn_password"
            ),
            msg!(
                "cfg-turn-half-static-fix",
                key = "turn_shared_secret",
                option = "use-auth-secret"
            ),
        ),
        (None, None, None) => Outcome::fail(
            msg!(
                "cfg-turn-no-secret",
                uris = "turn_uris",
                key = "turn_shared_secret",
                alt = "turn_username/turn_password"
            ),
            msg!(
                "cfg-turn-no-secret-fix",
                key = "turn_shared_secret_path",
                option = "static-auth-secret"
            ),
        ),
    }
}
