//! The crawler: polls due feeds, queues their entries, then fetches and
//! extracts the pending article pages.
//!
//! All state lives in the store (feed schedules, validators, the pending
//! queue), so the crawler can be killed at any point and resumes where it
//! stopped: nothing lost, nothing duplicated. Hosts are crawled in parallel;
//! each host's requests go one at a time, spaced by the fetcher's rate limit.
//! With a search index, each stored article is indexed as it completes and
//! the index is committed once at the end of the pass.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use newsdesk_domain::{Article, ArticleId, Feed};
use newsdesk_fetch::schedule::{error_backoff, next_interval, ScheduleBounds};
use newsdesk_fetch::{parse_feed, urls, FetchError, Fetcher, Response, Validators};
use newsdesk_search::SearchIndex;
use newsdesk_store::{Completed, FetchRecord, PollSuccess, Store};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

use crate::blocking;
use crate::embeddings::Embeddings;
use crate::stories::Stories;

/// Base delay after a failed feed poll; doubles with each consecutive failure.
const FEED_ERROR_BACKOFF: Duration = Duration::from_secs(5 * 60);
/// Pending pages handled in one pass; the rest wait for the next.
const PAGES_PER_PASS: usize = 5_000;

#[derive(Clone)]
pub struct Crawler {
    store: Arc<dyn Store>,
    fetcher: Fetcher,
    parallel_hosts: usize,
    search: Option<Arc<SearchIndex>>,
    stories: Arc<Stories>,
}

