//! Finds the element(s) holding the article.
//!
//! Every block of prose votes for its container and, more weakly, for the
//! container's ancestors (the readability.js scheme): long text with commas
//! votes strongly, link lists barely, and class names such as `article-body`
//! or `sidebar` tip the balance. Candidates far below the headline (the
//! `<h1>`) or before it lose weight: reviews and comments outvote a short
//! description by length alone. The winner is widened to a common ancestor
//! when several near-equal candidates split the article between them, raised
//! to an ancestor that adds much more prose and few links (sections a page
//! builder nests apart), and joined by the siblings that look like more of
//! the same. The article's start, when a page builder left it in a cousin
//! of the winner between the headline's container and the winner, is taken
//! too when it is several paragraphs of prose; and on a page that is not an
//! article, the winner (a listing's introduction) rises to take in the
//! listing's items, headlines that are links.

use std::cell::OnceCell;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use crate::boilerplate::contains_any;
use crate::dom::{Dom, Kind, ROOT};
use crate::header::Header;
use crate::segment::{Block, BlockKind};

/// Blocks shorter than this (non-space characters) do not vote.
const MIN_VOTING_CHARS: u32 = 25;
/// How many ancestors above the block's container receive a share of its vote.
const VOTE_LEVELS: usize = 5;
/// This many near-equal candidates under one ancestor mean the article is split among them.
const MIN_SPLIT_CANDIDATES: usize = 2;
/// A sibling section shaped like the winner joins it with at least this much text.
const MIN_SECTION_CHARS: u32 = 100;
const MAX_SECTION_LINK_DENSITY: f32 = 0.25;

const POSITIVE: &[&str] = &[
    "article", "body", "content", "entry", "hentry", "h-entry", "main", "page", "post", "text", "blog", "story",
];
const NEGATIVE: &[&str] = &[
    "-ad-",
    "banner",
    "combx",
    "comment",
    "com-",
    "contact",
    "foot",
    "footnote",
    "gdpr",
    "masthead",
    "media",
    "meta",
    "outbrain",
    "promo",
    "related",
    "scroll",
    "share",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "sponsor",
    "shopping",
    "tags",
    "tool",
    "widget",
    "teaser",
    "card",
    "rail",
];

/// The article's root elements, in document order. A page too short for any
/// block to vote is taken whole (what is not boilerplate is its content).
/// A page that does not declare itself an article (a product, a service, a
/// forum thread) is more than its best prose: when a `<main>` holds the
/// winner, the page's author has already said where its content is.
pub fn article_roots(dom: &Dom, blocks: &[Block], header: &Header, declares_article: bool) -> Vec<usize> {
    let scores = vote(dom, blocks);
    let final_score = |i: usize| scores.score[i].map_or(0.0, |s| s * (1.0 - dom.nodes[i].link_density()));
    let headline = Headline::find(dom, blocks, header);
    let placed_score = |i: usize| final_score(i) * headline.as_ref().map_or(1.0, |h| h.nearness(dom, i));
    let Some(top) = scores
        .candidates
        .iter()
        .copied()
        .max_by(|a, b| placed_score(*a).total_cmp(&placed_score(*b)).then(b.cmp(a)))
    else {
        return vec![dom.body()];
    };
    let top = widen(dom, top, &final_score, &scores);
    let top = match dom.nodes[top].parent {
        // The article is split into chunks one level up (one grid row per chunk).
        parent if has_prose_twin(dom, parent) => parent,
        _ => top,
    };
    // Headings over a section or a listing neither add content nor bar the
    // way to it (counted only when a climb first asks).
    let headings = OnceCell::new();
    let mut top = climb(dom, top, blocks, &headings);
    if !declares_article {
        if let Some(main) = main_around(dom, top) {
            return vec![main];
        }
        top = climb_listing(dom, top, blocks, &headings);
    }
    let mut roots = siblings(dom, top, &final_score);
    if let Some(lead) = headline.as_ref().and_then(|h| h.lead_in(dom, top, blocks)) {
        roots.splice(0..0, lead);
    }
    roots
}

