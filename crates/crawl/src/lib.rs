//! The crawl stage: drives the pipeline from a feed list to a searchable,
//! clustered archive.
//!
//! A [`Crawler`] pass polls every due feed and queues its new entries
//! (`poll`), then fetches each pending page, extracts it and stores it under
//! its canonical URL (`page`), then enriches what it stored (`enrich`):
//! analysis, story assignment (`stories`, with optional title
//! [`Embeddings`]) and search indexing. [`Subscriptions`] adds and removes
//! feeds (with discovery from a site page, OPML and starter feeds) and is the
//! web's [`newsdesk_web::FeedAdmin`]; [`reindex`] rebuilds the search index
//! from the store.
//!
//! All state lives in the store (feed schedules, validators, the pending
//! queue, stories), so a crawler can be killed at any point and resumes
//! where it stopped: nothing lost, nothing duplicated. Hosts are crawled in
//! parallel; each host's requests go one at a time, spaced by the fetcher's
//! rate limit. Store calls, extraction, analysis and embeddings run on
//! blocking threads, never on the async runtime.

#![warn(missing_docs)]

mod embeddings;
mod enrich;
mod fetch_log;
mod images;
mod indexing;
mod opml;
mod page;
mod poll;
mod stories;
mod subscriptions;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use newsdesk_fetch::Fetcher;
use newsdesk_search::Search;
use newsdesk_store::{blocking, Store, StoreError};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

pub use embeddings::{Embeddings, ModelError, NO_SEMANTIC_FEATURE};
pub use images::Images;
pub use indexing::{catch_up, reindex, IndexError};
pub use opml::parse as parse_opml;
pub use page::PageError;
pub use subscriptions::{SubscribeError, Subscription, Subscriptions};

use stories::Stories;

/// Pending pages handled in one pass; the rest wait for the next.
const PAGES_PER_PASS: usize = 5_000;
/// Due feeds polled in one pass.
const FEEDS_PER_PASS: usize = 10_000;
/// Hosts crawled at once unless [`Crawler::parallel_hosts`] says otherwise.
const DEFAULT_PARALLEL_HOSTS: usize = 16;

/// The crawl pipeline over one store and one fetcher. Cheap to clone: the
/// clones share the fetcher's per-host limits and the story engine.
#[derive(Clone)]
pub struct Crawler {
    store: Arc<dyn Store>,
    fetcher: Fetcher,
    parallel_hosts: usize,
    search: Option<Arc<dyn Search>>,
    stories: Arc<Stories>,
}

/// What one pass did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    /// Feeds fetched, whether they succeeded or not.
    pub feeds_polled: usize,
    /// Feeds whose fetch or parse failed (recorded on the feed).
    pub feeds_failed: usize,
    /// Entries queued for the first time.
    pub new_articles: usize,
    /// Pages fetched, extracted and stored.
    pub pages_fetched: usize,
    /// Pages that failed (recorded on the article).
    pub pages_failed: usize,
}

impl PassReport {
    fn add(&mut self, other: PassReport) {
        self.feeds_polled += other.feeds_polled;
        self.feeds_failed += other.feeds_failed;
        self.new_articles += other.new_articles;
        self.pages_fetched += other.pages_fetched;
        self.pages_failed += other.pages_failed;
    }
}

impl Crawler {
    /// A crawler storing into `store` and fetching with `fetcher`: no search
    /// index, no embeddings, 16 hosts at once.
    pub fn new(store: Arc<dyn Store>, fetcher: Fetcher) -> Crawler {
        Crawler {
            stories: Arc::new(Stories::new(store.clone(), Embeddings::default())),
            store,
            fetcher,
            parallel_hosts: DEFAULT_PARALLEL_HOSTS,
            search: None,
        }
    }

    /// Crawls up to `hosts` hosts at once (at least one). One host at a time
    /// makes page order, and so story clustering, reproducible.
    pub fn parallel_hosts(self, hosts: usize) -> Crawler {
        Crawler {
            parallel_hosts: hosts.max(1),
            ..self
        }
    }

    /// Also indexes every article it stores in `index`.
    pub fn search(self, index: Arc<dyn Search>) -> Crawler {
        Crawler {
            search: Some(index),
            ..self
        }
    }

    /// Also embeds titles for story clustering (a no-op unless a model is loaded).
    pub fn embeddings(self, embeddings: Embeddings) -> Crawler {
        Crawler {
            stories: Arc::new(Stories::new(self.store.clone(), embeddings)),
            ..self
        }
    }

    /// One pass: every due feed, then every pending page. Fails only when
    /// the store cannot say what is due; each feed's or page's own failure
    /// is recorded on it and counted in the report.
    pub async fn run_pass(&self) -> Result<PassReport, StoreError> {
        let due = blocking(&self.store, |s| s.due_feeds(Utc::now(), FEEDS_PER_PASS)).await?;
        let mut report = self
            .by_host(due, |f| f.url.clone(), |c, f| async move { c.poll_feed(f).await })
            .await;
        let pending = blocking(&self.store, |s| s.pending_articles(PAGES_PER_PASS)).await?;
        metrics::gauge!("newsdesk_pending_articles").set(pending.len() as f64);
        report.add(
            self.by_host(pending, |a| a.url.clone(), |c, a| async move { c.fetch_page(a).await })
                .await,
        );
        if report.pages_fetched > 0 {
            self.commit_search().await;
        }
        Ok(report)
    }

    /// Passes forever, `tick` apart, until `shutdown` resolves.
    pub async fn run(self, tick: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            match self.run_pass().await {
                Ok(r) if r != PassReport::default() => tracing::info!(?r, "crawl pass"),
                Ok(_) => {}
                Err(e) => tracing::error!("crawl pass failed: {e}"),
            }
            tokio::select! {
                _ = tokio::time::sleep(tick) => {}
                _ = &mut shutdown => return,
            }
        }
    }

    /// Runs `work` over `items`, one host at a time per task and up to
    /// `parallel_hosts` hosts at once, so a slow host never starves the others.
    async fn by_host<T, F, Fut>(&self, items: Vec<T>, url_of: impl Fn(&T) -> String, work: F) -> PassReport
    where
        T: Send + 'static,
        F: Fn(Crawler, T) -> Fut + Send + Sync + Copy + 'static,
        Fut: Future<Output = PassReport> + Send,
    {
        let mut groups: BTreeMap<String, Vec<T>> = BTreeMap::new();
        for item in items {
            let host = Url::parse(&url_of(&item))
                .ok()
                .and_then(|u| u.host_str().map(String::from))
                .unwrap_or_default();
            groups.entry(host).or_default().push(item);
        }
        let permits = Arc::new(Semaphore::new(self.parallel_hosts));
        let mut tasks = JoinSet::new();
        for (_, group) in groups {
            // Taken before spawning, so hosts start in a fixed (sorted) order
            // rather than in whichever order the runtime first polls them.
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let crawler = self.clone();
            tasks.spawn(async move {
                let _permit = permit;
                let mut report = PassReport::default();
                for item in group {
                    report.add(work(crawler.clone(), item).await);
                }
                report
            });
        }
        let mut total = PassReport::default();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(r) => total.add(r),
                Err(e) => tracing::error!("crawl task failed: {e}"),
            }
        }
        total
    }
}
