//! Boilerplate recognised by its markup: tags that never hold article text,
//! hidden elements, and the class and id names publishers give to share
//! bars, promos, newsletter boxes, comment sections and the like.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use crate::parse::Element;

/// Class/id fragments of boilerplate containers.
const JUNK_NAMES: &[&str] = &[
    "comment",
    "disqus",
    "share",
    "sharing",
    "social",
    "related",
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "sign-up",
    "promo",
    "advert",
    "sponsor",
    "sidebar",
    "breadcrumb",
    "cookie",
    "consent",
    "gdpr",
    "popup",
    "modal",
    "outbrain",
    "taboola",
    "recommend",
    "most-read",
    "mostread",
    "most-popular",
    "trending",
    "read-more",
    "readmore",
    "read-also",
    "also-read",
    "more-stories",
    "more-from",
    "footer",
    "masthead",
    "navbar",
    "menu",
    "skip-link",
    "byline",
    "dateline",
    "timestamp",
    "author-bio",
    "author-info",
    "article-meta",
    "post-meta",
    "entry-meta",
    "tags",
    "tag-list",
    "taglist",
    "keywords",
    "caption",
    "credit",
    "toolbar",
    "print-only",
    "visually-hidden",
    "sr-only",
    "screen-reader",
    "pagination",
    "pager",
    // Also words of GENERIC_NAMES, which only `Naming::generic` reports.
    "widget",
    "banner",
    "paywall-prompt",
    "inline-ad",
    "ad-container",
    "ad-slot",
    "ad-wrapper",
    "adslot",
    "adunit",
    "ad-unit",
    "dfp-",
    "gpt-ad",
    "jump-link",
];

/// Words page builders put in the names of the blocks they lay out
/// (`elementor-widget-text-editor`, `hs_cos_wrapper_widget`, a service
/// page's `cmp-cta__banner` sections), as well as in sidebar boxes and ad
/// slots: evidence against a container only when it does not hold prose.
/// (They are in [`JUNK_NAMES`] too, so one scan finds every name.)
const GENERIC_NAMES: &[&str] = &["widget", "banner"];

/// Fragments that mark a container as the article itself, overriding a
/// junk name it also carries (`article-body has-comments`).
const CONTENT_NAMES: &[&str] = &[
    "article-body",
    "articlebody",
    "article__body",
    "article-content",
    "story-body",
    "storybody",
    "entry-content",
    "post-content",
    "post-body",
    "main-content",
    "content-body",
    "body-text",
    "article-text",
    "story-content",
];

/// How much of the markup's evidence against an element is believed. Tags
/// and names are evidence, not a verdict: a page builder names every block
/// "widget", a forum names every post "comment", a browser puts an unclosed
/// `<aside>`'s successors inside it, a streaming renderer ships the page in a
/// `hidden` element. So extraction trusts everything first and, when that
/// leaves almost no text, trusts less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trust {
    /// Tags, hiding and class/id names all mark boilerplate.
    TagsAndNames,
    /// The same, except names of comments: on a forum thread the replies
    /// are the page.
    TagsAndNamesButReplies,
    /// Class/id names, and with them forms, are ignored, but for those of
    /// cookie and consent dialogs (as at the next level).
    Tags,
    /// Only tags that can never hold readable text count; `nav`, `aside`,
    /// `footer` and hidden elements are read like any other, and so is
    /// what `<noscript>` holds.
    TextlessTags,
}

/// Whether this element and its subtree are never article text: scripts,
/// navigation, forms' controls, hidden elements.
pub fn is_junk_tag(e: &Element, trust: Trust) -> bool {
    is_textless_tag(e.name()) || (trust < Trust::TextlessTags && (is_furniture_tag(e.name()) || is_hidden(e)))
}

/// Tags whose content is never text a reader reads as the page's.
fn is_textless_tag(tag: &str) -> bool {
    // A `match` rather than a list scan: every element of the page is asked.
    matches!(
        tag,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "embed"
            | "canvas"
            | "button"
            | "input"
            | "select"
            | "textarea"
            | "option"
            | "head"
            | "title"
            | "meta"
            | "link"
            | "dialog"
            | "audio"
            | "video"
            | "picture"
            | "source"
            | "map"
            | "label"
            // Ruby annotations: the reading aid printed above the characters,
            // which in running text would repeat every annotated word.
            | "rt"
            | "rp"
    )
}

/// Page furniture around the content: usually, not always, boilerplate.
fn is_furniture_tag(tag: &str) -> bool {
    matches!(tag, "nav" | "aside" | "footer")
}

