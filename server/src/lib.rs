//! matrixd: a Matrix homeserver that reads Synapse's homeserver.yaml.
//!
//! `config` owns the schema (the installer uses it too), `keys` the signing-key format, `api`
//! HTTP, `service` domain logic and `store` SQL. `Server` ties them together: start (open the
//! database, bind the listeners) and serve until a shutdown signal.

pub mod acme;
pub mod api;
pub mod cli;
pub mod config;
pub mod keys;
pub mod logging;
pub mod memory;
pub mod service;
pub mod store;
pub mod tls;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;

use config::{Config, SecretSource};
use service::{Services, SharedServices};

/// A bound socket, plain or with TLS terminated by matrixd itself (`tls: true`).
enum Bound {
    Plain(TcpListener),
    Tls(std::net::TcpListener, axum_server::tls_rustls::RustlsConfig),
}

impl Bound {
    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        match self {
            Bound::Plain(l) => l.local_addr(),
            Bound::Tls(l, _) => l.local_addr(),
        }
    }
}

/// A started server: database open, listeners bound, not yet serving.
pub struct Server {
    pub services: SharedServices,
    listeners: Vec<(Bound, axum::Router)>,
    /// The `acme` section's task, started once the listeners serve (the CA connects to them).
    acme: Option<Acme>,
}

/// What the `acme` task needs.
struct Acme {
    config: config::acme::AcmeConfig,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
    certs: Arc<tls::Certs>,
}

/// Creates a `*_path` secret file that does not exist yet (mode 0600), as Synapse does.
fn ensure_secret_file(source: &mut Option<SecretSource>) -> anyhow::Result<()> {
    if let Some(SecretSource::File { path, value }) = source
        && value.is_none()
    {
        let secret = keys::random_secret();
        keys::write_private_file(path, format!("{secret}\n").as_bytes())?;
        tracing::info!(path = %path.display(), "created a new secret file");
        *value = Some(config::Secret(secret));
    }
    Ok(())
}

impl Server {
    /// Opens the database (running migrations), loads the signing key and binds every listener.
    pub async fn start(mut config: Config) -> anyhow::Result<Server> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        for w in &config.warnings {
            tracing::warn!("{}", w.to_string().replace('\n', " "));
        }
        let signing_key = keys::read_signing_key(&config.signing_key_path)?;
        ensure_secret_file(&mut config.registration_shared_secret)?;
        ensure_secret_file(&mut config.macaroon_secret_key)?;
        ensure_secret_file(&mut config.form_secret)?;
        ensure_secret_file(&mut config.turn.shared_secret)?;
        let certs = Arc::new(tls::Certs::default());
        let tls = match (&config.tls_certificate_path, &config.tls_private_key_path) {
            (Some(cert), Some(key)) if config.listeners.iter().any(|l| l.tls) => {
                match certs.load_files(cert, key) {
                    Ok(()) => {}
                    // acme obtains a new pair once the listeners run.
                    Err(e) if config.acme.is_some() => tracing::warn!(
                        "acme: no usable certificate yet ({e}); TLS connections fail until one is obtained"
                    ),
                    Err(e) => anyhow::bail!(
                        "cannot load tls_certificate_path {} with tls_private_key_path {} (both must be PEM; the certificate a full chain): {e}",
                        cert.display(),
                        key.display()
                    ),
                }
                Some(axum_server::tls_rustls::RustlsConfig::from_config(
                    tls::server_config(certs.clone(), config.acme.is_some()),
                ))
            }
            _ => None,
        };
        let mut acme = None;
        if let (Some(_), Some(cert), Some(key)) = (
            &tls,
            &config.tls_certificate_path,
            &config.tls_private_key_path,
        ) {
            // Registered now, so a SIGHUP as soon as the pid file exists is never fatal.
            let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .context("cannot handle SIGHUP")?;
            tokio::spawn(reload_tls_on_hangup(
                hangup,
                certs.clone(),
                cert.clone(),
                key.clone(),
            ));
            if let Some(a) = &config.acme {
                acme = Some(Acme {
                    config: a.clone(),
                    cert: cert.clone(),
                    key: key.clone(),
                    certs: certs.clone(),
                });
            }
        }
        std::fs::create_dir_all(&config.media_store_path).with_context(|| {
            format!(
                "cannot create media_store_path {}",
                config.media_store_path.display()
            )
        })?;

        let db = store::Db::connect(&config.database)
            .await
            .context("cannot open the database")?;
        db.guard_server_name(&config.server_name).await?;

        let listener_configs = config.listeners.clone();
        let starts = store::e2ee::start_positions(&db).await?;
        let mut position = service::rooms::initial_position(&db).await?.max(starts.max);
        if config.worker_name.is_some() {
            position = service::cluster::start_position(&db, position)
                .await
                .context("cannot join the other matrixd processes on the database")?;
        }
        let (commits, committer) = service::rooms::commit::CommitQueue::new();
        let services: SharedServices = Arc::new(Services::new(
            config,
            db,
            signing_key,
            position,
            &starts,
            commits,
        ));
        services
            .join_cluster()
            .await
            .context("cannot join the other matrixd processes on the database")?;
        tokio::spawn(service::rooms::commit::run(
            Arc::downgrade(&services),
            committer,
        ));
        services
            .start_federation_sender()
            .await
            .context("cannot read the federation queue")?;

