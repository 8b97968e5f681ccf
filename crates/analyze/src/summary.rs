//! Extractive summary and key points.
//!
//! Each sentence gets a score from features that matter on news: position
//! (the lead carries the story), centrality (cosine to the whole article's
//! terms), overlap with the title, length (short, dense sentences make better
//! summaries than long ones), and penalties for quotes and questions, which
//! rarely summarise. Sentences are then picked greedily, each choice
//! discounted by its overlap with those already picked (redundancy
//! control), and shown in article order without datelines. The weights are
//! tuned on the CNN/DailyMail validation sample (see docs/BENCHMARKS.md).

use std::collections::HashMap;
use std::ops::Range;

use crate::sentences::{dateline_len, Sentence};
use crate::tagger::FxBuild;
use crate::tokens::{lowercase_into, TermIds};

/// Feature weights of the sentence score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryParams {
    /// Weight of closeness to the lead.
    pub position: f64,
    /// Sentences at index `position_scale` get half the position score of the first.
    pub position_scale: f64,
    /// Weight of the cosine between the sentence's terms and the article's.
    pub centrality: f64,
    /// Weight of the share of title terms the sentence repeats.
    pub title: f64,
    /// Penalty per word beyond `ideal_words`.
    pub length: f64,
    /// Sentence length, in words, above which `length` starts to count.
    pub ideal_words: f64,
    /// Penalty for the share of the sentence in quote marks (a question adds half).
    pub quote: f64,
    /// Discount times a candidate's largest term overlap with a sentence already picked.
    pub redundancy: f64,
    /// Sentences shorter than this many words are never picked.
    pub min_words: usize,
}

impl Default for SummaryParams {
    fn default() -> Self {
        SummaryParams {
            position: 1.0,
            position_scale: 2.0,
            centrality: 1.0,
            title: 0.5,
            length: 0.01,
            ideal_words: 20.0,
            quote: 0.3,
            redundancy: 0.5,
            min_words: 6,
        }
    }
}

/// A candidate sentence with its terms and features.
struct Scored {
    /// Byte range without dateline.
    span: Range<usize>,
    /// The same for two copies of one sentence (wire copy repeats its lead;
    /// a caption repeats a line): its words, lowercased, without punctuation.
    copy: u32,
    terms: Vec<u32>,
    score: f64,
}

/// The `n` best sentences of `text` (byte ranges, article order) under the
/// weights `p`; the benchmarks tune the weights through it.
pub fn summarize_with(
    p: &SummaryParams,
    text: &str,
    title: Option<&str>,
    sentences: &[Sentence],
    n: usize,
) -> Vec<Range<usize>> {
    summary_and_key_points(p, text, title, sentences, n, 0).0
}

/// Longest sentence, in words, that makes a key point.
const KEY_POINT_WORDS: usize = 25;

/// The summary (article order) and up to `k` key points: the best-ranked
/// short sentences, best first. One scoring pass serves both.
pub fn summary_and_key_points(
    p: &SummaryParams,
    text: &str,
    title: Option<&str>,
    sentences: &[Sentence],
    n: usize,
    k: usize,
) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    let scored = score(p, text, title, sentences);
    let chosen = pick(p, &scored, n);
    // Key points add to the summary: a sentence is shown once, wherever it is repeated.
    let short: Vec<&Scored> = scored
        .iter()
        .filter(|s| text[s.span.clone()].split_whitespace().count() <= KEY_POINT_WORDS)
        .filter(|s| !chosen.iter().any(|c| c.copy == s.copy))
        .collect();
    let points = pick(p, &short, k).into_iter().map(|s| s.span.clone()).collect();
    let mut summary: Vec<Range<usize>> = chosen.into_iter().map(|s| s.span.clone()).collect();
    summary.sort_by_key(|r| r.start);
    (summary, points)
}

