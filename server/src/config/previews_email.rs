//! URL-preview, outbound-IP and email settings with Synapse's key names and defaults:
//! url_preview_enabled (false), url_preview_ip_range_blacklist (required when enabled),
//! url_preview_ip_range_whitelist, url_preview_url_blacklist, max_spider_size (10M),
//! url_preview_accept_language (["en"]), ip_range_blacklist (Synapse's 19 ranges) /
//! ip_range_whitelist, and the `email` section. Owns only reading and checking these keys.

use ipnet::IpNet;
use yaml_serde::Value;

use super::Secret;
use super::problem::{Expected, Fix, Kind, Quoted};
use super::reader::{Section, describe};

/// Synapse's DEFAULT_IP_RANGE_BLACKLIST (synapse/config/server.py).
pub const DEFAULT_IP_RANGE_BLACKLIST: &[&str] = &[
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "192.0.0.0/24",
    "169.254.0.0/16",
    "192.88.99.0/24",
    "198.18.0.0/15",
    "192.0.2.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "::1/128",
    "fe80::/10",
    "fc00::/7",
    "2001:db8::/32",
    "ff00::/8",
    "fec0::/10",
];

/// Synapse's max_spider_size default ("10M").
pub const DEFAULT_MAX_SPIDER_SIZE: u64 = 10 * 1024 * 1024;

/// One url_preview_url_blacklist entry: every (URL part, glob or `^regex`) must match.
pub type UrlBlacklistEntry = Vec<(String, String)>;

/// The URL parts Synapse's entries may name (Python's urlsplit attributes).
pub const URL_PARTS: &[&str] = &[
    "scheme", "netloc", "path", "query", "fragment", "username", "password", "hostname", "port",
];

#[derive(Debug, Clone, Default)]
pub struct UrlPreviewConfig {
    pub enabled: bool,
    /// url_preview_ip_range_blacklist plus 0.0.0.0 and ::, which are always blocked.
    pub ip_range_blacklist: Vec<IpNet>,
    pub ip_range_whitelist: Vec<IpNet>,
    pub url_blacklist: Vec<UrlBlacklistEntry>,
    pub max_spider_size: u64,
    pub accept_language: Vec<String>,
}

/// ip_range_blacklist / ip_range_whitelist: what no outbound request may reach.
#[derive(Debug, Clone)]
pub struct OutboundIpConfig {
    pub ip_range_blacklist: Vec<IpNet>,
    pub ip_range_whitelist: Vec<IpNet>,
}

impl Default for OutboundIpConfig {
    fn default() -> Self {
        let mut bl: Vec<IpNet> = DEFAULT_IP_RANGE_BLACKLIST
            .iter()
            .map(|s| s.parse().expect("static range"))
            .collect();
        bl.extend(always_blocked());
        OutboundIpConfig {
            ip_range_blacklist: bl,
            ip_range_whitelist: Vec::new(),
        }
    }
}

/// The `email` section, as Synapse's emailconfig.py reads it.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_user: Option<String>,
    pub smtp_pass: Option<Secret>,
    pub require_transport_security: bool,
    pub enable_tls: bool,
    pub force_tls: bool,
    pub notif_from: String,
    pub app_name: String,
    pub client_base_url: Option<String>,
    pub validation_token_lifetime_ms: u64,
}

fn always_blocked() -> [IpNet; 2] {
    [
        "0.0.0.0/32".parse().expect("static"),
        "::/128".parse().expect("static"),
    ]
}

fn ranges(r: &mut Section<'_>, key: &str) -> Option<Vec<IpNet>> {
    let list = r.string_list(key)?;
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let parsed = s
            .parse::<IpNet>()
            .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from));
        match parsed {
            Ok(n) => out.push(n),
            Err(_) => r.error(
                &format!("{key}[{i}]"),
                Kind::InvalidIpRange { value: s.clone() },
                Fix::IpRange,
            ),
        }
    }
    Some(out)
}

fn url_blacklist(r: &mut Section<'_>) -> Vec<UrlBlacklistEntry> {
    let Some(items) = r.list("url_preview_url_blacklist") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("url_preview_url_blacklist[{i}]");
        let Value::Mapping(m) = item else {
            r.error(
                &format!("url_preview_url_blacklist[{i}]"),
                Kind::WrongType {
                    expected: Expected::UrlPatterns,
                    found: describe(item),
                },
                Fix::UrlBlacklistEntry,
            );
            continue;
        };
        let mut entry = Vec::new();
        for (k, v) in m {
            match (k.as_str(), v) {
                (Some(part), Value::String(pat)) if URL_PARTS.contains(&part) => {
                    entry.push((part.to_string(), pat.clone()))
                }
                (Some(part), _) if !URL_PARTS.contains(&part) => r.error(
                    &format!("url_preview_url_blacklist[{i}].{part}"),
                    Kind::UnknownUrlPart,
                    Fix::UrlParts {
                        parts: URL_PARTS.join(", "),
                    },
                ),
                _ => r.error(&path, Kind::PatternsNotStrings, Fix::QuotePattern),
            }
        }
        out.push(entry);
    }
    out
}

