//! Live story clustering: the clusterer between extraction and the store.
//!
//! Each article, once extracted and stored, is assigned to a story and the
//! decision (story, merges, syndication marks, related stories) is written
//! in one transaction. The clusterer's window lives in memory; on the first
//! assignment after a start it is rebuilt from the store by replaying the
//! window's clustered articles with their stored stories, so a restart
//! neither re-decides old articles nor forgets open stories. The store stays
//! the only durable state.
//!
//! With a semantic model configured ([`Embeddings`]), each title is embedded
//! before assignment, and the rebuild embeds the replayed titles too, so
//! restored stories carry their mean embeddings. An article whose title
//! cannot be embedded is assigned on its words alone.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use newsdesk_cluster::{Assignment, Clusterer, Config, Item, Revision};
use newsdesk_domain::{ArticleId, StoryId};
use newsdesk_store::{blocking, Store, StoreError, StoryAssignment};
use tokio::sync::Mutex;

use crate::embeddings::Embeddings;

/// The live story engine over the store.
pub(crate) struct Stories {
    store: Arc<dyn Store>,
    /// `None` until rebuilt from the store. Held across the store write so
    /// decisions are persisted in the order they were taken.
    engine: Mutex<Option<Clusterer>>,
    embeddings: Embeddings,
}

impl Stories {
    /// Embeds titles with `embeddings` (a no-op unless a model is loaded).
    pub(crate) fn new(store: Arc<dyn Store>, embeddings: Embeddings) -> Stories {
        Stories {
            store,
            engine: Mutex::new(None),
            embeddings,
        }
    }

    /// Assigns a stored article to a story and persists the decision.
    pub(crate) async fn assign(&self, id: ArticleId) -> Result<(), StoreError> {
        // Read and embed before taking the engine, so concurrent crawl tasks
        // embed in parallel and only the decisions are serialised.
        let (article, source) = blocking(&self.store, move |s| {
            let article = s.article(id)?;
            let source = match &article {
                Some(a) => s.source(a.source_id)?.map(|s| s.name),
                None => None,
            };
            Ok((article, source))
        })
        .await?;
        let Some(article) = article else {
            return Ok(());
        };
        let embedding = self.embeddings.title(&article.title).await;
        let mut guard = self.engine.lock().await;
        if guard.is_none() {
            *guard = Some(self.rebuild().await?);
        }
        let Some(engine) = guard.as_mut() else {
            return Ok(());
        };
        let item = Item {
            key: id.0 as u64,
            title: &article.title,
            text: &article.text,
            source: source.as_deref(),
            byline: article.byline.as_deref(),
            published_ms: Some(article.published_at.unwrap_or(article.discovered_at).timestamp_millis()),
            embedding: embedding.as_deref(),
        };
        let decision = engine.assign(&item, Utc::now().timestamp_millis());
        if decision.duplicate {
            return Ok(());
        }
        let assignment = to_store(id, decision);
        blocking(&self.store, move |s| s.assign_story(&assignment)).await
    }

    /// A clusterer holding the window's already-clustered articles.
    async fn rebuild(&self) -> Result<Clusterer, StoreError> {
        let config = Config::live();
        let since = Utc::now() - chrono::Duration::milliseconds(config.window_ms);
        let started = Instant::now();
        let seeds = blocking(&self.store, move |s| s.cluster_seeds(since)).await?;
        let embeddings = self
            .embeddings
            .titles(seeds.iter().map(|s| s.title.clone()).collect())
            .await;
        let mut engine = Clusterer::new(config);
        let now = Utc::now().timestamp_millis();
        for (seed, embedding) in seeds.iter().zip(&embeddings) {
            let item = Item {
                key: seed.article.0 as u64,
                title: &seed.title,
                text: &seed.lead,
                source: Some(&seed.source),
                byline: seed.byline.as_deref(),
                published_ms: seed.published_at.map(|t| t.timestamp_millis()),
                embedding: embedding.as_deref(),
            };
            let syndicated = seed.syndicated.then_some(seed.origin.as_deref());
            engine.restore(&item, seed.story.0 as u64, syndicated, now);
        }
        tracing::info!(
            articles = seeds.len(),
            embedded = embeddings.iter().flatten().count(),
            secs = format!("{:.2}", started.elapsed().as_secs_f64()),
            "story window rebuilt"
        );
        Ok(engine)
    }
}

fn to_store(article: ArticleId, a: Assignment) -> StoryAssignment {
    let story = |k: u64| StoryId(k as i64);
    StoryAssignment {
        article,
        story: story(a.story),
        merged: a.merged.into_iter().map(story).collect(),
        syndicated: a
            .syndicated
            .into_iter()
            .map(|s| (ArticleId(s.key as i64), s.origin))
            .collect(),
        related: a.related.into_iter().map(|(k, s)| (story(k), s)).collect(),
        moved: a
            .revisions
            .iter()
            .flat_map(|r| match r {
                Revision::Move { key, to, .. } => vec![(ArticleId(*key as i64), story(*to))],
                Revision::Split { story: to, keys, .. } => {
                    keys.iter().map(|k| (ArticleId(*k as i64), story(*to))).collect()
                }
                Revision::Dissolve { .. } => Vec::new(),
            })
            .collect(),
        emptied: a
            .revisions
            .iter()
            .filter_map(|r| match r {
                Revision::Dissolve { story: gone, .. } => Some(story(*gone)),
                _ => None,
            })
            .collect(),
    }
}
