//! `newsdesk-bench orders`: whether the stories depend on the order the
//! articles arrive in.
//!
//! A crawler never sees articles in a fixed order, so the same articles must
//! give the same stories whatever their arrival order. Two measures:
//!
//! - **Newswire orders.** The newswire's 48 articles (8 events, 6 outlets)
//!   are fed to the engine with the live pipeline's configuration
//!   ([`Config::live`]: title, lead, publisher, byline, published time) in
//!   seeded random orders (seeds 1..=N, so every run sees the same orders).
//!   An order *merges* when some final story (after merges) holds articles
//!   of two events, and *splits* when some event ends in two stories.
//! - **Jittered arrival** (`--corpus`): MStream's titles, given published
//!   times in file order (the 16 parts of News-T one day each), arrive in
//!   the order of their time plus a seeded offset of up to ±2 hours;
//!   `published` is unchanged. The spread of B-cubed F1 over the jittered
//!   orders, beside timestamp order, is the instability a crawler would see.
//!   With `--semantic`, the titles are also embedded (each distinct title
//!   once) and scored with embeddings, in the default configuration at
//!   weight 0.2 and in the live one.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
#[cfg(feature = "semantic")]
use newsdesk_cluster::semantic::Embedder;
use newsdesk_cluster::{metrics, Clusterer, Config, Item};
use newsdesk_newswire::{ArticleInfo, Newswire};

use crate::cluster::{read_mstream, Stories};

/// The wall clock of every run: times are fixed so runs are reproducible.
const NOW_MS: i64 = 1_790_000_000_000;
const HOUR_MS: i64 = 3_600_000;
/// Arrival jitter: each item arrives up to this far before or after its time.
const JITTER_MS: i64 = 2 * HOUR_MS;
/// Jittered orders scored per set.
const JITTERED: u64 = 5;

/// What to measure.
pub struct OrdersBench {
    /// Seeded random orders of the newswire articles.
    pub orders: u64,
    /// Directory holding the MStream `News.jsonl` and `News-T.jsonl`, for the jitter run.
    pub corpus: Option<PathBuf>,
    /// Print every order that merged or split, with the stories it made.
    pub verbose: bool,
    /// all-MiniLM-L6-v2 model directory: embed the newswire titles, as the
    /// live pipeline does when it has the model (and, with `corpus`,
    /// MStream's titles for a jitter run with embeddings).
    #[cfg(feature = "semantic")]
    pub semantic: Option<PathBuf>,
}

/// Runs the measures `bench` asks for and prints them.
pub fn run(bench: &OrdersBench) -> Result<()> {
    let articles = newswire_articles()?;
    #[cfg(feature = "semantic")]
    let embedder = bench.semantic.as_deref().map(Embedder::load).transpose()?;
    #[cfg(feature = "semantic")]
    let embeddings = embedder.as_ref().map(|e| embed_titles(e, &articles)).transpose()?;
    #[cfg(not(feature = "semantic"))]
    let embeddings: Option<Vec<Vec<f32>>> = None;
    let wire = Wire::new(&articles, embeddings.as_deref());
    wire.random_orders(bench.orders, bench.verbose);
    wire.jittered();
    if let Some(dir) = &bench.corpus {
        for name in ["News.jsonl", "News-T.jsonl"] {
            let path = dir.join(name);
            if !path.exists() {
                continue;
            }
            let (titles, gold) = read_mstream(&path)?;
            mstream_jittered(&path, &titles, &gold, "default configuration", Config::default(), None);
            #[cfg(feature = "semantic")]
            if let Some(embedder) = &embedder {
                let vectors = embed_mstream(embedder, &titles)?;
                let configs = [
                    (
                        "default configuration, title embeddings at 0.2",
                        Config {
                            semantic_weight: 0.2,
                            ..Config::default()
                        },
                    ),
                    ("live configuration, title embeddings", Config::live()),
                ];
                for (what, config) in configs {
                    mstream_jittered(&path, &titles, &gold, what, config, Some(&vectors));
                }
            }
        }
    }
    Ok(())
}

/// MStream's titles embedded, each distinct title once.
#[cfg(feature = "semantic")]
fn embed_mstream(embedder: &Embedder, titles: &[String]) -> Result<Vec<Vec<f32>>> {
    let mut cache = HashMap::new();
    crate::semantic::embed_missing(embedder, titles, &mut cache)?;
    Ok(titles.iter().map(|t| cache[t].clone()).collect())
}

