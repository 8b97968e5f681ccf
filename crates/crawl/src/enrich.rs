//! What happens to an article once it is stored: analysis (summary, key
//! points, entities, quotes), story assignment, and search indexing, in that
//! order, since the index carries the entities the analysis found.
//!
//! Each step's failure is logged, never returned: the article is already
//! safely stored and readable, and every step can be redone from the store
//! (`newsdesk reindex` rebuilds the index; a restart rebuilds the stories'
//! window).

use chrono::Utc;
use newsdesk_domain::ArticleId;
use newsdesk_store::Completed;

use crate::indexing::{document, IndexError};
use crate::Crawler;

impl Crawler {
    /// Enriches a stored page. A page folded into an existing article (same
    /// canonical URL) was clustered with that one, so it is not assigned again.
    pub(crate) async fn enrich(&self, completed: Completed, title: Option<String>, text: String) {
        let (Completed::Stored(id) | Completed::MergedInto(id)) = completed;
        self.analyze(id, title, text).await;
        if let Completed::Stored(id) = completed {
            if let Err(e) = self.stories.assign(id).await {
                tracing::error!(article = id.0, "assigning a story: {e}");
            }
        }
        self.index(id).await;
    }

    /// Analyses a stored article and saves the result, so page views never
    /// recompute it.
    async fn analyze(&self, id: ArticleId, title: Option<String>, text: String) {
        let store = self.store.clone();
        let result = tokio::task::spawn_blocking(move || {
            let analysis =
                newsdesk_analyze::analyze(title.as_deref(), &text, newsdesk_analyze::DEFAULT_SUMMARY_SENTENCES);
            store.save_analysis(id, &analysis, Utc::now())
        })
        .await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(article = id.0, "saving analysis failed: {e}"),
            Err(e) => tracing::warn!(article = id.0, "analysis crashed: {e}"),
        }
    }

    /// Adds a stored article, with its entities, to the search index.
    async fn index(&self, id: ArticleId) {
        let Some(search) = self.search.clone() else {
            return;
        };
        let store = self.store.clone();
        let indexed = tokio::task::spawn_blocking(move || -> Result<(), IndexError> {
            if let Some(doc) = document(store.as_ref(), id)? {
                search.index_article(&doc)?;
            }
            Ok(())
        })
        .await;
        match indexed {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(article = id.0, "indexing failed: {e}"),
            Err(e) => tracing::error!(article = id.0, "indexing crashed: {e}"),
        }
    }

    /// Makes the pass's articles searchable: one commit (one disk sync) per pass.
    pub(crate) async fn commit_search(&self) {
        let Some(search) = self.search.clone() else {
            return;
        };
        match tokio::task::spawn_blocking(move || search.commit()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!("committing the search index: {e}"),
            Err(e) => tracing::error!("committing the search index crashed: {e}"),
        }
    }
}
