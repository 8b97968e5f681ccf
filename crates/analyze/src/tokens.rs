//! Words, stop words and a light stemmer shared by summary and ask.

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
    STOPWORDS.contains(&w)
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
    words(s)
        .filter_map(|(_, w)| {
            let lower = w.to_lowercase();
            let lower = lower.trim_end_matches("'s").trim_end_matches("’s");
            (!is_stopword(lower) && !lower.is_empty()).then(|| stem(lower))
        })
        .collect()
}

/// A light English suffix stripper: enough to make "talks" meet "talked".
pub fn stem(w: &str) -> String {
    if !w.is_ascii() || w.len() <= 3 {
        return w.to_string();
    }
    for (suffix, with) in [("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", "")] {
        if let Some(base) = w.strip_suffix(suffix) {
            if base.len() >= 3 && !(suffix == "s" && base.ends_with('s')) {
                return format!("{base}{with}");
            }
        }
    }
    w.to_string()
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
    }
}
