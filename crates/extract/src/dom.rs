//! A flat, pre-order view of the parsed page with per-node statistics.
//!
//! The heuristics ask "how much text, how many link characters, is this
//! boilerplate?" of every element many times. [`crate::parse`] builds the
//! tree as a pre-order arena, where a node's subtree is the index range
//! `i+1..end`, so every statistic is computed here in one bottom-up pass and
//! every walk is a loop: a page with 100,000 nested elements costs neither
//! recursion depth nor repeated text collection.

use std::collections::{HashMap, HashSet};

use crate::boilerplate::Trust;
use crate::parse::{Data, Document, Element};

/// Index of the root (the document) in [`Dom::nodes`].
pub const ROOT: usize = 0;

/// A container named like boilerplate but holding more than this share of
/// the page's text is kept: it is the article under an odd name.
const MAX_NAMED_JUNK_SHARE: f32 = 0.4;

/// A series of like-named blocks is read when a paragraph of at least this
/// much text (not links) stands beside it.
const MIN_SERIES_PARAGRAPH_CHARS: u32 = 80;

/// A link with fewer characters than this is a menu entry, not a headline.
pub const MIN_HEADLINE_LINK_CHARS: u32 = 25;

/// Whether an `<a>` points to another page (not an address, a phone number
/// or a place on this page).
fn links_to_page(n: &DomNode) -> bool {
    let href = n.element().and_then(|e| e.attr("href")).unwrap_or("").trim_start();
    let scheme = |p: &str| href.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    !(href.is_empty() || href.starts_with('#') || scheme("mailto:") || scheme("tel:") || scheme("javascript:"))
}

/// A container of at least this much text with few links holds prose.
const MIN_PROSE_CHARS: u32 = 200;
const MAX_PROSE_LINK_DENSITY: f32 = 0.25;

fn reads_as_prose(node: &DomNode) -> bool {
    node.chars >= MIN_PROSE_CHARS && node.link_density() < MAX_PROSE_LINK_DENSITY
}

/// The class attribute that groups an element with its like siblings.
fn series_key<'a>(node: &DomNode<'a>) -> Option<&'a str> {
    node.element()
        .and_then(|e| e.attr("class"))
        .filter(|c| !c.trim().is_empty())
}

/// What a node is: only elements and text matter to extraction.
#[derive(Debug, Clone, Copy)]
pub enum Kind<'a> {
    Element(&'a Element<'a>),
    Text(&'a str),
    Other,
}

/// One node of the flattened page.
#[derive(Debug, Clone)]
pub struct DomNode<'a> {
    pub kind: Kind<'a>,
    pub parent: usize,
    /// One past the last descendant: the subtree is `index+1..end`.
    pub end: usize,
    /// Boilerplate by markup (script, nav, hidden, `class="share-bar"`…), inherited by descendants.
    pub junk: bool,
    /// Inside an `<a href>`.
    pub in_link: bool,
    /// Non-whitespace characters of non-junk text in the subtree.
    pub chars: u32,
    /// Of those, characters inside links.
    pub link_chars: u32,
}

impl<'a> DomNode<'a> {
    pub fn tag(&self) -> &'a str {
        match self.kind {
            Kind::Element(e) => e.name(),
            _ => "",
        }
    }

    pub fn element(&self) -> Option<&'a Element<'a>> {
        match self.kind {
            Kind::Element(e) => Some(e),
            _ => None,
        }
    }

    pub fn link_density(&self) -> f32 {
        if self.chars == 0 {
            0.0
        } else {
            self.link_chars as f32 / self.chars as f32
        }
    }
}

/// The flattened page.
pub struct Dom<'a> {
    pub nodes: Vec<DomNode<'a>>,
    /// Whether containers named as comments hold the page's prose between
    /// them (more than [`MAX_NAMED_JUNK_SHARE`] of its text): a forum
    /// thread's replies rather than comments under an article.
    pub replies_hold_the_page: bool,
}

