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

/// Starts from ammonia's empty policy rather than its default one: building
/// the default's large tag and attribute sets for every page costs more than
/// sanitising the few blocks we keep.
fn sanitiser(base: Option<&Url>) -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
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
    .url_schemes(["http", "https", "mailto"].into())
    .clean_content_tags(["script", "style"].into())
    .strip_comments(true)
    .link_rel(Some("noopener noreferrer nofollow ugc"));
    match base {
        Some(u) => b.url_relative(ammonia::UrlRelative::RewriteWithBase(u.clone())),
        None => b.url_relative(ammonia::UrlRelative::Deny),
    };
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(kind: BlockKind, html: &str) -> Block {
        Block {
            kind,
            text: "x".into(),
            html: html.into(),
            owner: 0,
            chars: 1,
            link_chars: 0,
        }
    }

    #[test]
    fn html_is_sanitised_with_absolute_links_and_images() {
        let base = Url::parse("https://news.example/world/a.html").unwrap();
        let blocks = [
            block(
                BlockKind::Paragraph,
                "See <a href=\"/b\">this</a><script>alert(1)</script>",
            ),
            block(
                BlockKind::Image,
                "<img src=\"img/1.jpg\" alt=\"River\" onerror=\"x()\">",
            ),
            block(BlockKind::ListItem, "<a href=\"javascript:x()\">bad</a>"),
        ];
        let html = sanitised_html(&blocks, Some(&base));
        assert!(
            html.contains("<a href=\"https://news.example/b\" rel=\"noopener noreferrer nofollow ugc\">this</a>"),
            "{html}"
        );
        assert!(
            html.contains("<img src=\"https://news.example/world/img/1.jpg\" alt=\"River\">"),
            "{html}"
        );
        assert!(
            !html.contains("script")
                && !html.contains("alert")
                && !html.contains("onerror")
                && !html.contains("javascript")
        );
        assert!(html.contains("<ul><li>"));
        assert_eq!(text(&blocks), "x\n\nx");
    }
}
