//! A certificate from an ACME CA (RFC 8555) for matrixd's own TLS listeners (the `acme`
//! config section), with instant-acme: a background task reads the certificate on disk,
//! sleeps while it is not due (asking the CA nothing), and otherwise obtains a new one
//! through TLS-ALPN-01 (RFC 8737) answered on matrixd's own TLS listener (`tls::Certs`),
//! writes the key and chain (0600, atomically) only after they load as a pair, and serves
//! them to new connections at once. A failure keeps the current certificate and logs which
//! name failed which challenge and what to check. `due` and `challenge_failures` are also
//! what `matrixctl renew-certs` uses for its nginx certificates.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount,
    NewOrder, Order, OrderStatus, RetryPolicy,
};
use x509_parser::prelude::{GeneralName, parse_x509_certificate};

use crate::config::acme::AcmeConfig;
use crate::tls::Certs;

/// Why a certificate is due (what the CA is asked for, and why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    Missing,
    /// Self-signed: the stand-in `matrixctl install` makes so a server can start.
    StandIn,
    NamesMissing(Vec<String>),
    Expiring {
        days: i64,
    },
    Forced,
}

impl std::fmt::Display for Due {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Due::Missing => f.write_str("no certificate yet"),
            Due::StandIn => f.write_str("the certificate is a self-signed stand-in"),
            Due::NamesMissing(n) => write!(f, "the certificate does not cover {}", n.join(", ")),
            Due::Expiring { days } => write!(f, "{days} days left"),
            Due::Forced => f.write_str("renewal forced"),
        }
    }
}

/// A certificate that is not due: days left, its notAfter, and the second it becomes due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotDue {
    pub days: i64,
    pub not_after: String,
    pub due_at: i64,
}

/// Whether the certificate in `cert` must be obtained again for `names`, `threshold_days`
/// before it expires (a third of its lifetime for certificates that live shorter than that,
/// so a CA's short-lived certificates are not renewed in a loop). `now`: Unix seconds.
pub fn due(names: &[String], cert: &Path, threshold_days: i64, now: i64) -> Result<NotDue, Due> {
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
    let missing: Vec<String> = names
        .iter()
        .filter(|n| !covered.contains(&n.to_ascii_lowercase()))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(Due::NamesMissing(missing));
    }
    let (from, until) = (
        leaf.validity().not_before.timestamp(),
        leaf.validity().not_after.timestamp(),
    );
    let mut threshold = threshold_days * 86_400;
    if until - from <= threshold {
        threshold = (until - from) / 3;
    }
    let left = until - now;
    if left < threshold {
        return Err(Due::Expiring {
            days: left.div_euclid(86_400),
        });
    }
    Ok(NotDue {
        days: left.div_euclid(86_400),
        not_after: leaf.validity().not_after.to_string(),
        due_at: until - threshold,
    })
}

/// The name of a challenge type as RFC 8555 writes it.
pub fn challenge_name(t: &ChallengeType) -> String {
    match t {
        ChallengeType::Http01 => "http-01".into(),
        ChallengeType::Dns01 => "dns-01".into(),
        ChallengeType::TlsAlpn01 => "tls-alpn-01".into(),
        other => format!("{other:?}"),
    }
}

/// An error with its causes.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    msg
}