        let mut listeners = Vec::new();
        for l in &listener_configs {
            let router = match l.kind {
                config::ListenerType::Metrics => api::metrics::router(services.clone()),
                config::ListenerType::Http => api::router::app_for_listener(services.clone(), l),
            };
            let mut bound_v6_any = false;
            for addr in &l.bind_addresses {
                let ip: IpAddr = addr
                    .parse()
                    .with_context(|| format!("bad bind address {addr}"))?;
                let sa = SocketAddr::new(ip, l.port);
                match TcpListener::bind(sa).await {
                    Ok(t) => {
                        if ip.is_unspecified() && ip.is_ipv6() {
                            bound_v6_any = true;
                        }
                        let bound = match (&tls, l.tls) {
                            (Some(cfg), true) => Bound::Tls(t.into_std()?, cfg.clone()),
                            _ => Bound::Plain(t),
                        };
                        listeners.push((bound, router.clone()));
                    }
                    // `::` usually also takes IPv4, so `0.0.0.0` on the same port is then taken.
                    Err(e)
                        if e.kind() == std::io::ErrorKind::AddrInUse
                            && bound_v6_any
                            && ip.is_unspecified() =>
                    {
                        tracing::info!("{sa} is already covered by [::]:{}", l.port);
                    }
                    Err(e) => return Err(e).with_context(|| format!("cannot listen on {sa}")),
                }
            }
        }
        services.release_after_start().await;
        Ok(Server {
            services,
            listeners,
            acme,
        })
    }

    /// The addresses actually bound (useful with port 0).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|(l, _)| l.local_addr().ok())
            .collect()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (tx, _) = tokio::sync::broadcast::channel::<()>(1);
        let mut tasks = tokio::task::JoinSet::new();
        let mut tls_handles = Vec::new();
        for (listener, router) in self.listeners {
            let addr = listener.local_addr()?;
            match listener {
                Bound::Plain(listener) => {
                    tracing::info!("listening on http://{addr}");
                    let mut rx = tx.subscribe();
                    // Answers leave at once (TCP_NODELAY): with Nagle's algorithm a response's
                    // last segment waited for the client's delayed ACK, 40 ms on Linux.
                    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                        if let Err(e) = tcp.set_nodelay(true) {
                            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                        }
                    });
                    tasks.spawn(async move {
                        axum::serve(
                            listener,
                            router.into_make_service_with_connect_info::<SocketAddr>(),
                        )
                        .with_graceful_shutdown(async move {
                            let _ = rx.recv().await;
                        })
                        .await
                    });
                }
                Bound::Tls(listener, cfg) => {
                    tracing::info!("listening on https://{addr}");
                    let handle = axum_server::Handle::new();
                    tls_handles.push(handle.clone());
                    // TCP_NODELAY under TLS too (see above).
                    let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(cfg)
                        .acceptor(axum_server::accept::NoDelayAcceptor::new());
                    let server = axum_server::from_tcp(listener)?
                        .acceptor(acceptor)
                        .handle(handle);
                    tasks.spawn(async move {
                        server
                            .serve(router.into_make_service_with_connect_info::<SocketAddr>())
                            .await
                    });
                }
            }
        }
        self.services.prepare_ahead_in_background();
        let acme = self.acme.map(|a| {
            let services = self.services.clone();
            tokio::spawn(async move {
                if services.cluster().is_some() {
                    follow_certificate(&services, &a.cert, &a.key, &a.certs).await;
                }
                acme::run(a.config, a.cert, a.key, a.certs).await
            })
        });
        shutdown.await;
        if let Some(task) = acme {
            task.abort();
        }
        tracing::info!("shutting down");
        let _ = tx.send(());
        for h in &tls_handles {
            h.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        }
        while let Some(res) = tasks.join_next().await {
            res??;
        }
        self.services.close_db().await;
        Ok(())
    }
}

/// One of several processes sharing the database renews the certificate (the leader); until
/// this one leads, it serves what the leader writes, loaded again whenever the file changes.
async fn follow_certificate(
    services: &SharedServices,
    cert: &std::path::Path,
    key: &std::path::Path,
    certs: &tls::Certs,
) {
    let modified = || std::fs::metadata(cert).and_then(|m| m.modified()).ok();
    let mut seen = modified();
    while !services.leads() {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        let now = modified();
        if now != seen {
            seen = now;
            match certs.load_files(cert, key) {
                Ok(()) => {
                    tracing::info!(cert = %cert.display(), "loaded the certificate the leading process renewed")
                }
                Err(e) => {
                    tracing::warn!(cert = %cert.display(), "cannot load the renewed certificate yet: {e}")
                }
            }
        }
    }
}

/// On SIGHUP, reads `tls_certificate_path` and `tls_private_key_path` again (a certificate
/// renewed outside matrixd) and serves new connections with them, without a restart; when the
/// new pair does not load, the current one stays and the error is logged.
async fn reload_tls_on_hangup(
    mut hangup: tokio::signal::unix::Signal,
    certs: Arc<tls::Certs>,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
) {
    while hangup.recv().await.is_some() {
        match certs.load_files(&cert, &key) {
            Ok(()) => tracing::info!(cert = %cert.display(), "reloaded the TLS certificate"),
            Err(e) => tracing::error!(
                cert = %cert.display(),
                "cannot reload the TLS certificate, keeping the current one: {e}"
            ),
        }
    }
}

/// Resolves when SIGTERM or SIGINT arrives.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
