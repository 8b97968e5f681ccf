//! The crawl stage: drives the pipeline from a feed list to a searchable,
//! clustered archive.
//!
//! A [`Crawler`] pass claims hosts with work, each under a lease, and crawls
//! them (`leases`): it polls the host's due feeds and queues their new
//! entries (`poll`), then fetches each pending page, extracts it and stores
//! it under its canonical URL (`page`), then enriches what it stored
//! (`enrich`): analysis and search indexing. Stored articles wait in the
//! store's queue for the one story writer among all workers (`stories`,
//! with optional title [`Embeddings`]), which every pass ends by serving
//! when this process holds the lead. [`Subscriptions`] adds and removes
//! feeds (with discovery from a site page, OPML and starter feeds) and is
//! the web's [`newsdesk_web::FeedAdmin`]; [`reindex`] rebuilds the search
//! index from the store; [`Crawler::import_warc`] takes pages from a web
//! archive through the same path.
//!
//! All state lives in the store (feed schedules, validators, the pending
//! queue, host leases, the story queue, stories), so a crawler can be
//! killed at any point and another, or the same one restarted, resumes
//! where it stopped: nothing lost, nothing duplicated. Hosts are crawled in
//! parallel; each host's requests go one at a time, spaced by the fetcher's
//! rate limit, and the spacing passes with the host from worker to worker.
//! Store calls, extraction, analysis and embeddings run on blocking
//! threads, never on the async runtime.

#![warn(missing_docs)]

mod embeddings;
mod enrich;
mod fetch_log;
mod images;
mod import;
mod indexing;
mod leases;
#[cfg(feature = "semantic")]
mod minilm;
mod opml;
mod page;
mod poll;
mod stories;
mod subscriptions;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use newsdesk_fetch::Fetcher;
use newsdesk_search::Search;
use newsdesk_store::{Store, StoreError};

pub use embeddings::{Embeddings, ModelError, MINILM_WHEEL_URL, NO_SEMANTIC_FEATURE};
pub use images::Images;
pub use import::ImportReport;
pub use indexing::{catch_up, reindex, IndexError};
pub use opml::parse as parse_opml;
pub use page::PageError;
pub use subscriptions::{SubscribeError, Subscription, Subscriptions};

use stories::Stories;

/// Hosts crawled at once unless [`Crawler::parallel_hosts`] says otherwise.
const DEFAULT_PARALLEL_HOSTS: usize = 16;
/// How long a host stays leased to a worker that stopped renewing it
/// (renewed before every fetch; a fetch times out well within it).
const DEFAULT_LEASE: Duration = Duration::from_secs(60);
/// Pages fetched under one lease unless [`Crawler::pages_per_lease`] says
/// otherwise; more wait for the next claim, so a host with a long queue
/// does not hold one worker's slot for ever.
const DEFAULT_PAGES_PER_LEASE: usize = 100;

/// The crawl pipeline over one store and one fetcher. Cheap to clone: the
/// clones share the fetcher's per-host limits and the story engine.
#[derive(Clone)]
pub struct Crawler {
    store: Arc<dyn Store>,
    fetcher: Fetcher,
    parallel_hosts: usize,
    search: Option<Arc<dyn Search>>,
    stories: Arc<Stories>,
    /// Who holds this crawler's host leases: unique per process.
    worker: Arc<str>,
    lease: chrono::Duration,
    pages_per_lease: usize,
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
            worker: worker_name().into(),
            lease: lease_of(DEFAULT_LEASE),
            pages_per_lease: DEFAULT_PAGES_PER_LEASE,
        }
    }

    /// Fetches up to `pages` pages of a host per lease (at least one) before
    /// handing it back, so workers take turns on long queues.
    pub fn pages_per_lease(self, pages: usize) -> Crawler {
        Crawler {
            pages_per_lease: pages.max(1),
            ..self
        }
    }

    /// Leases hosts for `lease` at a time: how long a host waits for
    /// another worker when this one dies holding it.
    pub fn lease(self, lease: Duration) -> Crawler {
        Crawler {
            lease: lease_of(lease),
            ..self
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

    /// One pass: every host with work, each under a lease (its due feeds,
    /// then its pending pages), then the story queue if this process
    /// writes the stories. Fails only when the store cannot say what is
    /// due; each feed's or page's own failure is recorded on it and
    /// counted in the report.
    pub async fn run_pass(&self) -> Result<PassReport, StoreError> {
        let report = self.crawl_hosts().await?;
        self.stories.serve_queue().await;
        if report.pages_fetched > 0 {
            self.commit_search().await;
        }
        Ok(report)
    }

    /// Passes forever, `tick` apart, until `shutdown` resolves.
    /// Meanwhile the story queue is served as articles are stored, by
    /// whichever worker holds the lead.
    pub async fn run(self, tick: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let writer = tokio::spawn(self.stories.clone().keep_serving());
        let _stop_writer = AbortOnDrop(writer);
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
}

/// Aborts a spawned task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A lease holder's name: this machine and process, plus a random part
/// (a pid is reused after a restart; a lease of the dead process must not
/// look like ours).
fn worker_name() -> String {
    use std::hash::{BuildHasher, Hasher};
    let machine = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    // Seeded from the OS's randomness for every process.
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish() as u32;
    format!("{}:{}:{random:08x}", machine.trim(), std::process::id())
}

/// Locks without panicking: what these mutexes guard (counts, sets of
/// tried ids, known sources) stays whole if a holder panicked.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn lease_of(lease: Duration) -> chrono::Duration {
    chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60))
}
