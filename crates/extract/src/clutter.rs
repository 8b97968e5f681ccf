//! Removes what publishers inject into article bodies.
//!
//! A readability pass finds the right container, but news sites put ad
//! markers ("STORY CONTINUES BELOW THIS AD"), "Read Also:" promos,
//! newsletter boxes, share prompts, agency credits, comment widgets and
//! image-URL debris *inside* that container. This module splits the body into
//! leaf blocks and drops the blocks a reader would call clutter.

use std::collections::HashSet;

use url::Url;

use crate::dom::{Dom, ROOT};
use crate::segment::{alnum_words, collapse, Block, BlockKind};

/// Blocks more link than text are navigation, unless long enough to be prose with citations.
const MAX_LINK_DENSITY: f32 = 0.5;
/// A teaser's blurb is a sentence or two; an article's paragraph under a linked heading runs longer.
const MAX_BLURB_CHARS: usize = 250;
/// Blocks this long are prose: no promo, widget or credit line runs so long.
const LONG_BLOCK_BYTES: usize = 300;
/// Room in a teaser card for a kicker or an author's name besides headline and blurb.
const MAX_CARD_EXTRA_CHARS: u32 = 60;

/// Drops the clutter among the article's blocks. `captions` are the texts of
/// every caption on the page: a paragraph that merely repeats one is dropped.
/// Link-dense blocks are dropped, except, with `keep_headline_links` (on a
/// page that is a listing rather than an article), those whose links are
/// whole headlines rather than menu entries; there, teasers' blurbs stay too.
pub fn clean(dom: &Dom, blocks: Vec<Block>, captions: &HashSet<String>, keep_headline_links: bool) -> Vec<Block> {
    let menu = keep_headline_links.then(|| dom.menu_link_chars());
    let is_headline_link = |b: &Block| {
        menu.as_ref()
            .is_some_and(|m| b.link_chars.saturating_sub(m[b.owner]) >= crate::dom::MIN_HEADLINE_LINK_CHARS)
    };
    let mut kept = Vec::with_capacity(blocks.len());
    let mut skip_promo_target = false;
    let mut promo_list: Option<PromoList> = None;
    let mut linked_heading: Option<Block> = None;
    let first_owner = blocks.first().map_or(0, |b| b.owner);
    let mut previous_owner = None;
    for mut block in blocks {
        // The block before this one, kept or not: a heading after text of its
        // own section does not open that section.
        let before = previous_owner;
        if block.kind != BlockKind::Image {
            previous_owner = Some(block.owner);
        }
        if block.kind != BlockKind::Image {
            let heading = linked_heading.take();
            // On a listing, the teasers are the content: blurbs and all.
            if menu.is_none() && heading.as_ref().is_some_and(|h| is_teaser_blurb(dom, h, &block)) {
                continue;
            }
            if matches!(block.kind, BlockKind::Heading(_)) && block.link_density() > MAX_LINK_DENSITY {
                linked_heading = Some(block.clone());
            }
        }
        if let Some(list) = &promo_list {
            if list.holds(dom, &block) {
                continue;
            }
            promo_list = None;
        }
        if skip_promo_target && block.kind != BlockKind::Image {
            // The headline that follows a bare "Read Also:" label.
            skip_promo_target = false;
            if block.text.len() < 200 {
                continue;
            }
        }
        if block.kind == BlockKind::Caption
            || (block.link_density() > MAX_LINK_DENSITY && !is_headline_link(&block))
            || (captions.contains(&block.text) && block.text.len() < 400)
        {
            continue;
        }
        match classify(&block.text) {
            Verdict::Keep => {
                scrub_inline_markers(&mut block);
                if !block.text.is_empty() || block.kind == BlockKind::Image {
                    kept.push(block);
                }
            }
            Verdict::Drop => {}
            Verdict::DropWithNext => skip_promo_target = true,
            Verdict::DropWithList => promo_list = Some(PromoList::under(dom, &block, first_owner, before)),
        }
    }
    kept
}

