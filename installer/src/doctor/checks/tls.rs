//! TLS certificates on disk: matrixd's own (`tls_certificate_path`) and the nginx site's
//! (`ssl_certificate`). Each readable, matching its private key, valid for 30 more days (when
//! matrixctl renews what it manages), covering the public host names, and a full chain
//! (fullchain.pem, not cert.pem); and, for `install --tls acme`, the renewal timer's state.

use std::path::PathBuf;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::prelude::*;

use crate::doctor::{Ctx, Outcome, Status};
use crate::msg;

/// A certificate file in use, with its key file and who uses it.
#[derive(Debug, Clone)]
pub struct CertSource {
    pub user: &'static str,
    pub cert: PathBuf,
    pub key: Option<PathBuf>,
}

pub fn sources(ctx: &Ctx) -> Vec<CertSource> {
    let mut out = Vec::new();
    if let Some(c) = &ctx.loaded.config
        && let Some(cert) = &c.tls_certificate_path
    {
        out.push(CertSource {
            user: "matrixd",
            cert: cert.clone(),
            key: c.tls_private_key_path.clone(),
        });
    }
    if let Some((_, text)) = super::nginx::site(ctx) {
        let certs = super::nginx::directive(&text, "ssl_certificate");
        let keys = super::nginx::directive(&text, "ssl_certificate_key");
        for (i, cert) in certs.iter().enumerate() {
            let cert = PathBuf::from(cert);
            if !out.iter().any(|s: &CertSource| s.cert == cert) {
                out.push(CertSource {
                    user: "nginx",
                    cert,
                    key: keys.get(i).map(PathBuf::from),
                });
            }
        }
    }
    out
}

fn read_chain(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, Outcome> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            Outcome::warn(
                msg!("doc-not-readable", path = path.display()),
                msg!("doc-run-as-root", user = "root"),
            )
        } else {
            Outcome::fail(
                msg!("doc-cannot-read", path = path.display(), error = e),
                msg!("tls-point-at-cert"),
            )
        }
    })?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| {
            Outcome::fail(
                msg!("tls-not-pem", path = path.display(), error = e),
                msg!("tls-use-pem", marker = "-----BEGIN CERTIFICATE-----"),
            )
        })?;
    if certs.is_empty() {
        return Err(Outcome::fail(
            msg!("tls-no-cert", path = path.display()),
            msg!("tls-use-pem", marker = "-----BEGIN CERTIFICATE-----"),
        ));
    }
    Ok(certs)
}