/// Scores every sentence; the scores do not yet know about redundancy.
fn score(p: &SummaryParams, text: &str, title: Option<&str>, sentences: &[Sentence]) -> Vec<Scored> {
    let mut ids = TermIds::default();
    let doc_terms: Vec<Vec<u32>> = sentences.iter().map(|s| ids.terms(&text[s.span.clone()])).collect();
    let mut doc_tf = vec![0.0; ids.len()];
    for &t in doc_terms.iter().flatten() {
        doc_tf[t as usize] += 1.0;
    }
    let doc_norm = doc_tf.iter().map(|v| v * v).sum::<f64>().sqrt().max(1.0);
    let title_terms = title.map(|t| ids.terms(t)).unwrap_or_default();
    let mut copies = Copies::default();
    sentences
        .iter()
        .zip(&doc_terms)
        .enumerate()
        .filter_map(|(i, (s, ts))| {
            let raw = &text[s.span.clone()];
            let span = s.span.start + dateline_len(raw)..s.span.end;
            let body = &text[span.clone()];
            let words = body.split_whitespace().count();
            if words < p.min_words {
                return None;
            }
            let features = Features {
                position: 1.0 / (1.0 + i as f64 / p.position_scale),
                centrality: cosine(ts, &doc_tf, doc_norm),
                title: overlap(ts, &title_terms),
                excess_words: (words as f64 - p.ideal_words).max(0.0),
                quote: quote_share(body) + if body.trim_end().ends_with('?') { 0.5 } else { 0.0 },
            };
            Some(Scored {
                span,
                copy: copies.id(comparable(body)),
                terms: ts.clone(),
                score: features.score(p),
            })
        })
        .collect()
}

/// Per-sentence features before weighting.
struct Features {
    position: f64,
    centrality: f64,
    title: f64,
    excess_words: f64,
    quote: f64,
}

impl Features {
    fn score(&self, p: &SummaryParams) -> f64 {
        p.position * self.position + p.centrality * self.centrality + p.title * self.title
            - p.length * self.excess_words
            - p.quote * self.quote
    }
}

/// Cosine between a sentence's term counts and the article's (`doc_tf`
/// indexed by term id). Counts are whole numbers, so the sums are exact in
/// any order.
fn cosine(ts: &[u32], doc_tf: &[f64], doc_norm: f64) -> f64 {
    let mut sorted = ts.to_vec();
    sorted.sort_unstable();
    let (mut dot, mut norm) = (0.0, 0.0);
    for run in sorted.chunk_by(|a, b| a == b) {
        let count = run.len() as f64;
        dot += count * doc_tf[run[0] as usize];
        norm += count * count;
    }
    dot / (f64::sqrt(norm).max(1.0) * doc_norm)
}

/// Ids for sentences' [`comparable`] forms: equal ids, equal words.
#[derive(Default)]
struct Copies(HashMap<String, u32, FxBuild>);

impl Copies {
    fn id(&mut self, words: String) -> u32 {
        let next = self.0.len() as u32;
        *self.0.entry(words).or_insert(next)
    }
}

/// Share of `b`'s terms (counted with repeats) found in `a`.
fn overlap(a: &[u32], b: &[u32]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    b.iter().filter(|t| a.contains(t)).count() as f64 / b.len() as f64
}

/// Share of the sentence inside quote marks (a rough count of characters between marks).
fn quote_share(s: &str) -> f64 {
    let mut inside = false;
    let (mut quoted, mut total) = (0usize, 0usize);
    for c in s.chars() {
        match c {
            '"' | '“' | '”' => inside = !inside,
            _ if inside => quoted += 1,
            _ => {}
        }
        total += 1;
    }
    quoted as f64 / total.max(1) as f64
}

/// A sentence's words as two copies of it compare: lowercase, punctuation
/// and spacing dropped.
fn comparable(sentence: &str) -> String {
    let mut out = String::with_capacity(sentence.len());
    let mut lower = String::new();
    for word in sentence.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        lowercase_into(word, &mut lower);
        out.push_str(&lower);
    }
    out
}

