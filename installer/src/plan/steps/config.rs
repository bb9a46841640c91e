//! Step group 9: homeserver.yaml (secrets by file, the listeners, database, TLS listener,
//! registration, email, TURN, URL previews) and its log config.

use serde::Serialize;

use super::secrets::Secrets;
use super::tls::TlsFiles;
use super::turn::Turn;
use super::{
    Builder, Ctx, FEDERATION_PORT, HTTP_PORT, URL_PREVIEW_IP_RANGE_BLACKLIST, answered, err, s,
};
use crate::answers::Registration;
use crate::plan::model::Affects;
use crate::plan::steps::PlanError;
use crate::render::homeserver::{
    AcmeCtx, DatabaseCtx, EmailCtx, HomeserverCtx, InstallExtras, SecretFilesCtx, TlsListenerCtx,
};

#[derive(Serialize)]
struct LogCtx {
    server_name: String,
    log_file: String,
}

pub fn config(
    c: &Ctx,
    b: &mut Builder,
    secrets: Option<&Secrets>,
    tls: &TlsFiles,
    turn: Option<&Turn>,
) -> Result<(), PlanError> {
    let (a, d, l) = (c.a, c.d, &c.l);
    if c.direct_acme && !matches!(d.service.kind.as_str(), "systemd" | "openrc") {
        return Err(err(
            crate::tr!(
                "plan-err-acme-direct-port",
                port = 443,
                manager = d.service.kind.clone()
            ),
            crate::tr!(
                "plan-err-acme-direct-port-hint",
                flag = "--proxy nginx",
                existing = "--tls existing"
            ),
        ));
    }
    let smtp_pass = match a.smtp_host.as_ref().and(a.smtp_pass_file.as_ref()) {
        Some(f) => Some(
            b.existing
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
                        crate::tr!("plan-err-smtp-pass", path = f.display()),
                        crate::tr!("plan-err-smtp-pass-hint", flag = "--smtp-pass-file"),
                    )
                })?,
        ),
        None => None,
    };
    let email = match &a.smtp_host {
        Some(host) => Some(EmailCtx {
            smtp_host: host.to_string(),
            smtp_port: answered(&a.smtp_port, "smtp_port")?.0,
            smtp_user: a.smtp_user.as_ref().map(|u| u.to_string()),
            smtp_pass,
            require_transport_security: answered(&a.smtp_require_tls, "smtp_require_tls")?.yes(),
            notif_from: answered(&a.notif_from, "notif_from")?.to_string(),
        }),
        None => None,
    };

    let log_config = l.config_dir.join("log.config");
    let hs = HomeserverCtx {
        server_name: a.server_name.to_string(),
        config_path: s(&l.config),
        pid_file: s(&l.pid_file),
        public_baseurl: Some(a.public_baseurl.to_string()),
        port: HTTP_PORT,
        bind_addresses: if c.nginx {
            vec!["127.0.0.1".into()]
        } else {
            vec!["0.0.0.0".into()]
        },
        x_forwarded: c.nginx,
        database: if c.postgres {
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
        signing_key_path: secrets.map(|k| s(&k.signing_key)).unwrap_or_default(),
        registration_shared_secret: String::new(),
        macaroon_secret_key: String::new(),
        form_secret: String::new(),
        report_stats: a.report_stats.yes(),
        extras: InstallExtras {
            install: true,
            secret_files: secrets.map(|k| SecretFilesCtx {
                registration_shared_secret: s(&k.registration),
                macaroon_secret_key: s(&k.macaroon),
                form_secret: s(&k.form),
            }),
            package_conf_d: c.facts.packaged.as_ref().map(|p| s(&p.conf_d)),
            tls_listener: c.direct_tls.then(|| TlsListenerCtx {
                // The CA validates tls-alpn-01 on port 443.
                ports: if c.direct_acme {
                    vec![FEDERATION_PORT, 443]
                } else {
                    vec![FEDERATION_PORT]
                },
                bind_addresses: vec!["0.0.0.0".into()],
                cert: s(&tls.cert),
                key: s(&tls.key),
                acme: c.direct_acme.then(|| {
                    let directory = super::acme::directory(a);
                    AcmeCtx {
                        account_key_file: s(&crate::plan::tls::account_file_in(
                            &l.tls_dir, &directory,
                        )),
                        url: directory,
                        domains: c.host_names(),
                        reprovision_threshold: crate::plan::tls::RENEW_DAYS,
                        email: a.acme_email.as_ref().map(|e| e.to_string()),
                        directory_ca_file: a.acme_directory_ca.as_ref().map(|p| s(p)),
                    }
                }),
            }),
            no_federation: !a.federation.yes(),
            registration: a.registration.to_string(),
            serve_server_wellknown: a.well_known.yes() && !c.nginx && a.federation.yes(),
            email,
            turn: turn.map(Turn::ctx),
            url_preview: a.url_preview.yes(),
            url_preview_blacklist: URL_PREVIEW_IP_RANGE_BLACKLIST.to_vec(),
        },
    };
    b.template(
        &l.config,
        crate::render::HOMESERVER_YAML,
        &hs,
        0o600,
        &c.user,
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
        &c.root_group,
        Affects::Homeserver,
    )?;
    if a.registration == Registration::Open {
        b.notes.push(crate::msg!("plan-note-open-registration"));
    }
    Ok(())
}
