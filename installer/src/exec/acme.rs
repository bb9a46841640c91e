//! A certificate from an ACME CA (RFC 8555), with instant-acme: decides from the certificate on
//! disk whether one is due (no certificate, the self-signed stand-in, a name missing, fewer
//! than `RENEW_DAYS` days left) and asks the CA for nothing when it is not; otherwise loads
//! (or creates, once) the account, answers each name's HTTP-01 challenge from the webroot nginx
//! serves, and writes the new key and full chain only after the chain checks out, so a failure
//! leaves the previous certificate in place. Used by `install` (`Step::Acme`) and by
//! `matrixctl renew-certs`; it neither prints nor reloads anything (`deploy` does that).
//! Without nginx matrixd obtains its certificate itself (its `acme` section, `matrixd::acme`,
//! whose `due` and `challenge_failures` this shares).

use std::path::{Path, PathBuf};
use std::time::Duration;

use instant_acme::{
    Account, AuthorizationStatus, ChallengeType, Identifier, NewOrder, OrderStatus, RetryPolicy,
};
use matrixd::acme::error_chain as chain;
use x509_parser::prelude::*;

use crate::exec::fs;
use crate::facts::under;
use crate::plan::model::Acme;
use crate::plan::tls::RENEW_DAYS;
use crate::tr;

pub use matrixd::acme::Due;

/// Why a certificate is due, in the user's language.
pub fn describe(due: &Due) -> String {
    match due {
        Due::Missing => tr!("acme-due-missing"),
        Due::StandIn => tr!("acme-due-stand-in"),
        Due::NamesMissing(n) => tr!("acme-due-names", names = n.join(", ")),
        Due::Expiring { days } => tr!("acme-due-expiring", n = days, limit = RENEW_DAYS),
        Due::Forced => tr!("acme-due-forced", flag = "--force"),
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
    matrixd::acme::due(&a.names, cert, RENEW_DAYS, now).map(|s| (s.days, s.not_after))
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
    crate::plan::tls::account_file_in(&a.account_dir, &a.directory)
}

async fn account(a: &Acme, root: &Path) -> Result<Account, String> {
    use matrixd::acme::AccountError;
    let file = under(root, &account_file(a));
    matrixd::acme::account(
        &a.directory,
        a.directory_ca.as_deref(),
        a.email.as_deref(),
        &file,
    )
    .await
    .map(|(account, _)| account)
    .map_err(|e| match e {
        AccountError::Unreachable(error) => {
            tr!("acme-cannot-reach", directory = a.directory, error = error)
        }
        AccountError::BadFile(error) => {
            tr!("acme-bad-account", path = file.display(), error = error)
        }
        AccountError::Write(path, error) => {
            tr!("exec-cannot-write", path = path.display(), error = error)
        }
    })
}

/// The order, its challenges answered; returns (key PEM, full chain PEM).
async fn obtain(
    a: &Acme,
    root: &Path,
    challenges: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<(String, String), String> {
    let account = account(a, root).await?;
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
        let mut failures: Vec<String> = matrixd::acme::challenge_failures(&mut order)
            .await
            .into_iter()
            .map(|(name, challenge, error)| {
                tr!(
                    "acme-challenge-failed",
                    name = name,
                    challenge = challenge,
                    error = error
                )
            })
            .collect();
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
            directory_ca: None,
            deploy_hook: Vec::new(),
        }
    }

    /// A CA-issued certificate for `names`, issued `age` days before `now` and expiring `days`
    /// after it, in a file.
    fn issued(dir: &Path, names: &[&str], now: i64, (age, days): (i64, i64)) -> PathBuf {
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
        p.not_before = at(now - age * 86_400);
        p.not_after = at(now + days * 86_400 + 3_600);
        let cert = p
            .signed_by(&rcgen::KeyPair::generate().unwrap(), &ca)
            .unwrap();
        let path = dir.join(format!("{}-{age}-{days}.pem", names.join("_")));
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
        let one = issued(dir.path(), &["matrix.example.org"], now, (10, 80));
        assert_eq!(
            due(&a, &one, now),
            Err(Due::NamesMissing(vec!["example.org".into()]))
        );
        let soon = issued(
            dir.path(),
            &["matrix.example.org", "example.org"],
            now,
            (70, 20),
        );
        assert_eq!(due(&a, &soon, now), Err(Due::Expiring { days: 20 }));
        let fine = issued(
            dir.path(),
            &["matrix.example.org", "example.org"],
            now,
            (59, 31),
        );
        assert_eq!(due(&a, &fine, now).map(|(d, _)| d), Ok(31));
        // A certificate that lives fewer than 30 days (a CA's short-lived profile) is renewed
        // when a third of its life remains, not at once after every renewal.
        let short = issued(
            dir.path(),
            &["matrix.example.org", "example.org"],
            now,
            (2, 4),
        );
        assert_eq!(due(&a, &short, now).map(|(d, _)| d), Ok(4));
        let short = issued(
            dir.path(),
            &["matrix.example.org", "example.org"],
            now,
            (5, 1),
        );
        assert_eq!(due(&a, &short, now), Err(Due::Expiring { days: 1 }));
    }
}
