//! The admin API's registration tokens, as Synapse validates them: tokens of 1-64 characters
//! from `[A-Za-z0-9._~-]` (random ones of `length`, default 16), `uses_allowed` a
//! non-negative integer or null, `expiry_time` in milliseconds, not in the past. Never
//! imports axum.

use rand::RngExt as _;
use serde_json::{Value, json};

use super::Services;
use super::admin_users::AdminError;
use crate::store::admin_registration_tokens::{self as store, TokenRow};
use crate::store::{now_ms, registration_tokens};

const ALLOWED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";

pub fn token_json(t: &TokenRow) -> Value {
    json!({ "token": t.0, "uses_allowed": t.1, "pending": t.2, "completed": t.3, "expiry_time": t.4 })
}

/// `uses_allowed`: absent → None, null → Some(None), a non-negative integer → Some(Some(n)).
fn uses_allowed(body: &Value) -> Result<Option<Option<i64>>, AdminError> {
    match body.get("uses_allowed") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n >= 0) => Ok(Some(n.as_i64())),
        Some(_) => Err(AdminError::invalid_param(
            "uses_allowed must be a non-negative integer or null",
        )),
    }
}

fn expiry_time(body: &Value) -> Result<Option<Option<i64>>, AdminError> {
    match body.get("expiry_time") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Number(n)) if n.as_i64().is_some() => {
            let t = n.as_i64().unwrap_or_default();
            if t < now_ms() {
                return Err(AdminError::invalid_param(
                    "expiry_time must not be in the past",
                ));
            }
            Ok(Some(Some(t)))
        }
        Some(_) => Err(AdminError::invalid_param(
            "expiry_time must be an integer or null",
        )),
    }
}

fn random_token(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALLOWED[rng.random_range(0..ALLOWED.len())] as char)
        .collect()
}

impl Services {
    pub async fn admin_list_registration_tokens(
        &self,
        valid: Option<bool>,
    ) -> Result<Vec<Value>, AdminError> {
        Ok(store::list(&self.db, valid)
            .await?
            .iter()
            .map(token_json)
            .collect())
    }

    pub async fn admin_registration_token(&self, token: &str) -> Result<Value, AdminError> {
        match store::get(&self.db, token).await? {
            Some(t) => Ok(token_json(&t)),
            None => Err(AdminError::NotFound(format!(
                "No such registration token: {token}"
            ))),
        }
    }

    /// `POST /registration_tokens/new`.
    pub async fn admin_new_registration_token(&self, body: &Value) -> Result<Value, AdminError> {
        let given = match body.get("token") {
            None => None,
            Some(Value::String(t)) => {
                if t.is_empty() || t.chars().count() > 64 {
                    return Err(AdminError::invalid_param(
                        "token must not be empty and must not be longer than 64 characters",
                    ));
                }
                if !t.bytes().all(|b| ALLOWED.contains(&b)) {
                    return Err(AdminError::invalid_param(
                        "token must consist only of characters matched by the regex [A-Za-z0-9-_]",
                    ));
                }
                Some(t.clone())
            }
            Some(_) => return Err(AdminError::invalid_param("token must be a string")),
        };
        let length = match body.get("length") {
            None => 16,
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => match n.as_i64() {
                Some(l) if (1..=64).contains(&l) => l as usize,
                _ => {
                    return Err(AdminError::invalid_param(
                        "length must be greater than zero and not greater than 64",
                    ));
                }
            },
            Some(_) => return Err(AdminError::invalid_param("length must be an integer")),
        };
        let uses = uses_allowed(body)?.flatten();
        let expiry = expiry_time(body)?.flatten();
        let token = match given {
            Some(t) => {
                if !registration_tokens::insert(&self.db, &t, uses, expiry).await? {
                    return Err(AdminError::invalid_param(format!(
                        "Token already exists: {t}"
                    )));
                }
                t
            }
            None => loop {
                let t = random_token(length);
                if registration_tokens::insert(&self.db, &t, uses, expiry).await? {
                    break t;
                }
            },
        };
        Ok(
            json!({ "token": token, "uses_allowed": uses, "pending": 0, "completed": 0, "expiry_time": expiry }),
        )
    }

    /// `PUT /registration_tokens/{token}`.
    pub async fn admin_update_registration_token(
        &self,
        token: &str,
        body: &Value,
    ) -> Result<Value, AdminError> {
        let uses = uses_allowed(body)?;
        let expiry = expiry_time(body)?;
        if !store::update(&self.db, token, uses, expiry).await? {
            return Err(AdminError::NotFound(format!(
                "No such registration token: {token}"
            )));
        }
        self.admin_registration_token(token).await
    }

    /// `DELETE /registration_tokens/{token}`.
    pub async fn admin_delete_registration_token(&self, token: &str) -> Result<(), AdminError> {
        if !store::delete(&self.db, token).await? {
            return Err(AdminError::NotFound(format!(
                "No such registration token: {token}"
            )));
        }
        Ok(())
    }
}