/// Runs `judge` on every certificate in use and combines the results (worst status first).
fn each(ctx: &Ctx, judge: impl Fn(&CertSource, &[X509Certificate<'_>]) -> Outcome) -> Outcome {
    let sources = sources(ctx);
    if sources.is_empty() {
        return Outcome::skip(msg!(
            "tls-none",
            key = "tls_certificate_path",
            directive = "nginx ssl_certificate"
        ));
    }
    let mut outcomes = Vec::new();
    for s in &sources {
        let o = match read_chain(&s.cert) {
            Err(o) => o,
            Ok(ders) => {
                let parsed: Result<Vec<X509Certificate<'_>>, _> = ders
                    .iter()
                    .map(|d| parse_x509_certificate(d.as_ref()).map(|(_, c)| c))
                    .collect();
                match parsed {
                    Ok(p) => judge(s, &p),
                    Err(e) => Outcome::fail(
                        msg!("tls-unparsable", path = s.cert.display(), error = e),
                        msg!("tls-unparsable-fix"),
                    ),
                }
            }
        };
        outcomes.push(o.detail(&format!("{}_cert", s.user), s.cert.display()));
    }
    let rank = |s: Status| match s {
        Status::Fail => 0,
        Status::Warn => 1,
        Status::Ok => 2,
        Status::Skip => 3,
    };
    outcomes.sort_by_key(|o| rank(o.status));
    let mut first = outcomes.remove(0);
    for o in outcomes {
        if o.status == first.status {
            first.summary = crate::i18n::Text::Concat(vec![first.summary, "; ".into(), o.summary]);
        }
        first.details.extend(o.details);
    }
    first
}

fn cn(name: &X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|c| c.as_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| name.to_string())
}

pub fn certificate(ctx: &Ctx) -> Outcome {
    each(ctx, |s, chain| {
        let leaf = &chain[0];
        Outcome::ok(msg!(
            "tls-cert-ok",
            path = s.cert.display(),
            user = s.user,
            subject = cn(leaf.subject()),
            issuer = cn(leaf.issuer())
        ))
        .detail("certificates_in_file", chain.len())
    })
}

pub fn key_match(ctx: &Ctx) -> Outcome {
    each(ctx, |s, chain| {
        let Some(key_path) = &s.key else {
            return Outcome::fail(
                msg!("tls-no-key", path = s.cert.display()),
                msg!(
                    "tls-no-key-fix",
                    keys = "tls_private_key_path / ssl_certificate_key"
                ),
            );
        };
        let bytes = match std::fs::read(key_path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Outcome::warn(
                    msg!("doc-not-readable", path = key_path.display()),
                    msg!("doc-run-as-root", user = "root"),
                );
            }
            Err(e) => {
                return Outcome::fail(
                    msg!("doc-cannot-read", path = key_path.display(), error = e),
                    msg!("tls-point-at-key"),
                );
            }
        };
        let key = match PrivateKeyDer::from_pem_slice(&bytes) {
            Ok(k) => k,
            Err(e) => {
                return Outcome::fail(
                    msg!("tls-key-not-pem", path = key_path.display(), error = e),
                    msg!("tls-use-pem-key"),
                );
            }
        };
        let Ok(signing) = rustls::crypto::ring::sign::any_supported_type(&key) else {
            return Outcome::fail(
                msg!("tls-key-type", path = key_path.display()),
                msg!("tls-key-type-fix"),
            );
        };
        match signing.public_key() {
            Some(spki) if spki.as_ref() == chain[0].tbs_certificate.subject_pki.raw => {
                Outcome::ok(msg!(
                    "tls-key-match",
                    key = key_path.display(),
                    path = s.cert.display()
                ))
            }
            _ => Outcome::fail(
                msg!(
                    "tls-key-mismatch",
                    key = key_path.display(),
                    path = s.cert.display()
                ),
                msg!("tls-key-mismatch-fix", file = "privkey.pem", dir = "live/"),
            ),
        }
    })
}

/// Warn when fewer days remain: matrixctl renews what it manages at this point, so a
/// certificate under it means renewal is not running.
pub const WARN_DAYS: i64 = crate::plan::tls::RENEW_DAYS;

/// The ACME renewal settings beside the config (`install --tls acme`), when there are any.
fn renew_settings(ctx: &Ctx) -> Option<(PathBuf, crate::plan::model::Acme)> {
    let path = renew_path(ctx)?;
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path, toml::from_str(&text).ok()?))
}

fn renew_path(ctx: &Ctx) -> Option<PathBuf> {
    Some(ctx.loaded.paths.first()?.parent()?.join("acme/renew.toml"))
}