/// After an order failed: (name, challenge, the CA's detail) for every challenge in error.
pub async fn challenge_failures(order: &mut Order) -> Vec<(String, String, String)> {
    let mut failures = Vec::new();
    let mut authzs = order.authorizations();
    while let Some(Ok(mut authz)) = authzs.next().await {
        let _ = authz.refresh().await;
        let name = authz.identifier().to_string();
        for ch in &authz.challenges {
            if let Some(err) = &ch.error {
                failures.push((
                    name.clone(),
                    challenge_name(&ch.r#type),
                    err.detail.clone().unwrap_or_else(|| err.to_string()),
                ));
            }
        }
    }
    failures
}

/// The time now, in Unix seconds.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Keeps the certificate at `cert` (key at `key`) obtained and renewed, serving each new one
/// through `certs`; runs until the server stops.
pub async fn run(config: AcmeConfig, cert: PathBuf, key: PathBuf, certs: Arc<Certs>) {
    let mut failures: u32 = 0;
    loop {
        // Nothing served (the files were missing or did not load as a pair): due whatever
        // the certificate file says.
        let state = if certs.has_current() {
            due(
                &config.domains,
                &cert,
                i64::from(config.threshold_days),
                now(),
            )
        } else {
            Err(Due::Missing)
        };
        let wait = match state {
            Ok(state) => {
                tracing::info!(
                    cert = %cert.display(),
                    not_after = %state.not_after,
                    days_left = state.days,
                    "acme: the certificate is not due for renewal; the CA was not contacted"
                );
                failures = 0;
                // Checked again at least twice a day (the file may be replaced by hand).
                Duration::from_secs((state.due_at - now()).clamp(1, 12 * 3600) as u64)
            }
            Err(why) => {
                tracing::info!(
                    names = %config.domains.join(", "),
                    directory = %config.directory,
                    "acme: obtaining a certificate ({why})"
                );
                match obtain(&config, &cert, &key, &certs).await {
                    Ok(not_after) => {
                        tracing::info!(
                            names = %config.domains.join(", "),
                            cert = %cert.display(),
                            %not_after,
                            "acme: obtained a new certificate; serving it from now on, no restart"
                        );
                        failures = 0;
                        continue;
                    }
                    Err(e) => {
                        failures += 1;
                        // 10 minutes, doubling up to 12 hours: within the CA's rate limits.
                        let wait = Duration::from_secs(600 << (failures - 1).min(6))
                            .min(Duration::from_secs(12 * 3600));
                        tracing::error!(
                            names = %config.domains.join(", "),
                            directory = %config.directory,
                            retry_in_s = wait.as_secs(),
                            "acme: cannot obtain a certificate: {e}; {}",
                            if certs.has_current() {
                                "the current certificate stays in use"
                            } else {
                                "TLS connections fail until a certificate is obtained"
                            }
                        );
                        wait
                    }
                }
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// Why an ACME account could not be loaded or created.
#[derive(Debug)]
pub enum AccountError {
    /// The directory could not be reached, or refused (the error with its causes).
    Unreachable(String),
    /// The file is not an account this code wrote (why), or one of another directory.
    BadFile(String),
    /// The new account's file could not be written (its directory, or itself).
    Write(PathBuf, String),
}

/// Loads the ACME account in `file` (JSON: its key and URL), or creates it at `directory`
/// and writes the file once (0600, never overwritten: a second account would only add to
/// the CA's rate limits); `ca`, a PEM root, checks the directory's HTTPS instead of the
/// system's. Returns whether it was created. Used by matrixd and `matrixctl renew-certs`.
pub async fn account(
    directory: &str,
    ca: Option<&Path>,
    email: Option<&str>,
    file: &Path,
) -> Result<(Account, bool), AccountError> {
    let unreachable = |e: instant_acme::Error| AccountError::Unreachable(error_chain(&e));
    let builder = match ca {
        Some(ca) => Account::builder_with_root(ca),
        None => Account::builder(),
    }
    .map_err(unreachable)?;
    if let Ok(text) = std::fs::read(file) {
        let json: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| AccountError::BadFile(e.to_string()))?;
        if let Some(d) = json.get("directory").and_then(|d| d.as_str())
            && d != directory
        {
            return Err(AccountError::BadFile(format!(
                "an account of {d}, not of {directory}"
            )));
        }
        let creds: AccountCredentials =
            serde_json::from_value(json).map_err(|e| AccountError::BadFile(e.to_string()))?;
        let account = builder.from_credentials(creds).await.map_err(unreachable)?;
        return Ok((account, false));
    }
    let contact: Vec<String> = email.iter().map(|e| format!("mailto:{e}")).collect();
    let contact: Vec<&str> = contact.iter().map(String::as_str).collect();
    let (account, creds) = builder
        .create(
            &NewAccount {
                contact: &contact,
                terms_of_service_agreed: true,
                only_return_existing: false,
            },
            directory.to_string(),
            None,
        )
        .await
        .map_err(unreachable)?;
    let json = serde_json::to_vec_pretty(&creds)
        .map_err(|e| AccountError::Write(file.to_path_buf(), e.to_string()))?;
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| AccountError::Write(parent.to_path_buf(), e.to_string()))?;
    }
    crate::keys::write_private_file(file, &json)
        .map_err(|e| AccountError::Write(file.to_path_buf(), format!("{e:#}")))?;
    Ok((account, true))
}

/// [`account`] for the `acme` section, its errors in words.
async fn section_account(c: &AcmeConfig) -> Result<Account, String> {
    let file = &c.account_key_file;
    match account(
        &c.directory,
        c.directory_ca_file.as_deref(),
        c.email.as_deref(),
        file,
    )
    .await
    {
        Ok((account, created)) => {
            if created {
                tracing::info!(path = %file.display(), directory = %c.directory, "acme: created an account");
            }
            Ok(account)
        }
        Err(AccountError::Unreachable(e)) => Err(format!(
            "cannot reach the ACME directory {}: {e}",
            c.directory
        )),
        Err(AccountError::BadFile(e)) => Err(format!(
            "account_key_file {} is not an account of acme.url: {e}; point account_key_file at another file to create one",
            file.display()
        )),
        Err(AccountError::Write(path, e)) => Err(format!("cannot write {}: {e}", path.display())),
    }
}

/// Removes the challenge certificates when the order is done, however it ends.
struct Answering<'a> {
    certs: &'a Certs,
    names: Vec<String>,
}

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        for n in &self.names {
            self.certs.remove_challenge(n);
        }
    }
}

