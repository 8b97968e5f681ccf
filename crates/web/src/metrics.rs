//! Prometheus metrics at `/metrics`: request counts and latencies per
//! route, plus whatever the rest of the process records through the
//! `metrics` facade (the crawler's fetches, errors and queue depth).
//!
//! Every label comes from a closed set (route patterns, standard methods,
//! status codes), so no client can grow the page without bound. The page
//! is for the operator: loopback clients, or whoever shows the configured
//! bearer token.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use subtle::ConstantTimeEq;

use crate::{AppState, ClientIp};

/// The process-wide recorder, installed on first use. `None` when another
/// recorder was installed first (then that one owns the numbers).
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok().map(|()| handle)
        })
        .as_ref()
}

/// Installs the recorder so that metrics recorded before the first scrape count.
pub fn install() {
    handle();
}

pub async fn track(req: Request, next: Next) -> Response {
    // The route pattern, not the raw path: ids in paths would explode the label set.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_string();
    let method = method_label(req.method());
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("newsdesk_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("newsdesk_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The standard methods by name; anything invented is "other".
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    KNOWN
        .iter()
        .find(|known| *known == method)
        .map_or("other", Method::as_str)
}

pub async fn render(State(state): State<AppState>, client: ClientIp, headers: HeaderMap) -> Response {
    let token = state.server.metrics_token.as_deref();
    if !client.is_loopback() && !bearer_matches(&headers, token) {
        return crate::WebError::NotFound.into_response();
    }
    let body = handle().map(|h| h.render()).unwrap_or_default();
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn bearer_matches(headers: &HeaderMap, token: Option<&str>) -> bool {
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match (sent, token) {
        (Some(sent), Some(token)) => sent.as_bytes().ct_eq(token.as_bytes()).into(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"PROPFIND").unwrap()), "other");
        assert_eq!(method_label(&Method::from_bytes(&[b'X'; 8192]).unwrap()), "other");
    }
}
