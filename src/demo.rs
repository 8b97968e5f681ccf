//! `newsdesk demo`: the whole product offline. A loopback newswire of
//! fictional outlets is started in-process and crawled through the real
//! pipeline, over HTTP, with the SSRF guard opened for its hosts only.

use std::time::Duration;

use anyhow::{Context, Result};
use newsdesk_newswire::Newswire;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::{app, serve};

/// The demo crawls often so the site fills within seconds.
const DEMO_TICK: Duration = Duration::from_secs(5);

pub async fn demo(mut config: Config, port: u16) -> Result<()> {
    let wire = Newswire::start().await.context("starting the demo newswire")?;
    prepare(&mut config, &wire, port)?;
    let db = app::open_store(&config)?;
    let embeddings = app::embeddings(&config).await?;
    let outlets = wire.outlets().iter().map(|outlet| newsdesk_crawl::Subscription {
        source: outlet.name.clone(),
        url: outlet.feed_url.clone(),
        homepage: Some(outlet.homepage.clone()),
    });
    newsdesk_crawl::Subscriptions::new(db.clone(), app::fetcher(&config)?)
        .subscribe_all(outlets.collect())
        .await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    println!(
        "newsdesk demo: crawling {} fictional outlets; open http://{}/",
        wire.outlets().len(),
        listener.local_addr()?
    );
    serve::run(&config, db, embeddings, listener, DEMO_TICK).await
}

/// Points the config at a fresh demo database and search index (SQLite and
/// tantivy, in the data folder, whatever the configured database) and lets
/// the fetcher reach the newswire's loopback hosts.
fn prepare(config: &mut Config, wire: &Newswire, port: u16) -> Result<()> {
    let data = config.data_dir();
    config.database = data.join("demo.db").to_string_lossy().into_owned();
    let search_dir = data.join("demo-search");
    match std::fs::remove_dir_all(&search_dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing old demo index {}", search_dir.display())),
    }
    config.search_dir = Some(search_dir);
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", config.database);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing old demo database {path}")),
        }
    }
    config.fetch.allow_hosts.extend(wire.hosts());
    config.listen.set_port(port);
    config.starter_feeds.clear();
    Ok(())
}
