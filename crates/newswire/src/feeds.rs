//! Feed documents, one format per outlet, rendered at request time so the
//! published dates are always `now - age`.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::content::{Article, CONTENT};
use crate::util::{esc, esc_text, published, rfc2822, rfc2822_offset, rfc3339};
use crate::{FeedFormat, World};

/// The items of an outlet's feed: its articles, plus the robots-disallowed
/// page for the one outlet that (mistakenly, as real sites do) lists it.
fn items(outlet: usize) -> Vec<&'static Article> {
    let mut v = CONTENT.outlet_articles(outlet);
    if outlet == CONTENT.private_outlet {
        v.push(&CONTENT.private);
        v.sort_by_key(|a| a.age_minutes);
    }
    v
}

/// The clean article body as HTML, for formats that carry full content.
fn content_html(base: &str, a: &Article) -> String {
    let mut s = format!(
        "<figure><img src=\"{base}/images/{}.svg\" alt=\"{}\"></figure>",
        a.slug,
        esc(&a.event_title)
    );
    for p in &a.paragraphs {
        s.push_str("<p>");
        s.push_str(&esc_text(p));
        s.push_str("</p>");
    }
    s
}

pub(crate) fn render(world: &World, outlet: usize, now: DateTime<Utc>) -> String {
    let o = &CONTENT.outlets[outlet];
    let base = world.base(outlet);
    let feed_url = format!("{base}{}", o.feed_path);
    let home = format!("{base}/");
    let items = items(outlet);
    let newest = items.first().map(|a| published(now, a.age_minutes)).unwrap_or(now);
    let url = |a: &Article| format!("{base}{}", a.path);

    match o.format {
        FeedFormat::Rss2 | FeedFormat::Rss2SummaryOnly | FeedFormat::Rss2OpaqueGuid => {
            let mut s = format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{title}</title>
<link>{home}</link>
<description>{desc}</description>
<language>en</language>
<lastBuildDate>{built}</lastBuildDate>
<atom:link href="{feed}" rel="self" type="application/rss+xml"/>
"#,
                title = esc(&o.name),
                home = esc(&home),
                desc = esc(&o.tagline),
                built = rfc2822(newest),
                feed = esc(&feed_url),
            );
            for a in items {
                let t = published(now, a.age_minutes);
                let u = url(a);
                s.push_str("<item>\n");
                s.push_str(&format!(
                    "<title>{}</title>\n<link>{}</link>\n",
                    esc(&a.headline),
                    esc(&u)
                ));
                match o.format {
                    FeedFormat::Rss2 => {
                        s.push_str(&format!(
                            "<guid isPermaLink=\"true\">{}</guid>\n<pubDate>{}</pubDate>\n<dc:creator>{}</dc:creator>\n<category>{}</category>\n<description>{}</description>\n<content:encoded><![CDATA[{}]]></content:encoded>\n",
                            esc(&u),
                            rfc2822(t),
                            esc(&a.author),
                            esc(&a.event_title),
                            esc(&a.summary()),
                            content_html(base, a),
                        ));
                    }
                    FeedFormat::Rss2SummaryOnly => {
                        // Summary only: the crawler has to fetch the page.
                        s.push_str(&format!(
                            "<guid>{}</guid>\n<pubDate>{}</pubDate>\n<description>{}</description>\n",
                            esc(&u),
                            rfc2822(t),
                            esc(&a.summary()),
                        ));
                    }
                    _ => {
                        // Opaque guid, entity-escaped HTML teaser, non-UTC
                        // pubDate: all common in the wild.
                        s.push_str(&format!(
                            "<guid isPermaLink=\"false\">{}-story-{}</guid>\n<pubDate>{}</pubDate>\n<author>newsroom@{}.example ({})</author>\n<description>{}</description>\n<enclosure url=\"{}/images/{}.svg\" type=\"image/svg+xml\" length=\"0\"/>\n",
                            o.key,
                            a.id,
                            rfc2822_offset(t, 2),
                            o.key,
                            esc(&a.author),
                            esc(&format!("<p>{}</p>", esc_text(&a.summary()))),
                            esc(base),
                            a.slug,
                        ));
                    }
                }
                s.push_str("</item>\n");
            }
            s.push_str("</channel>\n</rss>\n");
            s
        }
        FeedFormat::Atom => {
            let mut s = format!(
                r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title>{title}</title>
<subtitle>{desc}</subtitle>
<id>{home}</id>
<updated>{updated}</updated>
<link rel="self" type="application/atom+xml" href="{feed}"/>
<link rel="alternate" type="text/html" href="{home}"/>
"#,
                title = esc(&o.name),
                desc = esc(&o.tagline),
                home = esc(&home),
                updated = rfc3339(newest),
                feed = esc(&feed_url),
            );
            for a in items {
                let t = rfc3339(published(now, a.age_minutes));
                s.push_str(&format!(
                    r#"<entry>
<title>{title}</title>
<link rel="alternate" type="text/html" href="{url}"/>
<id>tag:{key}.example,2024:story-{id}</id>
<published>{t}</published>
<updated>{t}</updated>
<author><name>{author}</name></author>
<category term="{cat}"/>
<summary>{summary}</summary>
<content type="html">{content}</content>
</entry>
"#,
                    title = esc(&a.headline),
                    url = esc(&url(a)),
                    id = a.id,
                    key = o.key,
                    author = esc(&a.author),
                    cat = esc(&a.event_title),
                    summary = esc(&a.summary()),
                    content = esc(&content_html(base, a)),
                ));
            }
            s.push_str("</feed>\n");
            s
        }
        FeedFormat::JsonFeed => {
            let items: Vec<_> = items
                .iter()
                .map(|a| {
                    json!({
                        "id": format!("{}", a.id),
                        "url": url(a),
                        "title": a.headline,
                        "content_html": content_html(base, a),
                        "summary": a.summary(),
                        "image": format!("{base}/images/{}.svg", a.slug),
                        "date_published": rfc3339(published(now, a.age_minutes)),
                        "authors": [{"name": a.author}],
                        "tags": [a.event_title],
                    })
                })
                .collect();
            let doc = json!({
                "version": "https://jsonfeed.org/version/1.1",
                "title": o.name,
                "home_page_url": home,
                "feed_url": feed_url,
                "description": o.tagline,
                "language": "en",
                "items": items,
            });
            serde_json::to_string_pretty(&doc).expect("json")
        }
        FeedFormat::Rss1 => {
            let mut seq = String::new();
            let mut body = String::new();
            for a in &items {
                let u = esc(&url(a));
                seq.push_str(&format!("<rdf:li rdf:resource=\"{u}\"/>\n"));
                body.push_str(&format!(
                    "<item rdf:about=\"{u}\">\n<title>{}</title>\n<link>{u}</link>\n<description>{}</description>\n<dc:date>{}</dc:date>\n<dc:creator>{}</dc:creator>\n<dc:subject>{}</dc:subject>\n</item>\n",
                    esc(&a.headline),
                    esc(&a.summary()),
                    rfc3339(published(now, a.age_minutes)),
                    esc(&a.author),
                    esc(&a.event_title),
                ));
            }
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{feed}">
<title>{title}</title>
<link>{home}</link>
<description>{desc}</description>
<dc:date>{updated}</dc:date>
<items>
<rdf:Seq>
{seq}</rdf:Seq>
</items>
</channel>
{body}</rdf:RDF>
"#,
                feed = esc(&feed_url),
                title = esc(&o.name),
                home = esc(&home),
                desc = esc(&o.tagline),
                updated = rfc3339(newest),
            )
        }
    }
}

/// The valid RSS feed on the fault host whose items each misbehave.
pub(crate) fn bad_items_feed(base: &str, items: &[(&str, &str)], now: DateTime<Utc>) -> String {
    let mut s = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>Fault Desk</title>
<link>{base}/</link>
<description>Items that misbehave, for crawler tests</description>
"#
    );
    for (i, (title, path)) in items.iter().enumerate() {
        s.push_str(&format!(
            "<item><title>{}</title><link>{base}{}</link><guid>{base}{}</guid><pubDate>{}</pubDate><description>{}</description></item>\n",
            esc(title),
            esc(path),
            esc(path),
            rfc2822(published(now, 10 + 5 * i as u32)),
            esc(title),
        ));
    }
    s.push_str("</channel>\n</rss>\n");
    s
}
