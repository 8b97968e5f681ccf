//! Several `newsdesk worker` processes on one PostgreSQL database, crawling
//! the newswire (issue #18): they share the crawl by leasing hosts, so
//! every feed, page and robots.txt is fetched once and no host faster than
//! its limit,
//! whichever worker sends the request; a worker killed with SIGKILL has
//! its hosts taken over once its leases expire, losing nothing; killing
//! the story writer hands the lead to another worker, and the stories come
//! out as one process alone makes them.
//!
//! Skipped, saying so, without `NEWSDESK_TEST_POSTGRES`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use newsdesk_newswire::Newswire;
use newsdesk_postgres::testing::TestDatabase;
use newsdesk_store::{PostgresStore, Store};

/// The newswire's articles (its page that robots.txt disallows aside).
const ARTICLES: usize = 48;
/// The configured politeness: two requests a second per host. Each worker
/// crawls two hosts at a time, three pages a lease, so hosts change hands.
const HOST_INTERVAL: Duration = Duration::from_millis(500);
/// Leases expire this soon after a worker stops renewing them.
const LEASE_SECS: u64 = 5;
/// Requests arrive over loopback a little less evenly than they are sent.
const ARRIVAL_JITTER: Duration = Duration::from_millis(25);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_fetch_everything_once_and_keep_every_host_s_pace() {
    let Some(db) = TestDatabase::create("three_workers_fetch_everything_once") else {
        return;
    };
    let wire = Newswire::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &wire, db.url());
    subscribe(db.url(), &wire);

    let mut workers: Vec<Worker> = (0..3).map(|i| Worker::start(&config, dir.path(), i)).collect();
    let store = PostgresStore::connect(db.url()).unwrap();
    wait_until_done(&store);
    for w in &mut workers {
        w.kill();
    }

    let requests = wire.requests();
    let mut times: HashMap<String, Vec<Instant>> = HashMap::new();
    let mut fetched: HashMap<String, usize> = HashMap::new();
    for r in &requests {
        let url = url::Url::parse(&r.url).unwrap();
        times.entry(url.host_str().unwrap().to_string()).or_default().push(r.at);
        *fetched.entry(r.url.clone()).or_default() += 1;
    }
    // robots.txt too: the worker that fetched it hands it on with the host.
    let twice: Vec<_> = fetched.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "fetched more than once: {twice:?}");
    for article in wire.articles() {
        assert_eq!(fetched.get(&article.url), Some(&1), "{} was not fetched", article.url);
    }
    for (host, mut at) in times {
        at.sort();
        for pair in at.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(
                gap + ARRIVAL_JITTER >= HOST_INTERVAL,
                "{host}: two requests {gap:?} apart (limit {HOST_INTERVAL:?})"
            );
        }
    }
    // Two hosts at a time and three pages a lease: hosts change hands.
    let worked = workers.iter().filter(|w| w.log().contains("claimed")).count();
    assert_eq!(worked, 3, "every worker took part");
    eprintln!("{} requests", requests.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_lose_nothing_and_the_stories_match_one_process() {
    let Some(db) = TestDatabase::create("killed_workers_lose_nothing") else {
        return;
    };
    let Some(alone) = TestDatabase::create("killed_workers_lose_nothing_alone") else {
        return;
    };
    let wire = Newswire::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();

    // One process alone: the stories to match.
    let single = dir.path().join("alone");
    std::fs::create_dir(&single).unwrap();
    let config = write_config(&single, &wire, alone.url());
    subscribe(alone.url(), &wire);
    let mut worker = Worker::start(&config, &single, 0);
    let alone_store = PostgresStore::connect(alone.url()).unwrap();
    wait_until_done(&alone_store);
    worker.kill();
    let expected = stories(&alone_store);

    let config = write_config(dir.path(), &wire, db.url());
    subscribe(db.url(), &wire);
    let store = PostgresStore::connect(db.url()).unwrap();
    let mut workers: Vec<Worker> = (0..3).map(|i| Worker::start(&config, dir.path(), i)).collect();
    // Kill a worker that is not writing stories mid-crawl, then the writer.
    wait_for(&store, |s| ready(s) >= 8);
    let leader = wait_for_leader(&mut workers);
    let other = (0..3).find(|&i| i != leader).unwrap();
    workers[other].kill();
    wait_for(&store, |s| ready(s) >= 24);
    workers[leader].kill();
    wait_until_done(&store);
    let next = wait_for_leader(&mut workers);
    assert!(
        next != leader && next != other,
        "worker {next} writes the stories after the kills"
    );
    for w in &mut workers {
        w.kill();
    }

    let urls: HashSet<String> = store.latest(1_000, 0).unwrap().into_iter().map(|c| c.url).collect();
    let mut expected_urls: HashSet<String> = wire.articles().into_iter().map(|a| a.url).collect();
    expected_urls.insert(wire.disallowed_url());
    assert_eq!(urls, expected_urls, "lost or duplicated articles");
    assert_eq!(stories(&store), expected, "the stories differ from one process's");
}

/// A `newsdesk worker` process with its log in a file.
struct Worker {
    child: Option<Child>,
    log: PathBuf,
}

impl Worker {
    fn start(config: &Path, dir: &Path, n: usize) -> Worker {
        let log = dir.join(format!("worker-{n}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .args(["--config", config.to_str().unwrap(), "worker"])
            .env("RUST_LOG", "info,newsdesk_crawl=debug")
            // Words only: a test never fetches the model from PyPI.
            .env("NEWSDESK_SEMANTIC_MODEL", "off")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Worker {
            child: Some(child),
            log,
        }
    }

    /// SIGKILL, as a crash or an out-of-memory kill would.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    fn leads(&self) -> bool {
        self.child.is_some() && self.log().contains("this process now writes the stories")
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

fn write_config(dir: &Path, wire: &Newswire, database: &str) -> PathBuf {
    let hosts: Vec<String> = wire.hosts().iter().map(|h| format!("{h:?}")).collect();
    let toml = format!(
        "database = {database:?}\nsearch_dir = {:?}\n[fetch]\nallow_hosts = [{}]\n\
         requests_per_second = {}\nmax_retries = 0\n[crawl]\ntick_secs = 1\nlease_secs = {LEASE_SECS}\n\
         parallel_hosts = 2\npages_per_lease = 3\n",
        dir.join("search"),
        hosts.join(", "),
        1.0 / HOST_INTERVAL.as_secs_f64(),
    );
    let path = dir.join("newsdesk.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

fn subscribe(database: &str, wire: &Newswire) {
    let store = PostgresStore::connect(database).unwrap();
    for outlet in wire.outlets() {
        let source = store.upsert_source(&outlet.name, Some(&outlet.homepage)).unwrap();
        store.add_feed(source.id, &outlet.feed_url).unwrap();
    }
}

fn ready(store: &PostgresStore) -> usize {
    store.ready_article_ids().unwrap().len()
}

fn wait_for(store: &PostgresStore, done: impl Fn(&PostgresStore) -> bool) {
    let started = Instant::now();
    while !done(store) {
        assert!(started.elapsed() < Duration::from_secs(120), "the workers stalled");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every article stored and every stored article in a story.
fn wait_until_done(store: &PostgresStore) {
    wait_for(store, |s| {
        ready(s) >= ARTICLES
            && s.pending_articles(1).unwrap().is_empty()
            && s.ready_article_ids()
                .unwrap()
                .into_iter()
                .all(|id| s.article_story(id).unwrap().is_some())
    });
}

/// Which live worker writes the stories, once one says so.
fn wait_for_leader(workers: &mut [Worker]) -> usize {
    let started = Instant::now();
    loop {
        if let Some(i) = workers.iter().position(Worker::leads) {
            return i;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no worker took the lead");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The stories as sets of article URLs.
fn stories(store: &PostgresStore) -> BTreeSet<BTreeSet<String>> {
    let mut by_story: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for id in store.ready_article_ids().unwrap() {
        let story = store.article_story(id).unwrap().unwrap().story;
        let url = store.article(id).unwrap().unwrap().url;
        by_story.entry(story.0).or_default().insert(url);
    }
    by_story.into_values().collect()
}
