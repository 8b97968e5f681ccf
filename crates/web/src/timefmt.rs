//! Human times: "18 minutes ago", "Yesterday", "12 Mar 2025".

use chrono::{DateTime, Utc};

/// How long ago `then` was, as a reader says it.
pub fn relative(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds();
    if secs < 0 {
        // Clocks disagree or the feed lies about the future: say "just now".
        return "Just now".into();
    }
    let plural = |n: i64, unit: &str| format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
    match secs {
        0..=59 => "Just now".into(),
        60..=3_599 => plural(secs / 60, "minute"),
        3_600..=86_399 => plural(secs / 3_600, "hour"),
        86_400..=172_799 => "Yesterday".into(),
        172_800..=604_799 => plural(secs / 86_400, "day"),
        _ => absolute_date(then),
    }
}

/// "17 Aug 2025".
pub fn absolute_date(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y").to_string()
}

/// "17 Aug 2025, 14:05 UTC".
pub fn absolute(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y, %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn reads_like_a_person() {
        let now = Utc::now();
        let ago = |d: Duration| relative(now - d, now);
        assert_eq!(ago(Duration::seconds(5)), "Just now");
        assert_eq!(ago(Duration::minutes(1)), "1 minute ago");
        assert_eq!(ago(Duration::minutes(18)), "18 minutes ago");
        assert_eq!(ago(Duration::hours(2)), "2 hours ago");
        assert_eq!(ago(Duration::hours(30)), "Yesterday");
        assert_eq!(ago(Duration::days(3)), "3 days ago");
        assert_eq!(ago(Duration::days(-1)), "Just now");
        let old = now - Duration::days(400);
        assert_eq!(relative(old, now), absolute_date(old));
    }
}
