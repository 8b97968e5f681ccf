//! The `newsdesk` application: wires the pipeline crates together.
//!
//! The binary (`src/main.rs`) is a thin clap front over these modules, which
//! live in a library so integration tests can drive them directly.

pub mod analyze;
pub mod bench;
mod bench_quotes;
pub mod config;
pub mod demo;
pub mod feeds;
pub mod ingest;
pub mod opml;
pub mod serve;

use std::sync::Arc;

use newsdesk_store::{SqliteStore, Store};

/// Opens the configured SQLite store.
pub fn open_store(config: &config::Config) -> anyhow::Result<Arc<dyn Store>> {
    let store = SqliteStore::open(&config.database)
        .map_err(|e| anyhow::anyhow!("opening database {}: {e}", config.database.display()))?;
    Ok(Arc::new(store))
}

/// Runs a store call on a blocking thread, so SQLite never stalls the runtime.
pub async fn blocking<T: Send + 'static>(
    store: &Arc<dyn Store>,
    f: impl FnOnce(&dyn Store) -> newsdesk_store::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let store = store.clone();
    Ok(tokio::task::spawn_blocking(move || f(store.as_ref())).await??)
}
