//! A sentence splitter for news text.
//!
//! News defeats naive splitting on `. `: abbreviations ("U.S.", "Gen.",
//! "Jan."), initials ("George W. Bush"), quotes that close after the full
//! stop, datelines ("WASHINGTON (AP) —") and bullet lists. Every line break
//! ends a sentence (extracted text puts paragraphs and list items on their
//! own lines); inside a line a terminator ends a sentence only when what
//! follows looks like a sentence start.

use std::ops::Range;

/// One sentence: a byte range into the text, and its paragraph number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// Byte range of the sentence in the text, without surrounding spaces.
    pub span: Range<usize>,
    /// Index of the paragraph (non-empty line) holding it.
    pub para: usize,
}

/// Words that end with a full stop without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "gen", "sen", "rep", "gov", "lt", "col", "capt", "cpt", "maj", "sgt", "adm",
    "cmdr", "st", "jr", "sr", "rev", "hon", "pres", "supt", "det", "insp", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun", "no",
    "nos", "vs", "v", "etc", "inc", "ltd", "co", "corp", "dept", "univ", "approx", "est", "fig", "vol", "pp", "ft",
    "mt", "ave", "blvd", "rd", "calif", "fla", "ill", "mass", "mich", "minn", "penn", "tenn", "tex", "wash", "wis",
    "ariz", "colo", "conn", "ind", "kan", "nev", "okla", "ore", "va", "al", "e.g", "i.e", "a.m", "p.m",
];

/// Capitalised words that start a sentence after an acronym like "U.S.".
const STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "But",
    "And",
    "In",
    "On",
    "This",
    "That",
    "There",
    "His",
    "Her",
    "Their",
    "Its",
    "Our",
    "Some",
    "Many",
    "Officials",
    "When",
    "After",
    "As",
    "If",
    "Yet",
    "So",
    "Still",
];

/// Splits `text` into sentences, in order, trimmed of surrounding spaces and bullet marks.
pub fn split(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut para = 0;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let before = out.len();
        split_line(text, line_start..line_start + line.len(), para, &mut out);
        if out.len() > before {
            para += 1;
        }
        line_start += line.len();
    }
    out
}

/// Splits one line (a paragraph or list item) and appends its sentences.
fn split_line(text: &str, line: Range<usize>, para: usize, out: &mut Vec<Sentence>) {
    let s = &text[line.clone()];
    let mut start = 0;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if !is_terminator(c) {
            continue;
        }
        // Swallow runs like `?!`, `...`, and closing quotes or brackets.
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = iter.peek() {
            if is_terminator(d) || is_closer(d) {
                end = j + d.len_utf8();
                iter.next();
            } else {
                break;
            }
        }
        if ends_sentence(s, start, i, c, end) {
            push(text, line.start + start..line.start + end, para, out);
            start = end;
        }
    }
    push(text, line.start + start..line.end, para, out);
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？')
}

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '»')
}

/// Whether the terminator `c` at byte `i` (its run ending at `end`) ends a sentence.
fn ends_sentence(s: &str, start: usize, i: usize, c: char, end: usize) -> bool {
    if matches!(c, '。' | '！' | '？') {
        return true;
    }
    let rest = &s[end..];
    let after = rest.trim_start();
    if after.is_empty() || after.len() == rest.len() {
        // End of line (handled by the caller) or no space: "U.S.-led", "3.5".
        return false;
    }
    let next = after.chars().next().unwrap_or(' ');
    if !(next.is_uppercase() || next.is_numeric() || is_opener(next) || is_caseless_letter(next)) {
        return false;
    }
    if c != '.' || end > i + 1 {
        return true;
    }
    !is_abbreviation(&s[start..i], after)
}

fn is_opener(c: char) -> bool {
    matches!(c, '"' | '\'' | '“' | '‘' | '(' | '[' | '«')
}

/// Letters of scripts without case (CJK, Arabic, Hebrew...) may start a sentence.
fn is_caseless_letter(c: char) -> bool {
    c.is_alphabetic() && !c.is_lowercase() && !c.is_uppercase()
}

/// Whether the word before a full stop is an abbreviation or initial, given the text after it.
fn is_abbreviation(before: &str, after: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || matches!(c, '(' | '"' | '“' | '\'' | '‘'))
        .next()
        .unwrap_or("");
    let mut chars = word.chars();
    let single_upper = matches!((chars.next(), chars.next()), (Some(a), None) if a.is_uppercase());
    if single_upper {
        return true;
    }
    let lower = word.to_lowercase();
    if lower.contains('.') && !matches!(lower.as_str(), "e.g" | "i.e" | "a.m" | "p.m") {
        // An acronym such as "U.S." ends the sentence only before a typical sentence opener.
        let next_word = after.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
        return !STARTERS.contains(&next_word);
    }
    ABBREVIATIONS.contains(&lower.as_str())
}

