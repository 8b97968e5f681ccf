//! Words, stop words and a light stemmer shared by summary and ask.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::tagger::FxBuild;

/// Words too common to say what a sentence is about.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because",
    "been", "before", "being", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down",
    "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
    "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me",
    "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our",
    "ours", "out", "over", "own", "said", "same", "says", "she", "should", "so", "some", "such", "than", "that", "the",
    "their", "theirs", "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under",
    "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why",
    "will", "with", "would", "you", "your", "yours", "s", "t", "mr", "mrs", "ms", "one", "told", "say", "new", "like",
    "may", "might", "must", "shall", "us", "yet", "even", "still", "however", "many", "much",
];

/// Whether a lowercase word is a stop word.
pub fn is_stopword(w: &str) -> bool {
    static SET: OnceLock<HashSet<&str, FxBuild>> = OnceLock::new();
    SET.get_or_init(|| STOPWORDS.iter().copied().collect()).contains(w)
}

/// Lowercase words of `s` (letters and digits; inner apostrophes kept), with byte offsets.
pub fn words(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = s.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some(&(_, c)) = rest.peek() {
            if c.is_alphanumeric() {
                break;
            }
            rest.next();
        }
        let (start, _) = *rest.peek()?;
        let mut end = start;
        while let Some(&(i, c)) = rest.peek() {
            let inner_apostrophe = matches!(c, '\'' | '’') && s[i + c.len_utf8()..].starts_with(char::is_alphanumeric);
            if !(c.is_alphanumeric() || inner_apostrophe) {
                break;
            }
            end = i + c.len_utf8();
            rest.next();
        }
        Some((start, &s[start..end]))
    })
}

/// Content terms of `s`: lowercased, stemmed, stop words dropped.
pub fn terms(s: &str) -> Vec<String> {
    let mut term = String::new();
    let mut out = Vec::new();
    for (_, w) in words(s) {
        if term_of(w, &mut term) {
            out.push(term.clone());
        }
    }
    out
}

/// Writes the content term of word `w` into `out`; false for a stop word.
fn term_of(w: &str, out: &mut String) -> bool {
    lowercase_into(w, out);
    // `trim_end_matches` with a string pattern builds a substring searcher per call.
    for possessive in ["'s", "’s"] {
        while out.ends_with(possessive) {
            out.truncate(out.len() - possessive.len());
        }
    }
    if out.is_empty() || is_stopword(out) {
        return false;
    }
    stem_in_place(out);
    true
}

/// `w.to_lowercase()`, written into `out` without allocating for ASCII.
pub(crate) fn lowercase_into(w: &str, out: &mut String) {
    out.clear();
    if w.is_ascii() {
        out.extend(w.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.push_str(&w.to_lowercase());
    }
}

/// Ids for the content terms of one text's sentences: comparing and
/// counting ids costs far less than comparing the strings.
#[derive(Default)]
pub(crate) struct TermIds {
    ids: HashMap<Box<str>, u32, FxBuild>,
    term: String,
}

impl TermIds {
    /// The ids of the content terms of `s`, in order (see [`terms`]).
    pub fn terms(&mut self, s: &str) -> Vec<u32> {
        words(s).filter_map(|(_, w)| self.id_of(w)).collect()
    }

    /// How many distinct terms have ids: every id is below it.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    fn id_of(&mut self, w: &str) -> Option<u32> {
        if !term_of(w, &mut self.term) {
            return None;
        }
        if let Some(&id) = self.ids.get(self.term.as_str()) {
            return Some(id);
        }
        let id = u32::try_from(self.ids.len()).ok()?;
        self.ids.insert(self.term.as_str().into(), id);
        Some(id)
    }
}

/// A light English suffix stripper: enough to make "talks" meet "talked".
pub fn stem(w: &str) -> String {
    let mut out = w.to_string();
    stem_in_place(&mut out);
    out
}

fn stem_in_place(w: &mut String) {
    if !w.is_ascii() || w.len() <= 3 {
        return;
    }
    for (suffix, with) in [("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", "")] {
        if let Some(base) = w.strip_suffix(suffix) {
            if base.len() >= 3 && !(suffix == "s" && base.ends_with('s')) {
                w.truncate(base.len());
                w.push_str(with);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_inner_apostrophes_and_offsets() {
        let got: Vec<_> = words("Putin's 'deal' — 5 ways!").collect();
        assert_eq!(got, vec![(0, "Putin's"), (9, "deal"), (19, "5"), (21, "ways")]);
    }

    #[test]
    fn terms_are_stemmed_content_words() {
        assert_eq!(terms("The talks were talked about"), vec!["talk", "talk"]);
        assert_eq!(stem("guarantees"), stem("guarantee"));
        assert_eq!(stem("agencies"), "agency");
        assert_eq!(stem("classes"), "class");
    }

    #[test]
    fn term_ids_name_each_distinct_term_once() {
        let mut ids = TermIds::default();
        let a = ids.terms("Talks on the budget's talking points");
        let b = ids.terms("Budget talked");
        assert_eq!(a, vec![0, 1, 0, 2]);
        assert_eq!(b, vec![1, 0]);
        assert_eq!(ids.len(), 3);
        assert_eq!(
            terms("Talks on the budget's talking points"),
            vec!["talk", "budget", "talk", "point"]
        );
    }
}
