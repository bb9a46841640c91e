//! matrixd's own TLS (listeners with `tls: true`): one certificate resolver shared by every TLS
//! listener, so a new certificate — the files read again on SIGHUP, or one `acme` obtained —
//! is served to new connections without a restart, and a pair that does not load never
//! replaces the one in use. With `acme` it also answers TLS-ALPN-01 handshakes (RFC 8737:
//! ALPN `acme-tls/1`) with the challenge certificate of the name asked for.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// The ALPN protocol of TLS-ALPN-01 validation connections.
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// What the TLS listeners present: the current certificate, and the challenge certificates of
/// an ACME order in progress (by name).
#[derive(Debug, Default)]
pub struct Certs {
    current: RwLock<Option<Arc<CertifiedKey>>>,
    challenges: RwLock<HashMap<String, Arc<CertifiedKey>>>,
}

impl Certs {
    /// Serves `key` to every new connection from now on.
    pub fn set(&self, key: Arc<CertifiedKey>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(key);
    }

    pub fn has_current(&self) -> bool {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Answers TLS-ALPN-01 for `name` with `key` (until `remove_challenge`).
    pub fn add_challenge(&self, name: &str, key: Arc<CertifiedKey>) {
        self.challenges
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_ascii_lowercase(), key);
    }

    pub fn remove_challenge(&self, name: &str) {
        self.challenges
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&name.to_ascii_lowercase());
    }

    /// Reads the pair from the files and serves it; on error the current one stays.
    pub fn load_files(&self, cert: &Path, key: &Path) -> Result<(), String> {
        let pair = read_pair(cert, key)?;
        self.set(pair);
        Ok(())
    }
}

impl ResolvesServerCert for Certs {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let validation = hello
            .alpn()
            .is_some_and(|mut protocols| protocols.any(|p| p == ACME_TLS_ALPN));
        if validation {
            let name = hello.server_name()?.to_ascii_lowercase();
            return self
                .challenges
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(&name)
                .cloned();
        }
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A certificate chain (PEM, leaf first) and its private key (PEM), checked to match.
pub fn read_pair(cert: &Path, key: &Path) -> Result<Arc<CertifiedKey>, String> {
    let chain = std::fs::read(cert).map_err(|e| format!("{}: {e}", cert.display()))?;
    let key_pem = std::fs::read(key).map_err(|e| format!("{}: {e}", key.display()))?;
    parse_pair(&chain, &key_pem)
        .map_err(|e| format!("{} with {}: {e}", cert.display(), key.display()))
}

/// [`read_pair`] on PEM text.
pub fn parse_pair(chain: &[u8], key: &[u8]) -> Result<Arc<CertifiedKey>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("not a PEM certificate chain: {e}"))?;
    if certs.is_empty() {
        return Err("no certificate in the PEM text".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| format!("no PEM private key: {e}"))?;
    let provider = rustls::crypto::ring::default_provider();
    CertifiedKey::from_der(certs, key, &provider)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// The TLS settings of every TLS listener: certificates from `certs`, HTTP/2 and HTTP/1.1,
/// and `acme-tls/1` when matrixd answers TLS-ALPN-01.
pub fn server_config(certs: Arc<Certs>, acme: bool) -> Arc<rustls::ServerConfig> {
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default protocol versions")
    .with_no_client_auth()
    .with_cert_resolver(certs);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    if acme {
        config.alpn_protocols.push(ACME_TLS_ALPN.to_vec());
    }
    Arc::new(config)
}
