//! Checks an existing certificate before it is used: a PEM full chain whose certificates each
//! name the next as issuer, currently valid, and matching the private key. Reads bytes only.

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Problems with (cert file bytes, key file bytes), as one message; `Ok` when usable.
pub fn check_pair(cert_pem: &[u8], key_pem: &[u8]) -> Result<(), String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the certificate file is not PEM: {e}"))?;
    if certs.is_empty() {
        return Err("the certificate file holds no certificate".into());
    }
    let parsed = certs
        .iter()
        .map(|c| x509_parser::parse_x509_certificate(c.as_ref()).map(|(_, c)| c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("a certificate cannot be parsed: {e}"))?;
    let leaf = &parsed[0];
    if !leaf.validity().is_valid() {
        return Err(format!(
            "the certificate for {} is not valid now (valid from {} to {})",
            leaf.subject(),
            leaf.validity().not_before,
            leaf.validity().not_after
        ));
    }
    let self_signed = leaf.subject().as_raw() == leaf.issuer().as_raw();
    if !self_signed && parsed.len() < 2 {
        return Err(format!(
            "the file holds only the certificate for {}, not the full chain: add the intermediate certificate(s) issued by {} after it (certbot: fullchain.pem, not cert.pem)",
            leaf.subject(),
            leaf.issuer()
        ));
    }
    for pair in parsed.windows(2) {
        if pair[0].issuer().as_raw() != pair[1].subject().as_raw() {
            return Err(format!(
                "the chain is out of order: {} is issued by {}, but the next certificate is {}",
                pair[0].subject(),
                pair[0].issuer(),
                pair[1].subject()
            ));
        }
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| format!("the key file holds no PEM private key: {e}"))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| format!("the private key cannot be used: {e}"))?;
    let Some(spki) = signing.public_key() else {
        return Err("cannot derive the public key of the private key".into());
    };
    if spki.as_ref() != leaf.tbs_certificate.subject_pki.raw {
        return Err(format!(
            "the private key does not belong to the certificate for {}",
            leaf.subject()
        ));
    }
    Ok(())
}
