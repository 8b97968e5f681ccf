//! Article text and metadata from a news page.
//!
//! [`extract`] turns one HTML page into an [`Extracted`]: title, authors,
//! times, lead image, site name, language, canonical URL, section, keywords,
//! plain text and sanitised HTML. The engine is ours, built for news pages:
//!
//! 1. `prescan` cuts what can never be article text (scripts, styles,
//!    comments) with byte scans; `parse` tokenizes the rest with our own
//!    tokenizer, skipping the attributes no rule reads, and builds a flat
//!    pre-order tree; `dom` computes on it, bottom-up, how much text and
//!    link text every element holds;
//!    `boilerplate` marks what markup alone betrays (scripts, navigation,
//!    hidden elements other than collapsed accordion panels, and
//!    share/promo/comment containers; on a page whose JSON-LD
//!    declares a forum thread or a question page, or one that is no article
//!    whose comment-named containers hold most of its prose, not the
//!    comments: there the replies are the page). A page builder's generic
//!    words ("widget", "banner") count only where they do not name the
//!    containers of the page's prose.
//! 2. `segment` splits the page into blocks as a reader sees paragraphs.
//! 3. `select` lets the blocks vote for the element holding the article.
//! 4. `clutter` drops the blocks publishers inject into the article
//!    (ad markers, "Read Also" promos, newsletter boxes, agency credits…),
//!    and `header` the headline, byline and date line it repeats on top.
//! 5. When that leaves almost no text, the markup lied (a page builder names
//!    every block "widget", a forum serves its thread in `<noscript>`): steps
//!    2–4 run again believing first no class names, then only the tags that
//!    can never hold text (`boilerplate::Trust`). A page left with no text
//!    at all (its posts or products rendered by script) gives its description.
//! 6. [`metadata`] fills the remaining fields from JSON-LD, OpenGraph, meta tags,
//!    microdata and markup, each with its fallback chain.
//!
//! No string comes out with C0 control characters or soft hyphens
//! (`invisible`): they break XML feeds and split words.
//!
//! Input is hostile: it is capped in size and element count, every walk is a
//! loop rather than recursion, and nothing panics on it.

#![warn(missing_docs)]

mod boilerplate;
mod clutter;
mod dom;
mod header;
mod invisible;
mod metadata;
mod parse;
mod prescan;
mod render;
mod segment;
mod select;
mod tokenize;

// The benchmark compares dates the way the extractor reads them.
pub use metadata::parse_time;

use std::borrow::Cow;
use std::collections::HashSet;

use newsdesk_domain::Extracted;
use url::Url;

use boilerplate::Trust;
use segment::BlockKind;

/// Only the first this many bytes of a page (once scripts and styles are cut)
/// are parsed: real articles are a few hundred KiB, and parsing cost and
/// memory grow with the input.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;
/// How much of the text language detection reads.
const LANG_SAMPLE_BYTES: usize = 2048;

/// Extracts the article from `html`, fetched from `url` (used to make links
/// and images absolute). Any input yields a page: one without an article
/// has empty text, and an oversized one is cut at [`MAX_INPUT_BYTES`].
pub fn extract(html: &str, url: Option<&Url>) -> Extracted {
    let stripped = prescan::strip_raw_text(html);
    let normalised = prescan::normalise_newlines(truncate(&stripped, MAX_INPUT_BYTES));
    let doc = parse::parse(&normalised);
    let dom = dom::Dom::build_trusting(&doc, Trust::TagsAndNames);
    let base = base_url(&dom, url);
    let (mut page, declared) = metadata::read(&dom, base.as_ref());
    // A page that is no article, whose comment-named containers hold most
    // of its prose, is a thread whose replies are its content.
    let dom = if declared.discussion || (!declared.article && dom.replies_hold_the_page) {
        dom::Dom::build_trusting(&doc, Trust::TagsAndNamesButReplies)
    } else {
        dom
    };
    let known = Known {
        header: header::Header::new(
            page.title.as_deref(),
            page.site_name.as_deref(),
            page.byline.as_deref(),
            page.published,
        ),
        image: page.image.as_deref(),
        base: base.as_ref(),
        declared,
    };
    let mut body = article(&dom, &known);
    if is_scant(&body.text) {
        body = distrust_markup(&doc, &normalised, &known, body);
        if let Some(description) = page.description.as_deref() {
            body = described(body, description);
        }
    }
    page.text = body.text;
    page.html = body.html;
    if page.lang.is_none() {
        page.lang = detect_lang(&page.text);
    }
    page
}

