//! The newsdesk website: fast, server-rendered pages over the [`Store`].
//!
//! Pages are maud templates (checked at compile time) rendered from store
//! reads that run on blocking threads, so a slow query never stalls the
//! async runtime. Every failure becomes an error page with a proper status;
//! none takes the server down.

mod error;
mod pages;
pub mod timefmt;

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use newsdesk_store::Store;
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::WebError;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Shown in the header and page titles.
    pub site_name: String,
}

/// Serves the site on `listener` until `shutdown` resolves, letting
/// in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// The whole site as one router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/article/{id}", get(pages::article))
        .route("/sources", get(pages::sources))
        .route("/source/{slug}", get(pages::source))
        .route("/healthz", get(pages::healthz))
        .route("/static/style.css", get(pages::stylesheet))
        .fallback(pages::not_found)
        .with_state(state)
        // No inline script may run, no page may frame us, and no referrer
        // leaks to the publishers we link to.
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(tower_http::compression::CompressionLayer::new())
}

const CSP: &str = "default-src 'self'; img-src 'self' https: http: data:; style-src 'self'; \
    script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn header_layer(name: header::HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
