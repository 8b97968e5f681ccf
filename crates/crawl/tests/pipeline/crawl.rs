//! The walking skeleton end to end: the newswire's outlets are crawled over
//! loopback through the real fetcher, extractor and SQLite store, and the
//! website shows clean articles.

use super::support;

use std::collections::HashSet;

use newsdesk_domain::ArticleStatus;
use newsdesk_newswire::{Newswire, CLUTTER};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newswire_is_crawled_into_clean_articles() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);

    let report = h.crawler.run_pass().await.unwrap();
    assert_eq!(report.feeds_failed, 0, "{report:?}");

    let expected = wire.articles();
    let listed = h.store.latest(1000, 0).unwrap();
    let sources: HashSet<_> = listed.iter().map(|c| c.source_name.clone()).collect();
    assert!(listed.len() >= 48, "only {} articles listed", listed.len());
    assert!(sources.len() >= 6, "only {} sources", sources.len());

    let mut ready = 0;
    for card in &listed {
        let article = h.store.article(card.id).unwrap().unwrap();
        if article.url == wire.disallowed_url() {
            continue;
        }
        assert_eq!(
            article.status,
            ArticleStatus::Ready,
            "{}: {:?}",
            article.url,
            article.last_error
        );
        ready += 1;
        for clutter in CLUTTER {
            assert!(!article.text.contains(clutter), "{:?} left in {}", clutter, article.url);
            assert!(
                !article.html.contains(clutter),
                "{:?} left in the HTML of {}",
                clutter,
                article.url
            );
        }
        let info = expected
            .iter()
            .find(|a| a.url == article.url)
            .unwrap_or_else(|| panic!("unknown {}", article.url));
        for paragraph in &info.paragraphs {
            assert!(
                article.text.contains(paragraph.as_str()),
                "{} lost paragraph {:?}",
                article.url,
                paragraph
            );
        }
        assert_eq!(article.title, info.headline);
        assert!(article.published_at.is_some(), "{} has no time", article.url);
    }
    assert!(ready >= 48, "only {ready} ready");

    // A second pass finds nothing new and duplicates nothing.
    let again = h.crawler.run_pass().await.unwrap();
    assert_eq!(again.new_articles, 0);
    assert_eq!(h.store.latest(1000, 0).unwrap().len(), listed.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_disallowed_page_is_never_requested() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);
    h.crawler.run_pass().await.unwrap();

    let disallowed = wire.disallowed_url();
    assert!(
        wire.requests().iter().all(|r| r.url != disallowed),
        "{disallowed} was fetched"
    );
    let card = h
        .store
        .latest(1000, 0)
        .unwrap()
        .into_iter()
        .find(|c| c.url == disallowed)
        .expect("listed from its feed");
    let article = h.store.article(card.id).unwrap().unwrap();
    assert_eq!(article.status, ArticleStatus::Failed);
    assert!(article.last_error.unwrap().contains("robots.txt"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn website_lists_and_shows_clean_articles() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);
    h.crawler.run_pass().await.unwrap();
    let site = serve_site(&h).await;

    let (status, home) = get_text(&format!("{site}/")).await;
    assert_eq!(status, 200);
    assert!(
        home.matches("href=\"/article/").count() >= 48,
        "home lists too few articles"
    );
    assert!(
        home.contains(" ago") || home.contains("Just now"),
        "home shows no relative times"
    );

    let info = &wire.articles()[0];
    let card = h
        .store
        .latest(1000, 0)
        .unwrap()
        .into_iter()
        .find(|c| c.title == info.headline)
        .unwrap();
    let (status, page) = get_text(&format!("{site}/article/{}", card.id.0)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&escape(&info.paragraphs[0])),
        "article page lacks its first paragraph"
    );
    assert!(page.contains(&format!("/source/{}", card.source_slug)));
    for clutter in CLUTTER {
        assert!(!page.contains(&escape(clutter)), "{clutter:?} on the article page");
    }

    let (status, source) = get_text(&format!("{site}/source/{}", card.source_slug)).await;
    assert_eq!(status, 200);
    assert!(source.contains(&escape(&card.title)));
    assert_eq!(get_text(&format!("{site}/article/999999")).await.0, 404);
    assert_eq!(get_text(&format!("{site}/article/not-a-number")).await.0, 400);
    assert_eq!(get_text(&format!("{site}/healthz")).await, (200, "ok".to_string()));
    let (status, sources) = get_text(&format!("{site}/sources")).await;
    assert_eq!(status, 200);
    assert!(wire.outlets().iter().all(|o| sources.contains(&escape(&o.name))));
}

/// As maud escapes text.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
