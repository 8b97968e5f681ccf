//! Word tokens as the tagger's training data has them (Penn Treebank style):
//! punctuation apart, a possessive `'s` apart, abbreviations keep their dot.

use std::ops::Range;

/// Abbreviations written with a final dot that belongs to the word.
const DOTTED: &[&str] = &[
    "Adm", "Brig", "Capt", "Cmdr", "Co", "Col", "Corp", "Cpl", "Dr", "Gen", "Gov", "Inc", "Jr", "Lt", "Ltd", "Maj",
    "Mr", "Mrs", "Ms", "Mt", "No", "Prof", "Rep", "Rev", "Sen", "Sgt", "Sr", "St", "Supt",
];

/// One word or punctuation mark of a text, with its byte range there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    /// The token as written.
    pub text: &'a str,
    /// Its byte range in the text given to [`tokenize`].
    pub span: Range<usize>,
}

/// Splits `text[span]` into tokens; inner `.`, `-`, `'` and `&` stay inside a
/// word ("U.S", "Holtz-Eakin", "O'Brien", "AT&T").
pub fn tokenize(text: &str, span: Range<usize>) -> Vec<Token<'_>> {
    let s = &text[span.clone()];
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = i + c.len_utf8();
        if c.is_alphanumeric() {
            while let Some(&(j, d)) = chars.peek() {
                let after = &s[j + d.len_utf8()..];
                let joins = matches!(d, '.' | '-' | '\'' | '’' | '&') && after.starts_with(char::is_alphanumeric);
                let possessive = matches!(d, '\'' | '’') && is_possessive_s(after);
                if d.is_alphanumeric() || (joins && !possessive) {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            if s[end..].starts_with('.') && keeps_dot(&s[i..end]) {
                end += 1;
                chars.next();
            }
        } else if matches!(c, '\'' | '’') && is_possessive_s(&s[end..]) {
            end += 1;
            chars.next();
        }
        let at = span.start + i..span.start + end;
        out.push(Token {
            text: &text[at.clone()],
            span: at,
        });
    }
    out
}

/// Whether `after` (what follows an apostrophe) is a possessive `s` ending the word.
fn is_possessive_s(after: &str) -> bool {
    let mut rest = after.chars();
    matches!(rest.next(), Some('s' | 'S')) && !rest.next().is_some_and(char::is_alphanumeric)
}

/// Whether a following dot belongs to the word: an initial, a dotted acronym
/// or a common abbreviation ("J.", "U.S.", "Mr.").
fn keeps_dot(word: &str) -> bool {
    let mut chars = word.chars();
    let single_capital = chars.next().is_some_and(char::is_uppercase) && chars.next().is_none();
    single_capital || word.contains('.') || DOTTED.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<&str> {
        tokenize(s, 0..s.len()).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn treebank_style() {
        assert_eq!(
            words("Mr. O'Brien's U.S. visit (to AT&T) ended, J. Smith said."),
            [
                "Mr.", "O'Brien", "'s", "U.S.", "visit", "(", "to", "AT&T", ")", "ended", ",", "J.", "Smith", "said",
                "."
            ]
        );
        assert_eq!(words("Holtz-Eakin’s"), ["Holtz-Eakin", "’s"]);
        let s = "Ünïcödé — Köln";
        let toks = tokenize(s, 0..s.len());
        assert_eq!(&s[toks[2].span.clone()], "Köln");
    }
}
