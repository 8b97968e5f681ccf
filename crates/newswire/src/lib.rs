//! # newsdesk-newswire
//!
//! The offline demo newswire and integration-test fixture of newsdesk: a set
//! of fictional news outlets served over HTTP on loopback, inside the
//! newsdesk process (`newsdesk demo`) or inside tests. newsdesk's real
//! crawler fetches it exactly as it would fetch real publishers, so the
//! outlets behave like real ones: each publishes a different feed format
//! (RSS 2.0, RSS 1.0/RDF, Atom, JSON Feed, summary-only RSS, RSS with opaque
//! guids), advertises it with `<link rel="alternate">`, serves `robots.txt`,
//! and wraps its articles in realistic page clutter (see [`CLUTTER`]).
//!
//! All outlets, people and events are invented; the text lives in
//! `content/*.toml` and is compiled in. Published times are `now - age`,
//! computed per request, so the demo always looks fresh.
//!
//! Each outlet gets its own loopback IP (127.0.0.2, 127.0.0.3, ...) so a
//! per-host rate limit applies per outlet, as it would on the real web.
//! [`Newswire::start_with_faults`] adds a host whose feeds misbehave (see
//! [`FaultUrls`]).

#![warn(missing_docs)]

mod content;
mod faults;
mod feeds;
mod outlet_pages;
mod util;

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use content::CONTENT;
pub use faults::{FaultUrls, OVERSIZED_BYTES, SLOW_FEED_DELAY};

/// Strings of page clutter that appear in served article pages but must
/// NEVER appear in extracted article text. None of them occurs in the clean
/// article paragraphs (checked by a test).
pub const CLUTTER: &[&str] = &[
    "STORY CONTINUES BELOW THIS AD",
    "ADVERTISEMENT",
    "Read Also",
    "Also Read",
    "Sign up for our newsletter",
    "Share on Facebook",
    "Share on X",
    "Tweet",
    "Copy link",
    "&w=3840&q=100",
    "With inputs from agencies",
    "Be the first to comment",
    "Log in to comment",
    "Accept cookies",
    "We use cookies",
    "Related Stories",
    "Most Read",
];

/// The feed format an outlet publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedFormat {
    /// RSS 2.0 with full text in `content:encoded`.
    Rss2,
    /// RSS 2.0 carrying only a short plain-text `description`.
    #[serde(rename = "rss2-summary")]
    Rss2SummaryOnly,
    /// RSS 1.0 (RDF), summaries only.
    Rss1,
    /// Atom 1.0 with full `content type="html"`.
    Atom,
    /// JSON Feed 1.1 with `content_html`.
    #[serde(rename = "jsonfeed")]
    JsonFeed,
    /// RSS 2.0 with `guid isPermaLink="false"`, an entity-escaped HTML
    /// teaser in `description` and `pubDate` in a non-UTC offset.
    Rss2OpaqueGuid,
}

impl FeedFormat {
    /// The `Content-Type` the feed is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            FeedFormat::Rss2 | FeedFormat::Rss2SummaryOnly | FeedFormat::Rss2OpaqueGuid => {
                "application/rss+xml; charset=utf-8"
            }
            FeedFormat::Rss1 => "application/rdf+xml; charset=utf-8",
            FeedFormat::Atom => "application/atom+xml; charset=utf-8",
            FeedFormat::JsonFeed => "application/feed+json; charset=utf-8",
        }
    }

    /// The `type` of the `<link rel="alternate">` advertising the feed.
    /// RDF feeds are advertised as `application/rss+xml`, as is usual.
    pub fn discovery_type(self) -> &'static str {
        match self {
            FeedFormat::Atom => "application/atom+xml",
            FeedFormat::JsonFeed => "application/feed+json",
            _ => "application/rss+xml",
        }
    }

    /// Whether items carry the full article text (otherwise the crawler
    /// must fetch and extract the page).
    pub fn has_full_content(self) -> bool {
        matches!(self, FeedFormat::Rss2 | FeedFormat::Atom | FeedFormat::JsonFeed)
    }
}

/// One demo outlet as the crawler sees it.
#[derive(Debug, Clone)]
pub struct OutletInfo {
    /// Short stable identifier, e.g. `"kestrel"`.
    pub key: String,
    /// Display name, e.g. `"The Kestrel Bay Gazette"`.
    pub name: String,
    /// Absolute URL of the front page (with trailing slash).
    pub homepage: String,
    /// Absolute URL of the outlet's one feed.
    pub feed_url: String,
    /// The format that feed is served in.
    pub format: FeedFormat,
    /// The loopback IP the outlet is bound to.
    pub host: String,
}

/// One news event (a story cluster) of the demo content.
#[derive(Debug, Clone)]
pub struct EventInfo {
    /// Short stable identifier, as in [`ArticleInfo::event`].
    pub key: String,
    /// What happened, in a line.
    pub title: String,
}

