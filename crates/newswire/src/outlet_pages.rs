//! HTML pages of the demo outlets: home pages, article pages, 404s.
//!
//! Article pages deliberately carry the clutter real publisher pages have
//! (nav, cookie banners, ad markers and promos *inside* the body, share bars,
//! newsletter boxes, comment widgets, scraped image-URL debris...) with
//! different markup per outlet, so the extractor is tested against several
//! layouts rather than one. Every clutter string listed in [`crate::CLUTTER`]
//! appears in these pages.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::content::{Article, OutletDef, Style, CONTENT};
use crate::util::{esc, esc_text, human, published, rfc3339};
use crate::World;

/// Everything a template needs about one article page.
struct Ctx<'a> {
    outlet: &'a OutletDef,
    base: &'a str,
    a: &'a Article,
    url: String,
    feed_url: String,
    image_url: String,
    published: DateTime<Utc>,
    /// Another headline of the same outlet, promoted inside the body.
    read_also: (String, String),
    /// A few other headlines for the related-links list.
    related: Vec<(String, String)>,
}

pub(crate) fn article_page(world: &World, outlet: usize, a: &Article, now: DateTime<Utc>) -> String {
    let o = &CONTENT.outlets[outlet];
    let base = world.base(outlet);
    let others: Vec<&Article> = CONTENT
        .outlet_articles(outlet)
        .into_iter()
        .filter(|x| x.path != a.path)
        .collect();
    let link = |x: &Article| (x.headline.clone(), format!("{base}{}", x.path));
    // Pick the promo deterministically but not always the same one.
    let pick = a.id as usize % others.len().max(1);
    let read_also = others.get(pick).map(|x| link(x)).unwrap_or_default();
    let related = others
        .iter()
        .cycle()
        .skip(pick + 1)
        .take(3.min(others.len()))
        .map(|x| link(x))
        .collect();
    let ctx = Ctx {
        outlet: o,
        base,
        a,
        url: format!("{base}{}", a.path),
        feed_url: format!("{base}{}", o.feed_path),
        image_url: format!("{base}/images/{}.svg", a.slug),
        published: published(now, a.age_minutes),
        read_also,
        related,
    };
    match o.style {
        Style::Semantic => semantic(&ctx),
        Style::Divsoup => divsoup(&ctx),
        Style::Wordpress => wordpress(&ctx),
        Style::Classic => classic(&ctx),
        Style::App => app(&ctx),
        Style::Microdata => microdata(&ctx),
    }
}

/// Paragraphs interleaved with whatever `insert(i)` returns after paragraph `i`.
fn interleave(paras: &[String], open: &str, close: &str, insert: impl Fn(usize) -> String) -> String {
    let mut s = String::new();
    for (i, p) in paras.iter().enumerate() {
        s.push_str(open);
        s.push_str(&esc_text(p));
        s.push_str(close);
        s.push('\n');
        s.push_str(&insert(i));
    }
    s
}

fn alternate_link(o: &OutletDef, href: &str) -> String {
    format!(
        r#"<link rel="alternate" type="{}" title="{} feed" href="{}">"#,
        o.format.discovery_type(),
        esc(&o.name),
        esc(href)
    )
}

fn og_tags(c: &Ctx) -> String {
    format!(
        r#"<meta property="og:type" content="article">
<meta property="og:site_name" content="{site}">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{desc}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="{img}">
<meta property="article:published_time" content="{time}">
<meta name="twitter:card" content="summary_large_image">"#,
        site = esc(&c.outlet.name),
        title = esc(&c.a.headline),
        desc = esc(&c.a.summary()),
        url = esc(&c.url),
        img = esc(&c.image_url),
        time = rfc3339(c.published),
    )
}

fn json_ld(c: &Ctx, with_body: bool) -> String {
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": c.a.headline,
        "datePublished": rfc3339(c.published),
        "dateModified": rfc3339(c.published),
        "author": [{"@type": "Person", "name": c.a.author}],
        "publisher": {"@type": "Organization", "name": c.outlet.name},
        "image": [c.image_url],
        "mainEntityOfPage": c.url,
        "description": c.a.summary(),
    });
    if with_body {
        v["articleBody"] = json!(c.a.paragraphs.join("\n\n"));
    }
    format!(
        r#"<script type="application/ld+json">{}</script>"#,
        v.to_string().replace("</", "<\\/")
    )
}

