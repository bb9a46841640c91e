//! Process-wide metrics in Prometheus' text exposition format (0.0.4): HTTP requests by
//! endpoint (route template) and status, request latency histograms, active sync waiters and
//! their wake-ups, events persisted, notifications sent to push gateways and failed, and, for
//! processes sharing a database (`worker_name`), writer's lock takeovers, announcements heard
//! and leadership; the caller adds database pool gauges. One registry per process (tests run
//! several servers in one process and share it). Never imports axum.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// Latency bucket bounds in seconds.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

#[derive(Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

#[derive(Default)]
pub struct Metrics {
    /// (method, endpoint, status) → requests
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// (method, endpoint) → latency
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
    sync_waiters: AtomicI64,
    sync_wakeups: AtomicU64,
    events_persisted: AtomicU64,
    push_sent: AtomicU64,
    push_failed: AtomicU64,
    /// Processes sharing the database (`worker_name`): times this one took the writer's lock,
    /// announcements it heard, and whether it leads.
    writer_takeovers: AtomicU64,
    announcements_heard: AtomicU64,
    leader: AtomicI64,
}

/// The process's registry.
pub fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(Metrics::default)
}

/// Counts a sync waiting for news while it lives.
pub struct SyncWaiter(());

impl SyncWaiter {
    pub fn start() -> Self {
        metrics().sync_waiters.fetch_add(1, Ordering::Relaxed);
        SyncWaiter(())
    }
}

impl Drop for SyncWaiter {
    fn drop(&mut self) {
        metrics().sync_waiters.fetch_sub(1, Ordering::Relaxed);
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Records one answered request.
    pub fn record_request(&self, method: &str, endpoint: &str, status: u16, seconds: f64) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((method.to_string(), endpoint.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            let h = l
                .entry((method.to_string(), endpoint.to_string()))
                .or_default();
            if h.counts.is_empty() {
                h.counts = vec![0; BUCKETS.len()];
            }
            for (i, b) in BUCKETS.iter().enumerate() {
                if seconds <= *b {
                    h.counts[i] += 1;
                }
            }
            h.sum += seconds;
            h.count += 1;
        }
    }

    /// A waiting sync was woken by news in its scope.
    pub fn sync_woken(&self) {
        self.sync_wakeups.fetch_add(1, Ordering::Relaxed);
    }

    /// A notification a push gateway accepted (or answered with our pushkey rejected).
    pub fn push_sent(&self) {
        self.push_sent.fetch_add(1, Ordering::Relaxed);
    }

    /// A push gateway request that failed (it is retried).
    pub fn push_failed(&self) {
        self.push_failed.fetch_add(1, Ordering::Relaxed);
    }

    /// This process took the writer's lock of the processes sharing the database.
    pub fn writer_taken(&self) {
        self.writer_takeovers.fetch_add(1, Ordering::Relaxed);
    }

    /// An announcement of another process was applied.
    pub fn announcement_heard(&self) {
        self.announcements_heard.fetch_add(1, Ordering::Relaxed);
    }

    /// This process runs the background duties of the processes sharing the database.
    pub fn leading(&self) {
        self.leader.store(1, Ordering::Relaxed);
    }

    pub fn events_persisted(&self, n: usize) {
        self.events_persisted.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Everything, in Prometheus text format, with the database pool's size and idle count.
    pub fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "# HELP matrixd_http_requests_total HTTP requests answered, by method, endpoint (route template) and status."
        );
        let _ = writeln!(o, "# TYPE matrixd_http_requests_total counter");
        if let Ok(r) = self.requests.lock() {
            for ((m, e, s), n) in r.iter() {
                let _ = writeln!(
                    o,
                    "matrixd_http_requests_total{{method=\"{}\",endpoint=\"{}\",code=\"{s}\"}} {n}",
                    escape(m),
                    escape(e)
                );
            }
        }
        let _ = writeln!(
            o,
            "# HELP matrixd_http_request_duration_seconds Time to answer HTTP requests, by method and endpoint."
        );
        let _ = writeln!(o, "# TYPE matrixd_http_request_duration_seconds histogram");
        if let Ok(l) = self.latency.lock() {
            for ((m, e), h) in l.iter() {
                let labels = format!("method=\"{}\",endpoint=\"{}\"", escape(m), escape(e));
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        o,
                        "matrixd_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    o,
                    "matrixd_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    o,
                    "matrixd_http_request_duration_seconds_sum{{{labels}}} {}",
                    h.sum
                );
                let _ = writeln!(
                    o,
                    "matrixd_http_request_duration_seconds_count{{{labels}}} {}",
                    h.count
                );
            }
        }
        let gauges = [
            (
                "matrixd_sync_waiters",
                "Sync requests waiting for news.",
                "gauge",
                self.sync_waiters.load(Ordering::Relaxed).to_string(),
            ),
            (
                "matrixd_sync_wakeups_total",
                "Waiting syncs woken by a change in their user's rooms or of the user.",
                "counter",
                self.sync_wakeups.load(Ordering::Relaxed).to_string(),
            ),
            (
                "matrixd_events_persisted_total",
                "Events persisted.",
                "counter",
                self.events_persisted.load(Ordering::Relaxed).to_string(),
            ),
            (
                "matrixd_push_sent_total",
                "Notifications sent to push gateways.",
                "counter",
                self.push_sent.load(Ordering::Relaxed).to_string(),
            ),
            (
                "matrixd_push_failed_total",
                "Push gateway requests that failed (each is retried).",
                "counter",
                self.push_failed.load(Ordering::Relaxed).to_string(),
            ),
            (
                "matrixd_worker_writer_takeovers_total",
                "Times this process took the writer's lock of the processes sharing the database (worker_name).",
                "counter",
                self.writer_takeovers.load(Ordering::Relaxed).to_string(),
            ),
            (
                "matrixd_worker_announcements_heard_total",
                "Announcements of writes by other processes sharing the database, applied here.",
                "counter",
                self.announcements_heard.load(Ordering::Relaxed).to_string(),
            ),
            (
                "matrixd_worker_leader",
                "1 when this process runs the background duties (federation sending) of the processes sharing the database.",
                "gauge",
                self.leader.load(Ordering::Relaxed).to_string(),
            ),
            (
                "matrixd_db_pool_size",
                "Database connections open.",
                "gauge",
                pool_size.to_string(),
            ),
            (
                "matrixd_db_pool_idle",
                "Database connections idle.",
                "gauge",
                pool_idle.to_string(),
            ),
        ];
        for (name, help, kind, value) in gauges {
            let _ = writeln!(
                o,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        o
    }
}
