//! Cache headers, ETags and a micro-cache for public pages.
//!
//! Anonymous GETs of HTML and feeds get an ETag (a hash of the body) and a
//! short public max-age; a matching `If-None-Match` gets 304 with no body.
//! Responses for signed-in readers carry their name and forms, so they are
//! marked private and never cached by shared caches.
//!
//! Anonymous HTML pages are also kept in memory for [`PAGE_TTL`]: a burst of
//! readers on one story is served from memory instead of re-running its
//! store queries. Pages that carry a CSRF field (login, registration) are
//! never kept by us or anyone else (`private, no-store`), since the token
//! belongs to one visitor.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::session::SESSION_COOKIE;

/// Pages larger than this are sent without an ETag rather than buffered.
const MAX_BUFFERED: usize = 4 * 1024 * 1024;
/// How long an anonymous page is served from memory.
pub const PAGE_TTL: Duration = Duration::from_secs(5);
/// Above this many kept pages, the cache starts over, so memory stays bounded.
const MAX_PAGES: usize = 5_000;

/// Rendered anonymous pages by path and query.
#[derive(Debug, Default)]
pub struct PageCache {
    pages: Mutex<HashMap<String, Kept>>,
}

#[derive(Debug, Clone)]
struct Kept {
    at: Instant,
    content_type: HeaderValue,
    etag: String,
    body: Bytes,
}

impl PageCache {
    fn get(&self, key: &str) -> Option<Kept> {
        let pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        pages.get(key).filter(|k| k.at.elapsed() < PAGE_TTL).cloned()
    }

    fn put(&self, key: String, kept: Kept) {
        let mut pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        if pages.len() >= MAX_PAGES {
            pages.clear();
        }
        pages.insert(key, kept);
    }
}

fn respond(kept: &Kept, if_none_match: Option<&HeaderValue>) -> Response {
    let not_modified = if_none_match.is_some_and(|v| v.as_bytes() == kept.etag.as_bytes());
    let (status, body) = if not_modified {
        (StatusCode::NOT_MODIFIED, Body::empty())
    } else {
        (StatusCode::OK, Body::from(kept.body.clone()))
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, kept.content_type.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    if let Ok(tag) = HeaderValue::from_str(&kept.etag) {
        headers.insert(header::ETAG, tag);
    }
    response
}

pub async fn etag(State(cache): State<std::sync::Arc<PageCache>>, req: Request, next: Next) -> Response {
    let signed_in = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|c| c.contains(&format!("{SESSION_COOKIE}="))));
    let cacheable = req.method() == Method::GET && !signed_in;
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let key = req.uri().to_string();
    if let Some(kept) = cacheable.then(|| cache.get(&key)).flatten() {
        return respond(&kept, if_none_match.as_ref());
    }
    let response = next.run(req).await;
    if response.headers().contains_key(header::CACHE_CONTROL) || response.status() != StatusCode::OK {
        return response;
    }
    if !cacheable {
        return with_header(response, header::CACHE_CONTROL, "private, no-cache");
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BUFFERED).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "response too large to send").into_response();
    };
    if carries_form_token(&bytes) {
        parts
            .headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        return Response::from_parts(parts, Body::from(bytes));
    }
    // A fast non-cryptographic hash: an ETag only has to change with the page.
    let mut hasher = rustc_hash::FxHasher::default();
    bytes.hash(&mut hasher);
    let tag = format!("\"{:016x}\"", hasher.finish());
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    if let Ok(value) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, value);
    }
    keep_if_public_html(&cache, key, &parts, &bytes, &tag);
    if if_none_match.is_some_and(|v| v.as_bytes() == tag.as_bytes()) {
        parts.status = StatusCode::NOT_MODIFIED;
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn with_header(mut response: Response, name: header::HeaderName, value: &'static str) -> Response {
    response.headers_mut().insert(name, HeaderValue::from_static(value));
    response
}

/// Whether a page holds a form with the visitor's own CSRF token.
fn carries_form_token(body: &[u8]) -> bool {
    const TOKEN_FIELD: &[u8] = b"name=\"csrf\"";
    memchr::memmem::find(body, TOKEN_FIELD).is_some()
}

/// Keeps an anonymous HTML page (one without a form token: the caller checked).
fn keep_if_public_html(cache: &PageCache, key: String, parts: &axum::http::response::Parts, body: &Bytes, tag: &str) {
    let Some(content_type) = parts.headers.get(header::CONTENT_TYPE) else {
        return;
    };
    if content_type.to_str().is_ok_and(|t| t.starts_with("text/html")) {
        cache.put(
            key,
            Kept {
                at: Instant::now(),
                content_type: content_type.clone(),
                etag: tag.to_string(),
                body: body.clone(),
            },
        );
    }
}