/// Of the text an ancestor adds to the winner, at most this share may be links…
const MAX_ADDED_LINK_DENSITY: f32 = 0.25;
/// …and at least this share must be prose (blocks long enough to vote, and
/// mostly not links)…
const MIN_ADDED_PROSE: f32 = 0.5;
const MAX_PROSE_LINK_DENSITY: f32 = 0.5;
/// …and the ancestor is taken only when it holds this many times the winner's prose.
const MIN_CLIMB_GAIN: u32 = 2;

/// Page builders nest every section of an article in its own deep stack of
/// wrappers, too far apart for their votes to meet: the winner is then one
/// section. An ancestor whose extra text is prose, not links or furniture,
/// and much more of it than the winner holds, holds the rest of the article.
/// (A little more prose beside a whole article is teasers and boxes.)
fn climb(dom: &Dom, top: usize, blocks: &[Block], headings: &OnceCell<Vec<u32>>) -> usize {
    let prose = prose_chars(dom, blocks);
    let highest = highest_prose_ancestor(dom, top, &prose, headings);
    if prose[highest] >= prose[top].saturating_mul(MIN_CLIMB_GAIN) {
        highest
    } else {
        top
    }
}

/// On a page that is not an article, a listing's items are headlines that
/// are links, with short blurbs: the prose that wins the vote is the
/// listing's introduction, and its items lie in a cousin container. The
/// winner rises, as in [`climb`], through parents that add content, here
/// prose or whole headlines as links, and not mostly menu links (short
/// links, or links to no page), or nothing but a heading, when the ancestor
/// holds at least twice its content.
fn climb_listing(dom: &Dom, top: usize, blocks: &[Block], headings: &OnceCell<Vec<u32>>) -> usize {
    let menu = dom.menu_link_chars();
    // Per node, the characters of prose blocks and of the headline links in other blocks.
    let mut own = vec![0u32; dom.nodes.len()];
    for b in blocks.iter().filter(|b| b.kind != BlockKind::Image) {
        own[b.owner] += if is_prose(b) {
            b.chars
        } else {
            b.link_chars.saturating_sub(menu[b.owner])
        };
    }
    let content = dom.subtree_totals(own);
    let content = |i: usize| content[i];
    let mut current = top;
    let mut best = top;
    loop {
        let parent = dom.nodes[current].parent;
        if parent == ROOT || matches!(dom.nodes[parent].tag(), "body" | "html") {
            break;
        }
        let (p, c) = (&dom.nodes[parent], &dom.nodes[current]);
        let added = p.chars.saturating_sub(c.chars) as f32;
        let added_menu = menu[parent].saturating_sub(menu[current]) as f32;
        let added_content = content(parent).saturating_sub(content(current)) as f32;
        // Menu links count against a parent only where they outweigh its
        // content: each item of a listing carries its own short links (its
        // source, its age, its comments) beside its headline.
        let menu_heavy = added_menu > added * MAX_ADDED_LINK_DENSITY && added_menu > added_content;
        // A heading over the items ("Programs", "Results") adds no items.
        let heading = || p.link_chars == c.link_chars && only_heading_added(dom, headings, parent, current);
        if (menu_heavy || added_content < added * MIN_ADDED_PROSE) && !heading() {
            break;
        }
        current = parent;
        if content(current) >= content(top).saturating_mul(MIN_CLIMB_GAIN) {
            best = current;
        }
    }
    best
}

/// Whether all the text `parent` adds to its child `current` is headings.
fn only_heading_added(dom: &Dom, headings: &OnceCell<Vec<u32>>, parent: usize, current: usize) -> bool {
    let headings = headings.get_or_init(|| heading_chars(dom));
    let added = dom.nodes[parent].chars.saturating_sub(dom.nodes[current].chars);
    headings[parent].saturating_sub(headings[current]) == added
}

/// Per node, the characters of headings (`<h1>`–`<h6>`) in its subtree.
fn heading_chars(dom: &Dom) -> Vec<u32> {
    let own = dom
        .nodes
        .iter()
        .map(|n| match n.tag() {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => n.chars,
            _ => 0,
        })
        .collect();
    dom.subtree_totals(own)
}

