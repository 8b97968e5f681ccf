//! What the tagger sees of each token: the word, its shape and affixes, its
//! neighbours, gazetteer hits, and what the rest of the document says about
//! the word's case. Each feature is a 32-bit hash of its template and
//! values; the model keeps weights only for hashes it learned.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::hash::FxBuild;
use crate::gazetteer as gz;
use crate::tokens::lowercase_into;

/// Longest multi-word gazetteer entry looked for.
const MAX_PHRASE: usize = 4;

/// What the whole document says about word case, so that a word in an
/// all-caps headline or at a sentence start can be read like its other uses.
#[derive(Debug, Default)]
pub struct DocCase {
    /// Words seen in lowercase.
    lower: HashSet<String, FxBuild>,
    /// Words seen capitalised (not all caps) away from a sentence start.
    capitalised: HashSet<String, FxBuild>,
    /// For each capitalised word (in [`normal`] form), the neighbours of
    /// its mentions anywhere in the document as features (the word before,
    /// the two before, the word after): what its other mentions say about
    /// it ("in Millbrook", "the Copperfield Rotary Club", "Okafor said").
    contexts: HashMap<String, Vec<u32>, FxBuild>,
}

/// Most document-context features one word gathers (the first seen).
const MAX_CONTEXTS: usize = 16;

impl DocCase {
    /// Gathers the case and context evidence of a document's sentences.
    pub fn new<'a>(sentences: impl IntoIterator<Item = &'a [&'a str]>) -> DocCase {
        let mut doc = DocCase::default();
        let mut lower = String::new();
        for words in sentences {
            let shouting = is_shouting(words);
            let mut normals: Option<Vec<String>> = None;
            for (i, w) in words.iter().enumerate() {
                let first = w.chars().next().unwrap_or(' ');
                if first.is_uppercase() {
                    let normals = normals.get_or_insert_with(|| words.iter().map(|w| normal(w)).collect());
                    let key = &normals[i];
                    if !doc.contexts.contains_key(key) {
                        doc.contexts.insert(key.clone(), Vec::new());
                    }
                    let list = doc.contexts.get_mut(key).expect("just inserted");
                    if list.len() < MAX_CONTEXTS {
                        let at = |k: Option<usize>, edge: &'static str| -> &[u8] {
                            k.and_then(|k| normals.get(k)).map_or(edge, String::as_str).as_bytes()
                        };
                        let (before, before2, after) = (
                            at(i.checked_sub(1), "<s>"),
                            at(i.checked_sub(2), "<s>"),
                            at(Some(i + 1), "</s>"),
                        );
                        for f in [
                            bucket(24, &[before]),
                            bucket(25, &[after]),
                            bucket(26, &[before2, before]),
                        ] {
                            if list.len() < MAX_CONTEXTS && !list.contains(&f) {
                                list.push(f);
                            }
                        }
                    }
                }
                if first.is_lowercase() {
                    if !doc.lower.contains(*w) {
                        doc.lower.insert(w.to_string());
                    }
                } else if i > 0 && first.is_uppercase() && !shouting && !is_all_caps(w) {
                    lowercase_into(w, &mut lower);
                    if !doc.capitalised.contains(&lower) {
                        doc.capitalised.insert(lower.clone());
                    }
                }
            }
        }
        doc
    }
}

/// Whether a sentence is written in capitals throughout (a wire headline).
fn is_shouting(words: &[&str]) -> bool {
    let mut letters = 0;
    for w in words.iter().filter(|w| w.chars().any(char::is_alphabetic)) {
        if !is_all_caps(w) {
            return false;
        }
        letters += 1;
    }
    letters >= 2
}

fn is_all_caps(w: &str) -> bool {
    w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_lowercase)
}

