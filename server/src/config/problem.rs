//! A problem found in homeserver.yaml: which key, what is wrong, how to fix it.
//! Owns only the wording and rendering of problems; finding them is `check.rs`'s job.
//!
//! What is wrong (`Kind`) and how to fix it (`Fix`) are typed: each variant has a stable
//! message id and named fields. matrixd words them in English (`Display`, byte for byte what
//! its logs and `check-config` print); a tool that speaks other languages (matrixctl) looks the
//! id up in its own catalogue and fills in the same fields (`Message`). Every id of every enum
//! here is listed by `message_ids`, so a catalogue can be checked against all of them.

use std::fmt;

use crate::keys::KeyError;

/// How bad a problem is: an error stops the server, a warning is printed and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A message's named argument: plain text (a value, a path, an OS error) or another message
/// (a YAML value's description inside "expected …, found …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Message(Message),
}

/// A message id and its named arguments, for a catalogue to word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

/// A string shown quoted, as Rust's `{:?}` quotes it (`"example org"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted(pub String);

impl fmt::Display for Quoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl From<&str> for Quoted {
    fn from(s: &str) -> Self {
        Quoted(s.to_string())
    }
}

/// A field's value as a message argument.
pub trait ToArg {
    fn to_arg(&self) -> Arg;
}

/// A value of each field type, to make one instance of every variant (`examples`).
pub trait Example {
    fn example() -> Self;
}

macro_rules! text_arg {
    ($($t:ty => $e:expr),* $(,)?) => {$(
        impl ToArg for $t {
            fn to_arg(&self) -> Arg {
                Arg::Text(self.to_string())
            }
        }
        impl Example for $t {
            fn example() -> Self {
                $e
            }
        }
    )*};
}

text_arg! {
    String => "/etc/matrixd/x.yaml".to_string(),
    Quoted => Quoted("a b".into()),
    i64 => 7,
    u32 => 3,
    u64 => 12,
    usize => 5,
    bool => true,
}

/// Defines a message enum: each variant `Name { field: Type, … } = "id" => "English"`, where
/// the English text names every field as `{field}`. Gives `id`, `message` (the id and fields),
/// `Display` (the English), `IDS` (every id, in order) and `examples` (one instance of each
/// variant). Used here and for the signing key's problems (`keys::KeyError`).
macro_rules! messages {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $var:ident $({ $($field:ident : $ty:ty),* $(,)? })? = $id:literal => $en:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $name {
            $(
                $(#[$vmeta])*
                $var $({ $($field: $ty),* })?,
            )*
        }

        impl $name {
            /// Every message id of this enum.
            pub const IDS: &'static [&'static str] = &[$($id),*];

            pub fn id(&self) -> &'static str {
                match self {
                    $($name::$var { .. } => $id,)*
                }
            }

            /// The id and the fields by name.
            pub fn message(&self) -> $crate::config::Message {
                match self {
                    $($name::$var $({ $($field),* })? => $crate::config::Message {
                        id: $id,
                        args: vec![$($((
                            stringify!($field),
                            $crate::config::ToArg::to_arg($field),
                        )),*)?],
                    },)*
                }
            }

            /// One instance of every variant (for checking a catalogue against the English).
            pub fn examples() -> Vec<$name> {
                vec![$($name::$var $({ $($field: $crate::config::Example::example()),* })?),*]
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, out: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    $($name::$var $({ $($field),* })? => write!(out, $en $($(, $field = $field)*)?),)*
                }
            }
        }

        impl $crate::config::ToArg for $name {
            fn to_arg(&self) -> $crate::config::Arg {
                $crate::config::Arg::Message(self.message())
            }
        }
    };
}

pub(crate) use messages;

messages! {
    /// A YAML value, as "found …" describes it.
    pub enum Found {
        Null = "conf-found-null" => "nothing (null)",
        Bool { value: bool } = "conf-found-bool" => "the boolean {value}",
        Float { value: String } = "conf-found-float" => "the number {value}",
        Integer { value: String } = "conf-found-integer" => "the integer {value}",
        Str { value: Quoted } = "conf-found-string" => "the string {value}",
        List = "conf-found-list" => "a list",
        Mapping = "conf-found-mapping" => "a mapping",
        Tagged { tag: String } = "conf-found-tagged" => "a value tagged {tag}",
    }
}

