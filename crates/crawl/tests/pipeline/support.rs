//! Shared set-up for the pipeline tests: a real SQLite file, a crawler
//! whose SSRF guard lets only the newswire's loopback hosts through, and
//! the website on a loopback port.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use newsdesk_crawl::{Crawler, Subscriptions};
use newsdesk_fetch::{FetchConfig, Fetcher};
use newsdesk_newswire::Newswire;
use newsdesk_search::SearchIndex;
use newsdesk_store::{SqliteStore, Store};

pub struct Harness {
    /// The crawler indexes into it and the site searches it.
    pub search: Arc<SearchIndex>,
    pub db: Arc<SqliteStore>,
    /// Keeps the database directory alive for the test.
    pub dir: tempfile::TempDir,
    /// The SQLite file.
    pub database: PathBuf,
    /// The fetcher's settings: the newswire's hosts allowed, quick retries.
    pub fetch: FetchConfig,
    pub store: Arc<dyn Store>,
    /// Eight hosts at once, indexing into `search`.
    pub crawler: Crawler,
}

/// Tests crawl at 20 requests/s per host: the spacing logic is the same as
/// production's 1/s, and the suite stays quick.
pub fn harness(wire: &Newswire) -> Harness {
    newsdesk_web::install_metrics();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("newsdesk.db");
    let fetch = FetchConfig {
        allow_hosts: wire.hosts(),
        per_host_interval: Duration::from_millis(50),
        timeout: Duration::from_secs(3),
        max_retries: 1,
        backoff_base: Duration::from_millis(50),
        ..FetchConfig::default()
    };
    let db = Arc::new(SqliteStore::open(&database).unwrap());
    let store: Arc<dyn Store> = db.clone();
    let search = Arc::new(SearchIndex::open_in_ram().unwrap());
    let crawler = crawler_of(&store, &fetch, 8).search(search.clone());
    Harness {
        search,
        db,
        dir,
        database,
        fetch,
        store,
        crawler,
    }
}

impl Harness {
    /// A fresh crawler over this store, without search: `hosts` at once.
    /// One host at a time makes page order, and so story clustering,
    /// the same in every run.
    pub fn crawler(&self, hosts: usize) -> Crawler {
        crawler_of(&self.store, &self.fetch, hosts)
    }

    /// Feed management as the admin page gets it.
    pub fn subscriptions(&self) -> Subscriptions {
        Subscriptions::new(self.store.clone(), Fetcher::new(self.fetch.clone()).unwrap())
    }
}

pub fn crawler_of(store: &Arc<dyn Store>, fetch: &FetchConfig, hosts: usize) -> Crawler {
    Crawler::new(store.clone(), Fetcher::new(fetch.clone()).unwrap()).parallel_hosts(hosts)
}

pub fn subscribe_outlets(store: &Arc<dyn Store>, wire: &Newswire) {
    for outlet in wire.outlets() {
        let source = store.upsert_source(&outlet.name, Some(&outlet.homepage)).unwrap();
        store.add_feed(source.id, &outlet.feed_url).unwrap();
    }
}

/// Serves the site on a loopback port; returns its base URL.
pub async fn serve_site(h: &Harness) -> String {
    serve_site_with(h, None).await
}

/// Serves the site, with an LLM phrasing answers when given one.
pub async fn serve_site_with(h: &Harness, llm: Option<newsdesk_llm::LlmClient>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let images = newsdesk_web::ImageProxy::new(
        Arc::new(newsdesk_crawl::Images::new(&h.fetch).unwrap()),
        b"pipeline test key",
        h.dir.path().join("images"),
        16 << 20,
    )
    .unwrap();
    let mut state = newsdesk_web::AppState::new(
        h.store.clone(),
        h.db.clone(),
        Arc::new(h.subscriptions()),
        h.search.clone(),
        "newsdesk".into(),
        false,
    )
    .with_images(images);
    if let Some(llm) = llm {
        state = state.with_llm(llm);
    }
    tokio::spawn(newsdesk_web::serve(listener, state, std::future::pending()));
    format!("http://{addr}")
}

/// The newswire crawled once (hosts in parallel) and the site serving it.
pub async fn crawled_site(wire: &Newswire) -> (Harness, String) {
    let h = harness(wire);
    subscribe_outlets(&h.store, wire);
    h.crawler.run_pass().await.unwrap();
    let site = serve_site(&h).await;
    (h, site)
}

/// Like [`crawled_site`], but one host at a time, so page order (and hence
/// story clustering) is the same in every run.
pub async fn crawled_site_in_order(wire: &Newswire) -> (Harness, String) {
    let h = harness(wire);
    subscribe_outlets(&h.store, wire);
    h.crawler(1).search(h.search.clone()).run_pass().await.unwrap();
    let site = serve_site(&h).await;
    (h, site)
}

pub async fn get_text(url: &str) -> (u16, String) {
    let resp = reqwest::get(url).await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Every listed article's id by its URL.
pub fn ids_by_url(store: &Arc<dyn Store>) -> std::collections::HashMap<String, newsdesk_domain::ArticleId> {
    store
        .latest(1000, 0)
        .unwrap()
        .into_iter()
        .map(|c| (c.url, c.id))
        .collect()
}
