//! Cross-signing: the master, self-signing and user-signing keys
//! (/keys/device_signing/upload) and signatures made with them or with devices
//! (/keys/signatures/upload). Every signature is checked (ed25519 over canonical JSON, through
//! ruma) before it is stored. Whether an upload needs user-interactive auth is decided here
//! (`cross_signing_needs_auth`), the auth itself is `service::uia`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use ruma::CanonicalJsonValue;
use ruma::signatures::{
    SigningKeyAlgorithm, to_canonical_json_string_for_signing, verify_canonical_json_bytes,
};
use serde_json::{Map, Value, json};

use super::{E2eeError, Result};
use crate::service::Services;
use crate::store::e2ee as db;

const KEY_TYPES: [&str; 3] = ["master", "self_signing", "user_signing"];

/// The unpadded base64 public key of a cross-signing key (`keys` must hold exactly one).
pub fn public_key(key: &Value) -> Option<String> {
    let keys = key.get("keys")?.as_object()?;
    if keys.len() != 1 {
        return None;
    }
    keys.values().next()?.as_str().map(str::to_string)
}

/// (`ed25519:<public>`, public) of a cross-signing key.
fn key_id_and_public(key: &Value) -> Option<(String, String)> {
    let keys = key.get("keys")?.as_object()?;
    if keys.len() != 1 {
        return None;
    }
    let (id, public) = keys.iter().next()?;
    Some((id.clone(), public.as_str()?.to_string()))
}

fn b64(s: &str) -> Option<Vec<u8>> {
    STANDARD_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
        .or_else(|| STANDARD.decode(s).ok())
}

/// Whether `obj` carries a valid ed25519 signature by `signer` under `key_id` made with the
/// key whose public part is `public` (unpadded base64).
pub fn signature_valid(obj: &Value, signer: &str, key_id: &str, public: &str) -> bool {
    let Some(sig) = obj
        .get("signatures")
        .and_then(|s| s.get(signer))
        .and_then(|s| s.get(key_id))
        .and_then(Value::as_str)
    else {
        return false;
    };
    let Ok(CanonicalJsonValue::Object(canonical)) = CanonicalJsonValue::try_from(obj.clone())
    else {
        return false;
    };
    let Ok(text) = to_canonical_json_string_for_signing(&canonical) else {
        return false;
    };
    match (b64(public), b64(sig)) {
        (Some(pk), Some(sig)) => {
            verify_canonical_json_bytes(&SigningKeyAlgorithm::Ed25519, &pk, &sig, text.as_bytes())
                .is_ok()
        }
        _ => false,
    }
}

/// Both objects without `signatures` and `unsigned`.
fn same_content(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| -> Value {
        let mut v = v.clone();
        if let Value::Object(m) = &mut v {
            m.remove("signatures");
            m.remove("unsigned");
        }
        v
    };
    strip(a) == strip(b)
}

fn failure(status: u16, errcode: &str, message: &str) -> Value {
    json!({"status": status, "errcode": errcode, "message": message})
}

fn check_key(key: &Value, user_id: &str, kind: &str) -> Result<()> {
    let usage_ok = key
        .get("usage")
        .and_then(Value::as_array)
        .is_some_and(|u| u.iter().any(|x| x == kind));
    if key.get("user_id").and_then(Value::as_str) != Some(user_id)
        || !usage_ok
        || key_id_and_public(key).is_none()
    {
        return Err(E2eeError::InvalidParam(format!("Invalid {kind} key")));
    }
    Ok(())
}

