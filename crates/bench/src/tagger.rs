//! `newsdesk-bench train-tagger`: trains the name tagger built into
//! `newsdesk-analyze` from open-ner-en and scores it on that corpus's dev
//! split (exact name spans, per kind). Training is deterministic: the same
//! corpus gives the same model file, byte for byte.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use newsdesk_analyze::tagger::{self, train, DocCase, Kind, Model, TAG_NAMES};
use serde::Deserialize;

/// One line of open-ner-en: `{"id": "source/doc/n", "tokens", "tags"}`.
#[derive(Deserialize)]
struct Line {
    id: String,
    tokens: Vec<String>,
    tags: Vec<String>,
}

/// Reads a split as documents (sentences grouped by `source/doc`, in file order).
pub(crate) fn read_split(path: &Path) -> Result<Vec<train::Document>> {
    let text = newsdesk_fetch::read_page(path)?;
    let mut docs: BTreeMap<String, (usize, train::Document)> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line: Line = serde_json::from_str(line).with_context(|| format!("{}:{}", path.display(), n + 1))?;
        let tags = line
            .tags
            .iter()
            .map(|t| {
                TAG_NAMES
                    .iter()
                    .position(|n| n == t)
                    .with_context(|| format!("unknown tag {t}"))
            })
            .collect::<Result<Vec<_>>>()?;
        if tags.len() != line.tokens.len() {
            bail!(
                "{}:{}: {} tokens, {} tags",
                path.display(),
                n + 1,
                line.tokens.len(),
                tags.len()
            );
        }
        let doc = line
            .id
            .rsplit_once('/')
            .map_or(line.id.as_str(), |(d, _)| d)
            .to_string();
        let first_seen = docs.len();
        docs.entry(doc)
            .or_insert((first_seen, Vec::new()))
            .1
            .push(train::Sentence {
                words: line.tokens,
                tags,
            });
    }
    let mut docs: Vec<(usize, train::Document)> = docs.into_values().collect();
    docs.sort_by_key(|(order, _)| *order);
    Ok(docs.into_iter().map(|(_, d)| d).collect())
}

/// Trains, writes the model to `out`, and scores it on the dev split.
pub fn run(corpus: &Path, epochs: usize, out: &Path) -> Result<()> {
    let docs = read_split(&corpus.join("train.jsonl.gz"))?;
    let started = Instant::now();
    let bytes = train::train(&docs, epochs, |order, epoch, right| {
        eprintln!(
            "order {order}, epoch {epoch}: {:.1} % of sentences right before update",
            right * 100.0
        );
    });
    eprintln!("trained on {} documents in {:.1?}", docs.len(), started.elapsed());
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    let model = Model::parse(&bytes).context("the new model does not parse")?;
    score(&model, &read_split(&corpus.join("dev.jsonl.gz"))?);
    Ok(())
}

/// Exact-span precision, recall and F1 per kind and overall.
fn score(model: &Model, docs: &[train::Document]) {
    let kinds = [Kind::Person, Kind::Organization, Kind::Place];
    let mut counts: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
    let started = Instant::now();
    let mut tokens = 0;
    for doc in docs {
        let words = train::document_words(doc);
        let case = DocCase::new(words.iter().map(Vec::as_slice));
        let mut document_tagger = model.for_document(&case);
        for (sentence, words) in doc.iter().zip(&words) {
            tokens += words.len();
            let gold = tagger::names(&sentence.tags);
            let guess = tagger::names(&document_tagger.tag(words));
            for (k, kind) in kinds.iter().enumerate() {
                let c = counts.entry(k).or_default();
                c.0 += guess.iter().filter(|g| g.kind == *kind && gold.contains(g)).count();
                c.1 += guess.iter().filter(|g| g.kind == *kind).count();
                c.2 += gold.iter().filter(|g| g.kind == *kind).count();
            }
        }
    }
    let rate = tokens as f64 / started.elapsed().as_secs_f64();
    let f1 = |(tp, p, g): (usize, usize, usize)| {
        let (pr, re) = (tp as f64 / p.max(1) as f64, tp as f64 / g.max(1) as f64);
        format!(
            "P {pr:.3} R {re:.3} F1 {:.3}",
            2.0 * pr * re / (pr + re).max(f64::MIN_POSITIVE)
        )
    };
    for (k, kind) in kinds.iter().enumerate() {
        println!("dev {kind:?}: {}", f1(counts[&k]));
    }
    let all = counts
        .values()
        .fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
    println!("dev all names: {} ({tokens} tokens, {rate:.0} tokens/s)", f1(all));
}
