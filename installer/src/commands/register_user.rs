//! `matrixctl register-user`: a drop-in for Synapse's `register_new_matrix_user`. Same flags,
//! same prompts, same shared-secret HMAC protocol, so it works against matrixd and Synapse.

use std::io::IsTerminal as _;
use std::path::Path;

use hmac::{KeyInit as _, Mac as _};
use serde_json::{Value, json};

use crate::cli::RegisterUserArgs;
use crate::error::{CliError, ExitStatus};
use crate::tr;
use crate::ui::Printer;

/// The registration MAC, as lowercase hex: HMAC-SHA1 over
/// `nonce\0user\0password\0admin|notadmin[\0user_type]` keyed with the shared secret.
pub fn registration_mac(
    secret: &str,
    nonce: &str,
    user: &str,
    password: &str,
    admin: bool,
    user_type: Option<&str>,
) -> String {
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key length");
    for part in [nonce, user, password] {
        mac.update(part.as_bytes());
        mac.update(b"\x00");
    }
    mac.update(if admin {
        b"admin" as &[u8]
    } else {
        b"notadmin"
    });
    if let Some(t) = user_type.filter(|t| !t.is_empty()) {
        mac.update(b"\x00");
        mac.update(t.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}

fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn no_terminal(what: &str, flag: &str) -> CliError {
    CliError::usage(tr!("err-reg-no-terminal", what = what)).hint(tr!("hint-pass", flag = flag))
}

fn prompt_err(e: dialoguer::Error) -> CliError {
    CliError::failure(tr!("err-read-terminal")).cause(e)
}

/// `@alice:example.org` → `alice`; anything else is taken as a localpart.
fn localpart(user: &str) -> &str {
    user.strip_prefix('@')
        .and_then(|u| u.split_once(':'))
        .map(|(l, _)| l)
        .unwrap_or(user)
}

fn read_password_file(path: &Path) -> Result<String, CliError> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_line(&mut s)
            .map_err(|e| CliError::failure(tr!("err-reg-password-stdin")).cause(e))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            CliError::failure(tr!(
                "err-reg-password-file",
                flag = format!("--password-file {}", path.display())
            ))
            .cause(e)
        })?
    };
    Ok(text
        .lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .to_string())
}

struct Target {
    secret: String,
    url: String,
}

fn target(args: &RegisterUserArgs) -> Result<Target, CliError> {
    if let Some(secret) = &args.shared_secret {
        let url = args
            .server_url
            .clone()
            .unwrap_or_else(|| "http://localhost:8008".into());
        return Ok(Target {
            secret: secret.clone(),
            url,
        });
    }
    if args.config.is_empty() {
        return Err(CliError::usage(tr!(
            "err-reg-config-or-secret",
            config = "-c/--config",
            secret = "-k/--shared-secret"
        ))
        .hint("matrixctl register-user -c /etc/matrixd/homeserver.yaml"));
    }
    let settings = matrixd::config::registration_settings(&args.config).map_err(|problems| {
        CliError::failure(tr!("err-reg-read-secret", paths = show_paths(&args.config))).cause(
            crate::i18n::problems::problems(&problems)
                .to_string()
                .trim_end(),
        )
    })?;
    let Some(secret) = settings.shared_secret else {
        let mut e = CliError::failure(tr!(
            "err-reg-no-secret",
            key = "registration_shared_secret",
            paths = show_paths(&args.config)
        ));
        e = match settings.missing_secret_file {
            Some(p) => e.hint(tr!(
                "hint-reg-secret-file-missing",
                key = "registration_shared_secret_path",
                path = p.display()
            )),
            None => e.hint(tr!(
                "hint-reg-add-secret",
                line = "registration_shared_secret: \"<long random string>\"",
                file = "homeserver.yaml",
                cmd = "matrixctl generate-config",
                flag = "-k"
            )),
        };
        return Err(e);
    };
    let url = args.server_url.clone().unwrap_or(settings.server_url);
    Ok(Target {
        secret: secret.expose().to_string(),
        url,
    })
}

