//! `newsdesk-bench cluster`: quality on the MStream headline sets, speed of
//! the `newsdesk cluster` path on synthetic title+lead input, and memory and
//! assignment latency over a long synthetic stream.
//!
//! The MStream and throughput runs feed the engine as `newsdesk cluster`
//! does (items in input order, the wall clock as `now`, each item's final
//! story after later merges), through [`Stories`] rather than the binary,
//! which this tool must not depend on.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use newsdesk_cluster::{metrics, Clusterer, Config, Item, Revision};
use serde::Deserialize;
use serde_json::{json, Value};

/// What to measure.
pub struct ClusterBench {
    /// Directory holding the MStream `News.jsonl` and `News-T.jsonl`.
    pub corpus: Option<PathBuf>,
    /// Synthetic items for the throughput run.
    pub articles: usize,
    /// Synthetic items for the memory and latency run; none to skip it.
    pub stream: Option<usize>,
    /// File to write every item's assignment to, run by run, so that two
    /// builds' decisions can be compared byte for byte.
    pub dump: Option<PathBuf>,
    /// Also score the MStream sets with title embeddings.
    #[cfg(feature = "semantic")]
    pub semantic: Option<crate::semantic::SemanticBench>,
}

/// Runs what `bench` asks for and prints the results.
pub fn cluster(bench: &ClusterBench) -> Result<()> {
    let dump = bench.dump.as_deref().map(Dump::create).transpose()?;
    let dump = dump.as_ref();
    if let Some(dir) = &bench.corpus {
        for name in ["News.jsonl", "News-T.jsonl"] {
            let path = dir.join(name);
            if path.exists() {
                mstream(&path, "default", Config::default(), dump)?;
                mstream(&path, "live", Config::live(), dump)?;
            } else {
                println!("{}: not found, skipped", path.display());
            }
        }
        #[cfg(feature = "semantic")]
        if let Some(semantic) = &bench.semantic {
            crate::semantic::run(dir, semantic)?;
        }
    }
    let news = bench
        .corpus
        .as_ref()
        .map(|d| d.join("News.jsonl"))
        .filter(|p| p.exists());
    // `newsdesk cluster` runs the live configuration; the default one is
    // timed too, as issue #14's targets name both.
    for (name, config) in [("default", Config::default()), ("live", Config::live())] {
        throughput(bench.articles, name, &config, dump)?;
        if let Some(news) = &news {
            drawn_throughput(news, bench.articles, name, &config, dump)?;
        }
    }
    if let Some(n) = bench.stream {
        stream(n);
    }
    Ok(())
}

/// The file `--dump` names: each run's heading, then each item's assignment.
pub(crate) struct Dump(PathBuf);

impl Dump {
    fn create(path: &Path) -> Result<Dump> {
        File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Dump(path.to_path_buf()))
    }

    /// A writer appending one run, headed `run`.
    fn run(&self, run: &str) -> Result<BufWriter<File>> {
        let mut w = BufWriter::new(File::options().append(true).open(&self.0)?);
        writeln!(w, "# {run}")?;
        Ok(w)
    }
}

/// Each item's story as `newsdesk cluster` prints it: the story it joined,
/// followed through later merges and revisions, named by the key of its
/// founder.
#[derive(Default)]
pub(crate) struct Stories {
    /// Each item's current story, by key.
    story: Vec<u64>,
    /// The keys in each story.
    items: HashMap<u64, Vec<u64>>,
    /// Where each assignment is written in full (`Debug` prints scores exactly).
    dump: Option<BufWriter<File>>,
}

impl Stories {
    /// Stories that also write each assignment to the dump, if any, under the heading `run`.
    fn dumping(dump: Option<&Dump>, run: &str) -> Result<Stories> {
        Ok(Stories {
            dump: dump.map(|d| d.run(run)).transpose()?,
            ..Stories::default()
        })
    }