/// Reads the url_preview_* keys, max_spider_size and ip_range_*.
pub(super) fn read_previews(r: &mut Section<'_>) -> (UrlPreviewConfig, OutboundIpConfig) {
    let mut outbound = OutboundIpConfig::default();
    if let Some(mut bl) = ranges(r, "ip_range_blacklist") {
        bl.extend(always_blocked());
        outbound.ip_range_blacklist = bl;
    }
    outbound.ip_range_whitelist = ranges(r, "ip_range_whitelist").unwrap_or_default();

    let enabled = r.boolean("url_preview_enabled").unwrap_or(false);
    let has_blacklist = r.contains("url_preview_ip_range_blacklist");
    let mut ip_range_blacklist = ranges(r, "url_preview_ip_range_blacklist").unwrap_or_default();
    ip_range_blacklist.extend(always_blocked());
    if enabled && !has_blacklist {
        r.error(
            "url_preview_ip_range_blacklist",
            Kind::PreviewNoBlacklist,
            Fix::PreviewBlacklist,
        );
    }
    let ip_range_whitelist = ranges(r, "url_preview_ip_range_whitelist").unwrap_or_default();
    let url_blacklist = url_blacklist(r);
    let max_spider_size = match r.raw("max_spider_size") {
        None => DEFAULT_MAX_SPIDER_SIZE,
        Some(v) => super::parse_size(v).unwrap_or_else(|e| {
            r.error("max_spider_size", e, Fix::SpiderSize);
            DEFAULT_MAX_SPIDER_SIZE
        }),
    };
    let accept_language = match r.raw("url_preview_accept_language") {
        None => vec!["en".to_string()],
        Some(_) => r
            .string_list("url_preview_accept_language")
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| vec!["en".to_string()]),
    };
    let previews = UrlPreviewConfig {
        enabled,
        ip_range_blacklist,
        ip_range_whitelist,
        url_blacklist,
        max_spider_size,
        accept_language,
    };
    (previews, outbound)
}

/// Keys of the `email` section matrixd reads.
pub const EMAIL: &[&str] = &[
    "smtp_host",
    "smtp_port",
    "smtp_user",
    "smtp_pass",
    "require_transport_security",
    "enable_tls",
    "force_tls",
    "notif_from",
    "app_name",
    "client_base_url",
    "validation_token_lifetime",
];

/// Keys of Synapse's `email` section matrixd does not read (templates, notifications).
pub const SYNAPSE_EMAIL: &[&str] = &[
    "tlsname",
    "template_dir",
    "enable_notifs",
    "notif_for_new_users",
    "notif_delay_before_mail",
    "riot_base_url",
    "subjects",
    "invite_client_location",
    "password_reset_template_html",
    "password_reset_template_text",
    "registration_template_html",
    "registration_template_text",
    "add_threepid_template_html",
    "add_threepid_template_text",
    "password_reset_template_failure_html",
    "registration_template_failure_html",
    "add_threepid_template_failure_html",
    "password_reset_template_success_html",
    "registration_template_success_html",
    "add_threepid_template_success_html",
];

/// Reads the `email` section; `None` when absent or empty (Synapse: can_verify_email false).
/// `has_public_baseurl`: links in mails live under public_baseurl, so it must be set.
pub(super) fn read_email(r: &mut Section<'_>, has_public_baseurl: bool) -> Option<EmailConfig> {
    let mut s = r.section("email")?;
    let force_tls = s.boolean("force_tls").unwrap_or(false);
    let smtp_host = s.string("smtp_host").unwrap_or_else(|| "localhost".into());
    let smtp_port = s
        .integer("smtp_port", 1, 65535)
        .map(|p| p as u16)
        .unwrap_or(if force_tls { 465 } else { 25 });
    let smtp_user = s.string("smtp_user");
    let smtp_pass = s.string("smtp_pass").map(Secret);
    let require_transport_security = s.boolean("require_transport_security").unwrap_or(false);
    let enable_tls = s.boolean("enable_tls").unwrap_or(true);
    if force_tls && !enable_tls {
        s.error("force_tls", Kind::ForceTlsNeedsTls, Fix::ForceTls);
    }
    if require_transport_security && !enable_tls {
        s.error(
            "require_transport_security",
            Kind::TransportSecurityNeedsTls,
            Fix::EnableTls,
        );
    }
    let notif_from = s.string("notif_from");
    let app_name = s.string("app_name").unwrap_or_else(|| "Matrix".into());
    let client_base_url = s.string("client_base_url");
    let validation_token_lifetime_ms = match s.raw("validation_token_lifetime") {
        None => 3600 * 1000,
        Some(v) => super::parse_duration_ms(v).unwrap_or_else(|e| {
            s.error("validation_token_lifetime", e, Fix::DurationHours);
            3600 * 1000
        }),
    };
    if let Some(from) = &notif_from
        && !valid_from(from)
    {
        s.error(
            "notif_from",
            Kind::InvalidNotifFrom {
                from: Quoted(from.clone()),
            },
            Fix::NotifFromExample,
        );
    }
    if notif_from.is_none() {
        s.error("notif_from", Kind::NotifFromRequired, Fix::SetNotifFrom);
    }
    s.finish(EMAIL, SYNAPSE_EMAIL);
    if !has_public_baseurl {
        r.error("email", Kind::EmailNoBaseurl, Fix::EmailBaseurl);
    }
    Some(EmailConfig {
        smtp_host,
        smtp_port,
        smtp_user,
        smtp_pass,
        require_transport_security,
        enable_tls,
        force_tls,
        notif_from: notif_from?,
        app_name,
        client_base_url,
        validation_token_lifetime_ms,
    })
}

fn valid_from(from: &str) -> bool {
    let addr = match (from.rfind('<'), from.rfind('>')) {
        (Some(a), Some(b)) if a < b => &from[a + 1..b],
        _ => from.trim(),
    };
    matches!(addr.split_once('@'), Some((l, d)) if !l.is_empty() && !d.is_empty() && !addr.contains(char::is_whitespace))
}
