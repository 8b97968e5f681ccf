//! The newsdesk website: fast, server-rendered pages over the store.
//!
//! Pages are maud templates (checked at compile time) rendered from store
//! reads that run on blocking threads, so a slow query never stalls the
//! async runtime. Every failure becomes an error page with a proper status;
//! none takes the server down. Forms work without JavaScript and carry a
//! CSRF token checked before any handler runs.
//!
//! [`router`] (or [`serve`]) takes an [`AppState`]; adding and importing
//! feeds is left to a [`FeedAdmin`] that the caller supplies.

#![warn(missing_docs)]

mod admin;
mod api;
mod atom;
mod caching;
mod client;
mod error;
mod greader;
mod image_cache;
mod images;
mod limits;
mod llm_cache;
mod metrics;
mod pages;
mod password;
mod personal;
mod server;
mod session;
mod timefmt;

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use newsdesk_llm::LlmClient;
use newsdesk_search::Search;
use newsdesk_store::{Community, Database, Reading, Store};
use tower_http::set_header::SetResponseHeaderLayer;

pub use admin::{BoxFuture, FeedAdmin};
pub use api::endpoints as api_endpoints;
pub use caching::PAGE_TTL;
use client::ClientIp;
use error::WebError;
pub use images::{ImageProxy, ImageSource};
use limits::RateLimits;
pub use pages::account::create_account;
use password::HashGate;
pub use server::{ServerConfig, Timeouts};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    community: Arc<dyn Community>,
    reading: Arc<dyn Reading>,
    admin: Arc<dyn FeedAdmin>,
    search: Arc<dyn Search>,
    /// Shown in the header and page titles.
    site_name: String,
    /// Mark cookies Secure: set when the site is served over https.
    secure_cookies: bool,
    /// Phrases "ask the article" answers when an endpoint is configured.
    llm: Option<Arc<LlmClient>>,
    limits: Arc<RateLimits>,
    /// Argon2 runs a few at a time, whatever the number of clients.
    hashing: Arc<HashGate>,
    server: Arc<ServerConfig>,
    /// Relays publishers' images; without it pages show none.
    images: Option<Arc<ImageProxy>>,
    /// Followed searches' recent hits, shared by every reader's "For you".
    search_hits: Arc<personal::SearchCache>,
    /// Store calls running at once, as many as the store can serve
    /// (`Store::parallel_calls`); the rest wait their turn, in order, as
    /// cheap tasks rather than as blocked threads.
    store_slots: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// State for a site named `site_name`, reading articles from `store` and
    /// readers' accounts and lists from `db`; `secure_cookies` when it is
    /// served over https. Answers are not phrased by an LLM until
    /// [`AppState::with_llm`].
    pub fn new(
        store: Arc<dyn Store>,
        db: Arc<dyn Database>,
        admin: Arc<dyn FeedAdmin>,
        search: Arc<dyn Search>,
        site_name: String,
        secure_cookies: bool,
    ) -> AppState {
        AppState {
            community: db.clone(),
            reading: db,
            admin,
            search,
            site_name,
            secure_cookies,
            llm: None,
            limits: Arc::default(),
            hashing: Arc::default(),
            server: Arc::default(),
            images: None,
            search_hits: Arc::default(),
            store_slots: Arc::new(tokio::sync::Semaphore::new(store.parallel_calls().max(1))),
            store,
        }
    }

    /// Waits for a turn to run a store call.
    pub(crate) async fn store_slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, WebError> {
        self.store_slots
            .acquire()
            .await
            .map_err(|_| WebError::Unavailable("the store is shutting down".into()))
    }

    /// Applies what the operator configured for exposing the site.
    pub fn with_server(self, server: ServerConfig) -> AppState {
        let https = server.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
        AppState {
            secure_cookies: self.secure_cookies || https,
            server: Arc::new(server),
            ..self
        }
    }

    /// Shows publishers' images, relayed through `proxy`.
    pub fn with_images(self, proxy: ImageProxy) -> AppState {
        AppState {
            images: Some(Arc::new(proxy)),
            ..self
        }
    }

    /// Lets an LLM phrase answers to questions about an article.
    pub fn with_llm(self, llm: LlmClient) -> AppState {
        AppState {
            llm: Some(Arc::new(llm)),
            ..self
        }
    }
}

