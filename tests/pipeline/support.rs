//! Shared set-up for the integration tests: a real SQLite file, a crawler
//! whose SSRF guard lets only the newswire's loopback hosts through, and
//! the website on a loopback port.

use std::sync::Arc;
use std::time::Duration;

use newsdesk::config::Config;
use newsdesk::ingest::Crawler;
use newsdesk_fetch::Fetcher;
use newsdesk_newswire::Newswire;
use newsdesk_store::{SqliteStore, Store};

pub struct Harness {
    /// The crawler indexes into it and the site searches it.
    pub search: Arc<newsdesk_search::SearchIndex>,
    pub db: Arc<SqliteStore>,
    /// Keeps the database directory alive for the test.
    pub _dir: tempfile::TempDir,
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub crawler: Crawler,
}

/// Tests crawl at 20 requests/s per host: the spacing logic is the same as
/// production's 1/s, and the suite stays quick.
pub fn harness(wire: &Newswire) -> Harness {
    newsdesk_web::install_metrics();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.database = dir.path().join("newsdesk.db");
    config.fetch.allow_hosts = wire.hosts();
    config.fetch.requests_per_second = 20.0;
    config.fetch.timeout_secs = 3;
    config.fetch.max_retries = 1;
    let db = Arc::new(SqliteStore::open(&config.database).unwrap());
    let store: Arc<dyn Store> = db.clone();
    let search = Arc::new(newsdesk_search::SearchIndex::open_in_ram().unwrap());
    let crawler = crawler_for(&config, &store).with_search(search.clone());
    Harness {
        search,
        db,
        _dir: dir,
        config,
        store,
        crawler,
    }
}

pub fn crawler_for(config: &Config, store: &Arc<dyn Store>) -> Crawler {
    crawler_with_hosts(config, store, 8)
}

/// A crawler taking one host at a time: pages arrive in a fixed order, so
/// order-sensitive results (story clustering) are reproducible.
pub fn crawler_with_hosts(config: &Config, store: &Arc<dyn Store>, parallel_hosts: usize) -> Crawler {
    let mut fc = config.fetch_config();
    fc.backoff_base = Duration::from_millis(50);
    Crawler::new(store.clone(), Fetcher::new(fc).unwrap(), parallel_hosts)
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
    let fetcher = Fetcher::new(h.config.fetch_config()).unwrap();
    let admin = Arc::new(newsdesk::feeds::Subscriptions::new(h.store.clone(), fetcher));
    let mut state = newsdesk_web::AppState::new(
        h.store.clone(),
        h.db.clone(),
        admin,
        h.search.clone(),
        "newsdesk".into(),
        false,
    );
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
    crawler_with_hosts(&h.config, &h.store, 1).run_pass().await.unwrap();
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
