//! `newsdesk-bench quotes`: direct quotes scored on PolNeAR.
//!
//! Gold quotes are the attributions whose content starts with a quote mark
//! (one annotator per article: the lexicographically first). A predicted
//! quote matches a gold one when it covers at least half of one of its
//! content spans. Precision counts predictions that match some gold quote;
//! recall counts gold quotes matched by some prediction. Speaker accuracy is
//! over matched pairs whose gold source contains a capitalised name (not a
//! pronoun; an appositive after a comma is not part of the name): the
//! speaker is right when the name words of one contain those
//! of the other ("Trump" and "Donald Trump"; not "Bill Clinton" and
//! "Hillary Clinton"). A lenient precision, which also accepts a prediction
//! lying mostly inside a gold quote (one paragraph of a long quote), is
//! printed beside the strict one.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Deserialize)]
struct Record {
    filename: String,
    annotator: String,
    text: String,
    attributions: Vec<Attribution>,
}

#[derive(Deserialize)]
struct Attribution {
    source: Vec<Piece>,
    content: Vec<Piece>,
}

#[derive(Deserialize, Clone)]
struct Piece {
    start: usize,
    end: usize,
    text: String,
}

/// Running totals.
#[derive(Default)]
struct Tally {
    predicted: usize,
    correct_strict: usize,
    correct_lenient: usize,
    gold: usize,
    found: usize,
    speaker_total: usize,
    speaker_right: usize,
}

const PRONOUNS: &[&str] = &[
    "He", "She", "They", "It", "We", "I", "You", "Who", "The", "A", "An", "His", "Her",
];

/// Capitalised name words of a speaker string, without titles, pronouns and
/// any appositive ("Flynn, a top Trump surrogate," names Flynn).
fn name_words(s: &str) -> HashSet<String> {
    let s = s.replace('’', "'");
    let name = s
        .split([',', '('])
        .next()
        .unwrap_or("")
        .split(" --")
        .next()
        .unwrap_or("");
    name.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .map(|w| w.trim_end_matches("'s"))
        .filter(|w| w.starts_with(char::is_uppercase) && w.len() > 1 && !PRONOUNS.contains(w))
        .filter(|w| !newsdesk_analyze::is_title(&w.to_lowercase()))
        .map(str::to_string)
        .collect()
}

fn overlap(a: (usize, usize), b: (usize, usize)) -> usize {
    a.1.min(b.1).saturating_sub(a.0.max(b.0))
}

fn is_direct(a: &Attribution) -> bool {
    a.content
        .iter()
        .min_by_key(|p| p.start)
        .is_some_and(|p| p.text.starts_with(['"', '\'', '“', '‘']))
}

