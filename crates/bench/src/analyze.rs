//! `newsdesk-bench summary|quotes|analyze`: measures the analyze stage on the shared corpora.
//!
//! - `summary`: ROUGE-1 (an in-process approximation with light stemming)
//!   of our summary against Lead-3 on CNN/DailyMail, with per-feature
//!   ablations; writes predictions for `bench/rouge.sh`, which computes the
//!   official numbers with rouge-score.
//! - `quotes`: precision, recall and speaker accuracy of direct quotes on PolNeAR.
//! - `analyze`: articles per second of the whole analysis on one core.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use newsdesk_analyze::{analyze, sentences, summarize_with, SummaryParams};
use serde::Deserialize;
use serde_json::json;

/// One CNN/DailyMail row.
#[derive(Deserialize)]
struct CnnRow {
    article: String,
    highlights: String,
    id: String,
}

fn read_cnn(path: &Path) -> Result<Vec<CnnRow>> {
    let mut rdr = csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(rdr.deserialize().collect::<Result<Vec<CnnRow>, _>>()?)
}

/// Lowercase alphanumeric tokens, stemmed, as rouge-score tokenises (approximately).
fn rouge_tokens(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(newsdesk_analyze::stem)
        .collect()
}

/// ROUGE-1 F1 between a candidate and a reference.
fn rouge1(candidate: &[String], reference: &[String]) -> f64 {
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for t in reference {
        *counts.entry(t).or_default() += 1;
    }
    let mut hits = 0;
    for t in candidate {
        if let Some(c) = counts.get_mut(t.as_str()) {
            if *c > 0 {
                *c -= 1;
                hits += 1;
            }
        }
    }
    if hits == 0 {
        return 0.0;
    }
    let p = hits as f64 / candidate.len() as f64;
    let r = hits as f64 / reference.len() as f64;
    2.0 * p * r / (p + r)
}

/// Lead-N with our splitter, datelines removed.
fn lead(text: &str, n: usize) -> Vec<String> {
    sentences::split(text)
        .into_iter()
        .take(n)
        .map(|s| {
            let raw = &text[s.span];
            raw[sentences::dateline_len(raw)..].to_string()
        })
        .collect()
}

/// A prepared document: the article, its sentences and the tokenised reference.
struct Doc<'a> {
    row: &'a CnnRow,
    sents: Vec<sentences::Sentence>,
    reference: Vec<String>,
}