/// Below this many characters of text, an extraction has probably lost the
/// article to markup that lied about it (trafilatura's threshold for
/// trying its fallbacks is the same).
const SCANT_TEXT_CHARS: usize = 250;
/// A less trusting extraction replaces a scant one only when it finds this
/// many times more text (in bytes): otherwise the short page was short.
const MIN_FALLBACK_GAIN: f32 = 1.5;

/// What is known about the page before its body is looked for.
struct Known<'a> {
    header: header::Header<'a>,
    image: Option<&'a str>,
    base: Option<&'a Url>,
    /// What the page says it is: an article (JSON-LD, OpenGraph), which a
    /// product, a listing or a service page does not; a forum thread.
    declared: metadata::Declared,
}

/// The article's text and sanitised HTML.
struct Body {
    text: String,
    html: String,
}

fn is_scant(text: &str) -> bool {
    text.chars().nth(SCANT_TEXT_CHARS - 1).is_none()
}

/// Extracts again believing less of the markup, level by level, while the
/// result stays scant.
fn distrust_markup(doc: &parse::Document, html: &str, known: &Known, scant: Body) -> Body {
    let names_ignored = article(&dom::Dom::build_trusting(doc, Trust::Tags), known);
    let best = more_text(scant, names_ignored);
    if !is_scant(&best.text) {
        return best;
    }
    let unwrapped = prescan::unwrap_noscript(html);
    let reparsed;
    let doc = match &unwrapped {
        Cow::Owned(u) => {
            reparsed = parse::parse(u);
            &reparsed
        }
        Cow::Borrowed(_) => doc,
    };
    let furniture_read = article(&dom::Dom::build_trusting(doc, Trust::TextlessTags), known);
    more_text(best, furniture_read)
}

/// A page whose body holds no text at all even after every fallback renders
/// its content by script (a forum serving its posts as JSON, a shop its
/// products): the description the publisher wrote for it is then the only
/// main text there is. (A short page with some text keeps it: a longer
/// description beside it is often a summary of something else.)
fn described(scant: Body, description: &str) -> Body {
    let description = description.trim();
    if !scant.text.trim().is_empty() || description.is_empty() {
        return scant;
    }
    let mut html = String::with_capacity(description.len() + 7);
    html.push_str("<p>");
    for c in description.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            c => html.push(c),
        }
    }
    html.push_str("</p>");
    Body {
        text: description.to_string(),
        html,
    }
}

/// The fallback when it found clearly more text than the scant extraction.
fn more_text(scant: Body, fallback: Body) -> Body {
    if fallback.text.len() as f32 > scant.text.len() as f32 * MIN_FALLBACK_GAIN {
        fallback
    } else {
        scant
    }
}