/// What follows a "Related stories" heading: list items and links, and when
/// the heading heads a section of its own (one that does not hold the
/// article's first block), everything else in that section too, such as
/// teaser excerpts. A heading's words are evidence, not a verdict: only a
/// heading that opens its section heads it. One with text of the same
/// section before it ("Recommended Providers" halfway down a guide) is a
/// subheading of the article, and the section is the article going on.
struct PromoList {
    section: Option<usize>,
}

impl PromoList {
    fn under(dom: &Dom, heading: &Block, first_owner: usize, previous_owner: Option<usize>) -> PromoList {
        // Climb out of wrappers that hold nothing but the heading.
        let mut inner = heading.owner;
        let mut section = dom.nodes[inner].parent;
        while section != ROOT && dom.nodes[section].chars == dom.nodes[inner].chars {
            inner = section;
            section = dom.nodes[section].parent;
        }
        let opens = previous_owner.is_none_or(|p| !dom.contains(section, p));
        PromoList {
            section: (section != ROOT && !dom.contains(section, first_owner) && opens).then_some(section),
        }
    }

    fn holds(&self, dom: &Dom, block: &Block) -> bool {
        self.section.is_some_and(|s| dom.contains(s, block.owner))
            || block.kind == BlockKind::ListItem
            || block.link_density() > MAX_LINK_DENSITY
    }
}

/// A teaser card for another story: a headline that is a link and a short
/// blurb, alone together in one small container. (A linked heading followed
/// by the article's next paragraph shares no such container with it.)
fn is_teaser_blurb(dom: &Dom, heading: &Block, block: &Block) -> bool {
    if block.kind != BlockKind::Paragraph || block.text.len() >= MAX_BLURB_CHARS {
        return false;
    }
    let mut card = heading.owner;
    while !dom.contains(card, block.owner) {
        card = dom.nodes[card].parent;
    }
    dom.nodes[card].chars <= heading.chars + block.chars + MAX_CARD_EXTRA_CHARS
}

/// Drops body images that are the lead image again: readers show the lead
/// image above the text, so a body copy of the same file (at whatever size its
/// query string asks for) would appear twice.
pub fn drop_lead_image(blocks: &mut Vec<Block>, lead: Option<&str>, base: Option<&Url>) {
    let Some(lead) = lead.and_then(|l| Url::parse(l).ok()) else {
        return;
    };
    blocks.retain(|b| {
        let src = image_src(&b.html).and_then(|s| match base {
            Some(base) => base.join(&s).ok(),
            None => Url::parse(&s).ok(),
        });
        b.kind != BlockKind::Image || !src.is_some_and(|u| same_file(&u, &lead))
    });
}