fn show_paths(paths: &[std::path::PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn run(args: RegisterUserArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let target = target(&args)?;

    let user = match &args.user {
        Some(u) => u.clone(),
        None if interactive() => {
            let default = std::env::var("USER").unwrap_or_default();
            let mut input = dialoguer::Input::<String>::new().with_prompt(tr!("reg-prompt-user"));
            if !default.is_empty() {
                input = input.default(default);
            }
            input.interact_text().map_err(prompt_err)?
        }
        None => return Err(no_terminal(&tr!("reg-what-user"), "-u/--user NAME")),
    };
    let user = localpart(user.trim()).to_string();
    if user.is_empty() {
        return Err(CliError::failure(tr!("err-reg-invalid-user"))
            .hint(tr!("hint-reg-localpart", example = "-u alice")));
    }

    let password = match (&args.password, &args.password_file) {
        (Some(p), _) => p.clone(),
        (None, Some(f)) => read_password_file(f)?,
        (None, None) if interactive() => dialoguer::Password::new()
            .with_prompt(tr!("reg-prompt-password"))
            .with_confirmation(tr!("reg-prompt-confirm"), tr!("reg-password-mismatch"))
            .interact()
            .map_err(prompt_err)?,
        (None, None) => {
            return Err(no_terminal(
                &tr!("reg-what-password"),
                &tr!(
                    "reg-password-flags",
                    file = "--password-file FILE",
                    p = "-p"
                ),
            ));
        }
    };
    if password.is_empty() {
        return Err(CliError::failure(tr!("err-reg-blank-password")));
    }

    let admin = if args.admin {
        true
    } else if args.no_admin {
        false
    } else if interactive() {
        let answer: String = dialoguer::Input::new()
            .with_prompt(tr!("reg-prompt-admin"))
            .default(tr!("reg-no"))
            .interact_text()
            .map_err(prompt_err)?;
        let answer = answer.trim().to_lowercase();
        matches!(answer.as_str(), "y" | "yes" | "true") || answer == tr!("reg-yes")
    } else {
        return Err(no_terminal(
            &tr!("reg-what-admin"),
            &tr!(
                "reg-admin-flags",
                admin = "--admin",
                no_admin = "--no-admin"
            ),
        ));
    };

    printer.note(tr!("reg-sending"));
    let outcome = send(&target, &user, &password, admin, args.user_type.as_deref())?;
    match outcome {
        Outcome::Registered(body) => {
            printer.data(tr!(
                "reg-success",
                user = body.get("user_id").and_then(Value::as_str).unwrap_or(&user)
            ));
            Ok(ExitStatus::Success)
        }
        Outcome::Refused { status, body } => {
            let errcode = body.get("errcode").and_then(Value::as_str).unwrap_or("");
            let message = body
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if errcode == "M_USER_IN_USE" && args.exists_ok {
                printer.data(tr!("reg-exists-ok", user = user, flag = "--exists-ok"));
                return Ok(ExitStatus::Success);
            }
            let hint = match errcode {
                "M_USER_IN_USE" => tr!("hint-reg-user-in-use", flag = "--exists-ok"),
                "M_INVALID_USERNAME" => tr!(
                    "hint-reg-invalid-username",
                    letters = "a-z, 0-9",
                    symbols = "= _ - . / +"
                ),
                _ if message == "HMAC incorrect" || errcode == "M_FORBIDDEN" => {
                    tr!(
                        "hint-reg-secret-mismatch",
                        key = "registration_shared_secret"
                    )
                }
                _ if message.contains("not enabled") => tr!(
                    "hint-reg-not-enabled",
                    key = "registration_shared_secret",
                    file = "homeserver.yaml"
                ),
                _ => tr!("hint-reg-see-log"),
            };
            Err(
                CliError::failure(tr!("err-reg-received", status = status, message = message))
                    .cause(tr!("reg-errcode", errcode = errcode))
                    .hint(hint),
            )
        }
    }
}

enum Outcome {
    Registered(Value),
    Refused {
        status: reqwest::StatusCode,
        body: Value,
    },
}

fn send(
    target: &Target,
    user: &str,
    password: &str,
    admin: bool,
    user_type: Option<&str>,
) -> Result<Outcome, CliError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(tr!("err-runtime")).cause(e))?;
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .user_agent(concat!("matrixctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::failure(tr!("err-http-client")).cause(e))?;
        let url = format!(
            "{}/_synapse/admin/v1/register",
            target.url.trim_end_matches('/')
        );
        let unreachable = |e: reqwest::Error| {
            CliError::failure(tr!("err-reg-unreachable", url = url))
                .cause(e)
                .hint(tr!(
                    "hint-reg-unreachable",
                    cmd = "matrixd --config homeserver.yaml"
                ))
        };
        let res = client.get(&url).send().await.map_err(unreachable)?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let Some(nonce) = body.get("nonce").and_then(Value::as_str) else {
            return Err(
                CliError::failure(tr!("err-reg-no-nonce", url = url, status = status))
                    .cause(body.to_string())
                    .hint(tr!("hint-reg-no-nonce")),
            );
        };
        let mac = registration_mac(&target.secret, nonce, user, password, admin, user_type);
        let mut data = json!({
            "nonce": nonce,
            "username": user,
            "password": password,
            "mac": mac,
            "admin": admin,
        });
        if let Some(t) = user_type {
            data["user_type"] = json!(t);
        }
        let res = client
            .post(&url)
            .json(&data)
            .send()
            .await
            .map_err(unreachable)?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            Ok(Outcome::Registered(body))
        } else {
            Ok(Outcome::Refused { status, body })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_is_the_documented_one() {
        // printf 'abc\0alice\0pw\0notadmin' | openssl sha1 -hmac secret
        assert_eq!(
            registration_mac("secret", "abc", "alice", "pw", false, None),
            "42e32623fe124933c326f9d2d67ff7c617915a10"
        );
        assert_eq!(
            registration_mac("secret", "abc", "alice", "pw", true, Some("bot")),
            "403f9ef63d482b2509f8dd394af982a107ca97eb"
        );
    }

    #[test]
    fn accepts_full_user_ids() {
        assert_eq!(localpart("@alice:example.org"), "alice");
        assert_eq!(localpart("alice"), "alice");
    }
}