/// Finds the article's blocks in `dom` and cleans them of clutter.
fn article(dom: &dom::Dom, known: &Known) -> Body {
    let all = segment::blocks(dom, dom.body());
    let roots = select::article_roots(dom, &all, &known.header, known.declared.article);
    let captions: HashSet<String> = all
        .iter()
        .filter(|b| b.kind == BlockKind::Caption)
        .map(|b| b.text.clone())
        .collect();
    let body = all
        .into_iter()
        .filter(|b| roots.iter().any(|&r| dom.contains(r, b.owner)))
        .collect();
    let mut blocks = clutter::clean(dom, body, &captions, !known.declared.article);
    header::drop_echoes(&mut blocks, &known.header);
    clutter::drop_lead_image(&mut blocks, known.image, known.base);
    Body {
        text: render::text(&blocks),
        html: invisible::strip_controls(&render::sanitised_html(&blocks, known.base)).into_owned(),
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A `<base href>` overrides the page's own address for relative links.
fn base_url(dom: &dom::Dom, url: Option<&Url>) -> Option<Url> {
    let href = dom
        .nodes
        .iter()
        .filter_map(|n| n.element())
        .find_map(|e| (e.name() == "base").then(|| e.attr("href")).flatten());
    match (href, url) {
        (Some(h), Some(u)) => u.join(h).ok().or_else(|| Some(u.clone())),
        (Some(h), None) => Url::parse(h).ok(),
        (None, u) => u.cloned(),
    }
}

/// Guesses the language when the page does not declare one; only a
/// confident guess is returned, since a wrong language is worse than none.
fn detect_lang(text: &str) -> Option<String> {
    // A few paragraphs tell the language as surely as the whole article.
    let info = whatlang::detect(truncate(text, LANG_SAMPLE_BYTES))?;
    if !info.is_reliable() {
        return None;
    }
    let code = info.lang().code();
    // whatlang speaks ISO 639-3; keep the 2-letter code for the common ones.
    Some(iso639_1(code).unwrap_or(code).to_string())
}

fn iso639_1(code3: &str) -> Option<&'static str> {
    Some(match code3 {
        "eng" => "en",
        "fra" => "fr",
        "deu" => "de",
        "spa" => "es",
        "ita" => "it",
        "por" => "pt",
        "nld" => "nl",
        "rus" => "ru",
        "ukr" => "uk",
        "pol" => "pl",
        "jpn" => "ja",
        "cmn" => "zh",
        "kor" => "ko",
        "ara" => "ar",
        "hin" => "hi",
        "tur" => "tr",
        "swe" => "sv",
        "dan" => "da",
        "nob" => "nb",
        "fin" => "fi",
        "ces" => "cs",
        "ell" => "el",
        "heb" => "he",
        "ind" => "id",
        "vie" => "vi",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_control_characters_or_soft_hyphens_in_extracted_strings() {
        let prose = "<p>The harbour re&shy;opened on Monday after a week of storms,&#1; and the first ferries sailed at dawn.</p>";
        let html = format!(
            r#"<html><head><meta property="og:title" content="Harbour&#1; reopens&#127;">
            <meta property="og:site_name" content="The Harbour&#x1F; Times">
            <meta name="author" content="Ana&#2; Ruiz">
            <meta name="keywords" content="ferries, &#3;, har&#173;bour"></head>
            <body><article>{prose}<p>&#4;</p>{prose}</article></body></html>"#
        );
        let page = super::extract(&html, None);
        assert_eq!(page.title.as_deref(), Some("Harbour reopens"));
        assert_eq!(page.site_name.as_deref(), Some("The Harbour Times"));
        assert_eq!(page.byline.as_deref(), Some("Ana Ruiz"));
        assert_eq!(page.authors, ["Ana Ruiz"]);
        assert_eq!(page.keywords, ["ferries", "harbour"]);
        let sentence = "The harbour reopened on Monday after a week of storms, and the first ferries sailed at dawn.";
        assert_eq!(page.text, format!("{sentence}\n\n{sentence}"));
        assert!(
            !page.html.contains(|c: char| c.is_ascii_control() && c != '\n'),
            "{}",
            page.html
        );
    }

    const POST: &str =
        "<p>The harbour reopened on Monday after a week of storms, and the first ferries sailed at dawn with \
        their decks full of lorries, commuters and a few tourists who had waited in town since Friday.</p>";

    #[test]
    fn content_under_names_that_read_as_boilerplate_is_found_when_nothing_else_is() {
        let widget = format!("<div class='elementor-widget elementor-widget-text-editor'>{POST}</div>");
        let html = format!(
            "<body><div class=menu><a href=/>Home</a></div>{}</body>",
            widget.repeat(3)
        );
        assert_eq!(super::extract(&html, None).text.matches("harbour reopened").count(), 3);
    }

    #[test]
    fn content_in_furniture_tags_hiding_or_noscript_is_found_when_nothing_else_is() {
        let pages = [
            // An unclosed <aside> holds the rest of the page, as browsers parse it.
            format!("<body><aside class=banner><a href=/>Offer</a><main>{POST}{POST}</main></body>"),
            // A streaming renderer ships the page hidden and reveals it by script.
            format!("<body><div hidden id='S:0'><article>{POST}{POST}</article></div></body>"),
            // A forum serves crawlers its thread inside <noscript>.
            format!("<body><section id=splash>Loading</section><noscript><div class=post>{POST}</div><div class=post>{POST}</div></noscript></body>"),
        ];
        for html in pages {
            let text = super::extract(&html, None).text;
            assert_eq!(text.matches("harbour reopened").count(), 2, "{html}");
        }
    }

    #[test]
    fn a_long_article_keeps_boilerplate_named_and_hidden_parts_out() {
        let html = format!(
            "<body><article>{}</article><div class=comments><p>I disagree with every word of this, and so does my cat, \
             who has read it twice.</p></div><div hidden><p>Subscribe to our newsletter for more stories like this one, every day.</p></div></body>",
            POST.repeat(3)
        );
        let text = super::extract(&html, None).text;
        assert!(!text.contains("cat") && !text.contains("newsletter"), "{text}");
    }

    #[test]
    fn a_page_that_is_not_an_article_gives_its_whole_main_element() {
        let features = "<li><h3>Fast sync</h3>Files reach every device in seconds.</li>".repeat(3);
        let body = format!(
            "<body><nav><a href=/>Home</a></nav><main><h1>Sync for teams</h1><div class=intro>{POST}{POST}</div>\
             <ul>{features}</ul><section><h2>Pricing</h2><p>From 5 euros a month.</p></section></main>\
             <footer>Contact</footer></body>"
        );
        let text = super::extract(&body, None).text;
        assert!(
            text.contains("Files reach every device") && text.contains("From 5 euros"),
            "{text}"
        );
        // An article keeps to its prose.
        let article = format!("<head><meta property='og:type' content='article'></head>{body}");
        let text = super::extract(&article, None).text;
        assert!(
            text.contains("harbour reopened") && !text.contains("From 5 euros"),
            "{text}"
        );
    }

    #[test]
    fn a_listing_keeps_its_headline_links_but_not_its_menu_links() {
        let item = |n: usize| {
            format!(
                "<div class=item><h3><a href=/story/{n}>Ferry services resume on the northern route number {n}</a></h3>\
                 <p>Crews worked through the weekend, and the first boats left on time this morning.</p>\
                 <p><a href=/tag/ferries>Ferries</a> <a href=/tag/weather>Weather</a> <a href='mailto:desk@news.example'>desk@news.example.org</a></p></div>"
            )
        };
        let items: String = (1..=4).map(item).collect();
        let listing = format!("<body><h1>Latest transport news</h1><div class=list>{items}</div></body>");
        let text = super::extract(&listing, None).text;
        assert_eq!(text.matches("Ferry services resume").count(), 4, "{text}");
        assert!(!text.contains("Weather") && !text.contains("desk@"), "{text}");
        // Beside an article, the same links are promotion.
        let article = format!("<head><meta property='og:type' content='article'></head>{listing}");
        let text = super::extract(&article, None).text;
        assert!(!text.contains("Ferry services resume"), "{text}");
    }

    #[test]
    fn a_page_whose_body_is_rendered_by_script_gives_its_description() {
        let html = "<html><head><meta name=description content=\"So I wanted to know what range people get from their boards & batteries.\">\
                    </head><body><section id=splash><div class=dots></div></section><script>render()</script></body></html>";
        let page = super::extract(html, None);
        assert_eq!(
            page.text,
            "So I wanted to know what range people get from their boards & batteries."
        );
        assert!(page.html.contains("boards &amp; batteries"), "{}", page.html);
        // A consent dialog is no body, even when nothing else is left.
        let html = "<html><head><meta name=description content=\"Ten dinners that take twenty minutes.\"></head>\
                    <body><div id=app></div><div id=onetrust-consent-sdk><p>We and our partners store and access \
                    information on your device, such as cookies, to measure the delivery of content and advertising, \
                    to develop and improve our products, and to show you offers that match your interests, \
                    based on your consent or on our legitimate interest.</p></div></body></html>";
        assert_eq!(super::extract(html, None).text, "Ten dinners that take twenty minutes.");
        // A short body keeps its own text, even beside a longer description.
        let html = "<html><head><meta name=description content=\"Ferries resume on every route from Monday, the operator says.\">\
                    </head><body><p>Ferries resume.</p></body></html>";
        assert_eq!(super::extract(html, None).text, "Ferries resume.");
    }

    #[test]
    fn ruby_annotations_are_not_read_into_the_text() {
        let html =
            "<article><p>The festival opened in <ruby>東京<rp>(</rp><rt>とうきょう</rt><rp>)</rp></ruby> on Friday, \
                    and crowds filled the streets of the old town until late at night.</p></article>";
        let text = super::extract(html, None).text;
        assert!(
            text.contains("in 東京 on Friday") && !text.contains("とうきょう"),
            "{text}"
        );
    }

    #[test]
    fn a_thread_declared_in_json_ld_keeps_its_replies_named_comments() {
        let reply = |who: &str| {
            format!(
                "<div class=\"comment\"><p>{who} replied: I moved my savings to the local credit union last \
                 spring, and the fees have been lower every month since, which surprised me.</p></div>"
            )
        };
        let page = |ld_type: &str| {
            format!(
                r#"<html><head><script type="application/ld+json">{{"@context":"https://schema.org",
                "@graph":[{{"@type":"{ld_type}","headline":"Which bank?"}}]}}</script></head><body>
                <div class="intro">{about}{about}{about}{about}</div><h1>Which bank?</h1><div class="thread"><div class="post"><p>I am looking for a bank with low fees for a small business
                account, and I would like to hear what the people here use and whether they would recommend it to a
                friend.</p></div><div class="comments">{}{}{}</div></div></body></html>"#,
                reply("Ana"),
                reply("Ben"),
                reply("Chloe"),
                about = "<p>The forum where owners of small shops, workshops and offices have traded advice on \
                         banking, taxes, hiring and marketing since 2004, read by volunteers.</p>"
            )
        };
        for ld_type in ["DiscussionForumPosting", "QAPage"] {
            let text = super::extract(&page(ld_type), None).text;
            assert!(
                text.contains("low fees") && text.contains("Chloe replied"),
                "{ld_type}: {text}"
            );
        }
        // Under an article, the same box is its comments.
        let text = super::extract(&page("BlogPosting"), None).text;
        assert!(text.contains("low fees") && !text.contains("replied"), "{text}");
    }

    #[test]
    fn replies_named_comments_that_hold_the_page_are_its_content_unless_it_is_an_article() {
        let reply = |who: &str| {
            format!(
                "<div class=\"comment\"><p>{who} wrote: I moved my savings to the local credit union last spring, \
                 and the fees have been lower every month since, which surprised me and my accountant.</p>\
                 <p>Their business account costs nothing below a hundred payments a month, and the card reader they \
                 lend is free for the first year.</p></div>"
            )
        };
        let page = |head: &str| {
            format!(
                "<html><head>{head}</head><body><nav><a href=/>Forum</a></nav><h1>Which bank?</h1>\
                 <div class=thread><div class=topic><p>I am looking for a bank with low fees for a small business account, and I would \
                 like to hear what the people here use.</p><p>We are a workshop of six people, we take card payments \
                 every day, and our current bank has raised its charges twice this year.</p><p>Online banking matters \
                 more to us than a branch nearby, but we do deposit cash once a week.</p></div>\
                 {}{}{}</div></body></html>",
                reply("Ana"),
                reply("Ben"),
                reply("Chloe")
            )
        };
        let text = super::extract(&page(""), None).text;
        assert_eq!(text.matches(" wrote: ").count(), 3, "{text}");
        // Under an article, the same boxes are its comments.
        let text = super::extract(&page("<meta property='og:type' content='article'>"), None).text;
        assert!(text.contains("low fees") && !text.contains("wrote"), "{text}");
    }

    #[test]
    fn collapsed_accordion_answers_are_read_other_hidden_text_is_not() {
        let html = r##"<html><body><article><h1>Going solar</h1>
            <p>Installing solar panels can cut a household's electricity bill sharply, but the work involves
            permits, inspections and a long wait for the utility to connect the system.</p>
            <p>Prices have fallen by half in ten years, and most installers now offer financing, so the first
            question is no longer whether solar pays but how long it takes to pay for itself.</p>
            <h3><a href="#a1" aria-controls="a1">Is my roof suitable?</a></h3>
            <div id="a1" role="region" style="display:none"><p>Shading, orientation and the age of the roof
            decide how much a system produces, so have an installer inspect it before you buy anything.</p></div>
            <div style="display:none"><p>Sign up for our newsletter to hear about every new offer from our
            partners before anyone else does, straight to your inbox each week.</p></div>
            </article></body></html>"##;
        let text = super::extract(html, None).text;
        assert!(
            text.contains("Shading, orientation") && !text.contains("newsletter"),
            "{text}"
        );
    }

    #[test]
    fn the_lead_image_is_not_repeated_in_the_body() {
        let prose =
            "<p>The harbour reopened on Monday after a week of storms, and the first ferries sailed at dawn.</p>";
        let html = format!(
            r#"<html><head><meta property="og:image" content="https://news.example/img/pier.jpg"></head>
            <body><article><img src="/img/pier.jpg?w=640">{prose}{prose}<img src="/img/map.png"></article></body></html>"#
        );
        let base = url::Url::parse("https://news.example/a/1").unwrap();
        let page = super::extract(&html, Some(&base));
        assert_eq!(page.image.as_deref(), Some("https://news.example/img/pier.jpg"));
        assert!(
            !page.html.contains("pier.jpg") && page.html.contains("map.png"),
            "{}",
            page.html
        );
    }
}
