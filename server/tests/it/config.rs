//! Every homeserver.yaml problem has a test asserting its message: syntax errors with line and
//! column, unknown keys with a suggestion, wrong types naming the expected type, missing paths,
//! secrets, conf.d merging, and Synapse's own keys.

use std::path::PathBuf;

use matrixd::config::{self, Database, Problems, Resource, SecretSource};

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        let d = Dir(tempfile::tempdir().unwrap());
        std::fs::write(
            d.p("signing.key"),
            matrixd::keys::SigningKey::generate().to_file_line(),
        )
        .unwrap();
        d
    }
    fn p(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    /// A minimal valid config plus `extra` lines.
    fn base(&self) -> String {
        format!(
            "server_name: example.org\nreport_stats: false\nsigning_key_path: {}\nmedia_store_path: {}\ndatabase:\n  name: sqlite3\n  args:\n    database: {}\n",
            self.p("signing.key").display(),
            self.p("media").display(),
            self.p("homeserver.db").display()
        )
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.p(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn load(paths: &[PathBuf]) -> (Option<config::Config>, Problems) {
    config::load_files(paths)
}

/// All problems as text, one per line.
fn text(p: &Problems) -> String {
    p.to_string()
}

#[track_caller]
fn assert_problem(p: &Problems, needle: &str) {
    assert!(
        text(p).contains(needle),
        "expected {needle:?} in:\n{}",
        text(p)
    );
}

#[test]
fn a_valid_config_loads_with_synapse_defaults() {
    let d = Dir::new();
    let path = d.write("homeserver.yaml", &d.base());
    let (c, p) = load(&[path]);
    assert!(!p.has_errors(), "{p}");
    let c = c.unwrap();
    assert_eq!(c.server_name, "example.org");
    assert_eq!(c.max_upload_size, 50 * 1024 * 1024);
    assert!(!c.enable_registration);
    assert_eq!(c.trusted_key_servers[0].server_name, "matrix.org");
    assert!(matches!(c.database, Database::Sqlite { .. }));
}

#[test]
fn yaml_syntax_errors_give_line_and_column() {
    let d = Dir::new();
    let path = d.write(
        "homeserver.yaml",
        "server_name: example.org\nlisteners:\n  - port: 8008\n   type: http\n",
    );
    let (c, p) = load(std::slice::from_ref(&path));
    assert!(c.is_none());
    assert_problem(
        &p,
        &format!("{}: YAML syntax error at line 4, column", path.display()),
    );
}

#[test]
fn unknown_keys_are_reported_with_a_suggestion() {
    let d = Dir::new();
    let path = d.write(
        "homeserver.yaml",
        &format!("{}enable_registraton: true\nfoo_bar_baz: 1\n", d.base()),
    );
    let (c, p) = load(&[path]);
    assert!(c.is_none());
    assert_problem(
        &p,
        "error: enable_registraton: unknown key\n  fix: did you mean `enable_registration`?",
    );
    assert_problem(&p, "error: foo_bar_baz: unknown key");
}

#[test]
fn unknown_nested_keys_are_reported_with_their_path() {
    let d = Dir::new();
    let text = d
        .base()
        .replace("  name: sqlite3\n", "  name: sqlite3\n  nmae: x\n")
        + "listeners:\n  - port: 8008\n    type: http\n    bind_adresses: ['127.0.0.1']\n    resources:\n      - names: [client, federaton]\n";
    let path = d.write("homeserver.yaml", &text);
    let (_, p) = load(&[path]);
    assert_problem(
        &p,
        "error: database.nmae: unknown key\n  fix: did you mean `name`?",
    );
    assert_problem(
        &p,
        "error: listeners[0].bind_adresses: unknown key\n  fix: did you mean `bind_addresses`?",
    );
    assert_problem(
        &p,
        "error: listeners[0].resources[0].names[1]: unknown resource \"federaton\"\n  fix: did you mean `federation`?",
    );
}

#[test]
fn synapse_keys_we_do_not_support_are_warnings_by_name() {
    let d = Dir::new();
    let path = d.write("homeserver.yaml", &format!("{}suppress_key_server_warning: true\nallow_guest_access: false\npresence:\n  enabled: true\n  include_offline_users_on_sync: true\n", d.base()));
    let (c, p) = load(&[path]);
    assert!(c.is_some(), "{p}");
    assert_problem(
        &p,
        "warning: allow_guest_access: is a Synapse setting matrixd does not support yet; it is ignored",
    );
    assert_problem(
        &p,
        "warning: presence.include_offline_users_on_sync: is a Synapse setting",
    );
}

#[test]
fn wrong_types_name_the_expected_type() {
    let d = Dir::new();
    let text = d
        .base()
        .replace("report_stats: false", "report_stats: maybe")
        + "registration_shared_secret: 12345\nmax_upload_size: lots\nlisteners:\n  - port: eighty\n    type: http\n  - port: 70000\n    type: http\n";
    let path = d.write("homeserver.yaml", &text);
    let (c, p) = load(&[path]);
    assert!(c.is_none());
    assert_problem(
        &p,
        "error: report_stats: expected a boolean (true or false), found the string \"maybe\"",
    );
    assert_problem(
        &p,
        "error: registration_shared_secret: expected a string, found the integer 12345\n  fix: put the value in quotes",
    );
    assert_problem(&p, "error: max_upload_size: \"lots\" is not a size");
    assert_problem(
        &p,
        "error: listeners[0].port: expected an integer from 0 to 65535, found the string \"eighty\"",
    );
    assert_problem(&p, "error: listeners[1].port: 70000 is out of range");
}

#[test]
fn missing_directories_name_the_key_and_the_fix() {
    let d = Dir::new();
    let text = d.base().replace(
        &d.p("homeserver.db").display().to_string(),
        "/nonexistent/dir/homeserver.db",
    );
    let path = d.write("homeserver.yaml", &text);
    let (_, p) = load(&[path]);
    assert_problem(
        &p,
        "error: database.args.database: directory /nonexistent/dir does not exist\n  fix: create it with `mkdir -p /nonexistent/dir`",
    );
}

#[test]
fn required_keys_and_server_name_grammar() {
    let d = Dir::new();
    let path = d.write("homeserver.yaml", "listeners: []\n");
    let (_, p) = load(&[path]);
    assert_problem(&p, "error: server_name: is required");
    assert_problem(&p, "error: report_stats: is required");

    let path = d.write(
        "homeserver.yaml",
        &d.base()
            .replace("server_name: example.org", "server_name: \"bad name!\""),
    );
    let (_, p) = load(&[path]);
    assert_problem(
        &p,
        "error: server_name: \"bad name!\" is not a valid server name",
    );
    for good in [
        "example.org",
        "example.org:8448",
        "1.2.3.4",
        "[::1]:8448",
        "localhost",
    ] {
        assert!(config::is_valid_server_name(good), "{good}");
    }
}

#[test]
fn signing_key_problems() {
    let d = Dir::new();
    std::fs::remove_file(d.p("signing.key")).unwrap();
    let path = d.write("homeserver.yaml", &d.base());
    let (_, p) = load(std::slice::from_ref(&path));
    assert_problem(
        &p,
        &format!(
            "error: signing_key_path: file {} does not exist",
            d.p("signing.key").display()
        ),
    );

    std::fs::write(d.p("signing.key"), "ed25519 a_abcd notbase64!!\n").unwrap();
    let (_, p) = load(&[path]);
    assert_problem(&p, "line 1: the seed is not valid base64");
}

#[test]
fn secrets_inline_or_from_path_files_but_not_both() {
    let d = Dir::new();
    std::fs::write(d.p("reg.secret"), "from-file\n").unwrap();
    let path = d.write(
        "homeserver.yaml",
        &format!(
            "{}registration_shared_secret_path: {}\n",
            d.base(),
            d.p("reg.secret").display()
        ),
    );
    let (c, p) = load(std::slice::from_ref(&path));
    let c = c.unwrap_or_else(|| panic!("{p}"));
    assert_eq!(c.registration_secret().unwrap().expose(), "from-file");

    let path = d.write(
        "homeserver.yaml",
        &format!(
            "{}registration_shared_secret: inline\nregistration_shared_secret_path: {}\n",
            d.base(),
            d.p("reg.secret").display()
        ),
    );
    let (_, p) = load(&[path]);
    assert_problem(
        &p,
        "error: registration_shared_secret: both registration_shared_secret and registration_shared_secret_path are set",
    );

    // A missing file is a warning: the server creates it on first start.
    let path = d.write(
        "homeserver.yaml",
        &format!(
            "{}macaroon_secret_key_path: {}\n",
            d.base(),
            d.p("mac.secret").display()
        ),
    );
    let (c, p) = load(&[path]);
    assert!(matches!(
        c.unwrap().macaroon_secret_key,
        Some(SecretSource::File { value: None, .. })
    ));
    assert_problem(&p, "does not exist yet; matrixd creates it on first start");
}

#[test]
fn secrets_are_redacted_in_debug_output() {
    let d = Dir::new();
    let path = d.write(
        "homeserver.yaml",
        &format!(
            "{}registration_shared_secret: \"super-secret-value\"\n",
            d.base()
        ),
    );
    let (c, _) = load(&[path]);
    let dbg = format!("{:?}", c.unwrap());
    assert!(!dbg.contains("super-secret-value"), "{dbg}");
}

#[test]
fn config_directories_merge_in_name_order_later_wins() {
    let d = Dir::new();
    let main = d.write("homeserver.yaml", &d.base());
    std::fs::create_dir(d.p("conf.d")).unwrap();
    std::fs::write(d.p("conf.d/20-late.yaml"), "max_upload_size: 20M\n").unwrap();
    std::fs::write(
        d.p("conf.d/10-early.yaml"),
        "max_upload_size: 10M\nenable_registration: true\nregistration_requires_token: true\n",
    )
    .unwrap();
    std::fs::write(d.p("conf.d/.hidden.yaml"), "max_upload_size: 1\n").unwrap();
    std::fs::write(d.p("conf.d/notes.txt"), "not yaml: [\n").unwrap();
    let (c, p) = load(&[main, d.p("conf.d")]);
    let c = c.unwrap_or_else(|| panic!("{p}"));
    assert_eq!(c.max_upload_size, 20 * 1024 * 1024);
    assert!(c.enable_registration && c.registration_requires_token);
}

#[test]
fn open_registration_needs_a_token_or_an_explicit_opt_in() {
    let d = Dir::new();
    let path = d.write(
        "homeserver.yaml",
        &format!("{}enable_registration: true\n", d.base()),
    );
    let (_, p) = load(&[path]);
    assert_problem(
        &p,
        "error: enable_registration: open registration without any verification",
    );
    let path = d.write(
        "homeserver.yaml",
        &format!(
            "{}enable_registration: true\nenable_registration_without_verification: true\n",
            d.base()
        ),
    );
    assert!(load(&[path]).0.is_some());
}

#[test]
fn postgres_args_as_synapse_writes_them() {
    let d = Dir::new();
    let text = d.base().replace(
        &format!("  name: sqlite3\n  args:\n    database: {}\n", d.p("homeserver.db").display()),
        "  name: psycopg2\n  txn_limit: 10000\n  args:\n    user: synapse_user\n    password: secretpassword\n    database: synapse\n    host: localhost\n    port: 5432\n    cp_min: 5\n    cp_max: 10\n    keepalives_idle: 10\n",
    );
    let path = d.write("homeserver.yaml", &text);
    let (c, p) = load(&[path]);
    let c = c.unwrap_or_else(|| panic!("{p}"));
    let Database::Postgres(a) = &c.database else {
        panic!("postgres expected")
    };
    assert_eq!(a.user.as_deref(), Some("synapse_user"));
    assert_eq!(a.dbname.as_deref(), Some("synapse"));
    assert_eq!(
        (a.host.as_deref(), a.port, a.cp_min, a.cp_max),
        (Some("localhost"), Some(5432), 5, 10)
    );
    assert_problem(
        &p,
        "warning: database.args.keepalives_idle: is a Synapse setting",
    );
    assert!(!format!("{c:?}").contains("secretpassword"));

    let text = text
        .replace("cp_min: 5", "cp_min: 50")
        .replace("name: psycopg2", "name: mysql");
    let path = d.write("homeserver.yaml", &text);
    let (_, p) = load(&[path]);
    assert_problem(
        &p,
        "error: database.name: unknown database engine \"mysql\"",
    );
}

#[test]
fn listeners_and_resources() {
    let d = Dir::new();
    let text = format!(
        "{}listeners:\n  - port: 8008\n    bind_addresses: ['::1', '127.0.0.1']\n    type: http\n    x_forwarded: true\n    resources:\n      - names: [client, federation]\n        compress: false\n  - port: 9000\n    type: metrics\n  - port: 8448\n    type: http\n    resources:\n      - names: [federation]\n",
        d.base()
    );
    let path = d.write("homeserver.yaml", &text);
    let (c, p) = load(&[path]);
    let c = c.unwrap_or_else(|| panic!("{p}"));
    assert_eq!(
        c.listeners.len(),
        2,
        "the metrics listener is skipped without enable_metrics"
    );
    assert!(c.listeners[0].serves(Resource::Client) && c.listeners[0].x_forwarded);
    assert_eq!(
        c.listeners[1].bind_addresses,
        vec!["::".to_string(), "0.0.0.0".to_string()],
        "Synapse's default"
    );
    assert_eq!(c.local_client_url(), "http://[::1]:8008");
    assert_problem(
        &p,
        "warning: listeners[1].type: a metrics listener is configured but enable_metrics is false",
    );

    let path = d.write("homeserver.yaml", &format!("{}listeners:\n  - port: 8448\n    type: http\n    tls: true\n    bind_addresses: ['localhost']\n", d.base()));
    let (_, p) = load(&[path]);
    assert_problem(
        &p,
        "error: listeners: a listener has tls: true but tls_certificate_path and tls_private_key_path are not both set",
    );
    assert_problem(
        &p,
        "error: listeners[0].bind_addresses[0]: \"localhost\" is not an IP address",
    );
}

#[test]
fn every_problem_is_listed_not_just_the_first() {
    let d = Dir::new();
    let path = d.write(
        "homeserver.yaml",
        "server_name: 5\nreport_stats: 1\nenable_registration: yes please\nmystery: 1\n",
    );
    let (_, p) = load(&[path]);
    assert!(p.errors().count() >= 4, "{p}");
}

#[test]
fn unreadable_or_missing_files() {
    let (_, p) = load(&[PathBuf::from("/nonexistent/homeserver.yaml")]);
    assert_problem(&p, "error: cannot read /nonexistent/homeserver.yaml");
    assert_problem(&p, "matrixctl generate-config");
}

/// Synapse's four token lifetimes: its defaults (refresh tokens on, 5 minutes), durations with
/// units or in milliseconds, null turning refresh tokens off, and its refusal of a lifetime
/// longer than the session (the refreshable one only when set).
#[test]
fn issue_18_token_lifetimes_as_synapse_reads_them() {
    let d = Dir::new();
    let path = d.write("homeserver.yaml", &d.base());
    let (c, p) = load(&[path]);
    let s = c.unwrap_or_else(|| panic!("{p}")).sessions;
    assert_eq!(s.refreshable_access_token_lifetime_ms, Some(5 * 60 * 1000));
    assert_eq!(
        (
            s.session_lifetime_ms,
            s.refresh_token_lifetime_ms,
            s.nonrefreshable_access_token_lifetime_ms
        ),
        (None, None, None)
    );
    assert!(!text(&p).contains("lifetime"), "{p}");

    let path = d.write(
        "homeserver.yaml",
        &format!(
            "{}session_lifetime: 30d\nrefreshable_access_token_lifetime: 10m\nrefresh_token_lifetime: 1d\nnonrefreshable_access_token_lifetime: 3600000\n",
            d.base()
        ),
    );
    let (c, p) = load(&[path]);
    let s = c.unwrap_or_else(|| panic!("{p}")).sessions;
    assert_eq!(s.session_lifetime_ms, Some(30 * 86_400_000));
    assert_eq!(s.refreshable_access_token_lifetime_ms, Some(600_000));
    assert_eq!(s.refresh_token_lifetime_ms, Some(86_400_000));
    assert_eq!(s.nonrefreshable_access_token_lifetime_ms, Some(3_600_000));
    assert!(
        !text(&p).contains("lifetime"),
        "read, not reported as unsupported: {p}"
    );

    let path = d.write(
        "homeserver.yaml",
        &format!("{}refreshable_access_token_lifetime: null\n", d.base()),
    );
    let (c, p) = load(&[path]);
    let s = c.unwrap_or_else(|| panic!("{p}")).sessions;
    assert!(!s.refresh_tokens_enabled());

    // The default 5 minutes is not compared with a shorter session; a set value is.
    let path = d.write(
        "homeserver.yaml",
        &format!("{}session_lifetime: 1m\n", d.base()),
    );
    let (c, p) = load(&[path]);
    assert!(c.is_some(), "{p}");
    let path = d.write(
        "homeserver.yaml",
        &format!(
            "{}session_lifetime: 1m\nrefreshable_access_token_lifetime: 2m\nrefresh_token_lifetime: 1h\nsession_lifetime_typo: 1\n",
            d.base()
        ),
    );
    let (c, p) = load(&[path]);
    assert!(c.is_none());
    assert_problem(
        &p,
        "error: refreshable_access_token_lifetime: 120000 ms is longer than session_lifetime (60000 ms); Synapse refuses this",
    );
    assert_problem(
        &p,
        "error: refresh_token_lifetime: 3600000 ms is longer than session_lifetime",
    );
    assert_problem(
        &p,
        "fix: make it at most session_lifetime, or raise session_lifetime",
    );
    assert_problem(&p, "did you mean `session_lifetime`?");

    let path = d.write(
        "homeserver.yaml",
        &format!("{}session_lifetime: forever\n", d.base()),
    );
    let (_, p) = load(&[path]);
    assert_problem(&p, "error: session_lifetime: \"forever\" is not a duration");
    assert_problem(&p, "use a duration such as \"5m\" or \"30d\"");
}

#[test]
fn turn_settings_as_synapse() {
    let d = Dir::new();
    let path = d.write("homeserver.yaml", &format!("{}turn_uris: [\"turn:t.example:3478\"]\nturn_shared_secret: s\nturn_user_lifetime: 90m\n", d.base()));
    let (c, p) = load(&[path]);
    let c = c.unwrap_or_else(|| panic!("{p}"));
    assert_eq!(c.turn.user_lifetime_ms, 90 * 60 * 1000);
    assert!(c.turn.allow_guests, "turn_allow_guests defaults to true");

    let path = d.write(
        "homeserver.yaml",
        &format!("{}turn_uris: [\"turn:t.example:3478\"]\n", d.base()),
    );
    let (_, p) = load(&[path]);
    assert_problem(
        &p,
        "warning: turn_uris: TURN URIs are set but neither turn_shared_secret nor turn_username/turn_password",
    );

    let path = d.write(
        "homeserver.yaml",
        &format!(
            "{}turn_uris: [\"http://nope\"]\nturn_username: u\nturn_user_lifetime: soon\n",
            d.base()
        ),
    );
    let (_, p) = load(&[path]);
    assert_problem(&p, "error: turn_uris[0]: \"http://nope\" is not a TURN URI");
    assert_problem(
        &p,
        "error: turn_username: turn_username and turn_password must be set together",
    );
    assert_problem(&p, "error: turn_user_lifetime: \"soon\" is not a duration");
}

#[test]
fn federation_tls_keys_default_to_verifying_with_the_system_roots() {
    let d = Dir::new();
    let path = d.write("homeserver.yaml", &d.base());
    let (c, p) = load(&[path]);
    assert!(!p.has_errors(), "{p}");
    let t = c.unwrap().federation_tls;
    assert!(t.verify_certificates);
    assert!(t.custom_ca_list.is_empty() && t.custom_ca_pem.is_empty());
    assert!(t.verifies("matrix.org"));
    assert!(
        !p.to_string().contains("federation_"),
        "no warning for unset keys: {p}"
    );
}

#[test]
fn federation_tls_keys_are_read_not_warned_about() {
    let d = Dir::new();
    let ca = rcgen::generate_simple_self_signed(vec!["ca.test".to_string()]).unwrap();
    let ca_path = d.write("ca.pem", &ca.cert.pem());
    let text = format!(
        "{}federation_verify_certificates: true\nfederation_custom_ca_list: [{}]\nfederation_certificate_verification_whitelist: ['*.lan', 'test?.org']\n",
        d.base(),
        ca_path.display()
    );
    let path = d.write("homeserver.yaml", &text);
    let (c, p) = load(&[path]);
    assert!(!p.has_errors(), "{p}");
    assert!(!p.to_string().contains("federation_"), "{p}");
    let t = c.unwrap().federation_tls;
    assert_eq!(t.custom_ca_list, vec![ca_path]);
    assert_eq!(t.custom_ca_pem, vec![ca.cert.pem().into_bytes()]);
    assert!(!t.verifies("box.lan"));
    assert!(!t.verifies("TEST1.org"));
    assert!(t.verifies("test12.org"));
    assert!(t.verifies("lan"));

    let off = d.write(
        "off.yaml",
        &format!("{}federation_verify_certificates: false\n", d.base()),
    );
    let (c, p) = load(&[off]);
    assert!(!p.has_errors(), "{p}");
    assert!(!c.unwrap().federation_tls.verifies("matrix.org"));
}

#[test]
fn federation_custom_ca_list_problems_name_the_key() {
    let d = Dir::new();
    let not_pem = d.write("not.pem", "hello\n");
    for (extra, needle) in [
        (
            "federation_custom_ca_list: []\n".to_string(),
            "error: federation_custom_ca_list: federation_custom_ca_list specified without any certificate files".to_string(),
        ),
        (
            format!("federation_custom_ca_list: [{}]\n", d.p("missing.pem").display()),
            format!(
                "error: federation_custom_ca_list[0]: cannot read {}",
                d.p("missing.pem").display()
            ),
        ),
        (
            format!("federation_custom_ca_list: [{}]\n", not_pem.display()),
            "error: federation_custom_ca_list[0]: Error parsing custom CA certificate file".to_string(),
        ),
        (
            "federation_verify_certificates: 'yes'\n".to_string(),
            "error: federation_verify_certificates: expected a boolean".to_string(),
        ),
    ] {
        let path = d.write("homeserver.yaml", &format!("{}{extra}", d.base()));
        let (c, p) = load(&[path]);
        assert!(c.is_none(), "{extra}");
        assert_problem(&p, &needle);
    }
}

#[test]
fn presence_is_read_as_synapse_reads_it() {
    use matrixd::config::PresenceMode;
    let d = Dir::new();
    for (extra, mode) in [
        ("", PresenceMode::Enabled),
        ("use_presence: false\n", PresenceMode::Disabled),
        ("presence:\n  enabled: false\n", PresenceMode::Disabled),
        ("presence:\n  enabled: untracked\n", PresenceMode::Untracked),
        // The newer section wins over the older key, as in Synapse.
        (
            "use_presence: false\npresence:\n  enabled: true\n",
            PresenceMode::Enabled,
        ),
    ] {
        let path = d.write("homeserver.yaml", &format!("{}{extra}", d.base()));
        let (c, p) = load(&[path]);
        assert!(!p.has_errors(), "{extra}: {p}");
        assert_eq!(c.unwrap().presence, mode, "{extra}");
    }
    let path = d.write(
        "homeserver.yaml",
        &format!("{}presence:\n  enabled: sometimes\n", d.base()),
    );
    let (c, p) = load(&[path]);
    assert!(c.is_none());
    assert_problem(
        &p,
        "error: presence.enabled: expected true, false or \"untracked\", found the string \"sometimes\"",
    );
}

/// The `acme` section (issue 19): Synapse's keys where they fit, defaults, and every mistake
/// named with its fix.
#[test]
fn issue_19_the_acme_section_reads_synapse_keys_and_names_its_mistakes() {
    let d = Dir::new();
    let tls = |extra: &str| {
        format!(
            "{}listeners:\n  - port: 8448\n    type: http\n    tls: true\n    resources:\n      - names: [client]\ntls_certificate_path: {}\ntls_private_key_path: {}\n{extra}",
            d.base(),
            d.p("tls/fullchain.pem").display(),
            d.p("tls/privkey.pem").display()
        )
    };
    // Enabled with only the defaults: the server name, Let's Encrypt, 30 days, the account
    // beside the certificate; the certificate need not exist yet (matrixd obtains it), but
    // its directory must.
    let path = d.write("a.yaml", &tls("acme:\n  enabled: true\n"));
    let (_, p) = load(std::slice::from_ref(&path));
    assert_problem(&p, "tls_certificate_path: directory");
    std::fs::create_dir(d.p("tls")).unwrap();
    let (c, p) = load(&[path]);
    assert!(!p.has_errors(), "{p}");
    let a = c.unwrap().acme.unwrap();
    assert_eq!(a.domains, ["example.org"]);
    assert_eq!(a.directory, config::acme::LETS_ENCRYPT);
    assert_eq!(a.threshold_days, 30);
    assert_eq!(a.account_key_file, d.p("tls/acme_account.json"));
    assert_problem(&p, "no TLS listener on port 443");

    // Every key, Synapse's HTTP-01 listener keys ignored with a warning.
    std::fs::write(d.p("ca.pem"), "").unwrap();
    let path = d.write(
        "b.yaml",
        &tls(&format!(
            "acme:\n  enabled: true\n  url: https://ca.example/dir\n  domain: [matrix.example.org, example.org]\n  account_key_file: {}\n  reprovision_threshold: 20\n  email: ops@example.org\n  directory_ca_file: {}\n  port: 80\n  bind_addresses: ['::']\n",
            d.p("account.json").display(),
            d.p("ca.pem").display()
        )),
    );
    let (c, p) = load(&[path]);
    assert!(!p.has_errors(), "{p}");
    let a = c.unwrap().acme.unwrap();
    assert_eq!(a.domains, ["matrix.example.org", "example.org"]);
    assert_eq!(a.directory, "https://ca.example/dir");
    assert_eq!(a.threshold_days, 20);
    assert_eq!(a.email.as_deref(), Some("ops@example.org"));
    assert_eq!(a.account_key_file, d.p("account.json"));
    assert_eq!(a.directory_ca_file, Some(d.p("ca.pem")));
    assert_problem(
        &p,
        "acme.port: is a Synapse setting matrixd does not support yet",
    );

    // Not enabled: not read, and the missing certificate is an error again.
    let path = d.write("c.yaml", &tls("acme:\n  enabled: false\n"));
    let (c, p) = load(&[path]);
    assert!(c.is_none());
    assert_problem(&p, "fullchain.pem does not exist");

    // Mistakes, each with its key.
    let path = d.write(
        "d.yaml",
        &tls("acme:\n  enabled: true\n  url: http://ca.example/dir\n  domain: [\"example.org:8448\"]\n  reprovision_threshold: 0\n  directory_ca_file: /nonexistent/ca.pem\n  emial: x\n"),
    );
    let (c, p) = load(&[path]);
    assert!(c.is_none());
    for needle in [
        "acme.url: \"http://ca.example/dir\" is not an https URL",
        "acme.domain: \"example.org:8448\" is not a DNS name",
        "acme.reprovision_threshold: 0 is out of range",
        "acme.directory_ca_file: file /nonexistent/ca.pem does not exist",
        "acme.emial: unknown key",
    ] {
        assert_problem(&p, needle);
    }
    let path = d.write("e.yaml", &format!("{}acme:\n  enabled: true\n", d.base()));
    let (_, p) = load(&[path]);
    assert_problem(&p, "acme.enabled: needs tls_certificate_path");
}