fn related_list(c: &Ctx, heading: &str, class: &str) -> String {
    let mut s = format!("<aside class=\"{class}\"><h2>{heading}</h2><ul>");
    for (h, u) in &c.related {
        s.push_str(&format!("<li><a href=\"{}\">{}</a></li>", esc(u), esc_text(h)));
    }
    s.push_str("</ul></aside>");
    s
}

/// Scraped-image debris as it shows up in the text of real pages.
fn image_debris(c: &Ctx) -> String {
    format!("![]({}?auto=format&fit=crop&w=3840&q=100)", c.image_url)
}

const NAV_ITEMS: &[&str] = &[
    "Home",
    "News",
    "Politics",
    "Business",
    "Sport",
    "Opinion",
    "Weather",
    "Subscribe",
];

fn nav(class: &str, base: &str) -> String {
    let mut s = format!("<nav class=\"{class}\"><ul>");
    for item in NAV_ITEMS {
        let href = if *item == "Home" {
            "/".to_string()
        } else {
            format!("/section/{}", item.to_lowercase())
        };
        s.push_str(&format!("<li><a href=\"{base}{href}\">{item}</a></li>"));
    }
    s.push_str("</ul></nav>");
    s
}

fn semantic(c: &Ctx) -> String {
    let o = c.outlet;
    let n = c.a.paragraphs.len();
    let body = interleave(&c.a.paragraphs, "<p>", "</p>", |i| {
        match i {
        0 => r#"<aside class="ad-break" aria-hidden="true"><p>STORY CONTINUES BELOW THIS AD</p><div class="ad-slot" id="div-gpt-ad-1"></div></aside>
"#
        .to_string(),
        1 => format!(
            "<p class=\"also\"><strong>Read Also:</strong> <a href=\"{}\">{}</a></p>\n",
            esc(&c.read_also.1),
            esc_text(&c.read_also.0)
        ),
        2 => r#"<div class="newsletter-signup"><h3>Sign up for our newsletter</h3><p>The Morning Tide: the day's essential stories from Kestrel Bay, in your inbox at 6 a.m.</p><form action="/newsletter" method="post"><input type="email" name="email" placeholder="Your email"><button>Subscribe</button></form></div>
"#
        .to_string(),
        i if i + 2 == n && n >= 5 => r#"<aside class="ad-break"><p>STORY CONTINUES BELOW THIS AD</p></aside>
"#
        .to_string(),
        _ => String::new(),
    }
    });
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} | {site}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{desc}">
<meta name="author" content="{author}">
<link rel="canonical" href="{url}">
{alt}
{og}
<style>body{{font-family:Georgia,serif;max-width:760px;margin:auto}} .site-header{{border-bottom:4px solid {accent}}}</style>
</head>
<body>
<div id="cookie-consent" class="cookie-banner" role="dialog"><p>We use cookies to personalise content and ads and to analyse our traffic.</p><button id="accept-all">Accept cookies</button> <button>Manage preferences</button></div>
<header class="site-header"><a class="logo" href="{base}/">{site}</a><p class="tagline">{tagline}</p>{nav}</header>
<main>
<article class="story">
<header>
<h1 class="headline">{title}</h1>
<p class="byline">By <a rel="author" href="{base}/authors/{author_slug}">{author}</a></p>
<time datetime="{iso}" class="published">{human}</time>
</header>
<figure class="lead"><img src="{img}" alt="{img_alt}" width="640" height="360"><figcaption>{img_alt}</figcaption></figure>
<div class="story-body">
{body}<p class="credit"><em>With inputs from agencies</em></p>
</div>
<footer class="story-tools"><ul class="share"><li><a href="https://www.facebook.com/sharer/sharer.php?u={url}">Share on Facebook</a></li><li><a href="https://twitter.com/intent/tweet?url={url}">Tweet</a></li><li><button class="copy">Copy link</button></li></ul></footer>
</article>
<section id="comments"><h2>Comments</h2><p>Be the first to comment</p><a href="{base}/login">Log in to comment</a></section>
{related}
</main>
<footer class="site-footer"><p>&copy; {site}. All rights reserved.</p><ul><li><a href="{base}/about">About us</a></li><li><a href="{base}/privacy">Privacy</a></li><li><a href="{base}/contact">Contact</a></li></ul></footer>
</body>
</html>
"#,
        title = esc_text(&c.a.headline),
        site = esc_text(&o.name),
        desc = esc(&c.a.summary()),
        author = esc_text(&c.a.author),
        author_slug = crate::content::slugify(&c.a.author),
        url = esc(&c.url),
        alt = alternate_link(o, &c.feed_url),
        og = og_tags(c),
        accent = o.accent,
        base = c.base,
        tagline = esc_text(&o.tagline),
        nav = nav("main-nav", c.base),
        iso = rfc3339(c.published),
        human = human(c.published),
        img = esc(&c.image_url),
        img_alt = esc(&format!("Illustration: {}", c.a.event_title)),
        body = body,
        related = related_list(c, "Related Stories", "related"),
    )
}