/// What one pass did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub feeds_polled: usize,
    pub feeds_failed: usize,
    pub new_articles: usize,
    pub pages_fetched: usize,
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
    pub fn new(store: Arc<dyn Store>, fetcher: Fetcher, parallel_hosts: usize) -> Crawler {
        Crawler {
            stories: Arc::new(Stories::new(store.clone())),
            store,
            fetcher,
            parallel_hosts: parallel_hosts.max(1),
            search: None,
        }
    }

    /// Also indexes every article it stores in `index`.
    pub fn with_search(mut self, index: Arc<SearchIndex>) -> Crawler {
        self.search = Some(index);
        self
    }

    /// Also embeds titles for story clustering (see [`Embeddings`]).
    pub fn with_embeddings(mut self, embeddings: Embeddings) -> Crawler {
        self.stories = Arc::new(Stories::new(self.store.clone()).with_embeddings(embeddings));
        self
    }

    /// One pass: every due feed, then every pending page.
    pub async fn run_pass(&self) -> anyhow::Result<PassReport> {
        let due = blocking(&self.store, |s| s.due_feeds(Utc::now(), 10_000)).await?;
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
                Err(e) => tracing::error!("crawl pass failed: {e:#}"),
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

    async fn poll_feed(self, feed: Feed) -> PassReport {
        let validators = Validators {
            etag: feed.etag.clone(),
            last_modified: feed.last_modified.clone(),
        };
        let fetched = self.fetcher.get(&feed.url, &validators).await;
        self.log(&feed.url, Some(&feed), None, &fetched).await;
        let outcome = match fetched {
            Ok(resp) => self.record_poll(&feed, resp).await,
            Err(e) => Err(e.to_string()),
        };
        match outcome {
            Ok(new_articles) => PassReport {
                feeds_polled: 1,
                new_articles,
                ..Default::default()
            },
            Err(error) => {
                self.record_feed_error(&feed, error).await;
                PassReport {
                    feeds_polled: 1,
                    feeds_failed: 1,
                    ..Default::default()
                }
            }
        }
    }

    /// Stores a successful poll; returns how many entries were new.
    async fn record_poll(&self, feed: &Feed, resp: Response) -> Result<usize, String> {
        let now = Utc::now();
        let previous = Duration::from_secs(feed.interval_secs.max(60) as u64);
        let (entries, title) = if resp.not_modified {
            (Vec::new(), None)
        } else {
            let parsed = parse_feed(&resp.body, &resp.final_url).map_err(|e| e.to_string())?;
            (parsed.entries, parsed.title)
        };
        let times: Vec<DateTime<Utc>> = entries.iter().filter_map(|e| e.published).collect();
        let interval = next_interval(&times, now, previous, ScheduleBounds::default());
        let poll = PollSuccess {
            checked_at: now,
            next_check_at: now + chrono::Duration::from_std(interval).unwrap_or_default(),
            interval_secs: interval.as_secs() as i64,
            etag: resp.etag.or_else(|| feed.etag.clone()),
            last_modified: resp.last_modified.or_else(|| feed.last_modified.clone()),
            title,
        };
        let id = feed.id;
        let queued = blocking(&self.store, move |s| s.record_poll(id, &poll, &entries))
            .await
            .map_err(|e| e.to_string())?;
        Ok(queued
            .iter()
            .filter(|q| matches!(q, newsdesk_store::Queued::New(_)))
            .count())
    }

    async fn record_feed_error(&self, feed: &Feed, error: String) {
        tracing::warn!(feed = %feed.url, %error, "feed poll failed");
        let now = Utc::now();
        let delay = error_backoff(feed.error_count + 1, FEED_ERROR_BACKOFF);
        let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
        let id = feed.id;
        if let Err(e) = blocking(&self.store, move |s| s.record_feed_error(id, &error, now, next)).await {
            tracing::error!("recording feed error: {e:#}");
        }
    }

    async fn fetch_page(self, article: Article) -> PassReport {
        let fetched = self.fetcher.get(&article.url, &Validators::default()).await;
        self.log(&article.url, None, Some(&article), &fetched).await;
        let outcome = match fetched {
            Ok(resp) => self.complete(&article, resp).await,
            Err(e) => Err((e.to_string(), e.is_transient())),
        };
        let id = article.id;
        let Err((error, retry)) = outcome else {
            return PassReport {
                pages_fetched: 1,
                ..Default::default()
            };
        };
        tracing::warn!(url = %article.url, %error, "article fetch failed");
        if let Err(e) = blocking(&self.store, move |s| s.fail_article(id, &error, retry)).await {
            tracing::error!("recording article error: {e:#}");
        }
        PassReport {
            pages_failed: 1,
            ..Default::default()
        }
    }

    /// Extracts a fetched page and stores it. Errors carry whether a retry may help.
    async fn complete(&self, article: &Article, resp: Response) -> Result<(), (String, bool)> {
        if let Some(kind) = non_html(resp.content_type.as_deref()) {
            return Err((format!("{} is not an HTML page ({kind})", resp.final_url), false));
        }
        let base = resp.final_url.clone();
        let page = tokio::task::spawn_blocking(move || newsdesk_extract::extract(&resp.text(), Some(&resp.final_url)))
            .await
            .map_err(|e| (format!("extraction crashed: {e}"), false))?;
        if page.text.trim().is_empty() {
            return Err((format!("no article text found at {}", article.url), false));
        }
        let canonical = canonical_url(page.canonical_url.as_deref(), &base);
        let id = article.id;
        let (title, text) = (page.title.clone(), page.text.clone());
        let completed = blocking(&self.store, move |s| s.complete_article(id, &canonical, &page))
            .await
            .map_err(|e| (e.to_string(), true))?;
        let (Completed::Stored(stored) | Completed::MergedInto(stored)) = completed;
        self.analyze(stored, title, text).await;
        // A page folded into another article was clustered with that one.
        if let Completed::Stored(id) = completed {
            if let Err(e) = self.stories.assign(id).await {
                tracing::error!(url = %article.url, "assigning a story: {e:#}");
            }
        }
        self.index(stored).await;
        Ok(())
    }

    /// Adds a stored article to the search index. Failures are logged, not
    /// returned: the article itself is safely stored, and `newsdesk
    /// reindex` rebuilds the index from the store.
    async fn index(&self, id: ArticleId) {
        let Some(search) = self.search.clone() else {
            return;
        };
        let store = self.store.clone();
        let indexed = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            if let Some(doc) = crate::search::document(store.as_ref(), id)? {
                search.index_article(&doc)?;
            }
            Ok(())
        })
        .await;
        match indexed {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!("indexing article {}: {e:#}", id.0),
            Err(e) => tracing::error!("indexing article {} crashed: {e}", id.0),
        }
    }

    /// Makes the pass's articles searchable: one commit (one disk sync) per pass.
    async fn commit_search(&self) {
        let Some(search) = self.search.clone() else {
            return;
        };
        match tokio::task::spawn_blocking(move || search.commit()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!("committing the search index: {e}"),
            Err(e) => tracing::error!("committing the search index crashed: {e}"),
        }
    }

    /// Analyses a stored article and saves the result, so page views never
    /// recompute it. A failure is logged, not fatal: the article stays readable.
    async fn analyze(&self, id: ArticleId, title: Option<String>, text: String) {
        let store = self.store.clone();
        let result = tokio::task::spawn_blocking(move || {
            let analysis =
                newsdesk_analyze::analyze(title.as_deref(), &text, newsdesk_analyze::DEFAULT_SUMMARY_SENTENCES);
            store.save_analysis(id, &analysis, Utc::now())
        })
        .await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(article = id.0, "saving analysis failed: {e}"),
            Err(e) => tracing::warn!(article = id.0, "analysis crashed: {e}"),
        }
    }

    async fn log(
        &self,
        url: &str,
        feed: Option<&Feed>,
        article: Option<&Article>,
        fetched: &Result<Response, FetchError>,
    ) {
        let kind = if feed.is_some() { "feed" } else { "page" };
        let outcome = if fetched.is_ok() { "ok" } else { "error" };
        metrics::counter!("newsdesk_fetches_total", "kind" => kind, "outcome" => outcome).increment(1);
        let record = FetchRecord {
            at: Utc::now(),
            url: url.to_string(),
            feed_id: feed.map(|f| f.id),
            article_id: article.map(|a| a.id),
            http_status: match fetched {
                Ok(r) => Some(r.status),
                Err(FetchError::Status { status, .. }) => Some(*status),
                Err(_) => None,
            },
            error: fetched.as_ref().err().map(ToString::to_string),
            bytes: fetched.as_ref().map(|r| r.body.len() as u64).unwrap_or(0),
            elapsed_ms: fetched.as_ref().map(|r| r.elapsed.as_millis() as u64).unwrap_or(0),
        };
        if let Err(e) = blocking(&self.store, move |s| s.log_fetch(&record)).await {
            tracing::error!("writing fetch log: {e:#}");
        }
    }
}

