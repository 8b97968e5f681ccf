//! Feeds arbitrary text to OPML import (`newsdesk_crawl::parse_opml`), which
//! reads whatever file a user uploads on the admin page, often exported by
//! another reader. Beyond "no panic, no hang", it checks the promise import
//! makes to `subscribe_all`: every feed URL is absolute http(s) and already
//! canonical, every source name is non-empty and trimmed, and a homepage,
//! when kept, is not blank.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk_fetch::urls;

fuzz_target!(|data: &[u8]| {
    // The admin page hands import the upload as text.
    let xml = String::from_utf8_lossy(data);
    let Ok(feeds) = newsdesk_crawl::parse_opml(&xml) else {
        return;
    };
    for feed in feeds {
        let url = url::Url::parse(&feed.url).expect("feed URL is absolute");
        assert!(matches!(url.scheme(), "http" | "https"), "feed URL {url}");
        let again = urls::canonicalize(&feed.url).expect("feed URL canonicalises");
        assert_eq!(again.as_str(), feed.url, "feed URL is already canonical");
        assert!(
            !feed.source.is_empty() && feed.source.trim() == feed.source,
            "source {:?}",
            feed.source
        );
        if let Some(home) = &feed.homepage {
            assert!(!home.trim().is_empty(), "blank homepage kept");
        }
    }
});
