//! The fetcher: one hardened HTTP GET for feeds and article pages.
//!
//! Every hop of a request (redirects are followed here, not by reqwest) is
//! vetted by the SSRF guard and robots.txt and paced by the per-host rate
//! limiter; transient failures are retried with exponential backoff; bodies
//! are capped while streaming, after decompression.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::error::Error as StdError;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use url::Url;

use crate::rate_limit::RateLimiter;
use crate::robots::{self, RobotsCache, Rules};
use crate::ssrf::{BlockedAddress, GuardedResolver, SsrfGuard};
use crate::{charset, FetchError};

/// Most of a robots.txt we read; Google also stops at 500 KiB.
const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

/// What we prefer to receive: feeds first, then pages, then anything.
const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
                      application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5";

/// Knobs for [`Fetcher`]; `Default` is suitable for production.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Sent with every request, robots.txt included; its first word is the
    /// agent token robots.txt rules are matched against.
    pub user_agent: String,
    /// Whole attempt (connect, headers and body), per try.
    pub timeout: Duration,
    /// Establishing the TCP and TLS connection, per try.
    pub connect_timeout: Duration,
    /// Cap on the (decompressed) body.
    pub max_body_bytes: u64,
    /// Minimum spacing between requests to one host.
    pub per_host_interval: Duration,
    /// Per-host spacing overrides (host name as in the URL).
    pub host_intervals: HashMap<String, Duration>,
    /// Retries after the first attempt, for transient failures only.
    pub max_retries: u32,
    /// First retry delay; doubles each retry.
    pub backoff_base: Duration,
    /// Longest we wait between retries, whatever `Retry-After` asks for.
    pub max_retry_after: Duration,
    /// Redirect hops followed before giving up.
    pub max_redirects: usize,
    /// Hosts (`127.0.0.1`, `localhost`) or networks (`10.0.0.0/8`) exempt
    /// from the SSRF guard.
    pub allow_hosts: Vec<String>,
    /// Consult robots.txt (and honour its Crawl-delay) before each request.
    pub obey_robots: bool,
    /// How long a fetched robots.txt is trusted.
    pub robots_ttl: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            user_agent: concat!(
                "newsdesk/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/newsdesk/newsdesk)"
            )
            .to_string(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 10 * 1024 * 1024,
            per_host_interval: Duration::from_secs(1),
            host_intervals: HashMap::new(),
            max_retries: 3,
            backoff_base: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(5 * 60),
            max_redirects: 5,
            allow_hosts: Vec::new(),
            obey_robots: true,
            robots_ttl: Duration::from_secs(60 * 60),
        }
    }
}

/// Cache validators from a previous response, for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// Sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// Sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// A completed fetch: 2xx with body, or 304 with an empty body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Where we ended up after redirects.
    pub final_url: Url,
    /// HTTP status of the final hop.
    pub status: u16,
    /// A 304: the validators still hold and `body` is empty.
    pub not_modified: bool,
    /// The `ETag` header, for the next conditional GET.
    pub etag: Option<String>,
    /// The `Last-Modified` header, for the next conditional GET.
    pub last_modified: Option<String>,
    /// The `Content-Type` header; its `charset` guides [`Response::text`].
    pub content_type: Option<String>,
    /// Decompressed body.
    pub body: Vec<u8>,
    /// Total time including redirects, retries and politeness waits.
    pub elapsed: Duration,
}

impl Response {
    /// The body as text: BOM first, then the declared charset if the bytes
    /// agree with it, else sniffed; undecodable bytes become U+FFFD.
    pub fn text(&self) -> String {
        charset::decode(&self.body, self.content_type.as_deref())
    }

    /// Validators to store for the next conditional GET.
    pub fn validators(&self) -> Validators {
        Validators {
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
        }
    }
}

/// Polite, SSRF-safe HTTP client. Cheap to clone; clones share the
/// connection pool, rate limiter and robots.txt cache.
#[derive(Debug, Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    config: FetchConfig,
    guard: Arc<SsrfGuard>,
    limiter: RateLimiter,
    robots: RobotsCache,
}