/// The newswire's articles, read from a newswire started on loopback just
/// long enough to list them.
fn newswire_articles() -> Result<Vec<ArticleInfo>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting a runtime for the newswire")?;
    runtime.block_on(async {
        let wire = Newswire::start().await.context("starting the newswire")?;
        let articles = wire.articles();
        wire.shutdown().await;
        Ok(articles)
    })
}

#[cfg(feature = "semantic")]
fn embed_titles(embedder: &Embedder, articles: &[ArticleInfo]) -> Result<Vec<Vec<f32>>> {
    let titles: Vec<&str> = articles.iter().map(|a| a.headline.as_str()).collect();
    Ok(embedder.embed(&titles)?)
}

/// The newswire articles as the live pipeline hands them to the engine.
struct Wire<'a> {
    articles: &'a [ArticleInfo],
    texts: Vec<String>,
    embeddings: Option<&'a [Vec<f32>]>,
    /// Each article's event, as a dense index.
    gold: Vec<usize>,
}

impl<'a> Wire<'a> {
    fn new(articles: &'a [ArticleInfo], embeddings: Option<&'a [Vec<f32>]>) -> Wire<'a> {
        let mut events: Vec<&str> = Vec::new();
        let gold = articles
            .iter()
            .map(|a| match events.iter().position(|e| *e == a.event) {
                Some(i) => i,
                None => {
                    events.push(&a.event);
                    events.len() - 1
                }
            })
            .collect();
        Wire {
            articles,
            texts: articles.iter().map(|a| a.paragraphs.join("\n\n")).collect(),
            embeddings,
            gold,
        }
    }

    fn published_ms(&self, i: usize) -> i64 {
        NOW_MS - self.articles[i].age.as_millis() as i64
    }

    /// Each article's final story (indexed like `articles`) when they arrive in `order`.
    fn stories(&self, order: &[usize]) -> Vec<u64> {
        let mut engine = Clusterer::new(Config::live());
        let mut stories = Stories::default();
        for &i in order {
            let a = &self.articles[i];
            let item = Item {
                key: i as u64,
                title: &a.headline,
                text: &self.texts[i],
                source: Some(&a.outlet),
                byline: Some(&a.author),
                published_ms: Some(self.published_ms(i)),
                embedding: self.embeddings.map(|e| e[i].as_slice()),
            };
            stories.assign(&mut engine, &item, NOW_MS);
        }
        stories.resolve()
    }

    /// Events that share a story, and events spread over several stories.
    fn faults(&self, stories: &[u64]) -> Faults {
        let mut events_of: HashMap<u64, HashSet<usize>> = HashMap::new();
        let mut stories_of: HashMap<usize, HashSet<u64>> = HashMap::new();
        for (&event, &story) in self.gold.iter().zip(stories) {
            events_of.entry(story).or_default().insert(event);
            stories_of.entry(event).or_default().insert(story);
        }
        Faults {
            merged: events_of.values().filter(|e| e.len() > 1).count(),
            split: stories_of.values().filter(|s| s.len() > 1).count(),
        }
    }

    /// Prints the share of `n` seeded random orders that merge two events
    /// and that split one, with B-cubed F1 over the orders.
    fn random_orders(&self, n: u64, verbose: bool) {
        let (mut merging, mut splitting) = (0, 0);
        let mut f1 = Vec::new();
        let mut merged_pairs: HashMap<(usize, usize), usize> = HashMap::new();
        let mut split_events: HashMap<usize, usize> = HashMap::new();
        for seed in 1..=n {
            let mut order: Vec<usize> = (0..self.articles.len()).collect();
            Rng::new(seed).shuffle(&mut order);
            let stories = self.stories(&order);
            let faults = self.faults(&stories);
            merging += usize::from(faults.merged > 0);
            splitting += usize::from(faults.split > 0);
            f1.push(metrics::bcubed(&self.gold, &stories).f1);
            self.tally(&stories, &mut merged_pairs, &mut split_events);
            if verbose && (faults.merged > 0 || faults.split > 0) {
                println!("seed {seed}: {}", self.describe(&stories));
            }
        }
        let pct = |k: usize| 100.0 * k as f64 / n.max(1) as f64;
        println!(
            "newswire, {} articles, {n} seeded orders, live configuration{}: {:.1} % merge two events ({merging}), \
             {:.1} % split an event ({splitting}); B-cubed F1 mean {:.4}, min {:.4}",
            self.articles.len(),
            if self.embeddings.is_some() {
                " with title embeddings"
            } else {
                ", words only"
            },
            pct(merging),
            pct(splitting),
            f1.iter().sum::<f64>() / f1.len().max(1) as f64,
            f1.iter().copied().fold(1.0, f64::min),
        );
        let name = |e: usize| &self.articles[self.gold.iter().position(|&g| g == e).unwrap_or(0)].event;
        let mut pairs: Vec<_> = merged_pairs.into_iter().collect();
        pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for ((a, b), k) in pairs.iter().take(5) {
            println!("  merged {} + {} in {k} orders", name(*a), name(*b));
        }
        let mut splits: Vec<_> = split_events.into_iter().collect();
        splits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (e, k) in splits.iter().take(5) {
            println!("  split {} in {k} orders", name(*e));
        }
    }

    /// Counts, per pair of events, the orders that put them in one story,
    /// and per event the orders that split it.
    fn tally(&self, stories: &[u64], merged: &mut HashMap<(usize, usize), usize>, split: &mut HashMap<usize, usize>) {
        let mut events_of: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut stories_of: HashMap<usize, HashSet<u64>> = HashMap::new();
        for (&event, &story) in self.gold.iter().zip(stories) {
            let events = events_of.entry(story).or_default();
            if !events.contains(&event) {
                events.push(event);
            }
            stories_of.entry(event).or_default().insert(story);
        }
        let mut pairs = HashSet::new();
        for events in events_of.values_mut() {
            events.sort_unstable();
            for (i, &a) in events.iter().enumerate() {
                pairs.extend(events[i + 1..].iter().map(|&b| (a, b)));
            }
        }
        pairs.into_iter().for_each(|p| *merged.entry(p).or_default() += 1);
        for (e, s) in stories_of {
            if s.len() > 1 {
                *split.entry(e).or_default() += 1;
            }
        }
    }

    /// The stories of one order as lists of `event:outlet` members.
    fn describe(&self, stories: &[u64]) -> String {
        let mut by_story: HashMap<u64, Vec<String>> = HashMap::new();
        for (i, &s) in stories.iter().enumerate() {
            let a = &self.articles[i];
            by_story
                .entry(s)
                .or_default()
                .push(format!("{}:{}", a.event, a.outlet_key));
        }
        let mut groups: Vec<Vec<String>> = by_story.into_values().collect();
        groups.iter_mut().for_each(|g| g.sort());
        groups.sort();
        groups
            .iter()
            .map(|g| format!("[{}]", g.join(" ")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// B-cubed F1 in timestamp order and in jittered arrival orders.
    fn jittered(&self) {
        let times: Vec<i64> = (0..self.articles.len()).map(|i| self.published_ms(i)).collect();
        let f1 = |order: &[usize]| metrics::bcubed(&self.gold, &self.stories(order)).f1;
        report("newswire", &times, f1);
    }
}

#[derive(Debug, Clone, Copy)]
struct Faults {
    merged: usize,
    split: usize,
}

/// Prints B-cubed F1 in timestamp order and over the jittered orders.
fn report(name: &str, times: &[i64], f1: impl Fn(&[usize]) -> f64) {
    let ordered = f1(&arrival_order(times, None));
    let jittered: Vec<f64> = (1..=JITTERED)
        .map(|seed| f1(&arrival_order(times, Some(seed))))
        .collect();
    let (lo, hi) = jittered
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &f| (lo.min(f), hi.max(f)));
    println!(
        "{name}: B-cubed F1 in timestamp order {ordered:.4}; arrival jittered ±2 h, {JITTERED} orders: {} \
         (spread {:.4})",
        jittered.iter().map(|f| format!("{f:.4}")).collect::<Vec<_>>().join(" "),
        hi - lo
    );
}

/// Items in order of arrival: their time, plus with a seed an offset drawn
/// uniformly within ±[`JITTER_MS`]; ties keep input order.
fn arrival_order(times: &[i64], seed: Option<u64>) -> Vec<usize> {
    let mut rng = seed.map(Rng::new);
    let mut arrival: Vec<(i64, usize)> = times
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let offset = rng
                .as_mut()
                .map_or(0, |r| r.below(2 * JITTER_MS as u64 + 1) as i64 - JITTER_MS);
            (t + offset, i)
        })
        .collect();
    arrival.sort_unstable();
    arrival.into_iter().map(|(_, i)| i).collect()
}