/// Greedy selection with redundancy discount; a sentence whose words were
/// already picked elsewhere in the text is never picked again.
fn pick<'a, S: std::borrow::Borrow<Scored>>(p: &SummaryParams, scored: &'a [S], n: usize) -> Vec<&'a Scored> {
    let mut chosen: Vec<&Scored> = Vec::new();
    while chosen.len() < n {
        let best = scored
            .iter()
            .map(S::borrow)
            .enumerate()
            .filter(|(_, s)| !chosen.iter().any(|c| c.copy == s.copy))
            .map(|(i, s)| {
                let red = chosen.iter().map(|c| overlap(&c.terms, &s.terms)).fold(0.0, f64::max);
                (i, s, s.score - p.redundancy * red)
            })
            .max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(&a.0)));
        match best {
            Some((_, s, _)) => chosen.push(s),
            None => break,
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sentences::split;

    const ARTICLE: &str =
        "WASHINGTON (AP) — The Senate passed the budget bill on Friday after a long debate over spending. \
        Senators argued for hours. \"This is a great day for the country and for everyone,\" one senator said. \
        The budget bill now goes to the House, where its spending plan faces more debate. \
        The weather in the capital was mild. The Senate budget bill includes new spending on roads and schools. \
        Some lawmakers left early for the weekend.";

    fn summary(n: usize, title: Option<&str>) -> Vec<&'static str> {
        let sents = split(ARTICLE);
        summarize_with(&SummaryParams::default(), ARTICLE, title, &sents, n)
            .into_iter()
            .map(|r| &ARTICLE[r])
            .collect()
    }

    #[test]
    fn picks_central_sentences_in_order_without_dateline() {
        let got = summary(3, Some("Senate passes budget bill"));
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0],
            "The Senate passed the budget bill on Friday after a long debate over spending."
        );
        assert!(
            !got.iter()
                .any(|s| s.contains("weather") || s.contains("Senators argued")),
            "{got:?}"
        );
        let positions: Vec<usize> = got.iter().map(|s| ARTICLE.find(s).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn key_points_never_repeat_the_summary() {
        let sents = split(ARTICLE);
        let title = Some("Senate passes budget bill");
        let (summary, points) = summary_and_key_points(&SummaryParams::default(), ARTICLE, title, &sents, 3, 5);
        assert_eq!(summary.len(), 3);
        assert!(!points.is_empty(), "the article has short sentences beyond its summary");
        assert!(points.iter().all(|p| !summary.contains(p)), "{summary:?} {points:?}");
    }

    #[test]
    fn a_repeated_sentence_is_shown_once() {
        // Wire copy repeats its lead at the end, here with other spacing and marks.
        let text =
            format!("{ARTICLE} The Senate  passed the budget bill on Friday -- after a long debate over spending!");
        let sents = split(&text);
        let title = Some("Senate passes budget bill");
        for n in 1..=6 {
            let (summary, points) = summary_and_key_points(&SummaryParams::default(), &text, title, &sents, n, 5);
            let mut shown: Vec<String> = summary
                .iter()
                .chain(&points)
                .map(|r| comparable(&text[r.clone()]))
                .collect();
            let count = shown.len();
            shown.sort();
            shown.dedup();
            assert_eq!(shown.len(), count, "n = {n}: {summary:?} {points:?}");
            assert_eq!(summary.len(), n.min(6), "six distinct sentences of six words or more");
            assert!(!points.is_empty() || n == 6, "n = {n}");
        }
    }

    #[test]
    fn quotes_are_avoided_and_n_is_respected() {
        assert!(!summary(3, None).iter().any(|s| s.starts_with('"')));
        assert_eq!(summary(1, None).len(), 1);
        assert!(summary(0, None).is_empty());
        assert_eq!(summary(50, None).len(), 6, "every sentence of six words or more, once");
    }

    #[test]
    fn empty_and_unpunctuated_text() {
        assert!(summarize_with(&SummaryParams::default(), "", None, &[], 3).is_empty());
        let t = "word ".repeat(10_000);
        let s = split(&t);
        assert_eq!(summarize_with(&SummaryParams::default(), &t, None, &s, 3).len(), 1);
    }
}
