//! The parts every command builds from the configuration (the store, the
//! crawler, subscriptions, the search index), and the one-shot crawl
//! commands `ingest` and `reindex`.

use std::sync::Arc;

use anyhow::{Context, Result};
use newsdesk_crawl::{Crawler, Embeddings, Images, Subscriptions};
use newsdesk_fetch::Fetcher;
use newsdesk_search::{PgSearch, Search, SearchIndex};
use newsdesk_store::{Database, Store};

use crate::config::{Config, SearchBackend, SemanticModel};

/// Opens the configured database (SQLite or PostgreSQL). It serves both
/// the pipeline ([`Store`]) and the readers' side (`Community`).
pub fn open_store(config: &Config) -> Result<Arc<dyn Database>> {
    newsdesk_store::open(&config.database).with_context(|| format!("opening database {}", shown(&config.database)))
}

/// The database as messages may show it: a URL without its password.
fn shown(database: &str) -> String {
    match url::Url::parse(database) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => database.to_owned(),
    }
}

/// Connections PostgreSQL search may hold: searches run a few at a time.
const SEARCH_CONNECTIONS: usize = 4;

/// Opens the configured search index: the tantivy index in `search_dir`
/// (created if needed), or full-text search in the PostgreSQL database.
pub fn open_index(config: &Config) -> Result<Arc<dyn Search>> {
    Ok(match config.search {
        SearchBackend::Tantivy => Arc::new(SearchIndex::open(&config.search_dir())?),
        SearchBackend::Postgres => {
            Arc::new(PgSearch::connect(&config.database, SEARCH_CONNECTIONS).context("opening PostgreSQL search")?)
        }
    })
}

/// Where the index lives, for messages.
fn index_place(config: &Config) -> String {
    match config.search {
        SearchBackend::Tantivy => config.search_dir().display().to_string(),
        SearchBackend::Postgres => format!("PostgreSQL ({})", shown(&config.database)),
    }
}

/// The configured title-embedding model, loaded once (and with "auto",
/// fetched once into the data folder). Only a named folder that cannot be
/// loaded is an error: the operator asked for that model.
pub async fn embeddings(config: &Config) -> Result<Embeddings> {
    let settings = &config.cluster;
    Ok(match &settings.semantic_model {
        SemanticModel::Off => Embeddings::default(),
        SemanticModel::Dir(dir) => Embeddings::load(dir)
            .await
            .context("cluster.semantic_model (NEWSDESK_SEMANTIC_MODEL)")?,
        SemanticModel::Auto => {
            let dir = config.semantic_model_dir();
            Embeddings::obtain(&dir, &settings.semantic_model_url, &config.fetch_config()).await
        }
    })
}

/// The fetcher as configured. Its clones share per-host rate limits.
pub fn fetcher(config: &Config) -> Result<Fetcher> {
    Ok(Fetcher::new(config.fetch_config())?)
}

/// The crawler of `store` as configured, without a search index.
pub fn crawler(config: &Config, store: Arc<dyn Store>, fetcher: Fetcher, embeddings: Embeddings) -> Crawler {
    Crawler::new(store, fetcher)
        .parallel_hosts(config.crawl.parallel_hosts)
        .lease(std::time::Duration::from_secs(config.crawl.lease_secs))
        .pages_per_lease(config.crawl.pages_per_lease)
        .embeddings(embeddings)
}

/// The image proxy: publishers' images fetched under the crawler's SSRF
/// rules, signed with a key the store keeps, cached beside the database.
pub fn image_proxy(config: &Config, store: &dyn Store) -> Result<newsdesk_web::ImageProxy> {
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(|e| anyhow::anyhow!("no randomness for the image key: {e}"))?;
    let fresh: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
    let key = store.secret("image-proxy", &fresh)?;
    let source = Arc::new(Images::new(&config.fetch_config())?);
    let dir = config.image_cache_dir();
    newsdesk_web::ImageProxy::new(source, key.as_bytes(), dir.clone(), config.server.image_cache_mib << 20)
        .with_context(|| format!("opening the image cache {}", dir.display()))
}

/// Feed management over the configured store.
pub fn subscriptions(config: &Config) -> Result<Subscriptions> {
    Ok(Subscriptions::new(open_store(config)?, fetcher(config)?))
}

/// `newsdesk ingest`: one crawl pass.
pub async fn ingest(config: &Config) -> Result<()> {
    let store: Arc<dyn Store> = open_store(config)?;
    let fetcher = fetcher(config)?;
    Subscriptions::new(store.clone(), fetcher.clone())
        .seed(&config.starter_feeds)
        .await?;
    let mut crawler = crawler(config, store, fetcher, embeddings(config).await?);
    // A running `serve` holds a tantivy index: crawl anyway, and say how to catch up.
    match open_index(config) {
        Ok(index) => crawler = crawler.search(index),
        Err(e) => tracing::warn!("crawling without updating search: {e:#}; run `newsdesk reindex` later"),
    }
    let r = crawler.run_pass().await?;
    println!(
        "polled {} feeds ({} failed), {} new articles, fetched {} pages ({} failed)",
        r.feeds_polled, r.feeds_failed, r.new_articles, r.pages_fetched, r.pages_failed
    );
    Ok(())
}

/// `newsdesk reindex`: the search index rebuilt from the store.
pub async fn reindex(config: &Config) -> Result<()> {
    let store = open_store(config)?;
    let index = open_index(config)?;
    let started = std::time::Instant::now();
    let n = tokio::task::spawn_blocking(move || newsdesk_crawl::reindex(store.as_ref(), index.as_ref())).await??;
    println!(
        "indexed {n} articles in {:.1} s into {}",
        started.elapsed().as_secs_f64(),
        index_place(config)
    );
    Ok(())
}
