//! Splits a page into blocks the way a reader sees paragraphs.
//!
//! Walking the flattened page in document order, every block-level element
//! (and every `<br>`) ends the current run of text; the run's inline markup
//! is kept as a small whitelisted HTML fragment. Each block remembers the
//! element that owns it and how much of it is link text, which is what the
//! content scorer and the clutter filter work from.

use crate::dom::{Dom, Kind};

/// One block of text (or one image) of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    /// Whitespace-collapsed plain text (empty for images).
    pub text: String,
    /// Inline HTML of the block; for an image, the `<img>` tag. Sanitised later.
    pub html: String,
    /// The nearest block-level element holding this text.
    pub owner: usize,
    /// Non-whitespace characters, and those inside links.
    pub chars: u32,
    pub link_chars: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Paragraph,
    Heading(u8),
    ListItem,
    Quote,
    Preformatted,
    /// A `<figcaption>`: captions repeat what the image shows and are not body text.
    Caption,
    Image,
}

impl Block {
    pub fn link_density(&self) -> f32 {
        if self.chars == 0 {
            0.0
        } else {
            self.link_chars as f32 / self.chars as f32
        }
    }
}

/// Tags that start a new block; everything else is inline.
fn is_block_tag(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div"
            | "section"
            | "article"
            | "main"
            | "header"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "ul"
            | "ol"
            | "li"
            | "dl"
            | "dt"
            | "dd"
            | "blockquote"
            | "pre"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "td"
            | "th"
            | "caption"
            | "figure"
            | "figcaption"
            | "hr"
            | "address"
            | "center"
            | "body"
            | "html"
            | "hgroup"
            | "details"
            | "summary"
            | "fieldset"
            | "form"
    )
}

/// Inline tags worth keeping in the body HTML.
fn kept_inline(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "a" => "a",
        "em" | "i" | "cite" => "em",
        "strong" | "b" => "strong",
        "code" | "kbd" | "samp" => "code",
        "sub" => "sub",
        "sup" => "sup",
        _ => return None,
    })
}

fn kind_of(tag: &str) -> BlockKind {
    match tag {
        "h1" => BlockKind::Heading(1),
        "h2" => BlockKind::Heading(2),
        "h3" => BlockKind::Heading(3),
        "h4" | "h5" | "h6" => BlockKind::Heading(4),
        "li" | "dd" | "dt" => BlockKind::ListItem,
        "blockquote" => BlockKind::Quote,
        "pre" => BlockKind::Preformatted,
        "figcaption" | "caption" => BlockKind::Caption,
        _ => BlockKind::Paragraph,
    }
}

/// The run being built.
struct Run {
    owner: usize,
    text: String,
    html: String,
    chars: u32,
    link_chars: u32,
}

impl Run {
    fn new(owner: usize) -> Run {
        Run {
            owner,
            text: String::new(),
            html: String::new(),
            chars: 0,
            link_chars: 0,
        }
    }

    fn clear(&mut self) {
        self.text.clear();
        self.html.clear();
        self.chars = 0;
        self.link_chars = 0;
    }
}

