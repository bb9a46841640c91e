//! The `acme` section: matrixd obtains and renews its own TLS certificate from an ACME CA
//! (RFC 8555), answering TLS-ALPN-01 (RFC 8737) on its TLS listener. Synapse's historical keys
//! where they fit (`enabled`, `url`, `domain`, `account_key_file`, `reprovision_threshold`),
//! plus `email` and `directory_ca_file`; Synapse's `port` and `bind_addresses` (its HTTP-01
//! listener) are not read. The client is `crate::acme`.

use std::path::{Path, PathBuf};

use yaml_serde::Value;

use super::known;
use super::problem::{Expected, Fix, Kind};
use super::reader::{Section, describe};

/// Let's Encrypt's production directory (Synapse's default was its retired v1 API).
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Synapse's default `reprovision_threshold`, in days.
pub const DEFAULT_THRESHOLD_DAYS: u32 = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcmeConfig {
    /// `url`: the ACME directory.
    pub directory: String,
    /// `domain`: one name or a list; every name the certificate covers (default server_name).
    pub domains: Vec<String>,
    /// `account_key_file`: the ACME account (its key and URL, JSON), created once, mode 0600.
    pub account_key_file: PathBuf,
    /// `reprovision_threshold`: renew when fewer than this many days remain.
    pub threshold_days: u32,
    /// `email`: the account's contact, for the CA's expiry notices.
    pub email: Option<String>,
    /// `directory_ca_file`: a PEM root the directory's HTTPS is checked against instead of the
    /// system's (a private CA, or a test CA).
    pub directory_ca_file: Option<PathBuf>,
}

/// Reads `acme`; `None` when absent or not enabled. `cert` is `tls_certificate_path` (the
/// account file defaults to `acme_account.json` beside it).
pub fn read(
    r: &mut Section<'_>,
    server_name: Option<&str>,
    cert: Option<&Path>,
) -> Option<AcmeConfig> {
    let mut s = r.section("acme")?;
    let enabled = s.boolean("enabled").unwrap_or(false);
    let directory = s.string("url").unwrap_or_else(|| LETS_ENCRYPT.to_string());
    let domains = match s.raw("domain") {
        None => server_name.map(|n| vec![n.to_string()]).unwrap_or_default(),
        Some(Value::String(d)) => vec![d.clone()],
        Some(Value::Sequence(_)) => s.string_list("domain").unwrap_or_default(),
        Some(other) => {
            s.error(
                "domain",
                Kind::WrongType {
                    expected: Expected::NameOrList,
                    found: describe(other),
                },
                Fix::AcmeDomain,
            );
            Vec::new()
        }
    };
    let account_key_file = s
        .string("account_key_file")
        .map(|p| super::check::absolute(&p));
    let threshold_days = s
        .integer("reprovision_threshold", 1, 365)
        .map(|d| d as u32)
        .unwrap_or(DEFAULT_THRESHOLD_DAYS);
    let email = s.string("email");
    let directory_ca_file = s
        .string("directory_ca_file")
        .map(|p| super::check::absolute(&p));
    s.finish(known::ACME, known::SYNAPSE_ACME);
    if !enabled {
        return None;
    }
    match url::Url::parse(&directory) {
        Ok(u) if u.scheme() == "https" => {}
        _ => r.error(
            "acme.url",
            Kind::NotHttpsUrl {
                url: directory.as_str().into(),
            },
            Fix::AcmeDirectory {
                url: LETS_ENCRYPT.to_string(),
            },
        ),
    }
    for d in &domains {
        if !super::is_valid_server_name(d)
            || d.contains(':')
            || d.parse::<std::net::IpAddr>().is_ok()
        {
            r.error(
                "acme.domain",
                Kind::NotDnsName {
                    name: d.as_str().into(),
                },
                Fix::DnsNamesOnly,
            );
        }
    }
    if domains.is_empty() {
        r.error("acme.domain", Kind::NoDomain, Fix::AcmeDomains);
    }
    let Some(cert) = cert else {
        r.error("acme.enabled", Kind::AcmeNeedsTlsPaths, Fix::AcmeTlsPaths);
        return None;
    };
    if let Some(ca) = &directory_ca_file
        && !ca.is_file()
    {
        r.error(
            "acme.directory_ca_file",
            Kind::FileMissing {
                path: ca.display().to_string(),
            },
            Fix::DirectoryCa,
        );
    }
    let account_key_file =
        account_key_file.unwrap_or_else(|| cert.with_file_name("acme_account.json"));
    Some(AcmeConfig {
        directory,
        domains,
        account_key_file,
        threshold_days,
        email,
        directory_ca_file,
    })
}
