//! What the section classifier reads of an article: lowercase words of the
//! title and of the text's lead, word pairs, and character n-grams of the
//! words (so a rare name or inflection shares weight with its relatives).
//! Each feature is hashed into one of [`BUCKETS`] slots; each group of
//! features is scaled to unit length and then by its group weight, so a
//! long lead does not drown the title.

use crate::tagger::bucket;

/// Words of the title read; headlines are far shorter.
pub const TITLE_WORDS: usize = 40;

/// Words of the text read: its lead. Training texts are one or two
/// sentences, so reading a whole article body would describe something
/// else than the model learned.
pub const LEAD_WORDS: usize = 60;

/// Characters scanned per field, so text without spaces costs no more.
const MAX_CHARS: usize = 1_200;

/// Characters kept of one word; longer runs are cut.
const MAX_WORD_CHARS: usize = 24;

/// Lengths of the character n-grams taken from each `<word>`.
const NGRAMS: std::ops::RangeInclusive<usize> = 3..=5;

/// Bits of a feature's slot: 2²¹ slots keep collisions rare for the
/// ~1 M distinct features of the training data.
pub const HASH_BITS: u32 = 21;

/// How many feature slots there are.
pub const BUCKETS: usize = 1 << HASH_BITS;

/// The feature groups, in the order of their weights: words and word
/// pairs of the title and lead together, the title's again (a headline
/// word says more than a teaser word), and character n-grams of all words.
pub const GROUP_NAMES: [&str; GROUPS] = ["words", "title words", "subwords"];

/// How many feature groups there are.
pub const GROUPS: usize = 3;

/// Largest inverse document frequency a model file can hold (1 + ln 10⁵ ≈ 12.5).
pub const IDF_STEP: f32 = 0.05;

/// The lowercase words of `s`: runs of letters and digits, at most `max`
/// of them, each cut at [`MAX_WORD_CHARS`].
pub fn words(s: &str, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut len = 0;
    for c in s.chars().take(MAX_CHARS) {
        if c.is_alphanumeric() {
            if len < MAX_WORD_CHARS {
                current.extend(c.to_lowercase());
                len += 1;
            }
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
            len = 0;
            if out.len() == max {
                return out;
            }
        }
    }
    if !current.is_empty() && out.len() < max {
        out.push(current);
    }
    out
}

/// The hashed features of an article, group by group, one slot per
/// occurrence.
pub fn slots(title: &str, text: &str) -> [Vec<u32>; GROUPS] {
    let title = words(title, TITLE_WORDS);
    let lead = words(text, LEAD_WORDS);
    let mut both = unigrams(0, title.iter().chain(&lead));
    both.extend(bigrams(1, &title));
    both.extend(bigrams(1, &lead));
    let mut heading = unigrams(2, title.iter());
    heading.extend(bigrams(3, &title));
    [both, heading, subwords(4, title.iter().chain(&lead))]
}

/// The weighted features of an article: `(slot, value)` pairs sorted by
/// slot. Within a group a feature counts (1 + ln tf) · idf, where `idf`
/// gives each known slot's inverse document frequency and leaves unknown
/// ones out; each group is scaled to unit length, then by its weight.
pub fn vectorize(
    groups: [Vec<u32>; GROUPS],
    weights: &[f32; GROUPS],
    idf: impl Fn(u32) -> Option<f32>,
) -> Vec<(u32, f32)> {
    let mut out = Vec::new();
    for (mut keys, &weight) in groups.into_iter().zip(weights) {
        if weight == 0.0 {
            continue;
        }
        keys.sort_unstable();
        let mut group: Vec<(u32, f32)> = Vec::new();
        for run in keys.chunk_by(|a, b| a == b) {
            if let Some(idf) = idf(run[0]) {
                group.push((run[0], (1.0 + (run.len() as f32).ln()) * idf));
            }
        }
        let norm = group.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.extend(group.into_iter().map(|(k, x)| (k, x * weight / norm)));
        }
    }
    merge_slots(out)
}

/// Sums the values of features that share a slot, sorted by slot.
fn merge_slots(mut features: Vec<(u32, f32)>) -> Vec<(u32, f32)> {
    features.sort_unstable_by_key(|&(k, _)| k);
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(features.len());
    for (k, v) in features {
        match out.last_mut() {
            Some(last) if last.0 == k => last.1 += v,
            _ => out.push((k, v)),
        }
    }
    out
}

fn slot(hash: u32) -> u32 {
    hash & (BUCKETS as u32 - 1)
}

fn unigrams<'a>(template: u8, words: impl Iterator<Item = &'a String>) -> Vec<u32> {
    words.map(|w| slot(bucket(template, &[w.as_bytes()]))).collect()
}

fn bigrams(template: u8, words: &[String]) -> Vec<u32> {
    words
        .windows(2)
        .map(|p| slot(bucket(template, &[p[0].as_bytes(), p[1].as_bytes()])))
        .collect()
}

/// Character n-grams of each word framed as `<word>`.
fn subwords<'a>(template: u8, words: impl Iterator<Item = &'a String>) -> Vec<u32> {
    let mut out = Vec::new();
    for w in words {
        let framed = format!("<{w}>");
        let bounds: Vec<usize> = framed.char_indices().map(|(b, _)| b).chain([framed.len()]).collect();
        for n in NGRAMS {
            for start in 0..bounds.len().saturating_sub(n) {
                let gram = &framed.as_bytes()[bounds[start]..bounds[start + n]];
                out.push(slot(bucket(template, &[gram])));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercase_bounded_runs() {
        assert_eq!(
            words("Biden’s U.N. Speech, 2022!", 10),
            ["biden", "s", "u", "n", "speech", "2022"]
        );
        assert_eq!(words("one two three", 2), ["one", "two"]);
        assert_eq!(words(&"x".repeat(100), 5), ["x".repeat(MAX_WORD_CHARS)]);
        assert!(words("", 5).is_empty() && words(" ,; ", 5).is_empty());
    }

    #[test]
    fn groups_are_unit_length_before_weighting() {
        let known = |_| Some(2.0);
        let v = vectorize([vec![7, 7, 9], vec![], vec![]], &[3.0, 1.0, 1.0], known);
        assert_eq!(v.iter().map(|f| f.0).collect::<Vec<_>>(), [7, 9]);
        let norm: f32 = v.iter().map(|(_, x)| x * x).sum();
        assert!((norm - 9.0).abs() < 1e-4 && v[0].1 > v[1].1);
        assert!(vectorize([vec![7], vec![8], vec![9]], &[1.0; GROUPS], |_| None).is_empty());
        assert_eq!(slots("Stocks Fall", "").map(|g| g.len()), [3, 3, 15 + 9]);
    }

    #[test]
    fn subwords_frame_each_word() {
        // "<ab>" gives "<ab", "ab>" (3) and "<ab>" (4).
        assert_eq!(subwords(4, ["ab".to_string()].iter()).len(), 3);
        assert_eq!(subwords(4, ["é".to_string()].iter()).len(), 1);
    }
}
