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

/// What to answer when enabling cannot be read from systemd: the service manager is not
/// running (skip), or it is not systemd (the definition at `unit` is installed: ok).
fn unless_systemd_runs(ctx: &Ctx, d: &crate::facts::Distro, unit: &Path) -> Option<Outcome> {
    if !manager_running(ctx) {
        return Some(Outcome::skip(msg!(
            "svc-manager-not-running",
            path = unit.display(),
            manager = d.service.kind
        )));
    }
    (d.service.kind != "systemd").then(|| {
        Outcome::ok(msg!(
            "svc-installed",
            path = unit.display(),
            manager = d.service.kind
        ))
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
    let (_, found) = worker_configs(ctx);
    if !found.is_empty() {
        return workers_enabled(ctx, d, &found);
    }
    if !unit.exists() {
        return Outcome::skip(msg!("svc-not-installed", path = unit.display()));
    }
    if let Some(o) = unless_systemd_runs(ctx, d, &unit) {
        return o;
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

/// With several processes: each instance's service is enabled (systemd), or its definition
/// is installed (the rc systems, where enabling is a setting doctor does not read).
fn workers_enabled(ctx: &Ctx, d: &crate::facts::Distro, found: &[(u8, PathBuf)]) -> Outcome {
    let unit = |n: u8| {
        let name = instance_name(ctx, n);
        let path = match &d.service.instance_unit {
            Some(u) => u.replace("{svc}", SERVICE),
            None => d.service.unit_path.replace("{svc}", &name),
        };
        (name, PathBuf::from(path))
    };
    for (n, _) in found {
        let (name, path) = unit(*n);
        if !path.exists() {
            return Outcome::fail(
                msg!("svc-not-installed", path = path.display()),
                msg!("db-backups-fix-install", cmd = "matrixctl install"),
            )
            .detail("instance", name);
        }
    }
    let (_, first) = unit(found[0].0);
    if let Some(o) = unless_systemd_runs(ctx, d, &first) {
        return o;
    }
    let mut states = Vec::new();
    for (n, _) in found {
        let name = instance_name(ctx, *n);
        match query(&["systemctl".into(), "is-enabled".into(), name.clone()]) {
            Some((true, state)) => states.push(format!("{name}: {state}")),
            Some((false, state)) => {
                return Outcome::warn(
                    msg!(
                        "svc-not-enabled-state",
                        unit = format!("{name}.service"),
                        state = state
                    ),
                    format!("systemctl enable {name}"),
                );
            }
            None => return Outcome::skip(msg!("svc-cannot-run", cmd = "systemctl")),
        }
    }
    Outcome::ok(msg!(
        "svc-state",
        unit = format!("{SERVICE}@.service"),
        state = states.join(", ")
    ))
}

/// The pid in `pid_file`, when that process lives.
fn live_pid(path: &Path) -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(path).ok()?.trim().parse().ok()?;
    (pid > 1 && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok())
        .then_some(pid)
}

pub fn running(ctx: &Ctx) -> Outcome {
    let (_, found) = worker_configs(ctx);
    if !found.is_empty() {
        return workers_running(ctx, &found);
    }
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

/// `install --workers N`: the processes' config files beside the loaded homeserver.yaml
/// (`workers/matrixd-K.yaml`), by number.
pub(crate) fn worker_configs(ctx: &Ctx) -> (PathBuf, Vec<(u8, PathBuf)>) {
    let config_dir = match ctx.loaded.paths.first() {
        Some(p) if p.is_dir() => p.clone(),
        Some(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => PathBuf::new(),
    };
    let found = crate::plan::workers::configured(&config_dir, SERVICE, Path::exists)
        .into_iter()
        .map(|n| {
            (
                n,
                crate::plan::workers::config_file(&config_dir, SERVICE, n),
            )
        })
        .collect();
    (crate::plan::workers::dir(&config_dir), found)
}

/// Process `n`'s service name, from the distro data (`matrixd@2`); `matrixd-2` without it.
fn instance_name(ctx: &Ctx, n: u8) -> String {
    match &ctx.distro {
        Some(d) => subst(
            std::slice::from_ref(&d.service.instance),
            &[("svc", SERVICE), ("n", &n.to_string())],
        )
        .remove(0),
        None => crate::plan::workers::worker_name(SERVICE, n),
    }
}

/// A process's config: homeserver.yaml (as loaded) and then its own file, through the server's
/// loader, as its service reads them.
pub(crate) fn worker_config(ctx: &Ctx, file: &Path) -> Result<matrixd::config::Config, Text> {
    let mut paths = ctx.loaded.paths.clone();
    paths.push(file.to_path_buf());
    match matrixd::config::load_files(&paths) {
        (Some(c), _) => Ok(c),
        (None, problems) => Err(msg!(
            "svc-worker-config-bad",
            path = file.display(),
            config = ctx
                .loaded
                .paths
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            error = problems
                .errors()
                .next()
                .map(|p| crate::i18n::problems::problem(p).to_string())
                .unwrap_or_default()
        )),
    }
}

/// With several processes (`install --workers N`): is each one running, by its instance of the
/// service or, without a manager, by its pid_file.
fn workers_running(ctx: &Ctx, found: &[(u8, PathBuf)]) -> Outcome {
    let manager = manager_running(ctx);
    let mut up = Vec::new();
    let mut down = Vec::new();
    for (n, file) in found {
        let name = instance_name(ctx, *n);
        let running = match (&ctx.distro, manager) {
            (Some(d), true) => {
                let argv = subst(&d.service.is_active, &[("svc", &name)]);
                matches!(query(&argv), Some((true, _)))
            }
            _ => worker_config(ctx, file)
                .ok()
                .and_then(|c| c.pid_file)
                .and_then(|p| live_pid(&p))
                .is_some(),
        };
        if running {
            up.push(name)
        } else {
            down.push(name)
        }
    }
    if down.is_empty() {
        let how = match (&ctx.distro, manager) {
            (Some(d), true) => d.service.kind.clone(),
            _ => "pid_file".to_string(),
        };
        Outcome::ok(msg!(
            "svc-workers-running",
            n = up.len(),
            how = how,
            names = up.join(", ")
        ))
    } else {
        Outcome::fail(
            msg!("svc-workers-not-running", names = down.join(", ")),
            msg!(
                "svc-start-fix",
                start = "matrixctl start",
                status = "matrixctl status"
            ),
        )
    }
}

/// `install --workers N`: every process answers GET /health on its own port (found from its
/// config file through the server's loader); the fix restarts the ones that do not.
pub fn workers(ctx: &Ctx) -> Outcome {
    if let Err(o) = ctx.config() {
        return o;
    }
    let (dir, found) = worker_configs(ctx);
    if found.is_empty() {
        return Outcome::skip(msg!("svc-workers-none", path = dir.display()));
    }
    let local = net::NetOptions::default();
    let mut ok = Vec::new();
    let mut bad: Vec<Text> = Vec::new();
    let mut restart = Vec::new();
    for (n, file) in &found {
        let name = crate::plan::workers::worker_name(SERVICE, *n);
        let config = match worker_config(ctx, file) {
            Ok(c) => c,
            Err(why) => {
                bad.push(why);
                continue;
            }
        };
        let port = config
            .listeners
            .iter()
            .find(|l| !l.tls && l.serves(Resource::Client))
            .map(|l| l.port)
            .unwrap_or_default();
        let url = format!("{}/health", config.local_client_url());
        let error = match ctx.block_on(net::get(&local, &url, &Fetch::default())) {
            Ok(f) if f.status == 200 => {
                ok.push(format!("{name} ({port})"));
                continue;
            }
            Ok(f) => format!("HTTP {}", f.status),
            Err(e) => e,
        };
        bad.push(msg!(
            "svc-worker-on",
            name = name,
            port = port,
            error = error
        ));
        restart.push(match &ctx.distro {
            Some(d) => subst(&d.service.restart, &[("svc", &instance_name(ctx, *n))]).join(" "),
            None => "matrixctl restart".to_string(),
        });
    }
    if bad.is_empty() {
        return Outcome::ok(msg!("svc-workers-ok", n = ok.len(), list = ok.join(", ")))
            .detail("processes", ok.len());
    }
    let mut parts = vec![msg!("svc-workers-down")];
    for (i, b) in bad.into_iter().enumerate() {
        if i > 0 {
            parts.push("; ".into());
        }
        parts.push(b);
    }
    restart.dedup();
    Outcome::fail(
        Text::Concat(parts),
        msg!(
            "svc-workers-fix",
            cmd = if restart.is_empty() {
                "matrixctl restart".to_string()
            } else {
                restart.join("; ")
            },
            status = "matrixctl status"
        ),
    )
}
