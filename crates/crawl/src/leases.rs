//! Crawl work by host lease, so several workers (processes, machines) share
//! one database without fetching a page twice or a host too fast.
//!
//! A pass claims hosts that have work, as many as it crawls at once, and
//! crawls each under its lease: the host's due feeds first (their new
//! entries are mostly the host's own pages), then its pending pages, one
//! request at a time. The lease is renewed before every fetch; a lost lease
//! (it expired and another worker took the host) stops the host at once.
//! Releasing the host records when it may next be contacted, so the next
//! worker, wherever it runs, keeps the spacing, and the robots.txt this
//! worker fetched, which the next worker obeys without fetching it again. Whatever a worker did not
//! finish stays due, and is claimed again once its lease expires.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use newsdesk_domain::{ArticleId, FeedId};
use newsdesk_store::{blocking, HostLease, StoreError, StoredRobots};
use tokio::task::JoinSet;

use crate::{lock, Crawler, PassReport};

/// Feeds polled under one lease; more wait for the next claim.
const FEEDS_PER_LEASE: usize = 100;

/// What a pass has already tried, so a page that failed and stays pending
/// is not fetched again in the same pass.
#[derive(Default)]
struct Tried {
    feeds: HashSet<FeedId>,
    pages: HashSet<ArticleId>,
}

/// How one host's lease went.
struct HostOutcome {
    report: PassReport,
    /// Fetches made: none means the host only had work the pass had tried.
    fetches: usize,
}

impl Crawler {
    /// Claims and crawls hosts until none with untried work is left.
    /// Fails only when the store cannot say what is due.
    pub(crate) async fn crawl_hosts(&self) -> Result<PassReport, StoreError> {
        let tried = Arc::new(Mutex::new(Tried::default()));
        let mut running: HashMap<tokio::task::Id, String> = HashMap::new();
        // Hosts whose remaining work this pass has all tried.
        let mut spent: HashSet<String> = HashSet::new();
        let mut tasks = JoinSet::new();
        let mut report = PassReport::default();
        let mut claiming = true;
        loop {
            let free = self.parallel_hosts.saturating_sub(tasks.len());
            if claiming && free > 0 {
                let skip: Vec<String> = spent.iter().chain(running.values()).cloned().collect();
                match self.claim(skip, free).await {
                    Ok(leases) => {
                        if !leases.is_empty() {
                            tracing::debug!(hosts = ?leases.iter().map(|l| &l.host).collect::<Vec<_>>(), "claimed");
                        }
                        for lease in leases {
                            let host = lease.host.clone();
                            let task = tasks.spawn(self.clone().crawl_host(lease, tried.clone()));
                            running.insert(task.id(), host);
                        }
                    }
                    Err(e) if tasks.is_empty() => return Err(e),
                    Err(e) => {
                        tracing::error!("claiming hosts failed: {e}");
                        claiming = false;
                    }
                }
            }
            let Some(done) = tasks.join_next_with_id().await else {
                return Ok(report);
            };
            match done {
                Ok((id, outcome)) => {
                    let host = running.remove(&id).unwrap_or_default();
                    report.add(outcome.report);
                    if outcome.report.new_articles > 0 {
                        // New pages may be on hosts already spent.
                        spent.clear();
                    }
                    if outcome.fetches == 0 {
                        spent.insert(host);
                    }
                }
                Err(e) => {
                    // The host's lease expires and another claim takes it.
                    tracing::error!("crawl task failed: {e}");
                    if let Some(host) = running.remove(&e.id()) {
                        spent.insert(host);
                    }
                }
            }
        }
    }

    async fn claim(&self, skip: Vec<String>, limit: usize) -> Result<Vec<HostLease>, StoreError> {
        let (worker, lease) = (self.worker.clone(), self.lease);
        blocking(&self.store, move |s| {
            let now = Utc::now();
            s.claim_hosts(&worker, now, now + lease, &skip, limit)
        })
        .await
    }

    /// Crawls one leased host: due feeds, then pending pages.
    async fn crawl_host(self, lease: HostLease, tried: Arc<Mutex<Tried>>) -> HostOutcome {
        let host = lease.host;
        if let Some(robots) = lease.robots {
            self.fetcher.adopt_robots(&host, robots.body, robots.fetched_at.into());
        }
        let mut outcome = HostOutcome {
            report: PassReport::default(),
            fetches: 0,
        };
        // Another worker's last request set when the host may be contacted.
        if let Ok(wait) = (lease.next_fetch_at - Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
        let now = Utc::now();
        let (h, store) = (host.clone(), self.store.clone());
        let feeds = blocking(&store, move |s| s.due_feeds_of_host(&h, now, FEEDS_PER_LEASE)).await;
        for feed in feeds.unwrap_or_else(|e| self.skip_host(&host, e)) {
            if !first_try(&tried, |t| t.feeds.insert(feed.id)) {
                continue;
            }
            if !self.renew(&host).await {
                return outcome;
            }
            outcome.fetches += 1;
            outcome.report.add(self.clone().poll_feed(feed).await);
        }
        let h = host.clone();
        let per_lease = self.pages_per_lease;
        let pages = blocking(&store, move |s| s.pending_of_host(&h, per_lease)).await;
        for page in pages.unwrap_or_else(|e| self.skip_host(&host, e)) {
            if !first_try(&tried, |t| t.pages.insert(page.id)) {
                continue;
            }
            if !self.renew(&host).await {
                return outcome;
            }
            outcome.fetches += 1;
            outcome.report.add(self.clone().fetch_page(page).await);
        }
        self.release(host).await;
        outcome
    }

    fn skip_host<T>(&self, host: &str, error: StoreError) -> Vec<T> {
        tracing::error!(host, "listing the host's work failed: {error}");
        Vec::new()
    }

    /// Extends the lease before a fetch; false when it was lost.
    async fn renew(&self, host: &str) -> bool {
        let (worker, until, h) = (self.worker.clone(), Utc::now() + self.lease, host.to_string());
        match blocking(&self.store, move |s| s.renew_host(&h, &worker, until)).await {
            Ok(true) => true,
            Ok(false) => {
                tracing::warn!(host, "lease lost to another worker; stopping this host");
                false
            }
            Err(e) => {
                tracing::error!(host, "renewing the lease failed: {e}");
                false
            }
        }
    }

    /// Hands the host back with the time it may next be contacted and the
    /// robots.txt this worker fetched for it, if it did.
    async fn release(&self, host: String) {
        let next = Utc::now() + self.fetcher.next_turn(&host);
        let robots = self.fetcher.take_fetched_robots(&host).map(|(body, at)| StoredRobots {
            body,
            fetched_at: at.into(),
        });
        let worker = self.worker.clone();
        let released = blocking(&self.store, move |s| {
            s.release_host(&host, &worker, next, robots.as_ref())
        })
        .await;
        if let Err(e) = released {
            tracing::error!("releasing a host failed (its lease will expire): {e}");
        }
    }
}

/// Records a try; false when the pass already tried it.
fn first_try(tried: &Mutex<Tried>, insert: impl FnOnce(&mut Tried) -> bool) -> bool {
    insert(&mut lock(tried))
}
