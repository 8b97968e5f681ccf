//! The store as the LLM's reply cache, so a question asked twice about an
//! article (by anyone, across restarts) costs one model call. Its reads and
//! writes are store calls like any page's: on a blocking thread, under the
//! store-call limit.

use chrono::Utc;
use newsdesk_llm::{CacheFuture, LlmCache};

use crate::pages::store_call;
use crate::AppState;

pub struct StoreLlmCache<'s>(pub &'s AppState);

impl LlmCache for StoreLlmCache<'_> {
    /// A read on the reader pool: WAL readers never wait for the writer.
    fn get<'a>(&'a self, key: &'a str) -> CacheFuture<'a, Option<String>> {
        let key = key.to_string();
        Box::pin(async move {
            store_call(self.0, move |s| s.llm_cached(&key))
                .await
                .inspect_err(|e| tracing::warn!("LLM cache read failed: {e:?}"))
                .ok()
                .flatten()
        })
    }

    /// The write can wait behind the crawler's, so the answer does not wait
    /// for it: it runs in a task of its own.
    fn put<'a>(&'a self, key: &'a str, reply: &'a str) -> CacheFuture<'a, ()> {
        let (state, key, reply) = (self.0.clone(), key.to_string(), reply.to_string());
        tokio::spawn(async move {
            if let Err(e) = store_call(&state, move |s| s.cache_llm(&key, &reply, Utc::now())).await {
                tracing::warn!("LLM cache write failed: {e:?}");
            }
        });
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use newsdesk_search::SearchIndex;
    use newsdesk_store::{SqliteStore, Store};

    use super::*;
    use crate::admin::{BoxFuture, FeedAdmin};

    /// The cache never manages feeds.
    struct NoFeeds;

    impl FeedAdmin for NoFeeds {
        fn add_feed(&self, _: String, _: Option<String>) -> BoxFuture<Result<String, String>> {
            unreachable!()
        }
        fn import_opml(&self, _: String) -> BoxFuture<Result<usize, String>> {
            unreachable!()
        }
        fn export_opml(&self) -> BoxFuture<Result<String, String>> {
            unreachable!()
        }
    }

    /// On this one-thread runtime a read that blocked the thread would stop
    /// the timer too; instead it waits, pending, for a store slot.
    #[tokio::test]
    async fn reads_wait_for_a_store_slot_without_blocking_the_runtime() {
        let store = Arc::new(SqliteStore::open_in_memory().unwrap());
        store.cache_llm("key", "cached reply", Utc::now()).unwrap();
        let search = Arc::new(SearchIndex::open_in_ram().unwrap());
        let state = AppState::new(store.clone(), store, Arc::new(NoFeeds), search, "test".into(), false);
        let slots = state.store_slots.available_permits() as u32;
        let busy = state.store_slots.acquire_many(slots).await.unwrap();

        let cache = StoreLlmCache(&state);
        let mut read = std::pin::pin!(cache.get("key"));
        let waited = tokio::time::timeout(Duration::from_millis(50), &mut read).await;
        assert!(waited.is_err(), "no slot, no read");
        drop(busy);
        assert_eq!(read.await.as_deref(), Some("cached reply"));
        assert_eq!(cache.get("other").await, None);
    }
}
