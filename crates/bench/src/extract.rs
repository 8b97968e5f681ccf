//! `newsdesk-bench extract`: extraction quality and speed on public corpora.
//!
//! Two corpus layouts are recognised by their files:
//! - the ScrapingHub article-extraction benchmark (`ground-truth.json` =
//!   `{id: {articleBody, url}}`, pages in `html/ID.html.gz`);
//! - Mozilla readability's test pages (`NAME/{source.html, expected.html,
//!   expected-metadata.json}`).
//!
//! Text is scored as that benchmark does: each text becomes a bag of word
//! 4-gram shingles; per page, precision = tp/(tp+fp) and recall =
//! tp/(tp+fn); both are macro-averaged over pages and F1 = 2PR/(P+R).
//! Speed is measured on one thread twice: around the extraction calls alone
//! (every page is read, decompressed and decoded first), and over the whole
//! path from the file's bytes (read, gunzip, decode, extract) as
//! `newsdesk extract` runs it, so a slow step before extraction cannot hide.
//! Peak RSS is the process's high-water mark, the pages held in memory
//! included.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::Value;
use url::Url;

/// Per-page shingle counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageScore {
    /// Share of the predicted shingles that are in the truth.
    pub precision: f64,
    /// Share of the true shingles that were predicted.
    pub recall: f64,
}

/// Word tokens: runs of alphanumeric characters (the benchmark's `\w+`).
fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

fn shingles(text: &str) -> HashMap<Vec<&str>, usize> {
    let words = tokens(text);
    let mut bag = HashMap::new();
    if words.is_empty() {
        return bag;
    }
    // Texts shorter than one shingle count as one shingle of what they have.
    let n = 4.min(words.len());
    for w in words.windows(n) {
        *bag.entry(w.to_vec()).or_insert(0) += 1;
    }
    bag
}

/// Scores `predicted` against `expected`. An empty prediction of an empty
/// truth is perfect; an empty prediction of a real article has precision 0
/// and recall 0.
pub fn score(expected: &str, predicted: &str) -> PageScore {
    let truth = shingles(expected);
    let pred = shingles(predicted);
    let tp: usize = pred
        .iter()
        .map(|(k, n)| (*n).min(truth.get(k).copied().unwrap_or(0)))
        .sum();
    let fp = pred.values().sum::<usize>() - tp;
    let fn_ = truth.values().sum::<usize>() - tp;
    let ratio = |num: usize, den: usize, empty: f64| if den == 0 { empty } else { num as f64 / den as f64 };
    let both_empty = if truth.is_empty() && pred.is_empty() { 1.0 } else { 0.0 };
    PageScore {
        precision: ratio(tp, tp + fp, both_empty),
        recall: ratio(tp, tp + fn_, 1.0),
    }
}

/// Macro-averaged precision, recall and their F1.
pub fn summarise(scores: &[PageScore]) -> (f64, f64, f64) {
    if scores.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let n = scores.len() as f64;
    let p = scores.iter().map(|s| s.precision).sum::<f64>() / n;
    let r = scores.iter().map(|s| s.recall).sum::<f64>() / n;
    let f = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
    (p, r, f)
}

/// Single-thread time over a corpus.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    /// In `extract()` alone, on pages already decoded in memory.
    pub extract: Duration,
    /// From the page files: read, decompress, decode and extract.
    pub from_bytes: Duration,
}

/// One of two fixed halves of a corpus, chosen by a hash of each page's id
/// (or directory name): rules are tuned on one half and confirmed on the
/// other, so a rule that only fits the pages it was tuned on shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Half {
    /// Pages whose id hashes to an even number.
    A,
    /// Pages whose id hashes to an odd number.
    B,
}

impl Half {
    /// Whether the page `id` is in this half (FNV-1a of the id's bytes:
    /// stable across runs, builds and platforms).
    pub fn holds(self, id: &str) -> bool {
        let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        (hash & 1 == 0) == (self == Half::A)
    }
}

/// What `newsdesk-bench extract` is asked to do besides scoring.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Also list this many lowest-scoring pages per corpus.
    pub worst: usize,
    /// Score only this half of each corpus.
    pub half: Option<Half>,
    /// Write each page's extracted text to `DIR/ID.txt` and its scores to `DIR/scores.tsv`.
    pub dump: Option<PathBuf>,
}

/// Runs the benchmark on every corpus directory and prints the results.
pub fn run(corpora: &[PathBuf], options: &Options) -> Result<()> {
    for dir in corpora {
        if dir.join("ground-truth.json").is_file() {
            scrapinghub(dir, options)?;
        } else {
            readability_pages(dir, options)?;
        }
    }
    println!("peak RSS: {:.1} MiB", peak_rss_mib().unwrap_or(f64::NAN));
    Ok(())
}

