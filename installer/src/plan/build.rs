//! Planning: answers + facts + what exists → the ordered steps. Pure: it reads existing files
//! through `Existing` and draws new secrets from the generator it is given; it never writes,
//! spawns or prints. Every file's content is rendered here from its template.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::answers::{Answers, Database, Proxy, Registration, Tls};
use crate::facts::Facts;
use crate::facts::distro::subst;
use crate::plan::existing::Existing;
use crate::plan::model::*;
use crate::render::homeserver::{
    DatabaseCtx, EmailCtx, HomeserverCtx, InstallExtras, SecretFilesCtx, TlsListenerCtx, TurnCtx,
};
use crate::render::{self, TemplateId};

/// Synapse's default `url_preview_ip_range_blacklist`: its 19 ranges, from the server's schema.
pub const URL_PREVIEW_IP_RANGE_BLACKLIST: &[&str] = matrixd::config::DEFAULT_IP_RANGE_BLACKLIST;

/// The homeserver's plain-HTTP port (loopback behind nginx).
pub const HTTP_PORT: u16 = 8008;
/// Federation's default port; matrixd's own TLS listener with `--tls direct`.
pub const FEDERATION_PORT: u16 = 8448;

#[derive(Debug)]
pub struct PlanError {
    pub message: String,
    pub hint: String,
}

fn err(message: impl Into<String>, hint: impl Into<String>) -> PlanError {
    PlanError {
        message: message.into(),
        hint: hint.into(),
    }
}

/// Where things go, from the distro data.
#[derive(Debug, Clone)]
pub struct Layout {
    pub config_dir: PathBuf,
    pub config: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
    pub run_dir: PathBuf,
    pub bin: PathBuf,
    pub secrets_dir: PathBuf,
    pub tls_dir: PathBuf,
    pub answers: PathBuf,
    pub receipt: PathBuf,
    pub pid_file: PathBuf,
    pub out_log: PathBuf,
    pub service: String,
}

impl Layout {
    pub fn of(facts: &Facts) -> Layout {
        let p = &facts.distro.paths;
        let config_dir = PathBuf::from(&p.config_dir);
        let run_dir = PathBuf::from(&p.run_dir);
        let log_dir = PathBuf::from(&p.log_dir);
        Layout {
            config: config_dir.join("homeserver.yaml"),
            secrets_dir: config_dir.join("secrets"),
            tls_dir: config_dir.join("tls"),
            answers: config_dir.join("matrixctl-answers.toml"),
            receipt: config_dir.join("matrixctl-install.toml"),
            config_dir,
            data_dir: PathBuf::from(&p.data_dir),
            pid_file: run_dir.join("matrixd.pid"),
            out_log: log_dir.join("matrixd.out"),
            log_dir,
            run_dir,
            bin: PathBuf::from(&p.bin),
            service: "matrixd".into(),
        }
    }
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

struct Builder<'a> {
    existing: &'a dyn Existing,
    steps: Vec<Step>,
}

impl Builder<'_> {
    fn change_for(&self, path: &Path, bytes: &[u8]) -> Change {
        match self.existing.read(path) {
            None if !self.existing.exists(path) => Change::Create,
            Some(old) if old == bytes => Change::Unchanged,
            _ => Change::Update,
        }
    }
    fn dir(&mut self, path: &Path, mode: u32, owner: &Owner) {
        let change = if self.existing.exists(path) {
            Change::Unchanged
        } else {
            Change::Create
        };
        self.steps.push(Step::Dir {
            path: path.to_path_buf(),
            mode,
            owner: owner.clone(),
            change,
        });
    }
    fn template(
        &mut self,
        path: &Path,
        id: TemplateId,
        ctx: &impl Serialize,
        mode: u32,
        owner: &Owner,
        affects: Affects,
    ) -> Result<String, PlanError> {
        let text = render::render(id, ctx).map_err(|e| {
            err(
                format!("internal template error: {e}"),
                "report this as a bug",
            )
        })?;
        let change = self.change_for(path, text.as_bytes());
        self.steps.push(Step::File(FileStep {
            path: path.to_path_buf(),
            content: Content::Template {
                id: id.0,
                text: text.clone(),
            },
            mode,
            owner: owner.clone(),
            change,
            create_only: false,
            affects,
        }));
        Ok(text)
    }
    /// A secret file: kept when it exists (its value is returned), else a new one.
    fn secret(
        &mut self,
        path: &Path,
        owner: &Owner,
        new_secret: &mut dyn FnMut() -> String,
        affects: Affects,
    ) -> String {
        let (value, change) = match self.existing.read(path) {
            Some(old) => (
                String::from_utf8_lossy(&old).trim().to_string(),
                Change::Keep,
            ),
            None => (new_secret(), Change::Create),
        };
        self.steps.push(Step::File(FileStep {
            path: path.to_path_buf(),
            content: Content::Secret(value.clone()),
            mode: 0o600,
            owner: owner.clone(),
            change,
            create_only: true,
            affects,
        }));
        value
    }
}

