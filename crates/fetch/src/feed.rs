//! Feed parsing (RSS 0.9x/1.0/2.0, Atom, JSON Feed via feed-rs) into domain
//! [`FeedEntry`]s, and discovery of feeds advertised by HTML pages.

use encoding_rs::{UTF_16BE, UTF_16LE};
use feed_rs::model::{Entry, Link, Text};
use newsdesk_domain::FeedEntry;
use scraper::{Html, Selector};
use url::Url;

use crate::urls::{canonicalize, resolve};
use crate::FetchError;

/// Longest summary kept, in characters; listings need a teaser, not the body.
pub const MAX_SUMMARY_CHARS: usize = 1000;
/// A category longer than this is no desk label; it is cut rather than stored whole.
const MAX_CATEGORY_CHARS: usize = 100;

/// Feed types advertised through `<link rel="alternate" type=…>`.
const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
];

/// A parsed feed, reduced to what newsdesk stores.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// The feed's own title, for naming a new source.
    pub title: Option<String>,
    /// The website the feed belongs to (absolute), when the feed says.
    pub site_url: Option<String>,
    /// Items in document order, each with an absolute http(s) link.
    pub entries: Vec<FeedEntry>,
}

/// Parses a feed document; `feed_url` resolves relative links. Entries
/// without a usable http(s) link are skipped, since newsdesk is link-based.
pub fn parse_feed(body: &[u8], feed_url: &Url) -> Result<ParsedFeed, FetchError> {
    let body = as_utf8(body);
    let feed = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url.as_str()))
        // Keep missing ids empty, so we can fall back to the link (feed-rs
        // would otherwise invent a hash we could not relate to anything).
        .id_generator(|_, _, _| String::new())
        .build()
        .parse(body.as_slice())
        .map_err(|e| FetchError::Parse {
            url: feed_url.to_string(),
            reason: e.to_string(),
        })?;
    let site_url = feed
        .links
        .iter()
        .filter(|l| is_alternate(l))
        .filter_map(|l| resolve(feed_url, &l.href))
        .find(|u| u != feed_url)
        .map(String::from);
    Ok(ParsedFeed {
        title: feed.title.as_ref().map(text_of).filter(|t| !t.is_empty()),
        site_url,
        entries: feed.entries.iter().filter_map(|e| entry(e, feed_url)).collect(),
    })
}

/// The feed decoded to UTF-8 here, for feed-rs, by the rules pages follow
/// (byte-order mark, declared charset if the bytes agree, else sniffed).
///
/// Left to itself, feed-rs decodes through quick-xml, which switches decoders
/// at an XML declaration naming another encoding and panics when that
/// declaration ends past the first 64 bytes (a long declaration, one after
/// a BOM, a second one further on). Once decoded, every declared encoding
/// is stale: each `<?xml` declaration is renamed into an ordinary processing
/// instruction, which the parser skips, and a UTF-8 BOM fixes the parser's
/// decoder. JSON Feed, where `<?xml` could only be text, is left alone.
fn as_utf8(body: &[u8]) -> Vec<u8> {
    // XML's own detection of UTF-16 without a BOM (XML 1.0, appendix F),
    // which pages have no use for.
    let text = match body {
        [b'<', 0, b'?', 0, ..] => UTF_16LE.decode_without_bom_handling(body).0.into_owned(),
        [0, b'<', 0, b'?', ..] => UTF_16BE.decode_without_bom_handling(body).0.into_owned(),
        _ => crate::charset::decode(body, None),
    };
    // How feed-rs tells XML from JSON.
    if text.bytes().find(|b| matches!(b, b'<' | b'{')) != Some(b'<') {
        return text.into_bytes();
    }
    let mut xml = Vec::with_capacity(text.len() + 16);
    xml.extend_from_slice("\u{FEFF}".as_bytes());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("<?xml") {
        let (head, tail) = rest.split_at(at + "<?xml".len());
        xml.extend_from_slice(head.as_bytes());
        // quick-xml's test for a declaration: `xml` then whitespace.
        if tail.starts_with([' ', '\t', '\r', '\n']) {
            xml.extend_from_slice(b"-decoded");
        }
        rest = tail;
    }
    xml.extend_from_slice(rest.as_bytes());
    xml
}

