//! Every install question, declared once: its answers-file key, flag, prompt, default and
//! validator. The same validator runs on typed input, on flags and on the answers file.

use crate::wizard::answers::Raw;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// One of these values (the first is listed first in the wizard).
    Choice(&'static [&'static str]),
    YesNo,
    /// Repeatable flag; a TOML array in the answers file.
    List,
}

pub struct Question {
    /// Key in the answers file.
    pub key: &'static str,
    /// The flag that answers it.
    pub flag: &'static str,
    pub prompt: &'static str,
    /// Shown before the prompt.
    pub help: &'static str,
    pub kind: Kind,
    /// Required without a default: with `--yes` or no terminal, a missing answer is an error.
    pub required: bool,
    /// The default, from the answers so far (`None`: no default).
    pub default: fn(&Raw) -> Option<String>,
    /// Whether the question applies, given the answers so far.
    pub applies: fn(&Raw) -> bool,
    pub validate: fn(&str) -> Result<(), String>,
}

fn always(_: &Raw) -> bool {
    true
}
fn none(_: &Raw) -> Option<String> {
    None
}
fn ok(_: &str) -> Result<(), String> {
    Ok(())
}

pub fn validate_server_name(s: &str) -> Result<(), String> {
    if matrixd::config::is_valid_server_name(s) {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a valid server name: use a DNS name (example.org), an IPv4 address or [IPv6], optionally with :port"
        ))
    }
}

pub fn validate_url(s: &str) -> Result<(), String> {
    let with_slash = if s.ends_with('/') {
        s.to_string()
    } else {
        format!("{s}/")
    };
    match url::Url::parse(&with_slash) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https") && u.host().is_some() && u.path() == "/" =>
        {
            Ok(())
        }
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Err(format!(
            "{s:?} has a path; the client URL must be the site root, e.g. https://matrix.example.org/"
        )),
        _ => Err(format!(
            "{s:?} is not an http(s) URL, e.g. https://matrix.example.org/"
        )),
    }
}

fn validate_choice(choices: &[&str], s: &str) -> Result<(), String> {
    if choices.contains(&s) {
        Ok(())
    } else {
        Err(format!("{s:?} is not one of {}", choices.join(", ")))
    }
}

pub fn validate_yes_no(s: &str) -> Result<(), String> {
    validate_choice(&["yes", "no"], s)
}

fn validate_port(s: &str) -> Result<(), String> {
    match s.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => Err(format!("{s:?} is not a port number (1-65535)")),
    }
}

fn validate_abs_path(s: &str) -> Result<(), String> {
    if s.starts_with('/') {
        Ok(())
    } else {
        Err(format!("{s:?} is not an absolute path"))
    }
}

fn validate_turn_uri(s: &str) -> Result<(), String> {
    if (s.starts_with("turn:") || s.starts_with("turns:")) && s.len() > 6 {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a TURN URI, e.g. turn:turn.example.org:3478?transport=udp"
        ))
    }
}

fn validate_email_from(s: &str) -> Result<(), String> {
    if s.contains('@') {
        Ok(())
    } else {
        Err(format!(
            "{s:?} has no email address, e.g. \"Matrix <noreply@example.org>\""
        ))
    }
}

pub const DATABASES: &[&str] = &["sqlite", "postgres"];
pub const TLS_MODES: &[&str] = &["self-signed", "existing", "direct", "none"];
pub const PROXIES: &[&str] = &["nginx", "none"];
pub const REGISTRATION: &[&str] = &["closed", "token", "open"];