impl Example for Found {
    fn example() -> Self {
        Found::Str {
            value: Quoted("x".into()),
        }
    }
}

messages! {
    /// What a key's value should have been.
    pub enum Expected {
        Str = "conf-expected-string" => "a string",
        Boolean = "conf-expected-boolean" => "a boolean (true or false)",
        Integer { min: i64, max: i64 } = "conf-expected-integer" => "an integer from {min} to {max}",
        StringList = "conf-expected-string-list" => "a list of strings",
        List = "conf-expected-list" => "a list",
        Mapping = "conf-expected-mapping" => "a mapping",
        Number = "conf-expected-number" => "a number",
        Size = "conf-expected-size" => "a size",
        Duration = "conf-expected-duration" => "a duration",
        Presence = "conf-expected-presence" => "true, false or \"untracked\"",
        UrlPatterns = "conf-expected-url-patterns" => "a mapping of URL parts to patterns",
        NameOrList = "conf-expected-name-or-list" => "a name or a list of names",
    }
}

impl Example for Expected {
    fn example() -> Self {
        Expected::Integer { min: 1, max: 9 }
    }
}

messages! {
    /// What is wrong.
    pub enum Kind {
        WrongType { expected: Expected, found: Found } = "conf-wrong-type" => "expected {expected}, found {found}",
        OutOfRange { value: i64 } = "conf-out-of-range" => "{value} is out of range",
        Negative { value: String } = "conf-negative" => "{value} is negative",
        KeyNotString { found: Found } = "conf-key-not-string" => "key {found} is not a string",
        SynapseOnly = "conf-synapse-only" => "is a Synapse setting matrixd does not support yet; it is ignored",
        UnknownKey = "conf-unknown-key" => "unknown key",
        Required = "conf-required" => "is required",
        CannotReadDir { path: String, error: String } = "conf-cannot-read-dir" => "cannot read config directory {path}: {error}",
        CannotRead { path: String, error: String } = "conf-cannot-read" => "cannot read {path}: {error}",
        FileIgnoredEmpty { path: String } = "conf-file-ignored-empty" => "{path} is empty; ignoring it",
        TopNotMapping { path: String, found: Found } = "conf-top-not-mapping" => "{path}: the top level must be a mapping of keys to values, found {found}",
        YamlSyntaxAt { path: String, line: usize, column: usize, error: String } = "conf-yaml-syntax-at" => "{path}: YAML syntax error at line {line}, column {column}: {error}",
        YamlSyntax { path: String, error: String } = "conf-yaml-syntax" => "{path}: YAML syntax error: {error}",
        NoConfigFile = "conf-no-config-file" => "no config file given",
        NoYamlFiles = "conf-no-yaml-files" => "the config directories hold no *.yaml files",
        NotWhole { value: String } = "conf-not-whole" => "{value} is not a positive whole number",
        NotWholeMs { value: String } = "conf-not-whole-ms" => "{value} is not a positive whole number of milliseconds",
        NotSize { value: Quoted } = "conf-not-size" => "{value} is not a size",
        NotDuration { value: Quoted } = "conf-not-duration" => "{value} is not a duration",
        NotTurnUri { uri: Quoted } = "conf-not-turn-uri" => "{uri} is not a TURN URI",
        TurnNoCredentials = "conf-turn-no-credentials" => "TURN URIs are set but neither turn_shared_secret nor turn_username/turn_password; clients get no TURN server",
        TurnNoUris = "conf-turn-no-uris" => "TURN credentials are set but turn_uris is empty; clients get no TURN server",
        TurnHalfStatic = "conf-turn-half-static" => "turn_username and turn_password must be set together",
        InvalidServerName { name: Quoted } = "conf-invalid-server-name" => "{name} is not a valid server name",
        NotHttpUrl { url: Quoted } = "conf-not-http-url" => "{url} is not an http(s) URL",
        OpenRegistration = "conf-open-registration" => "open registration without any verification lets anyone create accounts (and spam from them)",
        ReportStatsRequired = "conf-report-stats-required" => "is required: say whether to report anonymous usage statistics",
        FileMissing { path: String } = "conf-file-missing" => "file {path} does not exist",
        TlsListenerNoCertificate = "conf-tls-listener-no-certificate" => "a listener has tls: true but tls_certificate_path and tls_private_key_path are not both set",
        DirectoryMissing { path: String } = "conf-directory-missing" => "directory {path} does not exist",
        SigningKeyInvalid { path: String, error: KeyError } = "conf-signing-key-invalid" => "{path}: {error}",
        BothSet { key: String, path_key: String } = "conf-both-set" => "both {key} and {path_key} are set",
        IsEmpty = "conf-is-empty" => "is empty",
        FileEmpty { path: String } = "conf-file-empty" => "{path} is empty",
        SecretNotYet { path: String } = "conf-secret-not-yet" => "{path} does not exist yet; matrixd creates it on first start",
        MetricsDisabled = "conf-metrics-disabled" => "a metrics listener is configured but enable_metrics is false; it is ignored (set enable_metrics: true)",
        NoListeners = "conf-no-listeners" => "no listeners configured; matrixd will not answer any request",
        ListenerTypeUnsupported { kind: String } = "conf-listener-type-unsupported" => "{kind} listeners are not supported by matrixd; this listener is ignored",
        UnknownListenerType { kind: Quoted } = "conf-unknown-listener-type" => "unknown listener type {kind}",
        NotIpAddress { address: Quoted } = "conf-not-ip-address" => "{address} is not an IP address",
        ResourceUnsupported { name: Quoted } = "conf-resource-unsupported" => "the {name} resource is not supported by matrixd; ignored",
        UnknownResource { name: Quoted } = "conf-unknown-resource" => "unknown resource {name}",
        RequiredForSqlite = "conf-required-for-sqlite" => "is required for sqlite3",
        RequiredForPostgres = "conf-required-for-postgres" => "is required for psycopg2",
        DbnameAndDatabase = "conf-dbname-and-database" => "both dbname and database are set",
        NotPort { value: Quoted } = "conf-not-port" => "{value} is not a port number",
        CpMinAboveMax { min: u32, max: u32 } = "conf-cp-min-above-max" => "cp_min ({min}) is larger than cp_max ({max})",
        UnknownSslmode { mode: Quoted } = "conf-unknown-sslmode" => "unknown sslmode {mode}",
        UnknownEngine { name: Quoted } = "conf-unknown-engine" => "unknown database engine {name}",
        VerifyKeysForm = "conf-verify-keys-form" => "entries must look like \"ed25519:auto\": \"<base64 public key>\"",
        CustomCaEmpty = "conf-custom-ca-empty" => "federation_custom_ca_list specified without any certificate files",
        CustomCaNoPem { path: String } = "conf-custom-ca-no-pem" => "Error parsing custom CA certificate file {path}: no PEM certificate in it",
        WhitelistNotServerName { name: Quoted } = "conf-whitelist-not-server-name" => "{name} is not a server name (such as example.org or example.org:8448), so no server matches it",
        InvalidIpRange { value: String } = "conf-invalid-ip-range" => "Invalid IP range provided: {value}.",
        UnknownUrlPart = "conf-unknown-url-part" => "unknown URL part",
        PatternsNotStrings = "conf-patterns-not-strings" => "patterns must be strings (a glob, or a regex starting with ^)",
        PreviewNoBlacklist = "conf-preview-no-blacklist" => "For security, you must specify an explicit target IP address blacklist in url_preview_ip_range_blacklist for url previewing to work",
        ForceTlsNeedsTls = "conf-force-tls-needs-tls" => "email.force_tls requires email.enable_tls to be true",
        TransportSecurityNeedsTls = "conf-transport-security-needs-tls" => "email.require_transport_security requires email.enable_tls to be true",
        InvalidNotifFrom { from: Quoted } = "conf-invalid-notif-from" => "Invalid notif_from address {from}",
        NotifFromRequired = "conf-notif-from-required" => "is required to send validation and password-reset mail (Synapse: \"email.notif_from\" is missing)",
        NotHttpsUrl { url: Quoted } = "conf-not-https-url" => "{url} is not an https URL",
        NotDnsName { name: Quoted } = "conf-not-dns-name" => "{name} is not a DNS name",
        NoDomain = "conf-no-domain" => "names no domain",
        AcmeNeedsTlsPaths = "conf-acme-needs-tls-paths" => "needs tls_certificate_path and tls_private_key_path (where the certificate is kept)",
        BadWorkerName { name: Quoted } = "conf-bad-worker-name" => "{name} is not a worker name: use 1 to 64 letters, digits, '-' or '_'",
        WorkersNeedPostgres = "conf-workers-need-postgres" => "several matrixd processes share one PostgreSQL database; with SQLite only one process can serve",
        AcmeNoTlsListener = "conf-acme-no-tls-listener" => "no listener has tls: true, so nothing would answer the CA's tls-alpn-01 challenge or serve the certificate",
        AcmeNoPort443 = "conf-acme-no-port-443" => "no TLS listener on port 443: the CA validates tls-alpn-01 on port 443 of each name, so forward that port to matrixd's TLS listener",
        LifetimeExceedsSession { lifetime_ms: u64, session_ms: u64 } = "conf-lifetime-exceeds-session" => "{lifetime_ms} ms is longer than session_lifetime ({session_ms} ms); Synapse refuses this",
        EmailNoBaseurl = "conf-email-no-baseurl" => "email is configured but public_baseurl is unset: the validation and password-reset links in mails are built from public_baseurl",
    }
}

