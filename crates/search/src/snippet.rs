//! Highlighted excerpts of the article text for result listings.

use std::ops::Range;

/// Characters of article text shown per hit.
pub(crate) const SNIPPET_CHARS: usize = 200;

/// A piece of an article's plain text with the query's words marked.
///
/// `text` is raw article text, not HTML: render it escaped, wrapping each
/// `highlights` range, or use [`Snippet::to_html`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// A short stretch of the article's plain text.
    pub text: String,
    /// Byte ranges into `text` that matched the query; sorted, disjoint, on
    /// character boundaries.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The snippet as HTML: the text escaped, each highlight in `<mark>`.
    /// No other markup is produced, so the result is safe to embed as is.
    pub fn to_html(&self) -> String {
        let mut html = String::with_capacity(self.text.len() + 16 * self.highlights.len());
        let mut at = 0;
        for h in &self.highlights {
            // The fields are public: a range that does not fit is skipped, not a panic.
            let (Some(before), Some(marked)) = (self.text.get(at..h.start), self.text.get(h.clone())) else {
                continue;
            };
            escape_into(&mut html, before);
            html.push_str("<mark>");
            escape_into(&mut html, marked);
            html.push_str("</mark>");
            at = h.end;
        }
        escape_into(&mut html, &self.text[at..]);
        html
    }

    /// Converts tantivy's snippet, dropping any highlight it could not place
    /// cleanly so that slicing `text` by a highlight can never panic.
    pub(crate) fn from_tantivy(s: &tantivy::snippet::Snippet) -> Snippet {
        let text = s.fragment().to_string();
        let mut highlights: Vec<Range<usize>> = Vec::new();
        for r in tantivy::snippet::collapse_overlapped_ranges(s.highlighted()) {
            let placeable = r.start < r.end
                && r.end <= text.len()
                && text.is_char_boundary(r.start)
                && text.is_char_boundary(r.end)
                && highlights.last().is_none_or(|prev| prev.end <= r.start);
            if placeable {
                highlights.push(r);
            }
        }
        Snippet { text, highlights }
    }

    /// The opening of `text`, cut at a word boundary: shown when the query
    /// matched only the title or the filters.
    pub(crate) fn lead(text: &str) -> Snippet {
        let text = text.trim_start();
        let cut = match text.char_indices().nth(SNIPPET_CHARS) {
            None => text.len(),
            Some((end, _)) => text[..end].rfind(char::is_whitespace).unwrap_or(end),
        };
        Snippet {
            text: text[..cut].trim_end().to_string(),
            highlights: Vec::new(),
        }
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_text_and_adds_only_marks() {
        let s = Snippet {
            text: "<script>alert('x')</script> & rates".into(),
            highlights: vec![Range { start: 30, end: 35 }],
        };
        assert_eq!(
            s.to_html(),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; <mark>rates</mark>"
        );
        let misfit = Snippet {
            text: "été".into(),
            highlights: vec![1..2, 2..3, 3..99],
        };
        assert_eq!(
            misfit.to_html(),
            "é<mark>t</mark>é",
            "ranges off char boundaries are skipped"
        );
    }

    #[test]
    fn lead_cuts_at_a_word_boundary() {
        let text = "word ".repeat(100);
        let lead = Snippet::lead(&text);
        assert!(lead.text.chars().count() <= SNIPPET_CHARS);
        assert!(lead.text.ends_with("word"));
        assert_eq!(Snippet::lead("  short text").text, "short text");
        let cyrillic = "выборы ".repeat(60);
        assert!(Snippet::lead(&cyrillic).text.ends_with("выборы"));
    }
}
