//! Who we federate with and how: federation_domain_whitelist (synapse/config/federation.py:
//! when set, the only servers we talk to, either way; each entry a whole server name), and
//! the outbound federation TLS keys, as Synapse's synapse/config/tls.py reads them:
//! federation_verify_certificates (true), federation_custom_ca_list (PEM files that *replace*
//! the system's roots, as in Synapse; an empty list is an error) and
//! federation_certificate_verification_whitelist (glob patterns of hosts whose certificates
//! are not verified). Owns only reading and checking these keys; the TLS itself is built in
//! service/federation.

use std::path::PathBuf;

use super::problem::{Fix, Kind, Quoted};
use super::reader::Section;

/// How outbound federation connections verify the other server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationTlsConfig {
    /// federation_verify_certificates (default true).
    pub verify_certificates: bool,
    /// federation_custom_ca_list: each file's PEM certificates. When non-empty these are the
    /// only trusted roots (Synapse: "this list will replace those that are provided by your
    /// operating environment").
    pub custom_ca_list: Vec<PathBuf>,
    /// The PEM text read from `custom_ca_list`, one entry per file.
    pub custom_ca_pem: Vec<Vec<u8>>,
    /// federation_certificate_verification_whitelist: glob patterns (`*` and `?`), matched
    /// case-insensitively against the whole TLS server name.
    pub certificate_verification_whitelist: Vec<String>,
}

impl Default for FederationTlsConfig {
    fn default() -> Self {
        FederationTlsConfig {
            verify_certificates: true,
            custom_ca_list: Vec::new(),
            custom_ca_pem: Vec::new(),
            certificate_verification_whitelist: Vec::new(),
        }
    }
}

pub(super) fn read(r: &mut Section<'_>) -> FederationTlsConfig {
    let mut out = FederationTlsConfig {
        verify_certificates: r.boolean("federation_verify_certificates").unwrap_or(true),
        ..Default::default()
    };
    if let Some(list) = r.string_list("federation_custom_ca_list") {
        if list.is_empty() {
            r.error(
                "federation_custom_ca_list",
                Kind::CustomCaEmpty,
                Fix::CustomCaList,
            );
        }
        for (i, p) in list.iter().enumerate() {
            let path = std::path::absolute(p).unwrap_or_else(|_| PathBuf::from(p));
            let key = format!("federation_custom_ca_list[{i}]");
            match std::fs::read(&path) {
                Err(e) => r.error(
                    &key,
                    Kind::CannotRead {
                        path: path.display().to_string(),
                        error: e.to_string(),
                    },
                    Fix::ReadablePem,
                ),
                Ok(pem) if !contains_pem_certificate(&pem) => r.error(
                    &key,
                    Kind::CustomCaNoPem {
                        path: path.display().to_string(),
                    },
                    Fix::PemBlock,
                ),
                Ok(pem) => out.custom_ca_pem.push(pem),
            }
            out.custom_ca_list.push(path);
        }
    }
    out.certificate_verification_whitelist = r
        .string_list("federation_certificate_verification_whitelist")
        .unwrap_or_default();
    out
}

/// federation_domain_whitelist: `None` when unset (or null), else the server names allowed.
/// An entry that cannot be a server name never matches one; it is reported, not fatal, as
/// Synapse accepts it.
pub(super) fn read_domain_whitelist(r: &mut Section<'_>) -> Option<Vec<String>> {
    let list = r.string_list("federation_domain_whitelist")?;
    for (i, name) in list.iter().enumerate() {
        if ruma::ServerName::parse(name).is_err() {
            r.warning(
                &format!("federation_domain_whitelist[{i}]"),
                Kind::WhitelistNotServerName {
                    name: Quoted(name.clone()),
                },
            );
        }
    }
    Some(list)
}

fn contains_pem_certificate(pem: &[u8]) -> bool {
    let needle = b"-----BEGIN CERTIFICATE-----";
    pem.windows(needle.len()).any(|w| w == needle)
}

impl FederationTlsConfig {
    /// Whether certificates presented for `host` are verified (federation_verify_certificates,
    /// minus the hosts matching federation_certificate_verification_whitelist).
    pub fn verifies(&self, host: &str) -> bool {
        self.verify_certificates
            && !self
                .certificate_verification_whitelist
                .iter()
                .any(|g| glob_matches(g, host))
    }
}

/// Synapse's glob_to_regex: `*` any run of characters, `?` one, the rest literal; whole-string,
/// case-insensitive.
pub fn glob_matches(glob: &str, text: &str) -> bool {
    let g: Vec<char> = glob.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Iterative wildcard matching with backtracking to the last `*`.
    let (mut gi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if gi < g.len() && (g[gi] == '?' || g[gi] == t[ti]) {
            gi += 1;
            ti += 1;
        } else if gi < g.len() && g[gi] == '*' {
            star = Some((gi, ti));
            gi += 1;
        } else if let Some((sg, st)) = star {
            gi = sg + 1;
            ti = st + 1;
            star = Some((sg, st + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn globs_match_like_synapse() {
        assert!(glob_matches("*.example.org", "a.example.org"));
        assert!(glob_matches("*.example.org", "A.b.Example.org"));
        assert!(!glob_matches("*.example.org", "example.org"));
        assert!(glob_matches("matrix?.org", "matrix1.org"));
        assert!(!glob_matches("matrix?.org", "matrix.org"));
        assert!(glob_matches("exact.org", "exact.org"));
        assert!(!glob_matches("exact.org", "exact.org.evil"));
        assert!(glob_matches("*", "anything"));
    }
}