/// One article as a reader should see it: tests compare extracted text with
/// these clean paragraphs.
#[derive(Debug, Clone)]
pub struct ArticleInfo {
    /// Absolute canonical URL (the `<link>` in the feed).
    pub url: String,
    /// Outlet display name.
    pub outlet: String,
    /// The outlet's [`OutletInfo::key`].
    pub outlet_key: String,
    /// Key of the news event this article covers.
    pub event: String,
    /// The headline, as the page and the feed give it.
    pub headline: String,
    /// Byline (the wire agency for syndicated copies).
    pub author: String,
    /// The summary used in feeds.
    pub summary: String,
    /// Clean body paragraphs, in order, without any clutter.
    pub paragraphs: Vec<String>,
    /// How long before "now" the article is dated.
    pub age: Duration,
    /// `Some(agency)` when this is a near-verbatim republished wire story.
    pub syndicated_from: Option<String>,
    /// Absolute URL of the lead image (`og:image`).
    pub image_url: String,
}

/// One request the newswire served, for tests that check crawler manners
/// (robots.txt respected, per-host rate limit).
#[derive(Debug, Clone)]
pub struct RequestRecord {
    /// Absolute URL requested (including the query string, if any).
    pub url: String,
    /// When it arrived.
    pub at: Instant,
}

#[derive(Clone, Default)]
pub(crate) struct RequestLog(Arc<Mutex<Vec<RequestRecord>>>);

impl RequestLog {
    fn record(&self, base: &str, uri: &Uri) {
        let pq = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let rec = RequestRecord {
            url: format!("{base}{pq}"),
            at: Instant::now(),
        };
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(rec);
    }
}

/// Base URLs of the outlets, known once all listeners are bound.
pub(crate) struct World {
    bases: Vec<String>,
}

impl World {
    pub(crate) fn base(&self, outlet: usize) -> &str {
        &self.bases[outlet]
    }
}

#[derive(Clone)]
struct OutletState {
    world: Arc<World>,
    outlet: usize,
    log: RequestLog,
}

/// The running newswire. Dropping it (or [`Newswire::shutdown`]) stops the
/// servers.
pub struct Newswire {
    outlets: Vec<OutletInfo>,
    world: Arc<World>,
    faults: Option<FaultUrls>,
    hosts: Vec<String>,
    log: RequestLog,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// First loopback address used; outlet `i` gets `127.0.0.(2 + i)` and the
/// fault host the next one.
const FIRST_HOST: u8 = 2;

/// Bind `127.0.0.n` on a random port, falling back to 127.0.0.1 where the
/// system does not route all of 127.0.0.0/8 to loopback (e.g. macOS).
async fn bind(n: u8) -> std::io::Result<TcpListener> {
    match TcpListener::bind((Ipv4Addr::new(127, 0, 0, n), 0)).await {
        Ok(l) => Ok(l),
        Err(e) => {
            tracing::debug!("binding 127.0.0.{n} failed ({e}); falling back to 127.0.0.1");
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await
        }
    }
}

impl Newswire {
    /// Start the demo outlets. Must be called inside a Tokio runtime.
    pub async fn start() -> std::io::Result<Newswire> {
        Self::start_inner(false).await
    }

    /// Start the demo outlets plus the fault host (for crawler tests).
    pub async fn start_with_faults() -> std::io::Result<Newswire> {
        Self::start_inner(true).await
    }

    async fn start_inner(with_faults: bool) -> std::io::Result<Newswire> {
        let c = &*CONTENT;
        let mut listeners = Vec::new();
        for i in 0..c.outlets.len() {
            listeners.push(bind(FIRST_HOST + i as u8).await?);
        }
        let fault_listener = if with_faults {
            Some(bind(FIRST_HOST + c.outlets.len() as u8).await?)
        } else {
            None
        };

        let mut bases = Vec::new();
        let mut hosts: Vec<String> = Vec::new();
        for l in listeners.iter().chain(fault_listener.iter()) {
            let addr = l.local_addr()?;
            bases.push(format!("http://{addr}"));
            let ip = addr.ip().to_string();
            if !hosts.contains(&ip) {
                hosts.push(ip);
            }
        }
        let fault_base = with_faults.then(|| bases.pop().expect("fault base"));
        let world = Arc::new(World { bases });

        let outlets = c
            .outlets
            .iter()
            .enumerate()
            .map(|(i, o)| OutletInfo {
                key: o.key.clone(),
                name: o.name.clone(),
                homepage: format!("{}/", world.base(i)),
                feed_url: format!("{}{}", world.base(i), o.feed_path),
                format: o.format,
                host: listeners[i]
                    .local_addr()
                    .map(|a| a.ip().to_string())
                    .unwrap_or_default(),
            })
            .collect();

        let (shutdown, _) = watch::channel(false);
        let log = RequestLog::default();
        let mut tasks = Vec::new();
        for (i, listener) in listeners.into_iter().enumerate() {
            let router = Router::new().fallback(outlet_handler).with_state(OutletState {
                world: world.clone(),
                outlet: i,
                log: log.clone(),
            });
            tasks.push(spawn_server(listener, router, shutdown.subscribe()));
        }
        let faults = match (fault_listener, fault_base) {
            (Some(listener), Some(base)) => {
                let router = Router::new().fallback(faults::handler).with_state(faults::FaultState {
                    base: base.clone(),
                    shutdown: shutdown.subscribe(),
                    log: log.clone(),
                });
                tasks.push(spawn_server(listener, router, shutdown.subscribe()));
                Some(FaultUrls::new(&base))
            }
            _ => None,
        };

        Ok(Newswire {
            outlets,
            world,
            faults,
            hosts,
            log,
            shutdown,
            tasks,
        })
    }