/// What to do when an element's subtree ends.
enum Close {
    /// A block ends: flush the run and go back to the enclosing owner.
    Block(usize),
    /// An inline tag kept in the HTML ends.
    Inline(&'static str),
    Nothing,
}

/// Splits the non-junk part of the subtree at `root` into blocks, in order.
pub fn blocks(dom: &Dom, root: usize) -> Vec<Block> {
    let mut out = Vec::new();
    let end = dom.nodes[root].end;
    let mut stack: Vec<(usize, Close)> = Vec::new();
    let mut run = Run::new(root);
    let mut i = root;
    while i < end {
        close_finished(dom, i, &mut stack, &mut run, &mut out);
        let node = &dom.nodes[i];
        if node.junk {
            i = node.end.max(i + 1);
            continue;
        }
        match node.kind {
            Kind::Text(t) => push_text(&mut run, t, node.chars, node.in_link),
            Kind::Element(e) => {
                let tag = e.name();
                let close = if tag == "br" || tag == "hr" {
                    flush(dom, &mut run, &mut out);
                    Close::Nothing
                } else if tag == "img" {
                    flush(dom, &mut run, &mut out);
                    push_image(e, i, &mut out);
                    Close::Nothing
                } else if is_block_tag(tag) {
                    flush(dom, &mut run, &mut out);
                    let outer = run.owner;
                    run.owner = i;
                    Close::Block(outer)
                } else if let Some(kept) = kept_inline(tag) {
                    open_inline(&mut run, kept, e);
                    Close::Inline(kept)
                } else {
                    Close::Nothing
                };
                stack.push((node.end, close));
            }
            Kind::Other => {}
        }
        i += 1;
    }
    close_finished(dom, usize::MAX, &mut stack, &mut run, &mut out);
    flush(dom, &mut run, &mut out);
    out
}

/// Runs the close actions of every open element whose subtree ends before `i`.
fn close_finished(dom: &Dom, i: usize, stack: &mut Vec<(usize, Close)>, run: &mut Run, out: &mut Vec<Block>) {
    while let Some((end, _)) = stack.last() {
        if *end > i {
            break;
        }
        let Some((_, close)) = stack.pop() else { break };
        match close {
            Close::Block(outer) => {
                flush(dom, run, out);
                run.owner = outer;
            }
            Close::Inline(tag) => {
                run.html.push_str("</");
                run.html.push_str(tag);
                run.html.push('>');
            }
            Close::Nothing => {}
        }
    }
}

/// `n` is the text's count of visible characters, already in the [`Dom`].
fn push_text(run: &mut Run, t: &str, n: u32, in_link: bool) {
    run.chars += n;
    if in_link {
        run.link_chars += n;
    }
    run.text.push_str(t);
    escape_into(&mut run.html, t);
}

fn open_inline(run: &mut Run, tag: &str, e: &crate::parse::Element) {
    run.html.push('<');
    run.html.push_str(tag);
    if tag == "a" {
        if let Some(href) = e.attr("href") {
            run.html.push_str(" href=\"");
            escape_into(&mut run.html, href);
            run.html.push('"');
        }
    }
    run.html.push('>');
}

/// Lazy-loading pages keep the real address in a data attribute.
fn push_image(e: &crate::parse::Element, owner: usize, out: &mut Vec<Block>) {
    let src = ["data-src", "data-lazy-src", "data-original", "src"]
        .iter()
        .filter_map(|a| e.attr(a))
        .map(str::trim)
        .find(|s| !s.is_empty() && !s.starts_with("data:"));
    let Some(src) = src else { return };
    let mut html = String::from("<img src=\"");
    escape_into(&mut html, src);
    html.push_str("\" alt=\"");
    escape_into(&mut html, e.attr("alt").unwrap_or(""));
    html.push_str("\">");
    out.push(Block {
        kind: BlockKind::Image,
        text: String::new(),
        html,
        owner,
        chars: 0,
        link_chars: 0,
    });
}

fn flush(dom: &Dom, run: &mut Run, out: &mut Vec<Block>) {
    if run.chars > 0 {
        let kind = kind_of(dom.nodes[run.owner].tag());
        let visible = crate::invisible::strip(&run.text);
        let text = if kind == BlockKind::Preformatted {
            visible.trim_matches('\n').to_string()
        } else {
            collapse(&visible)
        };
        // A run of nothing but invisible characters is no block.
        if text.trim().is_empty() {
            run.clear();
            return;
        }
        out.push(Block {
            kind,
            text,
            html: std::mem::take(&mut run.html),
            owner: run.owner,
            chars: run.chars,
            link_chars: run.link_chars,
        });
    }
    run.clear();
}

pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The runs of letters and digits in `text`: its words, punctuation aside.
pub fn alnum_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// Lower-cased words, for comparisons that ignore punctuation, quotes and case.
pub fn lower_words(text: &str) -> Vec<String> {
    alnum_words(text).map(str::to_lowercase).collect()
}

/// Copies `s` in runs between the characters that need escaping (all ASCII).
fn escape_into(out: &mut String, s: &str) {
    let mut copied = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.push_str(&s[copied..i]);
        out.push_str(entity);
        copied = i + 1;
    }
    out.push_str(&s[copied..]);
}

/// Non-whitespace characters in `t`. Most text is ASCII: one bytewise pass
/// counts it, and only text with other characters is decoded.
pub fn count_visible(t: &str) -> u32 {
    let (mut visible, mut high) = (0u32, 0u8);
    for &b in t.as_bytes() {
        high |= b;
        visible += u32::from(!matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'));
    }
    if high < 0x80 {
        visible
    } else {
        t.chars().filter(|c| !c.is_whitespace()).count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn texts(html: &str) -> Vec<(BlockKind, String)> {
        let doc = crate::parse::parse(html);
        let dom = Dom::build(&doc);
        blocks(&dom, dom.body()).into_iter().map(|b| (b.kind, b.text)).collect()
    }

    #[test]
    fn blocks_follow_block_elements_and_breaks() {
        let got = texts(
            "<div>Loose <b>text</b><p>A <a href=/x>para</a>.</p>tail<br>after<h2>Head</h2><ul><li>one</li></ul></div>",
        );
        let want = [
            (BlockKind::Paragraph, "Loose text"),
            (BlockKind::Paragraph, "A para."),
            (BlockKind::Paragraph, "tail"),
            (BlockKind::Paragraph, "after"),
            (BlockKind::Heading(2), "Head"),
            (BlockKind::ListItem, "one"),
        ];
        assert_eq!(got, want.map(|(k, t)| (k, t.to_string())));
    }

    #[test]
    fn inline_html_is_whitelisted_and_escaped() {
        let doc = crate::parse::parse("<p onclick=x>1 &lt; 2 <a href='/a?b=1&c=2' class=z><span>go</span></a></p>");
        let dom = Dom::build(&doc);
        let b = &blocks(&dom, dom.body())[0];
        assert_eq!(b.html, "1 &lt; 2 <a href=\"/a?b=1&amp;c=2\">go</a>");
        assert_eq!((b.chars, b.link_chars), (5, 2));
    }
}