/// What renews a certificate: matrixctl renew-certs for ours from an ACME CA, a re-run of the
/// install for a self-signed one, else certbot.
fn renew_cmd(ctx: &Ctx, s: &CertSource, leaf: &X509Certificate<'_>) -> &'static str {
    if renew_settings(ctx).is_some_and(|(_, a)| a.cert == s.cert) {
        "matrixctl renew-certs"
    } else if leaf.subject().as_raw() == leaf.issuer().as_raw() {
        "matrixctl install"
    } else {
        "certbot renew"
    }
}

/// The certificate matrixd obtains and renews itself (its `acme` section), and that section.
fn matrixd_acme(ctx: &Ctx) -> Option<(&PathBuf, &matrixd::config::acme::AcmeConfig)> {
    let c = ctx.loaded.config.as_ref()?;
    Some((c.tls_certificate_path.as_ref()?, c.acme.as_ref()?))
}

/// How the ACME certificate renews itself: matrixd itself (its `acme` section), the systemd
/// timer enabled and active, or the daily script present.
pub fn renewal(ctx: &Ctx) -> Outcome {
    if let Some((cert, a)) = matrixd_acme(ctx) {
        return Outcome::ok(msg!(
            "tls-renewal-matrixd",
            path = cert.display(),
            directory = a.directory.clone(),
            days = a.threshold_days
        ));
    }
    let none = || {
        Outcome::skip(msg!(
            "tls-renewal-none",
            path = renew_path(ctx).unwrap_or_default().display()
        ))
    };
    let (Some((path, _)), Some(d)) = (renew_settings(ctx), ctx.distro.as_ref()) else {
        return none();
    };
    let r = &d.renewal;
    let missing = |file: &str| {
        Outcome::warn(
            msg!("tls-renewal-missing", path = path.display(), what = file),
            msg!("tls-renewal-missing-fix", cmd = "matrixctl install"),
        )
    };
    match (r.kind.as_str(), &r.timer, &r.script) {
        ("systemd-timer", Some(timer_path), _) => {
            if !std::path::Path::new(timer_path).exists() {
                return missing(timer_path);
            }
            let timer = std::path::Path::new(timer_path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let (enabled, active) = if super::service::manager_running(ctx) {
                let q = |verb: &str| {
                    super::service::query(&["systemctl".into(), verb.into(), timer.clone()])
                        .map(|(_, out)| out)
                        .unwrap_or_default()
                };
                (q("is-enabled"), q("is-active"))
            } else {
                (
                    "-".to_string(),
                    crate::tr!("tls-renewal-no-systemd", manager = "systemd"),
                )
            };
            if enabled == "enabled" && active == "active" {
                Outcome::ok(msg!("tls-renewal-timer-ok", timer = timer, state = active))
            } else {
                Outcome::warn(
                    msg!(
                        "tls-renewal-timer-off",
                        timer = timer.clone(),
                        state = format!("{enabled}, {active}")
                    ),
                    msg!("tls-renewal-timer-fix", timer = timer),
                )
            }
            .detail("renew_config", path.display())
        }
        ("periodic", _, Some(script)) if std::path::Path::new(script).exists() => {
            Outcome::ok(msg!("tls-renewal-script", path = script))
        }
        ("periodic", _, Some(script)) => missing(script),
        _ => none(),
    }
}

pub fn expiry(ctx: &Ctx) -> Outcome {
    each(ctx, |s, chain| {
        let v = chain[0].validity();
        let now = ASN1Time::now();
        let left = v.not_after.timestamp() - now.timestamp();
        let days = left / 86_400;
        if now < v.not_before {
            Outcome::fail(
                msg!(
                    "tls-not-yet-valid",
                    path = s.cert.display(),
                    date = v.not_before
                ),
                msg!("tls-not-yet-valid-fix"),
            )
        } else if left <= 0 {
            let own = matrixd_acme(ctx).is_some_and(|(cert, _)| *cert == s.cert);
            Outcome::fail(
                msg!("tls-expired", path = s.cert.display(), date = v.not_after),
                if own {
                    msg!("tls-matrixd-acme-fix", cmd = "systemctl restart matrixd")
                } else {
                    msg!("tls-expired-fix", cmd = renew_cmd(ctx, s, &chain[0]))
                },
            )
        } else if days < WARN_DAYS {
            Outcome::warn(
                msg!(
                    "tls-expires-soon",
                    path = s.cert.display(),
                    n = days,
                    date = v.not_after
                ),
                if matrixd_acme(ctx).is_some_and(|(cert, _)| *cert == s.cert) {
                    msg!("tls-matrixd-acme-fix", cmd = "systemctl restart matrixd")
                } else {
                    msg!("tls-expires-soon-fix", cmd = renew_cmd(ctx, s, &chain[0]))
                },
            )
        } else {
            Outcome::ok(msg!("tls-valid-for", path = s.cert.display(), n = days))
        }
        .detail("not_after", v.not_after)
    })
}

/// Whether a certificate name (possibly `*.example.org`) covers `host`.
pub fn name_covers(pattern: &str, host: &str) -> bool {
    let (p, h) = (pattern.to_ascii_lowercase(), host.to_ascii_lowercase());
    match p.strip_prefix("*.") {
        Some(rest) => h
            .split_once('.')
            .is_some_and(|(first, tail)| !first.is_empty() && tail == rest),
        None => p == h,
    }
}

fn names_of(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => names.push(d.to_string()),
                GeneralName::IPAddress(b) if b.len() == 4 => {
                    names.push(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string())
                }
                _ => {}
            }
        }
    }
    if names.is_empty() {
        names.extend(
            cert.subject()
                .iter_common_name()
                .filter_map(|c| c.as_str().ok().map(str::to_string)),
        );
    }
    names
}

