//! Checks an existing certificate before it is used: a PEM full chain whose certificates each
//! name the next as issuer, currently valid, and matching the private key; and says when a
//! certificate we manage is due for renewal. Reads bytes only.

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Problems with (cert file bytes, key file bytes), as one message; `Ok` when usable.
pub fn check_pair(cert_pem: &[u8], key_pem: &[u8]) -> Result<(), String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| crate::tr!("ptls-not-pem", error = e))?;
    if certs.is_empty() {
        return Err(crate::tr!("ptls-no-cert"));
    }
    let parsed = certs
        .iter()
        .map(|c| x509_parser::parse_x509_certificate(c.as_ref()).map(|(_, c)| c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| crate::tr!("ptls-unparsable", error = e))?;
    let leaf = &parsed[0];
    if !leaf.validity().is_valid() {
        return Err(crate::tr!(
            "ptls-not-valid",
            subject = leaf.subject(),
            from = leaf.validity().not_before,
            to = leaf.validity().not_after
        ));
    }
    let self_signed = leaf.subject().as_raw() == leaf.issuer().as_raw();
    if !self_signed && parsed.len() < 2 {
        return Err(crate::tr!(
            "ptls-no-chain",
            subject = leaf.subject(),
            issuer = leaf.issuer(),
            fullchain = "fullchain.pem",
            cert = "cert.pem"
        ));
    }
    for pair in parsed.windows(2) {
        if pair[0].issuer().as_raw() != pair[1].subject().as_raw() {
            return Err(crate::tr!(
                "ptls-order",
                subject = pair[0].subject(),
                issuer = pair[0].issuer(),
                next = pair[1].subject()
            ));
        }
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| crate::tr!("ptls-key-not-pem", error = e))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| crate::tr!("ptls-key-unusable", error = e))?;
    let Some(spki) = signing.public_key() else {
        return Err(crate::tr!("ptls-no-public"));
    };
    if spki.as_ref() != leaf.tbs_certificate.subject_pki.raw {
        return Err(crate::tr!("ptls-key-mismatch", subject = leaf.subject()));
    }
    Ok(())
}

/// A certificate matrixctl manages (self-signed or ACME) is renewed when fewer days remain.
pub const RENEW_DAYS: i64 = 30;

/// Seconds until the first certificate in `cert_pem` expires (negative once it has), or `None`
/// when there is no readable certificate.
pub fn seconds_left(cert_pem: &[u8], now: i64) -> Option<i64> {
    let der = CertificateDer::pem_slice_iter(cert_pem).next()?.ok()?;
    let (_, leaf) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    Some(leaf.validity().not_after.timestamp() - now)
}

/// Whether a managed certificate must be made again: unreadable, or fewer than `RENEW_DAYS`
/// days left.
pub fn due(cert_pem: &[u8], now: i64) -> bool {
    seconds_left(cert_pem, now).is_none_or(|s| s < RENEW_DAYS * 86_400)
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `dir/account-HOST.json` for the ACME directory URL `directory`.
pub fn account_file_in(dir: &std::path::Path, directory: &str) -> std::path::PathBuf {
    let host = url::Url::parse(directory)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}_{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| "acme".into());
    dir.join(format!("account-{host}.json"))
}
