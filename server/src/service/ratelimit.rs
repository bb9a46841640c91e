//! Rate limiting: one leaky bucket per (limit, key) — the key is a user id, a room id or a
//! client address. An action is allowed while the bucket has room for it; otherwise the
//! caller gets how long to wait. In memory, like Synapse's.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::config::RateLimit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
}

/// Refused: wait this long before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl Limiter {
    fn level(entry: (f64, Instant), limit: RateLimit, now: Instant) -> f64 {
        (entry.0 - now.duration_since(entry.1).as_secs_f64() * limit.per_second).max(0.0)
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
        let now = Instant::now();
        let mut b = self.buckets.lock().expect("limiter lock");
        let e = b.entry((kind, key.to_string())).or_insert((0.0, now));
        *e = (Self::level(*e, limit, now) + 1.0, now);
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
        let level = Self::level(entry, limit, now);
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
