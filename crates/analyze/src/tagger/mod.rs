//! A statistical name tagger: an averaged structured perceptron over hashed
//! features ([`features`]), decoded with Viterbi over BIO tags for people,
//! organisations and places.
//!
//! The model is trained by `newsdesk-bench train-tagger` from the openly
//! licensed open-ner-en sentences (Wikipedia, web text and news, no Reuters
//! text) and committed as `model/tagger.bin`, so nothing is downloaded and
//! the tagger works offline. [`train`] holds the training loop so that the
//! features, tags and file format exist once.

mod features;
mod hash;
mod tokenize;
pub mod train;

use std::collections::HashMap;
use std::sync::OnceLock;

pub(crate) use features::bucket;
use features::SentenceView;
pub use features::{sentence_features, DocCase, Features};
pub use hash::FxBuild;
pub use tokenize::{tokenize, Token};

/// Tags: `O`, then `B-`/`I-` for person, organisation and place.
pub const TAGS: usize = 7;

/// The tag names, in index order, as the training data writes them.
pub const TAG_NAMES: [&str; TAGS] = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"];

/// Transition rows: one per previous tag, plus one for the sentence start.
const ROWS: usize = TAGS + 1;

/// The model file's first bytes.
const MAGIC: &[u8; 8] = b"NDTAG\x00\x00\x01";

/// The kinds of name the tagger knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A person.
    Person,
    /// An organisation (company, club, agency, party).
    Organization,
    /// A place (country, city, region, landmark).
    Place,
}

impl Kind {
    fn of_tag(tag: usize) -> Option<Kind> {
        match tag {
            1 | 2 => Some(Kind::Person),
            3 | 4 => Some(Kind::Organization),
            5 | 6 => Some(Kind::Place),
            _ => None,
        }
    }
}

/// Whether `next` may follow `prev` (`None`: the sentence start): an `I-`
/// tag continues a name of its own kind.
pub fn allowed(prev: Option<usize>, next: usize) -> bool {
    next == 0 || next % 2 == 1 || prev.is_some_and(|p| p != 0 && Kind::of_tag(p) == Kind::of_tag(next))
}

/// The best tag sequence for each token's emission scores.
fn viterbi(transition: impl Fn(Option<usize>, usize) -> f32, emissions: &[[f32; TAGS]]) -> Vec<usize> {
    let n = emissions.len();
    if n == 0 {
        return Vec::new();
    }
    let mut best = vec![[f32::NEG_INFINITY; TAGS]; n];
    for t in 0..TAGS {
        if allowed(None, t) {
            best[0][t] = transition(None, t) + emissions[0][t];
        }
    }
    let mut back = vec![[0usize; TAGS]; n];
    for i in 1..n {
        for t in 0..TAGS {
            for p in (0..TAGS).filter(|&p| allowed(Some(p), t)) {
                let s = best[i - 1][p] + transition(Some(p), t) + emissions[i][t];
                if s > best[i][t] {
                    best[i][t] = s;
                    back[i][t] = p;
                }
            }
        }
    }
    let mut tag = (0..TAGS)
        .max_by(|&a, &b| best[n - 1][a].total_cmp(&best[n - 1][b]))
        .unwrap_or(0);
    let mut tags = vec![0; n];
    for i in (0..n).rev() {
        tags[i] = tag;
        tag = back[i][tag];
    }
    tags
}

/// A name the tagger found: its kind and token range in the sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// What it names.
    pub kind: Kind,
    /// Its tokens, `start..end`.
    pub tokens: std::ops::Range<usize>,
}

/// Groups a tag sequence into names.
pub fn names(tags: &[usize]) -> Vec<Name> {
    let mut out: Vec<Name> = Vec::new();
    for (i, &t) in tags.iter().enumerate() {
        let Some(kind) = Kind::of_tag(t) else { continue };
        match out.last_mut() {
            Some(last) if t % 2 == 0 && last.tokens.end == i && last.kind == kind => last.tokens.end = i + 1,
            _ => out.push(Name { kind, tokens: i..i + 1 }),
        }
    }
    out
}