messages! {
    /// How to fix it.
    pub enum Fix {
        QuoteValue { key: String } = "conf-fix-quote-value" => "put the value in quotes: {key}: \"...\"",
        IntegerRange { min: i64, max: i64 } = "conf-fix-integer-range" => "use an integer from {min} to {max}",
        NonNegative = "conf-fix-non-negative" => "use a number of 0 or more",
        DidYouMean { key: String } = "conf-fix-did-you-mean" => "did you mean `{key}`? If not, remove the key",
        RemoveKey = "conf-fix-remove-key" => "remove the key; see the list of supported keys in README.md",
        CheckDirectory = "conf-fix-check-directory" => "check the path and its permissions",
        GenerateConfig = "conf-fix-generate-config" => "create it with `matrixctl generate-config --server-name NAME --config-path FILE --report-stats=no`, or pass the right --config path",
        FileReadable = "conf-fix-file-readable" => "check the file's permissions: the server must be able to read it",
        KeyValueLines = "conf-fix-key-value-lines" => "start the file with `server_name: ...` style key: value lines",
        YamlSyntax = "conf-fix-yaml-syntax" => "fix the YAML syntax there (indent with spaces, quote values containing ':' or '#')",
        PassConfig = "conf-fix-pass-config" => "pass --config /etc/matrixd/homeserver.yaml",
        AddHomeserverYaml = "conf-fix-add-homeserver-yaml" => "add a homeserver.yaml",
        TurnUriForm = "conf-fix-turn-uri-form" => "use turn:host:3478?transport=udp style URIs",
        DurationHoursMinutes = "conf-fix-duration-hours-minutes" => "use a duration such as \"1h\" or \"30m\"",
        DurationHours = "conf-fix-duration-hours" => "use a duration such as \"1h\"",
        DurationMinutesDays = "conf-fix-duration-minutes-days" => "use a duration such as \"5m\" or \"30d\" (a number alone is milliseconds)",
        LifetimeWithinSession = "conf-fix-lifetime-within-session" => "make it at most session_lifetime, or raise session_lifetime",
        TurnSharedSecret = "conf-fix-turn-shared-secret" => "set turn_shared_secret to coturn's static-auth-secret",
        TurnListServer = "conf-fix-turn-list-server" => "list your TURN server in turn_uris",
        TurnSetBoth = "conf-fix-turn-set-both" => "set both, or use turn_shared_secret instead",
        SetServerName = "conf-fix-set-server-name" => "set server_name to the domain in your users' ids, e.g. server_name: example.org (it can never change later)",
        ServerNameForms = "conf-fix-server-name-forms" => "use a DNS name (example.org), an IPv4 address, or [IPv6], optionally with :port",
        ServerNameExample = "conf-fix-server-name-example" => "use a server name such as matrix.org",
        PublicBaseurl = "conf-fix-public-baseurl" => "use the URL clients reach, e.g. public_baseurl: https://matrix.example.org/",
        RequireToken = "conf-fix-require-token" => "set registration_requires_token: true, or set enable_registration_without_verification: true if you really want open sign-up",
        AddReportStats = "conf-fix-add-report-stats" => "add report_stats: false (or true)",
        UploadSize = "conf-fix-upload-size" => "use bytes or a size such as \"50M\" or \"512K\"",
        SpiderSize = "conf-fix-spider-size" => "use bytes or a size such as \"10M\"",
        LogConfig = "conf-fix-log-config" => "create it (matrixctl generate-config writes one) or remove log_config to log to stderr",
        PemFile = "conf-fix-pem-file" => "point it at an existing PEM file",
        TlsListener = "conf-fix-tls-listener" => "set both to PEM files (the certificate as a full chain), or set tls: false and terminate TLS in a reverse proxy",
        PresenceValues = "conf-fix-presence-values" => "set presence.enabled to true, false or untracked",
        CreateDirectory { path: String, key: String } = "conf-fix-create-directory" => "create it with `mkdir -p {path}`, or point {key} somewhere that exists",
        RestoreKey = "conf-fix-restore-key" => "restore the key from a backup; a new key makes other servers distrust old events",
        CreateKey = "conf-fix-create-key" => "create it with `matrixctl generate-config` (it adds only missing files), or fix the path",
        KeyReadable = "conf-fix-key-readable" => "make it readable by the user matrixd runs as (and by nobody else: chmod 600)",
        KeepOne { key: String, path_key: String } = "conf-fix-keep-one" => "keep only one of {key} and {path_key}",
        RandomSecret { key: String } = "conf-fix-random-secret" => "set a long random string, or remove {key}",
        SecretInFile = "conf-fix-secret-in-file" => "put the secret in the file, or delete the file so matrixd creates one",
        SecretReadable = "conf-fix-secret-readable" => "make it readable by the user matrixd runs as (chmod 600, owned by that user)",
        AddListener = "conf-fix-add-listener" => "add an http listener on port 8008 with resources [client, federation]",
        Add { line: String } = "conf-fix-add" => "add {line}",
        UseTypeHttp = "conf-fix-use-type-http" => "use type: http",
        IpAddress = "conf-fix-ip-address" => "use an address such as 127.0.0.1, ::1, 0.0.0.0 or ::",
        ResourceDidYouMean { name: String, names: String } = "conf-fix-resource-did-you-mean" => "did you mean `{name}`? matrixd serves: {names}",
        Resources { names: String } = "conf-fix-resources" => "matrixd serves: {names}",
        DatabaseName = "conf-fix-database-name" => "use name: sqlite3 or name: psycopg2 (PostgreSQL)",
        SqliteFile = "conf-fix-sqlite-file" => "set it to the database file, e.g. /var/lib/matrixd/homeserver.db",
        PostgresArgs = "conf-fix-postgres-args" => "add args with user, password, dbname (or database), host and port",
        KeepOneSame = "conf-fix-keep-one-same" => "keep one of them (they mean the same)",
        PortNumber = "conf-fix-port-number" => "use a number such as 5432",
        CpMin = "conf-fix-cp-min" => "make cp_min at most cp_max",
        Sslmodes = "conf-fix-sslmodes" => "use disable, prefer, require, verify-ca or verify-full",
        Engines = "conf-fix-engines" => "use sqlite3 or psycopg2 (PostgreSQL)",
        CustomCaList = "conf-fix-custom-ca-list" => "list PEM files of the certificate authorities to trust, or remove the key to trust the system's",
        ReadablePem = "conf-fix-readable-pem" => "point it at a readable PEM certificate file",
        PemBlock = "conf-fix-pem-block" => "use a PEM file with a -----BEGIN CERTIFICATE----- block",
        IpRange = "conf-fix-ip-range" => "use an address or a CIDR range such as 10.0.0.0/8",
        UrlBlacklistEntry = "conf-fix-url-blacklist-entry" => "e.g. - netloc: 'google.com'",
        UrlParts { parts: String } = "conf-fix-url-parts" => "use one of {parts}",
        AcmeDomain = "conf-fix-acme-domain" => "set acme.domain to the name clients and servers connect to, e.g. domain: matrix.example.org",
        AcmeDirectory { url: String } = "conf-fix-acme-directory" => "use the CA's ACME directory, e.g. url: {url}",
        DnsNamesOnly = "conf-fix-dns-names-only" => "list DNS names only (no port, no IP address): the CA validates each one",
        AcmeDomains = "conf-fix-acme-domains" => "set acme.domain to the name(s) the certificate must cover",
        AcmeTlsPaths = "conf-fix-acme-tls-paths" => "set both, e.g. tls_certificate_path: /etc/matrixd/tls/fullchain.pem and tls_private_key_path: /etc/matrixd/tls/privkey.pem",
        WorkerName = "conf-fix-worker-name" => "name each process differently, e.g. worker_name: matrixd-1",
        WorkersPostgres = "conf-fix-workers-postgres" => "move to PostgreSQL first (matrixctl migrate-db), or remove worker_name to run one process",
        AcmeTlsListener = "conf-fix-acme-tls-listener" => "add a listener with tls: true (port 443: the CA validates there), or remove the acme section",
        DirectoryCa = "conf-fix-directory-ca" => "point it at the PEM root of the CA's HTTPS, or remove it to use the system's roots",
        QuotePattern = "conf-fix-quote-pattern" => "quote the pattern",
        PreviewBlacklist = "conf-fix-preview-blacklist" => "list the private ranges, e.g. url_preview_ip_range_blacklist: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '::1/128', 'fe80::/10', 'fc00::/7']",
        ForceTls = "conf-fix-force-tls" => "remove enable_tls: false, or force_tls: true",
        EnableTls = "conf-fix-enable-tls" => "remove enable_tls: false",
        NotifFromExample = "conf-fix-notif-from-example" => "use an address such as \"Your Server <noreply@example.org>\"",
        SetNotifFrom = "conf-fix-set-notif-from" => "set email.notif_from, e.g. notif_from: \"Your Server <noreply@example.org>\"",
        EmailBaseurl = "conf-fix-email-baseurl" => "set public_baseurl to the URL users reach this server at (e.g. public_baseurl: https://matrix.example.org/), or remove the email section",
    }
}