fn first_upper(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// The word as the tagger compares it: lowercase, digits as `0`.
fn normal(w: &str) -> String {
    if w.is_ascii() {
        let bytes = w
            .bytes()
            .map(|b| {
                if b.is_ascii_digit() {
                    b'0'
                } else {
                    b.to_ascii_lowercase()
                }
            })
            .collect();
        return String::from_utf8(bytes).expect("ASCII stays ASCII");
    }
    w.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect()
}

/// "Xxxx", "XX", "d.d", with runs cut at two.
fn shape(w: &str) -> String {
    let mut out = String::new();
    let mut last = ' ';
    let mut run = 0;
    for c in w.chars() {
        let s = if c.is_uppercase() {
            'X'
        } else if c.is_lowercase() {
            'x'
        } else if c.is_numeric() {
            'd'
        } else {
            c
        };
        run = if s == last { run + 1 } else { 1 };
        last = s;
        if run <= 2 {
            out.push(s);
        }
    }
    out
}

/// The gazetteers as hash tables: one word's facts as bit flags, and the
/// multi-word places and organisations.
struct Lexicon {
    words: HashMap<&'static str, u8, FxBuild>,
    /// Phrase → 1 place, 2 organisation.
    phrases: HashMap<&'static str, u8, FxBuild>,
    /// First words of the phrases, so most tokens skip the phrase search.
    phrase_starts: HashSet<&'static str, FxBuild>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let lists = [
            gz::FIRST_NAMES,
            gz::PLACES,
            gz::ORGS,
            gz::ORG_SUFFIXES,
            gz::TITLES,
            gz::ROLE_CUES,
            gz::NOT_NAMES,
            gz::FEMALE_NAMES,
        ];
        let mut lex = Lexicon {
            words: HashMap::default(),
            phrases: HashMap::default(),
            phrase_starts: HashSet::default(),
        };
        for (bit, list) in lists.iter().enumerate() {
            for &w in *list {
                *lex.words.entry(w).or_default() |= 1 << bit;
            }
        }
        // Places first: a name on both lists stays a place, as before.
        for (kind, list) in [(2, gz::ORGS), (1, gz::PLACE_PHRASES), (1, gz::PLACES)] {
            for &p in list.iter().filter(|p| p.contains(' ')) {
                lex.phrases.insert(p, kind);
                lex.phrase_starts.extend(p.split(' ').next());
            }
        }
        lex
    })
}

/// Gazetteer facts about one word (bit flags).
fn lexicon_flags(lower: &str) -> u8 {
    lexicon().words.get(lower.trim_end_matches('.')).copied().unwrap_or(0)
}

/// Marks tokens covered by a multi-word place or organisation in the
/// gazetteers: 1 = place, 2 = organisation, +4 on the first word.
fn phrase_marks(lower: &[String]) -> Vec<u8> {
    let lex = lexicon();
    let mut marks = vec![0u8; lower.len()];
    for start in 0..lower.len() {
        if !lex.phrase_starts.contains(lower[start].as_str()) {
            continue;
        }
        let mut phrase = lower[start].clone();
        let mut found = None;
        for (len, next) in lower[start + 1..].iter().take(MAX_PHRASE - 1).enumerate() {
            phrase.push(' ');
            phrase.push_str(next);
            if let Some(&kind) = lex.phrases.get(phrase.as_str()) {
                found = Some((len + 2, kind));
            }
        }
        if let Some((len, kind)) = found {
            marks[start] = kind | 4;
            marks[start + 1..start + len].iter_mut().for_each(|m| *m = kind);
        }
    }
    marks
}

/// FNV-1a over a template id and its parts: one feature's hash.
pub(crate) fn bucket(template: u8, parts: &[&[u8]]) -> u32 {
    let mut h: u32 = 0x811c_9dc5 ^ u32::from(template);
    h = h.wrapping_mul(0x0100_0193);
    for part in parts {
        for &b in *part {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
        h = (h ^ 0xff).wrapping_mul(0x0100_0193);
    }
    h
}

/// The feature hashes of every token of one sentence, token by token.
#[derive(Debug, Default)]
pub struct Features {
    hashes: Vec<u32>,
    /// Where each token's hashes end in `hashes`.
    ends: Vec<usize>,
}

impl Features {
    /// Token `i`'s feature hashes.
    pub fn token(&self, i: usize) -> &[u32] {
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p]);
        &self.hashes[start..self.ends[i]]
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the sentence has no tokens.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Every token's feature hashes, in order.
    pub fn tokens(&self) -> impl Iterator<Item = &[u32]> {
        (0..self.len()).map(|i| self.token(i))
    }
}