    /// Assigns an item; keys must be small (they index a vector).
    pub(crate) fn assign(&mut self, engine: &mut Clusterer, item: &Item<'_>, now_ms: i64) {
        let a = engine.assign(item, now_ms);
        if let Some(w) = &mut self.dump {
            // A failed dump write shows as a short file; scoring goes on.
            let _ = writeln!(w, "{} {a:?}", item.key);
        }
        let key = item.key as usize;
        if self.story.len() <= key {
            self.story.resize(key + 1, u64::MAX);
        }
        self.story[key] = a.story;
        self.items.entry(a.story).or_default().push(item.key);
        for &gone in &a.merged {
            self.relabel(gone, a.story);
        }
        for r in &a.revisions {
            match *r {
                Revision::Move { key, from, to } => self.shift(key, from, to),
                Revision::Dissolve { story, into } => self.relabel(story, into),
                Revision::Split { from, story, ref keys } => {
                    for &key in keys {
                        self.shift(key, from, story);
                    }
                }
            }
        }
    }

    fn shift(&mut self, key: u64, from: u64, to: u64) {
        if let Some(list) = self.items.get_mut(&from) {
            list.retain(|&k| k != key);
        }
        self.items.entry(to).or_default().push(key);
        self.story[key as usize] = to;
    }

    fn relabel(&mut self, gone: u64, into: u64) {
        let moved = self.items.remove(&gone).unwrap_or_default();
        for &k in &moved {
            self.story[k as usize] = into;
        }
        self.items.entry(into).or_default().extend(moved);
    }

