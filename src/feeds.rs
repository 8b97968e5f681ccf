//! `newsdesk feeds add|list|remove`, and the starter feeds of a first start.

use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use newsdesk_domain::Feed;
use newsdesk_fetch::{discover_feeds, parse_feed, urls, Fetcher, ParsedFeed, Validators};
use newsdesk_store::Store;
use url::Url;

use crate::blocking;
use crate::config::StarterFeed;

/// Feed management for the web admin page, over the fetcher and the store.
pub struct Subscriptions {
    store: Arc<dyn Store>,
    fetcher: Fetcher,
}

impl Subscriptions {
    pub fn new(store: Arc<dyn Store>, fetcher: Fetcher) -> Subscriptions {
        Subscriptions { store, fetcher }
    }
}

impl newsdesk_web::FeedAdmin for Subscriptions {
    fn add_feed(&self, url: String, source: Option<String>) -> newsdesk_web::admin::BoxFuture<Result<String, String>> {
        let (store, fetcher) = (self.store.clone(), self.fetcher.clone());
        Box::pin(async move {
            add(&store, &fetcher, &url, source)
                .await
                .map(|f| f.url)
                .map_err(|e| format!("{e:#}"))
        })
    }

    fn import_opml(&self, xml: String) -> newsdesk_web::admin::BoxFuture<Result<usize, String>> {
        let store = self.store.clone();
        Box::pin(async move { crate::opml::import(&store, &xml).await.map_err(|e| format!("{e:#}")) })
    }

    fn export_opml(&self) -> newsdesk_web::admin::BoxFuture<Result<String, String>> {
        let store = self.store.clone();
        Box::pin(async move { crate::opml::export(&store).await.map_err(|e| format!("{e:#}")) })
    }
}

/// Subscribes to `url`: a feed, or a site page that links to one. The URL is
/// fetched first so that a typo fails now rather than at every poll.
pub async fn add(store: &Arc<dyn Store>, fetcher: &Fetcher, url: &str, source: Option<String>) -> Result<Feed> {
    let url = urls::canonicalize(url)?;
    let (feed_url, parsed) = resolve_feed(fetcher, &url).await?;
    let name = source
        .or(parsed.title)
        .unwrap_or_else(|| feed_url.host_str().unwrap_or("feed").to_string());
    let homepage = parsed
        .site_url
        .or_else(|| Some(feed_url.origin().ascii_serialization()));
    subscribe(store, name, homepage, feed_url.to_string()).await
}

/// Fetches `url`; when it is an HTML page, follows its `<link rel=alternate>`.
async fn resolve_feed(fetcher: &Fetcher, url: &Url) -> Result<(Url, ParsedFeed)> {
    let resp = fetcher.get(url.as_str(), &Validators::default()).await?;
    if let Ok(parsed) = parse_feed(&resp.body, &resp.final_url) {
        return Ok((resp.final_url, parsed));
    }
    let candidate = discover_feeds(&resp.text(), &resp.final_url)
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("{url} is neither a feed nor a page that links to one"))?;
    let resp = fetcher.get(candidate.as_str(), &Validators::default()).await?;
    let parsed =
        parse_feed(&resp.body, &resp.final_url).with_context(|| format!("feed {candidate} linked from {url}"))?;
    Ok((resp.final_url, parsed))
}

pub async fn subscribe(store: &Arc<dyn Store>, source: String, homepage: Option<String>, url: String) -> Result<Feed> {
    blocking(store, move |s| {
        let source = s.upsert_source(&source, homepage.as_deref())?;
        s.add_feed(source.id, &url)
    })
    .await
}

/// Subscribes the starter feeds when the database has no feeds at all.
pub async fn seed(store: &Arc<dyn Store>, starters: &[StarterFeed]) -> Result<usize> {
    if !blocking(store, |s| s.feeds()).await?.is_empty() {
        return Ok(0);
    }
    for f in starters {
        subscribe(store, f.source.clone(), f.homepage.clone(), f.url.clone()).await?;
    }
    Ok(starters.len())
}

/// One line per feed: URL, source, health.
pub async fn list(store: &Arc<dyn Store>) -> Result<Vec<String>> {
    let (sources, feeds) = blocking(store, |s| Ok((s.sources()?, s.feeds()?))).await?;
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

pub async fn remove(store: &Arc<dyn Store>, url: &str) -> Result<bool> {
    let url = urls::canonicalize(url)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| url.to_string());
    blocking(store, move |s| s.remove_feed(&url)).await
}
