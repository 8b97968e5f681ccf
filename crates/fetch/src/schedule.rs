//! Adaptive polling: poll busy feeds often and quiet ones rarely, so we stay
//! fresh without hammering publishers, and back off from failing feeds.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// How many of the newest items inform the publishing rate.
const RECENT_ITEMS: usize = 20;

/// Ceiling for [`error_backoff`].
pub const MAX_ERROR_BACKOFF: Duration = Duration::from_secs(24 * 60 * 60);

/// Limits for [`next_interval`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleBounds {
    /// Never poll more often than this, however busy the feed.
    pub min: Duration,
    /// Never wait longer than this, however quiet the feed.
    pub max: Duration,
}

impl Default for ScheduleBounds {
    fn default() -> Self {
        Self {
            min: Duration::from_secs(5 * 60),
            max: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// The interval until the next poll, from the feed's item timestamps.
///
/// Target: half the median gap between the most recent items, so on average
/// we see a new item about two polls after it appears. If the feed has gone
/// quiet (the newest item is older than four typical gaps) we wait at least
/// half the silence. Without enough dates, the previous interval grows by
/// half, drifting towards `bounds.max`. Always within `bounds`.
pub fn next_interval(
    entry_times: &[DateTime<Utc>],
    now: DateTime<Utc>,
    previous: Duration,
    bounds: ScheduleBounds,
) -> Duration {
    // Future dates are publisher clock errors; they would fake a fast pace.
    let mut times: Vec<_> = entry_times.iter().copied().filter(|t| *t <= now).collect();
    times.sort_unstable_by(|a, b| b.cmp(a));
    times.dedup();
    times.truncate(RECENT_ITEMS);
    let (Some(newest), true) = (times.first(), times.len() >= 2) else {
        return clamp(previous.saturating_add(previous / 2), bounds);
    };
    let mut gaps: Vec<Duration> = times.windows(2).filter_map(|w| (w[0] - w[1]).to_std().ok()).collect();
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    let silence = (now - *newest).to_std().unwrap_or_default();
    let target = if silence > median.saturating_mul(4) {
        (median / 2).max(silence / 2)
    } else {
        median / 2
    };
    clamp(target, bounds)
}

/// Delay before retrying a feed after `error_count` consecutive failures:
/// `base`, `2·base`, `4·base`, … capped at one day (`MAX_ERROR_BACKOFF`).
pub fn error_backoff(error_count: i64, base: Duration) -> Duration {
    let doublings = error_count.clamp(1, 32) - 1;
    base.saturating_mul(1u32 << doublings).min(MAX_ERROR_BACKOFF)
}

fn clamp(d: Duration, bounds: ScheduleBounds) -> Duration {
    d.max(bounds.min).min(bounds.max.max(bounds.min))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    const MIN: Duration = Duration::from_secs(300);
    const DAY: Duration = Duration::from_secs(86_400);

    fn series(now: DateTime<Utc>, every: TimeDelta, n: i32) -> Vec<DateTime<Utc>> {
        (0..n).map(|i| now - every * i).collect()
    }

    #[test]
    fn busy_feed_polls_often() {
        let now = Utc::now();
        let times = series(now, TimeDelta::minutes(30), 10);
        let d = next_interval(&times, now, DAY, ScheduleBounds::default());
        assert_eq!(d, Duration::from_secs(15 * 60));
    }

    #[test]
    fn clamped_to_bounds() {
        let now = Utc::now();
        let very_busy = series(now, TimeDelta::seconds(30), 10);
        assert_eq!(next_interval(&very_busy, now, DAY, ScheduleBounds::default()), MIN);
        let weekly = series(now, TimeDelta::days(7), 5);
        assert_eq!(next_interval(&weekly, now, MIN, ScheduleBounds::default()), DAY);
    }

    #[test]
    fn quiet_feed_backs_off() {
        let now = Utc::now();
        // Hourly items that stopped 10 hours ago.
        let times = series(now - TimeDelta::hours(10), TimeDelta::hours(1), 10);
        let d = next_interval(&times, now, MIN, ScheduleBounds::default());
        assert_eq!(d, Duration::from_secs(5 * 3600));
    }

    #[test]
    fn no_data_grows_previous() {
        let now = Utc::now();
        let b = ScheduleBounds::default();
        assert_eq!(
            next_interval(&[], now, Duration::from_secs(3600), b),
            Duration::from_secs(5400)
        );
        assert_eq!(next_interval(&[now], now, DAY, b), DAY);
        // Future-dated items are ignored.
        let future = series(now + TimeDelta::days(1), TimeDelta::minutes(1), 5);
        assert_eq!(next_interval(&future, now, Duration::ZERO, b), MIN);
    }

    #[test]
    fn error_backoff_doubles_and_caps() {
        let base = Duration::from_secs(600);
        assert_eq!(error_backoff(0, base), base);
        assert_eq!(error_backoff(1, base), base);
        assert_eq!(error_backoff(2, base), base * 2);
        assert_eq!(error_backoff(4, base), base * 8);
        assert_eq!(error_backoff(1000, base), MAX_ERROR_BACKOFF);
        assert_eq!(error_backoff(-5, base), base);
    }
}