impl Services {
    pub(super) async fn cross_signing_key(
        &self,
        user_id: &str,
        kind: &str,
    ) -> Result<Option<Value>, crate::store::StoreError> {
        Ok(db::get_cross_signing_key(&self.db, user_id, kind)
            .await?
            .and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// The first step of a cross-signing key upload (`body` as sent, `auth` included): the
    /// keys are stored, or were already, when no re-authentication is needed (true); false
    /// when the upload must pass user-interactive auth first — replacing existing keys, or a
    /// later round that carries only `auth` (the auth session remembers the keys).
    pub async fn upload_signing_keys_unless_auth_needed(
        &self,
        user_id: &str,
        body: &Value,
    ) -> Result<bool> {
        let mut keys = body.clone();
        if let Value::Object(m) = &mut keys {
            m.remove("auth");
        }
        let continuing = keys.as_object().is_some_and(|m| m.is_empty())
            && body.get("auth").is_some_and(Value::is_object);
        if continuing {
            return Ok(false);
        }
        match self.cross_signing_needs_auth(user_id, &keys).await? {
            None => Ok(true),
            Some(false) => {
                self.upload_signing_keys(user_id, &keys).await?;
                Ok(true)
            }
            Some(true) => Ok(false),
        }
    }

    /// Whether an upload must pass user-interactive auth first: `None` when it would change
    /// nothing (answer `{}` at once), `Some(false)` for a first setup (no master key yet, as
    /// Synapse allows), `Some(true)` to replace existing keys.
    pub async fn cross_signing_needs_auth(
        &self,
        user_id: &str,
        body: &Value,
    ) -> Result<Option<bool>> {
        let mut differs = false;
        for kind in KEY_TYPES {
            if let Some(new) = body.get(format!("{kind}_key"))
                && self.cross_signing_key(user_id, kind).await?.as_ref() != Some(new)
            {
                differs = true;
            }
        }
        if !differs {
            return Ok(None);
        }
        Ok(Some(
            self.cross_signing_key(user_id, "master").await?.is_some(),
        ))
    }

    /// Stores cross-signing keys after checking them: the self-signing and user-signing keys
    /// must be signed by the (new or stored) master key.
    pub async fn upload_signing_keys(&self, user_id: &str, body: &Value) -> Result<()> {
        let master = match body.get("master_key") {
            Some(k) => {
                check_key(k, user_id, "master")?;
                Some(k.clone())
            }
            None => self.cross_signing_key(user_id, "master").await?,
        };
        let Some(master) = master else {
            return Err(E2eeError::MissingParam("No master key available".into()));
        };
        let (master_id, master_public) = key_id_and_public(&master)
            .ok_or_else(|| E2eeError::InvalidParam("Invalid master key".into()))?;
        for kind in ["self_signing", "user_signing"] {
            if let Some(k) = body.get(format!("{kind}_key")) {
                check_key(k, user_id, kind)?;
                if !signature_valid(k, user_id, &master_id, &master_public) {
                    return Err(E2eeError::InvalidSignature(format!(
                        "Invalid signature on {kind} key"
                    )));
                }
            }
        }
        let mut g = self.streams.write().await;
        let pos = g.next_pos();
        for kind in KEY_TYPES {
            if let Some(k) = body.get(format!("{kind}_key")) {
                db::set_cross_signing_key(&self.db, user_id, kind, &k.to_string(), pos).await?;
            }
        }
        db::mark_device_list_change(&self.db, user_id, pos).await?;
        self.announce_signing_keys(user_id, pos).await?;
        self.hints.device_lists.record([("", pos)]);
        self.note_user_and_rooms(pos, user_id).await?;
        g.commit();
        Ok(())
    }

    /// Stores signatures on the user's own devices (by the self-signing key) and master key
    /// (by a device), and on other users' master keys (by the user-signing key). Problems are
    /// reported per key in `failures`, as Synapse does.
    pub async fn upload_signatures(
        &self,
        user_id: &str,
        body: &Value,
    ) -> Result<Map<String, Value>> {
        let Value::Object(body) = body else {
            return Err(E2eeError::InvalidParam("Invalid parameter".into()));
        };
        let mut failures: Map<String, Value> = Map::new();
        let mut stored_any = false;
        let mut own_signed: Vec<String> = Vec::new();
        for (target, keys) in body {
            let Value::Object(keys) = keys else {
                return Err(E2eeError::InvalidParam("Invalid parameter".into()));
            };
            if keys.values().any(|v| !v.is_object()) {
                return Err(E2eeError::InvalidParam("Invalid parameter".into()));
            }
            let mut fails = Map::new();
            if target == user_id {
                self.sign_own_keys(user_id, keys, &mut fails, &mut stored_any)
                    .await?;
                own_signed.extend(keys.keys().filter(|k| !fails.contains_key(*k)).cloned());
            } else {
                self.sign_other_master(user_id, target, keys, &mut fails, &mut stored_any)
                    .await?;
            }
            if !fails.is_empty() {
                failures.insert(target.clone(), Value::Object(fails));
            }
        }
        if stored_any {
            // Other servers hear of newly signed devices, and of a newly signed master key.
            let master = self
                .cross_signing_key(user_id, "master")
                .await?
                .as_ref()
                .and_then(public_key);
            let master_signed = master.as_ref().is_some_and(|m| own_signed.contains(m));
            own_signed.retain(|k| Some(k) != master.as_ref());
            self.device_list_changed(user_id, &own_signed).await?;
            if master_signed {
                let mut g = self.streams.write().await;
                let pos = g.next_pos();
                db::mark_device_list_change(&self.db, user_id, pos).await?;
                self.announce_signing_keys(user_id, pos).await?;
                self.hints.device_lists.record([("", pos)]);
                self.note_user_and_rooms(pos, user_id).await?;
                g.commit();
            }
        }
        Ok(failures)
    }

    async fn sign_own_keys(
        &self,
        user_id: &str,
        keys: &Map<String, Value>,
        fails: &mut Map<String, Value>,
        stored: &mut bool,
    ) -> Result<()> {
        let ssk = self
            .cross_signing_key(user_id, "self_signing")
            .await?
            .and_then(|k| key_id_and_public(&k));
        let master = self.cross_signing_key(user_id, "master").await?;
        let devices: Map<String, Value> = db::device_keys_of(&self.db, user_id)
            .await?
            .into_iter()
            .filter_map(|(d, j, _)| serde_json::from_str(&j).ok().map(|v| (d, v)))
            .collect();
        let (Some((ssk_id, ssk_public)), Some(master)) = (ssk, master) else {
            let f = failure(
                404,
                "M_NOT_FOUND",
                &format!("No self_signing key found for {user_id}"),
            );
            for k in keys.keys() {
                fails.insert(k.clone(), f.clone());
            }
            return Ok(());
        };
        let master_public = public_key(&master).unwrap_or_default();
        for (key_id, signed) in keys {
            let Some(sigs) = signed
                .get("signatures")
                .and_then(|s| s.get(user_id))
                .and_then(Value::as_object)
            else {
                fails.insert(
                    key_id.clone(),
                    failure(400, "M_INVALID_SIGNATURE", "Invalid signature"),
                );
                continue;
            };
            if *key_id == master_public {
                // The master key, signed by one of the user's devices.
                if !same_content(signed, &master) {
                    fails.insert(
                        key_id.clone(),
                        failure(400, "M_UNKNOWN", "Key does not match"),
                    );
                    continue;
                }
                let mut ok = false;
                for (sig_key_id, sig) in sigs {
                    let Some(device_id) = sig_key_id.strip_prefix("ed25519:") else {
                        continue;
                    };
                    let Some(public) = devices
                        .get(device_id)
                        .and_then(|d| d["keys"][sig_key_id].as_str())
                    else {
                        continue;
                    };
                    if signature_valid(signed, user_id, sig_key_id, public) {
                        db::add_signature(
                            &self.db,
                            user_id,
                            key_id,
                            user_id,
                            sig_key_id,
                            sig.as_str().unwrap_or(""),
                        )
                        .await?;
                        *stored = true;
                        ok = true;
                    }
                }
                if !ok {
                    fails.insert(
                        key_id.clone(),
                        failure(400, "M_INVALID_SIGNATURE", "Invalid signature"),
                    );
                }
                continue;
            }
            let Some(device) = devices.get(key_id) else {
                fails.insert(
                    key_id.clone(),
                    failure(404, "M_NOT_FOUND", "Unknown device"),
                );
                continue;
            };
            if !sigs.contains_key(&ssk_id) {
                fails.insert(
                    key_id.clone(),
                    failure(400, "M_INVALID_SIGNATURE", "Invalid signature"),
                );
            } else if !same_content(signed, device) {
                fails.insert(
                    key_id.clone(),
                    failure(400, "M_UNKNOWN", "Key does not match"),
                );
            } else if !signature_valid(signed, user_id, &ssk_id, &ssk_public) {
                fails.insert(
                    key_id.clone(),
                    failure(400, "M_INVALID_SIGNATURE", "Invalid signature"),
                );
            } else {
                db::add_signature(
                    &self.db,
                    user_id,
                    key_id,
                    user_id,
                    &ssk_id,
                    sigs[&ssk_id].as_str().unwrap_or(""),
                )
                .await?;
                *stored = true;
            }
        }
        Ok(())
    }

    async fn sign_other_master(
        &self,
        user_id: &str,
        target: &str,
        keys: &Map<String, Value>,
        fails: &mut Map<String, Value>,
        stored: &mut bool,
    ) -> Result<()> {
        let usk = self
            .cross_signing_key(user_id, "user_signing")
            .await?
            .and_then(|k| key_id_and_public(&k));
        let master = self.cross_signing_key(target, "master").await?;
        let Some((usk_id, usk_public)) = usk else {
            let f = failure(
                404,
                "M_NOT_FOUND",
                &format!("No user_signing key found for {user_id}"),
            );
            keys.keys()
                .for_each(|k| _ = fails.insert(k.clone(), f.clone()));
            return Ok(());
        };
        let Some(master) = master else {
            let f = failure(
                404,
                "M_NOT_FOUND",
                &format!("No master key found for {target}"),
            );
            keys.keys()
                .for_each(|k| _ = fails.insert(k.clone(), f.clone()));
            return Ok(());
        };
        let master_public = public_key(&master).unwrap_or_default();
        for (key_id, signed) in keys {
            if *key_id != master_public {
                fails.insert(
                    key_id.clone(),
                    failure(404, "M_NOT_FOUND", "Unknown device"),
                );
                continue;
            }
            let sig = signed
                .get("signatures")
                .and_then(|s| s.get(user_id))
                .and_then(|s| s.get(&usk_id))
                .and_then(Value::as_str);
            if sig.is_none() || !signature_valid(signed, user_id, &usk_id, &usk_public) {
                fails.insert(
                    key_id.clone(),
                    failure(400, "M_INVALID_SIGNATURE", "Invalid signature"),
                );
            } else if !same_content(signed, &master) {
                fails.insert(
                    key_id.clone(),
                    failure(400, "M_UNKNOWN", "Key does not match"),
                );
            } else {
                db::add_signature(
                    &self.db,
                    target,
                    key_id,
                    user_id,
                    &usk_id,
                    sig.unwrap_or(""),
                )
                .await?;
                *stored = true;
            }
        }
        Ok(())
    }
}
