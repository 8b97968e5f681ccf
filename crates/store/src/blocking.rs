//! Store calls from async code. SQLite calls block (on disk, on the writer
//! lock), so they run on the runtime's blocking threads and never stall the
//! tasks serving pages or crawling.

use std::sync::Arc;

use crate::{Result, StoreError};

/// Runs `f` with `store` (a `dyn Store`, a `dyn Community`, or a concrete
/// store) on a blocking thread and returns its result.
pub async fn blocking<S, T>(store: &Arc<S>, f: impl FnOnce(&S) -> Result<T> + Send + 'static) -> Result<T>
where
    S: ?Sized + Send + Sync + 'static,
    T: Send + 'static,
{
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|e| StoreError::Interrupted(e.to_string()))?
}
