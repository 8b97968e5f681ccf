//! Bad input and faults: each failing feed or page is recorded with a clear
//! error on that feed or article, and the rest of the crawl goes on.

use super::support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use newsdesk_domain::{ArticleStatus, Feed};
use newsdesk_newswire::Newswire;
use newsdesk_store::Store;
use support::*;

fn subscribe(store: &Arc<dyn Store>, name: &str, url: &str) {
    let source = store.upsert_source(name, None).unwrap();
    store.add_feed(source.id, url).unwrap();
}

fn feed(store: &Arc<dyn Store>, url: &str) -> Feed {
    store
        .feeds()
        .unwrap()
        .into_iter()
        .find(|f| f.url == url)
        .unwrap_or_else(|| panic!("no feed {url}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_feeds_are_recorded_and_the_rest_go_on() {
    let wire = Newswire::start_with_faults().await.unwrap();
    let faults = wire.faults().unwrap().clone();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);
    let bad = [
        (&faults.malformed_feed, "could not parse feed"),
        (&faults.error_500_feed, "HTTP 500"),
        (&faults.slow_feed, "timed out"),
        (&faults.redirect_loop_feed, "redirect"),
        (&faults.ssrf_metadata_feed, "SSRF"),
        (&faults.ssrf_private_feed, "SSRF"),
        (&faults.html_instead_of_feed, "could not parse feed"),
    ];
    for (url, _) in &bad {
        subscribe(&h.store, &format!("Fault {url}"), url);
    }

    let started = std::time::Instant::now();
    let report = h.crawler.run_pass().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(45),
        "a slow feed held up the pass"
    );
    assert_eq!(report.feeds_failed, bad.len(), "{report:?}");

    for (url, expected) in &bad {
        let f = feed(&h.store, url);
        let error = f.last_error.unwrap_or_default();
        assert!(error.contains(expected), "{url}: expected {expected:?} in {error:?}");
        assert_eq!(f.error_count, 1);
        assert!(
            f.next_check_at > chrono::Utc::now(),
            "a failing feed is retried later, not at once"
        );
    }
    for outlet in wire.outlets() {
        assert!(feed(&h.store, &outlet.feed_url).last_error.is_none());
    }
    assert!(
        h.store.latest(1000, 0).unwrap().len() >= 48,
        "healthy feeds were not crawled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_article_pages_fail_alone() {
    let wire = Newswire::start_with_faults().await.unwrap();
    let faults = wire.faults().unwrap().clone();
    let h = harness(&wire);
    subscribe(&h.store, "Faults", &faults.bad_items_feed);
    // Transient errors stay pending for a retry; run until the queue settles.
    for _ in 0..4 {
        h.crawler.run_pass().await.unwrap();
    }
    let by_url = |url: &str| {
        let card = h.store.latest(100, 0).unwrap().into_iter().find(|c| c.url == url);
        h.store
            .article(card.unwrap_or_else(|| panic!("{url} not listed")).id)
            .unwrap()
            .unwrap()
    };
    let failed = [
        (&faults.pdf_item, "not an HTML page"),
        (&faults.png_item, "not an HTML page"),
        (&faults.oversized_item, "limit"),
        (&faults.not_found_item, "HTTP 404"),
        (&faults.disallowed_item, "robots.txt"),
    ];
    for (url, expected) in failed {
        let a = by_url(url);
        assert_eq!(a.status, ArticleStatus::Failed, "{url}");
        let error = a.last_error.unwrap_or_default();
        assert!(error.contains(expected), "{url}: expected {expected:?} in {error:?}");
    }

    let ok = by_url(&faults.ok_item);
    assert_eq!(ok.status, ArticleStatus::Ready);
    assert_eq!(ok.title, faults.ok_item_headline);

    let cyrillic = by_url(&faults.wrong_charset_item);
    assert_eq!(cyrillic.status, ArticleStatus::Ready, "{:?}", cyrillic.last_error);
    for p in &faults.wrong_charset_paragraphs {
        assert!(cyrillic.text.contains(p.as_str()), "mis-decoded: {:?}", cyrillic.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssrf_targets_are_refused_without_allow_listing() {
    let wire = Newswire::start().await.unwrap();
    let mut h = harness(&wire);
    h.fetch.allow_hosts.clear();
    let crawler = h.crawler(8);
    let targets = [
        "http://127.0.0.1:9/feed.xml".to_string(),
        "http://10.0.0.1/feed.xml".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://[::1]/feed.xml".to_string(),
        wire.outlets()[0].feed_url.clone(),
    ];
    for (i, url) in targets.iter().enumerate() {
        subscribe(&h.store, &format!("Target {i}"), url);
    }
    let report = crawler.run_pass().await.unwrap();
    assert_eq!(report.feeds_failed, targets.len());
    for url in &targets {
        let error = feed(&h.store, url).last_error.unwrap_or_default();
        assert!(error.contains("SSRF"), "{url}: {error}");
    }
    assert!(
        wire.requests().is_empty(),
        "the loopback newswire was contacted: {:?}",
        wire.requests().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_mid_crawl_loses_and_duplicates_nothing() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);

    // Kill the crawler part-way through its first pass, as a restart would.
    let crawler = h.crawler.clone();
    let first = tokio::spawn(async move { crawler.run_pass().await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.abort();
    let _ = first.await;
    drop(h.crawler);
    drop(h.store);

    // The restarted process is another worker: the hosts the killed one
    // held wait until their leases expire, then it takes them over.
    let store: Arc<dyn Store> = newsdesk_store::open(&h.database).unwrap();
    let crawler = crawler_of(&store, &h.fetch, 8);
    crawler.run_pass().await.unwrap();
    tokio::time::sleep(LEASE).await;
    crawler.run_pass().await.unwrap();

    let listed = store.latest(1000, 0).unwrap();
    let urls: HashSet<_> = listed.iter().map(|c| c.url.clone()).collect();
    assert_eq!(urls.len(), listed.len(), "duplicated articles");
    // Every article in the feeds, including the one robots.txt keeps us from fetching.
    let mut expected: HashSet<_> = wire.articles().into_iter().map(|a| a.url).collect();
    expected.insert(wire.disallowed_url());
    assert_eq!(urls, expected, "lost articles");
    assert!(store.pending_articles(10).unwrap().is_empty());
}
