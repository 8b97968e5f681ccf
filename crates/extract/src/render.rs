//! Turns cleaned blocks into the two outputs: plain text and sanitised HTML.

use crate::segment::{Block, BlockKind};
use url::Url;

/// Paragraphs separated by one blank line.
pub fn text(blocks: &[Block]) -> String {
    let parts: Vec<&str> = blocks
        .iter()
        .filter(|b| b.kind != BlockKind::Image)
        .map(|b| b.text.as_str())
        .collect();
    parts.join("\n\n")
}

/// Rebuilds the body from the kept blocks and sanitises it with ammonia, so
/// no script, style, event handler or foreign markup survives, and every
/// link and image is absolute.
pub fn sanitised_html(blocks: &[Block], base: Option<&Url>) -> String {
    let mut html = String::new();
    let mut in_list = false;
    for block in blocks {
        let is_item = block.kind == BlockKind::ListItem;
        if is_item != in_list {
            html.push_str(if is_item { "<ul>" } else { "</ul>" });
            in_list = is_item;
        }
        html.push_str(&wrap(block));
    }
    if in_list {
        html.push_str("</ul>");
    }
    sanitiser(base).clean(&html).to_string()
}

fn wrap(block: &Block) -> String {
    let inner = &block.html;
    match block.kind {
        BlockKind::Paragraph => format!("<p>{inner}</p>"),
        BlockKind::Heading(level) => format!("<h{level}>{inner}</h{level}>"),
        BlockKind::ListItem => format!("<li>{inner}</li>"),
        BlockKind::Quote => format!("<blockquote>{inner}</blockquote>"),
        BlockKind::Preformatted => format!("<pre>{inner}</pre>"),
        BlockKind::Image => format!("<figure>{inner}</figure>"),
        // Captions never reach rendering; `clutter` drops them.
        BlockKind::Caption => String::new(),
    }
}

fn sanitiser(base: Option<&Url>) -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.tags(
        [
            "p",
            "h1",
            "h2",
            "h3",
            "h4",
            "ul",
            "li",
            "blockquote",
            "pre",
            "code",
            "figure",
            "img",
            "a",
            "em",
            "strong",
            "b",
            "i",
            "br",
            "sub",
            "sup",
        ]
        .into(),
    )
    .tag_attributes([("a", ["href"].into()), ("img", ["src", "alt"].into())].into())
    .link_rel(Some("noopener noreferrer nofollow ugc"));
    match base {
        Some(u) => b.url_relative(ammonia::UrlRelative::RewriteWithBase(u.clone())),
        None => b.url_relative(ammonia::UrlRelative::Deny),
    };
    b
}
