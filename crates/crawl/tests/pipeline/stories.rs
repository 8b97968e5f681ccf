//! Stories from a real crawl: each newswire event becomes one story with
//! articles from several outlets, wire copies are marked with their agency,
//! and "Related Articles" lead with other outlets' reports of the story.

use super::support;

use std::collections::{HashMap, HashSet};

use newsdesk_domain::{ArticleId, StoryId};
use newsdesk_newswire::Newswire;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_becomes_one_story_with_its_syndicated_copies_marked() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);
    h.crawler(PARALLEL_HOSTS).run_pass().await.unwrap();

    let by_url = ids_by_url(&h.store);
    let mut story_of_event: HashMap<String, HashSet<StoryId>> = HashMap::new();
    for info in wire.articles() {
        let id = by_url[&info.url];
        let placed = h
            .store
            .article_story(id)
            .unwrap()
            .unwrap_or_else(|| panic!("{} has no story", info.url));
        story_of_event
            .entry(info.event.clone())
            .or_default()
            .insert(placed.story);
        match &info.syndicated_from {
            Some(agency) => {
                assert!(placed.syndicated, "{} is a wire copy", info.url);
                let byline = h.store.article(id).unwrap().unwrap().byline;
                assert_eq!(
                    placed.origin.as_deref(),
                    Some(agency.as_str()),
                    "{} by {byline:?}",
                    info.url
                );
            }
            None => assert!(!placed.syndicated, "{} is original reporting", info.url),
        }
    }
    assert_eq!(story_of_event.len(), 8);
    let mut all = HashSet::new();
    for (event, stories) in &story_of_event {
        assert_eq!(stories.len(), 1, "{event} split into {stories:?}");
        let story = h.store.story(*stories.iter().next().unwrap()).unwrap().unwrap();
        assert!(story.source_count >= 3, "{event}: {story:?}");
        assert!(all.insert(story.id), "two events share story {story:?}");
    }

    // Related articles: same story, other outlets first.
    let first = &wire.articles()[0];
    let id = by_url[&first.url];
    let related = h.store.related_articles(id, 20).unwrap();
    let same: Vec<_> = related.iter().take_while(|r| r.same_story).collect();
    let expected = wire.articles().iter().filter(|a| a.event == first.event).count() - 1;
    assert_eq!(same.len(), expected, "{related:?}");
    assert!(related[same.len()..].iter().all(|r| !r.same_story));
    assert_ne!(same[0].card.source_name, first.outlet);

    let top = h.store.top_stories(10, chrono::Utc::now()).unwrap();
    assert_eq!(top.len(), 8, "{top:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stories_survive_a_restart() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    let outlets = wire.outlets();
    // First crawl half the outlets, then "restart" with a new crawler.
    for outlet in &outlets[..3] {
        let source = h.store.upsert_source(&outlet.name, Some(&outlet.homepage)).unwrap();
        h.store.add_feed(source.id, &outlet.feed_url).unwrap();
    }
    h.crawler(PARALLEL_HOSTS).run_pass().await.unwrap();
    let before: HashMap<ArticleId, StoryId> = h
        .store
        .latest(1000, 0)
        .unwrap()
        .iter()
        .filter_map(|c| Some((c.id, h.store.article_story(c.id).unwrap()?.story)))
        .collect();
    assert!(!before.is_empty());
    let restarted = h.crawler(PARALLEL_HOSTS);
    for outlet in &outlets[3..] {
        let source = h.store.upsert_source(&outlet.name, Some(&outlet.homepage)).unwrap();
        h.store.add_feed(source.id, &outlet.feed_url).unwrap();
    }
    restarted.run_pass().await.unwrap();
    let mut per_event: HashMap<String, HashSet<StoryId>> = HashMap::new();
    for info in wire.articles() {
        let card = h
            .store
            .latest(1000, 0)
            .unwrap()
            .into_iter()
            .find(|c| c.url == info.url)
            .unwrap();
        let story = h.store.article_story(card.id).unwrap().unwrap().story;
        per_event.entry(info.event).or_default().insert(story);
    }
    assert!(
        per_event.values().all(|s| s.len() == 1),
        "late articles joined the stories from before the restart: {per_event:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merged_story_s_page_leads_to_the_story_it_joined() {
    let wire = Newswire::start().await.unwrap();
    let (h, site) = crawled_site(&wire).await;
    let mut stories: Vec<(StoryId, ArticleId)> = h
        .store
        .latest(1000, 0)
        .unwrap()
        .iter()
        .filter_map(|c| Some((h.store.article_story(c.id).unwrap()?.story, c.id)))
        .collect();
    stories.sort();
    stories.dedup_by_key(|(story, _)| *story);
    let [(kept, article), (gone, _), ..] = stories[..] else {
        panic!("fewer than two stories: {stories:?}");
    };
    // As the clusterer decides when a new report shows two stories are one.
    h.store
        .assign_story(&newsdesk_store::StoryAssignment {
            article,
            story: kept,
            merged: vec![gone],
            syndicated: vec![],
            related: vec![],
            moved: vec![],
            emptied: vec![],
        })
        .unwrap();
    let response = browser().get(format!("{site}/story/{}", gone.0)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 308);
    assert_eq!(response.headers()["location"], format!("/story/{}", kept.0).as_str());
    let (status, page) = get_text(&format!("{site}/story/{}", gone.0)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Full coverage"), "{page}");
    let (status, _) = get_text(&format!("{site}/story/{}", i64::MAX)).await;
    assert_eq!(status, 404);
}