/// The feature hashes of every token of one sentence.
pub fn sentence_features(doc: &DocCase, words: &[&str]) -> Features {
    let view = SentenceView::new(words);
    let mut out = Features::default();
    for i in 0..words.len() {
        view.own_features(doc, i, &mut out.hashes);
        view.context_features(doc, i, &mut out.hashes);
        out.ends.push(out.hashes.len());
    }
    out
}

/// What the features of a sentence's tokens read: each word's normal
/// form, shape and gazetteer facts, and facts about the whole sentence.
pub(super) struct SentenceView<'w> {
    words: &'w [&'w str],
    lower: Vec<String>,
    shapes: Vec<String>,
    flags: Vec<u8>,
    phrases: Vec<u8>,
    shouting: bool,
    /// A results or figures line: many tokens with digits.
    tabular: u8,
}

impl<'w> SentenceView<'w> {
    pub(super) fn new(words: &'w [&'w str]) -> SentenceView<'w> {
        let lower: Vec<String> = words.iter().map(|w| normal(w)).collect();
        let numbers = words.iter().filter(|w| w.chars().any(|c| c.is_ascii_digit())).count();
        SentenceView {
            words,
            shapes: words.iter().map(|w| shape(w)).collect(),
            flags: lower.iter().map(|w| lexicon_flags(w)).collect(),
            phrases: phrase_marks(&lower),
            shouting: is_shouting(words),
            tabular: u8::from(numbers >= 2 && numbers * 4 >= words.len()),
            lower,
        }
    }

    fn word(&self, i: isize) -> &[u8] {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.lower.get(i))
            .map_or(if i < 0 { b"<s>" } else { b"</s>" }, |w| w.as_bytes())
    }

    fn shape_at(&self, i: isize) -> &[u8] {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.shapes.get(i))
            .map_or(b"-", |s| s.as_bytes())
    }

    fn flag_at(&self, i: isize) -> u8 {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.flags.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// The features of token `i` that its own spelling decides, wherever
    /// it stands: the same for every mention of the word in the document,
    /// so a tagger may score them once per distinct word.
    pub(super) fn own_features(&self, doc: &DocCase, i: usize, out: &mut Vec<u32>) {
        let j = i as isize;
        let w = self.lower[i].as_str();
        let prefix = &w[..w.char_indices().nth(3).map_or(w.len(), |(b, _)| b)];
        let suffix = &w[w.char_indices().rev().nth(2).map_or(0, |(b, _)| b)..];
        let suffix2 = &w[w.char_indices().rev().nth(1).map_or(0, |(b, _)| b)..];
        out.extend([
            bucket(0, &[]),
            bucket(1, &[w.as_bytes()]),
            bucket(2, &[self.shape_at(j)]),
            bucket(3, &[prefix.as_bytes()]),
            bucket(4, &[suffix.as_bytes()]),
            bucket(5, &[suffix2.as_bytes()]),
            bucket(14, &[&[self.flag_at(j)]]),
        ]);
        for bit in 0..8 {
            if self.flag_at(j) & 1 << bit != 0 {
                out.push(bucket(23, &[&[bit], self.shape_at(j)]));
            }
        }
        if first_upper(self.words[i]) {
            out.extend(doc.contexts.get(w).into_iter().flatten());
        }
    }

    /// The features of token `i` that its neighbours and sentence decide.
    pub(super) fn context_features(&self, doc: &DocCase, i: usize, out: &mut Vec<u32>) {
        let j = i as isize;
        let w = self.lower[i].as_bytes();
        let case = case_evidence(doc, self.words[i], &self.lower[i], i == 0, self.shouting);
        out.extend([
            bucket(6, &[self.word(j - 1)]),
            bucket(7, &[self.word(j + 1)]),
            bucket(8, &[self.word(j - 2)]),
            bucket(9, &[self.word(j + 2)]),
            bucket(10, &[self.shape_at(j - 1), self.shape_at(j)]),
            bucket(11, &[self.shape_at(j), self.shape_at(j + 1)]),
            bucket(12, &[self.word(j - 1), w]),
            bucket(13, &[w, self.word(j + 1)]),
            bucket(15, &[&[self.flag_at(j - 1)]]),
            bucket(16, &[&[self.flag_at(j + 1)]]),
            bucket(17, &[&[self.phrases[i]]]),
            bucket(18, &[&[u8::from(i == 0), case]]),
            bucket(19, &[&[u8::from(self.shouting)], self.shape_at(j)]),
            bucket(20, &[&[self.tabular], self.shape_at(j)]),
            bucket(21, &[self.shape_at(j - 1), w]),
            bucket(22, &[w, self.shape_at(j + 1)]),
        ]);
    }
}

