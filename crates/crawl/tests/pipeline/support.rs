//! Shared set-up for the pipeline tests: a real database (a SQLite file,
//! or with `NEWSDESK_TEST_BACKEND=postgres` a fresh database on the
//! PostgreSQL server named by `NEWSDESK_TEST_POSTGRES`), a crawler whose
//! SSRF guard lets only the newswire's loopback hosts through, and the
//! website on a loopback port.
use std::sync::Arc;
use std::time::Duration;

use newsdesk_crawl::{Crawler, Subscriptions};
use newsdesk_fetch::{FetchConfig, Fetcher};
use newsdesk_newswire::Newswire;
use newsdesk_postgres::testing::TestDatabase;
use newsdesk_postgres::{PgError, Postgres};
use newsdesk_search::{PgSearch, Search, SearchIndex};
use newsdesk_store::{Database, Store};
use reqwest::redirect::Policy;
use reqwest::Client;

pub struct Harness {
    /// The crawler indexes into it and the site searches it.
    pub search: Arc<dyn Search>,
    pub db: Arc<dyn Database>,
    /// Keeps the test's files (and a SQLite database) alive for the test.
    pub dir: tempfile::TempDir,
    /// The database: a SQLite file's path or a PostgreSQL URL.
    pub database: String,
    /// Keeps a PostgreSQL test database alive for the test.
    _postgres: Option<TestDatabase>,
    /// The fetcher's settings: the newswire's hosts allowed, quick retries.
    pub fetch: FetchConfig,
    pub store: Arc<dyn Store>,
    /// Eight hosts at once, indexing into `search`.
    pub crawler: Crawler,
}

/// Tests crawl at 20 requests/s per host: the spacing logic is the same as
/// production's 1/s, and the suite stays quick.
pub fn harness(wire: &Newswire) -> Harness {
    newsdesk_web::install_metrics();
    let dir = tempfile::tempdir().unwrap();
    let postgres = on_postgres().then(|| {
        TestDatabase::create("pipeline").expect("NEWSDESK_TEST_BACKEND=postgres needs NEWSDESK_TEST_POSTGRES")
    });
    let database = match &postgres {
        Some(db) => db.url().to_owned(),
        None => dir.path().join("newsdesk.db").to_string_lossy().into_owned(),
    };
    let fetch = FetchConfig {
        allow_hosts: wire.hosts(),
        per_host_interval: Duration::from_millis(50),
        timeout: Duration::from_secs(3),
        max_retries: 1,
        backoff_base: Duration::from_millis(50),
        ..FetchConfig::default()
    };
    let db = newsdesk_store::open(&database).unwrap();
    let store: Arc<dyn Store> = db.clone();
    let search = index_on(&database);
    let crawler = crawler_of(&store, &fetch, PARALLEL_HOSTS).search(search.clone());
    Harness {
        search,
        db,
        dir,
        database,
        _postgres: postgres,
        fetch,
        store,
        crawler,
    }
}

/// A search index of the backend under test: PostgreSQL full-text search
/// in the test's database, else tantivy in memory.
fn index_on(database: &str) -> Arc<dyn Search> {
    if on_postgres() {
        Arc::new(PgSearch::connect(database, 2).unwrap())
    } else {
        Arc::new(SearchIndex::open_in_ram().unwrap())
    }
}

