//! robots.txt: fetched once per origin, cached, consulted before each request.
//!
//! Status handling follows Google's robots.txt spec (RFC 9309 §2.3.1):
//! 2xx → parse; 4xx other than 429 (and redirect trouble) → no robots.txt,
//! everything allowed; 429, 5xx and network failures → the origin is treated
//! as fully disallowed, but only for a short while, after which we ask again.
//! That errs on the side of the publisher without blacklisting a site for a
//! blip.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use texting_robots::Robot;
use tokio::time::Instant;
use url::Url;

use crate::FetchError;

/// How long an "unavailable" verdict is kept before robots.txt is retried.
const UNAVAILABLE_TTL: Duration = Duration::from_secs(10 * 60);

/// Longest Crawl-delay honoured, so a hostile robots.txt cannot stall us.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);

/// What an origin's robots.txt says about us.
#[derive(Debug)]
pub enum Rules {
    AllowAll,
    /// robots.txt could not be fetched for a reason that may be temporary.
    Unavailable {
        reason: String,
    },
    Parsed(Robot),
}

impl Rules {
    /// Interprets the result of fetching robots.txt (see module docs).
    pub fn from_fetch(result: Result<Vec<u8>, FetchError>, agent: &str) -> Self {
        match result {
            // A robots.txt we cannot parse expresses no rule we could obey.
            Ok(body) => Robot::new(agent, &body).map_or(Self::AllowAll, Self::Parsed),
            Err(FetchError::Status { status, .. }) if status != 429 && status < 500 => Self::AllowAll,
            Err(FetchError::TooManyRedirects { .. } | FetchError::InvalidUrl { .. }) => Self::AllowAll,
            Err(FetchError::Status { status, .. }) => Self::Unavailable {
                reason: format!("HTTP {status}"),
            },
            Err(e) => Self::Unavailable { reason: e.to_string() },
        }
    }

    /// Refuses `url` if the rules disallow it.
    pub fn check(&self, url: &Url) -> Result<(), FetchError> {
        match self {
            Self::AllowAll => Ok(()),
            Self::Parsed(robot) if robot.allowed(url.as_str()) => Ok(()),
            Self::Parsed(_) => Err(FetchError::RobotsDisallowed { url: url.to_string() }),
            Self::Unavailable { reason } => Err(FetchError::RobotsUnavailable {
                url: url.to_string(),
                reason: reason.clone(),
            }),
        }
    }

    /// Crawl-delay, if any, capped at [`MAX_CRAWL_DELAY`].
    pub fn crawl_delay(&self) -> Option<Duration> {
        let Self::Parsed(robot) = self else {
            return None;
        };
        let secs = robot.delay?;
        Duration::try_from_secs_f32(secs).ok().map(|d| d.min(MAX_CRAWL_DELAY))
    }
}

/// The robots.txt URL governing `url` (same scheme, host and port).
pub fn robots_url(url: &Url) -> Option<Url> {
    url.join("/robots.txt").ok()
}

/// Cache key: scheme + host + port, as robots.txt scoping requires.
pub fn origin_key(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The product token robots.txt groups are matched against:
/// `newsdesk/0.1 (+https://…)` → `newsdesk`.
pub fn agent_token(user_agent: &str) -> &str {
    user_agent
        .split(['/', ' '])
        .next()
        .filter(|t| !t.is_empty())
        .unwrap_or("*")
}

#[derive(Debug)]
struct Cached {
    rules: Arc<Rules>,
    expires: Instant,
}

type Entry = Arc<tokio::sync::Mutex<Option<Cached>>>;

/// Per-origin cache. Each origin has its own async lock, so concurrent
/// requests to one site trigger a single robots.txt fetch.
///
/// Crawl workers share what they fetched through the store: a host's
/// robots.txt text, fetched by one worker, is handed to the next one
/// ([`RobotsCache::adopt`]), which then obeys it without asking again.
#[derive(Debug)]
pub struct RobotsCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
    /// Texts another worker fetched, by host, used instead of a fetch.
    adopted: Mutex<HashMap<String, String>>,
    /// Texts this cache fetched, by host, until a worker takes them.
    fetched: Mutex<HashMap<String, (String, SystemTime)>>,
}

