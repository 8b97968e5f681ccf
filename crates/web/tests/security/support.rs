//! A seeded SQLite store served on a loopback port, and a reader's client.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use chrono::{Duration, Utc};
use newsdesk_domain::{ArticleId, Extracted, FeedEntry};
use newsdesk_search::SearchIndex;
use newsdesk_store::{PollSuccess, Queued, SqliteStore, Store};
use newsdesk_web::{AppState, BoxFuture, FeedAdmin, ImageProxy, ServerConfig};
use reqwest::cookie::Jar;
use reqwest::redirect::Policy;
use reqwest::Client;

pub const PASSWORD: &str = "correct horse battery";
/// A feed subscribed with credentials and a private token in its address.
pub const PRIVATE_FEED: &str = "http://reader:hunter22@gazette.example/feed.xml?token=s3cret-token";
/// The poll error recorded for it, which only admins may read.
pub const FEED_ERROR: &str = "HTTP 401 from the private mirror at 10.9.8.7";

pub struct Site {
    /// "http://127.0.0.1:PORT"
    pub base: String,
    pub addr: SocketAddr,
    pub db: Arc<SqliteStore>,
    pub article: ArticleId,
    pub source_slug: String,
    _dir: tempfile::TempDir,
}

/// Serves a freshly seeded site with `server` settings.
pub async fn site(server: ServerConfig) -> Site {
    serve(|state| state.with_server(server)).await
}

/// Serves a freshly seeded site relaying images through `proxy`.
pub async fn site_with_images(proxy: ImageProxy) -> Site {
    serve(|state| state.with_images(proxy)).await
}

async fn serve(configure: impl FnOnce(AppState) -> AppState) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(SqliteStore::open(&dir.path().join("newsdesk.db")).unwrap());
    let (article, source_slug) = seed(&db);
    let search = Arc::new(SearchIndex::open_in_ram().unwrap());
    let state = configure(AppState::new(
        db.clone(),
        db.clone(),
        Arc::new(NoAdmin),
        search,
        "newsdesk".into(),
        false,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(newsdesk_web::serve(listener, state, std::future::pending()));
    Site {
        base: format!("http://{addr}"),
        addr,
        db,
        article,
        source_slug,
        _dir: dir,
    }
}

/// One source with a private feed that is failing, and one article whose
/// publisher put a control character in its headline.
fn seed(db: &SqliteStore) -> (ArticleId, String) {
    let now = Utc::now();
    let source = db
        .upsert_source("Harbour Gazette", Some("https://gazette.example/"))
        .unwrap();
    let feed = db.add_feed(source.id, PRIVATE_FEED).unwrap();
    let url = "https://gazette.example/2025/harbour-reopens";
    let poll = PollSuccess {
        checked_at: now,
        next_check_at: now + Duration::hours(1),
        interval_secs: 3600,
        etag: None,
        last_modified: None,
        title: None,
    };
    let entry = FeedEntry {
        guid: url.into(),
        url: url.into(),
        title: Some("Harbour\u{1} reopens".into()),
        summary: None,
        author: None,
        published: Some(now - Duration::hours(1)),
        category: None,
    };
    let [Queued::New(article)] = db.record_poll(feed.id, &poll, &[entry]).unwrap()[..] else {
        panic!("the entry was not queued as new");
    };
    let page = Extracted {
        title: Some("Harbour\u{1} reopens".into()),
        text: "The harbour reopened on Monday.".into(),
        html: "<p>The harbour reopened on Monday.</p>".into(),
        ..Extracted::default()
    };
    db.complete_article(article, url, &page).unwrap();
    db.record_feed_error(feed.id, FEED_ERROR, now, now + Duration::hours(1))
        .unwrap();
    (article, source.slug)
}

struct NoAdmin;

impl FeedAdmin for NoAdmin {
    fn add_feed(&self, _url: String, _source: Option<String>) -> BoxFuture<Result<String, String>> {
        Box::pin(async { Err("not in these tests".into()) })
    }
    fn import_opml(&self, _xml: String) -> BoxFuture<Result<usize, String>> {
        Box::pin(async { Err("not in these tests".into()) })
    }
    fn export_opml(&self) -> BoxFuture<Result<String, String>> {
        Box::pin(async { Err("not in these tests".into()) })
    }
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub fn browser() -> Client {
    browser_from("127.0.0.1".parse().unwrap())
}

/// A browser on another loopback address (127.0.0.0/8 is all ours).
pub fn browser_from(ip: IpAddr) -> Client {
    browser_with_jar(ip).0
}

/// A browser and its cookie jar, so a test can plant cookies as another
/// page on the same host could.
pub fn browser_with_jar(ip: IpAddr) -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = Client::builder()
        .cookie_provider(jar.clone())
        .redirect(Policy::none())
        .local_address(ip)
        .build()
        .unwrap();
    (client, jar)
}

/// The CSRF token embedded in a page's forms.
pub fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("page has a form with a CSRF field");
    page[at + 19..].split('"').next().unwrap().to_string()
}

pub async fn get(client: &Client, url: &str) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

pub async fn post(client: &Client, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(url).form(form).send().await.unwrap()
}

/// Registers `name` through the form; returns the session's form token.
pub async fn register(client: &Client, site: &Site, name: &str) -> String {
    let (_, form) = get(client, &format!("{}/register", site.base)).await;
    let csrf = csrf_of(&form);
    let resp = post(
        client,
        &format!("{}/register", site.base),
        &[("csrf", &csrf), ("username", name), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(resp.status(), 303, "registration redirects home");
    csrf_of(&get(client, &format!("{}/", site.base)).await.1)
}
