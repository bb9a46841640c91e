//! What sync read from the database about one key — a user's memberships or account data, a
//! room's state — kept with the stream position and rewrite epoch it was read at, and reused
//! while the change logs say nothing it depends on was written since. Bounded by weight (rows
//! kept): past the bound the cache starts again empty, which only costs queries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Snapshots<T> {
    inner: Mutex<Inner<T>>,
    max_weight: usize,
}

struct Inner<T> {
    by_key: HashMap<String, Snapshot<T>>,
    weight: usize,
}

struct Snapshot<T> {
    at: i64,
    epoch: u64,
    weight: usize,
    value: Arc<T>,
}

impl<T> Snapshots<T> {
    /// A cache holding at most `max_weight` rows in all.
    pub fn new(max_weight: usize) -> Self {
        Snapshots {
            inner: Mutex::new(Inner {
                by_key: HashMap::new(),
                weight: 0,
            }),
            max_weight,
        }
    }

    /// The value kept for `key`, if `stands(at, epoch)` says it still holds.
    pub fn get(&self, key: &str, stands: impl FnOnce(i64, u64) -> bool) -> Option<Arc<T>> {
        let inner = self.inner.lock().expect("sync snapshots");
        let s = inner.by_key.get(key)?;
        stands(s.at, s.epoch).then(|| s.value.clone())
    }

    /// Keeps `value`, read when the stream was at `at` and the rewrite epoch `epoch`, in place
    /// of anything older; `weight` is its size in rows. Returns it, shared.
    pub fn put(&self, key: &str, at: i64, epoch: u64, value: T, weight: usize) -> Arc<T> {
        let value = Arc::new(value);
        let weight = weight.max(1);
        if weight > self.max_weight {
            return value;
        }
        let mut inner = self.inner.lock().expect("sync snapshots");
        if let Some(old) = inner.by_key.get(key) {
            if old.at > at {
                // A newer read landed first: keep it.
                return value;
            }
            let w = old.weight;
            inner.weight -= w;
        }
        if inner.weight + weight > self.max_weight {
            inner.by_key.clear();
            inner.weight = 0;
        }
        inner.weight += weight;
        inner.by_key.insert(
            key.to_string(),
            Snapshot {
                at,
                epoch,
                weight,
                value: value.clone(),
            },
        );
        value
    }

    /// Rows kept now.
    #[cfg(test)]
    fn weight(&self) -> usize {
        self.inner.lock().expect("sync snapshots").weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_is_reused_only_while_it_stands() {
        let s = Snapshots::new(100);
        s.put("room", 5, 0, vec![1, 2, 3], 3);
        assert_eq!(
            s.get("room", |at, epoch| at == 5 && epoch == 0).as_deref(),
            Some(&vec![1, 2, 3])
        );
        assert!(s.get("room", |_, _| false).is_none());
        assert!(s.get("other", |_, _| true).is_none());
    }

    #[test]
    fn an_older_read_does_not_replace_a_newer_one() {
        let s = Snapshots::new(100);
        s.put("u", 9, 0, "new", 1);
        s.put("u", 4, 0, "old", 1);
        assert_eq!(s.get("u", |at, _| at == 9).as_deref(), Some(&"new"));
        s.put("u", 12, 0, "newer", 1);
        assert_eq!(s.get("u", |_, _| true).as_deref(), Some(&"newer"));
        assert_eq!(s.weight(), 1);
    }

    #[test]
    fn the_weight_stays_bounded() {
        let s = Snapshots::new(10);
        for i in 0..100 {
            s.put(&format!("k{i}"), i, 0, i, 3);
            assert!(s.weight() <= 10, "weight {} after {i}", s.weight());
        }
        // The newest is kept; what does not fit at all is not kept.
        assert!(s.get("k99", |_, _| true).is_some());
        s.put("huge", 200, 0, 0, 11);
        assert!(s.get("huge", |_, _| true).is_none());
    }
}