/// The TLS-ALPN-01 certificate for `name`: self-signed, the name as its only SAN, and the
/// critical acmeIdentifier extension holding the SHA-256 of the key authorization.
fn challenge_cert(name: &str, digest: &[u8]) -> Result<Arc<rustls::sign::CertifiedKey>, String> {
    let mut params =
        rcgen::CertificateParams::new(vec![name.to_string()]).map_err(|e| e.to_string())?;
    params.custom_extensions = vec![rcgen::CustomExtension::new_acme_identifier(digest)];
    let key = rcgen::KeyPair::generate().map_err(|e| e.to_string())?;
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    // Not `tls::parse_pair`: its key check parses the certificate, which refuses the critical
    // extension only ACME validators know.
    let signing = rustls::crypto::ring::default_provider()
        .key_provider
        .load_private_key(rustls::pki_types::PrivateKeyDer::Pkcs8(
            key.serialize_der().into(),
        ))
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(rustls::sign::CertifiedKey::new(
        vec![cert.der().clone()],
        signing,
    )))
}

/// One order: every name's TLS-ALPN-01 challenge answered through `certs`; on success the new
/// pair is written and served. Returns the new certificate's notAfter.
async fn obtain(c: &AcmeConfig, cert: &Path, key: &Path, certs: &Certs) -> Result<String, String> {
    let account = section_account(c).await?;
    let refused =
        |e: instant_acme::Error| format!("the CA at {} refused: {}", c.directory, error_chain(&e));
    let ids: Vec<Identifier> = c
        .domains
        .iter()
        .map(|n| Identifier::Dns(n.clone()))
        .collect();
    let mut order = account
        .new_order(&NewOrder::new(&ids))
        .await
        .map_err(refused)?;
    let mut answering = Answering {
        certs,
        names: Vec::new(),
    };
    {
        let mut authzs = order.authorizations();
        while let Some(authz) = authzs.next().await {
            let mut authz = authz.map_err(refused)?;
            let name = authz.identifier().to_string();
            match authz.status {
                AuthorizationStatus::Valid => continue,
                AuthorizationStatus::Pending => {}
                other => {
                    return Err(format!(
                        "the CA's authorization for {name} is {}",
                        format!("{other:?}").to_lowercase()
                    ));
                }
            }
            let Some(mut ch) = authz.challenge(ChallengeType::TlsAlpn01) else {
                return Err(format!(
                    "the CA offers no tls-alpn-01 challenge for {name} (matrixd answers only tls-alpn-01; use a CA that offers it, or a reverse proxy with matrixctl's http-01)"
                ));
            };
            let answer = challenge_cert(&name, ch.key_authorization().digest().as_ref())?;
            certs.add_challenge(&name, answer);
            answering.names.push(name);
            ch.set_ready().await.map_err(refused)?;
        }
    }
    let retry = RetryPolicy::new().timeout(Duration::from_secs(120));
    let status = order.poll_ready(&retry).await;
    if !matches!(status, Ok(OrderStatus::Ready)) {
        let mut failures: Vec<String> = challenge_failures(&mut order)
            .await
            .into_iter()
            .map(|(name, challenge, detail)| {
                format!("{name} failed the {challenge} challenge: {detail}")
            })
            .collect();
        if failures.is_empty() {
            failures.push(match status {
                Err(e) => refused(e),
                Ok(s) => format!("the order is {}", format!("{s:?}").to_lowercase()),
            });
        }
        return Err(format!(
            "{}. Check that the DNS A/AAAA records of {} point at this server and that its port 443 reaches matrixd's TLS listener (the CA connects there with ALPN acme-tls/1)",
            failures.join("; "),
            answering.names.join(", ")
        ));
    }
    drop(answering);
    let key_pem = order.finalize().await.map_err(refused)?;
    let chain_pem = order.poll_certificate(&retry).await.map_err(refused)?;
    let pair = crate::tls::parse_pair(chain_pem.as_bytes(), key_pem.as_bytes()).map_err(|e| {
        format!(
            "the CA at {} sent a certificate that does not load: {e}",
            c.directory
        )
    })?;
    crate::keys::replace_private_files(&[(key, key_pem.as_bytes()), (cert, chain_pem.as_bytes())])
        .map_err(|e| format!("{e:#}"))?;
    certs.set(pair);
    Ok(due(&c.domains, cert, 0, now())
        .map(|s| s.not_after)
        .unwrap_or_default())
}
