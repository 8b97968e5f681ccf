//! Subscriptions: adding a feed (or the feed a site page links to), removing
//! one, listing their health, OPML in and out, and the starter feeds of a
//! first start. [`Subscriptions`] is what the web's feed admin calls.

use std::sync::Arc;

use newsdesk_domain::Feed;
use newsdesk_fetch::{discover_feeds, parse_feed, urls, FetchError, Fetcher, ParsedFeed, Validators};
use newsdesk_store::{blocking, Store, StoreError};
use newsdesk_web::BoxFuture;
use serde::Deserialize;
use url::Url;

/// A feed to subscribe to, under its publisher's name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// The publisher, shown as the articles' source.
    pub source: String,
    /// The feed's address.
    pub url: String,
    /// The publisher's site, linked from its source page.
    pub homepage: Option<String>,
}

/// Why a subscription could not be made or moved.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// The address is invalid, refused, or did not answer.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The address answered, but with neither a feed nor a link to one.
    #[error("{0} is neither a feed nor a page that links to one")]
    NoFeed(String),
    /// The page links to a feed that does not parse.
    #[error("feed {feed} linked from {page}: {error}")]
    BadLinkedFeed {
        /// The page that linked it.
        page: String,
        /// The linked feed.
        feed: String,
        /// Why it did not parse.
        error: Box<FetchError>,
    },
    /// The OPML document is not one.
    #[error("not a valid OPML document: {0}")]
    Opml(String),
    /// Reading or writing subscriptions failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Feed management over a store and a fetcher.
#[derive(Clone)]
pub struct Subscriptions {
    store: Arc<dyn Store>,
    fetcher: Fetcher,
}

impl Subscriptions {
    /// Manages the feeds of `store`, fetching with `fetcher`.
    pub fn new(store: Arc<dyn Store>, fetcher: Fetcher) -> Subscriptions {
        Subscriptions { store, fetcher }
    }

    /// Subscribes to `url`: a feed, or a site page that links to one, under
    /// `source` or else the feed's own title. The URL is fetched first so
    /// that a typo fails now rather than at every poll.
    pub async fn add(&self, url: &str, source: Option<String>) -> Result<Feed, SubscribeError> {
        let url = urls::canonicalize(url)?;
        let (feed_url, parsed) = self.resolve_feed(&url).await?;
        let name = source
            .or(parsed.title)
            .unwrap_or_else(|| feed_url.host_str().unwrap_or("feed").to_string());
        let homepage = parsed
            .site_url
            .or_else(|| Some(feed_url.origin().ascii_serialization()));
        self.subscribe(Subscription {
            source: name,
            url: feed_url.to_string(),
            homepage,
        })
        .await
    }

    /// Fetches `url`; when it is an HTML page, follows its `<link rel=alternate>`.
    async fn resolve_feed(&self, url: &Url) -> Result<(Url, ParsedFeed), SubscribeError> {
        let resp = self.fetcher.get(url.as_str(), &Validators::default()).await?;
        if let Ok(parsed) = parse_feed(&resp.body, &resp.final_url) {
            return Ok((resp.final_url, parsed));
        }
        let candidate = discover_feeds(&resp.text(), &resp.final_url)
            .into_iter()
            .next()
            .ok_or_else(|| SubscribeError::NoFeed(url.to_string()))?;
        let resp = self.fetcher.get(candidate.as_str(), &Validators::default()).await?;
        let parsed = parse_feed(&resp.body, &resp.final_url).map_err(|error| SubscribeError::BadLinkedFeed {
            page: url.to_string(),
            feed: candidate.to_string(),
            error: Box::new(error),
        })?;
        Ok((resp.final_url, parsed))
    }

    /// Subscribes to `feed` as given, without fetching it.
    pub async fn subscribe(&self, feed: Subscription) -> Result<Feed, SubscribeError> {
        Ok(blocking(&self.store, move |s| store_subscription(s, &feed)).await?)
    }

    /// Subscribes to every feed of `feeds` as given, in one store call;
    /// returns how many.
    pub async fn subscribe_all(&self, feeds: Vec<Subscription>) -> Result<usize, SubscribeError> {
        let count = feeds.len();
        blocking(&self.store, move |s| {
            feeds.iter().try_for_each(|f| store_subscription(s, f).map(drop))
        })
        .await?;
        Ok(count)
    }

    /// Subscribes to `starters` when the store has no feeds at all (a first
    /// start); returns how many it subscribed.
    pub async fn seed(&self, starters: &[Subscription]) -> Result<usize, SubscribeError> {
        if !blocking(&self.store, |s| s.feeds()).await?.is_empty() {
            return Ok(0);
        }
        self.subscribe_all(starters.to_vec()).await
    }

    /// One line per feed: URL, source and health, tab-separated.
    pub async fn list(&self) -> Result<Vec<String>, SubscribeError> {
        let (sources, feeds) = blocking(&self.store, |s| Ok((s.sources()?, s.feeds()?))).await?;
        Ok(feeds
            .iter()
            .map(|f| {
                let source = sources
                    .iter()
                    .find(|s| s.id == f.source_id)
                    .map_or("?", |s| s.name.as_str());
                let health = match &f.last_error {
                    Some(e) => format!("failing ({}x): {e}", f.error_count),
                    None if f.last_checked_at.is_some() => "ok".to_string(),
                    None => "not checked yet".to_string(),
                };
                format!("{}\t{}\t{}", f.url, source, health)
            })
            .collect())
    }

    /// Unsubscribes from `url`; its articles stay. Returns whether it was subscribed.
    pub async fn remove(&self, url: &str) -> Result<bool, SubscribeError> {
        let url = urls::canonicalize(url)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| url.to_string());
        Ok(blocking(&self.store, move |s| s.remove_feed(&url)).await?)
    }

    /// Subscribes to every feed in an OPML document; returns how many it names.
    pub async fn import_opml(&self, xml: &str) -> Result<usize, SubscribeError> {
        self.subscribe_all(crate::opml::parse(xml)?).await
    }

    /// The subscribed feeds as an OPML document.
    pub async fn export_opml(&self) -> Result<String, SubscribeError> {
        let (sources, feeds) = blocking(&self.store, |s| Ok((s.sources()?, s.feeds()?))).await?;
        crate::opml::write(&sources, &feeds)
    }
}

/// The feed's source, created or updated, then the feed under it. Only a
/// web address becomes the source's homepage link: an OPML file or a feed
/// may name `javascript:` or `data:` there.
fn store_subscription(store: &dyn Store, feed: &Subscription) -> newsdesk_store::Result<Feed> {
    let homepage = feed
        .homepage
        .as_deref()
        .and_then(|h| urls::canonicalize(h).ok())
        .map(String::from);
    let source = store.upsert_source(&feed.source, homepage.as_deref())?;
    store.add_feed(source.id, &feed.url)
}

impl newsdesk_web::FeedAdmin for Subscriptions {
    fn add_feed(&self, url: String, source: Option<String>) -> BoxFuture<Result<String, String>> {
        let this = self.clone();
        Box::pin(async move { this.add(&url, source).await.map(|f| f.url).map_err(|e| e.to_string()) })
    }

    fn import_opml(&self, xml: String) -> BoxFuture<Result<usize, String>> {
        let this = self.clone();
        Box::pin(async move { this.import_opml(&xml).await.map_err(|e| e.to_string()) })
    }

    fn export_opml(&self) -> BoxFuture<Result<String, String>> {
        let this = self.clone();
        Box::pin(async move { this.export_opml().await.map_err(|e| e.to_string()) })
    }
}