fn entry(e: &Entry, feed_url: &Url) -> Option<FeedEntry> {
    let link = e.links.iter().find(|l| is_alternate(l)).or_else(|| e.links.first())?;
    let url = resolve(feed_url, &link.href)
        .and_then(|u| canonicalize(u.as_str()).ok())?
        .to_string();
    let id = e.id.trim();
    let summary = e
        .summary
        .as_ref()
        .map(text_of)
        .filter(|s| !s.is_empty())
        .or_else(|| {
            let body = e.content.as_ref()?.body.as_deref()?;
            Some(html_to_text(body)).filter(|s| !s.is_empty())
        })
        .map(|s| truncate(&s, MAX_SUMMARY_CHARS));
    Some(FeedEntry {
        guid: if id.is_empty() { url.clone() } else { id.to_string() },
        url,
        title: e.title.as_ref().map(text_of).filter(|t| !t.is_empty()),
        summary,
        author: e
            .authors
            .iter()
            .filter_map(|p| p.name.as_deref())
            .map(collapse_whitespace)
            .find(|n| !n.is_empty()),
        published: e.published.or(e.updated),
        category: e
            .categories
            .iter()
            .map(|c| collapse_whitespace(c.label.as_deref().unwrap_or(&c.term)))
            .find(|c| !c.is_empty())
            .map(|c| truncate(&c, MAX_CATEGORY_CHARS)),
    })
}

fn is_alternate(link: &Link) -> bool {
    link.rel.as_deref().is_none_or(|r| r.eq_ignore_ascii_case("alternate"))
}

/// Plain text of a feed text construct, whatever its declared type.
fn text_of(t: &Text) -> String {
    if t.content_type.subty() == "plain" {
        collapse_whitespace(&t.content)
    } else {
        html_to_text(&t.content)
    }
}

/// Strips markup (and decodes entities) from an HTML fragment.
pub fn html_to_text(html: &str) -> String {
    let doc = Html::parse_fragment(html);
    let text: Vec<&str> = doc.root_element().text().collect();
    collapse_whitespace(&text.join(" "))
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cuts at a char (not byte) boundary, preferring the last word break.
fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        None => s.to_string(),
        Some((cut, _)) => {
            let head = &s[..cut];
            let head = head.rsplit_once(' ').map_or(head, |(h, _)| h);
            format!("{}…", head.trim_end())
        }
    }
}