/// The committed model: a scale, transitions and quantised weights per feature hash.
pub struct Model {
    scale: f32,
    transitions: [f32; ROWS * TAGS],
    weights: HashMap<u32, [i16; TAGS], FxBuild>,
}

/// Tokens tagged at once; real sentences are far shorter.
const MAX_SENTENCE_TOKENS: usize = 400;

/// Bytes of one weight row in the file: the hash, then a weight per tag.
const ROW_BYTES: usize = 4 + TAGS * 2;

impl Model {
    /// The model built into newsdesk.
    pub fn builtin() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| {
            Model::parse(include_bytes!("../../model/tagger.bin")).expect("the committed tagger model is well formed")
        })
    }

    /// Reads a model file: magic, scale and transitions (f32), then rows of
    /// a feature hash (u32) and one i16 weight per tag, little-endian.
    pub fn parse(bytes: &[u8]) -> Option<Model> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let f32_at =
            |i: usize| -> Option<f32> { Some(f32::from_le_bytes(rest.get(i * 4..i * 4 + 4)?.try_into().ok()?)) };
        let scale = f32_at(0)?;
        let mut transitions = [0.0; ROWS * TAGS];
        for (k, t) in transitions.iter_mut().enumerate() {
            *t = f32_at(1 + k)?;
        }
        let rows = rest.get((1 + ROWS * TAGS) * 4..)?;
        if rows.len() % ROW_BYTES != 0 {
            return None;
        }
        let weights = rows
            .chunks_exact(ROW_BYTES)
            .map(|row| {
                let hash = u32::from_le_bytes([row[0], row[1], row[2], row[3]]);
                (
                    hash,
                    std::array::from_fn(|t| i16::from_le_bytes([row[4 + 2 * t], row[5 + 2 * t]])),
                )
            })
            .collect();
        Some(Model {
            scale,
            transitions,
            weights,
        })
    }

    /// A tagger for the sentences of one document.
    pub fn for_document<'m, 'a>(&'m self, doc: &'m DocCase) -> DocumentTagger<'m, 'a> {
        DocumentTagger {
            model: self,
            doc,
            own: HashMap::default(),
            features: Vec::new(),
        }
    }

    /// The weight of moving from `prev` (`None`: start) to `next`.
    fn transition(&self, prev: Option<usize>, next: usize) -> f32 {
        self.transitions[prev.map_or(TAGS, |p| p) * TAGS + next]
    }

    /// Adds the weights of `features` to `sums`, in the file's integer units.
    fn add_weights(&self, features: &[u32], sums: &mut [i32; TAGS]) {
        for f in features {
            if let Some(row) = self.weights.get(f) {
                sums.iter_mut().zip(row).for_each(|(s, &w)| *s += i32::from(w));
            }
        }
    }
}

/// Tags a document's sentences, scoring each distinct word's own features
/// (see [`features::SentenceView::own_features`]) once: most words of an
/// article recur, and those features are a good part of a token's.
pub struct DocumentTagger<'m, 'a> {
    model: &'m Model,
    doc: &'m DocCase,
    /// Each word's own-feature weights, summed.
    own: HashMap<&'a str, [i32; TAGS], FxBuild>,
    /// Scratch space for one token's features.
    features: Vec<u32>,
}

