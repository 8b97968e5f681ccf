//! Cuts scripts, styles and comments out of the page before it is parsed.
//!
//! On news pages more than half of the bytes are inline JavaScript, JSON
//! state blobs, CSS and comments, none of which can be article text, and the
//! HTML tokenizer would walk them character by character. A byte scan that
//! skips them first roughly halves the parse. JSON-LD scripts are kept: they
//! carry the article's metadata. A second scan flattens absurd nesting,
//! which would otherwise make tree building quadratic.

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

/// Deeper nesting than this is flattened before parsing. html5ever's tree
/// builder scans its stack of open elements for many tags, so 100,000 nested
/// `<div>`s would cost it billions of steps; no real page nests this deep.
pub const MAX_NESTING: usize = 256;

/// Tags that never stay open, or whose end tags are optional: they never
/// build depth on their own, so they are not counted.
fn is_uncounted(name: &str) -> bool {
    // Every such name is short; lower-case it on the stack, as this runs for every tag.
    let mut buf = [0u8; 8];
    let Some(lower) = buf.get_mut(..name.len()) else {
        return false;
    };
    lower.copy_from_slice(name.as_bytes());
    lower.make_ascii_lowercase();
    matches!(
        &*lower,
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"source"
            | b"track"
            | b"wbr"
            | b"param"
            | b"keygen"
            | b"p"
            | b"li"
            | b"dt"
            | b"dd"
            | b"tr"
            | b"td"
            | b"th"
            | b"option"
            | b"optgroup"
            | b"thead"
            | b"tbody"
            | b"tfoot"
            | b"colgroup"
            | b"html"
            | b"head"
            | b"body"
            | b"rb"
            | b"rt"
            | b"rp"
    )
}

/// `html` with the start tags that would open elements deeper than
/// [`MAX_NESTING`] removed (their text stays). Open elements are tracked as
/// the tree builder does for ordinary tags: an end tag closes the nearest
/// open element of its name and everything above it; a stray one is ignored.
pub fn cap_nesting(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut open: Vec<&str> = Vec::new();
    let mut out: Option<String> = None;
    let (mut copied, mut pos) = (0, 0);
    while let Some(off) = memchr::memchr(b'<', &html.as_bytes()[pos..]) {
        let start = pos + off;
        let closing = bytes.get(start + 1) == Some(&b'/');
        let name_start = start + 1 + usize::from(closing);
        let name_len = bytes[name_start.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        pos = start + 1;
        if name_len == 0 {
            continue;
        }
        let name = &html[name_start..name_start + name_len];
        if is_uncounted(name) {
            continue;
        }
        if closing {
            if let Some(i) = open.iter().rposition(|o| o.eq_ignore_ascii_case(name)) {
                open.truncate(i);
            }
        } else if open.len() < MAX_NESTING {
            open.push(name);
        } else {
            let tag_end = find(html, start, ">").map_or(html.len(), |i| i + 1);
            let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
            buf.push_str(&html[copied..start]);
            copied = tag_end;
            pos = tag_end;
        }
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut buf) => {
            buf.push_str(&html[copied..]);
            Cow::Owned(buf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_beyond_the_cap_is_flattened_and_text_kept() {
        let deep = format!("{}text{}", "<div class=x>".repeat(1000), "</div>".repeat(1000));
        let capped = cap_nesting(&deep);
        assert_eq!(capped.matches("<div").count(), MAX_NESTING);
        assert!(capped.contains("text"));
        let normal = "<div><p>a<p>b<ul><li>c</ul></div><span>d</span>";
        assert!(matches!(cap_nesting(normal), Cow::Borrowed(_)));
        // Stray end tags of other names do not make room for more depth.
        let sneaky = "<div>".repeat(300) + &"</x>".repeat(300) + &"<div>".repeat(300);
        assert_eq!(cap_nesting(&sneaky).matches("<div").count(), MAX_NESTING);
    }

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
}
