//! Posts arbitrary bytes as the form body of a new comment, through the
//! real site router (CSRF middleware, session lookup, axum's form decoding,
//! the handler's checks, the SQLite store) exactly as a signed-in reader's
//! browser would, with a valid CSRF field in front. Whatever a reader
//! sends, the answer must be a refusal or a redirect to the new comment,
//! never a server error (5xx) or a panic.
//!
//! Set up once per process: a store in a temporary directory with one
//! article, a reader registered through `/register`, and the CSRF token read
//! from a page served to that session (never computed, so the harness keeps
//! working however tokens are made). The comment rate limits live in the
//! router's state, so when they trip the router is rebuilt over the same
//! store and the token read again.
#![no_main]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use chrono::{Duration, Utc};
use libfuzzer_sys::fuzz_target;
use newsdesk_domain::{Extracted, FeedEntry};
use newsdesk_search::SearchIndex;
use newsdesk_store::{PollSuccess, Queued, SqliteStore, Store};
use newsdesk_web::{AppState, BoxFuture, FeedAdmin};
use tower::ServiceExt;

const FORM: &str = "application/x-www-form-urlencoded";

struct Site {
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    search: Arc<SearchIndex>,
    article: i64,
    router: Router,
    cookies: BTreeMap<String, String>,
    csrf: String,
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl Site {
    fn new() -> Site {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("newsdesk.db")).unwrap());
        let search = Arc::new(SearchIndex::open_in_ram().unwrap());
        let article = seed(&store);
        let router = router(&store, &search);
        let mut site = Site {
            runtime,
            _dir: dir,
            store,
            search,
            article,
            router,
            cookies: BTreeMap::new(),
            csrf: String::new(),
        };
        let form = site.call(Method::GET, "/register", None);
        let csrf = csrf_of(&form.body);
        let answer = site.call(
            Method::POST,
            "/register",
            Some(format!("csrf={csrf}&username=fuzzer&password=correct+horse+battery").into_bytes()),
        );
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "registration: {}", answer.body);
        site.read_csrf();
        site
    }

    /// Reads the token the site puts in this session's forms.
    fn read_csrf(&mut self) {
        let page = self.call(Method::GET, "/", None);
        assert!(page.body.contains("Log out"), "not signed in: {}", page.body);
        self.csrf = csrf_of(&page.body);
    }

    /// Fresh rate limits: the same store and session behind a new router.
    fn rebuild(&mut self) {
        self.router = router(&self.store, &self.search);
        self.read_csrf();
    }

    fn call(&mut self, method: Method, path: &str, form: Option<Vec<u8>>) -> Answer {
        let cookies: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut request = Request::builder().method(method).uri(path);
        if !cookies.is_empty() {
            request = request.header(header::COOKIE, cookies.join("; "));
        }
        let request = match form {
            Some(body) => request.header(header::CONTENT_TYPE, FORM).body(Body::from(body)),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let router = self.router.clone();
        let (parts, body) = self.runtime.block_on(async move {
            let response = router.oneshot(request).await.unwrap();
            let (parts, body) = response.into_parts();
            (parts, axum::body::to_bytes(body, usize::MAX).await.unwrap())
        });
        for set in parts.headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        Answer {
            status: parts.status,
            location: parts
                .headers
                .get(header::LOCATION)
                .map(|l| l.to_str().unwrap().to_string()),
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    fn post_comment(&mut self, data: &[u8]) -> Answer {
        let mut form = format!("csrf={}&", self.csrf).into_bytes();
        form.extend_from_slice(data);
        let path = format!("/article/{}/comments", self.article);
        self.call(Method::POST, &path, Some(form))
    }
}

/// The CSRF token embedded in a page's forms.
fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no CSRF field in {page}"));
    page[at + 19..].split('"').next().unwrap().to_string()
}

fn router(store: &Arc<SqliteStore>, search: &Arc<SearchIndex>) -> Router {
    newsdesk_web::router(AppState::new(
        store.clone(),
        store.clone(),
        Arc::new(NoAdmin),
        search.clone(),
        "newsdesk".into(),
        false,
    ))
}

/// One source, one feed, one fetched article to comment on.
fn seed(db: &SqliteStore) -> i64 {
    let now = Utc::now();
    let source = db
        .upsert_source("Harbour Gazette", Some("https://gazette.example/"))
        .unwrap();
    let feed = db.add_feed(source.id, "https://gazette.example/feed.xml").unwrap();
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
        title: Some("Harbour reopens".into()),
        summary: None,
        author: None,
        published: Some(now - Duration::hours(1)),
    };
    let [Queued::New(article)] = db.record_poll(feed.id, &poll, &[entry]).unwrap()[..] else {
        panic!("the entry was not queued as new");
    };
    let page = Extracted {
        title: Some("Harbour reopens".into()),
        text: "The harbour reopened on Monday.".into(),
        html: "<p>The harbour reopened on Monday.</p>".into(),
        ..Extracted::default()
    };
    db.complete_article(article, url, &page).unwrap();
    article.0
}

struct NoAdmin;

impl FeedAdmin for NoAdmin {
    fn add_feed(&self, _: String, _: Option<String>) -> BoxFuture<Result<String, String>> {
        Box::pin(async { Err("not in this harness".into()) })
    }
    fn import_opml(&self, _: String) -> BoxFuture<Result<usize, String>> {
        Box::pin(async { Err("not in this harness".into()) })
    }
    fn export_opml(&self) -> BoxFuture<Result<String, String>> {
        Box::pin(async { Err("not in this harness".into()) })
    }
}

fn site() -> &'static Mutex<Site> {
    static SITE: OnceLock<Mutex<Site>> = OnceLock::new();
    SITE.get_or_init(|| Mutex::new(Site::new()))
}

fuzz_target!(|data: &[u8]| {
    let mut site = site().lock().unwrap_or_else(|p| p.into_inner());
    let mut answer = site.post_comment(data);
    if answer.status == StatusCode::TOO_MANY_REQUESTS {
        site.rebuild();
        answer = site.post_comment(data);
        assert_ne!(answer.status, StatusCode::TOO_MANY_REQUESTS, "fresh limits");
    }
    assert!(
        !answer.status.is_server_error(),
        "{} for {:?}: {}",
        answer.status,
        String::from_utf8_lossy(data),
        answer.body
    );
    if answer.status.is_redirection() {
        let to = answer.location.unwrap_or_default();
        let expected = format!("/article/{}#comment-", site.article);
        assert!(to.starts_with(&expected), "redirected to {to:?}");
    } else {
        assert!(answer.status.is_client_error(), "{}: {}", answer.status, answer.body);
    }
});