/// What differs between a page fetch and a robots.txt fetch.
#[derive(Debug, Clone, Copy)]
struct Plan {
    obey_robots: bool,
    max_body: u64,
    /// Keep the first `max_body` bytes instead of failing.
    truncate: bool,
    max_retries: u32,
}

/// One HTTP exchange, before it is judged.
struct Raw {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

type BoxedFetch<'a> = Pin<Box<dyn Future<Output = Result<Response, FetchError>> + Send + 'a>>;

impl Fetcher {
    /// Builds the client; fails only if the TLS backend cannot be set up.
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        let guard = Arc::new(SsrfGuard::new(&config.allow_hosts));
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            // Redirects are followed by hand so each hop is vetted.
            .redirect(Policy::none())
            // A proxy would resolve names itself, bypassing the SSRF guard.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver::new(guard.clone())))
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()
            .map_err(|e| FetchError::Network {
                url: String::new(),
                reason: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                limiter: RateLimiter::new(config.per_host_interval, config.host_intervals.clone()),
                robots: RobotsCache::new(config.robots_ttl),
                guard,
                config,
            }),
        })
    }

    /// GETs `url`, conditionally if `validators` are given (a 304 yields
    /// `not_modified: true` and an empty body).
    pub async fn get(&self, url: &str, validators: &Validators) -> Result<Response, FetchError> {
        let url = parse_target(url)?;
        let cfg = &self.inner.config;
        let plan = Plan {
            obey_robots: cfg.obey_robots,
            max_body: cfg.max_body_bytes,
            truncate: false,
            max_retries: cfg.max_retries,
        };
        self.fetch(url, validators, plan).await
    }

    /// Obeys `text` as `host`'s robots.txt, fetched by another worker at
    /// `fetched_at`, instead of fetching it, while it is fresh.
    pub fn adopt_robots(&self, host: &str, text: String, fetched_at: SystemTime) {
        self.inner.robots.adopt(host, text, fetched_at);
    }

    /// The robots.txt this fetcher fetched for `host` since last asked (the
    /// text, empty when the host has none), with when: for other workers.
    pub fn take_fetched_robots(&self, host: &str) -> Option<(String, SystemTime)> {
        self.inner.robots.take_fetched(host)
    }

    /// How long until this fetcher will next contact `host` (zero when it
    /// may now), whatever its interval or Crawl-delay.
    pub fn next_turn(&self, host: &str) -> Duration {
        self.inner.limiter.next_turn(host)
    }

    /// Follows redirects by hand, vetting every hop before it is requested.
    async fn fetch(&self, start: Url, validators: &Validators, plan: Plan) -> Result<Response, FetchError> {
        let started = Instant::now();
        let max = self.inner.config.max_redirects;
        let mut seen = HashSet::new();
        let mut url = start.clone();
        loop {
            if seen.len() > max || !seen.insert(url.clone()) {
                return Err(FetchError::TooManyRedirects {
                    url: start.to_string(),
                    max,
                });
            }
            self.inner.guard.check_url(&url)?;
            if plan.obey_robots {
                self.check_robots(&url).await?;
            }
            let raw = self.send_with_retries(&url, validators, plan).await?;
            match raw.status {
                200..=299 | 304 => return Ok(finish(raw, url, started, validators)),
                301 | 302 | 303 | 307 | 308 => url = redirect_target(&url, &raw)?,
                status => {
                    return Err(FetchError::Status {
                        url: url.to_string(),
                        status,
                    })
                }
            }
        }
    }

    /// One hop, retried on transient failures; each try waits its turn.
    async fn send_with_retries(&self, url: &Url, validators: &Validators, plan: Plan) -> Result<Raw, FetchError> {
        let host = url.host_str().unwrap_or_default();
        let mut attempt = 0;
        loop {
            self.inner.limiter.acquire(host).await;
            let result = self.send_once(url, validators, plan).await;
            let delay = match &result {
                Ok(raw) if raw.status == 429 || raw.status >= 500 => {
                    self.retry_after(raw).unwrap_or_else(|| self.backoff(attempt))
                }
                Err(FetchError::Timeout { .. } | FetchError::Network { .. }) => self.backoff(attempt),
                _ => return result,
            };
            if attempt >= plan.max_retries {
                return result;
            }
            tracing::debug!(%url, attempt, ?delay, "transient failure, retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn send_once(&self, url: &Url, validators: &Validators, plan: Plan) -> Result<Raw, FetchError> {
        let timeout = self.inner.config.timeout;
        let exchange = async {
            let mut request = self.inner.client.get(url.clone()).header(header::ACCEPT, ACCEPT);
            // Stored validators are input-derived; skip any that are not
            // valid header values rather than fail the fetch.
            let conditional = [
                (header::IF_NONE_MATCH, &validators.etag),
                (header::IF_MODIFIED_SINCE, &validators.last_modified),
            ];
            for (name, value) in conditional {
                if let Some(v) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    request = request.header(name, v);
                }
            }
            let mut response = request.send().await.map_err(|e| request_error(url, e, timeout))?;
            let status = response.status().as_u16();
            let body = if response.status().is_success() {
                read_body(&mut response, url, plan, timeout).await?
            } else {
                Vec::new()
            };
            Ok(Raw {
                status,
                headers: response.headers().clone(),
                body,
            })
        };
        // reqwest's timeout covers this too; this also bounds our own work.
        tokio::time::timeout(timeout, exchange).await.unwrap_or_else(|_| {
            Err(FetchError::Timeout {
                url: url.to_string(),
                timeout,
            })
        })
    }

    /// `Retry-After` on 429/503, as seconds or an HTTP date, capped.
    fn retry_after(&self, raw: &Raw) -> Option<Duration> {
        if raw.status != 429 && raw.status != 503 {
            return None;
        }
        let delay = parse_retry_after(&raw.headers, SystemTime::now())?;
        Some(delay.min(self.inner.config.max_retry_after))
    }

    /// `base · 2^attempt` plus up to 25 % jitter, so that many feeds failing
    /// together do not retry in lockstep.
    fn backoff(&self, attempt: u32) -> Duration {
        let cfg = &self.inner.config;
        let delay = cfg
            .backoff_base
            .saturating_mul(1u32 << attempt.min(20))
            .min(cfg.max_retry_after);
        delay + jitter(delay / 4)
    }

    /// Refuses `url` if its origin's robots.txt says so; fetches and caches
    /// robots.txt on first use, and applies its Crawl-delay to the host.
    async fn check_robots(&self, url: &Url) -> Result<(), FetchError> {
        let Some(robots_url) = robots::robots_url(url) else {
            return Ok(());
        };
        if robots_url == *url {
            return Ok(());
        }
        let rules = self
            .inner
            .robots
            .get_or_fetch(&robots::origin_key(url), || async {
                let host = url.host_str().unwrap_or_default();
                let body = match self.inner.robots.take_adopted(host) {
                    Some(text) => Ok(text.into_bytes()),
                    None => {
                        let body = self.fetch_robots(robots_url).await.map(|r| r.body);
                        if let Some(text) = robots::shareable(&body) {
                            self.inner.robots.record_fetched(host, text);
                        }
                        body
                    }
                };
                let agent = robots::agent_token(&self.inner.config.user_agent);
                let rules = Rules::from_fetch(body, agent);
                if let Some(delay) = rules.crawl_delay() {
                    self.inner.limiter.raise_interval(host, delay);
                }
                rules
            })
            .await;
        rules.check(url)
    }

    /// Boxed because it re-enters [`Self::fetch`] (which called us).
    fn fetch_robots(&self, url: Url) -> BoxedFetch<'_> {
        let plan = Plan {
            obey_robots: false,
            max_body: ROBOTS_MAX_BYTES,
            truncate: true,
            // A single blip should not close a whole site for long.
            max_retries: self.inner.config.max_retries.min(1),
        };
        Box::pin(async move { self.fetch(url, &Validators::default(), plan).await })
    }
}