impl<'a> DocumentTagger<'_, 'a> {
    /// Tags one sentence. A run-on "sentence" (a page with no stops) is
    /// tagged in windows, so memory stays bounded per window.
    pub fn tag(&mut self, words: &[&'a str]) -> Vec<usize> {
        words
            .chunks(MAX_SENTENCE_TOKENS)
            .flat_map(|window| self.tag_window(window))
            .collect()
    }

    fn tag_window(&mut self, words: &[&'a str]) -> Vec<usize> {
        let view = SentenceView::new(words);
        let emissions: Vec<[f32; TAGS]> = (0..words.len())
            .map(|i| {
                let mut sums = self.own_weights(&view, words[i], i);
                self.features.clear();
                view.context_features(self.doc, i, &mut self.features);
                self.model.add_weights(&self.features, &mut sums);
                sums.map(|s| s as f32 * self.model.scale)
            })
            .collect();
        viterbi(|prev, next| self.model.transition(prev, next), &emissions)
    }

    fn own_weights(&mut self, view: &SentenceView<'_>, word: &'a str, i: usize) -> [i32; TAGS] {
        if let Some(&sums) = self.own.get(word) {
            return sums;
        }
        self.features.clear();
        view.own_features(self.doc, i, &mut self.features);
        let mut sums = [0; TAGS];
        self.model.add_weights(&self.features, &mut sums);
        self.own.insert(word, sums);
        sums
    }
}

/// Writes a model file (see [`Model::parse`]) from float weights, leaving
/// out features whose averaged weights all stay under [`PRUNE_BELOW`]; rows
/// sorted by hash so the same weights always give the same bytes.
fn serialize(transitions: &[f32], weights: &HashMap<u32, [f32; TAGS]>) -> Vec<u8> {
    let kept: Vec<(u32, [f32; TAGS])> = weights
        .iter()
        .filter(|(_, w)| w.iter().any(|w| w.abs() >= PRUNE_BELOW))
        .map(|(&h, &w)| (h, w))
        .collect();
    let largest = kept
        .iter()
        .flat_map(|(_, w)| w)
        .fold(0f32, |m, w| m.max(w.abs()))
        .max(f32::MIN_POSITIVE);
    let scale = largest / f32::from(i16::MAX);
    let mut out = MAGIC.to_vec();
    out.extend(scale.to_le_bytes());
    transitions.iter().for_each(|t| out.extend(t.to_le_bytes()));
    let mut rows: Vec<(u32, [i16; TAGS])> = kept
        .into_iter()
        .map(|(h, w)| (h, w.map(|w| (w / scale).round() as i16)))
        .collect();
    rows.sort_unstable_by_key(|(h, _)| *h);
    for (h, q) in rows {
        out.extend(h.to_le_bytes());
        q.iter().for_each(|q| out.extend(q.to_le_bytes()));
    }
    out
}

/// A feature whose averaged weights all stay below one update's worth
/// barely moves a decision: leaving it out halves the model (measured: the
/// dev score moves by less than 0.3 points).
const PRUNE_BELOW: f32 = 1.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_tags_continue_their_own_kind() {
        assert!(allowed(None, 1) && !allowed(None, 2));
        assert!(allowed(Some(1), 2) && allowed(Some(2), 2) && !allowed(Some(3), 2) && !allowed(Some(0), 6));
        assert_eq!(
            names(&[1, 2, 0, 5, 5, 6]),
            [
                Name {
                    kind: Kind::Person,
                    tokens: 0..2
                },
                Name {
                    kind: Kind::Place,
                    tokens: 3..4
                },
                Name {
                    kind: Kind::Place,
                    tokens: 4..6
                },
            ]
        );
    }

    #[test]
    fn a_run_on_sentence_is_tagged_in_windows() {
        let mut words = vec!["and"; MAX_SENTENCE_TOKENS + 5];
        words.extend(["Angela", "Merkel", "met", "officials", "in", "Berlin", "."]);
        let doc = DocCase::new([&words[..]]);
        let tags = Model::builtin().for_document(&doc).tag(&words);
        assert_eq!(tags.len(), words.len());
        let found = names(&tags);
        let start = MAX_SENTENCE_TOKENS + 5;
        assert!(
            found.contains(&Name {
                kind: Kind::Person,
                tokens: start..start + 2
            }),
            "{found:?}"
        );
    }

    #[test]
    fn the_builtin_model_loads_and_tags() {
        let words = [
            "Angela",
            "Merkel",
            "met",
            "officials",
            "in",
            "Berlin",
            "on",
            "Monday",
            ".",
        ];
        let doc = DocCase::new([&words[..]]);
        let tags = Model::builtin().for_document(&doc).tag(&words);
        let found = names(&tags);
        assert_eq!(
            found,
            [
                Name {
                    kind: Kind::Person,
                    tokens: 0..2
                },
                Name {
                    kind: Kind::Place,
                    tokens: 5..6
                },
            ]
        );
    }
}
