//! `newsdesk serve`: the website and the crawler in one process; and
//! `newsdesk worker`: the crawler alone, one of several on a database.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use newsdesk_crawl::{Embeddings, Subscriptions};
use newsdesk_llm::LlmClient;
use newsdesk_store::{Database, Store};
use newsdesk_web::AppState;
use tokio::net::TcpListener;

use crate::app;
use crate::config::{Config, SearchBackend};

/// Serves the site on `config.listen` and crawls in the background until Ctrl-C.
pub async fn serve(config: Config) -> Result<()> {
    let db = app::open_store(&config)?;
    let embeddings = app::embeddings(&config).await?;
    let seeded = Subscriptions::new(db.clone(), app::fetcher(&config)?)
        .seed(&config.starter_feeds)
        .await?;
    if seeded > 0 {
        tracing::info!("subscribed to {seeded} starter feeds");
    }
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    println!("newsdesk is serving http://{}/", listener.local_addr()?);
    let tick = Duration::from_secs(config.crawl.tick_secs.max(1));
    run(&config, db, embeddings, listener, tick).await
}

/// Runs the crawler (embedding titles with `embeddings`, loaded by the
/// caller before it announces the site) and the site on `listener` until Ctrl-C.
pub async fn run(
    config: &Config,
    db: Arc<dyn Database>,
    embeddings: Embeddings,
    listener: TcpListener,
    tick: Duration,
) -> Result<()> {
    newsdesk_web::install_metrics();
    let store: Arc<dyn Store> = db.clone();
    let store_for_images = store.clone();
    let search = app::open_index(config)?;
    newsdesk_crawl::catch_up(store.clone(), search.clone()).await?;
    let fetcher = app::fetcher(config)?;
    let crawler = app::crawler(config, store.clone(), fetcher.clone(), embeddings).search(search.clone());
    let crawl = tokio::spawn(crawler.run(tick, shutdown_signal()));
    let admin = Arc::new(Subscriptions::new(store.clone(), fetcher));
    let mut state = AppState::new(
        store,
        db,
        admin,
        search,
        config.site_name.clone(),
        config.serves_https(),
    )
    .with_server(config.web_server()?)
    .with_images(app::image_proxy(config, &*store_for_images)?);
    if let Some(llm) = config.llm_config() {
        tracing::info!("answers to questions are phrased by {} at {}", llm.model, llm.base_url);
        state = state.with_llm(LlmClient::new(llm)?);
    }
    newsdesk_web::serve(listener, state, shutdown_signal()).await?;
    // The store keeps each step atomic, so stopping mid-pass loses nothing.
    crawl.abort();
    Ok(())
}

/// Crawls (leasing hosts, and writing stories while it holds the lead)
/// without serving pages, until Ctrl-C.
pub async fn worker(config: Config) -> Result<()> {
    let store: Arc<dyn Store> = app::open_store(&config)?;
    let embeddings = app::embeddings(&config).await?;
    let mut crawler = app::crawler(&config, store, app::fetcher(&config)?, embeddings);
    // A tantivy index belongs to the one `serve` beside it, which indexes
    // what workers stored when it starts; PostgreSQL search is shared.
    if config.search == SearchBackend::Postgres {
        crawler = crawler.search(app::open_index(&config)?);
    } else {
        tracing::warn!(
            "search = \"tantivy\": this worker leaves indexing to `serve` (search = \"postgres\" shares it)"
        );
    }
    println!("newsdesk worker {} is crawling", std::process::id());
    let tick = Duration::from_secs(config.crawl.tick_secs.max(1));
    crawler.run(tick, shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handling here: run until killed.
        std::future::pending::<()>().await;
    }
}
