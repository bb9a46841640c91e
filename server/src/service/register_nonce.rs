//! Nonces for shared-secret registration: 128 lowercase hex characters (like Synapse's
//! `token_hex(64)`), valid for 60 seconds and usable once, even when the request that used
//! one then fails. Kept in memory, like Synapse.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngExt as _;

pub const NONCE_TIMEOUT: Duration = Duration::from_secs(60);
/// Bound on outstanding nonces so unauthenticated GETs cannot grow memory without limit.
const MAX_OUTSTANDING: usize = 10_000;

#[derive(Default)]
pub struct Nonces {
    issued: Mutex<HashMap<String, Instant>>,
}

impl Nonces {
    fn purge(map: &mut HashMap<String, Instant>, now: Instant) {
        map.retain(|_, t| now.duration_since(*t) < NONCE_TIMEOUT);
    }

    pub fn issue(&self) -> String {
        let mut bytes = [0u8; 64];
        rand::rng().fill(&mut bytes);
        let nonce = hex::encode(bytes);
        let now = Instant::now();
        let mut map = self.issued.lock().expect("nonce lock");
        Self::purge(&mut map, now);
        if map.len() >= MAX_OUTSTANDING
            && let Some(oldest) = map.iter().min_by_key(|(_, t)| **t).map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(nonce.clone(), now);
        nonce
    }

    /// Removes the nonce; true when it was issued and has not expired.
    pub fn take(&self, nonce: &str) -> bool {
        let now = Instant::now();
        let mut map = self.issued.lock().expect("nonce lock");
        let found = map.remove(nonce);
        Self::purge(&mut map, now);
        matches!(found, Some(t) if now.duration_since(t) < NONCE_TIMEOUT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_hex_and_single_use() {
        let n = Nonces::default();
        let a = n.issue();
        assert_eq!(a.len(), 128);
        assert!(a.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
        assert!(n.take(&a));
        assert!(!n.take(&a));
        assert!(!n.take("not-issued"));
    }

    #[test]
    fn expired_nonces_are_refused() {
        let n = Nonces::default();
        let a = n.issue();
        n.issued.lock().unwrap().insert(
            a.clone(),
            Instant::now() - NONCE_TIMEOUT - Duration::from_millis(1),
        );
        assert!(!n.take(&a));
    }
}
