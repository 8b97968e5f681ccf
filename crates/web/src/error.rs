//! Errors become pages with a status code, never a crash.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub enum WebError {
    NotFound,
    /// Storage failed (the DB is locked, a query broke): logged, shown as 503.
    Unavailable(String),
}

impl From<newsdesk_store::StoreError> for WebError {
    fn from(e: newsdesk_store::StoreError) -> Self {
        WebError::Unavailable(e.to_string())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            WebError::NotFound => (StatusCode::NOT_FOUND, "We could not find that page."),
            WebError::Unavailable(detail) => {
                tracing::error!(%detail, "page failed");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Something went wrong on our side. Please try again in a moment.",
                )
            }
        };
        let body = crate::pages::layout::page(
            status.canonical_reason().unwrap_or("Error"),
            crate::pages::layout::message(message),
        );
        (status, body).into_response()
    }
}
