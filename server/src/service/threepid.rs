//! Email third-party identifiers, as Synapse's identity handler: /requestToken opens (or
//! continues, by send_attempt) a validation session per client_secret and address and mails a
//! link under public_baseurl; following the link validates the session; a validated session
//! then binds the address to an account (/account/3pid/add) or proves who asks for a password
//! reset (the m.login.email.identity UIA stage). Never imports axum.

use rand::RngExt as _;
use serde_json::{Map, Value};

use super::Services;
use super::email;
use crate::store::{StoreError, now_ms, threepids as db};

pub const EMAIL_IDENTITY: &str = "m.login.email.identity";
/// The UIA session data key holding the address the email stage proved.
pub const EMAIL_IDENTITY_ADDRESS: &str = "email_identity_address";

/// What a validation mail is for: it decides the link and the wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    AddThreepid,
    PasswordReset,
}

impl Purpose {
    /// The submit_token path under public_baseurl, Synapse's.
    pub fn submit_path(self) -> &'static str {
        match self {
            Purpose::AddThreepid => "_matrix/client/unstable/add_threepid/email/submit_token",
            Purpose::PasswordReset => "_synapse/client/password_reset/email/submit_token",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ThreepidError {
    #[error("Adding an email to your account is disabled on this server")]
    AddDisabled,
    #[error("Email-based password resets have been disabled on this server")]
    ResetDisabled,
    #[error("Unable to parse email address")]
    InvalidEmail,
    #[error("Invalid client_secret parameter")]
    InvalidClientSecret,
    #[error("{0}")]
    InvalidNextLink(String),
    #[error("Email is already in use")]
    InUse,
    #[error("Email not found")]
    NotFound,
    #[error("An error was encountered when sending the email")]
    SendFailed,
    /// A link that does not validate: shown on the failure page.
    #[error("{0}")]
    Validation(String),
    #[error("No validated 3pid session found")]
    NoValidatedSession,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Synapse's canonicalise_email: local part casefolded, domain lowercased.
pub fn canonicalise_email(address: &str) -> Result<String, ThreepidError> {
    let a = address.trim();
    let parts: Vec<&str> = a.split('@').collect();
    if parts.len() != 2
        || parts[0].is_empty()
        || parts[1].is_empty()
        || a.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
    {
        return Err(ThreepidError::InvalidEmail);
    }
    Ok(format!(
        "{}@{}",
        parts[0].to_lowercase(),
        parts[1].to_ascii_lowercase()
    ))
}

/// Synapse's client_secret rule: 1 to 255 of `[0-9a-zA-Z.=_-]`.
pub fn valid_client_secret(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '=' | '_' | '-'))
}

fn random_string(n: usize) -> String {
    const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| A[rng.random_range(0..A.len())] as char)
        .collect()
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A requestToken body.
pub struct TokenRequest<'a> {
    pub client_secret: &'a str,
    pub email: &'a str,
    pub send_attempt: i64,
    pub next_link: Option<&'a str>,
}

