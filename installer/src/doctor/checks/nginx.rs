//! nginx in front of matrixd: `nginx -t` passes, the site forwards /_matrix and
//! /_synapse/client to a matrixd listener (with no URI part, so paths reach it unchanged) or to
//! an upstream over every matrixd process (`install --workers N`: each process's port, hashed by
//! access token), and client_max_body_size allows max_upload_size. Reads the site file the
//! distro data names.

use std::path::PathBuf;

use crate::doctor::{Ctx, Outcome};
use crate::i18n::Text;
use crate::msg;

/// The matrixd site file and its text, when there is one.
pub fn site(ctx: &Ctx) -> Option<(PathBuf, String)> {
    let path = match &ctx.opts.nginx_site {
        Some(p) => p.clone(),
        None => PathBuf::from(&ctx.distro.as_ref()?.nginx.site),
    };
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path, text))
}

fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.split_once('#').map_or(l, |(a, _)| a))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every value of a simple directive (`name value;`), in order.
pub fn directive(text: &str, name: &str) -> Vec<String> {
    strip_comments(text)
        .split([';', '{', '}'])
        .filter_map(|stmt| {
            let mut words = stmt.split_whitespace();
            (words.next() == Some(name)).then(|| words.collect::<Vec<_>>().join(" "))
        })
        .filter(|v| !v.is_empty())
        .collect()
}

/// `(pattern, body)` of every location block.
pub fn locations(text: &str) -> Vec<(String, String)> {
    blocks(text, "location")
}

/// `(name, body)` of every upstream block (`install --workers N`: matrixd's processes).
pub fn upstreams(text: &str) -> Vec<(String, String)> {
    blocks(text, "upstream")
}

/// `(what follows the keyword, body)` of every `KEYWORD … { … }` block.
fn blocks(text: &str, keyword: &str) -> Vec<(String, String)> {
    let t = strip_comments(text);
    let mut out = Vec::new();
    let mut rest = t.as_str();
    while let Some(i) = rest.find(keyword) {
        let after = &rest[i + keyword.len()..];
        let boundary_ok = i == 0
            || rest[..i].ends_with(|c: char| c.is_whitespace() || c == '{' || c == ';' || c == '}');
        let Some(open) = after.find('{') else { break };
        if !boundary_ok || !after.starts_with(char::is_whitespace) {
            rest = after;
            continue;
        }
        let pattern = after[..open].trim().to_string();
        let body_start = &after[open + 1..];
        let mut depth = 1;
        let mut end = body_start.len();
        for (j, ch) in body_start.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = j;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push((pattern, body_start[..end].to_string()));
        rest = &body_start[end.min(body_start.len())..];
    }
    out
}

/// What is wrong with the upstream `name` matrixd's locations forward to: a server port no
/// matrixd process listens on, a process (`install --workers N`) it leaves out, or (several
/// processes) no hashing by access token.
fn upstream_problems(ctx: &Ctx, name: &str, body: &str) -> Vec<Text> {
    let servers: Vec<u16> = directive(body, "server")
        .iter()
        .filter_map(|s| {
            s.split_whitespace()
                .next()?
                .rsplit(':')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    let (_, workers) = super::service::worker_configs(ctx);
    let processes: Vec<(String, Vec<u16>)> = if workers.is_empty() {
        ctx.loaded
            .config
            .iter()
            .map(|c| {
                (
                    "matrixd".to_string(),
                    c.listeners.iter().map(|l| l.port).collect(),
                )
            })
            .collect()
    } else {
        workers
            .iter()
            .filter_map(|(n, file)| {
                let c = super::service::worker_config(ctx, file).ok()?;
                Some((
                    crate::plan::workers::worker_name("matrixd", *n),
                    c.listeners.iter().map(|l| l.port).collect(),
                ))
            })
            .collect()
    };
    let mut problems = Vec::new();
    if processes.is_empty() {
        return problems;
    }
    for port in &servers {
        if !processes.iter().any(|(_, ports)| ports.contains(port)) {
            problems.push(msg!("ngx-upstream-wrong-port", name = name, port = port));
        }
    }
    for (worker, ports) in &processes {
        if !ports.iter().any(|p| servers.contains(p)) {
            problems.push(msg!(
                "ngx-upstream-missing",
                name = name,
                worker = worker,
                port = ports.first().copied().unwrap_or_default()
            ));
        }
    }
    if workers.len() > 1
        && !directive(body, "hash")
            .iter()
            .any(|h| h.contains("$http_authorization"))
    {
        problems.push(msg!(
            "ngx-upstream-no-hash",
            name = name,
            directive = "hash $http_authorization consistent;"
        ));
    }
    problems
}

fn nginx_binary() -> Option<PathBuf> {
    // ALLOWED: PATH names where programs are; reading it finds nginx without running anything.
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
}

pub fn config_test(ctx: &Ctx) -> Outcome {
    let Some((site_path, _)) = site(ctx) else {
        return Outcome::skip(msg!("ngx-no-site-why"));
    };
    let Some(nginx) = nginx_binary() else {
        return Outcome::fail(
            msg!("ngx-not-installed", path = site_path.display()),
            msg!("ngx-not-installed-fix", cmd = "apt install nginx"),
        );
    };
    // ALLOWED: `nginx -t` only reads and tests the configuration.
    let mut cmd = std::process::Command::new(&nginx);
    cmd.arg("-t").stdin(std::process::Stdio::null());
    if let Some(conf) = &ctx.opts.nginx_conf {
        if let Some(dir) = conf.parent() {
            cmd.arg("-p").arg(dir);
        }
        cmd.arg("-c").arg(conf);
    }
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            return Outcome::fail(
                msg!("ngx-cannot-run", cmd = nginx.display(), error = e),
                msg!("ngx-check-install"),
            );
        }
    };
    let text = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if out.status.success() {
        return Outcome::ok(msg!("ngx-t-ok", cmd = "nginx -t")).detail("output", text);
    }
    let first = text
        .lines()
        .find(|l| l.contains("[emerg]") || l.contains("[crit]") || l.contains("[alert]"))
        .or_else(|| text.lines().next())
        .unwrap_or("failed")
        .trim()
        .to_string();
    let fix = if first.contains("Permission denied") && !nix::unistd::geteuid().is_root() {
        msg!("ngx-t-root-fix", user = "root", cmd = "nginx -t")
    } else {
        msg!("ngx-t-fix", cmd = "nginx -t && systemctl reload nginx")
    };
    Outcome::fail(msg!("ngx-t-fails", cmd = "nginx -t", error = first), fix).detail("output", text)
}

