//! The ingest pipeline analyses every article it completes and stores the
//! result, with an entity index the website can link through.

use super::support;

use newsdesk_domain::ArticleStatus;
use newsdesk_newswire::Newswire;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawled_articles_are_analysed_and_indexed() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);
    h.crawler.run_pass().await.unwrap();

    let mut quotes = Vec::new();
    for card in h.store.latest(1000, 0).unwrap() {
        let article = h.store.article(card.id).unwrap().unwrap();
        if article.status != ArticleStatus::Ready {
            continue;
        }
        let analysis = h
            .store
            .analysis(card.id)
            .unwrap()
            .unwrap_or_else(|| panic!("{} not analysed", article.url));
        assert!(!analysis.summary.is_empty(), "{} has no summary", article.url);
        assert!(
            analysis.summary.iter().all(|s| article.text.contains(s.as_str())),
            "summary is extractive"
        );
        quotes.extend(analysis.quotes);
    }
    assert!(
        quotes
            .iter()
            .any(|q| q.text.starts_with("We are not prepared") && q.speaker.as_deref() == Some("Marcus Vell")),
        "the bridge engineer's quote is attributed"
    );
    let okafor = h
        .store
        .entity("teresa-okafor")
        .unwrap()
        .expect("Teresa Okafor is indexed");
    assert!(okafor.mentions >= 1);
    assert!(!h.store.articles_mentioning("teresa-okafor", 10).unwrap().is_empty());
}