/// Serves the site on `listener` until `shutdown` resolves, letting
/// in-flight requests finish. Slow clients are cut off by the state's
/// [`Timeouts`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let timeouts = state.server.timeouts;
    server::serve(listener, router(state), timeouts, shutdown).await
}

/// Installs the process-wide metrics recorder that `/metrics` renders.
/// Call it before the crawler starts, so its first fetches are counted.
pub fn install_metrics() {
    metrics::install();
}

/// The whole site as one router.
pub fn router(state: AppState) -> Router {
    metrics::install();
    let body_timeout = state.server.timeouts.body;
    let site = Router::new()
        .route("/", get(pages::home))
        .route("/article/{id}", get(pages::article))
        .route("/article/{id}/comments", post(pages::comments::post))
        .route("/story/{id}", get(pages::stories::page))
        .route("/entity/{slug}", get(pages::ai::entity))
        .route("/comments/{id}/edit", post(pages::comments::edit))
        .route("/comments/{id}/delete", post(pages::comments::delete))
        .route("/comments/{id}/report", post(pages::comments::report))
        .route("/comments/{id}/hide", post(pages::comments::hide))
        .route("/search", get(pages::search::page))
        .route("/sources", get(pages::sources))
        .route("/source/{slug}", get(pages::source))
        .route("/section/{slug}", get(pages::section))
        .route("/login", get(pages::account::login_form).post(pages::account::login))
        .route(
            "/register",
            get(pages::account::register_form).post(pages::account::register),
        )
        .route("/logout", post(pages::account::logout))
        .route("/me/comments", get(pages::account::my_comments))
        .route("/me/account", get(pages::reader::account))
        .route("/me/following", get(pages::reader::following))
        .route("/me/interests", post(pages::reader::set_interest))
        .route("/me/saved", get(pages::reader::saved))
        .route("/me/saved.json", get(pages::reader::saved_json))
        .route("/me/saved.html", get(pages::reader::saved_bookmarks))
        .route("/me/app-passwords", post(pages::reader::create_app_password))
        .route(
            "/me/app-passwords/{id}/delete",
            post(pages::reader::delete_app_password),
        )
        .route("/me/delete", post(pages::reader::delete_account))
        .route("/for-you", get(pages::reader::for_you))
        .route("/article/{id}/save", post(pages::reader::save))
        .route("/article/{id}/read", post(pages::reader::mark_read))
        .route("/moderation", get(pages::moderation::queue))
        .route("/admin/feeds", get(pages::admin::feeds))
        .route("/admin/feeds/add", post(pages::admin::add))
        .route("/admin/feeds/remove", post(pages::admin::remove))
        .route("/admin/feeds/import", post(pages::admin::import))
        .route("/admin/feeds.opml", get(pages::admin::export))
        .route("/feeds/top.atom", get(atom::top))
        .route("/feeds/latest.atom", get(atom::latest))
        .route("/feeds/entity/{file}", get(atom::entity))
        .route("/feeds/source/{file}", get(atom::source))
        .route("/feeds/section/{file}", get(atom::section))
        .route("/feeds/for-you/{file}", get(pages::reader::for_you_feed))
        .route("/feeds/search.atom", get(atom::search))
        .route("/healthz", get(pages::healthz))
        .route("/metrics", get(metrics::render))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/img/{sig}", get(images::serve))
        .nest("/api", api::routes())
        .fallback(pages::not_found)
        .route_layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::verify_csrf,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(caching::PageCache::default()),
            caching::etag,
        ));
    // The Reader API authenticates by token, not by cookie: it sits beside
    // the site, outside its form check and its page cache.
    let reading_apps = greader::routes().route_layer(axum::middleware::from_fn(metrics::track));
    site.merge(reading_apps)
        .with_state(state)
        // No inline script may run, no page may frame us, no image comes
        // from elsewhere (publishers' go through /img), and no referrer
        // leaks to the publishers we link to.
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(body_timeout))
}

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
    script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn header_layer(name: header::HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