fn divsoup(c: &Ctx) -> String {
    let o = c.outlet;
    let body = interleave(&c.a.paragraphs, "<div class=\"c-text\"><p>", "</p></div>", |i| {
        match i {
            0 => r#"<div class="dfp-ad dfp-ad--inline"><span class="ad-label">ADVERTISEMENT</span><div class="ad-note">STORY CONTINUES BELOW THIS AD</div></div>
"#
            .to_string(),
            1 => format!(
                "<div class=\"c-promo\"><span class=\"c-promo__label\">Also Read</span> <a class=\"c-promo__link\" href=\"{}\">{}</a></div>\n",
                esc(&c.read_also.1),
                esc_text(&c.read_also.0)
            ),
            2 => format!("<div class=\"c-text\"><p>{}</p></div>\n", image_debris(c)),
            _ => String::new(),
        }
    });
    format!(
        r#"<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="UTF-8">
<title>{title} - {site}</title>
<link rel="canonical" href="{url}">
{alt}
{ld}
</head>
<body class="l-body">
<div class="l-wrapper">
<div class="c-gdpr"><div class="c-gdpr__text">We use cookies. By continuing to browse you agree to our use of cookies.</div><div class="c-gdpr__btn">Accept cookies</div></div>
<div class="l-header"><div class="c-masthead"><a href="{base}/"><span class="c-masthead__name">{site}</span></a></div><div class="c-menu">{nav}</div></div>
<div class="l-container"><div class="l-row">
<div class="l-col-8">
<div class="c-article">
<div class="c-article__header"><div class="c-article__kicker">{kicker}</div><div class="c-article__title"><h1>{title}</h1></div>
<div class="c-byline"><span class="c-byline__label">By</span> <span class="c-byline__name">{author}</span> <span class="c-timestamp" data-ts="{iso}">{human}</span></div></div>
<div class="c-article__media"><img class="c-img" src="{img}" alt="{img_alt}"></div>
<div class="c-article__body">
{body}<div class="c-text"><p><em>With inputs from agencies</em></p></div>
</div>
<div class="c-share"><div class="c-share__item">Share on Facebook</div><div class="c-share__item">Share on X</div><div class="c-share__item">Copy link</div></div>
<div class="c-newsletter"><div class="c-newsletter__title">Sign up for our newsletter</div><div class="c-newsletter__text">The Ledger Briefing, every weekday at noon.</div></div>
<div class="c-comments"><div class="c-comments__title">Comments (0)</div><div class="c-comments__empty">Be the first to comment</div><div class="c-comments__login"><a href="{base}/account/login">Log in to comment</a></div></div>
</div>
</div>
<div class="l-col-4"><div class="c-sidebar"><div class="c-most-read"><div class="c-most-read__title">Most Read</div>{most_read}</div><div class="dfp-ad dfp-ad--mpu"><span class="ad-label">ADVERTISEMENT</span></div></div></div>
</div></div>
<div class="l-footer"><div class="c-footer">{site} &middot; <a href="{base}/terms">Terms</a> &middot; <a href="{base}/privacy">Privacy</a></div></div>
</div>
</body>
</html>
"#,
        title = esc_text(&c.a.headline),
        site = esc_text(&o.name),
        url = esc(&c.url),
        alt = alternate_link(o, &c.feed_url),
        ld = json_ld(c, true),
        base = c.base,
        nav = nav("c-menu__nav", c.base),
        kicker = esc_text(&c.a.event_title),
        author = esc_text(&c.a.author),
        iso = rfc3339(c.published),
        human = human(c.published),
        img = esc(&c.image_url),
        img_alt = esc(&c.a.headline),
        body = body,
        most_read = c
            .related
            .iter()
            .map(|(h, u)| format!(
                "<div class=\"c-most-read__item\"><a href=\"{}\">{}</a></div>",
                esc(u),
                esc_text(h)
            ))
            .collect::<String>(),
    )
}

