//! Search end to end: the newswire is crawled with a search index attached,
//! a word from one event's headlines finds that event's articles first, and
//! the entity filter finds the articles naming a person.

use super::support;

use std::collections::HashMap;

use newsdesk_domain::EntityKind;
use newsdesk_newswire::Newswire;
use newsdesk_search::{SearchQuery, Sort};
use support::*;

/// A word from the headlines of the "veltrix-plant" event only.
const WORD: &str = "Veltrix";
const EVENT: &str = "veltrix-plant";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawled_articles_are_searchable_and_rank_by_event() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);
    let index = h.fresh_index();
    let crawler = h.crawler(8).search(index.clone());

    let report = crawler.run_pass().await.unwrap();
    assert!(report.pages_fetched > 0, "{report:?}");
    let ready = h
        .store
        .ready_articles_after(newsdesk_domain::ArticleId(0), 10_000)
        .unwrap();
    assert_eq!(
        index.num_docs().unwrap() as usize,
        ready.len(),
        "every ready article is indexed, once"
    );

    let event_of: HashMap<String, String> = wire.articles().into_iter().map(|a| (a.url, a.event)).collect();
    assert!(wire.events().iter().any(|e| e.key == EVENT));
    let q = SearchQuery {
        limit: 100,
        ..SearchQuery::text(WORD.to_lowercase())
    };
    let hits = index.search(&q).unwrap().hits;
    let events: Vec<&str> = hits.iter().map(|h| event_of[&h.url].as_str()).collect();
    let first_other = events.iter().position(|e| *e != EVENT).unwrap_or(events.len());
    assert!(first_other >= 4, "the event's articles come first: {events:?}");
    assert!(
        events[first_other..].iter().all(|e| *e != EVENT),
        "no article of the event ranks below another event's: {events:?}"
    );
    assert!(
        hits[0].title.contains(WORD) && hits[0].snippet.to_html().contains("<mark>"),
        "{:?}",
        hits[0]
    );

    // A second pass indexes nothing twice.
    crawler.run_pass().await.unwrap();
    assert_eq!(index.num_docs().unwrap() as usize, ready.len());

    // Rebuilding from the store gives the same ranking.
    drop(crawler);
    let n = newsdesk_crawl::reindex(h.store.as_ref(), index.as_ref()).unwrap();
    assert_eq!(n, ready.len());
    let again: Vec<_> = index.search(&q).unwrap().hits.into_iter().map(|h| h.id).collect();
    assert_eq!(again, hits.iter().map(|h| h.id).collect::<Vec<_>>());

    // Newest first puts the most recent article of any outlet on top.
    let newest = SearchQuery {
        sort: Sort::Newest,
        ..q
    };
    let dates: Vec<_> = index
        .search(&newest)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.published)
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
}

/// The site's entity filter finds articles by the people their analysis
/// names: every article naming the person, and only those, through
/// `/search?entity=…`, from the crawl's index and again after a rebuild.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_entity_filter_finds_the_articles_naming_a_person() {
    let wire = Newswire::start().await.unwrap();
    let (h, site) = crawled_site(&wire).await;
    let ready = h
        .store
        .ready_articles_after(newsdesk_domain::ArticleId(0), 10_000)
        .unwrap();
    let mut naming: HashMap<String, Vec<newsdesk_domain::ArticleId>> = HashMap::new();
    for article in &ready {
        for entity in h.store.entities_of(article.id).unwrap() {
            if entity.kind == EntityKind::Person {
                naming.entry(entity.name).or_default().push(article.id);
            }
        }
    }
    // The person named by the most articles, so the filter has to find several.
    let (person, mut expected) = naming
        .into_iter()
        .max_by_key(|(name, ids)| (ids.len(), name.clone()))
        .expect("the analysis found people in the newswire");
    assert!(expected.len() >= 2, "{person} is named by one article only");
    expected.sort();

    let found = |site: String, person: String| async move {
        let url = format!("{site}/search?q=&entity={}", person.replace(' ', "+"));
        let (status, page) = get_text(&url).await;
        assert_eq!(status, 200, "{url}");
        let mut ids: Vec<newsdesk_domain::ArticleId> = page
            .split("href=\"/article/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next()?.parse().ok())
            .map(newsdesk_domain::ArticleId)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    assert_eq!(found(site.clone(), person.clone()).await, expected, "{person}");

    newsdesk_crawl::reindex(h.store.as_ref(), h.search.as_ref()).unwrap();
    assert_eq!(
        found(site.clone(), person.to_lowercase()).await,
        expected,
        "{person}, any case"
    );
    assert!(found(site, "Nobody Named This".into()).await.is_empty());
}

/// A crash between the store's writes and the index's batched commit
/// leaves the index short; the next start gives it what it lacks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_indexes_what_a_crash_left_out() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);
    h.crawler(8).run_pass().await.unwrap();
    let ready = h.store.ready_article_ids().unwrap();
    let index = h.fresh_index();
    // Only some of the articles made it into a commit before the "crash".
    let (indexed, lost) = ready.split_at(ready.len() / 3);
    for &id in indexed {
        let article = h.store.article(id).unwrap().unwrap();
        let source = h.store.source(article.source_id).unwrap().unwrap();
        index
            .index_article(&newsdesk_search::SearchDoc::from_article(&article, &source, &[]))
            .unwrap();
    }
    index.commit().unwrap();
    assert_eq!(index.missing(&ready).unwrap(), lost);

    newsdesk_crawl::catch_up(h.store.clone(), index.clone()).await.unwrap();
    assert_eq!(index.num_docs().unwrap() as usize, ready.len());
    assert!(index.missing(&ready).unwrap().is_empty());
}