#[derive(Serialize)]
struct ServiceCtx<'a> {
    server_name: &'a str,
    service: &'a str,
    user: &'a str,
    group: &'a str,
    bin: String,
    config: String,
    data_dir: String,
    log_dir: String,
    run_dir: String,
    run_dir_name: String,
    after: Option<String>,
}

#[derive(Serialize)]
struct NginxCtx {
    server_name: String,
    server_names: Vec<String>,
    tls: bool,
    cert: String,
    key: String,
    ipv6: bool,
    listen_http2: &'static str,
    http2_directive: bool,
    federation_port: bool,
    upstream: String,
    well_known: bool,
    webroot: String,
}

#[derive(Serialize)]
struct LogCtx {
    server_name: String,
    log_file: String,
}

#[derive(Serialize)]
struct ServerWellKnown {
    delegated: String,
}

#[derive(Serialize)]
struct ClientWellKnown {
    base_url: String,
}

#[derive(Serialize)]
struct CoturnCtx {
    server_name: String,
    secret: String,
    realm: String,
}

/// The public URL's host and port.
pub fn url_host_port(url: &str) -> (String, u16) {
    match url::Url::parse(url) {
        Ok(u) => (
            u.host_str().unwrap_or("localhost").to_string(),
            u.port_or_known_default().unwrap_or(443),
        ),
        Err(_) => ("localhost".into(), 443),
    }
}

fn cmd(argv: &[String], vars: &[(&str, &str)]) -> Cmd {
    Cmd::new(subst(argv, vars))
}

/// A conditional answer that the wizard always fills when it applies.
fn answered<T: Clone>(value: &Option<T>, key: &str) -> Result<T, PlanError> {
    value.clone().ok_or_else(|| {
        err(
            format!("missing answer: {key}"),
            format!(
                "pass --{} or set {key} in the answers file",
                key.replace('_', "-")
            ),
        )
    })
}

