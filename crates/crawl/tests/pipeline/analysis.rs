//! The ingest pipeline analyses every article it completes and stores the
//! result, with an entity index the website can link through.

use super::support;

use std::collections::BTreeSet;

use newsdesk_domain::{Analysis, ArticleStatus, EntityKind};
use newsdesk_newswire::Newswire;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawled_articles_are_analysed_and_indexed() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);
    h.crawler.run_pass().await.unwrap();

    let mut quotes = Vec::new();
    let mut named = BTreeSet::new();
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
        let mut shown: Vec<String> = analysis
            .summary
            .iter()
            .chain(&analysis.key_points)
            .map(|s| words_of(s))
            .collect();
        let count = shown.len();
        shown.sort();
        shown.dedup();
        assert_eq!(
            shown.len(),
            count,
            "{}: a sentence shown twice in summary and key points",
            article.url
        );
        for e in &analysis.entities {
            if let Some((_, kind)) = FIXTURE_NAMES.iter().find(|(name, _)| *name == e.name) {
                assert_eq!(e.kind, *kind, "{} in {}", e.name, article.url);
                named.insert(e.name.clone());
            }
        }
        quotes.extend(analysis.quotes.clone());
        assert_page_view_is_consistent(&h, &article, analysis);
    }
    let missing: Vec<&str> = FIXTURE_NAMES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !named.contains(*name))
        .collect();
    assert!(missing.is_empty(), "never found: {missing:?}");
    assert!(
        quotes
            .iter()
            .any(|q| q.text.starts_with("We are not prepared") && q.speaker.as_deref() == Some("Marcus Vell")),
        "the bridge engineer's quote is attributed"
    );
    assert_eq!(
        h.store.article_view(newsdesk_domain::ArticleId(i64::MAX), 6).unwrap(),
        None
    );
    let okafor = h
        .store
        .entity("teresa-okafor")
        .unwrap()
        .expect("Teresa Okafor is indexed");
    assert!(okafor.mentions >= 1);
    assert!(!h.store.articles_mentioning("teresa-okafor", 10).unwrap().is_empty());
}

/// A sentence's words, lowercased: two copies of one sentence agree whatever their spacing and marks.
fn words_of(sentence: &str) -> String {
    let words = sentence.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
    words.map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

/// Names from the fixture articles with their kind, wherever an article names them.
const FIXTURE_NAMES: &[(&str, EntityKind)] = &[
    ("Gregory Hwang", EntityKind::Person),
    ("Rosa Delgado", EntityKind::Person),
    ("Helen Achebe", EntityKind::Person),
    ("Irene Kowal", EntityKind::Person),
    ("Mei Tanaka", EntityKind::Person),
    ("Sean Gallagher", EntityKind::Person),
    ("Marcus Vell", EntityKind::Person),
    ("Teresa Okafor", EntityKind::Person),
    ("Calder Metro Transit", EntityKind::Organization),
    ("Westmarch Labour Relations Board", EntityKind::Organization),
    ("Westmarch University", EntityKind::Organization),
    ("Westmarch Emergency Management Agency", EntityKind::Organization),
    ("Westmarch Police", EntityKind::Organization),
    ("Copperfield Rotary Club", EntityKind::Organization),
    ("Red Lantern Relief Society", EntityKind::Organization),
    ("Ashford Valley Council", EntityKind::Organization),
    ("Veltrix Semiconductors", EntityKind::Organization),
    ("Port Calder Rovers", EntityKind::Organization),
    ("Port Calder", EntityKind::Place),
    ("Harbour Road", EntityKind::Place),
    ("Sentinel Street", EntityKind::Place),
    ("Kestrel Bay", EntityKind::Place),
    ("Halvard Bridge", EntityKind::Place),
    ("River Osk", EntityKind::Place),
    ("Copperfield", EntityKind::Place),
    ("Millbrook", EntityKind::Place),
];

/// The article page's one-read view holds what the separate reads return.
fn assert_page_view_is_consistent(h: &Harness, article: &newsdesk_domain::Article, analysis: Analysis) {
    let view = h.store.article_view(article.id, 6).unwrap().expect("a view");
    assert_eq!(&view.article, article);
    assert_eq!(Some(view.source), h.store.source(article.source_id).unwrap());
    let membership = h.store.article_story(article.id).unwrap().expect("clustered");
    let story = h.store.story(membership.story).unwrap();
    assert_eq!(view.story, story.map(|s| (membership, s)));
    assert_eq!(view.related, h.store.related_articles(article.id, 6).unwrap());
    assert_eq!(view.analysis, Some(analysis));
    assert_eq!(view.entities, h.store.entities_of(article.id).unwrap());
}