/// The host part of the server name (no port).
pub fn server_host(server_name: &str) -> String {
    if server_name.starts_with('[') {
        server_name
            .split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        server_name
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

fn default_baseurl(a: &Raw) -> Option<String> {
    let host = server_host(a.get("server_name")?);
    let tls = a.get("tls").unwrap_or("self-signed");
    let proxy = a.get("proxy").unwrap_or("nginx");
    Some(match (proxy, tls) {
        ("nginx", "none") => format!("http://{host}/"),
        ("nginx", _) => format!("https://{host}/"),
        (_, "direct") => format!("https://{host}:8448/"),
        _ => format!("http://{host}:8008/"),
    })
}

/// The questions, in the order the wizard asks them.
pub const QUESTIONS: &[Question] = &[
    Question {
        key: "server_name",
        flag: "--server-name",
        prompt: "Server name (the part after ':' in @alice:example.org)",
        help: "The server name becomes the part after ':' in every user id (@alice:example.org) and can never change.",
        kind: Kind::Text,
        required: true,
        default: none,
        applies: always,
        validate: validate_server_name,
    },
    Question {
        key: "database",
        flag: "--database",
        prompt: "Database",
        help: "SQLite needs nothing else; PostgreSQL is installed here if absent and scales further.",
        kind: Kind::Choice(DATABASES),
        required: false,
        default: |_| Some("sqlite".into()),
        applies: always,
        validate: |s| validate_choice(DATABASES, s),
    },
    Question {
        key: "proxy",
        flag: "--proxy",
        prompt: "Reverse proxy",
        help: "nginx terminates TLS on 443 (and 8448 for federation) and forwards /_matrix to matrixd.",
        kind: Kind::Choice(PROXIES),
        required: false,
        default: |_| Some("nginx".into()),
        applies: always,
        validate: |s| validate_choice(PROXIES, s),
    },
    Question {
        key: "tls",
        flag: "--tls",
        prompt: "TLS certificate",
        help: "self-signed: generated here; existing: your full-chain certificate and key; direct: matrixd itself listens with TLS on 8448; none: plain HTTP (testing only).",
        kind: Kind::Choice(TLS_MODES),
        required: false,
        default: |_| Some("self-signed".into()),
        applies: always,
        validate: |s| validate_choice(TLS_MODES, s),
    },
    Question {
        key: "tls_cert",
        flag: "--tls-cert",
        prompt: "Certificate file (full chain, PEM)",
        help: "",
        kind: Kind::Text,
        required: true,
        default: none,
        applies: |a| a.get("tls") == Some("existing"),
        validate: validate_abs_path,
    },
    Question {
        key: "tls_key",
        flag: "--tls-key",
        prompt: "Private key file (PEM)",
        help: "",
        kind: Kind::Text,
        required: true,
        default: none,
        applies: |a| a.get("tls") == Some("existing"),
        validate: validate_abs_path,
    },
    Question {
        key: "public_baseurl",
        flag: "--public-baseurl",
        prompt: "Public client URL",
        help: "The URL clients use to reach this server.",
        kind: Kind::Text,
        required: false,
        default: default_baseurl,
        applies: always,
        validate: validate_url,
    },
    Question {
        key: "federation",
        flag: "--federation",
        prompt: "Federate with other Matrix servers?",
        help: "",
        kind: Kind::YesNo,
        required: false,
        default: |_| Some("yes".into()),
        applies: always,
        validate: validate_yes_no,
    },
    Question {
        key: "well_known",
        flag: "--well-known",
        prompt: "Serve /.well-known/matrix/client and /server from this host?",
        help: "",
        kind: Kind::YesNo,
        required: false,
        default: |_| Some("yes".into()),
        applies: always,
        validate: validate_yes_no,
    },
    Question {
        key: "registration",
        flag: "--registration",
        prompt: "Registration",
        help: "closed: only admins create users (matrixctl register-user); token: sign-up needs a registration token; open: anyone may sign up.",
        kind: Kind::Choice(REGISTRATION),
        required: false,
        default: |_| Some("closed".into()),
        applies: always,
        validate: |s| validate_choice(REGISTRATION, s),
    },
    Question {
        key: "report_stats",
        flag: "--report-stats",
        prompt: "Report anonymous usage statistics?",
        help: "",
        kind: Kind::YesNo,
        required: true,
        default: none,
        applies: always,
        validate: validate_yes_no,
    },
    Question {
        key: "smtp_host",
        flag: "--smtp-host",
        prompt: "SMTP server for email notifications (empty: none)",
        help: "",
        kind: Kind::Text,
        required: false,
        default: none,
        applies: always,
        validate: ok,
    },
    Question {
        key: "smtp_port",
        flag: "--smtp-port",
        prompt: "SMTP port",
        help: "",
        kind: Kind::Text,
        required: false,
        default: |_| Some("587".into()),
        applies: |a| a.get("smtp_host").is_some(),
        validate: validate_port,
    },
    Question {
        key: "smtp_user",
        flag: "--smtp-user",
        prompt: "SMTP user (empty: none)",
        help: "",
        kind: Kind::Text,
        required: false,
        default: none,
        applies: |a| a.get("smtp_host").is_some(),
        validate: ok,
    },
    Question {
        key: "smtp_pass_file",
        flag: "--smtp-pass-file",
        prompt: "File holding the SMTP password (empty: none)",
        help: "",
        kind: Kind::Text,
        required: false,
        default: none,
        applies: |a| a.get("smtp_user").is_some(),
        validate: validate_abs_path,
    },
    Question {
        key: "notif_from",
        flag: "--notif-from",
        prompt: "Sender of notification emails",
        help: "",
        kind: Kind::Text,
        required: false,
        default: |a| {
            a.get("server_name")
                .map(|s| format!("Matrix <noreply@{}>", server_host(s)))
        },
        applies: |a| a.get("smtp_host").is_some(),
        validate: validate_email_from,
    },
    Question {
        key: "smtp_require_tls",
        flag: "--smtp-require-tls",
        prompt: "Require TLS (STARTTLS) to the SMTP server?",
        help: "",
        kind: Kind::YesNo,
        required: false,
        default: |_| Some("yes".into()),
        applies: |a| a.get("smtp_host").is_some(),
        validate: validate_yes_no,
    },
    Question {
        key: "install_coturn",
        flag: "--install-coturn",
        prompt: "Install coturn here for voice and video calls?",
        help: "",
        kind: Kind::YesNo,
        required: false,
        default: |_| Some("no".into()),
        applies: always,
        validate: validate_yes_no,
    },
    Question {
        key: "turn_uris",
        flag: "--turn-uri",
        prompt: "TURN URIs, comma-separated (empty: none)",
        help: "",
        kind: Kind::List,
        required: false,
        default: none,
        applies: always,
        validate: validate_turn_uri,
    },
    Question {
        key: "turn_secret_file",
        flag: "--turn-secret-file",
        prompt: "File holding the TURN shared secret",
        help: "",
        kind: Kind::Text,
        required: true,
        default: none,
        applies: |a| a.get("turn_uris").is_some() && a.get("install_coturn") != Some("yes"),
        validate: validate_abs_path,
    },
    Question {
        key: "url_preview",
        flag: "--url-preview",
        prompt: "Generate URL previews? (the server fetches links posted in rooms)",
        help: "",
        kind: Kind::YesNo,
        required: false,
        default: |_| Some("no".into()),
        applies: always,
        validate: validate_yes_no,
    },
];

pub fn question(key: &str) -> &'static Question {
    QUESTIONS
        .iter()
        .find(|q| q.key == key)
        .expect("known question")
}