fn scrapinghub(dir: &Path, options: &Options) -> Result<()> {
    let keep = |id: &str| options.half.is_none_or(|h| h.holds(id));
    let (scores, texts, timing) = score_scrapinghub_where(dir, &keep)?;
    let half = options.half.map_or(String::new(), |h| format!(", half {h:?}"));
    let types = page_types(dir);
    report(
        &format!("scrapinghub ({}{half})", dir.display()),
        &scores,
        timing,
        options.worst,
        &types,
    );
    if !types.is_empty() {
        by_type(&scores, &types);
    }
    if let Some(out) = &options.dump {
        dump(out, &scores, &texts)?;
    }
    Ok(())
}

/// `page-types.json` (`{id: type}`) when the corpus has one.
fn page_types(dir: &Path) -> HashMap<String, String> {
    std::fs::read_to_string(dir.join("page-types.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// P / R / F1 per page type, most pages first.
fn by_type(scores: &[(String, PageScore)], types: &HashMap<String, String>) {
    let mut groups: HashMap<&str, Vec<PageScore>> = HashMap::new();
    for (id, s) in scores {
        groups
            .entry(types.get(id).map_or("unknown", String::as_str))
            .or_default()
            .push(*s);
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    for (kind, pages) in groups {
        let (p, r, f) = summarise(&pages);
        println!("  {kind:<14} {:>4} pages  P {p:.4}  R {r:.4}  F1 {f:.4}", pages.len());
    }
}

/// Each page's text to `out/ID.txt`, and `out/scores.tsv` (id, P, R).
fn dump(out: &Path, scores: &[(String, PageScore)], texts: &[String]) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut table = String::new();
    for ((id, s), text) in scores.iter().zip(texts) {
        std::fs::write(out.join(format!("{id}.txt")), text)?;
        table.push_str(&format!("{id}\t{:.4}\t{:.4}\n", s.precision, s.recall));
    }
    std::fs::write(out.join("scores.tsv"), table)?;
    Ok(())
}

/// Per-page scores on a ScrapingHub-style corpus, and the time it took.
pub fn score_scrapinghub(dir: &Path) -> Result<(Vec<(String, PageScore)>, Timing)> {
    let (scores, _, timing) = score_scrapinghub_where(dir, &|_| true)?;
    Ok((scores, timing))
}

/// Scores, extracted texts and time on the pages of a ScrapingHub-style
/// corpus whose id `keep` accepts.
pub type Scored = (Vec<(String, PageScore)>, Vec<String>, Timing);

/// Scores the pages of a ScrapingHub-style corpus whose id `keep` accepts.
pub fn score_scrapinghub_where(dir: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Scored> {
    let truth_path = dir.join("ground-truth.json");
    let truth: HashMap<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(&truth_path).with_context(|| format!("reading {}", truth_path.display()))?,
    )?;
    let mut ids: Vec<&String> = truth.keys().filter(|id| keep(id)).collect();
    ids.sort();
    // Every page is read and decompressed before the clock starts, so the
    // timed loop is extraction alone (compare-extract.sh does the same for
    // the other extractors).
    let path = |id: &str| dir.join("html").join(format!("{id}.html.gz"));
    let mut pages = Vec::with_capacity(ids.len());
    for id in ids {
        let html = newsdesk_fetch::read_page(&path(id))?;
        let url = truth[id]["url"].as_str().and_then(|u| Url::parse(u).ok());
        pages.push((id, html, url));
    }
    let start = Instant::now();
    let texts: Vec<String> = pages
        .iter()
        .map(|(_, html, url)| newsdesk_extract::extract(html, url.as_ref()).text)
        .collect();
    let extract = start.elapsed();
    // The same pages again from their files (now in the OS cache, as when
    // `newsdesk extract` runs twice).
    let start = Instant::now();
    for (id, _, url) in &pages {
        let html = newsdesk_fetch::read_page(&path(id))?;
        std::hint::black_box(newsdesk_extract::extract(&html, url.as_ref()));
    }
    let timing = Timing {
        extract,
        from_bytes: start.elapsed(),
    };
    let scores = pages
        .iter()
        .zip(&texts)
        .map(|((id, _, _), text)| {
            let expected = truth[*id]["articleBody"].as_str().unwrap_or("");
            ((*id).clone(), score(expected, text))
        })
        .collect();
    Ok((scores, texts, timing))
}

fn readability_pages(dir: &Path, options: &Options) -> Result<()> {
    let run = score_readability(dir)?;
    let scores: Vec<(String, PageScore)> = run
        .scores
        .into_iter()
        .filter(|(name, _)| options.half.is_none_or(|h| h.holds(name)))
        .collect();
    let half = options.half.map_or(String::new(), |h| format!(", half {h:?}"));
    report(
        &format!("readability test pages ({}{half})", dir.display()),
        &scores,
        run.timing,
        options.worst,
        &HashMap::new(),
    );
    let mut keys: Vec<_> = run.fields.into_iter().collect();
    keys.sort();
    for (field, (hit, total)) in keys {
        println!(
            "  {field:<12} {hit:>3}/{total:<3} match ({:.1} %)",
            100.0 * hit as f64 / total.max(1) as f64
        );
    }
    Ok(())
}

/// Text scores, metadata matches (field -> (hits, expected)) and extraction
/// time on Mozilla's readability test pages.
pub struct ReadabilityRun {
    /// Text scores by page directory name.
    pub scores: Vec<(String, PageScore)>,
    /// Metadata field -> (matches, pages with an expected value).
    pub fields: HashMap<&'static str, (usize, usize)>,
    /// Time in `extract()` alone and from the files' bytes.
    pub timing: Timing,
}

/// Scores every page directory under `dir` (each with a `source.html`).
pub fn score_readability(dir: &Path) -> Result<ReadabilityRun> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("source.html").is_file())
        .collect();
    names.sort();
    let base = Url::parse("http://fakehost/test/page.html")?;
    let mut run = ReadabilityRun {
        scores: Vec::new(),
        fields: HashMap::new(),
        timing: Timing::default(),
    };
    for page_dir in &names {
        let name = page_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let start = Instant::now();
        let html = newsdesk_fetch::read_page(&page_dir.join("source.html"))?;
        let read = start.elapsed();
        let start = Instant::now();
        let page = newsdesk_extract::extract(&html, Some(&base));
        let extract = start.elapsed();
        run.timing.extract += extract;
        run.timing.from_bytes += read + extract;
        let expected_html = std::fs::read_to_string(page_dir.join("expected.html")).unwrap_or_default();
        run.scores.push((name, score(&html_text(&expected_html), &page.text)));
        let meta: Value = std::fs::read_to_string(page_dir.join("expected-metadata.json"))
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(Value::Null);
        match_fields(&meta, &page, &mut run.fields);
    }
    Ok(run)
}

/// Counts, per metadata field with an expected value, how often ours matches.
fn match_fields(meta: &Value, page: &newsdesk_domain::Extracted, fields: &mut HashMap<&'static str, (usize, usize)>) {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let checks: [(&'static str, &str, Option<String>); 5] = [
        ("title", "title", page.title.clone()),
        ("byline", "byline", page.byline.clone()),
        ("lang", "lang", page.lang.clone()),
        ("site_name", "siteName", page.site_name.clone()),
        ("excerpt", "excerpt", page.description.clone()),
    ];
    for (field, key, ours) in checks {
        if let Some(want) = meta[key].as_str().filter(|s| !s.trim().is_empty()) {
            let entry = fields.entry(field).or_default();
            entry.1 += 1;
            let want = if field == "lang" {
                want.split('-').next().unwrap_or(want)
            } else {
                want
            };
            if ours.is_some_and(|o| norm(&o) == norm(want)) {
                entry.0 += 1;
            }
        }
    }
    if let Some(want) = meta["publishedTime"].as_str().filter(|s| !s.is_empty()) {
        let entry = fields.entry("published").or_default();
        entry.1 += 1;
        let want = newsdesk_extract::parse_time(want);
        if want.is_some() && page.published == want {
            entry.0 += 1;
        }
    }
}