pub fn proxy(ctx: &Ctx) -> Outcome {
    let Some((site_path, text)) = site(ctx) else {
        return Outcome::skip(msg!("ngx-no-site"));
    };
    let locs = locations(&text);
    let forwarding = |path: &str| {
        locs.iter()
            .find(|(pat, body)| pat.contains(path) && !directive(body, "proxy_pass").is_empty())
            .map(|(_, body)| directive(body, "proxy_pass")[0].clone())
    };
    let Some(upstream) = forwarding("/_matrix") else {
        return Outcome::fail(
            msg!(
                "ngx-no-forward",
                path = site_path.display(),
                prefix = "/_matrix"
            ),
            msg!(
                "ngx-no-forward-fix",
                line =
                    "location ~ ^(/_matrix|/_synapse/client) { proxy_pass http://127.0.0.1:8008; }"
            ),
        );
    };
    let mut problems: Vec<Text> = Vec::new();
    let mut upstream_fix = false;
    if forwarding("/_synapse/client").is_none() {
        problems.push(msg!("ngx-no-synapse-client", prefix = "/_synapse/client"));
    }
    if let Ok(u) = url::Url::parse(&upstream) {
        if u.path() != "/" || upstream.trim_end_matches('/').len() < upstream.len() {
            problems.push(msg!(
                "ngx-uri-part",
                pass = format!("proxy_pass {upstream}")
            ));
        }
        let named = u
            .host_str()
            .and_then(|h| upstreams(&text).into_iter().find(|(n, _)| n == h));
        if let Some((name, body)) = &named {
            let found = upstream_problems(ctx, name, body);
            upstream_fix = !found.is_empty();
            problems.extend(found);
        } else if let (Some(c), Some(port)) = (&ctx.loaded.config, u.port_or_known_default())
            && !c.listeners.iter().any(|l| l.port == port)
        {
            problems.push(msg!(
                "ngx-wrong-port",
                pass = format!("proxy_pass {upstream}"),
                port = port
            ));
        }
    }
    if problems.is_empty() {
        Outcome::ok(format!("/_matrix and /_synapse/client -> {upstream}"))
    } else {
        let mut parts = Vec::new();
        for (i, p) in problems.into_iter().enumerate() {
            if i > 0 {
                parts.push("; ".into());
            }
            parts.push(p);
        }
        let fix = if upstream_fix {
            msg!(
                "ngx-upstream-fix",
                cmd = "matrixctl install",
                directive = "server 127.0.0.1:<port>;"
            )
        } else {
            msg!(
                "ngx-forward-both-fix",
                line = "location ~ ^(/_matrix|/_synapse/client) { proxy_pass http://127.0.0.1:<listener port>; }"
            )
        };
        Outcome::warn(Text::Concat(parts), fix)
    }
}

/// nginx sizes: bytes, or k/m/g suffixes.
pub fn parse_nginx_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1024),
        'm' | 'M' => (&s[..s.len() - 1], 1024 * 1024),
        'g' | 'G' => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    num.parse::<u64>().ok().map(|n| n * mult)
}

pub fn body_size(ctx: &Ctx) -> Outcome {
    let Some((site_path, text)) = site(ctx) else {
        return Outcome::skip(msg!("ngx-no-site"));
    };
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let max = c.max_upload_size;
    let mb = |n: u64| format!("{}M", n / (1024 * 1024));
    let values = directive(&text, "client_max_body_size");
    let (shown, limit): (Text, u64) = match values.last() {
        None => (msg!("ngx-size-unset", default = "1m"), 1024 * 1024),
        Some(v) => match parse_nginx_size(v) {
            Some(0) => (msg!("ngx-size-unlimited", value = v), u64::MAX),
            Some(n) => (v.clone().into(), n),
            None => {
                return Outcome::fail(
                    msg!("ngx-size-bad", value = format!("client_max_body_size {v}")),
                    msg!("ngx-size-bad-fix", example = "50M"),
                );
            }
        },
    };
    if limit < max {
        Outcome::fail(
            Text::Concat(vec![
                "client_max_body_size ".into(),
                msg!("ngx-size-is"),
                shown,
                msg!(
                    "ngx-size-small",
                    key = "max_upload_size",
                    max = mb(max),
                    status = "413"
                ),
            ]),
            msg!(
                "ngx-size-small-fix",
                line = format!("client_max_body_size {};", mb(max)),
                path = site_path.display(),
                cmd = "systemctl reload nginx"
            ),
        )
    } else {
        Outcome::ok(Text::Concat(vec![
            "client_max_body_size ".into(),
            shown,
            format!(" >= max_upload_size {}", mb(max)).into(),
        ]))
    }
}