    /// The final story of every item, by key.
    pub(crate) fn resolve(&self) -> Vec<u64> {
        self.story.clone()
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// An MStream file's titles and gold clusters, in file order.
pub(crate) fn read_mstream(path: &Path) -> Result<(Vec<String>, Vec<i64>)> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let (mut titles, mut gold) = (Vec::new(), Vec::new());
    for line in BufReader::new(file).lines() {
        let v: Value = serde_json::from_str(&line?)?;
        titles.push(v["textCleaned"].as_str().context("textCleaned")?.to_string());
        gold.push(v["clusterNo"].as_i64().context("clusterNo")?);
    }
    Ok((titles, gold))
}

/// NMI and B-cubed on one MStream file (titles only, no times) with the
/// configuration named `name`.
fn mstream(path: &Path, name: &str, config: Config, dump: Option<&Dump>) -> Result<()> {
    let (titles, gold) = read_mstream(path)?;
    let mut engine = Clusterer::new(config);
    let file = path.file_name().unwrap_or_default().to_string_lossy();
    let mut stories = Stories::dumping(dump, &format!("{file} {name}"))?;
    let (now, started) = (now_ms(), Instant::now());
    for (key, title) in titles.iter().enumerate() {
        let item = Item {
            key: key as u64,
            title,
            ..Item::default()
        };
        stories.assign(&mut engine, &item, now);
    }
    let predicted = stories.resolve();
    let secs = started.elapsed().as_secs_f64();
    let b = metrics::bcubed(&gold, &predicted);
    println!(
        "{file}, {name} configuration: {} items, {} stories: NMI {:.3}, B-cubed P {:.3} R {:.3} F1 {:.3} ({:.0} items/s)",
        titles.len(),
        predicted.iter().collect::<HashSet<_>>().len(),
        metrics::nmi(&gold, &predicted),
        b.precision,
        b.recall,
        b.f1,
        titles.len() as f64 / secs
    );
    Ok(())
}

/// One synthetic JSONL line, as `newsdesk cluster` reads it.
#[derive(Deserialize)]
struct Line {
    id: String,
    title: String,
    text: String,
    source: String,
    published: i64,
}

/// Items per second of the whole `newsdesk cluster` path (JSONL in,
/// `{"id","story"}` lines out) on synthetic title+lead input, single-threaded.
fn throughput(n: usize, name: &str, config: &Config, dump: Option<&Dump>) -> Result<()> {
    let stories = Stories::dumping(dump, &format!("synthetic {name}"))?;
    let (timing, predicted, gold) = time_jsonl(config, stories, |w| {
        Synth::new()
            .take(n)
            .map(|a| a.write(w).map(|_| a.story))
            .collect::<Result<Vec<_>>>()
    })?;
    let b = metrics::bcubed(&gold, &predicted);
    println!(
        "newsdesk cluster path, {name} configuration, {n} synthetic title+lead items: {}; {} stories (synthetic B-cubed F1 {:.3})",
        timing.describe(n),
        predicted.iter().collect::<HashSet<_>>().len(),
        b.f1
    );
    Ok(())
}

/// Items per second of the same path on issue #14's harder workload: `n`
/// titles drawn with replacement from MStream's `News.jsonl`, each with a
/// 30-word lead of words drawn uniformly from the titles' distinct words,
/// 0.9 s apart, from 50 sources. Leads share words across stories far more
/// than the synthetic stream's, so candidates are many and scoring is dear.
fn drawn_throughput(path: &Path, n: usize, name: &str, config: &Config, dump: Option<&Dump>) -> Result<()> {
    let (titles, clusters) = read_mstream(path)?;
    let vocabulary: Vec<&str> = titles
        .iter()
        .flat_map(|t| t.split_whitespace())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if titles.is_empty() || vocabulary.is_empty() {
        return Ok(());
    }
    let stories = Stories::dumping(dump, &format!("drawn {name}"))?;
    let (timing, predicted, gold) = time_jsonl(config, stories, |w| {
        let mut rng = Synth::new();
        let mut gold = Vec::with_capacity(n);
        for i in 0..n {
            let drawn = rng.below(titles.len() as u64) as usize;
            let title = &titles[drawn];
            gold.push(clusters[drawn]);
            let lead: Vec<&str> = (0..30)
                .map(|_| vocabulary[rng.below(vocabulary.len() as u64) as usize])
                .collect();
            let line = json!({"id": i.to_string(), "title": title, "text": lead.join(" "),
                "published": START_MS + 900 * i as i64, "source": format!("Source {}", rng.below(50))});
            writeln!(w, "{line}")?;
        }
        Ok(gold)
    })?;
    println!(
        "newsdesk cluster path, {name} configuration, {n} MStream titles drawn with 30-word random leads: {}; {} stories (with the titles' MStream clusters: NMI {:.3}, B-cubed F1 {:.3})",
        timing.describe(n),
        predicted.iter().collect::<HashSet<_>>().len(),
        metrics::nmi(&gold, &predicted),
        metrics::bcubed(&gold, &predicted).f1,
    );
    Ok(())
}

/// Wall and CPU time of a run. On a loaded machine wall time says little;
/// the thread's own CPU time is what compares runs.
struct Timing {
    wall: f64,
    cpu: Option<f64>,
}

impl Timing {
    fn describe(&self, n: usize) -> String {
        let per_sec = |secs: f64| n as f64 / secs;
        let wall = format!("{:.2} s, {:.0} items/s", self.wall, per_sec(self.wall));
        match self.cpu {
            Some(cpu) => format!("{wall}; {cpu:.2} CPU-s, {:.0} items per CPU-s", per_sec(cpu)),
            None => wall,
        }
    }
}

/// Seconds this thread has run on a CPU, from /proc (Linux); `None` elsewhere.
fn thread_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

/// Writes JSONL with `write` to a temporary file, then times reading it
/// through the `newsdesk cluster` path with `config` into `stories`;
/// returns the timing, the stories and what `write` returned.
fn time_jsonl<T>(
    config: &Config,
    stories: Stories,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T>,
) -> Result<(Timing, Vec<u64>, T)> {
    let path = std::env::temp_dir().join(format!("newsdesk-bench-{}.jsonl", std::process::id()));
    let written = {
        let mut w = BufWriter::new(File::create(&path)?);
        let written = write(&mut w)?;
        w.flush()?;
        written
    };
    let mut out = Vec::new();
    let (started, cpu) = (Instant::now(), thread_cpu_secs());
    let run = cluster_jsonl(BufReader::new(File::open(&path)?), config, stories, &mut out);
    let timing = Timing {
        wall: started.elapsed().as_secs_f64(),
        cpu: cpu.zip(thread_cpu_secs()).map(|(a, b)| b - a),
    };
    std::fs::remove_file(&path)?;
    Ok((timing, run?, written))
}

/// Reads synthetic JSONL, assigns every item with `config` (`newsdesk
/// cluster` runs the live one) into `stories` and prints its
/// `{"id","story"}` line to `out`; returns the final stories.
fn cluster_jsonl(input: impl BufRead, config: &Config, mut stories: Stories, out: &mut impl Write) -> Result<Vec<u64>> {
    let mut engine = Clusterer::new(config.clone());
    let mut ids = Vec::new();
    let now = now_ms();
    for line in input.lines() {
        let line: Line = serde_json::from_str(&line?)?;
        let item = Item {
            key: ids.len() as u64,
            title: &line.title,
            text: &line.text,
            source: Some(&line.source),
            byline: None,
            published_ms: Some(line.published),
            embedding: None,
        };
        stories.assign(&mut engine, &item, now);
        ids.push(line.id);
    }
    let predicted = stories.resolve();
    for (id, &story) in ids.iter().zip(&predicted) {
        writeln!(out, "{}", json!({"id": id, "story": ids[story as usize]}))?;
    }
    Ok(predicted)
}

/// Memory and per-article assignment latency of the engine over a long
/// stream (as in the live pipeline, which keeps no per-item output state).
fn stream(n: usize) {
    let mut engine = Clusterer::new(Config::live());
    let mut latencies = Vec::with_capacity(n);
    let checkpoints = [n / 4, n / 2, 3 * n / 4, n];
    for (i, a) in Synth::new().take(n).enumerate() {
        let item = Item {
            key: i as u64,
            title: &a.title,
            text: &a.text,
            source: Some(&a.source),
            byline: None,
            published_ms: Some(a.published_ms),
            embedding: None,
        };
        let started = Instant::now();
        engine.assign(&item, a.published_ms);
        latencies.push(started.elapsed().as_nanos() as u64);
        if checkpoints.contains(&(i + 1)) {
            let (stories, live) = engine.live();
            println!(
                "after {:>8} items: RSS {} MiB, {live} live articles in {stories} stories",
                i + 1,
                rss_mib().map_or("?".into(), |m| m.to_string())
            );
        }
    }
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)] as f64 / 1e3;
    println!(
        "assignment latency over {n} items: p50 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, max {:.1} µs",
        at(0.5),
        at(0.99),
        at(0.999),
        at(1.0)
    );
}

