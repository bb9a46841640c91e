//! Service: matrixd enabled and running under the distro's service manager (or, without one,
//! alive by its pid_file), every listener accepting connections, and /_matrix/client/versions
//! answering locally. Asks the service manager read-only questions (is-enabled, is-active).

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use matrixd::config::Resource;

use crate::doctor::net::{self, Fetch};
use crate::doctor::{Ctx, Outcome};
use crate::facts::distro::subst;
use crate::i18n::Text;
use crate::msg;

const SERVICE: &str = "matrixd";

/// Runs a read-only query of the service manager; `None` when it cannot run at all.
pub(crate) fn query(argv: &[String]) -> Option<(bool, String)> {
    let (prog, args) = argv.split_first()?;
    // ALLOWED: a read-only question to the service manager (is-enabled / is-active).
    let out = std::process::Command::new(prog)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    ))
}

pub(crate) fn manager_running(ctx: &Ctx) -> bool {
    ctx.distro.as_ref().is_some_and(|d| {
        d.service
            .running_marker
            .as_ref()
            .is_none_or(|m| Path::new(m).exists())
    })
}

fn unit_path(ctx: &Ctx) -> Option<PathBuf> {
    let d = ctx.distro.as_ref()?;
    Some(PathBuf::from(d.service.unit_path.replace("{svc}", SERVICE)))
}

pub fn enabled(ctx: &Ctx) -> Outcome {
    let (Some(d), Some(unit)) = (&ctx.distro, unit_path(ctx)) else {
        return Outcome::skip(msg!("svc-skip-unknown-os"));
    };
    if !unit.exists() {
        return Outcome::skip(msg!("svc-not-installed", path = unit.display()));
    }
    if !manager_running(ctx) {
        return Outcome::skip(msg!(
            "svc-manager-not-running",
            path = unit.display(),
            manager = d.service.kind
        ));
    }
    if d.service.kind != "systemd" {
        return Outcome::ok(msg!(
            "svc-installed",
            path = unit.display(),
            manager = d.service.kind
        ));
    }
    match query(&["systemctl".into(), "is-enabled".into(), SERVICE.into()]) {
        Some((true, state)) => Outcome::ok(msg!(
            "svc-state",
            unit = format!("{SERVICE}.service"),
            state = state
        )),
        Some((false, state)) => Outcome::warn(
            if state.is_empty() {
                msg!("svc-not-enabled", unit = format!("{SERVICE}.service"))
            } else {
                msg!(
                    "svc-not-enabled-state",
                    unit = format!("{SERVICE}.service"),
                    state = state
                )
            },
            format!("systemctl enable {SERVICE}"),
        ),
        None => Outcome::skip(msg!("svc-cannot-run", cmd = "systemctl")),
    }
}

/// The pid in `pid_file`, when that process lives.
fn live_pid(path: &Path) -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(path).ok()?.trim().parse().ok()?;
    (pid > 1 && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok())
        .then_some(pid)
}

pub fn running(ctx: &Ctx) -> Outcome {
    let unit_installed = unit_path(ctx).is_some_and(|u| u.exists());
    if unit_installed && manager_running(ctx) {
        let d = ctx.distro.as_ref().expect("unit_path needs the distro");
        let argv = subst(&d.service.is_active, &[("svc", SERVICE)]);
        return match query(&argv) {
            Some((true, _)) => {
                Outcome::ok(msg!("svc-running", name = SERVICE, how = d.service.kind))
            }
            Some((false, _)) => Outcome::fail(
                msg!("svc-not-running", name = SERVICE),
                msg!(
                    "svc-start-fix",
                    start = "matrixctl start",
                    status = "matrixctl status"
                ),
            ),
            None => Outcome::skip(msg!("svc-cannot-run", cmd = argv.join(" "))),
        };
    }
    let pid_file = ctx
        .loaded
        .config
        .as_ref()
        .and_then(|c| c.pid_file.clone())
        .or_else(|| {
            ctx.distro
                .as_ref()
                .map(|d| Path::new(&d.paths.run_dir).join("matrixd.pid"))
        });
    match pid_file {
        Some(p) => match live_pid(&p) {
            Some(pid) => Outcome::ok(msg!(
                "svc-running-pid",
                name = SERVICE,
                pid = pid,
                path = p.display()
            ))
            .detail("pid", pid),
            None if p.exists() => Outcome::fail(
                msg!("svc-stale-pid", name = SERVICE, path = p.display()),
                "matrixctl start",
            ),
            None => Outcome::fail(
                msg!("svc-no-pid", name = SERVICE, path = p.display()),
                "matrixctl start",
            ),
        },
        None => Outcome::skip(msg!("svc-cannot-tell", key = "pid_file")),
    }
}