/// The visible text of an expected-output HTML file: text nodes as they
/// stand, with a line break around every element that is not inline. (Joining
/// all text nodes with spaces split words at inline markup — `<b>kind</b>ness`
/// — and broke CJK text, which has no spaces, at every `<span>`.)
fn html_text(html: &str) -> String {
    const INLINE: &[&str] = &[
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "del", "em", "font", "i", "ins", "kbd", "mark", "q", "s",
        "small", "span", "strong", "sub", "sup", "time", "u", "var",
    ];
    let doc = scraper::Html::parse_fragment(html);
    let mut out = String::new();
    // `None` marks the end of a block element.
    let mut stack = vec![Some(doc.tree.root())];
    while let Some(item) = stack.pop() {
        let Some(node) = item else {
            out.push('\n');
            continue;
        };
        match node.value() {
            scraper::Node::Text(t) => out.push_str(t),
            scraper::Node::Element(e) if !INLINE.contains(&e.name()) => {
                out.push('\n');
                stack.push(None);
            }
            _ => {}
        }
        stack.extend(node.children().rev().map(Some));
    }
    out
}

fn report(title: &str, scores: &[(String, PageScore)], timing: Timing, worst: usize, types: &HashMap<String, String>) {
    let only: Vec<PageScore> = scores.iter().map(|(_, s)| *s).collect();
    let (p, r, f) = summarise(&only);
    println!("{title}: {} pages", scores.len());
    println!("  precision {p:.4}  recall {r:.4}  F1 {f:.4}");
    let rate = |d: Duration| scores.len() as f64 / d.as_secs_f64().max(1e-9);
    println!(
        "  {:.1} pages/s on one thread ({:.3} s extracting)",
        rate(timing.extract),
        timing.extract.as_secs_f64()
    );
    println!(
        "  {:.1} pages/s from bytes ({:.3} s reading, decompressing, decoding and extracting)",
        rate(timing.from_bytes),
        timing.from_bytes.as_secs_f64()
    );
    let mut sorted: Vec<&(String, PageScore)> = scores.iter().collect();
    sorted.sort_by(|a, b| (a.1.precision + a.1.recall).total_cmp(&(b.1.precision + b.1.recall)));
    for (name, s) in sorted.into_iter().take(worst) {
        let kind = types.get(name).map_or("", String::as_str);
        println!("    {name}: P {:.3} R {:.3} {kind}", s.precision, s.recall);
    }
}