/// The media type when it is clearly not HTML; `None` for HTML or unknown.
fn non_html(content_type: Option<&str>) -> Option<String> {
    let mime = content_type?.split(';').next()?.trim().to_ascii_lowercase();
    let html = mime.is_empty() || mime == "text/html" || mime == "application/xhtml+xml" || mime == "text/plain";
    (!html).then_some(mime)
}

/// The URL an article is stored under: the page's `<link rel=canonical>`
/// when it stays on the same site, else where the fetch ended up. A
/// canonical on another site (a syndication partner pointing at the wire's
/// original) is ignored, so the copy is kept as its own article.
fn canonical_url(declared: Option<&str>, fetched: &Url) -> String {
    let fetched_canon = urls::canonicalize(fetched.as_str())
        .map(|u| u.to_string())
        .unwrap_or_else(|_| fetched.to_string());
    let Some(declared) = declared.and_then(|d| urls::canonicalize(d).ok()) else {
        return fetched_canon;
    };
    let site = |u: &Url| u.host_str().map(|h| h.trim_start_matches("www.").to_string());
    if site(&declared) == site(fetched) {
        declared.to_string()
    } else {
        fetched_canon
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_only_trusted_on_the_same_site() {
        let fetched = Url::parse("https://www.example.com/a?utm_source=x").unwrap();
        assert_eq!(
            canonical_url(Some("https://example.com/story#top"), &fetched),
            "https://example.com/story"
        );
        assert_eq!(
            canonical_url(Some("https://wire.example.org/story"), &fetched),
            "https://www.example.com/a"
        );
        assert_eq!(canonical_url(None, &fetched), "https://www.example.com/a");
        assert_eq!(canonical_url(Some("not a url"), &fetched), "https://www.example.com/a");
    }

    #[test]
    fn only_clear_non_html_is_refused() {
        assert_eq!(non_html(Some("application/pdf")), Some("application/pdf".into()));
        assert_eq!(non_html(Some("text/html; charset=utf-8")), None);
        assert_eq!(non_html(None), None);
    }
}