/// The highest ancestor of `top` reached through parents that each add
/// mostly prose, or nothing but a heading (a section's title in its own wrapper).
fn highest_prose_ancestor(dom: &Dom, top: usize, prose: &[u32], headings: &OnceCell<Vec<u32>>) -> usize {
    let mut current = top;
    loop {
        let parent = dom.nodes[current].parent;
        if parent == ROOT || matches!(dom.nodes[parent].tag(), "body" | "html") {
            return current;
        }
        let (p, c) = (&dom.nodes[parent], &dom.nodes[current]);
        let added = p.chars.saturating_sub(c.chars) as f32;
        let added_links = p.link_chars.saturating_sub(c.link_chars) as f32;
        let added_prose = prose[parent].saturating_sub(prose[current]) as f32;
        let heading = || added_links == 0.0 && only_heading_added(dom, headings, parent, current);
        if (added_links > added * MAX_ADDED_LINK_DENSITY || added_prose < added * MIN_ADDED_PROSE) && !heading() {
            return current;
        }
        current = parent;
    }
}

/// Per node, the characters of voting blocks in its subtree.
fn prose_chars(dom: &Dom, blocks: &[Block]) -> Vec<u32> {
    let mut prose = vec![0u32; dom.nodes.len()];
    for b in blocks.iter().filter(|b| is_prose(b)) {
        prose[b.owner] += b.chars;
    }
    dom.subtree_totals(prose)
}

/// A block long enough to vote and mostly not links.
fn is_prose(b: &Block) -> bool {
    b.kind != BlockKind::Image && b.chars >= MIN_VOTING_CHARS && b.link_density() < MAX_PROSE_LINK_DENSITY
}

/// A candidate wholly before the headline is weighed by this: what precedes
/// the headline is navigation and promotion far more often than the article.
const BEFORE_HEADLINE: f32 = 0.5;
/// The least weight of a candidate far below the headline.
const MIN_NEARNESS: f32 = 0.25;

/// The page's headline as a landmark: the article contains it or starts
/// soon after it. Reviews, comments and link lists lie further down; on a
/// product page they outvote the description by length alone.
struct Headline {
    node: usize,
    /// Every `<h1>` that repeats the title, in document order (pages print
    /// a hidden or sticky copy of the header before the real one).
    copies: Vec<usize>,
    /// Per node, the characters of text before it in document order.
    chars_before: Vec<u32>,
}

impl Headline {
    /// The `<h1>` that repeats the page's title, or else the page's only `<h1>`.
    fn find(dom: &Dom, blocks: &[Block], header: &Header) -> Option<Headline> {
        let mut h1s = blocks.iter().filter(|b| b.kind == BlockKind::Heading(1));
        let block = match h1s.clone().find(|b| header.is_headline(&b.text)) {
            Some(b) => b,
            None => match (h1s.next(), h1s.next()) {
                (Some(only), None) => only,
                _ => return None,
            },
        };
        let mut chars_before = Vec::with_capacity(dom.nodes.len());
        let mut seen = 0u32;
        for n in &dom.nodes {
            chars_before.push(seen);
            if matches!(n.kind, Kind::Text(_)) {
                seen += n.chars;
            }
        }
        let copies = blocks
            .iter()
            .filter(|b| b.kind == BlockKind::Heading(1) && header.is_headline(&b.text))
            .map(|b| b.owner)
            .collect();
        Some(Headline {
            node: block.owner,
            copies,
            chars_before,
        })
    }

    /// How near candidate `i` lies to the headline, from 1 (it holds the
    /// headline, or starts before more text has passed than it holds itself)
    /// down to [`MIN_NEARNESS`].
    fn nearness(&self, dom: &Dom, i: usize) -> f32 {
        let end = dom.nodes[i].end;
        if dom.contains(i, self.node) {
            return 1.0;
        }
        if end <= self.node {
            return BEFORE_HEADLINE;
        }
        let headline_end = dom.nodes[self.node].end;
        let gap = self.chars_before[i].saturating_sub(self.chars_before[headline_end.min(i)]) as f32;
        let own = dom.nodes[i].chars.max(1) as f32;
        (own / gap.max(own)).max(MIN_NEARNESS)
    }
}