/// Scores the analyzer on a PolNeAR JSONL split and prints the figures.
/// With `half`, only the articles of that half are scored, and the project's
/// scorer reads their gold from a copy of the split holding just them.
pub fn quotes(corpus: &Path, verbose: bool, half: Option<crate::extract::Half>) -> Result<()> {
    let text = std::fs::read_to_string(corpus).with_context(|| format!("reading {}", corpus.display()))?;
    let stem = corpus.file_stem().and_then(|s| s.to_str()).unwrap_or("polnear");
    let stem = match half {
        Some(h) => format!("{stem}-half-{}", format!("{h:?}").to_lowercase()),
        None => stem.to_string(),
    };
    std::fs::create_dir_all("target/bench")?;
    let mut gold_lines = String::new();
    let mut first: BTreeMap<String, Record> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let r: Record = serde_json::from_str(line)?;
        if half.is_some_and(|h| !h.holds(&r.filename)) {
            continue;
        }
        gold_lines.push_str(line);
        gold_lines.push('\n');
        if first.get(&r.filename).is_none_or(|old| r.annotator < old.annotator) {
            first.insert(r.filename.clone(), r);
        }
    }
    let mut t = Tally::default();
    let gold = match half {
        Some(_) => {
            let path = Path::new("target/bench").join(format!("{stem}.jsonl"));
            std::fs::write(&path, gold_lines)?;
            path
        }
        None => corpus.to_path_buf(),
    };
    let predictions = Path::new("target/bench").join(format!("quotes-{stem}.jsonl"));
    let mut w = std::io::BufWriter::new(std::fs::File::create(&predictions)?);
    for r in first.values() {
        let quotes = score_article(r, &mut t, verbose);
        serde_json::to_writer(&mut w, &serde_json::json!({"id": r.filename, "quotes": quotes}))?;
        writeln!(w)?;
    }
    w.flush()?;
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "articles: {}  gold direct quotes: {}  predicted: {}",
        first.len(),
        t.gold,
        t.predicted
    );
    println!(
        "precision: {:.1}%  (lenient {:.1}%)",
        pct(t.correct_strict, t.predicted),
        pct(t.correct_lenient, t.predicted)
    );
    println!("recall:    {:.1}%", pct(t.found, t.gold));
    println!(
        "speaker accuracy: {:.1}% of {} matched quotes with a named gold source",
        pct(t.speaker_right, t.speaker_total),
        t.speaker_total
    );
    crate::scorers::report("score_quotes.py", &gold, &predictions, |v| {
        let f = |k: &str| v[k].as_f64().unwrap_or(0.0);
        format!(
            "precision {:.3}, recall {:.3}, speaker accuracy {:.3} of {}",
            f("precision"),
            f("recall"),
            f("speaker_accuracy"),
            v["speaker_cases"]
        )
    })
}

/// Scores one article into `t` and returns its predicted quotes.
fn score_article(r: &Record, t: &mut Tally, verbose: bool) -> Vec<newsdesk_domain::Quote> {
    let gold: Vec<&Attribution> = r.attributions.iter().filter(|a| is_direct(a)).collect();
    let pred = newsdesk_analyze::analyze(None, &r.text, 3).quotes;
    t.gold += gold.len();
    t.predicted += pred.len();
    let mut found = vec![false; gold.len()];
    for q in &pred {
        let span = (q.start, q.end);
        let hit = gold.iter().position(|g| {
            g.content
                .iter()
                .any(|c| 2 * overlap(span, (c.start, c.end)) >= c.end - c.start)
        });
        let inside = gold.iter().any(|g| {
            g.content
                .iter()
                .any(|c| 2 * overlap(span, (c.start, c.end)) >= span.1 - span.0)
        });
        t.correct_lenient += usize::from(hit.is_some() || inside);
        let Some(gi) = hit else {
            if verbose {
                println!("FP {}: {:?} ({:?})", r.filename, q.text, q.speaker);
            }
            continue;
        };
        t.correct_strict += 1;
        found[gi] = true;
        score_speaker(r, gold[gi], q, t, verbose);
    }
    t.found += found.iter().filter(|&&f| f).count();
    if verbose {
        for (g, _) in gold.iter().zip(&found).filter(|(_, f)| !**f) {
            println!(
                "FN {}: {:?}",
                r.filename,
                g.content
                    .iter()
                    .map(|c| c.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" … ")
            );
        }
    }
    pred
}

fn score_speaker(r: &Record, g: &Attribution, q: &newsdesk_domain::Quote, t: &mut Tally, verbose: bool) {
    let gold_source: String = g.source.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(" ");
    let gold_names = name_words(&gold_source);
    if gold_names.is_empty() {
        return;
    }
    t.speaker_total += 1;
    let pred_names = q.speaker.as_deref().map(name_words).unwrap_or_default();
    let right = !pred_names.is_empty() && (gold_names.is_subset(&pred_names) || pred_names.is_subset(&gold_names));
    t.speaker_right += usize::from(right);
    if verbose && !right {
        println!(
            "SPK {}: gold {:?} pred {:?} for {:?}",
            r.filename, gold_source, q.speaker, q.text
        );
    }
}