impl Services {
    /// `POST /account/3pid/email/requestToken` and `/account/password/email/requestToken`:
    /// returns the session id.
    pub async fn request_email_token(
        &self,
        purpose: Purpose,
        req: TokenRequest<'_>,
    ) -> Result<String, ThreepidError> {
        let Some(cfg) = self.config.email.as_ref() else {
            return Err(match purpose {
                Purpose::AddThreepid => ThreepidError::AddDisabled,
                Purpose::PasswordReset => ThreepidError::ResetDisabled,
            });
        };
        if !valid_client_secret(req.client_secret) {
            return Err(ThreepidError::InvalidClientSecret);
        }
        let address = canonicalise_email(req.email)?;
        if let Some(link) = req.next_link {
            match url::Url::parse(link) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                _ => {
                    return Err(ThreepidError::InvalidNextLink(
                        "next_link uses a non-http(s) scheme or is not a URL".into(),
                    ));
                }
            }
        }
        let holder = db::user_by_threepid(&self.db, "email", &address).await?;
        match (purpose, holder) {
            (Purpose::AddThreepid, Some(_)) => return Err(ThreepidError::InUse),
            (Purpose::PasswordReset, None) => return Err(ThreepidError::NotFound),
            _ => {}
        }
        let existing =
            db::unvalidated_session(&self.db, "email", req.client_secret, &address).await?;
        let mut session = match existing {
            // A retry of the same attempt gets the same session and no second mail.
            Some(s) if req.send_attempt <= s.last_send_attempt => return Ok(s.session_id),
            Some(s) => s,
            None => db::SessionRow {
                session_id: random_string(16),
                medium: "email".into(),
                address: address.clone(),
                client_secret: req.client_secret.to_string(),
                last_send_attempt: req.send_attempt,
                validated_at: None,
            },
        };
        session.last_send_attempt = req.send_attempt;
        let token = random_string(32);
        let next_link = req.next_link.map(|l| {
            format!(
                "{l}{}sid={}",
                if l.contains('?') { '&' } else { '?' },
                enc(&session.session_id)
            )
        });
        let base = self
            .config
            .public_baseurl
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_default();
        let link = format!(
            "{base}{}?token={}&client_secret={}&sid={}",
            purpose.submit_path(),
            enc(&token),
            enc(req.client_secret),
            enc(&session.session_id)
        );
        let server = &self.config.server_name;
        let (subject, text) = match purpose {
            Purpose::AddThreepid => (
                format!("[{server}] Validate your email"),
                format!(
                    "Hello there,\n\nWe have received a request from you to link this email address with a {} account on {server}.\n\nTo continue, follow this link:\n\n{link}\n\nIf this was not you, you can safely disregard this email.\n\nThank you.\n",
                    cfg.app_name
                ),
            ),
            Purpose::PasswordReset => (
                format!("[{server}] Password reset"),
                format!(
                    "Hello there,\n\nA password reset request has been received for your {} account on {server}.\n\nIf this was you, follow this link to confirm it:\n\n{link}\n\nIf this was not you, do not follow the link: your password will not change.\n",
                    cfg.app_name
                ),
            ),
        };
        // Mail the stored (canonical) address, never what the client typed.
        if let Err(e) = email::send(cfg, &address, &subject, text).await {
            tracing::error!(error = %e, "could not send a validation email");
            return Err(ThreepidError::SendFailed);
        }
        let expires = now_ms() + cfg.validation_token_lifetime_ms as i64;
        db::start_or_continue_session(&self.db, &session, &token, next_link.as_deref(), expires)
            .await?;
        Ok(session.session_id)
    }

    /// Following the mailed link: validates the session; returns its next_link.
    pub async fn submit_email_token(
        &self,
        sid: &str,
        client_secret: &str,
        token: &str,
    ) -> Result<Option<String>, ThreepidError> {
        let Some(s) = db::session_by_id(&self.db, sid).await? else {
            return Err(ThreepidError::Validation("Unknown session_id".into()));
        };
        if s.client_secret != client_secret {
            return Err(ThreepidError::Validation(
                "This client_secret does not match the provided session_id".into(),
            ));
        }
        let found = db::token(&self.db, sid, token).await?;
        if s.validated_at.is_some() {
            return Ok(found.and_then(|(n, _)| n));
        }
        let Some((next_link, expires)) = found else {
            return Err(ThreepidError::Validation(
                "Validation token not found or has expired".into(),
            ));
        };
        if expires <= now_ms() {
            return Err(ThreepidError::Validation(
                "Validation token not found or has expired".into(),
            ));
        }
        db::set_validated(&self.db, sid, now_ms()).await?;
        Ok(next_link)
    }

    /// The validated session for (client_secret, sid): medium, address, validated_at.
    pub async fn validated_threepid(
        &self,
        client_secret: &str,
        sid: &str,
    ) -> Result<Option<(String, String, i64)>, StoreError> {
        Ok(db::session_by_id(&self.db, sid)
            .await?
            .filter(|s| s.client_secret == client_secret)
            .and_then(|s| s.validated_at.map(|v| (s.medium, s.address, v))))
    }

    /// `POST /account/3pid/add` once UIA passed.
    pub async fn add_threepid_from_session(
        &self,
        user_id: &str,
        client_secret: &str,
        sid: &str,
    ) -> Result<(), ThreepidError> {
        let Some((medium, address, validated_at)) =
            self.validated_threepid(client_secret, sid).await?
        else {
            return Err(ThreepidError::NoValidatedSession);
        };
        if !db::add(&self.db, user_id, &medium, &address, validated_at).await? {
            return Err(ThreepidError::InUse);
        }
        Ok(())
    }

    /// `GET /account/3pid`.
    pub async fn threepids_of(&self, user_id: &str) -> Result<Vec<db::ThreepidRow>, StoreError> {
        db::of_user(&self.db, user_id).await
    }

    pub async fn user_by_threepid(
        &self,
        medium: &str,
        address: &str,
    ) -> Result<Option<String>, StoreError> {
        db::user_by_threepid(&self.db, medium, address).await
    }

    /// The m.login.email.identity stage: `threepid_creds` (or the legacy `threePidCreds`)
    /// must name a validated session; its address is kept in the UIA session. `Err` is the
    /// (errcode, error) reported in the 401 for the client to try again.
    pub async fn check_email_identity_stage(
        &self,
        auth: &Map<String, Value>,
        session: &str,
    ) -> Result<Result<(), (&'static str, String)>, StoreError> {
        let creds = auth
            .get("threepid_creds")
            .or_else(|| auth.get("threePidCreds"));
        let (Some(sid), Some(secret)) = (
            creds.and_then(|c| c.get("sid")).and_then(Value::as_str),
            creds
                .and_then(|c| c.get("client_secret"))
                .and_then(Value::as_str),
        ) else {
            return Ok(Err((
                "M_MISSING_PARAM",
                "Missing param: threepid_creds".into(),
            )));
        };
        match self.validated_threepid(secret, sid).await? {
            Some((medium, address, _)) if medium == "email" => {
                self.set_uia_data(session, EMAIL_IDENTITY_ADDRESS, &address)
                    .await?;
                Ok(Ok(()))
            }
            _ => Ok(Err((
                "M_UNAUTHORIZED",
                "Unable to get validated threepid".into(),
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalises_like_synapse() {
        assert_eq!(
            canonicalise_email(" Alice.B@Example.ORG ").unwrap(),
            "alice.b@example.org"
        );
        assert!(canonicalise_email("no-at-sign").is_err());
        assert!(canonicalise_email("a@b@c").is_err());
        assert!(valid_client_secret("abc.DEF=_-1"));
        assert!(!valid_client_secret("has space"));
        assert!(!valid_client_secret(""));
    }
}
