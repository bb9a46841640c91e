//! Sending mail over SMTP with lettre, configured as Synapse's `email` section: force_tls is
//! implicit TLS (port 465 by default), otherwise STARTTLS when the server offers it
//! (enable_tls, the default) and required with require_transport_security, plain when
//! enable_tls is false; smtp_user/smtp_pass log in. Never imports axum.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

use crate::config::EmailConfig;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("bad address: {0}")]
    Address(String),
    #[error("could not build the message: {0}")]
    Build(String),
    #[error("SMTP: {0}")]
    Smtp(String),
}

fn transport(cfg: &EmailConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let params =
        || TlsParameters::new(cfg.smtp_host.clone()).map_err(|e| MailError::Smtp(e.to_string()));
    let tls = if cfg.force_tls {
        Tls::Wrapper(params()?)
    } else if !cfg.enable_tls {
        Tls::None
    } else if cfg.require_transport_security {
        Tls::Required(params()?)
    } else {
        Tls::Opportunistic(params()?)
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.smtp_host.as_str())
        .port(cfg.smtp_port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(30)));
    if let (Some(u), Some(p)) = (&cfg.smtp_user, &cfg.smtp_pass) {
        b = b.credentials(Credentials::new(u.clone(), p.expose().to_string()));
    }
    Ok(b.build())
}

/// Sends one plain-text mail from notif_from.
pub async fn send(
    cfg: &EmailConfig,
    to: &str,
    subject: &str,
    text: String,
) -> Result<(), MailError> {
    let from: Mailbox = cfg
        .notif_from
        .parse()
        .map_err(|e: lettre::address::AddressError| {
            MailError::Address(format!("notif_from: {e}"))
        })?;
    let to: Mailbox = to
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Address(e.to_string()))?;
    let msg = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(text)
        .map_err(|e| MailError::Build(e.to_string()))?;
    transport(cfg)?
        .send(msg)
        .await
        .map_err(|e| MailError::Smtp(e.to_string()))?;
    Ok(())
}