/// Parses a URL we are asked to fetch: http(s) only, fragment dropped.
fn parse_target(raw: &str) -> Result<Url, FetchError> {
    let invalid = |reason: String| FetchError::InvalidUrl {
        url: raw.to_string(),
        reason,
    };
    let mut url = Url::parse(raw.trim()).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!("unsupported scheme {:?}", url.scheme())));
    }
    if url.host().is_none() {
        return Err(invalid("missing host".into()));
    }
    url.set_fragment(None);
    Ok(url)
}

fn redirect_target(from: &Url, raw: &Raw) -> Result<Url, FetchError> {
    let location = raw
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| FetchError::Status {
            url: from.to_string(),
            status: raw.status,
        })?;
    let mut next = crate::urls::resolve(from, location).ok_or_else(|| FetchError::InvalidUrl {
        url: location.to_string(),
        reason: format!("unusable redirect target from {from}"),
    })?;
    next.set_fragment(None);
    Ok(next)
}

/// Streams the (decompressed) body, refusing or truncating past the cap.
async fn read_body(
    response: &mut reqwest::Response,
    url: &Url,
    plan: Plan,
    timeout: Duration,
) -> Result<Vec<u8>, FetchError> {
    let too_large = || FetchError::TooLarge {
        url: url.to_string(),
        limit: plan.max_body,
    };
    let declared = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > plan.max_body) && !plan.truncate {
        return Err(too_large());
    }
    let limit = usize::try_from(plan.max_body).unwrap_or(usize::MAX);
    let initial = declared.unwrap_or(0).min(plan.max_body).min(1 << 20);
    let mut body = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(|e| request_error(url, e, timeout))? {
        let room = limit - body.len();
        if chunk.len() > room {
            if !plan.truncate {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk[..room]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn finish(raw: Raw, final_url: Url, started: Instant, sent: &Validators) -> Response {
    let header = |name: header::HeaderName| {
        raw.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let not_modified = raw.status == 304;
    // A 304 may omit validators; the ones we sent are still current then.
    let keep = |sent: &Option<String>| if not_modified { sent.clone() } else { None };
    Response {
        status: raw.status,
        not_modified,
        etag: header(header::ETAG).or_else(|| keep(&sent.etag)),
        last_modified: header(header::LAST_MODIFIED).or_else(|| keep(&sent.last_modified)),
        content_type: header(header::CONTENT_TYPE),
        body: if not_modified { Vec::new() } else { raw.body },
        elapsed: started.elapsed(),
        final_url,
    }
}

/// Maps a reqwest error, recognising our resolver's SSRF refusal in the chain.
fn request_error(url: &Url, err: reqwest::Error, timeout: Duration) -> FetchError {
    let url = url.to_string();
    if err.is_timeout() {
        return FetchError::Timeout { url, timeout };
    }
    let mut chain = Vec::new();
    let mut source = err.source();
    while let Some(e) = source {
        if let Some(blocked) = e.downcast_ref::<BlockedAddress>() {
            return FetchError::Blocked {
                url,
                reason: blocked.reason.clone(),
            };
        }
        chain.push(e.to_string());
        source = e.source();
    }
    let reason = if chain.is_empty() {
        err.without_url().to_string()
    } else {
        chain.join(": ")
    };
    FetchError::Network { url, reason }
}

fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or_default())
}

/// A random duration in `[0, max)`, without pulling in an RNG crate:
/// each `RandomState` is freshly keyed.
fn jitter(max: Duration) -> Duration {
    let random = RandomState::new().build_hasher().finish();
    max.mul_f64((random % 1024) as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        h.insert(header::RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_secs(90)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(90));
        h.insert(header::RETRY_AFTER, HeaderValue::from_str(&past).unwrap());
        assert_eq!(parse_retry_after(&h, now), Some(Duration::ZERO));
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h, now), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let fetcher = Fetcher::new(FetchConfig {
            backoff_base: Duration::from_millis(100),
            max_retry_after: Duration::from_secs(1),
            ..FetchConfig::default()
        })
        .unwrap();
        let b0 = fetcher.backoff(0);
        assert!(b0 >= Duration::from_millis(100) && b0 <= Duration::from_millis(125));
        let b2 = fetcher.backoff(2);
        assert!(b2 >= Duration::from_millis(400) && b2 <= Duration::from_millis(500));
        assert!(fetcher.backoff(60) <= Duration::from_millis(1250));
    }

    #[test]
    fn targets() {
        assert_eq!(
            parse_target(" https://ex.com/a#x ").unwrap().as_str(),
            "https://ex.com/a"
        );
        assert!(parse_target("gopher://ex.com/").is_err());
        assert!(parse_target("http://").is_err());
    }
}