/// What the rest of the document says about a capitalised word: 0 nothing,
/// 1 it also appears in lowercase (a common word), 2 it appears capitalised
/// mid-sentence (a name), 3 both.
fn case_evidence(doc: &DocCase, word: &str, lower: &str, initial: bool, shouting: bool) -> u8 {
    let first = word.chars().next().unwrap_or(' ');
    if !first.is_uppercase() || !(initial || shouting || is_all_caps(word)) {
        return 4;
    }
    u8::from(doc.lower.contains(lower)) | u8::from(doc.capitalised.contains(lower)) << 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_normal_forms() {
        assert_eq!(shape("McDonald's"), "XxXxx'x");
        assert_eq!(shape("1996-08-30"), "dd-dd-dd");
        assert_eq!(normal("Zürich 1996"), "zürich 0000");
    }

    #[test]
    fn gazetteer_phrases_are_marked() {
        let lower: Vec<String> = ["in", "new", "york", "city"].iter().map(|s| s.to_string()).collect();
        let marks = phrase_marks(&lower);
        assert_eq!(marks[0], 0);
        assert!(marks[1] & 4 != 0 && marks[2] == marks[1] & 3);
    }

    #[test]
    fn case_elsewhere_in_the_document_is_evidence() {
        let sents: Vec<Vec<&str>> = vec![
            vec!["JAPAN", "GET", "LUCKY", "WIN"],
            vec!["Japan", "beat", "Syria", "'s", "luck"],
        ];
        let doc = DocCase::new(sents.iter().map(Vec::as_slice));
        assert_eq!(case_evidence(&doc, "LUCKY", "lucky", false, true), 0);
        assert_eq!(case_evidence(&doc, "SYRIA", "syria", false, true), 2);
        assert_eq!(sentence_features(&doc, &sents[0]).len(), 4);
    }

    #[test]
    fn own_features_depend_on_the_word_alone() {
        // The tagger scores a word's own features once per document: they
        // must not change with the sentence or the position.
        let sents: Vec<Vec<&str>> = vec![
            vec!["Okafor", "said", "Millbrook", "would", "vote", "."],
            vec!["MILLBROOK", "VOTES", "TODAY"],
            vec![
                "In",
                "Millbrook",
                ",",
                "Okafor",
                "waited",
                "for",
                "results",
                "2",
                "-",
                "1",
                ".",
            ],
        ];
        let doc = DocCase::new(sents.iter().map(Vec::as_slice));
        let own = |s: usize, i: usize| {
            let mut out = Vec::new();
            SentenceView::new(&sents[s]).own_features(&doc, i, &mut out);
            out
        };
        assert_eq!(own(0, 0), own(2, 3), "Okafor");
        assert_eq!(own(0, 2), own(2, 1), "Millbrook");
        assert_ne!(own(0, 2), own(1, 0), "another spelling is another word");
        let all = sentence_features(&doc, &sents[2]);
        assert!(own(2, 3).iter().all(|f| all.token(3).contains(f)));
    }

    #[test]
    fn a_capitalised_word_hears_its_other_mentions() {
        let sents: Vec<Vec<&str>> = vec![
            vec!["Floods", "hit", "Millbrook", "."],
            vec!["Residents", "of", "Millbrook", "left", "."],
            vec!["millbrook", "is", "no", "name", "here"],
        ];
        let doc = DocCase::new(sents.iter().map(Vec::as_slice));
        let of = bucket(24, &[b"of"]);
        assert!(doc.contexts["millbrook"].contains(&of));
        assert!(
            sentence_features(&doc, &sents[0]).token(2).contains(&of),
            "the first mention hears the second"
        );
        assert!(
            !sentence_features(&doc, &sents[2]).token(0).contains(&of),
            "a lowercase word does not"
        );
    }
}
