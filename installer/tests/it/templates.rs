//! Every template has an id and a golden file; the rendered homeserver.yaml loads with the
//! server's own loader without a single problem.

use std::path::{Path, PathBuf};

use matrixctl::commands::generate_config::{DatabaseCtx, HomeserverCtx};
use matrixctl::render::{self, HOMESERVER_MISSING_SECRETS, HOMESERVER_YAML, LOG_CONFIG, TEMPLATES};
use serde::Serialize;

fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates")
}

fn golden(name: &str, actual: &str) {
    testkit::golden(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden"),
        name,
        actual,
    );
}

fn ctx(dir: &Path) -> HomeserverCtx {
    let d = |n: &str| dir.join(n).to_string_lossy().into_owned();
    HomeserverCtx {
        server_name: "example.org".into(),
        config_path: d("homeserver.yaml"),
        pid_file: d("homeserver.pid"),
        public_baseurl: Some("https://matrix.example.org/".into()),
        port: 8008,
        bind_addresses: vec!["127.0.0.1".into()],
        x_forwarded: true,
        database: DatabaseCtx {
            name: "sqlite3",
            path: d("homeserver.db"),
            user: None,
            dbname: None,
            host: None,
        },
        log_config: d("example.org.log.config"),
        media_store_path: d("media_store"),
        signing_key_path: d("example.org.signing.key"),
        registration_shared_secret: "reg\"secret\\with:quotes#and&more".into(),
        macaroon_secret_key: "macaroon-0123456789".into(),
        form_secret: "12345".into(),
        report_stats: false,
        extras: Default::default(),
    }
}

#[test]
fn every_template_file_has_an_id_and_every_id_a_file() {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                walk(&p, base, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut on_disk = Vec::new();
    walk(&templates_dir(), &templates_dir(), &mut on_disk);
    on_disk.sort();
    let mut ids: Vec<String> = TEMPLATES.iter().map(|(id, _)| id.0.to_string()).collect();
    ids.sort();
    assert_eq!(on_disk, ids);
    for (id, src) in TEMPLATES {
        assert_eq!(
            std::fs::read_to_string(templates_dir().join(id.0)).unwrap(),
            *src,
            "{} is embedded stale",
            id.0
        );
    }
}

#[test]
fn homeserver_yaml_golden() {
    let out = render::render(HOMESERVER_YAML, &ctx(Path::new("/etc/matrixd"))).unwrap();
    golden("homeserver.yaml", &out);
}

#[test]
fn log_config_golden() {
    #[derive(Serialize)]
    struct L {
        server_name: &'static str,
        log_file: &'static str,
    }
    let out = render::render(
        LOG_CONFIG,
        &L {
            server_name: "example.org",
            log_file: "/var/lib/matrixd/homeserver.log",
        },
    )
    .unwrap();
    golden("log.config", &out);
    // It is YAML, and the server's logging reads its level and file.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.config");
    std::fs::write(&p, &out).unwrap();
    let (level, file) = matrixd::logging::read_log_config(Some(&p));
    assert_eq!(level, "info");
    assert_eq!(file.unwrap(), Path::new("/var/lib/matrixd/homeserver.log"));
}

#[test]
fn missing_secrets_block_golden() {
    #[derive(Serialize)]
    struct S {
        key: &'static str,
        value: &'static str,
    }
    #[derive(Serialize)]
    struct C {
        secrets: Vec<S>,
    }
    let out = render::render(
        HOMESERVER_MISSING_SECRETS,
        &C {
            secrets: vec![
                S {
                    key: "form_secret",
                    value: "abc",
                },
                S {
                    key: "macaroon_secret_key",
                    value: "d\"e",
                },
            ],
        },
    )
    .unwrap();
    golden("homeserver-missing-secrets.yaml", &out);
}

#[test]
fn rendered_homeserver_yaml_loads_with_the_servers_loader() {
    let dir = tempfile::tempdir().unwrap();
    let c = ctx(dir.path());
    std::fs::write(
        &c.signing_key_path,
        matrixd::keys::SigningKey::generate().to_file_line(),
    )
    .unwrap();
    std::fs::write(&c.log_config, "version: 1\n").unwrap();
    let out = render::render(HOMESERVER_YAML, &c).unwrap();
    std::fs::write(&c.config_path, &out).unwrap();
    let (config, problems) = matrixd::config::load_files(&[PathBuf::from(&c.config_path)]);
    assert!(
        problems.0.is_empty(),
        "the generated config must load without a single problem:\n{problems}"
    );
    let config = config.unwrap();
    assert_eq!(config.server_name, "example.org");
    // Quoting keeps every secret a string, byte for byte, even digits and YAML metacharacters.
    assert_eq!(
        config.registration_secret().unwrap().expose(),
        "reg\"secret\\with:quotes#and&more"
    );
    assert_eq!(
        config
            .form_secret
            .as_ref()
            .unwrap()
            .value()
            .unwrap()
            .expose(),
        "12345"
    );
    assert_eq!(
        config.public_baseurl.as_ref().unwrap().as_str(),
        "https://matrix.example.org/"
    );
    assert_eq!(config.local_client_url(), "http://127.0.0.1:8008");
}