fn mean_rouge(docs: &[Doc<'_>], p: &SummaryParams, n: usize) -> f64 {
    let total: f64 = docs
        .iter()
        .map(|d| {
            let text = &d.row.article;
            let summary: Vec<&str> = summarize_with(p, text, None, &d.sents, n)
                .into_iter()
                .map(|r| &text[r])
                .collect();
            rouge1(&rouge_tokens(&summary.join(" ")), &d.reference)
        })
        .sum();
    100.0 * total / docs.len().max(1) as f64
}

/// Compares our summary with Lead-N, prints ablations, writes predictions to `out_dir`.
pub fn summary(corpus: &Path, n: usize, out_dir: &Path, tune: bool) -> Result<()> {
    let rows = read_cnn(corpus)?;
    let docs: Vec<Doc<'_>> = rows
        .iter()
        .map(|row| Doc {
            row,
            sents: sentences::split(&row.article),
            reference: rouge_tokens(&row.highlights),
        })
        .collect();
    let lead_score: f64 = docs
        .iter()
        .map(|d| rouge1(&rouge_tokens(&lead(&d.row.article, n).join(" ")), &d.reference))
        .sum::<f64>()
        * 100.0
        / docs.len().max(1) as f64;
    let base = SummaryParams::default();
    println!("documents: {}", docs.len());
    println!(
        "approx ROUGE-1  lead-{n}: {lead_score:.2}  ours: {:.2}",
        mean_rouge(&docs, &base, n)
    );
    for (name, p) in ablations(&base) {
        println!("  without {name:<11} {:.2}", mean_rouge(&docs, &p, n));
    }
    if tune {
        grid(&docs, n);
    }
    write_predictions(&rows, n, out_dir)
}

/// The default weights with one feature switched off at a time.
fn ablations(base: &SummaryParams) -> Vec<(&'static str, SummaryParams)> {
    vec![
        ("position", SummaryParams { position: 0.0, ..*base }),
        (
            "centrality",
            SummaryParams {
                centrality: 0.0,
                ..*base
            },
        ),
        ("length", SummaryParams { length: 0.0, ..*base }),
        ("quote", SummaryParams { quote: 0.0, ..*base }),
        (
            "redundancy",
            SummaryParams {
                redundancy: 0.0,
                ..*base
            },
        ),
    ]
}

/// Coarse grid search over the main weights; prints the best few.
fn grid(docs: &[Doc<'_>], n: usize) {
    let mut results = Vec::new();
    for position_scale in [1.0, 2.0, 4.0] {
        for centrality in [0.5, 1.0, 2.0] {
            for length in [0.0, 0.01, 0.02, 0.04] {
                for ideal_words in [10.0, 15.0, 20.0] {
                    for quote in [0.0, 0.3, 0.6] {
                        let p = SummaryParams {
                            position_scale,
                            centrality,
                            length,
                            ideal_words,
                            quote,
                            ..SummaryParams::default()
                        };
                        results.push((mean_rouge(docs, &p, n), p));
                    }
                }
            }
        }
    }
    results.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (score, p) in results.iter().take(5) {
        println!("grid {score:.2} {p:?}");
    }
}

/// Writes ours and Lead-N as JSONL for `bench/rouge.sh`.
fn write_predictions(rows: &[CnnRow], n: usize, out_dir: &Path) -> Result<()> {
    std::fs::create_dir_all(out_dir)?;
    let mut ours = std::io::BufWriter::new(std::fs::File::create(out_dir.join("summary-ours.jsonl"))?);
    let mut leads = std::io::BufWriter::new(std::fs::File::create(out_dir.join("summary-lead.jsonl"))?);
    for row in rows {
        let a = analyze(None, &row.article, n);
        writeln!(
            ours,
            "{}",
            json!({"id": row.id, "summary": a.summary, "reference": row.highlights})
        )?;
        writeln!(
            leads,
            "{}",
            json!({"id": row.id, "summary": lead(&row.article, n), "reference": row.highlights})
        )?;
    }
    println!("predictions written to {}", out_dir.display());
    Ok(())
}

/// Articles per second of the full analysis, on one thread: by wall clock,
/// and by the CPU time the process got (the honest per-core figure on a
/// shared machine).
pub fn speed(corpus: &Path, rounds: usize, dump: Option<&Path>) -> Result<()> {
    let rows = read_cnn(corpus)?;
    let cpu_start = cpu_seconds();
    let start = Instant::now();
    let mut quotes = 0;
    let mut analyses = Vec::new();
    for round in 0..rounds.max(1) {
        for row in &rows {
            let analysis = analyze(None, &row.article, 3);
            quotes += analysis.quotes.len();
            if round == 0 && dump.is_some() {
                analyses.push(analysis);
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let n = (rows.len() * rounds.max(1)) as f64;
    println!(
        "analyzed {n} articles in {secs:.2} s wall: {:.0} articles/s ({quotes} quotes)",
        n / secs
    );
    if let (Some(a), Some(b)) = (cpu_start, cpu_seconds()) {
        println!(
            "CPU time {:.2} s: {:.0} articles/s per core",
            b - a,
            n / (b - a).max(1e-9)
        );
    }
    if let Some(path) = dump {
        write_analyses(path, &analyses)?;
    }
    Ok(())
}

/// One analysis per line, in corpus order, so two builds' outputs compare with `cmp`.
fn write_analyses(path: &Path, analyses: &[newsdesk_domain::Analysis]) -> Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for analysis in analyses {
        serde_json::to_writer(&mut out, analysis)?;
        out.write_all(b"\n")?;
    }
    Ok(out.flush()?)
}

/// User plus system CPU seconds of this process, from /proc (Linux only).
pub(crate) fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of those.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

pub use crate::quotes::quotes;