impl RobotsCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
            adopted: Mutex::new(HashMap::new()),
            fetched: Mutex::new(HashMap::new()),
        }
    }

    /// Uses `text`, fetched for `host` at `fetched_at`, instead of fetching
    /// it again, while it is fresh.
    pub fn adopt(&self, host: &str, text: String, fetched_at: SystemTime) {
        let age = SystemTime::now().duration_since(fetched_at).unwrap_or_default();
        if age < self.ttl {
            lock(&self.adopted).insert(host.to_ascii_lowercase(), text);
        }
    }

    /// The text adopted for `host`, once: the cache keeps the rules.
    pub fn take_adopted(&self, host: &str) -> Option<String> {
        lock(&self.adopted).remove(&host.to_ascii_lowercase())
    }

    /// Keeps what a fetch of `host`'s robots.txt said (the text; empty for
    /// none), for [`RobotsCache::take_fetched`].
    pub fn record_fetched(&self, host: &str, text: String) {
        lock(&self.fetched).insert(host.to_ascii_lowercase(), (text, SystemTime::now()));
    }

    /// The robots.txt text fetched for `host` since last asked, with when.
    pub fn take_fetched(&self, host: &str) -> Option<(String, SystemTime)> {
        lock(&self.fetched).remove(&host.to_ascii_lowercase())
    }

    /// Cached rules for `origin`, calling `fetch` when missing or expired.
    pub async fn get_or_fetch<F, Fut>(&self, origin: &str, fetch: F) -> Arc<Rules>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Rules>,
    {
        let entry = lock(&self.entries).entry(origin.to_string()).or_default().clone();
        let mut cached = entry.lock().await;
        if let Some(c) = cached.as_ref().filter(|c| c.expires > Instant::now()) {
            return c.rules.clone();
        }
        let rules = Arc::new(fetch().await);
        let ttl = match *rules {
            Rules::Unavailable { .. } => self.ttl.min(UNAVAILABLE_TTL),
            _ => self.ttl,
        };
        *cached = Some(Cached {
            rules: rules.clone(),
            expires: Instant::now() + ttl,
        });
        rules
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding these locks cannot leave a map inconsistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The text to hand on to other workers for a robots.txt fetch: the file,
/// or empty when the host has none (a 4xx); nothing for a failure that
/// may pass.
pub fn shareable(result: &Result<Vec<u8>, FetchError>) -> Option<String> {
    match result {
        Ok(body) => Some(String::from_utf8_lossy(body).into_owned()),
        Err(FetchError::Status { status, .. }) if *status != 429 && *status < 500 => Some(String::new()),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn status_mapping() {
        let status = |s| {
            Rules::from_fetch(
                Err(FetchError::Status {
                    url: "http://x/robots.txt".into(),
                    status: s,
                }),
                "newsdesk",
            )
        };
        assert!(matches!(status(404), Rules::AllowAll));
        assert!(matches!(status(410), Rules::AllowAll));
        assert!(matches!(status(403), Rules::AllowAll));
        assert!(matches!(status(503), Rules::Unavailable { .. }));
        assert!(matches!(status(429), Rules::Unavailable { .. }));
        let down = status(500);
        assert!(matches!(
            down.check(&url("http://x/a")),
            Err(FetchError::RobotsUnavailable { .. })
        ));
    }

    #[test]
    fn parsed_rules_and_delay() {
        let txt = b"User-agent: other\nDisallow: /\n\nUser-agent: newsdesk\nDisallow: /private\nCrawl-delay: 2.5\n";
        let rules = Rules::from_fetch(Ok(txt.to_vec()), "newsdesk");
        assert!(rules.check(&url("http://x/public")).is_ok());
        assert!(matches!(
            rules.check(&url("http://x/private/1")),
            Err(FetchError::RobotsDisallowed { .. })
        ));
        assert_eq!(rules.crawl_delay(), Some(Duration::from_millis(2500)));
        let hostile = Rules::from_fetch(Ok(b"User-agent: *\nCrawl-delay: 99999\n".to_vec()), "x");
        assert_eq!(hostile.crawl_delay(), Some(MAX_CRAWL_DELAY));
    }

    #[test]
    fn helpers() {
        assert_eq!(agent_token("newsdesk/0.1 (+https://x)"), "newsdesk");
        assert_eq!(
            robots_url(&url("https://Ex.com:8443/a/b?c")).unwrap().as_str(),
            "https://ex.com:8443/robots.txt"
        );
        assert_eq!(origin_key(&url("http://ex.com:80/a")), "http://ex.com");
    }

    #[tokio::test]
    async fn cache_fetches_once() {
        let cache = RobotsCache::new(Duration::from_secs(60));
        let calls = std::sync::atomic::AtomicUsize::new(0);
        for _ in 0..3 {
            cache
                .get_or_fetch("http://x", || async {
                    calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Rules::AllowAll
                })
                .await;
        }
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