fn wordpress(c: &Ctx) -> String {
    let o = c.outlet;
    let body = interleave(&c.a.paragraphs, "<p>", "</p>", |i| {
        match i {
        0 => format!("<p>{}</p>\n", image_debris(c)),
        1 => format!(
            "<p><strong>Also Read: </strong><a href=\"{}\">{}</a></p>\n",
            esc(&c.read_also.1),
            esc_text(&c.read_also.0)
        ),
        3 => r#"<div class="code-block code-block-3" style="margin:8px auto;text-align:center;"><p class="ad-label">ADVERTISEMENT</p><ins class="adsbygoogle"></ins><p>STORY CONTINUES BELOW THIS AD</p></div>
"#
        .to_string(),
        _ => String::new(),
    }
    });
    format!(
        r##"<!doctype html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} &#8211; {site}</title>
<link rel="canonical" href="{url}">
<link rel="alternate" type="{ftype}" title="{site} &raquo; Feed" href="{feed_rel}">
<link rel="shortlink" href="{base}/?p={id}">
{og}
<link rel="stylesheet" id="theme-css" href="{base}/wp-content/themes/courier/style.css" media="all">
</head>
<body class="post-template-default single single-post postid-{id} single-format-standard">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#primary">Skip to content</a>
<header id="masthead" class="site-header"><div class="site-branding"><p class="site-title"><a href="{base}/" rel="home">{site}</a></p><p class="site-description">{tagline}</p></div>
{nav}</header>
<main id="primary" class="site-main">
<article id="post-{id}" class="post-{id} post type-post status-publish format-standard has-post-thumbnail hentry category-news">
<header class="entry-header"><h1 class="entry-title">{title}</h1>
<div class="entry-meta"><span class="posted-on">Posted on <a href="{url}" rel="bookmark"><time class="entry-date published" datetime="{iso}">{human}</time></a></span><span class="byline"> by <span class="author vcard"><a class="url fn n" href="{base}/author/{author_slug}/">{author}</a></span></span></div>
</header>
<div class="post-thumbnail"><img width="640" height="360" src="{img}" class="attachment-post-thumbnail size-post-thumbnail wp-post-image" alt="{img_alt}" decoding="async"></div>
<div class="entry-content">
{body}<p><em>With inputs from agencies</em></p>
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social"><h3 class="sd-title">Share this:</h3><div class="sd-content"><ul><li class="share-facebook"><a class="share-facebook sd-button" href="{url}?share=facebook" target="_blank"><span>Share on Facebook</span></a></li><li class="share-twitter"><a class="share-twitter sd-button" href="{url}?share=twitter"><span>Share on X</span></a></li><li><a class="sd-button share-copy" href="{url}#copy"><span>Copy link</span></a></li></ul></div></div></div>
<div class="wp-block-group newsletter-box"><p class="has-large-font-size">Sign up for our newsletter</p><p>Get the Courier's weekly roundup of Copperfield news.</p></div>
</div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="{base}/category/news/" rel="category tag">News</a></span></footer>
</article>
<div class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3>{related}</div>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3><p class="must-log-in">You must be <a href="{base}/wp-login.php">logged in</a> to post a comment. <a href="{base}/wp-login.php">Log in to comment</a></p><p class="no-comments">Be the first to comment</p></div></div>
</main>
<div id="cookie-law-info-bar"><span>We use cookies on our website to give you the most relevant experience. <a role="button" id="cookie_action_close_header">Accept cookies</a></span></div>
<footer id="colophon" class="site-footer"><div class="site-info"><a href="https://wordpress.org/">Proudly powered by WordPress</a></div></footer>
</div>
</body>
</html>
"##,
        title = esc_text(&c.a.headline),
        site = esc_text(&o.name),
        url = esc(&c.url),
        ftype = o.format.discovery_type(),
        // Relative on purpose: discovery must resolve it against the page URL.
        feed_rel = esc(&o.feed_path),
        base = c.base,
        id = c.a.id,
        og = og_tags(c),
        tagline = esc_text(&o.tagline),
        nav = nav("main-navigation", c.base),
        iso = rfc3339(c.published),
        human = human(c.published),
        author_slug = crate::content::slugify(&c.a.author),
        author = esc_text(&c.a.author),
        img = esc(&c.image_url),
        img_alt = esc(&c.a.headline),
        body = body,
        related = c
            .related
            .iter()
            .map(|(h, u)| format!(
                "<p class=\"jp-relatedposts-post\"><a href=\"{}\">{}</a></p>",
                esc(u),
                esc_text(h)
            ))
            .collect::<String>(),
    )
}