/// Where to connect to reach a listener bound to `bind`.
fn connect_addr(bind: &str, port: u16) -> SocketAddr {
    let ip: IpAddr = match bind.parse::<IpAddr>() {
        Ok(ip) if ip.is_unspecified() => {
            if ip.is_ipv4() {
                IpAddr::from([127, 0, 0, 1])
            } else {
                IpAddr::from(std::net::Ipv6Addr::LOCALHOST)
            }
        }
        Ok(ip) => ip,
        Err(_) => IpAddr::from([127, 0, 0, 1]),
    };
    SocketAddr::new(ip, port)
}

pub fn listeners(ctx: &Ctx) -> Outcome {
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    if c.listeners.is_empty() {
        return Outcome::fail(
            msg!("svc-no-listeners"),
            msg!(
                "svc-no-listeners-fix",
                port = "8008",
                resources = "[client, federation]"
            ),
        );
    }
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for l in &c.listeners {
        // `::` and `0.0.0.0` are usually one dual-stack socket: any one answering is enough.
        let addrs: Vec<SocketAddr> = l
            .bind_addresses
            .iter()
            .map(|b| connect_addr(b, l.port))
            .collect();
        let reached = addrs
            .iter()
            .any(|a| TcpStream::connect_timeout(a, Duration::from_secs(2)).is_ok());
        let names: Vec<&str> = l
            .resources
            .iter()
            .map(|r| match r {
                Resource::Client => "client",
                Resource::Federation => "federation",
                Resource::Keys => "keys",
                Resource::Media => "media",
                Resource::Health => "health",
                Resource::Openid => "openid",
            })
            .collect();
        let label = format!(
            "{}{} ({})",
            l.port,
            if l.tls { " tls" } else { "" },
            names.join(", ")
        );
        if reached {
            ok.push(label)
        } else {
            bad.push(msg!(
                "svc-listener-on",
                label = label,
                addrs = l.bind_addresses.join(", ")
            ))
        }
    }
    if bad.is_empty() {
        Outcome::ok(msg!("svc-listening", listeners = ok.join("; ")))
    } else {
        let mut parts = vec![msg!("svc-nothing-accepts")];
        for (i, b) in bad.into_iter().enumerate() {
            if i > 0 {
                parts.push("; ".into());
            }
            parts.push(b);
        }
        Outcome::fail(
            Text::Concat(parts),
            msg!(
                "svc-nothing-accepts-fix",
                start = "matrixctl start",
                cmd = "ss -ltnp"
            ),
        )
    }
}

pub fn client_versions(ctx: &Ctx) -> Outcome {
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let plain = c
        .listeners
        .iter()
        .any(|l| !l.tls && l.serves(Resource::Client));
    let url = if plain {
        c.local_client_url()
    } else if let Some(l) = c.listeners.iter().find(|l| l.serves(Resource::Client)) {
        format!("https://localhost:{}", l.port)
    } else {
        return Outcome::skip(msg!("svc-no-client-listener"));
    };
    let url = format!("{url}/_matrix/client/versions");
    let local = net::NetOptions::default();
    match ctx.block_on(net::get(&local, &url, &Fetch::default())) {
        Ok(f) if f.status == 200 => match f.json() {
            Ok(v) if v.get("versions").is_some_and(|v| v.is_array()) => {
                let n = v["versions"].as_array().map(Vec::len).unwrap_or(0);
                Outcome::ok(msg!("svc-versions-ok", url = url, n = n))
            }
            _ => Outcome::fail(
                msg!("svc-versions-none", url = url),
                msg!("svc-port-is-matrixd"),
            ),
        },
        Ok(f) => Outcome::fail(
            msg!(
                "fed-answered",
                url = url,
                status = format!("HTTP {}", f.status)
            ),
            msg!("svc-port-is-matrixd-log"),
        ),
        Err(e) => Outcome::fail(
            msg!("fed-unreachable", url = url, error = e),
            msg!(
                "svc-versions-unreachable-fix",
                start = "matrixctl start",
                status = "matrixctl status"
            ),
        ),
    }
}
