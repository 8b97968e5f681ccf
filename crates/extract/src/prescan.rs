//! Cuts scripts, styles and comments out of the page before it is parsed.
//!
//! On news pages more than half of the bytes are inline JavaScript, JSON
//! state blobs, CSS and comments, none of which can be article text, and the
//! HTML tokenizer would walk them character by character. A byte scan that
//! skips them first roughly halves the parse. JSON-LD scripts are kept: they
//! carry the article's metadata.

use std::borrow::Cow;

/// `html` without its `<script>` (except JSON-LD), `<style>` and `<!-- -->` parts.
pub fn strip_raw_text(html: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut pos = 0;
    while let Some(off) = memchr::memchr(b'<', &html.as_bytes()[pos..]) {
        let start = pos + off;
        let Some(skip_to) = skippable_end(html, start) else {
            pos = start + 1;
            continue;
        };
        let buf = out.get_or_insert_with(|| String::with_capacity(html.len() / 2));
        buf.push_str(&html[copied..start]);
        copied = skip_to;
        pos = skip_to;
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut buf) => {
            buf.push_str(&html[copied..]);
            Cow::Owned(buf)
        }
    }
}

/// `html` with every CR LF and lone CR as LF, as the tokenizer must see it.
pub fn normalise_newlines(html: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\r', html.as_bytes()).is_none() {
        return Cow::Borrowed(html);
    }
    Cow::Owned(html.replace("\r\n", "\n").replace('\r', "\n"))
}

/// `html` with its `<noscript>` and `</noscript>` tags removed, so that what
/// they hold parses as ordinary markup. A page rendered by script often
/// keeps its only static copy there (forums serve crawlers this way).
pub fn unwrap_noscript(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut pos = 0;
    while let Some(off) = memchr::memchr(b'<', &bytes[pos..]) {
        let start = pos + off;
        let name_at = start + 1 + usize::from(bytes.get(start + 1) == Some(&b'/'));
        if !starts_with_tag(&bytes[name_at.min(bytes.len())..], b"noscript") {
            pos = start + 1;
            continue;
        }
        let Some(end) = find(html, name_at, ">") else { break };
        let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
        buf.push_str(&html[copied..start]);
        copied = end + 1;
        pos = end + 1;
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut buf) => {
            buf.push_str(&html[copied..]);
            Cow::Owned(buf)
        }
    }
}

/// If a skippable construct starts at `start` (a `<`), where it ends.
/// An unterminated one runs to the end of the page, as the tokenizer would read it.
fn skippable_end(html: &str, start: usize) -> Option<usize> {
    let bytes = html.as_bytes();
    let rest = &bytes[start + 1..];
    if rest.starts_with(b"!--") {
        return Some(find(html, start + 4, "-->").map_or(bytes.len(), |i| i + 3));
    }
    let tag: &[u8] = if starts_with_tag(rest, b"script") {
        b"script"
    } else if starts_with_tag(rest, b"style") {
        b"style"
    } else {
        return None;
    };
    let open_end = find(html, start, ">")?;
    if tag == b"script" && is_json_ld(&bytes[start..open_end]) {
        return None;
    }
    let mut from = open_end + 1;
    loop {
        let Some(close) = find(html, from, "</") else {
            return Some(bytes.len());
        };
        if starts_with_tag(&bytes[close + 2..], tag) {
            return Some(find(html, close, ">").map_or(bytes.len(), |i| i + 1));
        }
        from = close + 2;
    }
}

/// `<script` followed by a character that ends a tag name.
fn starts_with_tag(rest: &[u8], tag: &[u8]) -> bool {
    rest.len() > tag.len()
        && rest[..tag.len()].eq_ignore_ascii_case(tag)
        && matches!(rest[tag.len()], b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

fn is_json_ld(open_tag: &[u8]) -> bool {
    open_tag.windows(7).any(|w| w.eq_ignore_ascii_case(b"ld+json"))
}

/// Byte offset of `needle` at or after `from`. Callers only pass offsets
/// just past ASCII bytes, which are character boundaries.
/// (`str::find` with a string needle sets up a searcher per call; this
/// runs for every tag.)
fn find(html: &str, from: usize, needle: &str) -> Option<usize> {
    let hay = html.as_bytes().get(from..)?;
    let at = match needle.as_bytes() {
        [b] => memchr::memchr(*b, hay),
        n => memchr::memmem::find(hay, n),
    };
    at.map(|i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_scripts_styles_and_comments_but_keeps_json_ld() {
        let html = "<p>a</p><script>if (a<b) x='</p>';</script><STYLE type=x>p{}</style ><!-- c --><p>b</p>\
                    <script type=\"application/ld+json\">{\"@type\":\"NewsArticle\"}</script><scripted>t</scripted>";
        assert_eq!(
            strip_raw_text(html),
            "<p>a</p><p>b</p><script type=\"application/ld+json\">{\"@type\":\"NewsArticle\"}</script><scripted>t</scripted>"
        );
    }

    #[test]
    fn unterminated_parts_run_to_the_end_and_plain_pages_are_borrowed() {
        assert_eq!(strip_raw_text("<p>a</p><script>var x"), "<p>a</p>");
        assert_eq!(strip_raw_text("<p>a</p><!-- open"), "<p>a</p>");
        assert!(matches!(strip_raw_text("<p>plain < text</p>"), Cow::Borrowed(_)));
        assert_eq!(strip_raw_text("<script"), "<script");
    }

    #[test]
    fn noscript_tags_are_unwrapped_and_their_content_kept() {
        assert_eq!(
            unwrap_noscript("<div><NOSCRIPT data-path=/t><p>Post</p></noscript ></div><noscripts>x"),
            "<div><p>Post</p></div><noscripts>x"
        );
        assert_eq!(unwrap_noscript("<p>a</p><noscript"), "<p>a</p><noscript");
        assert!(matches!(unwrap_noscript("<p>plain</p>"), Cow::Borrowed(_)));
    }
}
