//! Domain logic: accounts, shared-secret registration, server keys. Never imports axum; talks
//! to storage only through `crate::store`.

pub mod accounts;
pub mod register_nonce;
pub mod server_keys;

use std::sync::Arc;

use crate::config::Config;
use crate::keys::SigningKey;
use crate::store::Db;

/// Everything a request handler needs, shared by all requests.
pub struct Services {
    pub config: Config,
    pub db: Db,
    pub signing_key: SigningKey,
    pub nonces: register_nonce::Nonces,
}

pub type SharedServices = Arc<Services>;