/// The article's start, left behind in a cousin of the winner: the
/// sections a page builder wraps apart between the headline and the winning
/// block ("When I started podcasting…" in one `<section>`, the equipment
/// list that outvoted it in another). Taken only when that stretch reads as
/// the article: several paragraphs of prose, few links; and never the
/// headline's own container, whose standfirst, byline and date line readers
/// and annotators leave out.
const MIN_LEAD_IN_PROSE_BLOCKS: usize = 3;

impl Headline {
    /// The largest subtrees lying wholly between the headline's container
    /// and the winner `top`, when what they add is prose; `None` when `top`
    /// already holds the headline or precedes it.
    fn lead_in(&self, dom: &Dom, top: usize, blocks: &[Block]) -> Option<Vec<usize>> {
        // The copy of the headline nearest above the winner is the one that heads it.
        let headline = self
            .copies
            .iter()
            .rev()
            .copied()
            .find(|&c| c < top)
            .unwrap_or(self.node);
        if dom.contains(top, headline) || headline >= top {
            return None;
        }
        // The headline's own container (its header: standfirst, byline, date
        // line, lead image) is left out: only what follows it can be the
        // article's start.
        let mut header = headline;
        while !dom.contains(dom.nodes[header].parent, top) {
            header = dom.nodes[header].parent;
        }
        let (start, end) = (dom.nodes[header].end, top);
        if start >= end {
            return None;
        }
        // Blocks in the stretch (not inside the winner).
        let (mut chars, mut links, mut prose, mut prose_blocks) = (0u32, 0u32, 0u32, 0usize);
        for b in blocks.iter().filter(|b| b.owner >= start && b.owner < end) {
            chars += b.chars;
            links += b.link_chars;
            if b.kind == BlockKind::Paragraph
                && b.chars >= MIN_VOTING_CHARS
                && b.link_density() < MAX_PROSE_LINK_DENSITY
            {
                prose += b.chars;
                prose_blocks += 1;
            }
        }
        let (c, l, p) = (chars as f32, links as f32, prose as f32);
        if prose_blocks < MIN_LEAD_IN_PROSE_BLOCKS || l > c * MAX_ADDED_LINK_DENSITY || p < c * MIN_ADDED_PROSE {
            return None;
        }
        Some(subtrees_between(dom, start, end))
    }
}

/// The largest non-junk subtrees that lie wholly in the node range
/// `start..end` (a loop over the pre-order array: no recursion).
fn subtrees_between(dom: &Dom, start: usize, end: usize) -> Vec<usize> {
    let mut roots = Vec::new();
    let mut i = start;
    while i < end {
        let node = &dom.nodes[i];
        let node_end = node.end.max(i + 1);
        if node_end <= end {
            if !node.junk && node.element().is_some() {
                roots.push(i);
            }
            i = node_end;
        } else {
            // It straddles the winner: look inside.
            i += 1;
        }
    }
    roots
}

/// The `<main>` element holding `top`. (`role=main` is not taken: a
/// fan-fiction archive puts it around the work's notes and comments.)
fn main_around(dom: &Dom, top: usize) -> Option<usize> {
    let mut i = top;
    while i != ROOT {
        let e = dom.nodes[i].element()?;
        if e.name() == "main" {
            return Some(i);
        }
        i = dom.nodes[i].parent;
    }
    None
}

/// Votes per node (indexed like [`Dom::nodes`]) and the nodes that got any.
struct Scores {
    score: Vec<Option<f32>>,
    candidates: Vec<usize>,
}