/// Every message id a problem can carry (its kind, its fix, and the YAML value descriptions
/// inside them): what a catalogue that words problems must define.
pub fn message_ids() -> Vec<&'static str> {
    [
        Kind::IDS,
        Fix::IDS,
        Expected::IDS,
        Found::IDS,
        KeyError::IDS,
    ]
    .concat()
}

/// One finding, always tied to a key path such as `database.args.database`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// Dotted key path, with `[i]` for list items; empty for whole-file problems.
    pub path: String,
    pub message: Kind,
    pub fix: Option<Fix>,
}

impl Problem {
    pub fn error(path: impl Into<String>, message: Kind) -> Self {
        Problem {
            severity: Severity::Error,
            path: path.into(),
            message,
            fix: None,
        }
    }

    pub fn warning(path: impl Into<String>, message: Kind) -> Self {
        Problem {
            severity: Severity::Warning,
            path: path.into(),
            message,
            fix: None,
        }
    }

    pub fn fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.path.is_empty() {
            write!(f, "{label}: {}", self.message)?;
        } else {
            write!(f, "{label}: {}: {}", self.path, self.message)?;
        }
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

/// All problems of one load, errors first in the order found, then warnings.
#[derive(Debug, Default, Clone)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, p: Problem) {
        self.0.push(p);
    }

    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| p.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| !p.is_error())
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Problem::is_error)
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in self.errors().chain(self.warnings()) {
            writeln!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_variant_has_an_example() {
        let ids = message_ids();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "an id is used twice");
        assert_eq!(Kind::examples().len(), Kind::IDS.len());
        assert_eq!(Fix::examples().len(), Fix::IDS.len());
        for k in Kind::examples() {
            assert!(Kind::IDS.contains(&k.id()));
        }
    }

    #[test]
    fn english_wording_names_the_fields() {
        let p = Problem::error(
            "listeners[0].port",
            Kind::WrongType {
                expected: Expected::Integer { min: 0, max: 65535 },
                found: Found::Str { value: "80".into() },
            },
        )
        .fix(Fix::QuoteValue { key: "port".into() });
        assert_eq!(
            p.to_string(),
            "error: listeners[0].port: expected an integer from 0 to 65535, found the string \"80\"\n  fix: put the value in quotes: port: \"...\""
        );
        let m = p.message.message();
        assert_eq!(m.id, "conf-wrong-type");
        assert_eq!(m.args[0].0, "expected");
        assert!(matches!(
            &m.args[1].1,
            Arg::Message(Message {
                id: "conf-found-string",
                ..
            })
        ));
    }
}
