//! The `newsdesk` application: wires the pipeline crates together.
//!
//! The binary (`src/main.rs`) is a thin clap front over these modules, which
//! live in a library so integration tests can drive them directly.

pub mod analyze;
pub mod cluster;
pub mod config;
pub mod demo;
pub mod embeddings;
pub mod extract;
pub mod feeds;
pub mod ingest;
pub mod opml;
pub mod search;
pub mod serve;
pub mod stories;

use std::sync::Arc;

use newsdesk_store::{SqliteStore, Store};

/// Opens the configured SQLite store. It serves both the pipeline
/// ([`Store`]) and the readers' side (`Community`).
pub fn open_store(config: &config::Config) -> anyhow::Result<Arc<SqliteStore>> {
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
