//! `newsdesk serve`: the website and the crawler in one process.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use newsdesk_fetch::Fetcher;
use newsdesk_store::Store;
use newsdesk_web::AppState;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::ingest::Crawler;

/// Serves the site on `config.listen` and crawls in the background until Ctrl-C.
pub async fn serve(config: Config) -> Result<()> {
    let store = crate::open_store(&config)?;
    let seeded = crate::feeds::seed(&store, &config.starter_feeds).await?;
    if seeded > 0 {
        tracing::info!("subscribed to {seeded} starter feeds");
    }
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    println!("newsdesk is serving http://{}/", listener.local_addr()?);
    run(
        &config,
        store,
        listener,
        Duration::from_secs(config.crawl.tick_secs.max(1)),
    )
    .await
}

/// Runs the crawler and the site on `listener` until Ctrl-C.
pub async fn run(config: &Config, store: Arc<dyn Store>, listener: TcpListener, tick: Duration) -> Result<()> {
    let fetcher = Fetcher::new(config.fetch_config())?;
    let search = crate::search::open_index(config)?;
    crate::search::catch_up(store.clone(), search.clone()).await?;
    let crawler = Crawler::new(store.clone(), fetcher, config.crawl.parallel_hosts).with_search(search);
    let crawl = tokio::spawn(crawler.run(tick, shutdown_signal()));
    let state = AppState {
        store,
        site_name: config.site_name.clone(),
    };
    newsdesk_web::serve(listener, state, shutdown_signal()).await?;
    // The store keeps each step atomic, so stopping mid-pass loses nothing.
    crawl.abort();
    Ok(())
}

async fn shutdown_signal() {
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handling here: run until killed.
        std::future::pending::<()>().await;
    }
}
