//! Live story clustering: the clusterer between the stored articles and
//! their stories.
//!
//! Stored articles wait in the store's story queue. Exactly one process on
//! a database writes stories (the lead, [`newsdesk_store::StoryLead`]):
//! it takes the queue in order, assigns each article and writes the
//! decision (story, merges, syndication marks, related stories, revisions
//! of earlier articles) in one transaction through the lead, so a process
//! that lost the lead cannot write. The clusterer's window lives in
//! memory; whoever takes the lead (at the first start, or after the last
//! holder died) rebuilds it from the store by replaying the window's
//! clustered articles with their stored stories, so the store stays the
//! only durable state.
//!
//! With a semantic model configured ([`Embeddings`]), titles are embedded
//! before assignment, a batch at a time, and the rebuild embeds the
//! replayed titles too, so restored stories carry their mean embeddings.
//! An article whose title cannot be embedded is assigned on its words
//! alone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use newsdesk_cluster::{Assignment, Clusterer, Config, Item, Revision};
use newsdesk_domain::{ArticleId, StoryId};
use newsdesk_store::{blocking, Store, StoreError, StoryAssignment, StoryLead};
use tokio::sync::Mutex;

use crate::embeddings::Embeddings;

/// How long an import waits for the story lead at its end.
const DRAIN_WAIT: Duration = Duration::from_secs(600);
/// Articles taken from the story queue at a time.
const QUEUE_BATCH: usize = 64;
/// How long an idle writer waits for word of stored articles, and a
/// process without the lead waits before trying to take it again.
const IDLE_WAIT: Duration = Duration::from_secs(5);

/// The live story engine over the store.
pub(crate) struct Stories {
    store: Arc<dyn Store>,
    /// `Some` while this process holds the lead. Held across each batch so
    /// decisions are persisted in the order they were taken.
    writer: Mutex<Option<Writer>>,
    embeddings: Embeddings,
}

/// The lead and the clusterer it feeds.
struct Writer {
    lead: Arc<dyn StoryLead>,
    engine: Clusterer,
}

impl Stories {
    /// Embeds titles with `embeddings` (a no-op unless a model is loaded).
    pub(crate) fn new(store: Arc<dyn Store>, embeddings: Embeddings) -> Stories {
        Stories {
            store,
            writer: Mutex::new(None),
            embeddings,
        }
    }

    /// Assigns every queued article, if this process holds (or can take)
    /// the lead. A failure gives the lead up, to be taken again, with a
    /// rebuilt window, by whichever process asks first.
    pub(crate) async fn serve_queue(&self) {
        let mut writer = self.writer.lock().await;
        if let Err(e) = self.serve(&mut writer).await {
            tracing::error!("writing stories failed; giving up the lead: {e}");
            *writer = None;
        }
    }

    /// Serves the queue until it is empty, waiting for the lead while
    /// another process holds it (an import running beside this one drains
    /// its own articles and gives the lead up when it ends), for at most
    /// [`DRAIN_WAIT`].
    pub(crate) async fn serve_until_empty(&self) {
        let started = Instant::now();
        loop {
            self.serve_queue().await;
            match blocking(&self.store, |s| s.waiting_for_stories()).await {
                Ok(0) => return,
                Ok(n) if started.elapsed() > DRAIN_WAIT => {
                    tracing::warn!("{n} articles still wait for their stories; the story writer will assign them");
                    return;
                }
                Ok(_) => tokio::time::sleep(Duration::from_millis(500)).await,
                Err(e) => {
                    tracing::error!("counting the story queue: {e}");
                    return;
                }
            }
        }
    }

    /// Serves the queue as articles are stored, for ever.
    pub(crate) async fn keep_serving(self: Arc<Self>) {
        loop {
            self.serve_queue().await;
            let lead = self.writer.lock().await.as_ref().map(|w| w.lead.clone());
            match lead {
                Some(lead) => {
                    if let Ok(Err(e)) = tokio::task::spawn_blocking(move || lead.wait(IDLE_WAIT)).await {
                        tracing::warn!("waiting for stored articles: {e}");
                        tokio::time::sleep(IDLE_WAIT).await;
                    }
                }
                None => tokio::time::sleep(IDLE_WAIT).await,
            }
        }
    }

    async fn serve(&self, writer: &mut Option<Writer>) -> Result<(), StoreError> {
        if writer.is_none() {
            let Some(lead) = blocking(&self.store, |s| s.lead_stories()).await? else {
                return Ok(());
            };
            tracing::info!(pid = std::process::id(), "this process now writes the stories");
            let engine = self.rebuild().await?;
            *writer = Some(Writer { lead, engine });
        }
        let Some(writer) = writer.as_mut() else {
            return Ok(());
        };
        loop {
            let lead = writer.lead.clone();
            let queued = on_lead(lead, |l| l.waiting(QUEUE_BATCH)).await?;
            if queued.is_empty() {
                return Ok(());
            }
            self.assign_batch(writer, queued).await?;
        }
    }

    /// Assigns queued articles in queue order and persists each decision.
    async fn assign_batch(&self, writer: &mut Writer, queued: Vec<ArticleId>) -> Result<(), StoreError> {
        let ids = queued.clone();
        let articles = blocking(&self.store, move |s| {
            ids.into_iter()
                .map(|id| {
                    let article = s.article(id)?;
                    let source = match &article {
                        Some(a) => s.source(a.source_id)?.map(|s| s.name),
                        None => None,
                    };
                    Ok((id, article, source))
                })
                .collect::<Result<Vec<_>, StoreError>>()
        })
        .await?;
        let titles = articles
            .iter()
            .map(|(_, a, _)| a.as_ref().map(|a| a.title.clone()).unwrap_or_default())
            .collect();
        let embeddings = self.embeddings.titles(titles).await;
        for ((id, article, source), embedding) in articles.into_iter().zip(embeddings) {
            let Some(article) = article else {
                on_lead(writer.lead.clone(), move |l| l.pass(&[id])).await?;
                continue;
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
            let decision = writer.engine.assign(&item, Utc::now().timestamp_millis());
            if decision.duplicate {
                on_lead(writer.lead.clone(), move |l| l.pass(&[id])).await?;
                continue;
            }
            let assignment = to_store(id, decision);
            on_lead(writer.lead.clone(), move |l| l.assign(&assignment)).await?;
        }
        Ok(())
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

/// Runs a lead call on a blocking thread, as [`blocking`] runs store calls.
async fn on_lead<T: Send + 'static>(
    lead: Arc<dyn StoryLead>,
    call: impl FnOnce(&dyn StoryLead) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(move || call(lead.as_ref()))
        .await
        .unwrap_or_else(|e| Err(StoreError::Interrupted(e.to_string())))
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
