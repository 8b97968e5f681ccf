//! Cache headers and ETags for public pages.
//!
//! Anonymous GETs of HTML and feeds get an ETag (a hash of the body) and a
//! short public max-age; a matching `If-None-Match` gets 304 with no body.
//! Responses for signed-in readers carry their name and forms, so they are
//! marked private and never cached by shared caches.

use std::hash::{DefaultHasher, Hash, Hasher};

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::session::SESSION_COOKIE;

/// Pages larger than this are sent without an ETag rather than buffered.
const MAX_BUFFERED: usize = 4 * 1024 * 1024;

pub async fn etag(req: Request, next: Next) -> Response {
    let signed_in = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|c| c.contains(&format!("{SESSION_COOKIE}="))));
    let cacheable = req.method() == Method::GET && !signed_in;
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
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
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    let tag = format!("\"{:016x}\"", hasher.finish());
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    if let Ok(value) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, value);
    }
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