/// Builds the plan. `gen` makes new secrets (random in real runs, predictable in tests).
pub fn build(
    a: &Answers,
    facts: &Facts,
    existing: &dyn Existing,
    new_secret: &mut dyn FnMut() -> String,
) -> Result<Plan, PlanError> {
    let d = &facts.distro;
    let l = Layout::of(facts);
    let mut b = Builder {
        existing,
        steps: Vec::new(),
    };
    let mut notes = Vec::new();
    let user = Owner {
        user: d.user.name.clone(),
        group: d.user.group.clone(),
    };
    let root = Owner {
        user: "root".into(),
        group: "root".into(),
    };
    let root_group = Owner {
        user: "root".into(),
        group: d.user.group.clone(),
    };

    let (public_host, public_port) = url_host_port(&a.public_baseurl);
    let server_host = a.server_name.host();
    let nginx = a.proxy == Proxy::Nginx;
    let postgres = a.database == Database::Postgres;
    let coturn = a.install_coturn.yes();
    let turn = coturn || !a.turn_uris.is_empty();
    let uses_tls = a.tls != Tls::None;

    // 1. Packages.
    let mut names = Vec::new();
    let mut purposes = Vec::new();
    if nginx {
        names.extend(d.packages.nginx.iter().cloned());
        purposes.push("nginx");
    }
    if postgres {
        names.extend(d.packages.postgresql.iter().cloned());
        purposes.push("PostgreSQL");
    }
    if coturn {
        names.extend(d.packages.coturn.iter().cloned());
        purposes.push("coturn");
    }
    if !names.is_empty() {
        let env: Vec<(String, String)> = d
            .packages
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let with_env = |argv: Vec<String>| Cmd {
            argv,
            env: env.clone(),
            user: None,
        };
        let mut install = d.packages.install.clone();
        install.extend(names.iter().cloned());
        b.steps.push(Step::Packages {
            purpose: purposes.join(", "),
            names: names.clone(),
            refresh: (!d.packages.refresh.is_empty()).then(|| with_env(d.packages.refresh.clone())),
            install: with_env(install),
            is_installed: Cmd::new(d.packages.is_installed.clone()),
            installed_stdout: d.packages.installed_stdout.clone(),
        });
    }

    // 2. The service user.
    let uvars = [
        ("user", d.user.name.as_str()),
        ("group", d.user.group.as_str()),
        ("home", d.user.home.as_str()),
        ("shell", d.user.shell.as_str()),
    ];
    b.steps.push(Step::User {
        name: d.user.name.clone(),
        group: d.user.group.clone(),
        home: d.user.home.clone(),
        create_group: d.user.create_group.iter().map(|c| cmd(c, &uvars)).collect(),
        create_user: d.user.create_user.iter().map(|c| cmd(c, &uvars)).collect(),
    });

    let service_step = |name: &str, on_change_of: Affects, reload: bool, direct: Direct| {
        service_for(facts, name, on_change_of, reload, direct)
    };

    // 3. PostgreSQL: initialise where the distro needs it, run it, create role and database.
    if postgres {
        let pg = &d.postgresql;
        for init in &pg.init {
            let mut c = Cmd::new(init.argv.clone());
            c.user = init.user.clone();
            b.steps.push(Step::Run {
                title: "initialise the PostgreSQL cluster".into(),
                cmd: c,
                unless: pg
                    .init_creates
                    .as_ref()
                    .map(|p| Guard::Exists(PathBuf::from(p))),
            });
        }
        let mut step = service_step(
            &pg.service,
            Affects::Nothing,
            false,
            match &d.service.fallback_start {
                Some(f) => Direct::Fallback {
                    start: cmd(f, &[("svc", &pg.service)]),
                },
                None => Direct::Unavailable,
            },
        );
        step.ready = Some(Cmd::new(vec![
            "pg_isready".into(),
            "-q".into(),
            "-h".into(),
            pg.socket_dir.clone(),
        ]));
        b.steps.push(Step::Service(step));
        let psql = |sql: String| {
            Cmd::new(vec![
                "psql".into(),
                "-h".into(),
                pg.socket_dir.clone(),
                "-U".into(),
                pg.superuser.clone(),
                "-d".into(),
                "postgres".into(),
                "-tAc".into(),
                sql,
            ])
            .as_user(&pg.os_user)
        };
        let role = &d.user.name;
        b.steps.push(Step::Run {
            title: format!("create PostgreSQL role {role}"),
            cmd: Cmd::new(vec![
                "createuser".into(),
                "-h".into(),
                pg.socket_dir.clone(),
                "-U".into(),
                pg.superuser.clone(),
                role.clone(),
            ])
            .as_user(&pg.os_user),
            unless: Some(Guard::Outputs(psql(format!(
                "SELECT 1 FROM pg_roles WHERE rolname = '{role}'"
            )))),
        });
        b.steps.push(Step::Run {
            title: format!(
                "create database matrixd (UTF8, C collation, from template0) owned by {role}"
            ),
            cmd: Cmd::new(vec![
                "createdb".into(),
                "-h".into(),
                pg.socket_dir.clone(),
                "-U".into(),
                pg.superuser.clone(),
                "--encoding=UTF8".into(),
                "--locale=C".into(),
                "--template=template0".into(),
                format!("--owner={role}"),
                "matrixd".into(),
            ])
            .as_user(&pg.os_user),
            unless: Some(Guard::Outputs(psql(
                "SELECT 1 FROM pg_database WHERE datname = 'matrixd'".into(),
            ))),
        });
    }

    // 4. Directories.
    b.dir(&l.config_dir, 0o750, &user);
    b.dir(&l.secrets_dir, 0o700, &user);
    b.dir(&l.data_dir, 0o750, &user);
    b.dir(&l.data_dir.join("media_store"), 0o750, &user);
    b.dir(&l.log_dir, 0o750, &user);
    b.dir(&l.run_dir, 0o755, &user);
    if uses_tls && a.tls != Tls::Existing {
        b.dir(&l.tls_dir, 0o750, &root_group);
    }

    // 5. The matrixd binary.
    match &facts.matrixd_source {
        Some(src) if src != &l.bin => {
            let change = if existing.same_as(src, &l.bin) {
                Change::Unchanged
            } else if existing.exists(&l.bin) {
                Change::Update
            } else {
                Change::Create
            };
            if let Some(parent) = l.bin.parent() {
                b.dir(parent, 0o755, &root);
            }
            b.steps.push(Step::File(FileStep {
                path: l.bin.clone(),
                content: Content::Copy(src.clone()),
                mode: 0o755,
                owner: root.clone(),
                change,
                create_only: false,
                affects: Affects::Homeserver,
            }));
        }
        _ => notes.push(format!(
            "matrixd is expected at {} (no matrixd binary next to matrixctl)",
            l.bin.display()
        )),
    }

    // 6. Secrets, the signing key, TLS material.
    let secret_path = |name: &str| l.secrets_dir.join(name);
    let reg = secret_path("registration_shared_secret");
    let mac = secret_path("macaroon_secret_key");
    let form = secret_path("form_secret");
    for p in [&reg, &mac, &form] {
        b.secret(p, &user, new_secret, Affects::Homeserver);
    }
    let signing_key = l.config_dir.join("signing.key");
    let key_change = if existing.exists(&signing_key) {
        Change::Keep
    } else {
        Change::Create
    };
    b.steps.push(Step::File(FileStep {
        path: signing_key.clone(),
        content: Content::SigningKey,
        mode: 0o600,
        owner: user.clone(),
        change: key_change,
        create_only: true,
        affects: Affects::Homeserver,
    }));

    let (cert, key) = match a.tls {
        Tls::Existing => {
            let cert = answered(&a.tls_cert, "tls_cert")?.to_path_buf();
            let key = answered(&a.tls_key, "tls_key")?.to_path_buf();
            let c = existing.read(&cert).ok_or_else(|| {
                err(
                    format!("the certificate {} does not exist", cert.display()),
                    "pass --tls-cert with the full-chain PEM file",
                )
            })?;
            let k = existing.read(&key).ok_or_else(|| {
                err(
                    format!(
                        "the private key {} does not exist or cannot be read",
                        key.display()
                    ),
                    "pass --tls-key with its PEM private key",
                )
            })?;
            crate::plan::tls::check_pair(&c, &k).map_err(|e| {
                err(
                    format!("{} cannot be used: {e}", cert.display()),
                    "pass the full chain (leaf first, then intermediates) and its own key, or use --tls self-signed",
                )
            })?;
            (cert, key)
        }
        _ => (
            l.tls_dir.join("fullchain.pem"),
            l.tls_dir.join("privkey.pem"),
        ),
    };
    if matches!(a.tls, Tls::SelfSigned | Tls::Direct) {
        let change = if existing.exists(&cert) && existing.exists(&key) {
            Change::Keep
        } else {
            Change::Create
        };
        let mut names = vec![public_host.clone()];
        if server_host != public_host {
            names.push(server_host.clone());
        }
        b.steps.push(Step::SelfSigned {
            cert: cert.clone(),
            key: key.clone(),
            names,
            key_owner: if a.tls == Tls::Direct {
                user.clone()
            } else {
                root.clone()
            },
            change,
            affects: if a.tls == Tls::Direct {
                Affects::Homeserver
            } else {
                Affects::Nginx
            },
        });
    }

    // TURN: coturn shares a secret with matrixd.
    let turn_ctx = match turn {
        true => {
            let uris = if a.turn_uris.is_empty() {
                vec![
                    format!("turn:{public_host}:3478?transport=udp"),
                    format!("turn:{public_host}:3478?transport=tcp"),
                ]
            } else {
                a.turn_uris.iter().map(|u| u.to_string()).collect()
            };
            let secret_path = match &a.turn_secret_file {
                Some(f) => {
                    if !existing.exists(f) {
                        return Err(err(
                            format!("the TURN secret file {} does not exist", f.display()),
                            "create it, or use --install-coturn to have one generated",
                        ));
                    }
                    f.to_path_buf()
                }
                None => secret_path("turn_shared_secret"),
            };
            Some((
                TurnCtx {
                    uris,
                    secret_path: s(&secret_path),
                },
                secret_path,
            ))
        }
        false => None,
    };
    let mut coturn_secret = None;
    if let Some((_, path)) = &turn_ctx {
        if a.turn_secret_file.is_none() {
            coturn_secret = Some(b.secret(path, &user, new_secret, Affects::Homeserver));
        } else if coturn {
            coturn_secret = existing
                .read(path)
                .map(|v| String::from_utf8_lossy(&v).trim().to_string());
        }
    }

    let smtp_pass = match a.smtp_host.as_ref().and(a.smtp_pass_file.as_ref()) {
        Some(f) => Some(
            existing
                .read(f)
                .map(|v| {
                    String::from_utf8_lossy(&v)
                        .lines()
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
                .ok_or_else(|| {
                    err(
                        format!("cannot read the SMTP password file {}", f.display()),
                        "check --smtp-pass-file",
                    )
                })?,
        ),
        None => None,
    };

    // 7. homeserver.yaml and its log config.
    let log_config = l.config_dir.join("log.config");
    let hs = HomeserverCtx {
        server_name: a.server_name.to_string(),
        config_path: s(&l.config),
        pid_file: s(&l.pid_file),
        public_baseurl: Some(a.public_baseurl.to_string()),
        port: HTTP_PORT,
        bind_addresses: if nginx {
            vec!["127.0.0.1".into()]
        } else {
            vec!["0.0.0.0".into()]
        },
        x_forwarded: nginx,
        database: if postgres {
            DatabaseCtx {
                name: "psycopg2",
                path: String::new(),
                user: Some(d.user.name.clone()),
                dbname: Some("matrixd".into()),
                host: Some(d.postgresql.socket_dir.clone()),
            }
        } else {
            DatabaseCtx {
                name: "sqlite3",
                path: s(&l.data_dir.join("homeserver.db")),
                user: None,
                dbname: None,
                host: None,
            }
        },
        log_config: s(&log_config),
        media_store_path: s(&l.data_dir.join("media_store")),
        signing_key_path: s(&signing_key),
        registration_shared_secret: String::new(),
        macaroon_secret_key: String::new(),
        form_secret: String::new(),
        report_stats: a.report_stats.yes(),
        extras: InstallExtras {
            install: true,
            secret_files: Some(SecretFilesCtx {
                registration_shared_secret: s(&reg),
                macaroon_secret_key: s(&mac),
                form_secret: s(&form),
            }),
            tls_listener: (a.tls == Tls::Direct).then(|| TlsListenerCtx {
                port: FEDERATION_PORT,
                bind_addresses: vec!["0.0.0.0".into()],
                cert: s(&cert),
                key: s(&key),
            }),
            no_federation: !a.federation.yes(),
            registration: a.registration.to_string(),
            serve_server_wellknown: a.well_known.yes() && !nginx && a.federation.yes(),
            email: match &a.smtp_host {
                Some(host) => Some(EmailCtx {
                    smtp_host: host.to_string(),
                    smtp_port: answered(&a.smtp_port, "smtp_port")?.0,
                    smtp_user: a.smtp_user.as_ref().map(|u| u.to_string()),
                    smtp_pass: smtp_pass.clone(),
                    require_transport_security: answered(&a.smtp_require_tls, "smtp_require_tls")?
                        .yes(),
                    notif_from: answered(&a.notif_from, "notif_from")?.to_string(),
                }),
                None => None,
            },
            turn: turn_ctx.as_ref().map(|(t, _)| TurnCtx {
                uris: t.uris.clone(),
                secret_path: t.secret_path.clone(),
            }),
            url_preview: a.url_preview.yes(),
            url_preview_blacklist: URL_PREVIEW_IP_RANGE_BLACKLIST.to_vec(),
        },
    };
    b.template(
        &l.config,
        crate::render::HOMESERVER_YAML,
        &hs,
        0o600,
        &user,
        Affects::Homeserver,
    )?;
    b.template(
        &log_config,
        crate::render::LOG_CONFIG,
        &LogCtx {
            server_name: a.server_name.to_string(),
            log_file: s(&l.log_dir.join("homeserver.log")),
        },
        0o644,
        &root_group,
        Affects::Homeserver,
    )?;
    if a.registration == Registration::Open {
        notes.push(
            "registration is open without verification: anyone can create accounts on this server"
                .into(),
        );
    }

    // 8. nginx: .well-known files, the site, and whatever makes nginx read it.
    if nginx {
        let webroot = PathBuf::from(&d.nginx.webroot);
        if a.well_known.yes() {
            let dir = webroot.join(".well-known/matrix");
            b.dir(&webroot, 0o755, &root);
            b.dir(&webroot.join(".well-known"), 0o755, &root);
            b.dir(&dir, 0o755, &root);
            if a.federation.yes() {
                let port = if a.tls == Tls::None { public_port } else { 443 };
                b.template(
                    &dir.join("server"),
                    crate::render::WELL_KNOWN_SERVER,
                    &ServerWellKnown {
                        delegated: format!("{public_host}:{port}"),
                    },
                    0o644,
                    &root,
                    Affects::Nothing,
                )?;
            }
            b.template(
                &dir.join("client"),
                crate::render::WELL_KNOWN_CLIENT,
                &ClientWellKnown {
                    base_url: a.public_baseurl.trim_end_matches('/').to_string(),
                },
                0o644,
                &root,
                Affects::Nothing,
            )?;
        }
        let http2_directive = match facts.nginx_version {
            Some(v) => v >= (1, 25, 1),
            None => d.nginx.http2 == "directive",
        };
        let mut server_names = vec![public_host.clone()];
        if server_host != public_host {
            server_names.push(server_host.clone());
        }
        let site = PathBuf::from(&d.nginx.site);
        b.template(
            &site,
            crate::render::NGINX_SITE,
            &NginxCtx {
                server_name: a.server_name.to_string(),
                server_names,
                tls: uses_tls,
                cert: s(&cert),
                key: s(&key),
                ipv6: facts.ipv6,
                listen_http2: if http2_directive { "" } else { " http2" },
                http2_directive,
                federation_port: a.federation.yes() && a.tls != Tls::Direct,
                upstream: format!("http://127.0.0.1:{HTTP_PORT}"),
                well_known: a.well_known.yes(),
                webroot: d
                    .nginx
                    .webroot_in_chroot
                    .clone()
                    .unwrap_or_else(|| d.nginx.webroot.clone()),
            },
            0o644,
            &root,
            Affects::Nginx,
        )?;
        if let Some(link) = &d.nginx.enable_link {
            let link = PathBuf::from(link);
            let change = match existing.link_target(&link) {
                Some(t) if t == site => Change::Unchanged,
                Some(_) => Change::Update,
                None if existing.exists(&link) => Change::Update,
                None => Change::Create,
            };
            b.steps.push(Step::Symlink {
                link,
                target: site.clone(),
                change,
            });
        }
        if let Some(inc) = &d.nginx.include {
            let file = PathBuf::from(&inc.file);
            let has = existing.read(&file).is_some_and(|t| {
                String::from_utf8_lossy(&t)
                    .lines()
                    .any(|l| l.trim() == inc.line)
            });
            b.steps.push(Step::Include {
                file,
                line: inc.line.clone(),
                change: if has {
                    Change::Unchanged
                } else {
                    Change::Update
                },
            });
        }
    }

    // 9. coturn.
    if coturn {
        let conf = PathBuf::from(&d.coturn.config);
        b.template(
            &conf,
            crate::render::COTURN_CONF,
            &CoturnCtx {
                server_name: a.server_name.to_string(),
                secret: coturn_secret.clone().unwrap_or_default(),
                realm: server_host.clone(),
            },
            0o640,
            &Owner {
                user: "root".into(),
                group: d.coturn.user.clone(),
            },
            Affects::Coturn,
        )?;
    }

    // 10. The service definition.
    let unit_id = match d.service.kind.as_str() {
        "systemd" => crate::render::SERVICE_SYSTEMD,
        "openrc" => crate::render::SERVICE_OPENRC,
        "freebsd-rc" => crate::render::SERVICE_FREEBSD,
        "openbsd-rc" => crate::render::SERVICE_OPENBSD,
        other => {
            return Err(err(
                format!("distros/{}.toml: unknown service kind {other:?}", d.id),
                "use systemd, openrc, freebsd-rc or openbsd-rc",
            ));
        }
    };
    let unit_path =
        PathBuf::from(subst(&[d.service.unit_path.clone()], &[("svc", &l.service)]).remove(0));
    let unit_text = render::render(
        unit_id,
        &ServiceCtx {
            server_name: &a.server_name,
            service: &l.service,
            user: &d.user.name,
            group: &d.user.group,
            bin: s(&l.bin),
            config: s(&l.config),
            data_dir: s(&l.data_dir),
            log_dir: s(&l.log_dir),
            run_dir: s(&l.run_dir),
            run_dir_name: l
                .run_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            after: postgres.then(|| d.postgresql.service.clone()),
        },
    )
    .map_err(|e| {
        err(
            format!("internal template error: {e}"),
            "report this as a bug",
        )
    })?;
    let change = b.change_for(&unit_path, unit_text.as_bytes());
    b.steps.push(Step::File(FileStep {
        path: unit_path,
        content: Content::Template {
            id: unit_id.0,
            text: unit_text,
        },
        mode: d.service.unit_mode,
        owner: root.clone(),
        change,
        create_only: false,
        affects: Affects::Homeserver,
    }));

    // 11. The answers, for re-runs.
    let answers_text = crate::answers::file::to_toml(&a.to_given());
    let change = b.change_for(&l.answers, answers_text.as_bytes());
    b.steps.push(Step::File(FileStep {
        path: l.answers.clone(),
        content: Content::Data {
            what: "these answers, for re-runs",
            text: answers_text,
        },
        mode: 0o600,
        owner: root.clone(),
        change,
        create_only: false,
        affects: Affects::Nothing,
    }));

    // 12. Enable and start: matrixd, then nginx and coturn.
    b.steps.push(Step::Service(matrixd_service(facts)));
    if nginx {
        b.steps.push(Step::Service(nginx_service(facts)));
    }
    if coturn {
        let conf = d.coturn.config.clone();
        b.steps.push(Step::Service(service_step(
            &d.coturn.service,
            Affects::Coturn,
            false,
            Direct::Commands {
                start: cmd(&d.coturn.direct_start, &[("config", &conf)]),
                reload: None,
                pid_file: PathBuf::from("/var/run/turnserver.pid"),
            },
        )));
    }

    // 13. Wait for the client API through the public URL (resolved to this machine).
    let connect_port = if nginx {
        public_port
    } else if a.tls == Tls::Direct {
        FEDERATION_PORT
    } else {
        HTTP_PORT
    };
    b.steps.push(Step::Wait {
        url: format!("{}_matrix/client/versions", a.public_baseurl),
        connect: format!("127.0.0.1:{connect_port}"),
        ca: matches!(a.tls, Tls::SelfSigned | Tls::Direct).then(|| cert.clone()),
    });

    Ok(Plan {
        steps: b.steps,
        notes,
        config_path: l.config,
        service: l.service,
    })
}

/// A service step from the distro's service-manager data.
pub fn service_for(
    facts: &Facts,
    name: &str,
    on_change_of: Affects,
    reload: bool,
    direct: Direct,
) -> ServiceStep {
    let d = &facts.distro;
    let sub = |argv: &[String]| cmd(argv, &[("svc", name)]);
    ServiceStep {
        name: name.to_string(),
        manager_marker: d.service.running_marker.as_ref().map(PathBuf::from),
        after_unit_change: Vec::new(),
        enable: d.service.enable.iter().map(|c| sub(c)).collect(),
        start: sub(&d.service.start),
        restart: sub(&d.service.restart),
        reload: reload.then(|| sub(&d.service.reload)),
        is_active: sub(&d.service.is_active),
        ready: None,
        test: None,
        on_change_of,
        direct,
    }
}

/// matrixd's service: the unit we write, or matrixd spawned directly without a manager.
pub fn matrixd_service(facts: &Facts) -> ServiceStep {
    let d = &facts.distro;
    let l = Layout::of(facts);
    let mut step = service_for(
        facts,
        &l.service,
        Affects::Homeserver,
        false,
        Direct::Spawn {
            argv: vec![s(&l.bin), "--config".into(), s(&l.config)],
            user: d.user.name.clone(),
            cwd: l.data_dir.clone(),
            pid_file: l.pid_file.clone(),
            log: l.out_log.clone(),
        },
    );
    step.after_unit_change = d
        .service
        .after_unit_change
        .iter()
        .map(|c| cmd(c, &[("svc", &l.service)]))
        .collect();
    step
}

/// nginx's service: tested with `nginx -t` before every start or reload.
pub fn nginx_service(facts: &Facts) -> ServiceStep {
    let d = &facts.distro;
    let mut n = service_for(
        facts,
        &d.nginx.service,
        Affects::Nginx,
        true,
        Direct::Commands {
            start: Cmd::new(vec!["nginx".into()]),
            reload: Some(Cmd::new(vec!["nginx".into(), "-s".into(), "reload".into()])),
            pid_file: PathBuf::from(&d.nginx.pid_file),
        },
    );
    n.test = Some(Cmd::new(vec!["nginx".into(), "-t".into(), "-q".into()]));
    n
}
