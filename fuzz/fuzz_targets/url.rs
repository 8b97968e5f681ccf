//! Feeds arbitrary text to URL canonicalisation and link resolution, which
//! see every link a feed, page or OPML file carries. The first line is a
//! base URL (a fixed one when it does not parse), the rest an href.
//!
//! Canonical URLs key the article store, so `canonicalize` must be
//! idempotent: canonicalising a canonical URL's string gives it back, or
//! one article could be stored under two keys. Its other promises are
//! checked too: http(s) only, a host that is lowercase and has no trailing
//! dot, no fragment, no empty query, no `utm_` parameter left. `resolve`
//! must return only http(s) URLs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk_fetch::urls::{canonicalize, resolve};
use url::{Host, Url};

fn check_canonical(url: &Url, from: &str) {
    assert!(matches!(url.scheme(), "http" | "https"), "{from:?} -> {url}");
    assert!(url.fragment().is_none(), "{from:?} -> {url}: fragment");
    assert_ne!(url.query(), Some(""), "{from:?} -> {url}: empty query");
    match url.host() {
        Some(Host::Domain(d)) => assert!(
            !d.is_empty() && !d.ends_with('.') && d == d.to_ascii_lowercase(),
            "{from:?} -> {url}: host {d:?}"
        ),
        Some(_) => {}
        None => panic!("{from:?} -> {url}: no host"),
    }
    for (name, _) in url.query_pairs() {
        let name = name.to_ascii_lowercase();
        assert!(
            !name.starts_with("utm_"),
            "{from:?} -> {url}: tracking parameter {name}"
        );
    }
    let again = canonicalize(url.as_str()).unwrap_or_else(|e| panic!("{from:?} -> {url} is refused again: {e}"));
    assert_eq!(
        again.as_str(),
        url.as_str(),
        "canonicalize is not idempotent on {from:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(url) = canonicalize(&text) {
        check_canonical(&url, &text);
    }
    let (first, href) = text.split_once('\n').unwrap_or(("", &text));
    let base = Url::parse(first).unwrap_or_else(|_| Url::parse("https://news.example/a/b/feed.xml?x=1").unwrap());
    if let Some(url) = resolve(&base, href) {
        assert!(matches!(url.scheme(), "http" | "https"), "{href:?} -> {url}");
        // Feed entries are resolved, then canonicalised.
        if let Ok(canon) = canonicalize(url.as_str()) {
            check_canonical(&canon, url.as_str());
        }
    }
});