fn vote(dom: &Dom, blocks: &[Block]) -> Scores {
    let mut scores = Scores {
        score: vec![None; dom.nodes.len()],
        candidates: Vec::new(),
    };
    for b in blocks {
        if b.kind == BlockKind::Image || b.chars < MIN_VOTING_CHARS {
            continue;
        }
        let commas = b.text.chars().filter(|c| matches!(c, ',' | '，' | '、' | '،')).count();
        let score = 1.0 + commas as f32 + (b.chars as f32 / 100.0).min(3.0);
        let mut anc = if is_paragraph_tag(dom.nodes[b.owner].tag()) {
            dom.nodes[b.owner].parent
        } else {
            b.owner
        };
        for level in 0..VOTE_LEVELS {
            if anc == ROOT || dom.nodes[anc].element().is_none() {
                break;
            }
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                l => l as f32 * 3.0,
            };
            let slot = &mut scores.score[anc];
            if slot.is_none() {
                scores.candidates.push(anc);
            }
            *slot.get_or_insert_with(|| initial_score(dom, anc)) += score / divider;
            anc = dom.nodes[anc].parent;
        }
    }
    scores
}

fn is_paragraph_tag(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "li" | "td" | "th" | "pre" | "blockquote" | "dd" | "dt" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
    )
}

/// A candidate's starting score: its tag and its class names.
fn initial_score(dom: &Dom, i: usize) -> f32 {
    let tag_score = match dom.nodes[i].tag() {
        "div" | "article" | "main" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    };
    tag_score + class_weight(dom, i)
}

pub fn class_weight(dom: &Dom, i: usize) -> f32 {
    let Some(e) = dom.nodes[i].element() else {
        return 0.0;
    };
    if e.attr("itemprop") == Some("articleBody") {
        return 50.0;
    }
    let names = e.class_and_id();
    static NEGATIVE_NAMES: OnceLock<AhoCorasick> = OnceLock::new();
    static POSITIVE_NAMES: OnceLock<AhoCorasick> = OnceLock::new();
    let mut w = 0.0;
    if contains_any(names, NEGATIVE, &NEGATIVE_NAMES) {
        w -= 25.0;
    }
    if contains_any(names, POSITIVE, &POSITIVE_NAMES) {
        w += 25.0;
    }
    w
}

/// When two or more strong candidates sit below one ancestor, the article
/// is split across them: take the ancestor. A lone child gives way to its parent.
fn widen(dom: &Dom, top: usize, score: &dyn Fn(usize) -> f32, scores: &Scores) -> usize {
    let top_score = score(top);
    let strong: Vec<usize> = scores
        .candidates
        .iter()
        .copied()
        .filter(|&c| c != top && score(c) >= top_score * 0.75 && !dom.contains(c, top) && !dom.contains(top, c))
        .collect();
    let mut current = top;
    if strong.len() >= MIN_SPLIT_CANDIDATES - 1 {
        let mut anc = dom.nodes[top].parent;
        while anc != ROOT && dom.nodes[anc].tag() != "body" {
            if strong.iter().filter(|&&c| dom.contains(anc, c)).count() >= MIN_SPLIT_CANDIDATES - 1 {
                current = anc;
                break;
            }
            anc = dom.nodes[anc].parent;
        }
    }
    loop {
        let parent = dom.nodes[current].parent;
        if parent == ROOT || matches!(dom.nodes[parent].tag(), "body" | "html") {
            return current;
        }
        if dom
            .children(parent)
            .filter(|&c| dom.nodes[c].element().is_some() && !dom.nodes[c].junk)
            .count()
            == 1
        {
            current = parent;
        } else {
            return current;
        }
    }
}

/// Whether a sibling of `i` carries `i`'s class and holds prose: more of the same.
fn has_prose_twin(dom: &Dom, i: usize) -> bool {
    let parent = dom.nodes[i].parent;
    parent != ROOT && dom.nodes[i].tag() != "body" && dom.children(parent).any(|s| s != i && is_prose_twin(dom, i, s))
}

fn is_prose_twin(dom: &Dom, i: usize, sibling: usize) -> bool {
    let class = |n: usize| dom.nodes[n].element().and_then(|e| e.attr("class"));
    let node = &dom.nodes[sibling];
    class(i).is_some()
        && class(sibling) == class(i)
        && !node.junk
        && node.chars >= MIN_SECTION_CHARS
        && node.link_density() < MAX_SECTION_LINK_DENSITY
}