impl<'a> Dom<'a> {
    /// Views the parsed page (already flat and in pre-order) and computes
    /// junk flags and text statistics, trusting all the markup's evidence.
    #[cfg(test)]
    pub fn build(doc: &'a Document<'_>) -> Dom<'a> {
        Dom::build_trusting(doc, Trust::TagsAndNames)
    }

    /// [`Dom::build`], believing only as much of the markup as `trust` says.
    pub fn build_trusting(doc: &'a Document<'_>, trust: Trust) -> Dom<'a> {
        let nodes = doc
            .nodes
            .iter()
            .map(|n| {
                let kind = match &n.data {
                    Data::Element(e) => Kind::Element(e),
                    Data::Text(start, end) => Kind::Text(doc.text(*start, *end)),
                    Data::Document => Kind::Other,
                };
                // A text node's own count never changes: counted once, here.
                let chars = match kind {
                    Kind::Text(t) => crate::segment::count_visible(t),
                    _ => 0,
                };
                DomNode {
                    kind,
                    parent: n.parent as usize,
                    end: n.end as usize,
                    junk: false,
                    in_link: false,
                    chars,
                    link_chars: 0,
                }
            })
            .collect();
        let mut dom = Dom {
            nodes,
            replies_hold_the_page: false,
        };
        dom.mark_junk_tags(trust);
        dom.count_text();
        if trust <= Trust::TagsAndNamesButReplies && dom.mark_junk_names(trust) {
            dom.count_text();
        }
        dom
    }

    /// Pre-order pass: junk and link flags flow from parent to child.
    fn mark_junk_tags(&mut self, trust: Trust) {
        for i in 1..self.nodes.len() {
            let parent = self.nodes[i].parent;
            let (p_junk, p_link) = (self.nodes[parent].junk, self.nodes[parent].in_link);
            let link = self.is_link(i);
            let node = &mut self.nodes[i];
            node.in_link = p_link || link;
            node.junk = p_junk;
            if let Kind::Element(e) = node.kind {
                // Trusting no names, still no consent dialog: one can hold more
                // text than a page whose content is rendered by script.
                node.junk |= crate::boilerplate::is_junk_tag(e, trust)
                    || (trust >= Trust::Tags && crate::boilerplate::naming(e, trust).consent);
            }
        }
    }

    /// Whether node `i` is a link whose text is navigation. An `<a>` with a
    /// `javascript:` URL around paragraphs goes nowhere: it is a click
    /// handler wrapped around content, as readability.js also treats it.
    fn is_link(&self, i: usize) -> bool {
        let Some(e) = self.nodes[i].element().filter(|e| e.name() == "a") else {
            return false;
        };
        let Some(href) = e.attr("href") else {
            return false;
        };
        let script = href
            .trim_start()
            .get(..11)
            .is_some_and(|p| p.eq_ignore_ascii_case("javascript:"));
        let wraps_blocks = || {
            self.nodes[i + 1..self.nodes[i].end]
                .iter()
                .any(|n| matches!(n.tag(), "p" | "div" | "ul" | "ol" | "table" | "blockquote"))
        };
        !(script && wraps_blocks())
    }

    /// Marks containers named as boilerplate (`class="share-bar"`), unless one
    /// holds so much of the page's text that the name must be a site's quirk
    /// (Blogger wraps every post in `class="widget Blog"`), or it is one of a
    /// series of like-classed siblings that together do, set beside a
    /// paragraph of prose (a review site's `product-widget` around every
    /// review); a cookie or consent dialog is never spared. A page builder's
    /// generic word ("widget") is believed only where the elements it names
    /// do not hold the page's prose between them. Returns whether anything
    /// changed.
    fn mark_junk_names(&mut self, trust: Trust) -> bool {
        let limit = (self.nodes[ROOT].chars as f32 * MAX_NAMED_JUNK_SHARE) as u32;
        let mut changed = false;
        // Inside the element microdata marks as the article body, a big named
        // one is an embedded widget (a gallery), not the article under an odd name.
        let embeds = self.holds_embedded_post();
        // Per (parent, class), like-classed siblings: counted when the pass
        // first meets a named child of that parent (earlier siblings are
        // still unmarked then), so only such parents' children are hashed.
        let mut series: HashMap<(usize, &'a str), (u32, u32)> = HashMap::new();
        let mut counted: HashSet<usize> = HashSet::new();
        // Per parent of a big series, whether a prose paragraph stands beside
        // it: asked once per parent, not once per member (a page of 100,000
        // like-named siblings must not cost 100,000 walks of their parent).
        let mut beside_prose: HashMap<usize, bool> = HashMap::new();
        let (generic_prose, reply_prose) = self.prose_under_weak_names();
        let generic_layout = generic_prose > limit;
        self.replies_hold_the_page = reply_prose > limit;
        let mut article_body_end = 0;
        // Inside a spared series member, names are not read again.
        let mut spared_end = 0;
        let mut i = 1;
        while i < self.nodes.len() {
            let node = &self.nodes[i];
            let end = node.end.max(i + 1);
            if i < spared_end {
                i += 1;
                continue;
            }
            // A builder's generic name counts where it does not lay out the
            // page, and inside the marked article body (an embedded gallery).
            let naming = match node.element() {
                Some(e) if !node.junk => crate::boilerplate::naming(e, trust),
                _ => crate::boilerplate::Naming::default(),
            };
            let junk_named = naming.junk || (naming.generic && (!generic_layout || i < article_body_end));
            if junk_named && counted.insert(node.parent) {
                self.count_series(node.parent, &mut series);
            }
            let in_big_series = || {
                series_key(node).is_some_and(|key| {
                    series
                        .get(&(node.parent, key))
                        .is_some_and(|&(n, chars)| n >= 2 && chars > limit)
                })
            };
            if junk_named && in_big_series() {
                let parent = node.parent;
                if *beside_prose
                    .entry(parent)
                    .or_insert_with(|| self.has_prose_paragraph(parent))
                {
                    spared_end = end;
                    i += 1;
                    continue;
                }
            }
            if i >= article_body_end
                && node
                    .element()
                    .is_some_and(|e| e.attr("itemprop") == Some("articleBody"))
            {
                article_body_end = end;
            }
            // A consent dialog is never the content, however much it says.
            let small = node.chars <= limit || i < article_body_end || naming.consent;
            // A "social-embed" wrapper around a quoted post is the story's, not a share bar.
            let named = junk_named && small && !embeds[i];
            if named {
                for n in &mut self.nodes[i..end] {
                    n.junk = true;
                }
                changed = true;
                i = end;
            } else {
                i += 1;
            }
        }
        changed
    }

    /// The characters of prose held by the outermost elements whose names
    /// hold a page builder's generic word ("widget"), and by those named as
    /// comments. When either holds much of the page, the word names its
    /// layout or its replies, not boxes beside the content.
    fn prose_under_weak_names(&self) -> (u32, u32) {
        let (mut generic_prose, mut reply_prose) = (0u32, 0u32);
        let (mut generic_end, mut reply_end) = (0, 0);
        for i in 1..self.nodes.len() {
            let node = &self.nodes[i];
            let weak = |e: &&Element| !node.junk && reads_as_prose(node) && crate::boilerplate::may_name_weakly(e);
            let Some(e) = node.element().filter(weak) else {
                continue;
            };
            let naming = crate::boilerplate::naming(e, Trust::TagsAndNames);
            if i >= generic_end && naming.generic {
                generic_prose += node.chars;
                generic_end = node.end;
            }
            if i >= reply_end && naming.reply {
                reply_prose += node.chars;
                reply_end = node.end;
            }
        }
        (generic_prose, reply_prose)
    }

    /// Adds to `series`, per class among the children of `parent`, how many
    /// siblings with text carry it and how much text they hold together. A
    /// page builder wraps every block of an article in "…-widget-…", a forum
    /// every post in "comment": each is small, the series is the page.
    fn count_series(&self, parent: usize, series: &mut HashMap<(usize, &'a str), (u32, u32)>) {
        for c in self.children(parent) {
            let node = &self.nodes[c];
            let Some(key) = series_key(node) else { continue };
            if node.junk || node.chars == 0 {
                continue;
            }
            let entry = series.entry((parent, key)).or_default();
            entry.0 += 1;
            entry.1 += node.chars;
        }
    }

    /// Whether element `i` has a paragraph of prose of its own among its
    /// children: the blocks around it are set among the article's text.
    fn has_prose_paragraph(&self, i: usize) -> bool {
        self.children(i).any(|c| {
            let n = &self.nodes[c];
            n.tag() == "p" && !n.junk && n.chars.saturating_sub(n.link_chars) >= MIN_SERIES_PARAGRAPH_CHARS
        })
    }

    /// Per node, whether its subtree holds an embedded social post.
    fn holds_embedded_post(&self) -> Vec<bool> {
        let mut holds = vec![false; self.nodes.len()];
        for i in (1..self.nodes.len()).rev() {
            holds[i] |= self.nodes[i]
                .element()
                .is_some_and(crate::boilerplate::is_embedded_post);
            if holds[i] {
                holds[self.nodes[i].parent] = true;
            }
        }
        holds
    }

    /// Bottom-up pass: children come after parents in pre-order, so walking
    /// backwards adds every child's counts to its parent exactly once. Text
    /// nodes keep their own count; junk ones count nothing from then on.
    fn count_text(&mut self) {
        for n in &mut self.nodes {
            if !matches!(n.kind, Kind::Text(_)) {
                n.chars = 0;
            }
            n.link_chars = 0;
        }
        for i in (1..self.nodes.len()).rev() {
            let node = &mut self.nodes[i];
            if node.junk {
                node.chars = 0;
                continue;
            }
            if let (Kind::Text(_), true) = (node.kind, node.in_link) {
                node.link_chars = node.chars;
            }
            let (chars, links, parent) = (node.chars, node.link_chars, node.parent);
            self.nodes[parent].chars += chars;
            self.nodes[parent].link_chars += links;
        }
    }

    /// Per node, the characters of menu links in its subtree: links too short
    /// to be a headline, or not to a page (`mailto:`, `tel:`, `#top`). On a
    /// listing, the content is links too, but each one is a whole headline.
    pub fn menu_link_chars(&self) -> Vec<u32> {
        let own = self
            .nodes
            .iter()
            .map(|n| {
                let is_menu =
                    n.tag() == "a" && n.link_chars > 0 && (n.link_chars < MIN_HEADLINE_LINK_CHARS || !links_to_page(n));
                if is_menu {
                    n.link_chars
                } else {
                    0
                }
            })
            .collect();
        self.subtree_totals(own)
    }

    /// Per node, the sum of `own` over its subtree (itself included).
    pub fn subtree_totals(&self, mut own: Vec<u32>) -> Vec<u32> {
        for i in (1..self.nodes.len()).rev() {
            let parent = self.nodes[i].parent;
            if parent != i {
                own[parent] += own[i];
            }
        }
        own
    }

    /// Element children of `i`, in order.
    pub fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.nodes[i].end;
        let mut next = i + 1;
        std::iter::from_fn(move || {
            if next >= end {
                return None;
            }
            let current = next;
            next = self.nodes[current].end.max(current + 1);
            Some(current)
        })
    }

    /// The `<body>` element, or the document when there is none.
    pub fn body(&self) -> usize {
        self.nodes.iter().position(|n| n.tag() == "body").unwrap_or(ROOT)
    }

    /// Whether `inner` lies in the subtree of `outer` (or is it).
    pub fn contains(&self, outer: usize, inner: usize) -> bool {
        inner >= outer && inner < self.nodes[outer].end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_text_and_links_bottom_up_and_skips_junk() {
        let doc = crate::parse::parse(
            "<body><div id=a><p>Hello world</p><a href=/x>link</a><script>var x=1</script></div></body>",
        );
        let dom = Dom::build(&doc);
        let div = dom.nodes.iter().position(|n| n.tag() == "div").unwrap();
        assert_eq!(dom.nodes[div].chars, "Helloworld".len() as u32 + 4);
        assert_eq!(dom.nodes[div].link_chars, 4);
        let p = dom.children(div).next().unwrap();
        assert_eq!(dom.nodes[p].tag(), "p");
        assert_eq!(dom.children(div).count(), 3);
    }

    #[test]
    fn a_big_widget_inside_the_marked_article_body_is_junk() {
        let gallery = "<li>Caption of one slide in a long gallery.</li>".repeat(20);
        let page = format!(
            "<div itemprop=articleBody><p>The story itself.</p><div class=gallery-widget><ul>{gallery}</ul></div></div>"
        );
        let html = crate::parse::parse(&page);
        let dom = Dom::build(&html);
        assert_eq!(dom.nodes[dom.body()].chars, "Thestoryitself.".len() as u32);
        // Outside one, a widget-named wrapper holding most of the page is kept.
        let page = format!("<div class=gallery-widget><ul>{gallery}</ul></div>");
        let html = crate::parse::parse(&page);
        assert!(Dom::build(&html).nodes.iter().all(|n| !n.junk || n.tag() == "head"));
    }

    #[test]
    fn a_builders_generic_name_is_believed_only_where_it_does_not_hold_the_prose() {
        let para = "<p>The council met on Tuesday, and after a long debate that ran past midnight, it voted to \
                    rebuild the old bridge over the river with money left over from the flood fund.</p>";
        let junk_paragraphs = |html: &str| {
            let doc = crate::parse::parse(html);
            let dom = Dom::build(&doc);
            dom.nodes.iter().filter(|n| n.tag() == "p" && n.junk).count()
        };
        // A page builder names every section "widget", each of them too small
        // to be the article alone.
        let sections: String = (1..=4)
            .map(|n| format!("<div class='elementor-widget elementor-widget-{n}'>{para}{para}</div>"))
            .collect();
        let built = format!("<body><div class=menu><a href=/>Home</a></div><div class=page>{sections}</div></body>");
        assert_eq!(junk_paragraphs(&built), 0);
        // Beside an article, a box named so is a sidebar's.
        let aside = format!(
            "<body><div class=story>{}</div><div class='widget about'>{para}</div></body>",
            para.repeat(4)
        );
        assert_eq!(junk_paragraphs(&aside), 1);
    }

    #[test]
    fn a_consent_dialog_is_junk_however_much_of_the_page_it_holds() {
        let purpose = "<p>We and our partners store and access information on your device, such as cookies, \
                       to measure the delivery of content and advertising and to improve our services.</p>";
        let page = format!(
            "<body><div class=story><p>The harbour reopened on Monday after a week of storms.</p></div>\
             <div id=onetrust-consent-sdk>{}</div></body>",
            purpose.repeat(4)
        );
        let doc = crate::parse::parse(&page);
        let dom = Dom::build(&doc);
        assert_eq!(
            dom.nodes[dom.body()].chars,
            "TheharbourreopenedonMondayafteraweekofstorms.".len() as u32
        );
        // Another name holding most of the page is the article under an odd name.
        let page = page.replace("id=onetrust-consent-sdk", "class=promo-box");
        let doc = crate::parse::parse(&page);
        assert!(Dom::build(&doc).nodes.iter().all(|n| !n.junk || n.tag() == "head"));
    }

    #[test]
    fn a_series_of_like_named_blocks_holding_the_page_is_read() {
        let review = |n: usize| {
            format!(
                "<div class='product-widget big' id=p{n}><div class=product-widget__text><p>Model {n} cleaned every \
                 load we gave it, ran quietly, and costs less than its rivals.</p></div></div>"
            )
        };
        let reviews: String = (1..=5).map(review).collect();
        let page = format!(
            "<body><div class=menu><a href=/>Home</a></div><div class=body><p>We tested twenty machines over a month, \
             in a lab and in homes, and kept notes on each of them, from the first load to the last.</p>{reviews}</div>\
             <div class=share-bar><a href=/s>Share</a></div></body>"
        );
        let html = crate::parse::parse(&page);
        let dom = Dom::build(&html);
        let reviews = dom.nodes.iter().filter(|n| n.tag() == "p" && !n.junk).count();
        assert_eq!(reviews, 6);
        // Without a paragraph of the article beside them (a list of threads,
        // a shop's every box), they are what their names say.
        let bare = format!(
            "<body><div class=body><div>x</div>{}</div></body>",
            (1..=5).map(review).collect::<String>()
        );
        let html = crate::parse::parse(&bare);
        assert!(Dom::build(&html).nodes.iter().any(|n| n.tag() == "p" && n.junk));
        // One such block among an article is what its name says.
        let page = format!(
            "<body><div class=body>{}{}</div></body>",
            "<p>We tested twenty machines over a month, in a lab and in homes, and kept notes.</p>".repeat(6),
            review(1)
        );
        let html = crate::parse::parse(&page);
        let dom = Dom::build(&html);
        assert!(dom.nodes.iter().any(|n| n.tag() == "p" && n.junk));
    }

    #[test]
    fn on_a_thread_names_of_replies_are_believed_no_more_but_other_names_are() {
        let prose = "<p>I moved my savings to the local credit union last spring, and the fees have been lower.</p>";
        let html = format!(
            "<div class=post>{prose}{prose}{prose}{prose}</div><div class=comments>{prose}</div>\
             <div class=share-bar>{prose}</div>"
        );
        let html = crate::parse::parse(&html);
        let junk = |trust: Trust, class: &str| {
            let dom = Dom::build_trusting(&html, trust);
            dom.nodes
                .iter()
                .any(|n| n.junk && n.element().is_some_and(|e| e.attr("class") == Some(class)))
        };
        assert!(junk(Trust::TagsAndNames, "comments"));
        assert!(!junk(Trust::TagsAndNamesButReplies, "comments"));
        assert!(junk(Trust::TagsAndNamesButReplies, "share-bar"));
    }

    #[test]
    fn a_social_wrapper_around_an_embedded_post_is_kept() {
        let html = crate::parse::parse(
            "<p>Story text.</p><div class=social-embed><blockquote class=twitter-tweet><p>Quoted post</p></blockquote></div>\
             <div class=social-share><a href=/s>Share</a></div>",
        );
        let dom = Dom::build(&html);
        assert_eq!(dom.nodes[dom.body()].chars, "Storytext.Quotedpost".len() as u32);
    }

    #[test]
    fn a_script_link_around_paragraphs_is_content_but_a_script_button_is_a_link() {
        let doc = crate::parse::parse(
            "<body><a href=\"javascript:\"><p>abc</p><p>def</p>ghi</a><a href=\"javascript:print()\">Print</a></body>",
        );
        let dom = Dom::build(&doc);
        assert_eq!(dom.nodes[dom.body()].chars, "abcdefghiPrint".len() as u32);
        assert_eq!(dom.nodes[dom.body()].link_chars, "Print".len() as u32);
    }

    #[test]
    fn deep_nesting_is_flattened_without_recursion() {
        let page = format!("{}text", "<div>".repeat(20_000));
        let doc = crate::parse::parse(&page);
        let dom = Dom::build(&doc);
        assert_eq!(dom.nodes[dom.body()].chars, 4);
    }
}