/// Feeds a page advertises with `<link rel="alternate" type="…">`, resolved
/// against the page URL (or its `<base href>`), deduplicated, in page order.
pub fn discover_feeds(html: &str, page_url: &Url) -> Vec<Url> {
    let doc = Html::parse_document(html);
    let (Ok(links), Ok(bases)) = (Selector::parse("link[rel][href][type]"), Selector::parse("base[href]")) else {
        return Vec::new();
    };
    let base = doc
        .select(&bases)
        .find_map(|b| resolve(page_url, b.attr("href")?))
        .unwrap_or_else(|| page_url.clone());
    let mut found: Vec<Url> = Vec::new();
    for link in doc.select(&links) {
        let attr = |name| link.value().attr(name).unwrap_or_default();
        let alternate = attr("rel")
            .split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("alternate"));
        let mime = attr("type").split(';').next().unwrap_or_default().trim();
        let is_feed = FEED_TYPES.iter().any(|t| t.eq_ignore_ascii_case(mime));
        if let Some(url) = resolve(&base, attr("href")).filter(|_| alternate && is_feed) {
            if !found.contains(&url) {
                found.push(url);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_url() -> Url {
        Url::parse("https://news.example/feeds/main.xml").unwrap()
    }

    #[test]
    fn rss2() {
        let xml = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
  <title>Example  News</title><link>https://news.example/</link>
  <item>
    <title>First &amp; foremost</title>
    <link>/2024/first?utm_source=rss&amp;id=7#top</link>
    <guid isPermaLink="false">urn:first</guid>
    <description>&lt;p&gt;Hello &lt;b&gt;world&lt;/b&gt;&lt;/p&gt;
      &lt;p&gt;second   para&lt;/p&gt;</description>
    <dc:creator>Jane Doe</dc:creator>
    <category>  </category><category domain="desk">  Science &amp;
      Tech </category><category>Space</category>
    <pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate>
  </item>
  <item><title>No guid</title><link>https://news.example/2024/second</link></item>
  <item><title>No link</title><guid>orphan</guid></item>
  <item><title>Bad link</title><link>javascript:alert(1)</link></item>
</channel></rss>"#;
        let feed = parse_feed(xml.as_bytes(), &feed_url()).unwrap();
        assert_eq!(feed.title.as_deref(), Some("Example News"));
        assert_eq!(feed.site_url.as_deref(), Some("https://news.example/"));
        assert_eq!(feed.entries.len(), 2, "{:#?}", feed.entries);
        let first = &feed.entries[0];
        assert_eq!(first.guid, "urn:first");
        assert_eq!(first.url, "https://news.example/2024/first?id=7");
        assert_eq!(first.title.as_deref(), Some("First & foremost"));
        assert_eq!(first.summary.as_deref(), Some("Hello world second para"));
        assert_eq!(first.author.as_deref(), Some("Jane Doe"));
        assert_eq!(first.published.unwrap().to_rfc3339(), "2024-01-02T10:00:00+00:00");
        assert_eq!(
            first.category.as_deref(),
            Some("Science & Tech"),
            "the first non-blank one"
        );
        assert_eq!(feed.entries[1].guid, "https://news.example/2024/second");
        assert_eq!(feed.entries[1].category, None);
    }

    #[test]
    fn rss1_rdf() {
        let xml = r#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/"><title>RDF site</title><link>https://rdf.example/</link></channel>
  <item rdf:about="https://rdf.example/a"><title>A</title><link>https://rdf.example/a</link>
    <description>About A</description><dc:date>2024-03-01T08:00:00Z</dc:date></item>
</rdf:RDF>"#;
        let feed = parse_feed(xml.as_bytes(), &feed_url()).unwrap();
        assert_eq!(feed.title.as_deref(), Some("RDF site"));
        assert_eq!(feed.entries.len(), 1);
        let a = &feed.entries[0];
        assert_eq!(a.url, "https://rdf.example/a");
        assert_eq!(a.summary.as_deref(), Some("About A"));
        assert!(a.published.is_some());
    }

    #[test]
    fn atom() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Atom &lt;i&gt;Feed&lt;/i&gt;</title>
  <link rel="self" href="https://news.example/feeds/main.xml"/>
  <link rel="alternate" href="https://news.example/"/>
  <id>urn:feed</id><updated>2024-05-01T00:00:00Z</updated>
  <entry>
    <title>Entry one</title><id>urn:e1</id>
    <link rel="alternate" href="posts/1.html"/>
    <link rel="enclosure" href="https://cdn.example/1.mp3"/>
    <updated>2024-05-01T12:00:00Z</updated>
    <author><name>Ann</name></author>
    <category term="sport" label="Football"/>
    <content type="html">&lt;div&gt;Body &lt;a href="x"&gt;text&lt;/a&gt;&lt;/div&gt;</content>
  </entry>
</feed>"#;
        let feed = parse_feed(xml.as_bytes(), &feed_url()).unwrap();
        assert_eq!(feed.title.as_deref(), Some("Atom Feed"));
        assert_eq!(feed.site_url.as_deref(), Some("https://news.example/"));
        let e = &feed.entries[0];
        assert_eq!(e.guid, "urn:e1");
        assert_eq!(e.url, "https://news.example/feeds/posts/1.html");
        assert_eq!(e.summary.as_deref(), Some("Body text"));
        assert_eq!(e.author.as_deref(), Some("Ann"));
        assert_eq!(e.category.as_deref(), Some("Football"), "the label over the term");
        assert_eq!(e.published.unwrap().to_rfc3339(), "2024-05-01T12:00:00+00:00");
    }

    #[test]
    fn json_feed() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"JSON News",
          "home_page_url":"https://json.example/",
          "items":[{"id":"1","url":"https://json.example/1","title":"One",
                    "content_html":"<p>Hi <em>there</em></p>","date_published":"2024-02-03T04:05:06Z",
                    "authors":[{"name":"Bo"}]},
                   {"id":"2","title":"no url"}]}"#;
        let feed = parse_feed(json.as_bytes(), &feed_url()).unwrap();
        assert_eq!(feed.title.as_deref(), Some("JSON News"));
        assert_eq!(feed.entries.len(), 1);
        let e = &feed.entries[0];
        assert_eq!((e.guid.as_str(), e.url.as_str()), ("1", "https://json.example/1"));
        assert_eq!(e.summary.as_deref(), Some("Hi there"));
        assert!(e.published.is_some());
    }

    #[test]
    fn malformed() {
        for bad in [
            &b"<rss><channel><item>"[..],
            b"hello",
            b"",
            b"{\"x\":",
            b"<html><body>x</body></html>",
        ] {
            let err = parse_feed(bad, &feed_url()).unwrap_err();
            assert!(matches!(err, FetchError::Parse { .. }), "{err}");
            assert!(err.to_string().contains("main.xml"), "{err}");
        }
    }

    /// Found by `fuzz/fuzz_targets/feed.rs`: an XML declaration naming a
    /// legacy encoding and ending past byte 64 (a long declaration, a BOM
    /// before it, a second one further on) made quick-xml, under feed-rs,
    /// panic while switching decoders.
    #[test]
    fn late_encoding_declarations_do_not_panic() {
        let minimised = b"<?xml version=\"1~0\" encoding=\"windows-1251\"01T12:00:00</updated?>";
        assert!(matches!(
            parse_feed(minimised, &feed_url()),
            Err(FetchError::Parse { .. })
        ));

        let rss = |title: &str| {
            format!(
                "<rss version=\"2.0\"><channel><item><title>{title}</title>\
                 <link>https://ru.example/1</link></item></channel></rss>"
            )
        };
        let title_of = |doc: &[u8]| parse_feed(doc, &feed_url()).unwrap().entries[0].title.clone().unwrap();
        let declaration = "<?xml version=\"1.0\" encoding=\"windows-1251\" standalone=\"yes\"?>\n";
        // Text as character references, after a BOM: the panic.
        let doc = format!(
            "\u{FEFF}{declaration}{}",
            rss("&#1053;&#1086;&#1074;&#1086;&#1089;&#1090;&#1080;")
        );
        assert_eq!(title_of(doc.as_bytes()), "Новости");
        // Text in the declared encoding, the declaration padded past byte
        // 64: was refused as malformed UTF-8.
        let mut doc = declaration.replace("?>", "    ?>").into_bytes();
        doc.extend_from_slice(&encoding_rs::WINDOWS_1251.encode(&rss("Новости")).0);
        assert_eq!(title_of(&doc), "Новости");
        // A second declaration further on; inside CDATA it is only text.
        let padding = "<!-- padding -->".repeat(5);
        let late = "<?xml version=\"1.0\" encoding=\"koi8-r\"?>";
        for second in [late.to_string(), format!("<![CDATA[{late}]]>")] {
            let doc = format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>{padding}{second}{}",
                rss("Late")
            );
            let _ = parse_feed(doc.as_bytes(), &feed_url());
        }
        // UTF-16 without a BOM, which quick-xml recognises by `<\0?\0`.
        let doc = format!(
            "<?xml version=\"1.0\" encoding=\"koi8-r\" standalone=\"yes\"?>{}",
            rss("UTF-16")
        );
        let utf16: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let _ = parse_feed(&utf16, &feed_url());
        let doc = format!("<?xml version=\"1.0\" encoding=\"UTF-16\"?>{}", rss("Новости"));
        let utf16: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(title_of(&utf16), "Новости", "UTF-16 without a BOM");
    }

    #[test]
    fn summary_is_capped() {
        let long = "word ".repeat(500);
        let t = truncate(&collapse_whitespace(&long), MAX_SUMMARY_CHARS);
        assert!(t.chars().count() <= MAX_SUMMARY_CHARS + 1);
        assert!(t.ends_with("word…"));
        assert_eq!(truncate("ёжик", 2), "ёж…");
    }

    #[test]
    fn discovery() {
        let html = r#"<html><head>
          <link rel="stylesheet" href="/s.css" type="text/css">
          <link rel="alternate" type="application/rss+xml" href="/rss.xml">
          <link rel="Alternate" type="application/atom+xml; charset=utf-8" href="https://other.example/atom">
          <link rel="alternate" type="application/feed+json" href="feed.json">
          <link rel="alternate" type="application/rss+xml" href="/rss.xml">
          <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
          <link rel="alternate" type="application/rss+xml" href="javascript:x">
        </head></html>"#;
        let page = Url::parse("https://site.example/news/index.html").unwrap();
        let feeds: Vec<String> = discover_feeds(html, &page).into_iter().map(String::from).collect();
        assert_eq!(
            feeds,
            [
                "https://site.example/rss.xml",
                "https://other.example/atom",
                "https://site.example/news/feed.json"
            ]
        );
        assert!(discover_feeds("<not html", &page).is_empty());
    }
}