/// Resident set size from /proc (Linux); `None` elsewhere.
fn rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// One synthetic article.
struct Synthetic {
    id: u64,
    story: u64,
    title: String,
    text: String,
    source: String,
    published_ms: i64,
}

impl Synthetic {
    fn write(&self, w: &mut impl Write) -> Result<()> {
        let line = json!({"id": self.id.to_string(), "title": self.title, "text": self.text,
            "published": self.published_ms, "source": self.source});
        writeln!(w, "{line}")?;
        Ok(())
    }
}

/// A deterministic stream shaped like aggregator data: stories of 2 to 10
/// articles from different outlets within a day, headlines sharing a few
/// story-specific names among common words, 20,000 articles a day.
struct Synth {
    rng: u64,
    next_id: u64,
    next_story: u64,
    /// Open stories: (id, keywords, articles left, start time).
    open: Vec<(u64, Vec<String>, u32, i64)>,
    clock_ms: i64,
}

/// Common words: a Zipf-like pick from this many.
const COMMON_WORDS: u64 = 20_000;
const OUTLETS: u64 = 300;
const START_MS: i64 = 1_700_000_000_000;
/// 86,400,000 ms a day over 20,000 articles.
const STEP_MS: i64 = 4_320;

impl Synth {
    fn new() -> Synth {
        Synth {
            rng: 0x2545_f491_4f6c_dd1d,
            next_id: 0,
            next_story: 0,
            open: Vec::new(),
            clock_ms: START_MS,
        }
    }