/// The process's peak resident set size (VmHWM), on Linux.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readability_run_times_the_path_from_bytes_too() {
        let dir = std::env::temp_dir().join(format!("newsdesk-bench-timing-{}", std::process::id()));
        let page = dir.join("harbour");
        std::fs::create_dir_all(&page).unwrap();
        let prose = "<p>The harbour reopened on Monday after a week of storms, and the ferries sailed.</p>";
        std::fs::write(
            page.join("source.html"),
            format!("<html><body><article>{prose}{prose}</article></body></html>"),
        )
        .unwrap();
        let run = score_readability(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        let run = run.unwrap();
        assert_eq!(run.scores.len(), 1);
        assert!(run.timing.extract > Duration::ZERO);
        // Reading and decoding the file is part of the second figure only.
        assert!(run.timing.from_bytes > run.timing.extract, "{:?}", run.timing);
    }

    #[test]
    fn halves_split_ids_stably_and_roughly_evenly() {
        let ids: Vec<String> = (1..=1000).map(|n| format!("{n:04}")).collect();
        let a = ids.iter().filter(|id| Half::A.holds(id)).count();
        let b = ids.iter().filter(|id| Half::B.holds(id)).count();
        assert_eq!(a + b, ids.len());
        assert!((400..=600).contains(&a), "{a}");
        // Fixed by the hash, not by the order pages are read in.
        assert_eq!(Half::A.holds("0001"), Half::A.holds("0001"));
    }

    #[test]
    fn shingle_scores_count_extra_and_missing_text() {
        let truth = "one two three four five six";
        assert_eq!(
            score(truth, truth),
            PageScore {
                precision: 1.0,
                recall: 1.0
            }
        );
        // 3 true shingles; prediction has the first 2 plus 2 foreign ones.
        let s = score(truth, "one two three four five x y");
        assert_eq!(s.precision, 0.5);
        assert!((s.recall - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(
            score(truth, ""),
            PageScore {
                precision: 0.0,
                recall: 0.0
            }
        );
        assert_eq!(
            score("", ""),
            PageScore {
                precision: 1.0,
                recall: 1.0
            }
        );
    }

    #[test]
    fn expected_html_text_keeps_words_whole_and_blocks_apart() {
        assert_eq!(
            tokens(&html_text(
                "<div><p>Kind<b>ness</b> wins</p><p>營區<span>內</span></p>end<br>line</div>"
            )),
            vec!["Kindness", "wins", "營區內", "end", "line"]
        );
    }

    #[test]
    fn macro_average_and_f1() {
        let pages = [
            PageScore {
                precision: 1.0,
                recall: 0.5,
            },
            PageScore {
                precision: 0.5,
                recall: 1.0,
            },
        ];
        let (p, r, f) = summarise(&pages);
        assert_eq!((p, r), (0.75, 0.75));
        assert!((f - 0.75).abs() < 1e-12);
    }
}
