//! Every install answer, declared once: its key (the answers-file key; the flag is the same
//! name with '-'), type (whose parser is its validator), flag help, prompt, default and when it
//! applies. From this one table come the `install` flags (`flags`), the wizard's questions, the
//! answers file (`file`), the typed `Answers` the planner takes, and the receipt's database.
//! A new question is one entry here (plus its use in the planner). No I/O except `file::load`.

pub mod define;
pub mod file;
pub mod flags;
pub mod values;

use define::{answers, answers_ty, given_ty, or_default, to_answers, to_given};
pub use values::{
    AbsPath, AcmeDirectory, BaseUrl, Count, Database, Email, EmailFrom, Kind, LETS_ENCRYPT,
    LETS_ENCRYPT_STAGING, Port, Proxy, Registration, ServerName, Text, Tls, TurnUri, Workers,
    YesNo,
};

/// One question of `QUESTIONS`.
pub type Question = define::Question<Given>;

impl Question {
    /// The question of an answers-file key.
    pub fn by_key(key: &str) -> Option<&'static Question> {
        QUESTIONS.iter().find(|q| q.key == key)
    }

    /// The prompt in the current language (catalogue id `q-KEY-prompt`; the English text is
    /// the table's `prompt`).
    pub fn prompt_text(&self) -> String {
        crate::i18n::format(
            crate::i18n::current(),
            &question_id(self.key, "prompt"),
            &[],
        )
    }

    /// The explanation shown before the prompt, in the current language (empty: none).
    pub fn explain_text(&self) -> String {
        if self.explain.is_empty() {
            return String::new();
        }
        crate::i18n::format(
            crate::i18n::current(),
            &question_id(self.key, "explain"),
            &[],
        )
    }
}

/// Choices the wizard shows by a label (`q-KEY-choice-VALUE`) rather than their bare name.
const CHOICE_LABELS: &[(&str, &[&str])] = &[(
    "tls",
    &["acme", "self-signed", "existing", "direct", "none"],
)];

impl Question {
    /// How the wizard shows choice `value` in the current language.
    pub fn choice_label(&self, value: &str) -> String {
        let labelled = CHOICE_LABELS
            .iter()
            .any(|(k, vs)| *k == self.key && vs.contains(&value));
        if !labelled {
            return value.to_string();
        }
        crate::i18n::format(
            crate::i18n::current(),
            &question_id(self.key, &format!("choice-{value}")),
            &[],
        )
    }
}

fn question_id(key: &str, what: &str) -> String {
    format!("q-{}-{what}", key.replace('_', "-"))
}

/// The catalogue ids of the questions' prompts and explanations (for the catalogue tests).
pub fn catalogue_ids() -> Vec<String> {
    QUESTIONS
        .iter()
        .flat_map(|q| {
            let mut ids = vec![question_id(q.key, "prompt")];
            if !q.explain.is_empty() {
                ids.push(question_id(q.key, "explain"));
            }
            ids
        })
        .chain(CHOICE_LABELS.iter().flat_map(|(k, vs)| {
            vs.iter()
                .map(move |v| question_id(k, &format!("choice-{v}")))
        }))
        .collect()
}

fn none<T>(_: &Given) -> Option<T> {
    None
}

fn always(_: &Given) -> bool {
    true
}

/// https://HOST/ behind nginx, else where matrixd itself listens.
fn default_baseurl(a: &Given) -> Option<BaseUrl> {
    let host = a.server_name.as_ref()?.host();
    let url = match (a.proxy?, a.tls?) {
        (Proxy::Nginx, Tls::None) => format!("http://{host}/"),
        (Proxy::Nginx, _) => format!("https://{host}/"),
        (Proxy::None, Tls::Direct | Tls::Acme) => format!("https://{host}:8448/"),
        (Proxy::None, _) => format!("http://{host}:8008/"),
    };
    url.parse().ok()
}

