//! Errors become pages with a status code, never a crash.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub enum WebError {
    NotFound,
    /// The request is malformed; the message is shown to the reader.
    BadRequest(String),
    /// Not signed in where an account is needed.
    Unauthorized,
    /// Signed in, but not allowed; the message is shown to the reader.
    Forbidden(&'static str),
    /// Too many attempts; the message is shown to the reader.
    TooMany(&'static str),
    /// Storage failed (the DB is locked, a query broke): logged, shown as 503.
    Unavailable(String),
    /// What we relay could not be had from its publisher (502).
    BadGateway,
}

impl From<newsdesk_store::StoreError> for WebError {
    fn from(e: newsdesk_store::StoreError) -> Self {
        match e {
            newsdesk_store::StoreError::NotFound(_) => WebError::NotFound,
            newsdesk_store::StoreError::Invalid(m) | newsdesk_store::StoreError::Conflict(m) => WebError::BadRequest(m),
            newsdesk_store::StoreError::Database(m) | newsdesk_store::StoreError::Interrupted(m) => {
                WebError::Unavailable(m)
            }
        }
    }
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::BadGateway => StatusCode::BAD_GATEWAY,
        }
    }

    /// What the reader is told.
    pub fn message(&self) -> String {
        match self {
            WebError::NotFound => "We could not find that page.".into(),
            WebError::BadRequest(m) => m.clone(),
            WebError::Unauthorized => "Please log in first.".into(),
            WebError::Forbidden(m) | WebError::TooMany(m) => m.to_string(),
            WebError::Unavailable(_) => "Something went wrong on our side. Please try again in a moment.".into(),
            WebError::BadGateway => "The publisher did not give us that.".into(),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Unavailable(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let status = self.status();
        let title = status.canonical_reason().unwrap_or("Error");
        let body = crate::pages::layout::bare_page(title, crate::pages::layout::message(&self.message()));
        (status, body).into_response()
    }
}
