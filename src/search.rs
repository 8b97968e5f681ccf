//! Search wiring: the index beside the database, stored articles as index
//! documents, and rebuilding the index from the store (`newsdesk reindex`).
//!
//! The store is the source of truth; the index can always be rebuilt from
//! it, so an indexing failure is logged rather than failing the crawl.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use anyhow::{Context, Result};
use newsdesk_domain::{Article, ArticleId, Source, SourceId};
use newsdesk_search::{SearchDoc, SearchIndex};
use newsdesk_store::Store;

use crate::config::Config;

/// Articles read from the store per query while rebuilding.
const REINDEX_BATCH: usize = 500;

/// Opens the configured index, creating it if needed.
pub fn open_index(config: &Config) -> Result<Arc<SearchIndex>> {
    Ok(Arc::new(SearchIndex::open(&config.search_dir())?))
}

/// The index document of stored article `id`; `None` unless it is ready.
pub fn document(store: &dyn Store, id: ArticleId) -> Result<Option<SearchDoc>> {
    let Some(article) = store.article(id)? else {
        return Ok(None);
    };
    if article.status != newsdesk_domain::ArticleStatus::Ready {
        return Ok(None);
    }
    let source = store
        .source(article.source_id)?
        .with_context(|| format!("article {} has no source", id.0))?;
    // Entities arrive with the NLP stage; until then there are none.
    Ok(Some(SearchDoc::from_article(&article, &source, &[])))
}

/// Rebuilds the index from every ready article in the store, in one
/// commit; returns how many were indexed. Blocking: run it off the runtime.
pub fn reindex(store: &dyn Store, index: &SearchIndex) -> Result<usize> {
    let sources: HashMap<SourceId, Source> = store.sources()?.into_iter().map(|s| (s.id, s)).collect();
    let docs = ReadyArticles::new(store).map(|article| {
        let article = article?;
        let source = sources
            .get(&article.source_id)
            .with_context(|| format!("article {} has no source", article.id.0))?;
        anyhow::Ok(SearchDoc::from_article(&article, source, &[]))
    });
    // `{:#}` keeps the whole error chain when the rebuild reports it.
    Ok(index.rebuild(docs.map(|d| d.map_err(|e| format!("{e:#}"))))?)
}

/// Rebuilds an empty index when the store has articles: the first start
/// after upgrading to a version with search, or after deleting the index.
pub async fn catch_up(store: Arc<dyn Store>, index: Arc<SearchIndex>) -> Result<()> {
    if index.num_docs() > 0 {
        return Ok(());
    }
    let n = tokio::task::spawn_blocking(move || reindex(store.as_ref(), &index)).await??;
    if n > 0 {
        tracing::info!("search index rebuilt with {n} articles");
    }
    Ok(())
}

/// Every ready article, read from the store in id-ordered batches so a
/// large database is never held in memory at once.
struct ReadyArticles<'a> {
    store: &'a dyn Store,
    batch: VecDeque<Article>,
    after: ArticleId,
    done: bool,
}

impl<'a> ReadyArticles<'a> {
    fn new(store: &'a dyn Store) -> Self {
        ReadyArticles {
            store,
            batch: VecDeque::new(),
            after: ArticleId(0),
            done: false,
        }
    }
}

impl Iterator for ReadyArticles<'_> {
    type Item = Result<Article>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.batch.is_empty() && !self.done {
            match self.store.ready_articles_after(self.after, REINDEX_BATCH) {
                Ok(batch) => {
                    self.done = batch.len() < REINDEX_BATCH;
                    self.after = batch.last().map_or(self.after, |a| a.id);
                    self.batch = batch.into();
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e.into()));
                }
            }
        }
        self.batch.pop_front().map(Ok)
    }
}
