//! Search latency over a synthetic corpus: `cargo bench -p newsdesk-search`.
//!
//! Indexes `NEWSDESK_BENCH_DOCS` (default 100,000) generated articles of
//! about 300 words into an on-disk index, committing in batches as the
//! crawler does, then times a few hundred 1–3 word queries one after
//! another on one thread and prints p50/p95/p99 per kind of search.
//! Everything is seeded, so runs are comparable.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use newsdesk_domain::ArticleId;
use newsdesk_search::{SearchDoc, SearchIndex, SearchQuery, Sort};

const DEFAULT_DOCS: usize = 100_000;
const VOCABULARY: usize = 30_000;
/// Zipf exponent of word frequencies; about 1 in natural language.
const ZIPF_S: f64 = 1.07;
const SOURCES: usize = 20;
const ENTITIES: usize = 2_000;
const QUERIES: usize = 300;
/// Articles per commit, like one busy crawl pass.
const COMMIT_EVERY: usize = 5_000;
/// The most frequent words play the part of stop words, which people leave
/// out of searches.
const STOP_RANKS: usize = 50;

/// SplitMix64: small, fast and good enough to make text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Draws ranks with Zipf-like frequencies from a cumulative table.
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut acc = 0.0;
        let mut cdf: Vec<f64> = (1..=n)
            .map(|k| {
                acc += 1.0 / (k as f64).powf(s);
                acc
            })
            .collect();
        cdf.iter_mut().for_each(|c| *c /= acc);
        Zipf(cdf)
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.0.partition_point(|&c| c < u).min(self.0.len() - 1)
    }
}

/// Distinct pronounceable words, most frequent first.
fn vocabulary(rng: &mut Rng, n: usize) -> Vec<String> {
    const ONSETS: &[&str] = &[
        "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "st", "tr",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou"];
    let mut seen = HashSet::new();
    let mut words = Vec::with_capacity(n);
    while words.len() < n {
        let syllables = 1 + rng.below(3) + usize::from(words.len() > 1000);
        let word: String = (0..syllables)
            .map(|_| format!("{}{}", ONSETS[rng.below(ONSETS.len())], VOWELS[rng.below(VOWELS.len())]))
            .collect();
        if seen.insert(word.clone()) {
            words.push(word);
        }
    }
    words
}

struct Corpus {
    words: Vec<String>,
    zipf: Zipf,
    entities: Vec<String>,
    now: DateTime<Utc>,
}

impl Corpus {
    fn new(rng: &mut Rng) -> Corpus {
        let words = vocabulary(rng, VOCABULARY);
        let capital = |w: &str| w[..1].to_uppercase() + &w[1..];
        let entities = (0..ENTITIES)
            .map(|i| format!("{} {}", capital(&words[5_000 + i]), capital(&words[10_000 + i])))
            .collect();
        Corpus {
            zipf: Zipf::new(words.len(), ZIPF_S),
            words,
            entities,
            now: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
        }
    }

    /// `min` to `min + spread - 1` words.
    fn sentence(&self, rng: &mut Rng, min: usize, spread: usize) -> String {
        let n = min + rng.below(spread);
        let words: Vec<&str> = (0..n).map(|_| self.words[self.zipf.sample(rng)].as_str()).collect();
        words.join(" ")
    }

    fn article(&self, rng: &mut Rng, id: usize) -> SearchDoc {
        let paragraphs: Vec<String> = (0..5).map(|_| self.sentence(rng, 50, 21) + ".").collect();
        let source = rng.below(SOURCES);
        SearchDoc {
            id: ArticleId(id as i64),
            title: self.sentence(rng, 6, 7),
            text: paragraphs.join("\n\n"),
            source_name: format!("Outlet {source}"),
            source_slug: format!("outlet-{source}"),
            entities: (0..rng.below(4))
                .map(|_| self.entities[rng.below(ENTITIES)].clone())
                .collect(),
            published: self.now - chrono::Duration::seconds(rng.below(730 * 86_400) as i64),
            url: format!("https://outlet-{source}.example/{id}"),
            lang: Some("en".into()),
        }
    }

    /// 1–3 content words; one query in ten names an entity.
    fn query(&self, rng: &mut Rng) -> String {
        if rng.below(10) == 0 {
            return self.entities[rng.below(ENTITIES)].clone();
        }
        let words: Vec<&str> = (0..1 + rng.below(3))
            .map(|_| loop {
                let rank = self.zipf.sample(rng);
                if rank >= STOP_RANKS {
                    break self.words[rank].as_str();
                }
            })
            .collect();
        words.join(" ")
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Times every query once (after one untimed warm-up round) and prints a row.
fn measure(index: &SearchIndex, name: &str, queries: &[SearchQuery]) {
    for q in queries {
        index.search(q).unwrap();
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut matched = 0;
    for q in queries {
        let start = Instant::now();
        let res = index.search(q).unwrap();
        times.push(start.elapsed());
        matched += res.total;
    }
    times.sort();
    println!(
        "| {name} | {} | {} | {} | {} | {} | {} |",
        queries.len(),
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap()),
        matched / queries.len()
    );
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn main() {
    let docs: usize = std::env::var("NEWSDESK_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_DOCS);
    let mut rng = Rng(0x6e65_7773_6465_736b);
    let corpus = Corpus::new(&mut rng);
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();

    let start = Instant::now();
    for id in 1..=docs {
        index.index_article(&corpus.article(&mut rng, id)).unwrap();
        if id % COMMIT_EVERY == 0 {
            index.commit().unwrap();
        }
    }
    index.commit().unwrap();
    let took = start.elapsed();
    println!(
        "indexed {docs} articles in {:.1} s ({:.0} articles/s, text generation included); index {} MB on disk",
        took.as_secs_f64(),
        docs as f64 / took.as_secs_f64(),
        dir_size(dir.path()) / 1_000_000
    );

    let texts: Vec<String> = (0..QUERIES).map(|_| corpus.query(&mut rng)).collect();
    let plain: Vec<SearchQuery> = texts.iter().map(SearchQuery::text).collect();
    let newest: Vec<SearchQuery> = plain
        .iter()
        .map(|q| SearchQuery {
            sort: Sort::Newest,
            ..q.clone()
        })
        .collect();
    let filtered: Vec<SearchQuery> = plain
        .iter()
        .map(|q| SearchQuery {
            source: Some(format!("outlet-{}", rng.below(SOURCES))),
            from: Some(corpus.now - chrono::Duration::days(90)),
            ..q.clone()
        })
        .collect();
    let page_two: Vec<SearchQuery> = plain
        .iter()
        .map(|q| SearchQuery {
            offset: 20,
            ..q.clone()
        })
        .collect();

    println!("| search | queries | p50 ms | p95 ms | p99 ms | max ms | mean matches |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    measure(&index, "relevance, 20 hits", &plain);
    measure(&index, "newest first, 20 hits", &newest);
    measure(&index, "relevance, source + last 90 days", &filtered);
    measure(&index, "relevance, page 2", &page_two);
    println!("sample queries: {:?}", &texts[..8]);
}
