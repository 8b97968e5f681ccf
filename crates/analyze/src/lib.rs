//! Offline article analysis for newsdesk.
//!
//! Everything here runs on the reader's machine with no network and no
//! model download: a sentence splitter tuned for news, an extractive
//! summary, people/organisations/places from a small statistical tagger
//! ([`tagger`], its model compiled in) checked against the page's structure
//! (datelines, results lines, head words), direct quotes with their
//! speakers, and a question answerer over the article's own sentences.
//!
//! [`analyze`] runs the whole pass and [`ask`] answers a question; the
//! pieces the LLM check and the benchmarks reuse ([`sentences`], [`terms`],
//! [`summarize_with`], [`is_title`], and [`tagger`] with its training) are
//! exported too.

#![warn(missing_docs)]

mod ask;
mod entities;
mod gazetteer;
mod quotes;
pub mod section;
pub mod sentences;
mod summary;
pub mod tagger;
mod tokens;

pub use ask::{ask, Answer, Cited};
pub use gazetteer::is_title;
pub use summary::{summarize_with, SummaryParams};
pub use tokens::{stem, terms};

use newsdesk_domain::{Analysis, Quote};

/// How many sentences a summary has unless the caller asks otherwise.
pub const DEFAULT_SUMMARY_SENTENCES: usize = 3;

/// How many key points an analysis lists.
const KEY_POINTS: usize = 5;

/// Analyses one article: summary of `n` sentences, key points, entities,
/// quotes, and the section its title and lead read as.
pub fn analyze(title: Option<&str>, text: &str, n: usize) -> Analysis {
    let sents = sentences::split(text);
    let ents = entities::extract(title, text, &sents);
    let spans = quotes::find_spans(text);
    let attributed = quotes::attribute(text, &sents, &spans, &ents);
    let chars = CharIndex::new(text);
    let params = summary::SummaryParams::default();
    let (summary, key_points) = summary::summary_and_key_points(&params, text, title, &sents, n, KEY_POINTS);
    Analysis {
        summary: summary.into_iter().map(|r| text[r].to_string()).collect(),
        key_points: key_points.into_iter().map(|r| text[r].to_string()).collect(),
        entities: ents.ranked(),
        quotes: attributed
            .into_iter()
            .map(|q| Quote {
                text: quote_text(text, &q.pieces),
                speaker: q.speaker,
                start: chars.of(q.content.start),
                end: chars.of(q.content.end),
            })
            .collect(),
        section: Some(section::classify(title.unwrap_or(""), text).section),
    }
}

/// A quote's words; the parts of a quote its tag interrupts are joined by an ellipsis.
fn quote_text(text: &str, pieces: &[std::ops::Range<usize>]) -> String {
    let parts: Vec<&str> = pieces.iter().map(|r| &text[r.clone()]).collect();
    parts.join(" … ")
}

/// Converts byte offsets to code-point offsets in O(log n) each.
struct CharIndex<'a> {
    text: &'a str,
    /// Byte offset of every 64th char, so a lookup counts at most 63 chars.
    checkpoints: Vec<usize>,
}

impl<'a> CharIndex<'a> {
    fn new(text: &'a str) -> CharIndex<'a> {
        CharIndex {
            text,
            checkpoints: text.char_indices().step_by(64).map(|(b, _)| b).collect(),
        }
    }

    /// Code-point offset of byte offset `byte` (a char boundary).
    fn of(&self, byte: usize) -> usize {
        let k = self.checkpoints.partition_point(|&b| b <= byte).saturating_sub(1);
        let from = self.checkpoints.get(k).copied().unwrap_or(0);
        k * 64 + self.text.get(from..byte).map_or(0, |s| s.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_code_points() {
        let text = "Ünïcödé — “Wir schaffen das,” said Angela Merkel.";
        let a = analyze(None, text, 3);
        let q = &a.quotes[0];
        assert_eq!(q.text, "Wir schaffen das,");
        let by_chars: String = text.chars().skip(q.start).take(q.end - q.start).collect();
        assert_eq!(by_chars, q.text);
        assert_eq!(q.speaker.as_deref(), Some("Angela Merkel"));
        let long = "é".repeat(1000) + " \"Quoted words are here now\" he said.";
        let a = analyze(None, &long, 3);
        let by_chars: String = long
            .chars()
            .skip(a.quotes[0].start)
            .take(a.quotes[0].end - a.quotes[0].start)
            .collect();
        assert_eq!(by_chars, a.quotes[0].text);
    }

    #[test]
    fn bad_input_never_panics() {
        for text in [
            "",
            " ",
            "\n\n",
            "no punctuation at all",
            "\"unbalanced",
            "'",
            "“",
            "Привет, 世界! مرحبا",
        ] {
            let a = analyze(Some(text), text, 3);
            assert!(a.summary.len() <= 3);
        }
        let big = "The council met on Monday and said \"we will act\" in Paris. ".repeat(90_000);
        assert!(big.len() > 5_000_000);
        let a = analyze(None, &big, 3);
        assert_eq!(a.summary.len(), 1, "one sentence repeated is shown once");
        let run_on = "word Word ".repeat(500_000);
        let a = analyze(None, &run_on, 3);
        assert!(a.summary.len() <= 1);
    }
}
