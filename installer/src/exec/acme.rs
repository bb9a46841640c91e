//! A certificate from an ACME CA (RFC 8555), with instant-acme: decides from the certificate on
//! disk whether one is due (no certificate, the self-signed stand-in, a name missing, fewer
//! than `RENEW_DAYS` days left) and asks the CA for nothing when it is not; otherwise loads
//! (or creates, once) the account, answers each name's HTTP-01 challenge from the webroot nginx
//! serves, and writes the new key and full chain only after the chain checks out, so a failure
//! leaves the previous certificate in place. Without nginx it answers the challenges itself
//! on `http01_listen` while the order is validated. Used by `install` (`Step::Acme`) and by
//! `matrixctl renew-certs`; it neither prints nor reloads anything (`deploy` does that).

use std::path::{Path, PathBuf};
use std::time::Duration;

use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount,
    NewOrder, OrderStatus, RetryPolicy,
};
use x509_parser::prelude::*;

use crate::exec::fs;
use crate::facts::under;
use crate::plan::model::Acme;
use crate::plan::tls::RENEW_DAYS;
use crate::tr;

/// Why a certificate is due (what the CA is asked for and why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    Missing,
    StandIn,
    NamesMissing(Vec<String>),
    Expiring { days: i64 },
    Forced,
}