fn classic(c: &Ctx) -> String {
    let o = c.outlet;
    let n = c.a.paragraphs.len();
    let body = interleave(&c.a.paragraphs, "<p>", "</p>", |i| match i {
        0 => "<center><small>ADVERTISEMENT</small><br><font size=\"1\">STORY CONTINUES BELOW THIS AD</font></center>\n"
            .to_string(),
        1 => format!(
            "<p><b>Read Also:</b> <a href=\"{}\">{}</a></p>\n",
            esc(&c.read_also.1),
            esc_text(&c.read_also.0)
        ),
        i if i + 1 < n && i == 2 => format!("<p>{}</p>\n", image_debris(c)),
        _ => String::new(),
    });
    format!(
        r##"<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{site} :: {title}</title>
{alt}
</head>
<body bgcolor="#ffffff">
<table width="100%" cellpadding="0" cellspacing="0" border="0">
<tr><td colspan="2" bgcolor="{accent}"><font color="#ffffff" size="5"><b>{site}</b></font><br><font color="#ffffff" size="2">{tagline}</font></td></tr>
<tr><td colspan="2" class="menu">{nav}</td></tr>
<tr>
<td valign="top" width="75%" class="main">
<h2 class="title">{title}</h2>
<p class="date"><span class="author">By {author}</span> | Posted {human}</p>
<img src="{img}" alt="{img_alt}" width="320" height="180" align="right">
{body}<p><i>With inputs from agencies</i></p>
<p class="share">[ <a href="{base}/share/facebook?u={url}">Share on Facebook</a> | <a href="{base}/share/x?u={url}">Share on X</a> | <a href="{url}">Copy link</a> ]</p>
<hr>
<p><b>Comments</b><br>Be the first to comment. <a href="{base}/members/login">Log in to comment</a></p>
</td>
<td valign="top" width="25%" class="sidebar">
<p><b>Related Stories</b></p>
{related}
<p><b>Sign up for our newsletter</b><br>The Valley Weekly, free every Friday.</p>
</td>
</tr>
<tr><td colspan="2" align="center"><font size="1">Copyright {site}. <a href="{base}/contact">Contact the newsroom</a></font></td></tr>
</table>
<div id="cookiebar" style="position:fixed;bottom:0">This site uses cookies. We use cookies to count visitors. <a href="{base}/cookies/accept">Accept cookies</a></div>
</body>
</html>
"##,
        site = esc_text(&o.name),
        title = esc_text(&c.a.headline),
        // Relative link: old sites often have them.
        alt = alternate_link(o, &o.feed_path),
        accent = o.accent,
        tagline = esc_text(&o.tagline),
        nav = nav("topnav", c.base),
        author = esc_text(&c.a.author),
        human = human(c.published),
        img = esc(&c.image_url),
        img_alt = esc(&format!("Picture: {}", c.a.event_title)),
        body = body,
        base = c.base,
        url = esc(&c.url),
        related = c
            .related
            .iter()
            .map(|(h, u)| format!("&raquo; <a href=\"{}\">{}</a><br>", esc(u), esc_text(h)))
            .collect::<String>(),
    )
}