    fn next_u64(&mut self) -> u64 {
        // xorshift64*: fixed seed, so every run benchmarks the same input.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn word(rank: u64) -> String {
        const SYLLABLES: [&str; 16] = [
            "ka", "lo", "mer", "dan", "ti", "vos", "ru", "pel", "sha", "no", "bri", "tek", "ul", "gor", "fa", "zen",
        ];
        let mut w = String::new();
        let mut r = rank + 16;
        while r > 0 {
            w.push_str(SYLLABLES[(r % 16) as usize]);
            r /= 16;
        }
        w
    }

    fn common(&mut self) -> String {
        // Squaring a uniform draw skews toward low ranks: a few words are everywhere.
        let u = self.below(1 << 20) as f64 / (1u64 << 20) as f64;
        let rank = (u * u * COMMON_WORDS as f64) as u64;
        Self::word(rank)
    }

    fn words(&mut self, keywords: &[String], from_story: usize, common: usize) -> String {
        let mut words: Vec<String> = (0..from_story)
            .map(|_| keywords[self.below(keywords.len() as u64) as usize].clone())
            .collect();
        words.extend((0..common).map(|_| self.common()));
        // Shuffle so story words are not always first.
        for i in (1..words.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            words.swap(i, j);
        }
        words.join(" ")
    }
}

impl Iterator for Synth {
    type Item = Synthetic;

    fn next(&mut self) -> Option<Synthetic> {
        self.clock_ms += STEP_MS;
        if self.open.len() < 2_000 || self.below(4) == 0 {
            let keywords: Vec<String> = (0..6)
                .map(|_| {
                    let rank = COMMON_WORDS + self.next_story * 8 + self.below(8);
                    Self::word(rank)
                })
                .collect();
            let size = 2 + self.below(9) as u32;
            self.open.push((self.next_story, keywords, size, self.clock_ms));
            self.next_story += 1;
        }
        let pick = self.below(self.open.len() as u64) as usize;
        let (story, keywords, _, _) = self.open[pick].clone();
        self.open[pick].2 -= 1;
        if self.open[pick].2 == 0 {
            self.open.swap_remove(pick);
        }
        let title = self.words(&keywords, 3, 5);
        let text = self.words(&keywords, 5, 20);
        self.next_id += 1;
        Some(Synthetic {
            id: self.next_id,
            story,
            title,
            text,
            source: format!("Outlet {}", self.below(OUTLETS)),
            published_ms: self.clock_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_path_names_each_story_by_its_founder_and_finds_the_synthetic_stories() {
        let mut input = Vec::new();
        let gold = Synth::new()
            .take(2_000)
            .map(|a| a.write(&mut input).map(|_| a.story))
            .collect::<Result<Vec<_>>>()
            .unwrap();
        let mut out = Vec::new();
        let stories = cluster_jsonl(&input[..], &Config::live(), Stories::default(), &mut out).unwrap();
        let lines: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
            .collect();
        assert_eq!(lines.len(), 2_000);
        for (i, (line, &story)) in lines.iter().zip(&stories).enumerate() {
            // Ids are 1-based positions; a story is named by one of the items' keys.
            assert_eq!(line["id"], (i + 1).to_string());
            assert_eq!(line["story"], (story + 1).to_string());
            assert!((story as usize) < lines.len(), "story {story} names no item");
        }
        assert!(metrics::bcubed(&gold, &stories).f1 > 0.9);
    }
}