impl Due {
    pub fn describe(&self) -> String {
        match self {
            Due::Missing => tr!("acme-due-missing"),
            Due::StandIn => tr!("acme-due-stand-in"),
            Due::NamesMissing(n) => tr!("acme-due-names", names = n.join(", ")),
            Due::Expiring { days } => tr!("acme-due-expiring", n = days, limit = RENEW_DAYS),
            Due::Forced => tr!("acme-due-forced", flag = "--force"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was asked of the CA.
    NotDue { days: i64, not_after: String },
    /// A new certificate and key were written.
    Obtained {
        why: Due,
        not_after: String,
        issuer: String,
    },
}

/// Whether the certificate at `cert` (on this host) must be obtained again.
pub fn due(a: &Acme, cert: &Path, now: i64) -> Result<(i64, String), Due> {
    let Ok(pem) = std::fs::read(cert) else {
        return Err(Due::Missing);
    };
    let Some(der) = rustls::pki_types::pem::PemObject::pem_slice_iter(&pem)
        .next()
        .and_then(|r: Result<rustls::pki_types::CertificateDer<'static>, _>| r.ok())
    else {
        return Err(Due::Missing);
    };
    let Ok((_, leaf)) = parse_x509_certificate(der.as_ref()) else {
        return Err(Due::Missing);
    };
    if leaf.subject().as_raw() == leaf.issuer().as_raw() {
        return Err(Due::StandIn);
    }
    let covered: Vec<String> = leaf
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|g| match g {
                    GeneralName::DNSName(d) => Some(d.to_ascii_lowercase()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let missing: Vec<String> = a
        .names
        .iter()
        .filter(|n| !covered.contains(&n.to_ascii_lowercase()))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(Due::NamesMissing(missing));
    }
    let left = leaf.validity().not_after.timestamp() - now;
    let days = left.div_euclid(86_400);
    if left < RENEW_DAYS * 86_400 {
        return Err(Due::Expiring { days });
    }
    Ok((days, leaf.validity().not_after.to_string()))
}

/// Obtains a certificate when one is due (or `force`); paths are under `root`.
pub fn ensure(a: &Acme, root: &Path, force: bool) -> Result<Outcome, String> {
    let cert = under(root, &a.cert);
    let why = match due(a, &cert, crate::plan::tls::now()) {
        Ok((days, not_after)) if !force => return Ok(Outcome::NotDue { days, not_after }),
        Ok(_) => Due::Forced,
        Err(why) => why,
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let challenges = under(root, &a.challenge_dir);
    let mut written: Vec<PathBuf> = Vec::new();
    let result = rt.block_on(obtain(a, root, &challenges, &mut written));
    for f in written {
        let _ = std::fs::remove_file(f);
    }
    let (key_pem, chain_pem) = result?;
    crate::plan::tls::check_pair(chain_pem.as_bytes(), key_pem.as_bytes())
        .map_err(|e| tr!("acme-bad-chain", directory = a.directory, error = e))?;
    let key = under(root, &a.key);
    if let Some(parent) = key.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| tr!("exec-cannot-create", path = parent.display(), error = e))?;
    }
    fs::write_atomic(&key, key_pem.as_bytes(), 0o600)
        .map_err(|e| tr!("exec-cannot-write", path = key.display(), error = e))?;
    chown(&key, root, &a.key_owner)?;
    fs::write_atomic(&cert, chain_pem.as_bytes(), 0o600)
        .map_err(|e| tr!("exec-cannot-write", path = cert.display(), error = e))?;
    chown(&cert, root, &a.key_owner)?;
    let (not_after, issuer) = leaf_summary(chain_pem.as_bytes());
    Ok(Outcome::Obtained {
        why,
        not_after,
        issuer,
    })
}

fn leaf_summary(pem: &[u8]) -> (String, String) {
    use rustls::pki_types::pem::PemObject as _;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .next()
        .and_then(Result::ok)
        .and_then(|d| {
            parse_x509_certificate(d.as_ref()).ok().map(|(_, c)| {
                (
                    c.validity().not_after.to_string(),
                    c.issuer()
                        .iter_common_name()
                        .next()
                        .and_then(|n| n.as_str().ok())
                        .map(str::to_string)
                        .unwrap_or_else(|| c.issuer().to_string()),
                )
            })
        })
        .unwrap_or_default()
}

fn chown(path: &Path, root: &Path, owner: &crate::plan::model::Owner) -> Result<(), String> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(());
    }
    let uid = crate::facts::probe::user(root, &owner.user)
        .map(|a| a.uid)
        .or((owner.user == "root").then_some(0));
    let gid =
        crate::facts::probe::group(root, &owner.group).or((owner.group == "root").then_some(0));
    if let (Some(u), Some(g)) = (uid, gid) {
        nix::unistd::chown(path, Some(u.into()), Some(g.into()))
            .map_err(|e| tr!("exec-cannot-chown", path = path.display(), error = e))?;
    }
    Ok(())
}

/// The account file for a directory: one per CA host, so staging and production (or a private
/// CA) each keep their own key.
pub fn account_file(a: &Acme) -> PathBuf {
    let host = url::Url::parse(&a.directory)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}_{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| "acme".into());
    a.account_dir.join(format!("account-{host}.json"))
}

async fn account(a: &Acme, root: &Path) -> Result<Account, String> {
    let file = under(root, &account_file(a));
    let cannot_reach = |e: instant_acme::Error| {
        tr!(
            "acme-cannot-reach",
            directory = a.directory,
            error = chain(&e)
        )
    };
    let builder = match &a.directory_ca {
        Some(ca) => Account::builder_with_root(ca),
        None => Account::builder(),
    }
    .map_err(cannot_reach)?;
    if let Ok(text) = std::fs::read(&file) {
        let creds: AccountCredentials = serde_json::from_slice(&text)
            .map_err(|e| tr!("acme-bad-account", path = file.display(), error = e))?;
        return builder.from_credentials(creds).await.map_err(cannot_reach);
    }
    let contact: Vec<String> = a.email.iter().map(|e| format!("mailto:{e}")).collect();
    let contact: Vec<&str> = contact.iter().map(String::as_str).collect();
    let (account, creds) = builder
        .create(
            &NewAccount {
                contact: &contact,
                terms_of_service_agreed: true,
                only_return_existing: false,
            },
            a.directory.clone(),
            None,
        )
        .await
        .map_err(cannot_reach)?;
    let json = serde_json::to_vec_pretty(&creds).map_err(|e| e.to_string())?;
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| tr!("exec-cannot-create", path = parent.display(), error = e))?;
    }
    // Never overwritten: a second account for the same CA would only add to its rate limits.
    fs::create_new(&file, &json, 0o600)
        .map_err(|e| tr!("exec-cannot-write", path = file.display(), error = e))?;
    Ok(account)
}

