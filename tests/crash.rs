//! Crash safety (issue #15): `newsdesk serve` killed with SIGKILL at random
//! moments while it crawls the newswire, and started again each time. After
//! every kill the database opens, no article appears twice, and no feed's
//! last check goes back in time; after a final uninterrupted run every
//! article is there, once, and the search index has caught up with them.
//!
//! `NEWSDESK_CRASH_RUNS` sets the number of kills (12 by default, for CI;
//! docs/BENCHMARKS.md records a run of 100) and `NEWSDESK_CRASH_SEED` the
//! seed of the kill moments.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use newsdesk_domain::ArticleStatus;
use newsdesk_newswire::Newswire;
use newsdesk_search::SearchIndex;
use newsdesk_store::{SqliteStore, Store};

/// The newswire's articles (its page that robots.txt disallows aside).
const ARTICLES: usize = 48;
/// Kill moments are drawn from [0, this) after the site is up.
const LONGEST_LIFE_MS: u64 = 1_500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_the_crawl_loses_and_duplicates_nothing() {
    let runs: usize = env_or("NEWSDESK_CRASH_RUNS", 12);
    let mut seed: u64 = env_or("NEWSDESK_CRASH_SEED", 2026);
    eprintln!("crash harness: {runs} kills, seed {seed}");
    let wire = Newswire::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &wire);
    let database = dir.path().join("newsdesk.db");

    let mut last_checked: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut mid_crawl = 0;
    for run in 0..runs {
        let mut serve = start(&config);
        seed = next(seed);
        std::thread::sleep(Duration::from_millis(seed % LONGEST_LIFE_MS));
        serve.kill().unwrap(); // SIGKILL
        serve.wait().unwrap();
        let store =
            SqliteStore::open(&database).unwrap_or_else(|e| panic!("run {run}: the database did not open: {e}"));
        no_duplicates(&store, run);
        let pending = store.pending_articles(10_000).unwrap().len();
        mid_crawl += usize::from(pending > 0);
        eprintln!(
            "kill {run}: {} articles ready, {pending} pending",
            ready_articles(&store)
        );
        for feed in store.feeds().unwrap() {
            let Some(checked) = feed.last_checked_at else { continue };
            if let Some(before) = last_checked.insert(feed.url.clone(), checked) {
                assert!(
                    checked >= before,
                    "run {run}: {} went back from {before} to {checked}",
                    feed.url
                );
            }
        }
    }

    eprintln!("{mid_crawl} of {runs} kills left pages pending");
    let mut serve = start(&config);
    let started = Instant::now();
    let ready = loop {
        let store = SqliteStore::open(&database).unwrap();
        let ready = ready_articles(&store);
        if ready >= ARTICLES || started.elapsed() > Duration::from_secs(120) {
            break ready;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    // Let the indexer's last batch commit, then stop as Ctrl-C would.
    std::thread::sleep(Duration::from_secs(2));
    interrupt(&mut serve);
    let store = SqliteStore::open(&database).unwrap();
    no_duplicates(&store, runs);
    assert!(
        ready >= ARTICLES,
        "only {ready} of {ARTICLES} articles after the last run"
    );
    let stored: HashSet<String> = store.latest(10_000, 0).unwrap().into_iter().map(|c| c.url).collect();
    for article in wire.articles() {
        assert!(stored.contains(&article.url), "{} was lost", article.url);
    }
    let index = SearchIndex::open(&dir.path().join("search")).unwrap();
    assert_eq!(
        index.num_docs() as usize,
        ready_articles(&store),
        "the search index caught up"
    );
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A 64-bit LCG (Knuth's MMIX constants): reproducible kill moments without a dependency.
fn next(state: u64) -> u64 {
    state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        >> 1
}

/// Two requests a second per host: the crawl spans many lives, so kills
/// land in the middle of it.
fn write_config(dir: &Path, wire: &Newswire) -> std::path::PathBuf {
    let hosts: Vec<String> = wire.hosts().iter().map(|h| format!("{h:?}")).collect();
    let mut toml = format!(
        "listen = \"127.0.0.1:0\"\ndatabase = {:?}\n[fetch]\nallow_hosts = [{}]\nrequests_per_second = 2.0\n\
         max_retries = 0\n[crawl]\ntick_secs = 1\nlease_secs = 2\n",
        dir.join("newsdesk.db"),
        hosts.join(", ")
    );
    for outlet in wire.outlets() {
        toml += &format!(
            "[[starter_feeds]]\nsource = {:?}\nurl = {:?}\nhomepage = {:?}\n",
            outlet.name, outlet.feed_url, outlet.homepage
        );
    }
    let path = dir.join("newsdesk.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// Starts `newsdesk serve` and returns once it announces its address.
fn start(config: &Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["--config", config.to_str().unwrap(), "serve"])
        .env("RUST_LOG", "error")
        // Words only: a test never fetches the model from PyPI.
        .env("NEWSDESK_SEMANTIC_MODEL", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("serving"), "serve did not start: {line:?}");
    child
}

/// Stops `serve` as Ctrl-C does, and waits for it to exit.
fn interrupt(child: &mut Child) {
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let waited = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "serve did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every article, listed or still pending, appears once.
fn no_duplicates(store: &SqliteStore, run: usize) {
    let listed = store.latest(10_000, 0).unwrap();
    let pending = store.pending_articles(10_000).unwrap();
    let all: Vec<&str> = listed
        .iter()
        .map(|c| c.url.as_str())
        .chain(pending.iter().map(|a| a.url.as_str()))
        .collect();
    let distinct: HashSet<&str> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "run {run}: an article is stored twice");
}

fn ready_articles(store: &SqliteStore) -> usize {
    store
        .latest(10_000, 0)
        .unwrap()
        .iter()
        .filter(|c| {
            store
                .article(c.id)
                .unwrap()
                .is_some_and(|a| a.status == ArticleStatus::Ready)
        })
        .count()
}
