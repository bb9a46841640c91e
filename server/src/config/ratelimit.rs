//! Rate-limit settings with Synapse's key names and defaults: rc_message, rc_registration,
//! rc_login (address, account, failed_attempts), rc_joins (local, remote), rc_invites
//! (per_room, per_user, per_issuer). Each is a leaky bucket: `per_second` drains it,
//! `burst_count` is its size.

use yaml_serde::Value;

use super::known;
use super::problem::{Expected, Fix, Kind, Problem};
use super::reader::Section;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst_count: f64,
}

const fn rl(per_second: f64, burst_count: f64) -> RateLimit {
    RateLimit {
        per_second,
        burst_count,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    pub message: RateLimit,
    pub registration: RateLimit,
    pub login_address: RateLimit,
    pub login_account: RateLimit,
    pub login_failed_attempts: RateLimit,
    pub joins_local: RateLimit,
    pub joins_remote: RateLimit,
    pub invites_per_room: RateLimit,
    pub invites_per_user: RateLimit,
    pub invites_per_issuer: RateLimit,
    /// rc_reports: reports of events, rooms and users, per user.
    pub reports: RateLimit,
    pub federation: FederationRateLimit,
}

/// rc_federation: how many requests one other server may make (Synapse's keys and defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FederationRateLimit {
    /// The window the counts below are over, in ms.
    pub window_size: u64,
    /// Past this many requests in the window, each waits `sleep_delay` ms first.
    pub sleep_limit: u64,
    pub sleep_delay: u64,
    /// Past this many in the window, requests are refused (429).
    pub reject_limit: u64,
    /// At most this many of its requests are processed at once; the rest wait their turn.
    pub concurrent: u64,
}

impl Default for FederationRateLimit {
    fn default() -> Self {
        FederationRateLimit {
            window_size: 1000,
            sleep_limit: 10,
            sleep_delay: 500,
            reject_limit: 50,
            concurrent: 3,
        }
    }
}

impl Default for RateLimits {
    /// Synapse 1.163's defaults.
    fn default() -> Self {
        RateLimits {
            message: rl(0.2, 10.0),
            registration: rl(0.17, 3.0),
            login_address: rl(0.003, 5.0),
            login_account: rl(0.003, 5.0),
            login_failed_attempts: rl(0.17, 3.0),
            joins_local: rl(0.1, 10.0),
            joins_remote: rl(0.01, 10.0),
            invites_per_room: rl(0.3, 10.0),
            invites_per_user: rl(0.003, 5.0),
            invites_per_issuer: rl(0.3, 10.0),
            reports: rl(1.0, 5.0),
            federation: FederationRateLimit::default(),
        }
    }
}

fn number(s: &mut Section<'_>, key: &str) -> Option<f64> {
    let v = s.raw(key)?;
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f >= 0.0 => Some(f),
            _ => {
                s.error(
                    key,
                    Kind::Negative {
                        value: n.to_string(),
                    },
                    Fix::NonNegative,
                );
                None
            }
        },
        other => {
            s.push(Problem::error(
                s.key_path(key),
                Kind::WrongType {
                    expected: Expected::Number,
                    found: super::reader::describe(other),
                },
            ));
            None
        }
    }
}

fn one(s: &mut Section<'_>, default: RateLimit) -> RateLimit {
    let per_second = number(s, "per_second").unwrap_or(default.per_second);
    let burst_count = number(s, "burst_count").unwrap_or(default.burst_count);
    RateLimit {
        per_second,
        burst_count,
    }
}

fn flat(r: &mut Section<'_>, key: &str, default: RateLimit) -> RateLimit {
    match r.section(key) {
        Some(mut s) => {
            let v = one(&mut s, default);
            s.finish(known::RATE_LIMIT, &[]);
            v
        }
        None => default,
    }
}

fn nested(
    r: &mut Section<'_>,
    key: &str,
    parts: &[&str],
    defaults: &[RateLimit],
) -> Vec<RateLimit> {
    let mut out = defaults.to_vec();
    if let Some(mut s) = r.section(key) {
        for (i, part) in parts.iter().enumerate() {
            if let Some(mut p) = s.section(part) {
                out[i] = one(&mut p, defaults[i]);
                p.finish(known::RATE_LIMIT, &[]);
            }
        }
        s.finish(parts, &[]);
    }
    out
}

/// Reads every rc_* key matrixd enforces.
pub(super) fn read(r: &mut Section<'_>) -> RateLimits {
    let d = RateLimits::default();
    let login = nested(
        r,
        "rc_login",
        &["address", "account", "failed_attempts"],
        &[d.login_address, d.login_account, d.login_failed_attempts],
    );
    let joins = nested(
        r,
        "rc_joins",
        &["local", "remote"],
        &[d.joins_local, d.joins_remote],
    );
    let invites = nested(
        r,
        "rc_invites",
        &["per_room", "per_user", "per_issuer"],
        &[d.invites_per_room, d.invites_per_user, d.invites_per_issuer],
    );
    RateLimits {
        message: flat(r, "rc_message", d.message),
        registration: flat(r, "rc_registration", d.registration),
        login_address: login[0],
        login_account: login[1],
        login_failed_attempts: login[2],
        joins_local: joins[0],
        joins_remote: joins[1],
        invites_per_room: invites[0],
        invites_per_user: invites[1],
        invites_per_issuer: invites[2],
        reports: flat(r, "rc_reports", d.reports),
        federation: federation(r, d.federation),
    }
}

fn federation(r: &mut Section<'_>, d: FederationRateLimit) -> FederationRateLimit {
    let Some(mut s) = r.section("rc_federation") else {
        return d;
    };
    let mut get = |key: &str, default: u64| {
        s.integer(key, 0, i64::from(u32::MAX))
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(default)
    };
    let out = FederationRateLimit {
        window_size: get("window_size", d.window_size),
        sleep_limit: get("sleep_limit", d.sleep_limit),
        sleep_delay: get("sleep_delay", d.sleep_delay),
        reject_limit: get("reject_limit", d.reject_limit),
        concurrent: get("concurrent", d.concurrent).max(1),
    };
    s.finish(known::FEDERATION_RATE_LIMIT, &[]);
    out
}
