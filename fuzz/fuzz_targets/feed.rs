//! Feeds arbitrary bytes to the feed code a publisher (or anyone posing as
//! one) controls: `parse_feed` over RSS, Atom and JSON Feed documents, and
//! `discover_feeds` over the same bytes read as a page. Beyond "no panic,
//! no hang", it checks what `ParsedFeed` promises its callers: every entry
//! has an absolute, already canonical http(s) link and a usable guid; the
//! site URL is absolute http(s); titles, authors and summaries are plain
//! text with whitespace collapsed, never empty, and summaries are capped.
//! Discovered feeds are http(s) and deduplicated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk_fetch::{discover_feeds, parse_feed, urls};
use url::Url;

/// `newsdesk_fetch`'s summary cap (`feed::MAX_SUMMARY_CHARS`, not exported)
/// plus the ellipsis a cut summary ends with.
const MAX_SUMMARY_CHARS: usize = 1000 + 1;

fn is_collapsed(s: &str) -> bool {
    !s.is_empty() && s == s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_web(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

fuzz_target!(|data: &[u8]| {
    let feed_url = Url::parse("https://news.example/feeds/main.xml?x=1").unwrap();
    if let Ok(feed) = parse_feed(data, &feed_url) {
        if let Some(title) = &feed.title {
            assert!(is_collapsed(title), "feed title {title:?}");
        }
        if let Some(site) = &feed.site_url {
            let site = Url::parse(site).expect("site_url is absolute");
            assert!(is_web(&site), "site_url {site}");
        }
        for e in &feed.entries {
            let url = Url::parse(&e.url).expect("entry URL is absolute");
            assert!(is_web(&url) && url.fragment().is_none(), "entry URL {url}");
            let again = urls::canonicalize(&e.url).expect("entry URL canonicalises");
            assert_eq!(again.as_str(), e.url, "entry URL is already canonical");
            assert!(!e.guid.is_empty() && e.guid.trim() == e.guid, "guid {:?}", e.guid);
            for (what, text) in [("title", &e.title), ("author", &e.author), ("summary", &e.summary)] {
                if let Some(text) = text {
                    assert!(is_collapsed(text), "entry {what} {text:?}");
                }
            }
            if let Some(summary) = &e.summary {
                assert!(summary.chars().count() <= MAX_SUMMARY_CHARS, "summary not capped");
            }
        }
    }

    let page = String::from_utf8_lossy(data);
    let found = discover_feeds(&page, &feed_url);
    for (i, url) in found.iter().enumerate() {
        assert!(is_web(url), "discovered {url}");
        assert!(!found[..i].contains(url), "discovered {url} twice");
    }
});