/// What an element's class and id names say against it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Naming {
    /// Named boilerplate (share bar, promo, comments…), or a form. Names lie
    /// more often than tags, so the caller weighs this against how much of
    /// the page's text the element holds.
    pub junk: bool,
    /// Named with a page builder's generic word ([`GENERIC_NAMES`]), which
    /// the caller weighs against the prose such elements hold.
    pub generic: bool,
    /// Named as comments (also `junk`, unless replies are trusted).
    pub reply: bool,
    /// Named as a cookie or consent dialog (also `junk`).
    pub consent: bool,
}

/// Whether the element's names may hold a generic word or a reply's name:
/// a plain substring search, cheaper than [`naming`] for the passes that
/// only look for those.
pub fn may_name_weakly(e: &Element) -> bool {
    let names = e.class_and_id();
    names.contains("comment") || GENERIC_NAMES.iter().any(|w| names.contains(w))
}

/// Reads the element's names in one scan (every element is asked).
pub fn naming(e: &Element, trust: Trust) -> Naming {
    // Search, sign-up and comment forms; a form wrapping the whole page
    // (ASP.NET does) holds most of its text and is spared like a misnamed article.
    if e.name() == "form" {
        return Naming {
            junk: true,
            ..Naming::default()
        };
    }
    let Some(names) = judged_names(e) else {
        return Naming::default();
    };
    static NAMES: OnceLock<AhoCorasick> = OnceLock::new();
    let mut naming = Naming::default();
    for word in words(names, JUNK_NAMES, &NAMES) {
        match word {
            // On a forum thread, a reply's name is no evidence against it.
            "comment" => {
                naming.reply = true;
                naming.junk |= trust != Trust::TagsAndNamesButReplies;
            }
            w if GENERIC_NAMES.contains(&w) => naming.generic = true,
            "cookie" | "consent" | "gdpr" => {
                naming.consent = true;
                naming.junk = true;
            }
            _ => naming.junk = true,
        }
    }
    // Ad slots are often bare ids/classes such as "ad" or "ad-1".
    naming.junk |= names.split([' ', '_']).any(|w| w == "ad" || w == "ads");
    naming
}

/// The class and id names that may speak against an element; `None` for
/// elements that no name makes boilerplate (the page, `<main>`, `<article>`,
/// a paragraph, or what its names call the article body).
fn judged_names<'e>(e: &'e Element) -> Option<&'e str> {
    if matches!(e.name(), "html" | "body" | "main" | "article" | "p") {
        return None;
    }
    // An id made from a heading is no widget's name.
    let names = match e.attr("id") {
        // `class_and_id` starts with the lower-cased class (same length).
        Some(id) if is_prose_slug(id) => &e.class_and_id()[..e.attr("class").map_or(0, str::len)],
        _ => e.class_and_id(),
    };
    static CONTENT: OnceLock<AhoCorasick> = OnceLock::new();
    let content = e.attr("itemprop") == Some("articleBody") || contains_any(names, CONTENT_NAMES, &CONTENT);
    (!names.is_empty() && !content).then_some(names)
}

/// The `fragments` that `names` contains as whole words or their plurals:
/// "comments" and "share-bar" name boilerplate, "commentary",
/// "node-promoted" and "newspager" do not.
fn words<'a>(
    names: &'a str,
    fragments: &'a [&'a str],
    automaton: &'a OnceLock<AhoCorasick>,
) -> impl Iterator<Item = &'a str> {
    let bytes = names.as_bytes();
    let is_word = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_alphanumeric);
    automaton
        .get_or_init(|| AhoCorasick::new(fragments).expect("a few short fixed patterns always build"))
        .find_overlapping_iter(names)
        .filter(move |m| {
            let (start, end) = (m.start(), m.end());
            let starts_word = start == 0 || !is_word(start - 1);
            let ends_word = !is_word(end) || (bytes[end] == b's' && !is_word(end + 1)) || bytes[end - 1] == b'-';
            starts_word && ends_word
        })
        .map(|m| fragments[m.pattern().as_usize()])
}

/// Whether `names` contains any of `fragments`. Most elements are asked, so
/// one automaton scans the names once instead of once per fragment, each of
/// which would set up its own substring searcher.
pub(crate) fn contains_any(names: &str, fragments: &[&str], automaton: &OnceLock<AhoCorasick>) -> bool {
    automaton
        .get_or_init(|| AhoCorasick::new(fragments).expect("a few short fixed patterns always build"))
        .is_match(names)
}

