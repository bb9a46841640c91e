//! Rate limiting: one leaky bucket per (limit, key) — the key is a user id, a room id or a
//! client address. An action is allowed while the bucket has room for it; otherwise the
//! caller gets how long to wait. In memory, like Synapse's; processes sharing a database
//! (`worker_name`) tell each other what they counted (`Spread`, through `service::cluster`), so
//! a client whose requests alternate between them is held to one budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::config::RateLimit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    Message,
    Registration,
    LoginAddress,
    LoginAccount,
    LoginFailed,
    JoinLocal,
    JoinRemote,
    InviteRoom,
    InviteUser,
    InviteIssuer,
    Report,
}

#[derive(Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<(Kind, String), (f64, Instant)>>,
    spread: OnceLock<Arc<dyn Spread>>,
}

/// Hears every action counted here (the other processes count it too).
pub trait Spread: Send + Sync {
    /// `n` actions of `kind` by `key` were counted, under a limit draining `per_second`.
    fn counted(&self, kind: Kind, key: &str, n: f64, per_second: f64);
}

/// Refused: wait this long before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl Limiter {
    fn drained(entry: (f64, Instant), per_second: f64, now: Instant) -> f64 {
        (entry.0 - now.duration_since(entry.1).as_secs_f64() * per_second).max(0.0)
    }

    /// Counts one action if it fits, else says how long to wait (and counts nothing).
    pub fn check(&self, kind: Kind, key: &str, limit: RateLimit) -> Result<(), RetryAfter> {
        self.check_n(kind, key, limit, 1.0, true)
    }

    /// Whether an action would fit, without counting it.
    pub fn peek(&self, kind: Kind, key: &str, limit: RateLimit) -> Result<(), RetryAfter> {
        self.check_n(kind, key, limit, 1.0, false)
    }

    /// Counts an action unconditionally (e.g. a failed login, after the fact).
    pub fn record(&self, kind: Kind, key: &str, limit: RateLimit) {
        self.add(kind, key, 1.0, limit.per_second);
        self.tell(kind, key, 1.0, limit.per_second);
    }

    /// Tells `spread` of every action counted from now on.
    pub fn spread(&self, spread: Arc<dyn Spread>) {
        let _ = self.spread.set(spread);
    }

    /// Counts what another process counted (not told again).
    pub fn counted_elsewhere(&self, kind: Kind, key: &str, n: f64, per_second: f64) {
        self.add(kind, key, n, per_second);
    }

    fn add(&self, kind: Kind, key: &str, n: f64, per_second: f64) {
        let now = Instant::now();
        let mut b = self.buckets.lock().expect("limiter lock");
        let e = b.entry((kind, key.to_string())).or_insert((0.0, now));
        *e = (Self::drained(*e, per_second, now) + n, now);
    }

    fn tell(&self, kind: Kind, key: &str, n: f64, per_second: f64) {
        if let Some(s) = self.spread.get() {
            s.counted(kind, key, n, per_second);
        }
    }

    fn check_n(
        &self,
        kind: Kind,
        key: &str,
        limit: RateLimit,
        n: f64,
        count: bool,
    ) -> Result<(), RetryAfter> {
        let now = Instant::now();
        let mut b = self.buckets.lock().expect("limiter lock");
        if b.len() > 100_000 {
            b.retain(|_, e| e.0 - now.duration_since(e.1).as_secs_f64() * 0.001 > 0.0);
        }
        let entry = b
            .get(&(kind, key.to_string()))
            .copied()
            .unwrap_or((0.0, now));
        let level = Self::drained(entry, limit.per_second, now);
        if level + n > limit.burst_count {
            let wait = if limit.per_second > 0.0 {
                (level + n - limit.burst_count) / limit.per_second
            } else {
                3600.0
            };
            return Err(RetryAfter((wait * 1000.0).ceil() as u64));
        }
        if count {
            b.insert((kind, key.to_string()), (level + n, now));
            drop(b);
            self.tell(kind, key, n, limit.per_second);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_with_a_retry_time() {
        let l = Limiter::default();
        let lim = RateLimit {
            per_second: 0.2,
            burst_count: 3.0,
        };
        for _ in 0..3 {
            assert!(l.check(Kind::Message, "@a:x", lim).is_ok());
        }
        let RetryAfter(ms) = l.check(Kind::Message, "@a:x", lim).unwrap_err();
        assert!((4000..=5000).contains(&ms), "{ms}");
        assert!(
            l.check(Kind::Message, "@b:x", lim).is_ok(),
            "buckets are per key"
        );
    }
}