answers! {
    /// Adopt the existing homeserver.yaml (import-synapse's): its server name, database, public URL, registration and listeners are the answers, and it, its signing key and its secrets are never rewritten.
    adopt: YesNo, opt {
        clap: |a| a.num_args(0..=1).default_missing_value("yes"),
        prompt: "Adopt the existing homeserver.yaml as it is?",
        explain: "",
        required: false,
        default: none,
        applies: |a| a.adopt.is_some(),
    },
    /// The part after ':' in every user id (@alice:NAME). It can never change later.
    server_name: ServerName, one {
        value_name: "NAME",
        prompt: "Server name (the part after ':' in @alice:example.org)",
        explain: "The server name becomes the part after ':' in every user id (@alice:example.org) and can never change.",
        required: true,
        default: none,
        applies: always,
    },
    /// The database (PostgreSQL is installed and set up here if absent).
    database: Database, one {
        prompt: "Database",
        explain: "SQLite needs nothing else; PostgreSQL is installed here if absent and scales further.",
        required: false,
        default: |_| Some(Database::Sqlite),
        applies: always,
    },
    /// How many matrixd processes serve the server, 1 to 16 (default 1; more need PostgreSQL and nginx, which spreads clients over them).
    workers: Workers, opt {
        value_name: "N",
        prompt: "How many matrixd processes serve the server? (empty: 1)",
        explain: "Several processes share the PostgreSQL database and nginx spreads clients over them (each access token stays on one); one is enough for most servers.",
        required: false,
        default: none,
        // Asked with PostgreSQL only; kept when given with SQLite, so the planner refuses
        // it by name instead of silently running one process.
        applies: |a| a.database == Some(Database::Postgres) || a.workers.is_some_and(|n| n.0 > 1),
    },
    /// The reverse proxy in front of matrixd.
    proxy: Proxy, one {
        prompt: "Reverse proxy",
        explain: "nginx terminates TLS on 443 (and 8448 for federation) and forwards /_matrix to matrixd.",
        required: false,
        default: |_| Some(Proxy::Nginx),
        applies: always,
    },
    /// Where the TLS certificate comes from.
    tls: Tls, one {
        prompt: "TLS certificate",
        explain: "acme: Let's Encrypt (or another ACME CA) issues it and it renews itself, which needs this host's name in DNS and port 80 open (443 without nginx, where matrixd obtains it itself); self-signed: generated here; existing: your full-chain certificate and key; direct: matrixd itself listens with TLS on 8448; none: plain HTTP (testing only).",
        required: false,
        default: |_| Some(Tls::SelfSigned),
        applies: always,
    },
    /// Full-chain certificate (PEM) for --tls existing.
    tls_cert: AbsPath, opt {
        value_name: "FILE",
        prompt: "Certificate file (full chain, PEM)",
        explain: "",
        required: true,
        default: none,
        applies: |a| a.tls == Some(Tls::Existing),
    },
    /// Its private key (PEM) for --tls existing.
    tls_key: AbsPath, opt {
        value_name: "FILE",
        prompt: "Private key file (PEM)",
        explain: "",
        required: true,
        default: none,
        applies: |a| a.tls == Some(Tls::Existing),
    },
    /// Email the ACME CA may write to about the certificates (optional).
    acme_email: Email, opt {
        value_name: "EMAIL",
        prompt: "Email for Let's Encrypt's expiry notices (empty: none)",
        explain: "",
        required: false,
        default: none,
        applies: |a| a.tls == Some(Tls::Acme),
    },
    /// Use Let's Encrypt's staging directory (certificates nobody trusts; for trying things out).
    acme_staging: YesNo, opt {
        clap: |a| a.num_args(0..=1).default_missing_value("yes"),
        prompt: "Use Let's Encrypt's staging CA (for testing; its certificates are not trusted)?",
        explain: "",
        required: false,
        default: |_| Some(YesNo::No),
        applies: |a| a.tls == Some(Tls::Acme),
    },
    /// The ACME directory (RFC 8555) certificates come from, if not Let's Encrypt's.
    acme_directory: AcmeDirectory, opt {
        value_name: "URL",
        prompt: "Another ACME CA's directory URL (empty: Let's Encrypt)",
        explain: "",
        required: false,
        default: none,
        applies: |a| a.tls == Some(Tls::Acme),
    },
    /// Root certificate (PEM) of a private ACME CA's HTTPS, if the system does not trust it.
    acme_directory_ca: AbsPath, opt {
        value_name: "FILE",
        prompt: "Root certificate of that CA's HTTPS, if the system does not trust it (empty: none)",
        explain: "",
        required: false,
        default: none,
        applies: |a| a.tls == Some(Tls::Acme) && a.acme_directory.is_some(),
    },
    /// The URL clients reach the server at [default: https://SERVER_NAME/].
    public_baseurl: BaseUrl, one {
        value_name: "URL",
        prompt: "Public client URL",
        explain: "The URL clients use to reach this server.",
        required: false,
        default: default_baseurl,
        applies: always,
    },
    /// Talk to other Matrix servers.
    federation: YesNo, one {
        prompt: "Federate with other Matrix servers?",
        explain: "",
        required: false,
        default: |_| Some(YesNo::Yes),
        applies: always,
    },
    /// Serve /.well-known/matrix/client and /server, with CORS, from this host.
    well_known: YesNo, one {
        prompt: "Serve /.well-known/matrix/client and /server from this host?",
        explain: "",
        required: false,
        default: |_| Some(YesNo::Yes),
        applies: always,
    },
    /// Who may create accounts.
    registration: Registration, one {
        prompt: "Registration",
        explain: "closed: only admins create users (matrixctl register-user); token: sign-up needs a registration token; open: anyone may sign up.",
        required: false,
        default: |_| Some(Registration::Closed),
        applies: always,
    },
    /// Report anonymous usage statistics (required, as in Synapse).
    report_stats: YesNo, one {
        prompt: "Report anonymous usage statistics?",
        explain: "",
        required: true,
        default: none,
        applies: always,
    },
    /// SMTP server for notification emails.
    smtp_host: Text, opt {
        value_name: "HOST",
        prompt: "SMTP server for email notifications (empty: none)",
        explain: "",
        required: false,
        default: none,
        applies: always,
    },
    /// SMTP port.
    smtp_port: Port, opt {
        value_name: "PORT",
        prompt: "SMTP port",
        explain: "",
        required: false,
        default: |_| Some(Port(587)),
        applies: |a| a.smtp_host.is_some(),
    },
    /// SMTP user name.
    smtp_user: Text, opt {
        value_name: "USER",
        prompt: "SMTP user (empty: none)",
        explain: "",
        required: false,
        default: none,
        applies: |a| a.smtp_host.is_some(),
    },
    /// File whose first line is the SMTP password.
    smtp_pass_file: AbsPath, opt {
        value_name: "FILE",
        prompt: "File holding the SMTP password (empty: none)",
        explain: "",
        required: false,
        default: none,
        applies: |a| a.smtp_user.is_some(),
    },
    /// Sender of notification emails, e.g. "Matrix <noreply@example.org>".
    notif_from: EmailFrom, opt {
        value_name: "FROM",
        prompt: "Sender of notification emails",
        explain: "",
        required: false,
        default: |a| {
            let host = a.server_name.as_ref()?.host();
            format!("Matrix <noreply@{host}>").parse().ok()
        },
        applies: |a| a.smtp_host.is_some(),
    },
    /// Require STARTTLS to the SMTP server.
    smtp_require_tls: YesNo, opt {
        prompt: "Require TLS (STARTTLS) to the SMTP server?",
        explain: "",
        required: false,
        default: |_| Some(YesNo::Yes),
        applies: |a| a.smtp_host.is_some(),
    },
    /// Install coturn here with use-auth-secret and a generated shared secret.
    install_coturn: YesNo, one {
        clap: |a| a.num_args(0..=1).default_missing_value("yes"),
        prompt: "Install coturn here for voice and video calls?",
        explain: "",
        required: false,
        default: |_| Some(YesNo::No),
        applies: always,
    },
    /// A TURN URI for voice and video calls (repeatable).
    turn_uris: TurnUri, list {
        flag: "turn-uri",
        value_name: "URI",
        prompt: "TURN URIs, comma-separated (empty: none)",
        explain: "",
        required: false,
        default: none,
        applies: always,
    },
    /// File holding the TURN server's shared secret (use-auth-secret).
    turn_secret_file: AbsPath, opt {
        value_name: "FILE",
        prompt: "File holding the TURN shared secret",
        explain: "",
        required: true,
        default: none,
        applies: |a| !a.turn_uris.is_empty() && a.install_coturn != Some(YesNo::Yes),
    },
    /// Back the server up once a day into this directory (created 0700 root), with matrixctl backup.
    backups: AbsPath, opt {
        value_name: "DIR",
        prompt: "Directory for daily backups (empty: none)",
        explain: "",
        required: false,
        default: none,
        applies: always,
    },
    /// How many daily backups to keep in --backups DIR (older ones are removed).
    backups_keep: Count, opt {
        value_name: "N",
        prompt: "How many daily backups to keep",
        explain: "",
        required: false,
        default: |_| Some(Count(7)),
        applies: |a| a.backups.is_some(),
    },
    /// Generate URL previews (private ranges are never fetched).
    url_preview: YesNo, one {
        clap: |a| a.num_args(0..=1).default_missing_value("yes"),
        prompt: "Generate URL previews? (the server fetches links posted in rooms)",
        explain: "",
        required: false,
        default: |_| Some(YesNo::No),
        applies: always,
    },
}
