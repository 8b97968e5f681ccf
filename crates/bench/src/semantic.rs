//! `newsdesk-bench cluster --semantic MODEL_DIR`: whether all-MiniLM-L6-v2
//! title embeddings improve the MStream scores, and how fast they are made.
//!
//! The titles are embedded once; each weight then re-runs the engine over
//! the same vectors, with weight 0 (embeddings off) printed first as the
//! baseline and the live configuration (what `newsdesk cluster` runs) last.
//! Items are fed as `newsdesk cluster` feeds them (in file order, titles
//! only, no times) and scored on their final stories after merges.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use newsdesk_cluster::semantic::Embedder;
use newsdesk_cluster::{metrics, Clusterer, Config, Item};

use crate::analyze::cpu_seconds;
use crate::cluster::{read_mstream, Stories};

/// Titles per forward pass: enough rows to keep the matrix products busy
/// (titles are not padded, so their lengths need not match).
const BATCH: usize = 64;

/// all-MiniLM-L6-v2's shape, for the arithmetic rate: layers, width, FFN width.
const LAYERS: f64 = 6.0;
const HIDDEN: f64 = 384.0;
const FFN: f64 = 1536.0;

/// The model and the semantic weights to compare with 0.
pub struct SemanticBench {
    /// The all-MiniLM-L6-v2 model directory.
    pub model: PathBuf,
    /// Weights to score besides 0.
    pub weights: Vec<f32>,
}

/// Embeds the MStream titles in `corpus` and prints the scores at each weight.
pub fn run(corpus: &Path, bench: &SemanticBench) -> Result<()> {
    let started = Instant::now();
    let embedder = Embedder::load(&bench.model)?;
    println!(
        "semantic: all-MiniLM-L6-v2 loaded in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let mut cache: HashMap<String, Vec<f32>> = HashMap::new();
    for name in ["News.jsonl", "News-T.jsonl"] {
        let path = corpus.join(name);
        if !path.exists() {
            continue;
        }
        let (titles, gold) = read_mstream(&path)?;
        embed_missing(&embedder, &titles, &mut cache)?;
        let vectors: Vec<&[f32]> = titles.iter().map(|t| cache[t].as_slice()).collect();
        let configs = std::iter::once(0.0)
            .chain(bench.weights.iter().copied())
            .map(|weight| {
                let config = Config {
                    semantic_weight: weight,
                    ..Config::default()
                };
                (format!("semantic weight {weight:.2}"), config)
            })
            .chain(std::iter::once((
                format!("live configuration (weight {:.2})", Config::live().semantic_weight),
                Config::live(),
            )));
        for (what, config) in configs {
            let stories = assign(&titles, &vectors, config);
            let b = metrics::bcubed(&gold, &stories);
            let found = stories.iter().collect::<HashSet<_>>().len();
            println!(
                "{name}: {what}: {found} stories: NMI {:.3}, B-cubed P {:.3} R {:.3} F1 {:.3}",
                metrics::nmi(&gold, &stories),
                b.precision,
                b.recall,
                b.f1
            );
        }
    }
    Ok(())
}

/// Embeds the titles not yet in `cache` (each distinct title once), in
/// batches, and prints the rate.
pub(crate) fn embed_missing(
    embedder: &Embedder,
    titles: &[String],
    cache: &mut HashMap<String, Vec<f32>>,
) -> Result<()> {
    let mut todo: Vec<&str> = titles
        .iter()
        .map(String::as_str)
        .filter(|t| !cache.contains_key(*t))
        .collect();
    todo.sort_unstable();
    todo.dedup();
    if todo.is_empty() {
        return Ok(());
    }
    let (started, cpu_start) = (Instant::now(), cpu_seconds());
    for batch in todo.chunks(BATCH) {
        for (title, v) in batch.iter().zip(embedder.embed(batch)?) {
            cache.insert(title.to_string(), v);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_start.zip(cpu_seconds()).map_or(f64::NAN, |(a, b)| b - a);
    let n = todo.len() as f64;
    println!(
        "semantic: embedded {n} distinct titles in {secs:.2} s wall ({:.0} titles/s, batches of {BATCH}), \
         {cpu:.2} CPU s ({:.0} titles per CPU second)",
        n / secs,
        n / cpu
    );
    // Multiply-adds per token: the six linear layers' weights, plus attention
    // (scores and weighted sum) over the title's own tokens.
    let mut tokens = 0usize;
    let mut flops = 0.0;
    for title in &todo {
        let len = embedder.tokens(title)?;
        tokens += len;
        let len = len as f64;
        flops += 2.0 * len * LAYERS * (4.0 * HIDDEN * HIDDEN + 2.0 * HIDDEN * FFN + 2.0 * len * HIDDEN);
    }
    println!(
        "semantic: {:.2} word pieces per title (with [CLS] and [SEP]), {:.1} MFLOP per title, {:.1} GFLOP/s per CPU second",
        tokens as f64 / n,
        flops / n / 1e6,
        flops / cpu / 1e9
    );
    Ok(())
}

/// Each item's final story with embeddings under `config`.
fn assign(titles: &[String], vectors: &[&[f32]], config: Config) -> Vec<u64> {
    let mut engine = Clusterer::new(config);
    let mut stories = Stories::default();
    for (key, (title, v)) in titles.iter().zip(vectors).enumerate() {
        let item = Item {
            key: key as u64,
            title,
            embedding: Some(v),
            ..Item::default()
        };
        stories.assign(&mut engine, &item, 0);
    }
    stories.resolve()
}