/// B-cubed F1 of an MStream file with published times in file order, in
/// timestamp order and jittered. Titles only (with their embeddings when
/// given), as `bench cluster` scores MStream.
fn mstream_jittered(
    path: &Path,
    titles: &[String],
    gold: &[i64],
    what: &str,
    config: Config,
    embeddings: Option<&[Vec<f32>]>,
) {
    // News-T's 16 parts one day each: a part's topics fall inside the window.
    let step = 16 * 24 * HOUR_MS / titles.len().max(1) as i64;
    let times: Vec<i64> = (0..titles.len()).map(|i| NOW_MS + i as i64 * step).collect();
    let f1 = |order: &[usize]| {
        let mut engine = Clusterer::new(config.clone());
        let mut stories = Stories::default();
        for &i in order {
            let item = Item {
                key: i as u64,
                title: &titles[i],
                published_ms: Some(times[i]),
                embedding: embeddings.map(|e| e[i].as_slice()),
                ..Item::default()
            };
            stories.assign(&mut engine, &item, times[i] + JITTER_MS);
        }
        metrics::bcubed(gold, &stories.resolve()).f1
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    report(
        &format!("{name} with times {} s apart, {what}", step / 1000),
        &times,
        f1,
    );
}

/// xorshift64* from a seed mixed by splitmix64: fixed, so seed N is the
/// same order on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Fisher–Yates.
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_shuffles_are_fixed_permutations() {
        let shuffled = |seed| {
            let mut v: Vec<usize> = (0..48).collect();
            Rng::new(seed).shuffle(&mut v);
            v
        };
        assert_eq!(shuffled(7), shuffled(7));
        assert_ne!(shuffled(7), shuffled(8));
        let mut sorted = shuffled(7);
        sorted.sort_unstable();
        assert_eq!(sorted, (0..48).collect::<Vec<_>>());
    }

    /// Seeds 1..=400 whose orders merge two events, and whose orders split one.
    fn faulty_orders(wire: &Wire) -> (Vec<String>, Vec<String>) {
        let (mut merging, mut splitting) = (Vec::new(), Vec::new());
        for seed in 1..=400 {
            let mut order: Vec<usize> = (0..wire.articles.len()).collect();
            Rng::new(seed).shuffle(&mut order);
            let stories = wire.stories(&order);
            let faults = wire.faults(&stories);
            let seen = || format!("seed {seed}: {}", wire.describe(&stories));
            if faults.merged > 0 {
                merging.push(seen());
            }
            if faults.split > 0 {
                splitting.push(seen());
            }
        }
        (merging, splitting)
    }

    #[test]
    fn newswire_events_stay_whole_and_apart_in_all_400_orders() {
        let articles = newswire_articles().unwrap();
        let (merging, splitting) = faulty_orders(&Wire::new(&articles, None));
        assert!(merging.is_empty(), "{merging:#?}");
        assert!(splitting.is_empty(), "{splitting:#?}");
    }

    /// With the live pipeline's title embeddings (the model named by
    /// `NEWSDESK_MINILM_DIR`): no order merges two events and at most 2 %
    /// (8 of 400) leave one split. The 48 titles are embedded once.
    #[cfg(feature = "semantic")]
    #[test]
    fn newswire_orders_with_title_embeddings_merge_no_events() {
        let Some(dir) = std::env::var_os("NEWSDESK_MINILM_DIR").map(PathBuf::from) else {
            eprintln!("NEWSDESK_MINILM_DIR unset: newswire orders with title embeddings skipped");
            return;
        };
        let articles = newswire_articles().unwrap();
        let embedder = Embedder::load(&dir).unwrap();
        let embeddings = embed_titles(&embedder, &articles).unwrap();
        let (merging, splitting) = faulty_orders(&Wire::new(&articles, Some(&embeddings)));
        assert!(merging.is_empty(), "{merging:#?}");
        assert!(
            splitting.len() <= 8,
            "{} orders split an event: {splitting:#?}",
            splitting.len()
        );
    }

    #[test]
    fn jitter_moves_items_at_most_two_hours_each_way() {
        let times: Vec<i64> = (0..100).map(|i| i * HOUR_MS).collect();
        assert_eq!(arrival_order(&times, None), (0..100).collect::<Vec<_>>());
        let order = arrival_order(&times, Some(3));
        assert_ne!(order, (0..100).collect::<Vec<_>>());
        // Arrivals 4 h apart can never swap.
        for (pos, &i) in order.iter().enumerate() {
            assert!(order[pos..].iter().all(|&j| j + 4 > i), "{order:?}");
        }
    }
}