/// The winner plus those of its siblings that score well or read as prose.
fn siblings(dom: &Dom, top: usize, score: &dyn Fn(usize) -> f32) -> Vec<usize> {
    let parent = dom.nodes[top].parent;
    if parent == ROOT {
        return vec![top];
    }
    let top_score = score(top);
    let threshold = (top_score * 0.2).max(10.0);
    let top_class = dom.nodes[top].element().and_then(|e| e.attr("class"));
    dom.children(parent)
        .filter(|&s| {
            let node = &dom.nodes[s];
            if s == top {
                return true;
            }
            if node.junk || node.element().is_none() {
                return false;
            }
            let same_class = top_class.is_some() && node.element().and_then(|e| e.attr("class")) == top_class;
            // A sibling built like the winner and holding prose is the article's
            // next section, even when its paragraphs sit too deep to have voted for it.
            if is_prose_twin(dom, top, s) {
                return true;
            }
            let bonus = if same_class { top_score * 0.2 } else { 0.0 };
            if score(s) + bonus >= threshold {
                return true;
            }
            node.tag() == "p" && node.chars > 80 && node.link_density() < 0.25
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts under the chosen roots.
    fn article_text(html: &str) -> Vec<String> {
        let doc = crate::parse::parse(html);
        let dom = Dom::build(&doc);
        let blocks = crate::segment::blocks(&dom, dom.body());
        let roots = article_roots(&dom, &blocks, &Header::new(None, None, None, None), true);
        blocks
            .into_iter()
            .filter(|b| roots.iter().any(|&r| dom.contains(r, b.owner)))
            .map(|b| b.text)
            .collect()
    }

    #[test]
    fn a_sibling_section_shaped_like_the_winner_joins_it() {
        let para = "The council met on Tuesday, and after a long debate, it voted to rebuild the old bridge.";
        let deep = format!("<div><div><div><div><div><p>{para}</p><p>{para}</p></div></div></div></div></div>");
        let html = format!(
            "<div id=wrap><div class=section>{deep}</div><div class=section><p>{para}</p><p>{para}</p><p>{para}</p><p>{para}</p></div>\
             <div class=other><a href=/a>Elsewhere on the site today</a></div></div>"
        );
        assert_eq!(article_text(&html).len(), 6);
    }

    #[test]
    fn an_article_split_into_chunks_one_level_up_is_joined() {
        let para = "<p>The council met on Tuesday, and after a long debate, it voted to rebuild the old bridge.</p>";
        let chunk = |n: usize| {
            format!(
                "<div class=chunk><div class=text>{}</div><div class=rail></div></div>",
                para.repeat(n)
            )
        };
        let html = format!(
            "<div id=wrap>{}{}</div><div class=other><p>Elsewhere on the site</p></div>",
            chunk(4),
            chunk(2)
        );
        assert_eq!(article_text(&html).len(), 6);
    }

    #[test]
    fn sections_nested_apart_by_a_page_builder_are_joined() {
        let para = "<p>The council met on Tuesday, and after a long debate, it voted to rebuild the old bridge.</p>";
        // Builders give every element a unique class, so no two sections look alike.
        let section = |n: usize| {
            format!(
                "<div class=row-{n}><div class=col><div class=inner><img src=/{n}.png><div class=frame><div class=box>\
                 <div class=c>{}</div></div></div></div></div></div>",
                para.repeat(n)
            )
        };
        let html = format!(
            "<nav><a href=/>Home</a></nav><div class=builder><div class=area>{}<h2>Next</h2>{}{}{}</div></div>\
             <div class=more><a href=/a>Elsewhere on the site today</a><a href=/b>And another story here</a></div>",
            section(4),
            section(1),
            section(1),
            section(2)
        );
        let text = article_text(&html);
        assert_eq!(
            text.iter().filter(|t| t.starts_with("The council")).count(),
            8,
            "{text:?}"
        );
        assert!(!text.iter().any(|t| t.contains("Elsewhere")), "{text:?}");
    }

    #[test]
    fn prose_climbs_past_a_wrapper_that_adds_only_a_sections_heading() {
        let para = "<p>The council met on Tuesday, and after a long debate, it voted to rebuild the old bridge.</p>";
        let html = format!(
            "<div class=page><div class=s1><h2>Part one</h2><div class=t1>{}</div></div>\
             <div class=s2>{}</div></div><div class=other><a href=/a>Elsewhere on the site today</a></div>",
            para.repeat(2),
            para.repeat(2)
        );
        let doc = crate::parse::parse(&html);
        let dom = Dom::build(&doc);
        let blocks = crate::segment::blocks(&dom, dom.body());
        let node = |class: &str| {
            (0..dom.nodes.len())
                .find(|&i| dom.nodes[i].element().and_then(|e| e.attr("class")) == Some(class))
                .unwrap()
        };
        let prose = prose_chars(&dom, &blocks);
        let highest = highest_prose_ancestor(&dom, node("t1"), &prose, &OnceCell::new());
        assert_eq!(highest, node("page"));
    }

    #[test]
    fn a_whole_article_does_not_rise_to_take_in_teasers_beside_it() {
        let para = "<p>The council met on Tuesday, and after a long debate, it voted to rebuild the old bridge.</p>";
        let teaser = "<div class=teaser><h3><a href=/t>Another story</a></h3><p>A short summary of another story, \
                      which the site shows beside every article it runs.</p></div>";
        let html = format!(
            "<div class=page><div class=story>{}</div>{teaser}</div>",
            para.repeat(6)
        );
        let text = article_text(&html);
        assert!(!text.iter().any(|t| t.contains("short summary")), "{text:?}");
    }

    #[test]
    fn the_block_under_the_headline_beats_longer_prose_far_below_it() {
        let description = "<p>A dynamic microphone with a warm tone, a built-in preamp, and a shield against hum.</p>";
        let review = "<p>I bought this for my podcast, and after a month of daily use, I love it, though, sadly, the cable is short.</p>";
        let specs = "<tr><td>Frequency response</td><td>50 Hz to 20 kHz</td></tr>".repeat(20);
        let html = format!(
            "<div class=product><h1>Studio Microphone</h1><div class=desc>{}</div><table>{specs}</table></div>\
             <div class=reviews><h2>Reviews</h2><div class=list>{}</div></div>",
            description.repeat(5),
            review.repeat(5)
        );
        let text = article_text(&html);
        assert!(text.iter().any(|t| t.contains("dynamic microphone")), "{text:?}");
        assert!(!text.iter().any(|t| t.contains("podcast")), "{text:?}");
    }

    #[test]
    fn the_start_of_the_article_in_a_cousin_section_after_the_headline_is_kept() {
        let intro = "<p>When I started, the gear was expensive, technical, and hard to judge by ear.</p>";
        let item =
            "<li><p>A microphone that plugs into a laptop, costs little, and sounds clean in a quiet room.</p></li>";
        let article = |lead: &str| {
            format!(
                "<nav><a href=/>Home</a></nav><article><h1>Podcast gear</h1><section>{lead}</section>                 <section><section><ul>{}</ul></section></section></article><div class=more><a href=/x>Next story on the site</a></div>",
                item.repeat(8)
            )
        };
        let text = article_text(&article(&intro.repeat(3)));
        assert_eq!(
            text.iter().filter(|t| t.starts_with("When I started")).count(),
            3,
            "{text:?}"
        );
        assert!(!text.iter().any(|t| t.contains("Next story")), "{text:?}");
        // One line between the headline and the article (a byline, a standfirst) stays out.
        let text = article_text(&article(
            "<p>By a staff writer who tested every microphone, cable and stand.</p>",
        ));
        assert!(!text.iter().any(|t| t.starts_with("By a staff")), "{text:?}");
    }

    #[test]
    fn a_listing_rises_from_its_introduction_to_its_items() {
        let card = |n: usize| {
            format!(
                "<div class=card><a href=/story/{n}><h2>Renting a car could lead to your arrest, report {n} finds</h2>\
                 <p>Police drew their guns on a customer whose rental was listed as stolen.</p></a></div>"
            )
        };
        let cards: String = (1..=6).map(card).collect();
        let page = format!(
            "<nav><a href=/>Home</a><a href=/news>News</a></nav><div class=page><section class=intro><h1>Vehicle rental</h1>\
             <p>Stay up to date with our vehicle rental news, reporting, and coverage, every day of the week.</p></section>\
             <section class=list>{cards}</section></div><footer><a href=/about>About</a></footer>"
        );
        let doc = crate::parse::parse(&page);
        let dom = Dom::build(&doc);
        let blocks = crate::segment::blocks(&dom, dom.body());
        let roots = article_roots(&dom, &blocks, &Header::new(None, None, None, None), false);
        let text: Vec<&str> = blocks
            .iter()
            .filter(|b| roots.iter().any(|&r| dom.contains(r, b.owner)))
            .map(|b| b.text.as_str())
            .collect();
        assert_eq!(
            text.iter().filter(|t| t.starts_with("Renting a car")).count(),
            6,
            "{text:?}"
        );
        assert!(text.iter().any(|t| t.starts_with("Stay up to date")), "{text:?}");
        // An article keeps to its prose.
        let roots = article_roots(&dom, &blocks, &Header::new(None, None, None, None), true);
        assert!(!blocks
            .iter()
            .any(|b| b.text.starts_with("Renting a car") && roots.iter().any(|&r| dom.contains(r, b.owner))));
    }

    #[test]
    fn a_listing_whose_items_carry_short_links_beside_their_headlines_rises_to_them() {
        // Each item: a headline link, then its source and age as short links.
        let item = |n: usize| {
            format!(
                "<tr><td><a href=/jobs/{n}>Workshop number {n} is hiring a senior bridge engineer</a> \
                 (<a href=/from?site={n}>example.org</a>)</td><td><a href=/item/{n}>{n} hours ago</a> \
                 <a href=/hide/{n}>hide</a></td></tr>"
            )
        };
        let items: String = (1..=8).map(item).collect();
        let page = format!(
            "<nav><a href=/>Home</a><a href=/new>New</a></nav><table><tr><td><div>These are jobs at the \
             workshops we fund, listed as they are posted.</div></td></tr>{items}</table>"
        );
        let doc = crate::parse::parse(&page);
        let dom = Dom::build(&doc);
        let blocks = crate::segment::blocks(&dom, dom.body());
        let roots = article_roots(&dom, &blocks, &Header::new(None, None, None, None), false);
        let kept = |needle: &str| {
            blocks
                .iter()
                .filter(|b| b.text.contains(needle) && roots.iter().any(|&r| dom.contains(r, b.owner)))
                .count()
        };
        assert_eq!(kept("is hiring"), 8);
        assert_eq!(kept("New"), 0);
    }

    #[test]
    fn a_listing_rises_past_a_heading_over_its_introduction() {
        let item = |n: usize| {
            format!("<div class=item><h3><a href=/programs/{n}>Certificate in project management, course {n}</a></h3></div>")
        };
        let items: String = (1..=6).map(item).collect();
        let page = format!(
            "<nav><a href=/>Home</a></nav><div class=all><div class=top><h2>Our programs</h2><div class=intro>\
             <p>Our programs prepare working professionals to master new skills, lead teams, and grow their careers.</p>\
             </div></div><div class=list>{items}</div></div><footer><a href=/about>About</a></footer>"
        );
        let doc = crate::parse::parse(&page);
        let dom = Dom::build(&doc);
        let blocks = crate::segment::blocks(&dom, dom.body());
        let roots = article_roots(&dom, &blocks, &Header::new(None, None, None, None), false);
        let kept = blocks
            .iter()
            .filter(|b| b.text.starts_with("Certificate") && roots.iter().any(|&r| dom.contains(r, b.owner)))
            .count();
        assert_eq!(kept, 6);
    }

    #[test]
    fn a_page_too_short_to_vote_is_taken_whole() {
        let html = "<nav><a href=/>Home</a></nav><h2>Test case</h2><p>Short.</p>";
        assert_eq!(article_text(html), vec!["Test case", "Short."]);
    }
}
