//! Per-host politeness: at most one request per interval to any one host.
//!
//! Each caller *reserves* the next free slot for its host under a short,
//! non-async lock and then sleeps until that slot, so concurrent callers to
//! one host are spaced out in arrival order while other hosts never wait.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Hosts tracked before idle entries are pruned, to bound memory.
const PRUNE_ABOVE: usize = 4096;

#[derive(Debug)]
struct Slot {
    interval: Duration,
    next: Instant,
}

/// Spaces out requests per host (the URL's host, regardless of port or scheme).
#[derive(Debug)]
pub struct RateLimiter {
    default_interval: Duration,
    overrides: HashMap<String, Duration>,
    slots: Mutex<HashMap<String, Slot>>,
}

impl RateLimiter {
    pub fn new(default_interval: Duration, overrides: HashMap<String, Duration>) -> Self {
        let overrides = overrides
            .into_iter()
            .map(|(h, d)| (h.to_ascii_lowercase(), d))
            .collect();
        Self {
            default_interval,
            overrides,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until `host` may be contacted again, and claims that turn.
    pub async fn acquire(&self, host: &str) {
        let at = self.reserve(host);
        tokio::time::sleep_until(at).await;
    }

    /// Raises (never lowers) the interval for `host`, e.g. for Crawl-delay.
    pub fn raise_interval(&self, host: &str, interval: Duration) {
        let mut slots = self.lock();
        let slot = slots
            .entry(host.to_ascii_lowercase())
            .or_insert_with(|| self.new_slot(host));
        slot.interval = slot.interval.max(interval);
    }

    /// How long until `host` may be contacted again (zero when it may now):
    /// what a crawl worker hands on with the host, so that the next worker,
    /// in another process, keeps the spacing.
    pub fn next_turn(&self, host: &str) -> Duration {
        let now = Instant::now();
        self.lock()
            .get(&host.to_ascii_lowercase())
            .map_or(Duration::ZERO, |s| s.next.saturating_duration_since(now))
    }

    /// The interval currently enforced for `host`; only tests look.
    #[cfg(test)]
    pub fn interval(&self, host: &str) -> Duration {
        let host = host.to_ascii_lowercase();
        self.lock()
            .get(&host)
            .map_or_else(|| self.new_slot(&host).interval, |s| s.interval)
    }

    fn reserve(&self, host: &str) -> Instant {
        let now = Instant::now();
        let mut slots = self.lock();
        if slots.len() > PRUNE_ABOVE {
            // Entries whose turn is past carry no state beyond the interval.
            slots.retain(|_, s| s.next > now);
        }
        let slot = slots
            .entry(host.to_ascii_lowercase())
            .or_insert_with(|| self.new_slot(host));
        let at = slot.next.max(now);
        slot.next = at + slot.interval;
        at
    }

    fn new_slot(&self, host: &str) -> Slot {
        let interval = self
            .overrides
            .get(&host.to_ascii_lowercase())
            .copied()
            .unwrap_or(self.default_interval);
        Slot {
            interval,
            next: Instant::now(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        // A panic while holding this lock cannot leave the map inconsistent.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn same_host_is_spaced_other_hosts_are_not() {
        let limiter = Arc::new(RateLimiter::new(Duration::from_millis(150), HashMap::new()));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for host in ["a.example", "A.example", "a.example", "b.example"] {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                limiter.acquire(host).await;
                start.elapsed()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        let mut a: Vec<_> = times[..3].to_vec();
        a.sort();
        assert!(a[0] < Duration::from_millis(100));
        assert!(a[1] >= Duration::from_millis(150), "{a:?}");
        assert!(a[2] >= Duration::from_millis(300), "{a:?}");
        assert!(times[3] < Duration::from_millis(100), "b waited: {times:?}");
    }

    #[tokio::test]
    async fn overrides_and_raise() {
        let limiter = RateLimiter::new(
            Duration::from_secs(1),
            HashMap::from([("Slow.example".to_string(), Duration::from_secs(10))]),
        );
        assert_eq!(limiter.interval("slow.example"), Duration::from_secs(10));
        assert_eq!(limiter.interval("x.example"), Duration::from_secs(1));
        limiter.raise_interval("x.example", Duration::from_secs(5));
        limiter.raise_interval("x.example", Duration::from_secs(2));
        assert_eq!(limiter.interval("x.example"), Duration::from_secs(5));
        assert_eq!(limiter.next_turn("x.example"), Duration::ZERO);
        let before = Instant::now();
        limiter.reserve("X.example");
        let turn = limiter.next_turn("x.example");
        assert!(
            turn > Duration::from_secs(4) && turn <= Duration::from_secs(5) + before.elapsed(),
            "{turn:?}"
        );
    }
}
