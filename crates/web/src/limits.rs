//! Sliding-window rate limits for abuse-prone actions, per account and per
//! IP address, kept in memory: they protect one process, and a restart
//! forgetting them costs little.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many tracked keys, stale ones are swept so memory stays bounded.
const SWEEP_ABOVE: usize = 50_000;

#[derive(Debug, Default)]
pub struct RateLimits {
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimits {
    /// Records an attempt under `key` and says whether it is within `max`
    /// per `window`. Refused attempts are not counted.
    pub fn allow(&self, key: &str, max: usize, window: Duration) -> bool {
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > SWEEP_ABOVE {
            hits.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let times = hits.entry(key.to_string()).or_default();
        forget_before(times, now, window);
        if times.len() >= max {
            return false;
        }
        times.push_back(now);
        true
    }

    /// Whether `key` has used up its `max` per `window`, without counting this as an attempt.
    pub fn full(&self, key: &str, max: usize, window: Duration) -> bool {
        let now = Instant::now();
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        hits.get_mut(key).is_some_and(|times| {
            forget_before(times, now, window);
            times.len() >= max
        })
    }
}

fn forget_before(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times.front().is_some_and(|t| now.duration_since(*t) >= window) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_up_to_max_per_window_per_key() {
        let limits = RateLimits::default();
        let minute = Duration::from_secs(60);
        assert!((0..3).all(|_| limits.allow("ip:1", 3, minute)));
        assert!(!limits.allow("ip:1", 3, minute));
        assert!(limits.allow("ip:2", 3, minute), "keys are independent");
        assert!(
            limits.allow("ip:1", 3, Duration::ZERO),
            "an elapsed window frees the key"
        );
    }

    #[test]
    fn full_looks_without_counting() {
        let limits = RateLimits::default();
        let minute = Duration::from_secs(60);
        assert!(!limits.full("k", 2, minute));
        limits.allow("k", 2, minute);
        assert!(!limits.full("k", 2, minute), "looking did not count");
        limits.allow("k", 2, minute);
        assert!(limits.full("k", 2, minute));
        assert!(!limits.full("k", 2, Duration::ZERO));
    }
}
