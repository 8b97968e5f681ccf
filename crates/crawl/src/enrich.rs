//! What happens to an article once it is stored: analysis (summary, key
//! points, entities, quotes, section), then search indexing, since the
//! index carries the entities the analysis found. Its story is assigned
//! from the store's queue by the one story writer (`stories`).
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

/// What analysis reads of an extracted page.
pub(crate) struct Read {
    pub title: Option<String>,
    pub text: String,
    /// The publisher's own section label (`article:section`, else the feed
    /// item's category), if any.
    pub section_label: Option<String>,
}

impl Crawler {
    /// Enriches a stored page (or the article it was folded into). A repeat
    /// (another worker stored the page first) wrote nothing, so there is
    /// nothing to enrich.
    pub(crate) async fn enrich(&self, completed: Completed, read: Read) {
        let (Completed::Stored(id) | Completed::MergedInto(id)) = completed else {
            return;
        };
        self.analyze(id, read).await;
        self.index(id).await;
    }

    /// Analyses a stored article and saves the result, so page views never
    /// recompute it. The publisher's section label, where it names one of
    /// ours, outranks the classifier's reading of the text.
    async fn analyze(&self, id: ArticleId, read: Read) {
        let store = self.store.clone();
        let result = tokio::task::spawn_blocking(move || {
            let mut analysis = newsdesk_analyze::analyze(
                read.title.as_deref(),
                &read.text,
                newsdesk_analyze::DEFAULT_SUMMARY_SENTENCES,
            );
            let labelled = read
                .section_label
                .as_deref()
                .and_then(newsdesk_analyze::section::of_label);
            analysis.section = labelled.or(analysis.section);
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