/// The `src` of an image block's `<img src="…">` tag, unescaped.
fn image_src(html: &str) -> Option<String> {
    let rest = html.strip_prefix("<img src=\"")?;
    let raw = &rest[..rest.find('"')?];
    Some(
        raw.replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

fn same_file(a: &Url, b: &Url) -> bool {
    a.host_str() == b.host_str() && a.path() == b.path()
}

enum Verdict {
    Keep,
    Drop,
    /// A promo label whose target headline is the next block.
    DropWithNext,
    /// A "Related stories" heading: the list of links under it goes too.
    DropWithList,
}

/// Headings of link lists that follow an article ("More Great WIRED Stories").
const LIST_HEADINGS: &[&str] = &[
    "related",
    "more stories",
    "more great",
    "more from",
    "more on this",
    "recommended",
    "you may also like",
    "you might also like",
    "most popular",
    "most read",
    "trending",
    "top stories",
    "latest news",
    "read next",
    "what to read next",
    // German, French, Spanish, Italian, Portuguese.
    "mehr zum thema",
    "das könnte sie auch interessieren",
    "weitere artikel",
    "ähnliche artikel",
    "meistgelesen",
    "articles similaires",
    "sur le même sujet",
    "les plus lus",
    "noticias relacionadas",
    "artículos relacionados",
    "te puede interesar",
    "lo más leído",
    "articoli correlati",
    "potrebbe interessarti",
    "i più letti",
    "notícias relacionadas",
    "você pode gostar",
    "mais lidas",
];

/// Short lines that invite the reader to subscribe, follow or write in.
const INVITATIONS: &[&str] = &[
    "subscribe",
    "sign up",
    "get the latest",
    "have a tip?",
    "follow us",
    "click here",
];
const CONTACT_PHRASES: &[&str] = &[
    "may be reached at",
    "can be reached at",
    "follow her on twitter",
    "follow him on twitter",
    "follow them on twitter",
    "delivered to your inbox",
    "delivered through your letterbox",
    "right in your inbox",
];

/// Ad markers that publishers put between paragraphs (and sometimes inside one).
const AD_MARKERS: &[&str] = &[
    "story continues below this ad",
    "story continues below advertisement",
    "article continues below this ad",
    "article continues below advertisement",
    "continue reading below",
    "advertisement",
    "advertisement - scroll to continue",
    "ad",
    "advert",
    "sponsored",
    "this slideshow requires javascript",
    "anzeige",
    "werbung",
    "publicité",
    "publicidad",
    "pubblicità",
    "publicidade",
    "iklan",
    "реклама",
];

const PROMO_PREFIXES: &[&str] = &[
    "read also",
    "also read",
    "read more",
    "see also",
    "also see",
    "must read",
    "related:",
    "recommended:",
    "watch:",
    "more from",
    "don't miss",
    "trending:",
    "lesen sie auch",
    "lesen sie mehr",
    "auch interessant",
    "lire aussi",
    "à lire aussi",
    "voir aussi",
    "lee también",
    "lea también",
    "leer más",
    "ver también",
    "leggi anche",
    "leia também",
    "leia mais",
    "veja também",
];

const WIDGET_PHRASES: &[&str] = &[
    "sign up for our newsletter",
    "subscribe to our newsletter",
    "newsletter sign-up",
    "get the latest news delivered",
    "share on facebook",
    "share on twitter",
    "share on x",
    "share this article",
    "copy link",
    "be the first to comment",
    "log in to comment",
    "no comments yet",
    "leave a comment",
    "post a comment",
    "view comments",
    "we use cookies",
    "accept cookies",
    "accept all cookies",
    "cookie settings",
    "to read the full story",
    "subscribe to continue reading",
    "already a subscriber",
    "comments are closed",
    "all rights reserved",
    "follow us on",
    "newsletter abonnieren",
    "wir verwenden cookies",
    "alle rechte vorbehalten",
    "abonnez-vous à notre newsletter",
    "nous utilisons des cookies",
    "tous droits réservés",
    "suscríbete a nuestro boletín",
    "utilizamos cookies",
    "todos los derechos reservados",
    "iscriviti alla newsletter",
    "utilizziamo i cookie",
    "tutti i diritti riservati",
    "todos os direitos reservados",
    "sharing is caring",
    "share it with a friend",
    "back to gallery",
];

const CREDIT_PREFIXES: &[&str] = &["with inputs from", "(with inputs from", "with input from"];

/// The post's filing line under or above it ("Filed under: Politics").
const TAXONOMY_PREFIXES: &[&str] = &["filed under", "tags:", "tagged with", "categories:"];

const SHARE_WORDS: &[&str] = &[
    "share",
    "tweet",
    "email",
    "print",
    "facebook",
    "twitter",
    "x",
    "whatsapp",
    "linkedin",
    "reddit",
    "copy",
    "link",
    "comments",
    "comment",
    "save",
    "teilen",
    "drucken",
    "kommentare",
    "partager",
    "imprimer",
    "commentaires",
    "compartir",
    "imprimir",
    "comentarios",
    "condividi",
    "stampa",
    "commenti",
    "compartilhar",
    "comentários",
];

fn classify(text: &str) -> Verdict {
    // Every clutter phrase is a short block; a long paragraph can only be
    // URL debris, and lower-casing it whole would cost more than the rest.
    if text.len() >= LONG_BLOCK_BYTES {
        return if is_url_debris(text) {
            Verdict::Drop
        } else {
            Verdict::Keep
        };
    }
    let lower = text.to_lowercase();
    let bare = lower.trim_matches(|c: char| !c.is_alphanumeric());
    if AD_MARKERS.contains(&bare) {
        return Verdict::Drop;
    }
    if let Some(prefix) = PROMO_PREFIXES.iter().find(|p| lower.starts_with(*p)) {
        let rest = lower[prefix.len()..].trim_matches(|c: char| !c.is_alphanumeric());
        return if rest.is_empty() {
            Verdict::DropWithNext
        } else if text.len() < 250 {
            Verdict::Drop
        } else {
            Verdict::Keep
        };
    }
    if text.len() < 60 && LIST_HEADINGS.iter().any(|h| bare.starts_with(h)) {
        return Verdict::DropWithList;
    }
    if INVITATIONS.iter().any(|p| lower.starts_with(p)) || CONTACT_PHRASES.iter().any(|p| lower.contains(p)) {
        return Verdict::Drop;
    }
    if WIDGET_PHRASES.iter().any(|p| lower.contains(p)) {
        return Verdict::Drop;
    }
    if CREDIT_PREFIXES
        .iter()
        .chain(TAXONOMY_PREFIXES)
        .any(|p| lower.starts_with(p))
    {
        return Verdict::Drop;
    }
    if is_share_bar(&lower) || is_url_debris(text) || is_gallery_counter(&lower) || is_reading_time(&lower) {
        return Verdict::Drop;
    }
    Verdict::Keep
}

/// "Share Tweet Email": every word is a share-widget word.
fn is_share_bar(lower: &str) -> bool {
    let words: Vec<&str> = alnum_words(lower).collect();
    !words.is_empty() && words.len() <= 8 && words.iter().all(|w| SHARE_WORDS.contains(w))
}

/// "5 min read", "Reading time: 3 minutes", "Tempo de leitura: 1 minuto".
fn is_reading_time(lower: &str) -> bool {
    const MINUTES: &[&str] = &["min", "mins", "minute", "minutes", "minuto", "minutos", "minuten"];
    const READING: &[&str] = &[
        "read", "reading", "leitura", "lectura", "lesezeit", "lecture", "lettura",
    ];
    let words: Vec<&str> = alnum_words(lower).collect();
    words.len() <= 6 && words.iter().any(|w| MINUTES.contains(w)) && words.iter().any(|w| READING.contains(w))
}

/// "Image 3 of 12", "Photo 2/5", "4 of 9": a slideshow's position, not text.
fn is_gallery_counter(lower: &str) -> bool {
    let rest = ["image", "photo", "picture", "slide"]
        .iter()
        .find_map(|l| lower.strip_prefix(l))
        .unwrap_or(lower);
    let Some((n, m)) = rest.split_once(" of ").or_else(|| rest.split_once('/')) else {
        return false;
    };
    // "Image 1 of / 23": templates print the total after a slash too.
    let m = m.trim_start().strip_prefix('/').unwrap_or(m);
    let is_number = |s: &str| !s.trim().is_empty() && s.trim().chars().all(|c| c.is_ascii_digit());
    is_number(n) && is_number(m)
}

/// Leftovers of image CDN URLs that leak into text, e.g. `&w=3840&q=100)`.
fn is_url_debris(text: &str) -> bool {
    let t = text.trim();
    !t.contains(' ')
        && (t.contains("&w=") || t.contains("&q=") || t.starts_with("http") || t.contains(".jpg") || t.contains(".png"))
}

/// Removes ad markers that sit inside a paragraph's text.
fn scrub_inline_markers(block: &mut Block) {
    const INLINE: &[&str] = &[
        "STORY CONTINUES BELOW THIS AD",
        "Story continues below this ad",
        "ADVERTISEMENT",
    ];
    for marker in INLINE {
        if block.text.contains(marker) {
            block.text = collapse(&block.text.replace(marker, " "));
            block.html = block.html.replace(marker, " ");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean_blocks(html: &str) -> Vec<Block> {
        let doc = crate::parse::parse(html);
        let dom = crate::dom::Dom::build(&doc);
        clean(&dom, crate::segment::blocks(&dom, dom.body()), &HashSet::new(), false)
    }

    fn texts(html: &str) -> Vec<String> {
        clean_blocks(html)
            .into_iter()
            .filter(|b| b.kind != BlockKind::Image)
            .map(|b| b.text)
            .collect()
    }

    #[test]
    fn drops_seed_page_clutter() {
        let html = "<div><p>Witkoff described the concession as 'game-changing'.</p>\
            <p>STORY CONTINUES BELOW THIS AD</p><p>Read Also:</p>\
            <p><a href='/x'>A non-NATO pact for Ukraine? US floats guarantees</a></p>\
            <p>Article 5 of NATO stipulates that an attack on one member is an attack on all.</p>\
            <div>With inputs from agencies</div><p>&amp;w=3840&amp;q=100)</p></div>";
        assert_eq!(
            texts(html),
            vec![
                "Witkoff described the concession as 'game-changing'.",
                "Article 5 of NATO stipulates that an attack on one member is an attack on all."
            ]
        );
    }

    #[test]
    fn drops_clutter_in_other_languages_too() {
        let html = "<p>Der Stadtrat hat am Montag den neuen Haushalt beschlossen.</p><p>Anzeige</p>\
            <p>Lesen Sie auch: <a href='/x'>Wie die Stadt spart</a></p><p>Teilen Drucken Kommentare</p>\
            <h3>Mehr zum Thema</h3><ul><li><a href='/y'>Haushalt 2024</a></li></ul>\
            <p>Leia também</p><p><a href='/z'>Outra notícia</a></p><p>Tous droits réservés</p>\
            <p>Die Opposition kündigte an, gegen den Haushalt zu klagen.</p>";
        assert_eq!(
            texts(html),
            vec![
                "Der Stadtrat hat am Montag den neuen Haushalt beschlossen.",
                "Die Opposition kündigte an, gegen den Haushalt zu klagen."
            ]
        );
    }

    #[test]
    fn a_promo_heading_over_most_of_the_article_does_not_take_its_section() {
        let para =
            "<p>Every provider we list encrypts traffic, keeps no logs, and has passed an independent audit.</p>";
        let teaser = "<p><a href='/t'>Another story the site would like you to read next</a></p>";
        // The heading opens the section that holds the rest of the guide.
        let guide = format!(
            "<h1>VPN Services</h1><div><p>Intro.</p><h2>Recommended Providers</h2>{}</div>",
            para.repeat(6)
        );
        assert_eq!(
            texts(&guide).iter().filter(|t| t.starts_with("Every provider")).count(),
            6
        );
        // A section the heading opens goes, blurbs and all, however long they run.
        let promo = format!(
            "<h1>VPN Services</h1>{}<div><h2>Recommended</h2>{teaser}<p>A short blurb about it.</p></div>",
            para.repeat(6)
        );
        let kept = texts(&promo);
        assert!(!kept.iter().any(|t| t.contains("blurb")), "{kept:?}");
        assert_eq!(kept.len(), 7, "{kept:?}");
    }

    #[test]
    fn drops_gallery_counters_but_not_fractions_in_prose() {
        let html = "<p>Image 1 of 5</p><p>Photo 2/5</p><p>3 of 5</p><p>Image 1 of / 23</p><p>Back to Gallery</p>\
            <p>Turnout was 3 of 5 voters.</p>";
        assert_eq!(texts(html), vec!["Turnout was 3 of 5 voters."]);
    }

    #[test]
    fn drops_widgets_but_keeps_prose_mentioning_them() {
        let html = "<p>Share Tweet Email</p><p>Sign up for our newsletter to get updates.</p>\
            <p>Comments</p><p>Be the first to comment</p><p>Sharing is caring!</p><p>5 min read</p>\
            <p>Tempo de leitura: 1 minuto</p><p>Filed under: Politics |</p>\
            <p>The council said the newsletter it mails to residents would share the plan.</p>";
        assert_eq!(
            texts(html),
            vec!["The council said the newsletter it mails to residents would share the plan."]
        );
    }

    #[test]
    fn splits_bare_text_in_containers_and_scrubs_inline_markers() {
        let html =
            "<div>First part of the story. STORY CONTINUES BELOW THIS AD<p>Second paragraph.</p>Tail text.</div>";
        assert_eq!(
            texts(html),
            vec!["First part of the story.", "Second paragraph.", "Tail text."]
        );
    }

    #[test]
    fn a_related_heading_takes_its_whole_section_but_not_the_article() {
        let story =
            "<p>The harbour reopened on Monday after a week of storms, and the first ferries sailed at dawn.</p>";
        let teaser = "<div><p>A long excerpt from another story about the coast that ends mid-sentence because it is only a teaser of it …</p></div>";
        let html = format!(
            "<div><div>{story}</div><section><h3>Related stories</h3>{teaser}{teaser}</section></div><p>Closing line of the page.</p>"
        );
        let kept = texts(&html);
        assert!(kept[0].starts_with("The harbour reopened"));
        assert_eq!(kept[1..], ["Closing line of the page."]);
        // In a flat body the heading's section is the article itself: only its list goes.
        let html = format!(
            "<div>{story}<h3>Related stories</h3><ul><li><a href=/a>Other story</a></li></ul><p>Back to the harbour.</p></div>"
        );
        assert_eq!(texts(&html).len(), 2);
    }

    #[test]
    fn drops_teaser_cards_but_not_the_paragraph_after_a_linked_subhead() {
        let first = "The ferry service resumed on Monday after a week of storms, the operator said, with extra sailings planned.";
        let html = format!(
            "<div><p>{first}</p><div class=card><a href=/a><h5>Other story</h5></a><p>Its blurb in a line.</p></div>\
             <h3><a href=/b>Linked subhead</a></h3><p>The article goes on.</p></div>"
        );
        assert_eq!(texts(&html), vec![first, "The article goes on."]);
    }

    #[test]
    fn a_listing_keeps_its_teasers_blurbs() {
        let card = |n: usize| {
            format!(
                "<div class=card><h3><a href=/story/{n}>Ferry services resume on the northern route {n}</a></h3>\
                 <p>Crews worked through the weekend to clear the harbour.</p></div>"
            )
        };
        let html: String = (1..=3).map(card).collect();
        let doc = crate::parse::parse(&html);
        let dom = crate::dom::Dom::build(&doc);
        let listing = clean(&dom, crate::segment::blocks(&dom, dom.body()), &HashSet::new(), true);
        assert_eq!(listing.iter().filter(|b| b.text.starts_with("Crews")).count(), 3);
        assert_eq!(listing.iter().filter(|b| b.text.starts_with("Ferry")).count(), 3);
        // Inside an article, the same cards are promotion.
        assert!(!texts(&html).iter().any(|t| t.starts_with("Crews")));
    }

    #[test]
    fn drops_the_lead_image_from_the_body_whatever_its_size() {
        let html = "<p>Text.</p><img src='/img/lead.jpg?w=800&amp;q=80'><img src='/img/other.jpg'>";
        let mut blocks = clean_blocks(html);
        let base = Url::parse("https://news.example/a/story").unwrap();
        drop_lead_image(
            &mut blocks,
            Some("https://news.example/img/lead.jpg?w=1200"),
            Some(&base),
        );
        let images: Vec<_> = blocks.iter().filter(|b| b.kind == BlockKind::Image).collect();
        assert_eq!(images.len(), 1);
        assert!(images[0].html.contains("other.jpg"));
        assert_eq!(blocks.len(), 2);
    }

    #[test]
    fn keeps_long_paragraph_that_starts_like_a_promo() {
        let long = format!(
            "Read more about it: {}",
            "the minister explained the budget in detail. ".repeat(8)
        );
        assert_eq!(texts(&format!("<p>{long}</p>")).len(), 1);
    }
}
