//! rc_federation: what one other server may ask of us, as Synapse limits it. Per origin, over
//! a sliding window of `window_size` ms: past `sleep_limit` requests each waits `sleep_delay`
//! ms before it is processed, past `reject_limit` they are refused with 429; and at most
//! `concurrent` of its requests are processed at once, the others waiting their turn.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ruma::{OwnedServerName, ServerName};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::FederationRateLimit;

struct Origin {
    recent: Mutex<VecDeque<Instant>>,
    running: Arc<Semaphore>,
}

#[derive(Default)]
pub struct FederationLimiter {
    origins: Mutex<HashMap<OwnedServerName, Arc<Origin>>>,
}

/// Over reject_limit: retry after this many ms.
#[derive(Debug)]
pub struct Rejected(pub u64);

impl FederationLimiter {
    /// Admits one request of `origin`: after a wait when it is over sleep_limit, and once one
    /// of its `concurrent` slots is free; the permit holds the slot until dropped.
    pub async fn admit(
        &self,
        origin: &ServerName,
        limits: &FederationRateLimit,
    ) -> Result<OwnedSemaphorePermit, Rejected> {
        let state = self
            .origins
            .lock()
            .expect("federation limiter")
            .entry(origin.to_owned())
            .or_insert_with(|| {
                Arc::new(Origin {
                    recent: Mutex::default(),
                    running: Arc::new(Semaphore::new(
                        usize::try_from(limits.concurrent)
                            .unwrap_or(usize::MAX)
                            .max(1),
                    )),
                })
            })
            .clone();
        let window = Duration::from_millis(limits.window_size);
        let count = {
            let now = Instant::now();
            let mut recent = state.recent.lock().expect("federation limiter");
            while recent
                .front()
                .is_some_and(|t| now.duration_since(*t) > window)
            {
                recent.pop_front();
            }
            let count = u64::try_from(recent.len()).unwrap_or(u64::MAX);
            if count >= limits.reject_limit {
                return Err(Rejected(limits.window_size.max(1)));
            }
            recent.push_back(now);
            count + 1
        };
        if count > limits.sleep_limit {
            tokio::time::sleep(Duration::from_millis(limits.sleep_delay)).await;
        }
        Ok(state
            .running
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn over_the_limits_requests_wait_then_are_refused() {
        let limits = FederationRateLimit {
            window_size: 60_000,
            sleep_limit: 2,
            sleep_delay: 200,
            reject_limit: 4,
            concurrent: 1,
        };
        let limiter = FederationLimiter::default();
        let origin = <&ServerName>::try_from("other.example").unwrap();
        drop(limiter.admit(origin, &limits).await.unwrap());
        drop(limiter.admit(origin, &limits).await.unwrap());
        let start = Instant::now();
        drop(limiter.admit(origin, &limits).await.unwrap());
        assert!(
            start.elapsed() >= Duration::from_millis(200),
            "over sleep_limit: it waits sleep_delay"
        );
        drop(limiter.admit(origin, &limits).await.unwrap());
        assert!(
            limiter.admit(origin, &limits).await.is_err(),
            "over reject_limit: refused"
        );
        // Another server has its own counts.
        let other = <&ServerName>::try_from("else.example").unwrap();
        assert!(limiter.admit(other, &limits).await.is_ok());
        // One at a time: a second request waits for the first's permit.
        let held = limiter.admit(other, &limits).await.unwrap();
        let waiting = limiter.admit(other, &limits);
        tokio::pin!(waiting);
        assert!(
            tokio::time::timeout(Duration::from_millis(10), &mut waiting)
                .await
                .is_err(),
            "a second concurrent request runs only when the first is done"
        );
        drop(held);
        assert!(waiting.await.is_ok());
    }
}