    /// The demo outlets (never includes the fault host).
    pub fn outlets(&self) -> &[OutletInfo] {
        &self.outlets
    }

    /// The distinct loopback IPs in use (outlets and fault host), for the
    /// crawler's SSRF allow-list.
    pub fn hosts(&self) -> Vec<String> {
        self.hosts.clone()
    }

    /// The fault host's URLs, if started with [`Newswire::start_with_faults`].
    pub fn faults(&self) -> Option<&FaultUrls> {
        self.faults.as_ref()
    }

    /// The article URL under `/private/` that one outlet's feed lists but
    /// its robots.txt disallows. The page exists and answers 200.
    pub fn disallowed_url(&self) -> String {
        let c = &*CONTENT;
        format!("{}{}", self.world.base(c.private_outlet), c.private.path)
    }

    /// Every demo article (not the disallowed one, not the fault host's).
    pub fn articles(&self) -> Vec<ArticleInfo> {
        let c = &*CONTENT;
        c.articles
            .iter()
            .map(|a| {
                let o = &c.outlets[a.outlet];
                let base = self.world.base(a.outlet);
                ArticleInfo {
                    url: format!("{base}{}", a.path),
                    outlet: o.name.clone(),
                    outlet_key: o.key.clone(),
                    event: a.event.clone(),
                    headline: a.headline.clone(),
                    author: a.author.clone(),
                    summary: a.summary(),
                    paragraphs: a.paragraphs.clone(),
                    age: Duration::from_secs(u64::from(a.age_minutes) * 60),
                    syndicated_from: a.syndicated_from.clone(),
                    image_url: format!("{base}/images/{}.svg", a.slug),
                }
            })
            .collect()
    }

    /// The news events the articles cover.
    pub fn events(&self) -> Vec<EventInfo> {
        CONTENT
            .events
            .iter()
            .map(|(key, title)| EventInfo {
                key: key.clone(),
                title: title.clone(),
            })
            .collect()
    }

    /// Every request served so far, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.log.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Stop all servers and wait (briefly) for them to finish.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            // Graceful shutdown waits for in-flight responses; a client that
            // stopped reading a streamed body must not hold us up forever.
            if tokio::time::timeout(Duration::from_secs(2), task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for Newswire {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn spawn_server(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let result = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await;
        if let Err(e) = result {
            tracing::warn!("newswire server stopped: {e}");
        }
    })
}

async fn outlet_handler(State(st): State<OutletState>, uri: Uri) -> Response {
    let c = &*CONTENT;
    let o = &c.outlets[st.outlet];
    st.log.record(st.world.base(st.outlet), &uri);
    let now = Utc::now();
    let path = uri.path();
    let html = |body: String| ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();

    if path == "/" || path == "/index.html" {
        return html(outlet_pages::homepage(&st.world, st.outlet, now));
    }
    if path == "/robots.txt" {
        return (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "User-agent: *\nDisallow: /private/\nDisallow: /search\n",
        )
            .into_response();
    }
    if path == o.feed_path {
        return (
            [(header::CONTENT_TYPE, o.format.content_type())],
            feeds::render(&st.world, st.outlet, now),
        )
            .into_response();
    }
    if let Some(slug) = path.strip_prefix("/images/").and_then(|s| s.strip_suffix(".svg")) {
        if let Some(a) = c.articles.iter().find(|a| a.outlet == st.outlet && a.slug == slug) {
            return (
                [
                    (header::CONTENT_TYPE, "image/svg+xml"),
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                util::lead_svg(&o.accent, &a.event_title),
            )
                .into_response();
        }
    }
    if st.outlet == c.private_outlet && path == c.private.path {
        return html(outlet_pages::article_page(&st.world, st.outlet, &c.private, now));
    }
    if let Some(a) = c.articles.iter().find(|a| a.outlet == st.outlet && a.path == path) {
        return html(outlet_pages::article_page(&st.world, st.outlet, a, now));
    }
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        outlet_pages::not_found(&o.name),
    )
        .into_response()
}
