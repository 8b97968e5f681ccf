//! Turning headlines and leads into hashed terms.
//!
//! Words are split on anything that is not a letter or digit, lower-cased,
//! stripped of English stop words and of a plural or possessive `s`. Scripts
//! written without spaces (Chinese, Japanese, Korean, Thai) become character
//! bigrams, so a headline in any script yields terms that other headlines of
//! the same story share. Terms are 64-bit hashes: the engine never stores
//! strings, and equal words hash equally across runs (the hash is fixed).

use std::borrow::Cow;

/// One term of a document: its hash and whether it looked like a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Term {
    pub hash: u64,
    /// Capitalised inside mixed-case text: a person, place or organisation,
    /// which stories share far more reliably than common words.
    pub entity: bool,
}

/// Words longer than this are junk (URLs, base64, glued tokens): skipped.
const MAX_WORD_CHARS: usize = 40;

/// Calls `emit` for each term of `text`, at most `limit` terms.
pub(crate) fn terms(text: &str, limit: usize, mut emit: impl FnMut(Term)) {
    let mixed_case = has_mixed_case(text);
    // One buffer for every word's lower-case form: most words are ASCII.
    let mut lower = String::new();
    let mut count = 0;
    let mut sentence_start = true;
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if count >= limit {
            return;
        }
        if word.is_empty() {
            continue;
        }
        let was_start = std::mem::replace(&mut sentence_start, false);
        if word.chars().any(is_unspaced_script) {
            count += bigrams(word, limit - count, &mut emit);
            continue;
        }
        if word.chars().count() > MAX_WORD_CHARS {
            continue;
        }
        lower_case(word, &mut lower);
        if lower.len() <= LONGEST_STOP_WORD && STOP_WORDS.binary_search(&lower.as_str()).is_ok() {
            continue;
        }
        let stem = stem(&lower);
        if stem.chars().count() < 2 && !stem.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let capital = word.chars().next().is_some_and(char::is_uppercase);
        emit(Term {
            hash: hash(stem.as_bytes()),
            entity: mixed_case && capital && !was_start,
        });
        count += 1;
    }
}

/// `word` lower-cased into `out`; `str::to_lowercase` outside ASCII, for
/// its context rules (a final sigma).
fn lower_case(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&word.to_lowercase());
    }
}

/// Capitalisation only marks names when the text is not all one case.
fn has_mixed_case(text: &str) -> bool {
    let lower = text.chars().filter(|c| c.is_lowercase()).count();
    let upper = text.chars().filter(|c| c.is_uppercase()).count();
    lower > 0 && upper > 0 && upper * 2 < lower
}

/// Character bigrams of a run in a script without word spaces.
fn bigrams(word: &str, limit: usize, emit: &mut impl FnMut(Term)) -> usize {
    let chars: Vec<char> = word.chars().collect();
    let mut n = 0;
    let mut buf = [0u8; 8];
    if chars.len() == 1 {
        emit(Term {
            hash: hash(chars[0].encode_utf8(&mut buf).as_bytes()),
            entity: false,
        });
        return 1;
    }
    for pair in chars.windows(2).take(limit) {
        let mut s = String::with_capacity(8);
        s.push(pair[0]);
        s.push(pair[1]);
        emit(Term {
            hash: hash(s.as_bytes()),
            entity: false,
        });
        n += 1;
    }
    n
}

/// Han, kana, Hangul and Thai: scripts whose words are not space-separated.
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0E7F        // Thai
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF      // CJK Extension A
        | 0x4E00..=0x9FFF      // CJK Unified Ideographs
        | 0xAC00..=0xD7AF      // Hangul syllables
        | 0xF900..=0xFAFF) // CJK Compatibility Ideographs
}

/// A deliberately light English stemmer: plurals and possessives only.
/// Headlines of one story say "flood"/"floods", "Pryce's"/"Pryce"; heavier
/// stemming merges unrelated words and does nothing for other languages.
fn stem(word: &str) -> Cow<'_, str> {
    if !word.is_ascii() || word.len() <= 3 {
        return Cow::Borrowed(word);
    }
    if let Some(s) = word.strip_suffix("ies").filter(|s| s.len() >= 2) {
        return Cow::Owned(format!("{s}y"));
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return Cow::Borrowed(word);
    }
    Cow::Borrowed(word.strip_suffix('s').unwrap_or(word))
}

/// FNV-1a followed by a finaliser: fixed across runs and platforms, so
/// clustering decisions are reproducible.
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    mix(fnv(FNV_OFFSET, bytes))
}

pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, continuing from `h`.
pub(crate) fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The splitmix64 finaliser: spreads bits so that any slice of the hash is uniform.
pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Bytes in the longest stop word: most longer words skip the search.
const LONGEST_STOP_WORD: usize = 7;

/// Lower-cased English stop words plus words every news headline uses.
/// Sorted: looked up by binary search.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at", "be", "because",
    "been", "before", "being", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down",
    "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
    "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "me", "more", "most", "my", "no", "nor",
    "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "out", "over", "own", "s", "said", "same",
    "say", "says", "she", "should", "so", "some", "such", "t", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were",
    "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &str) -> Vec<Term> {
        let mut v = Vec::new();
        terms(text, 100, |t| v.push(t));
        v
    }

    #[test]
    fn stop_words_are_sorted() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(STOP_WORDS.iter().map(|w| w.len()).max(), Some(LONGEST_STOP_WORD));
    }

    #[test]
    fn plural_and_possessive_forms_share_a_term() {
        assert_eq!(collect("floods")[0].hash, collect("flood")[0].hash);
        assert_eq!(collect("cities")[0].hash, collect("city")[0].hash);
        assert_eq!(collect("Pryce's")[0].hash, collect("pryce")[0].hash);
        assert_eq!(collect("The news")[0].hash, collect("news")[0].hash);
    }

    #[test]
    fn names_inside_mixed_case_text_are_entities() {
        let t = collect("Flood waters rise as Osk River breaks banks");
        assert!(!t[0].entity, "the first word is capitalised by grammar");
        assert!(t.iter().filter(|t| t.entity).count() == 2, "{t:?}");
        assert!(collect("OSK RIVER FLOODS").iter().all(|t| !t.entity));
    }

    #[test]
    fn unspaced_scripts_become_bigrams_and_other_scripts_words() {
        assert_eq!(collect("東京大学").len(), 3);
        assert_eq!(collect("Москва объявила").len(), 2);
        assert_eq!(collect("中").len(), 1);
    }

    #[test]
    fn empty_and_junk_text_yield_nothing() {
        assert!(collect("").is_empty());
        assert!(collect("!!! --- ...").is_empty());
        assert!(collect(&"x".repeat(100)).is_empty());
    }

    #[test]
    fn the_limit_bounds_the_work() {
        let long = "word ".repeat(10_000);
        let mut n = 0;
        terms(&long, 50, |_| n += 1);
        assert_eq!(n, 50);
    }
}