fn app(c: &Ctx) -> String {
    let o = c.outlet;
    let body = interleave(
        &c.a.paragraphs,
        "<div data-component=\"text-block\"><p>",
        "</p></div>",
        |i| {
            match i {
            0 => r#"<div data-component="ad-slot" class="ad-slot"><p class="ad-slot__label">STORY CONTINUES BELOW THIS AD</p></div>
"#
            .to_string(),
            1 => format!(
                "<div data-component=\"links-block\"><p><span>Read Also:</span> <a href=\"{}\">{}</a></p></div>\n",
                esc(&c.read_also.1),
                esc_text(&c.read_also.0)
            ),
            2 => format!(
                r#"<div data-component="newsletter-block"><h3>Sign up for our newsletter</h3><p>Brightwater in Brief lands at 7 a.m. every weekday.</p></div>
<div data-component="image-block" class="broken-embed"><p>{}</p></div>
"#,
                image_debris(c)
            ),
            _ => String::new(),
        }
        },
    );
    let state = json!({"page": {"type": "article", "id": c.a.id, "section": "news"}, "ads": {"enabled": true}});
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>{title} - {site}</title>
<link rel="canonical" href="{url}">
{alt}
{og}
{ld}
<script>window.__INITIAL_STATE__ = {state};</script>
</head>
<body>
<div id="__next">
<div class="app-shell">
<div data-component="consent-banner" class="consent"><p>We use cookies and similar technologies.</p><button>Accept cookies</button><button>Reject all</button></div>
<header class="app-header"><a href="{base}/" class="brand">{site}</a>{nav}</header>
<main id="main-content">
<article>
<header data-component="headline-block"><h1>{title}</h1></header>
<div data-component="byline-block"><span class="byline__name">{author}</span> <time datetime="{iso}">{human}</time></div>
<figure data-component="image-block"><img src="{img}" alt="{img_alt}" loading="eager"></figure>
{body}<div data-component="text-block"><p><em>With inputs from agencies</em></p></div>
<div data-component="share-tools"><button aria-label="Share on Facebook">Share on Facebook</button><button aria-label="Share on X">Tweet</button><button>Copy link</button></div>
</article>
<section data-component="comments"><h2>Comments</h2><p>Be the first to comment</p><button>Log in to comment</button></section>
<section data-component="related-links"><h2>More from Brightwater Times</h2>{related}</section>
</main>
<footer class="app-footer"><p>{site}</p></footer>
</div>
</div>
</body>
</html>
"#,
        title = esc_text(&c.a.headline),
        site = esc_text(&o.name),
        url = esc(&c.url),
        alt = alternate_link(o, &c.feed_url),
        og = og_tags(c),
        ld = json_ld(c, false),
        state = state,
        base = c.base,
        nav = nav("app-nav", c.base),
        author = esc_text(&c.a.author),
        iso = rfc3339(c.published),
        human = human(c.published),
        img = esc(&c.image_url),
        img_alt = esc(&c.a.headline),
        body = body,
        related = c
            .related
            .iter()
            .map(|(h, u)| format!("<a class=\"promo\" href=\"{}\"><h3>{}</h3></a>", esc(u), esc_text(h)))
            .collect::<String>(),
    )
}