/// Whether this run tests the PostgreSQL backend.
pub fn on_postgres() -> bool {
    std::env::var("NEWSDESK_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

impl Harness {
    /// A fresh crawler over this store, without search: `hosts` at once.
    /// One host at a time makes page order, and so story clustering,
    /// the same in every run.
    pub fn crawler(&self, hosts: usize) -> Crawler {
        crawler_of(&self.store, &self.fetch, hosts)
    }

    /// Another index of the backend under test (with PostgreSQL, the same
    /// table as `search`, which a test using this one leaves unused).
    pub fn fresh_index(&self) -> Arc<dyn Search> {
        index_on(&self.database)
    }

    /// Runs SQL statements on the database behind the store's back.
    pub fn sql(&self, statements: &str) {
        if on_postgres() {
            let pg = Postgres::connect(&self.database, 1).unwrap();
            pg.read(async |c| {
                c.batch_execute(statements)
                    .await
                    .map_err(|e| PgError::query("test SQL", e))
            })
            .unwrap();
        } else {
            rusqlite::Connection::open(&self.database)
                .unwrap()
                .execute_batch(statements)
                .unwrap();
        }
    }

    /// The rows in `table`, counted behind the store's back.
    pub fn count_rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {table}");
        if on_postgres() {
            let pg = Postgres::connect(&self.database, 1).unwrap();
            pg.read(async |c| {
                let row = c
                    .query_one(&sql, &[])
                    .await
                    .map_err(|e| PgError::query("test count", e))?;
                Ok::<i64, PgError>(row.get(0))
            })
            .unwrap()
        } else {
            let conn = rusqlite::Connection::open(&self.database).unwrap();
            conn.query_row(&sql, [], |r| r.get(0)).unwrap()
        }
    }

    /// Feed management as the admin page gets it.
    pub fn subscriptions(&self) -> Subscriptions {
        Subscriptions::new(self.store.clone(), Fetcher::new(self.fetch.clone()).unwrap())
    }
}

/// Hosts the tests crawl at once: every newswire host, as `serve` would.
/// Stories must not depend on the order pages arrive in, so no test crawls
/// one host at a time to make it reproducible.
pub const PARALLEL_HOSTS: usize = 8;

/// How long the tests' crawlers lease a host: short, so a test that kills
/// one need not wait long for another to take its hosts over.
pub const LEASE: Duration = Duration::from_secs(2);

pub fn crawler_of(store: &Arc<dyn Store>, fetch: &FetchConfig, hosts: usize) -> Crawler {
    Crawler::new(store.clone(), Fetcher::new(fetch.clone()).unwrap())
        .parallel_hosts(hosts)
        .lease(LEASE)
}

pub fn subscribe_outlets(store: &Arc<dyn Store>, wire: &Newswire) {
    for outlet in wire.outlets() {
        let source = store.upsert_source(&outlet.name, Some(&outlet.homepage)).unwrap();
        store.add_feed(source.id, &outlet.feed_url).unwrap();
    }
}

/// Serves the site on a loopback port; returns its base URL.
pub async fn serve_site(h: &Harness) -> String {
    serve_site_with(h, None).await
}

/// Serves the site, with an LLM phrasing answers when given one.
pub async fn serve_site_with(h: &Harness, llm: Option<newsdesk_llm::LlmClient>) -> String {
    serve_database(h, h.db.clone(), llm).await
}

/// Serves the site over `db` (with `h`'s index and files), as a process
/// configured with that database would.
pub async fn serve_database(h: &Harness, db: Arc<dyn Database>, llm: Option<newsdesk_llm::LlmClient>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let images = newsdesk_web::ImageProxy::new(
        Arc::new(newsdesk_crawl::Images::new(&h.fetch).unwrap()),
        b"pipeline test key",
        h.dir.path().join("images"),
        16 << 20,
    )
    .unwrap();
    let store: Arc<dyn Store> = db.clone();
    let admin = Subscriptions::new(store.clone(), Fetcher::new(h.fetch.clone()).unwrap());
    let mut state = newsdesk_web::AppState::new(store, db, Arc::new(admin), h.search.clone(), "newsdesk".into(), false)
        .with_images(images);
    if let Some(llm) = llm {
        state = state.with_llm(llm);
    }
    tokio::spawn(newsdesk_web::serve(listener, state, std::future::pending()));
    format!("http://{addr}")
}

/// The newswire crawled once (hosts in parallel, as `serve` crawls) and
/// the site serving it.
pub async fn crawled_site(wire: &Newswire) -> (Harness, String) {
    let h = harness(wire);
    subscribe_outlets(&h.store, wire);
    h.crawler.run_pass().await.unwrap();
    let site = serve_site(&h).await;
    (h, site)
}

pub async fn get_text(url: &str) -> (u16, String) {
    let resp = reqwest::get(url).await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Every listed article's id by its URL.
pub fn ids_by_url(store: &Arc<dyn Store>) -> std::collections::HashMap<String, newsdesk_domain::ArticleId> {
    store
        .latest(1000, 0)
        .unwrap()
        .into_iter()
        .map(|c| (c.url, c.id))
        .collect()
}

/// The password every test reader signs up with.
pub const PASSWORD: &str = "correct horse battery";

/// A reader's browser: cookies kept, redirects shown rather than followed.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token embedded in a page's forms.
pub fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("page has a form with a CSRF field");
    page[at + 19..].split('"').next().unwrap().to_string()
}

pub async fn page(client: &Client, url: &str) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

pub async fn post(client: &Client, url: &str, form: &[(&str, &str)]) -> (u16, String) {
    let resp = client.post(url).form(form).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Registers `name` and returns the CSRF token for later forms.
pub async fn sign_up(client: &Client, site: &str, name: &str) -> String {
    signed_in(client, site, "/register", name).await
}

/// Logs `name` in and returns the CSRF token for later forms.
pub async fn log_in(client: &Client, site: &str, name: &str) -> String {
    signed_in(client, site, "/login", name).await
}

/// Sends the credentials form at `path`; the session's forms then carry
/// a new token, bound to it.
async fn signed_in(client: &Client, site: &str, path: &str, name: &str) -> String {
    let (_, form) = page(client, &format!("{site}{path}")).await;
    let csrf = csrf_of(&form);
    let (status, _) = post(
        client,
        &format!("{site}{path}"),
        &[("csrf", &csrf), ("username", name), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(status, 303, "{path} redirects");
    let session_csrf = csrf_of(&page(client, &format!("{site}/")).await.1);
    assert_ne!(session_csrf, csrf, "a session gets its own form token");
    session_csrf
}
