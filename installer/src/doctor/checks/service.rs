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

const SERVICE: &str = "matrixd";

/// Runs a read-only query of the service manager; `None` when it cannot run at all.
fn query(argv: &[String]) -> Option<(bool, String)> {
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

fn manager_running(ctx: &Ctx) -> bool {
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
        return Outcome::skip("skipped (unknown OS: no service manager data)");
    };
    if !unit.exists() {
        return Outcome::skip(format!(
            "no matrixd service installed ({} does not exist)",
            unit.display()
        ));
    }
    if !manager_running(ctx) {
        return Outcome::skip(format!(
            "{} is installed but {} is not running here",
            unit.display(),
            d.service.kind
        ));
    }
    if d.service.kind != "systemd" {
        return Outcome::ok(format!("{} installed ({})", unit.display(), d.service.kind));
    }
    match query(&["systemctl".into(), "is-enabled".into(), SERVICE.into()]) {
        Some((true, state)) => Outcome::ok(format!("{SERVICE}.service is {state}")),
        Some((false, state)) => Outcome::warn(
            format!(
                "{SERVICE}.service is {}: it will not start at boot",
                if state.is_empty() {
                    "not enabled"
                } else {
                    &state
                }
            ),
            format!("systemctl enable {SERVICE}"),
        ),
        None => Outcome::skip("cannot run systemctl"),
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
            Some((true, _)) => Outcome::ok(format!("{SERVICE} is running ({})", d.service.kind)),
            Some((false, _)) => Outcome::fail(
                format!("{SERVICE} is not running"),
                "matrixctl start   (then matrixctl status for its log)",
            ),
            None => Outcome::skip(format!("cannot run {}", argv.join(" "))),
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
            Some(pid) => Outcome::ok(format!(
                "{SERVICE} is running (pid {pid} from {})",
                p.display()
            ))
            .detail("pid", pid),
            None if p.exists() => Outcome::fail(
                format!("{SERVICE} is not running (stale {})", p.display()),
                "matrixctl start",
            ),
            None => Outcome::fail(
                format!("{SERVICE} is not running (no {})", p.display()),
                "matrixctl start",
            ),
        },
        None => Outcome::skip("cannot tell: no service manager and no pid_file"),
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
            "no listeners configured",
            "add an http listener on port 8008 with resources [client, federation]",
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
            bad.push(format!("{label} on {}", l.bind_addresses.join(", ")))
        }
    }
    if bad.is_empty() {
        Outcome::ok(format!("listening on {}", ok.join("; ")))
    } else {
        Outcome::fail(
            format!("nothing accepts connections on {}", bad.join("; ")),
            "start matrixd (matrixctl start); if it runs, another program may hold the port: ss -ltnp",
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
        return Outcome::skip("no listener serves the client API");
    };
    let url = format!("{url}/_matrix/client/versions");
    let local = net::NetOptions::default();
    match ctx.block_on(net::get(&local, &url, &Fetch::default())) {
        Ok(f) if f.status == 200 => match f.json() {
            Ok(v) if v.get("versions").is_some_and(|v| v.is_array()) => {
                let n = v["versions"].as_array().map(Vec::len).unwrap_or(0);
                Outcome::ok(format!("{url} answers ({n} spec versions)"))
            }
            _ => Outcome::fail(
                format!("{url} answered without a versions list"),
                "check that port belongs to matrixd",
            ),
        },
        Ok(f) => Outcome::fail(
            format!("{url} answered HTTP {}", f.status),
            "check that port belongs to matrixd; see its log",
        ),
        Err(e) => Outcome::fail(
            format!("{url} unreachable: {e}"),
            "start matrixd (matrixctl start) and see its log (matrixctl status)",
        ),
    }
}
