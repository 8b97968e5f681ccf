//! Live story assignment with all-MiniLM-L6-v2 title embeddings (feature
//! `semantic`): the real model when `NEWSDESK_MINILM_DIR` names its
//! directory (scripts/fetch-minilm.sh), skipped otherwise.
#![cfg(feature = "semantic")]

use super::support;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use newsdesk_crawl::Embeddings;
use newsdesk_domain::StoryId;
use newsdesk_newswire::Newswire;
use support::*;

fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("NEWSDESK_MINILM_DIR").map(PathBuf::from);
    match dir {
        Some(d) if d.join("model.safetensors").is_file() => Some(d),
        _ => {
            eprintln!("NEWSDESK_MINILM_DIR unset or without model.safetensors: semantic pipeline test skipped");
            None
        }
    }
}

/// Half the outlets, a restart (the window rebuilt with embedded titles),
/// then the rest: every event is still exactly one story.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_model_each_event_is_one_story_across_a_restart() {
    let Some(dir) = model_dir() else { return };
    let embeddings = Embeddings::load(Some(&dir)).await.unwrap();
    assert!(embeddings.title("Floods close the port").await.is_some(), "model is on");
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    let outlets = wire.outlets();
    let subscribe = |range: &[newsdesk_newswire::OutletInfo]| {
        for outlet in range {
            let source = h.store.upsert_source(&outlet.name, Some(&outlet.homepage)).unwrap();
            h.store.add_feed(source.id, &outlet.feed_url).unwrap();
        }
    };
    subscribe(&outlets[..3]);
    let crawl = || h.crawler(PARALLEL_HOSTS).embeddings(embeddings.clone());
    crawl().run_pass().await.unwrap();
    subscribe(&outlets[3..]);
    crawl().run_pass().await.unwrap();

    let by_url = ids_by_url(&h.store);
    let mut per_event: HashMap<String, HashSet<StoryId>> = HashMap::new();
    for info in wire.articles() {
        let placed = h.store.article_story(by_url[&info.url]).unwrap();
        let placed = placed.unwrap_or_else(|| panic!("{} has no story", info.url));
        per_event.entry(info.event).or_default().insert(placed.story);
    }
    assert_eq!(per_event.len(), 8);
    let mut all = HashSet::new();
    for (event, stories) in &per_event {
        assert_eq!(stories.len(), 1, "{event} split into {stories:?}");
        assert!(
            all.insert(*stories.iter().next().unwrap()),
            "{event} shares a story: {per_event:?}"
        );
    }
}

#[tokio::test]
async fn a_missing_model_directory_is_a_clear_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("no-such-model");
    let err = match Embeddings::load(Some(&gone)).await {
        Ok(_) => panic!("{} loaded", gone.display()),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("semantic model") && err.contains("no-such-model"), "{err}");
}
