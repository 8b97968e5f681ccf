//! Stored articles as search documents, with the entities their analysis
//! found, and the index rebuilt from the store (`newsdesk reindex`).
//!
//! The store is the source of truth; the index can always be rebuilt from
//! it, so an indexing failure during the crawl is logged, not fatal.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use newsdesk_domain::{Article, ArticleId, ArticleStatus, Source, SourceId};
use newsdesk_search::{Search, SearchDoc, SearchError};
use newsdesk_store::{Store, StoreError};

/// Articles read from the store per query while rebuilding.
const REINDEX_BATCH: usize = 500;

/// Why an article could not be indexed, or the index rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading the article, its source or its entities failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The index refused the document or the commit.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// The store broke its own rule that every article has a source.
    #[error("article {0} has no source")]
    NoSource(i64),
    /// The rebuild's thread panicked.
    #[error("rebuilding the index crashed: {0}")]
    Crashed(String),
}

/// The index document of stored article `id`; `None` unless it is ready.
pub(crate) fn document(store: &dyn Store, id: ArticleId) -> Result<Option<SearchDoc>, IndexError> {
    let Some(article) = store.article(id)? else {
        return Ok(None);
    };
    if article.status != ArticleStatus::Ready {
        return Ok(None);
    }
    let source = store.source(article.source_id)?.ok_or(IndexError::NoSource(id.0))?;
    Ok(Some(to_doc(store, &article, &source)?))
}

fn to_doc(store: &dyn Store, article: &Article, source: &Source) -> Result<SearchDoc, IndexError> {
    let entities: Vec<String> = store.entities_of(article.id)?.into_iter().map(|e| e.name).collect();
    Ok(SearchDoc::from_article(article, source, &entities))
}

/// Rebuilds the index from every ready article in the store, in one
/// commit; returns how many were indexed. Blocking: run it off the runtime.
pub fn reindex(store: &dyn Store, index: &dyn Search) -> Result<usize, IndexError> {
    let sources: HashMap<SourceId, Source> = store.sources()?.into_iter().map(|s| (s.id, s)).collect();
    let mut docs = ReadyArticles::new(store).map(|article| {
        let article = article.map_err(|e| e.to_string())?;
        let source = sources
            .get(&article.source_id)
            .ok_or_else(|| IndexError::NoSource(article.id.0).to_string())?;
        to_doc(store, &article, source).map_err(|e| e.to_string())
    });
    Ok(index.rebuild(&mut docs)?)
}

/// Brings the index level with the store at start: rebuilt when empty (the
/// first start with search, or a deleted index), and otherwise given the
/// ready articles it lacks, which a crash between the store's write and the
/// index's batched commit leaves behind.
pub async fn catch_up(store: Arc<dyn Store>, index: Arc<dyn Search>) -> Result<(), IndexError> {
    tokio::task::spawn_blocking(move || {
        if index.num_docs()? == 0 {
            let n = reindex(store.as_ref(), index.as_ref())?;
            if n > 0 {
                tracing::info!("search index rebuilt with {n} articles");
            }
            return Ok(());
        }
        let missing = index.missing(&store.ready_article_ids()?)?;
        for &id in &missing {
            if let Some(doc) = document(store.as_ref(), id)? {
                index.index_article(&doc)?;
            }
        }
        if !missing.is_empty() {
            index.commit()?;
            tracing::info!("search index caught up with {} articles", missing.len());
        }
        Ok(())
    })
    .await
    .map_err(|e| IndexError::Crashed(e.to_string()))?
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
    type Item = Result<Article, StoreError>;

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
                    return Some(Err(e));
                }
            }
        }
        self.batch.pop_front().map(Ok)
    }
}
