//! The store as the LLM's reply cache, so a question asked twice about an
//! article (by anyone, across restarts) costs one model call.

use std::sync::Arc;

use chrono::Utc;
use newsdesk_analyze::llm::LlmCache;
use newsdesk_store::Store;

pub struct StoreLlmCache(pub Arc<dyn Store>);

impl LlmCache for StoreLlmCache {
    /// A read on the reader pool: WAL readers never wait for the writer.
    fn get(&self, key: &str) -> Option<String> {
        self.0
            .llm_cached(key)
            .inspect_err(|e| tracing::warn!("LLM cache read failed: {e}"))
            .ok()
            .flatten()
    }

    /// The write can wait behind the crawler's, so it runs off the request's
    /// thread; a lost cache entry only costs a repeat call.
    fn put(&self, key: &str, reply: &str) {
        let (store, key, reply) = (self.0.clone(), key.to_string(), reply.to_string());
        tokio::task::spawn_blocking(move || {
            if let Err(e) = store.cache_llm(&key, &reply, Utc::now()) {
                tracing::warn!("LLM cache write failed: {e}");
            }
        });
    }
}