/// Trims a span of spaces and bullet marks and records it when anything is left.
fn push(text: &str, span: Range<usize>, para: usize, out: &mut Vec<Sentence>) {
    let s = &text[span.clone()];
    let trimmed_start = s.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '•' | '·' | '▪' | '■' | '◦'));
    let trimmed_start = strip_ascii_bullet(trimmed_start);
    let trimmed = trimmed_start.trim_end();
    if trimmed.chars().any(|c| c.is_alphanumeric()) {
        let a = span.start + (s.len() - trimmed_start.len());
        out.push(Sentence {
            span: a..a + trimmed.len(),
            para,
        });
    }
}

/// Drops a leading "- " or "* " list mark.
fn strip_ascii_bullet(s: &str) -> &str {
    match s.as_bytes() {
        [b'-' | b'*', b' ', ..] => s[2..].trim_start(),
        _ => s,
    }
}

/// Byte length of a leading dateline such as "WASHINGTON (AP) — " or "(CNN)",
/// so summaries can show the sentence without it. Zero when there is none.
pub fn dateline_len(s: &str) -> usize {
    let head = &s[..s.char_indices().nth(80).map_or(s.len(), |(i, _)| i)];
    for sep in ["(CNN)", " -- ", " — ", " – ", " - "] {
        let Some(pos) = head.find(sep) else { continue };
        let prefix = &head[..pos];
        let first = prefix.split_whitespace().next().unwrap_or("").trim_end_matches(',');
        let is_dateline = sep == "(CNN)"
            || (first.chars().filter(|c| c.is_alphabetic()).count() >= 3
                && !first.chars().any(char::is_lowercase)
                && prefix.split_whitespace().count() <= 6);
        if is_dateline {
            let mut end = pos + sep.len();
            if sep == "(CNN)" {
                let rest = &s[end..];
                end += rest.len() - rest.trim_start_matches([' ', '-', '—', '–']).len();
            }
            return end;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        split(s).into_iter().map(|x| &s[x.span]).collect()
    }

    #[test]
    fn abbreviations_and_initials_do_not_split() {
        let s = "Gen. Mark Milley met U.S. officials on Jan. 5 in Washington. George W. Bush was not there. It rained.";
        assert_eq!(
            texts(s),
            vec![
                "Gen. Mark Milley met U.S. officials on Jan. 5 in Washington.",
                "George W. Bush was not there.",
                "It rained."
            ]
        );
    }

    #[test]
    fn acronym_at_sentence_end_splits_before_a_starter() {
        assert_eq!(
            texts("He flew to the U.S. The talks began."),
            vec!["He flew to the U.S.", "The talks began."]
        );
    }

    #[test]
    fn quotes_close_after_the_stop() {
        let s = "\"We are ready. We will go,\" he said. 'Fine?' she asked. “No.” Then silence.";
        assert_eq!(
            texts(s),
            vec![
                "\"We are ready.",
                "We will go,\" he said.",
                "'Fine?' she asked.",
                "“No.”",
                "Then silence."
            ]
        );
    }

    #[test]
    fn lines_and_bullets_are_sentences() {
        let s = "Key facts\n- First point\n• Second point\n\nLast paragraph here.";
        let got = split(s);
        assert_eq!(
            got.iter().map(|x| &s[x.span.clone()]).collect::<Vec<_>>(),
            vec!["Key facts", "First point", "Second point", "Last paragraph here."]
        );
        assert_eq!(got.iter().map(|x| x.para).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    }

    #[test]
    fn datelines_are_measured() {
        let s = "WASHINGTON (AP) — The Senate voted.";
        assert_eq!(&s[dateline_len(s)..], "The Senate voted.");
        let c = "(CNN)Share, and your gift will be multiplied.";
        assert_eq!(&c[dateline_len(c)..], "Share, and your gift will be multiplied.");
        let d = "LONDON, England (Reuters) -- Prices rose.";
        assert_eq!(&d[dateline_len(d)..], "Prices rose.");
        assert_eq!(dateline_len("The President - who spoke - left."), 0);
    }

    #[test]
    fn hostile_text_is_handled() {
        assert!(split("").is_empty());
        assert!(split("   \n\n  ").is_empty());
        assert_eq!(split("no punctuation at all just words").len(), 1);
        let mixed = "Привет мир. 你好。世界！ مرحبا. Done.";
        let got = texts(mixed);
        assert_eq!(got, vec!["Привет мир.", "你好。", "世界！", "مرحبا.", "Done."]);
        let dots = ".".repeat(10_000);
        assert!(split(&dots).is_empty());
    }
}