/// A task stopped when its handle goes.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A minimal HTTP/1.1 responder for GET /.well-known/acme-challenge/TOKEN: the file TOKEN of
/// `dir` (tokens are base64url, so no path can escape it), else 404.
async fn answer_challenges(listener: tokio::net::TcpListener, dir: PathBuf) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    loop {
        let Ok((mut s, _)) = listener.accept().await else {
            continue;
        };
        let dir = dir.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let mut n = 0;
            while n < buf.len() {
                match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf[n..])).await {
                    Ok(Ok(k)) if k > 0 => {
                        n += k;
                        if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                            break;
                        }
                    }
                    _ => break,
                }
            }
            let request = String::from_utf8_lossy(&buf[..n]);
            let body = request
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.strip_prefix("/.well-known/acme-challenge/"))
                .filter(|t| {
                    !t.is_empty()
                        && t.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                })
                .and_then(|t| std::fs::read(dir.join(t)).ok());
            let mut out = match &body {
                Some(b) => format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    b.len()
                )
                .into_bytes(),
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            out.extend(body.unwrap_or_default());
            let _ = s.write_all(&out).await;
            let _ = s.shutdown().await;
        });
    }
}

/// Sends SIGHUP to the process in `pid_file` (matrixd reloads its certificate); its pid.
pub fn hangup(pid_file: &Path) -> Result<i32, String> {
    let pid = crate::facts::probe::live_pid(pid_file)
        .ok_or_else(|| tr!("acme-no-pid", path = pid_file.display()))?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGHUP,
    )
    .map_err(|e| tr!("acme-cannot-signal", pid = pid, error = e))?;
    Ok(pid)
}

/// An error with its causes.
fn chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    msg
}

