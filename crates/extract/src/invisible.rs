//! Characters no extracted string may hold: C0 controls (tab and line
//! breaks aside) and DEL, which a publisher's `&#1;` smuggles in and which
//! make XML feeds built from the text ill-formed; and soft hyphens, which
//! are only line-breaking hints and split words for search and comparison.

use std::borrow::Cow;

use newsdesk_domain::Extracted;

fn is_control(c: char) -> bool {
    c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn is_invisible(c: char) -> bool {
    c == '\u{AD}' || is_control(c)
}

/// `s` without controls and soft hyphens; borrowed when it has none.
pub(crate) fn strip(s: &str) -> Cow<'_, str> {
    without(s, is_invisible)
}

/// `s` without controls, soft hyphens kept: for HTML, where they still
/// serve as hyphenation hints.
pub(crate) fn strip_controls(s: &str) -> Cow<'_, str> {
    without(s, is_control)
}

fn without(s: &str, drop: fn(char) -> bool) -> Cow<'_, str> {
    if s.contains(drop) {
        Cow::Owned(s.chars().filter(|&c| !drop(c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// Cleans `page`'s metadata strings but its URLs, which `Url` has already
/// percent-encoded, and its authors and byline, cleaned with [`fields`]
/// before the byline is joined from the authors.
pub(crate) fn clean_metadata(page: &mut Extracted) {
    for value in [
        &mut page.title,
        &mut page.site_name,
        &mut page.lang,
        &mut page.description,
        &mut page.section,
    ] {
        *value = field(value.take());
    }
    page.keywords = fields(std::mem::take(&mut page.keywords));
}

/// A metadata value cleaned of invisible characters; `None` if nothing
/// visible is left.
fn field(value: Option<String>) -> Option<String> {
    let value = value?;
    match strip(&value) {
        Cow::Borrowed(_) => Some(value),
        Cow::Owned(clean) => {
            let clean = clean.trim();
            (!clean.is_empty()).then(|| clean.to_string())
        }
    }
}

/// Each value cleaned as by [`field`]; those left empty are dropped.
pub(crate) fn fields(values: Vec<String>) -> Vec<String> {
    values.into_iter().filter_map(|v| field(Some(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_soft_hyphens_go_tabs_and_line_breaks_stay() {
        assert_eq!(strip("a\u{1}b\u{7F}c\u{AD}d\te\nf\rg"), "abcd\te\nf\rg");
        assert_eq!(strip_controls("Wort\u{AD}tren\u{0}nung"), "Wort\u{AD}trennung");
        assert!(matches!(strip("plain"), Cow::Borrowed(_)));
        assert_eq!(field(Some("\u{1} Headline".into())).as_deref(), Some("Headline"));
        assert_eq!(field(Some("\u{1}\u{AD}".into())), None);
        assert_eq!(fields(vec!["Ana\u{AD}".into(), "\u{2}".into()]), ["Ana"]);
    }
}