/// A post quoted from a social network (`<blockquote class="twitter-tweet">`):
/// what the story cites, however its wrapper is named.
pub fn is_embedded_post(e: &Element) -> bool {
    const EMBEDS: &[&str] = &[
        "twitter-tweet",
        "twitter-video",
        "instagram-media",
        "tiktok-embed",
        "bluesky-embed",
        "text-post-media",
    ];
    e.name() == "blockquote" && e.attr("class").is_some_and(|c| EMBEDS.iter().any(|m| c.contains(m)))
}

/// `id="sharing-with-a-single-developer"` is an anchor made from a section
/// heading, not a widget's name: function words give it away.
fn is_prose_slug(id: &str) -> bool {
    const FUNCTION_WORDS: &[&str] = &["a", "an", "the", "of", "to", "in", "on", "with", "and", "for", "is"];
    let words: Vec<String> = id.split(['-', '_']).map(str::to_ascii_lowercase).collect();
    words.len() >= 4 && words.iter().any(|w| FUNCTION_WORDS.contains(&w.as_str()))
}

fn is_hidden(e: &Element) -> bool {
    // A collapsed accordion panel (ARIA's pattern gives it role=region):
    // hidden until its heading is clicked, then read as the page's text.
    // Hidden tab panels are not taken: settings dialogs are built of them.
    if e.attr("role") == Some("region") {
        return false;
    }
    if e.attr("hidden").is_some() || e.attr("aria-hidden") == Some("true") {
        return true;
    }
    let Some(style) = e.attr("style") else {
        return false;
    };
    let style: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    style.contains("display:none") || style.contains("visibility:hidden")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dom::Dom;

    fn junk(html: &str) -> bool {
        let doc = crate::parse::parse(html);
        let dom = Dom::build(&doc);
        let el = dom
            .nodes
            .iter()
            .find_map(|n| {
                n.element()
                    .filter(|e| matches!(e.name(), "div" | "span" | "section" | "form"))
            })
            .unwrap();
        is_junk_tag(el, Trust::TagsAndNames) || naming(el, Trust::TagsAndNames).junk
    }

    #[test]
    fn names_and_hiding_mark_junk_but_content_names_win() {
        assert!(junk("<div class='share-bar'>x</div>"));
        assert!(junk("<div id='ad'>x</div>"));
        assert!(junk("<div style='display: none'>x</div>"));
        assert!(junk("<div hidden>x</div>"));
        // A collapsed accordion panel is text a click away.
        assert!(!junk("<div role='region' hidden>x</div>"));
        assert!(!junk("<div role=region style='display:none'>x</div>"));
        assert!(junk("<section class='comments'>x</section>"));
        assert!(!junk("<div class='article-body has-comments'>x</div>"));
        assert!(!junk("<div class='lead'>x</div>"));
        assert!(!junk("<div class='header-adjacent'>x</div>"));
        assert!(!junk("<div class='section' id='sharing-with-a-remote-server'>x</div>"));
        assert!(junk("<div id='article-share-tools-top'>x</div>"));
        assert!(junk("<form action='/search'><p>Enter search terms</p></form>"));
        assert!(junk("<div class='post-comments'>x</div>"));
        assert!(junk("<div class='dfp-slot-3'>x</div>"));
        assert!(!junk("<div class='commentary'>x</div>"));
        assert!(!junk("<div class='node-promoted'>x</div>"));
        assert!(!junk("<div id='newspager'>x</div>"));
    }

    #[test]
    fn a_builders_generic_word_is_told_apart_and_content_names_still_win() {
        let generic = |html: &str| {
            let doc = crate::parse::parse(html);
            let dom = Dom::build(&doc);
            let el = dom
                .nodes
                .iter()
                .find_map(|n| n.element().filter(|e| e.name() == "div"))
                .unwrap();
            let naming = naming(el, Trust::TagsAndNames);
            (naming.generic, naming.junk)
        };
        assert_eq!(generic("<div class='elementor-widget-wrap'>x</div>"), (true, false));
        assert_eq!(generic("<div class='widget share-bar'>x</div>"), (true, true));
        assert_eq!(generic("<div class='cmp-cta__banner'>x</div>"), (true, false));
        assert_eq!(generic("<div class='entry-content widget'>x</div>"), (false, false));
        assert_eq!(generic("<div class='widgets4u'>x</div>"), (false, false));
    }
}