/// The order, its challenges answered; returns (key PEM, full chain PEM).
async fn obtain(
    a: &Acme,
    root: &Path,
    challenges: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<(String, String), String> {
    let account = account(a, root).await?;
    // Without nginx: answer the challenges ourselves while the CA validates them.
    let mut answering = Vec::new();
    for addr in &a.http01_listen {
        let listener = tokio::net::TcpListener::bind(addr.as_str())
            .await
            .map_err(|e| tr!("acme-cannot-listen", addr = addr, error = e, port = "80"))?;
        answering.push(AbortOnDrop(tokio::spawn(answer_challenges(
            listener,
            challenges.to_path_buf(),
        ))));
    }
    let api = |e: instant_acme::Error| {
        tr!(
            "acme-ca-refused",
            directory = a.directory,
            error = chain(&e)
        )
    };
    let ids: Vec<Identifier> = a.names.iter().map(|n| Identifier::Dns(n.clone())).collect();
    let mut order = account.new_order(&NewOrder::new(&ids)).await.map_err(api)?;
    std::fs::create_dir_all(challenges)
        .map_err(|e| tr!("exec-cannot-create", path = challenges.display(), error = e))?;
    let mut tokens: Vec<(String, String)> = Vec::new();
    {
        let mut authzs = order.authorizations();
        while let Some(authz) = authzs.next().await {
            let mut authz = authz.map_err(api)?;
            let name = authz.identifier().to_string();
            match authz.status {
                AuthorizationStatus::Valid => continue,
                AuthorizationStatus::Pending => {}
                other => {
                    return Err(tr!(
                        "acme-authz-state",
                        name = name,
                        state = format!("{other:?}").to_lowercase()
                    ));
                }
            }
            let Some(mut ch) = authz.challenge(ChallengeType::Http01) else {
                return Err(tr!("acme-no-http01", name = name, challenge = "http-01"));
            };
            let file = challenges.join(&ch.token);
            fs::write_atomic(&file, ch.key_authorization().as_str().as_bytes(), 0o644)
                .map_err(|e| tr!("exec-cannot-write", path = file.display(), error = e))?;
            written.push(file);
            tokens.push((name, ch.token.clone()));
            ch.set_ready().await.map_err(api)?;
        }
    }
    let retry = RetryPolicy::new().timeout(Duration::from_secs(120));
    let status = order.poll_ready(&retry).await;
    if !matches!(status, Ok(OrderStatus::Ready)) {
        // Which name failed which challenge, in the CA's words.
        let mut failures = Vec::new();
        let mut authzs = order.authorizations();
        while let Some(Ok(mut authz)) = authzs.next().await {
            let _ = authz.refresh().await;
            let name = authz.identifier().to_string();
            for ch in &authz.challenges {
                if let Some(err) = &ch.error {
                    let kind = match &ch.r#type {
                        ChallengeType::Http01 => "http-01".to_string(),
                        ChallengeType::Dns01 => "dns-01".to_string(),
                        ChallengeType::TlsAlpn01 => "tls-alpn-01".to_string(),
                        other => format!("{other:?}"),
                    };
                    failures.push(tr!(
                        "acme-challenge-failed",
                        name = name.clone(),
                        challenge = kind,
                        error = err.detail.clone().unwrap_or_else(|| err.to_string())
                    ));
                }
            }
        }
        if failures.is_empty() {
            failures.push(match status {
                Err(e) => api(e),
                Ok(s) => tr!("acme-order-state", state = format!("{s:?}").to_lowercase()),
            });
        }
        let names = tokens.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>();
        return Err(tr!(
            "acme-failed",
            failures = failures.join("; "),
            names = names.join(", "),
            port = "80"
        ));
    }
    let key_pem = order.finalize().await.map_err(api)?;
    let chain_pem = order.poll_certificate(&retry).await.map_err(api)?;
    Ok((key_pem, chain_pem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::Owner;

    fn settings(names: &[&str]) -> Acme {
        Acme {
            directory: "https://ca.example/dir".into(),
            email: None,
            names: names.iter().map(|s| s.to_string()).collect(),
            cert: "/c".into(),
            key: "/k".into(),
            key_owner: Owner {
                user: "root".into(),
                group: "root".into(),
            },
            account_dir: "/a".into(),
            challenge_dir: "/w".into(),
            http01_listen: Vec::new(),
            hup_pid_file: None,
            directory_ca: None,
            deploy_hook: Vec::new(),
        }
    }

    /// A CA-issued certificate for `names` expiring `days` after `now`, in a file.
    fn issued(dir: &Path, names: &[&str], now: i64, days: i64) -> PathBuf {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "Test CA");
        let ca =
            rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate().unwrap()).unwrap();
        let mut p =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        let at = |t: i64| ::time::OffsetDateTime::UNIX_EPOCH + ::time::Duration::seconds(t);
        p.not_before = at(now - 86_400);
        p.not_after = at(now + days * 86_400 + 3_600);
        let cert = p
            .signed_by(&rcgen::KeyPair::generate().unwrap(), &ca)
            .unwrap();
        let path = dir.join(format!("{}-{days}.pem", names.join("_")));
        std::fs::write(&path, format!("{}{}", cert.pem(), ca.pem())).unwrap();
        path
    }

    #[test]
    fn a_certificate_is_due_when_missing_self_signed_short_of_a_name_or_under_30_days() {
        let dir = tempfile::tempdir().unwrap();
        let now = crate::plan::tls::now();
        let a = settings(&["matrix.example.org", "example.org"]);
        assert_eq!(
            due(&a, &dir.path().join("absent.pem"), now),
            Err(Due::Missing)
        );
        let ss = crate::exec::apply::self_signed(&a.names, now).unwrap();
        let stand_in = dir.path().join("stand-in.pem");
        std::fs::write(&stand_in, ss.cert.pem()).unwrap();
        assert_eq!(due(&a, &stand_in, now), Err(Due::StandIn));
        let one = issued(dir.path(), &["matrix.example.org"], now, 80);
        assert_eq!(
            due(&a, &one, now),
            Err(Due::NamesMissing(vec!["example.org".into()]))
        );
        let soon = issued(dir.path(), &["matrix.example.org", "example.org"], now, 20);
        assert_eq!(due(&a, &soon, now), Err(Due::Expiring { days: 20 }));
        let fine = issued(dir.path(), &["matrix.example.org", "example.org"], now, 31);
        assert_eq!(due(&a, &fine, now).map(|(d, _)| d), Ok(31));
    }
}