fn microdata(c: &Ctx) -> String {
    let o = c.outlet;
    let n = c.a.paragraphs.len();
    let body = interleave(&c.a.paragraphs, "<p>", "</p>", |i| match i {
        0 => r#"<div class="inline-ad"><span>ADVERTISEMENT</span></div>
"#
        .to_string(),
        1 => format!(
            "<aside class=\"read-also\"><h4>Read Also</h4><ul><li><a href=\"{}\">{}</a></li></ul></aside>\n",
            esc(&c.read_also.1),
            esc_text(&c.read_also.0)
        ),
        i if i == n / 2 + 1 && i + 1 < n => r#"<div class="inline-ad"><p>STORY CONTINUES BELOW THIS AD</p></div>
"#
        .to_string(),
        _ => String::new(),
    });
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} | {site}</title>
<link rel="canonical" href="{url}">
{alt}
<meta property="og:title" content="{title_attr}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="{img}">
</head>
<body>
<div class="cookie-notice"><p>We use cookies to make this site work. <a href="#" class="cookie-accept">Accept cookies</a></p></div>
<div class="masthead"><a href="{base}/">{site}</a></div>
{nav}
<div class="page">
<div class="story" itemscope itemtype="https://schema.org/NewsArticle">
<meta itemprop="datePublished" content="{iso}">
<h1 itemprop="headline">{title}</h1>
<div class="meta">By <span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">{author}</span></span> &middot; <time datetime="{iso}">{human}</time></div>
<div class="hero"><img itemprop="image" src="{img}" alt="{img_alt}"></div>
<div class="share-top"><a>Share on Facebook</a> <a>Tweet</a> <a>Copy link</a></div>
<div itemprop="articleBody" class="story-text">
{body}<p class="agency-credit">With inputs from agencies</p>
</div>
<div class="newsletter"><strong>Sign up for our newsletter</strong> and get the Evening Post at 5 p.m.</div>
</div>
<div class="comments"><h3>Comments</h3><p>Be the first to comment</p><p><a href="{base}/login">Log in to comment</a></p></div>
{related}
</div>
<div class="footer">&copy; {site}</div>
</body>
</html>
"##,
        title = esc_text(&c.a.headline),
        title_attr = esc(&c.a.headline),
        site = esc_text(&o.name),
        url = esc(&c.url),
        alt = alternate_link(o, &c.feed_url),
        img = esc(&c.image_url),
        base = c.base,
        nav = nav("sections", c.base),
        iso = rfc3339(c.published),
        author = esc_text(&c.a.author),
        human = human(c.published),
        img_alt = esc(&format!("Photo: {}", c.a.event_title)),
        body = body,
        related = related_list(c, "Related Stories", "related-stories"),
    )
}

/// The outlet's front page: a list of its stories plus the feed discovery link.
pub(crate) fn homepage(world: &World, outlet: usize, now: DateTime<Utc>) -> String {
    let o = &CONTENT.outlets[outlet];
    let base = world.base(outlet);
    // Two outlets use a relative href to exercise URL resolution in discovery.
    let feed_href = match o.style {
        Style::Wordpress | Style::Classic => o.feed_path.clone(),
        _ => format!("{base}{}", o.feed_path),
    };
    let mut items = String::new();
    for a in CONTENT.outlet_articles(outlet) {
        let t = published(now, a.age_minutes);
        items.push_str(&format!(
            "<li class=\"teaser\"><a href=\"{base}{}\"><h2>{}</h2></a><p>{}</p><time datetime=\"{}\">{}</time></li>\n",
            esc(&a.path),
            esc_text(&a.headline),
            esc_text(&a.summary()),
            rfc3339(t),
            human(t)
        ));
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{site} - {tagline}</title>
<link rel="alternate" type="{ftype}" title="{site}" href="{feed}">
<meta property="og:site_name" content="{site}">
</head>
<body>
<div class="cookie-banner"><p>We use cookies.</p><button>Accept cookies</button></div>
<header><h1>{site}</h1><p>{tagline}</p>{nav}</header>
<main><ul class="latest">
{items}</ul></main>
<footer><a href="{feed}">Subscribe to our feed</a></footer>
</body>
</html>
"#,
        site = esc_text(&o.name),
        tagline = esc_text(&o.tagline),
        ftype = o.format.discovery_type(),
        feed = esc(&feed_href),
        nav = nav("nav", base),
        items = items,
    )
}

pub(crate) fn not_found(outlet_name: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>404</h1><p>Sorry, this page could not be found on {}.</p></body></html>",
        esc_text(outlet_name)
    )
}