pub fn names(ctx: &Ctx) -> Outcome {
    let Some(c) = &ctx.loaded.config else {
        return Outcome::skip(msg!("skip-not-loaded", check = "config.parse"));
    };
    let public = c
        .public_baseurl
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_string));
    let server = super::federation::split_host_port(&c.server_name).0;
    each(ctx, |s, chain| {
        let names = names_of(&chain[0]);
        let covers = |h: &str| names.iter().any(|n| name_covers(n, h));
        let shown = names.join(", ");
        if let Some(p) = &public
            && !covers(p)
        {
            return Outcome::fail(
                msg!(
                    "tls-names-not-public",
                    path = s.cert.display(),
                    names = shown,
                    host = p,
                    key = "public_baseurl"
                ),
                msg!(
                    "tls-names-not-public-fix",
                    host = p,
                    cmd = format!("certbot -d {p} -d {server}")
                ),
            )
            .detail("names", &shown);
        }
        if !covers(&server) && public.as_deref() != Some(server.as_str()) {
            return Outcome::warn(
                msg!(
                    "tls-names-not-server",
                    path = s.cert.display(),
                    host = server,
                    key = "server_name"
                ),
                msg!(
                    "tls-names-not-server-fix",
                    host = server,
                    cmd = format!("certbot -d {server}"),
                    url = format!("https://{server}/")
                ),
            )
            .detail("names", &shown);
        }
        Outcome::ok(msg!("tls-names-ok", path = s.cert.display(), names = shown))
    })
}

pub fn chain(ctx: &Ctx) -> Outcome {
    each(ctx, |s, chain| {
        let leaf = &chain[0];
        let self_signed = leaf.subject().as_raw() == leaf.issuer().as_raw();
        if self_signed && chain.len() == 1 {
            return Outcome::warn(
                msg!("tls-self-signed", path = s.cert.display()),
                msg!(
                    "tls-self-signed-fix",
                    cmd = "certbot --nginx -d <your host names>"
                ),
            );
        }
        if !self_signed && chain.len() == 1 {
            return Outcome::fail(
                msg!(
                    "tls-no-chain",
                    path = s.cert.display(),
                    subject = cn(leaf.subject()),
                    cert = "cert.pem",
                    fullchain = "fullchain.pem"
                ),
                msg!(
                    "tls-no-chain-fix",
                    issuer = cn(leaf.issuer()),
                    fullchain = "fullchain.pem"
                ),
            );
        }
        for pair in chain.windows(2) {
            if pair[0].issuer().as_raw() != pair[1].subject().as_raw() {
                return Outcome::fail(
                    msg!(
                        "tls-chain-order",
                        path = s.cert.display(),
                        subject = cn(pair[0].subject()),
                        issuer = cn(pair[0].issuer()),
                        next = cn(pair[1].subject())
                    ),
                    msg!("tls-chain-order-fix"),
                );
            }
        }
        Outcome::ok(msg!(
            "tls-chain-ok",
            path = s.cert.display(),
            n = chain.len()
        ))
    })
}
