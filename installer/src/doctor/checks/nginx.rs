//! nginx in front of matrixd: `nginx -t` passes, the site forwards /_matrix and
//! /_synapse/client to a matrixd listener (with no URI part, so paths reach it unchanged), and
//! client_max_body_size allows max_upload_size. Reads the site file the distro data names.

use std::path::PathBuf;

use crate::doctor::{Ctx, Outcome};

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
    let t = strip_comments(text);
    let mut out = Vec::new();
    let mut rest = t.as_str();
    while let Some(i) = rest.find("location") {
        let after = &rest[i + "location".len()..];
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
        return Outcome::skip(
            "no matrixd nginx site (matrixd serves clients directly, or another proxy is used)",
        );
    };
    let Some(nginx) = nginx_binary() else {
        return Outcome::fail(
            format!("{} exists but nginx is not installed", site_path.display()),
            "install nginx (apt install nginx), or remove the site",
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
                format!("cannot run {}: {e}", nginx.display()),
                "check the nginx installation",
            );
        }
    };
    let text = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if out.status.success() {
        return Outcome::ok("nginx -t: the configuration is valid").detail("output", text);
    }
    let first = text
        .lines()
        .find(|l| l.contains("[emerg]") || l.contains("[crit]") || l.contains("[alert]"))
        .or_else(|| text.lines().next())
        .unwrap_or("failed")
        .trim()
        .to_string();
    let fix = if first.contains("Permission denied") && !nix::unistd::geteuid().is_root() {
        "run doctor as root (nginx -t reads the keys)".to_string()
    } else {
        "fix the line nginx names, then: nginx -t && systemctl reload nginx".to_string()
    };
    Outcome::fail(format!("nginx -t fails: {first}"), fix).detail("output", text)
}

pub fn proxy(ctx: &Ctx) -> Outcome {
    let Some((site_path, text)) = site(ctx) else {
        return Outcome::skip("no matrixd nginx site");
    };
    let locs = locations(&text);
    let forwarding = |path: &str| {
        locs.iter()
            .find(|(pat, body)| pat.contains(path) && !directive(body, "proxy_pass").is_empty())
            .map(|(_, body)| directive(body, "proxy_pass")[0].clone())
    };
    let Some(upstream) = forwarding("/_matrix") else {
        return Outcome::fail(
            format!(
                "{} does not forward /_matrix to matrixd",
                site_path.display()
            ),
            "add: location ~ ^(/_matrix|/_synapse/client) { proxy_pass http://127.0.0.1:8008; }",
        );
    };
    let mut problems = Vec::new();
    if forwarding("/_synapse/client").is_none() {
        problems
            .push("/_synapse/client is not forwarded (password reset and SSO pages)".to_string());
    }
    if let Ok(u) = url::Url::parse(&upstream) {
        if u.path() != "/" || upstream.trim_end_matches('/').len() < upstream.len() {
            problems.push(format!("proxy_pass {upstream} has a URI part: nginx rewrites paths and federation signatures break"));
        }
        if let (Some(c), Some(port)) = (&ctx.loaded.config, u.port_or_known_default())
            && !c.listeners.iter().any(|l| l.port == port)
        {
            problems.push(format!(
                "proxy_pass {upstream} goes to port {port}, where no matrixd listener is configured"
            ));
        }
    }
    if problems.is_empty() {
        Outcome::ok(format!("/_matrix and /_synapse/client -> {upstream}"))
    } else {
        Outcome::warn(
            problems.join("; "),
            "forward both with: location ~ ^(/_matrix|/_synapse/client) { proxy_pass http://127.0.0.1:<listener port>; }",
        )
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
        return Outcome::skip("no matrixd nginx site");
    };
    let c = match ctx.config() {
        Ok(c) => c,
        Err(o) => return o,
    };
    let max = c.max_upload_size;
    let mb = |n: u64| format!("{}M", n / (1024 * 1024));
    let values = directive(&text, "client_max_body_size");
    let (shown, limit) = match values.last() {
        None => ("not set (nginx's default 1m)".to_string(), 1024 * 1024),
        Some(v) => match parse_nginx_size(v) {
            Some(0) => (format!("{v} (unlimited)"), u64::MAX),
            Some(n) => (v.clone(), n),
            None => {
                return Outcome::fail(
                    format!("client_max_body_size {v} is not a size"),
                    "use a size such as 50M",
                );
            }
        },
    };
    if limit < max {
        Outcome::fail(
            format!(
                "client_max_body_size is {shown} but max_upload_size is {}: larger uploads fail with 413",
                mb(max)
            ),
            format!(
                "set client_max_body_size {}; in {}, then systemctl reload nginx",
                mb(max),
                site_path.display()
            ),
        )
    } else {
        Outcome::ok(format!(
            "client_max_body_size {shown} >= max_upload_size {}",
            mb(max)
        ))
    }
}
