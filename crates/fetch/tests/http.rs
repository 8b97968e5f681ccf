//! HTTP behaviour of the fetcher against loopback servers: conditional GET,
//! compression, size caps, timeouts, redirects and retries.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use common::{config, raw_server, serve, Hits};
use newsdesk_fetch::{FetchConfig, FetchError, Fetcher, Validators};
use tokio::io::AsyncWriteExt;

const LAST_MODIFIED: &str = "Tue, 02 Jan 2024 10:00:00 GMT";

fn fetcher(cfg: FetchConfig) -> Fetcher {
    Fetcher::new(cfg).unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[tokio::test]
async fn conditional_get_with_etag_and_last_modified() {
    let hits = Hits::default();
    let h = hits.clone();
    let app = Router::new().route(
        "/feed",
        get(move |headers: HeaderMap| async move {
            h.hit();
            let inm = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
            let ims = headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok());
            if inm == Some("\"v1\"") || (inm.is_none() && ims == Some(LAST_MODIFIED)) {
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, "\"v1\"")]).into_response();
            }
            (
                [
                    (header::ETAG, "\"v1\""),
                    (header::LAST_MODIFIED, LAST_MODIFIED),
                    (header::CONTENT_TYPE, "application/rss+xml; charset=utf-8"),
                ],
                "<rss/>",
            )
                .into_response()
        }),
    );
    let addr = serve(app).await;
    let f = fetcher(config());
    let url = format!("http://{addr}/feed");

    let first = f.get(&url, &Validators::default()).await.unwrap();
    assert_eq!(first.status, 200);
    assert!(!first.not_modified);
    assert_eq!(first.body, b"<rss/>");
    assert_eq!(first.etag.as_deref(), Some("\"v1\""));
    assert_eq!(first.last_modified.as_deref(), Some(LAST_MODIFIED));
    assert_eq!(
        first.content_type.as_deref(),
        Some("application/rss+xml; charset=utf-8")
    );

    let by_etag = f.get(&url, &first.validators()).await.unwrap();
    assert_eq!(by_etag.status, 304);
    assert!(by_etag.not_modified);
    assert!(by_etag.body.is_empty());
    // The server omitted Last-Modified on 304; the one we sent is kept.
    assert_eq!(by_etag.last_modified.as_deref(), Some(LAST_MODIFIED));

    let by_date = Validators {
        etag: None,
        last_modified: Some(LAST_MODIFIED.into()),
    };
    assert!(f.get(&url, &by_date).await.unwrap().not_modified);

    let stale = Validators {
        etag: Some("\"v0\"".into()),
        last_modified: None,
    };
    assert!(!f.get(&url, &stale).await.unwrap().not_modified);

    // Hostile stored validators must not break the request.
    let bad = Validators {
        etag: Some("x\r\nInjected: 1".into()),
        last_modified: Some("\n".into()),
    };
    assert_eq!(f.get(&url, &bad).await.unwrap().status, 200);
    assert_eq!(hits.get(), 5);
}

#[tokio::test]
async fn gzip_body_is_decompressed() {
    let text = "Привет, gzip! ".repeat(200);
    let compressed = gzip(text.as_bytes());
    let app = Router::new().route(
        "/",
        get(move || async move {
            (
                [
                    (header::CONTENT_ENCODING, "gzip"),
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                ],
                compressed,
            )
        }),
    );
    let addr = serve(app).await;
    let resp = fetcher(config())
        .get(&format!("http://{addr}/"), &Validators::default())
        .await
        .unwrap();
    assert_eq!(resp.text(), text);
}

#[tokio::test]
async fn decompressed_size_is_capped() {
    let bomb = gzip(&vec![0u8; 20 * 1024 * 1024]);
    assert!(bomb.len() < 100 * 1024);
    let app = Router::new().route(
        "/",
        get(move || async move { ([(header::CONTENT_ENCODING, "gzip")], bomb) }),
    );
    let addr = serve(app).await;
    let cfg = FetchConfig {
        max_body_bytes: 1024 * 1024,
        ..config()
    };
    let err = fetcher(cfg)
        .get(&format!("http://{addr}/"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { limit: 1048576, .. }), "{err}");
}

#[tokio::test]
async fn declared_content_length_over_cap_is_refused_up_front() {
    // Claims 100 MB, sends 10 bytes, then stalls: only an up-front check
    // can answer before the timeout.
    let addr = raw_server(|mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n0123456789")
            .await;
        tokio::time::sleep(Duration::from_secs(10)).await;
    })
    .await;
    let cfg = FetchConfig {
        max_body_bytes: 1024,
        timeout: Duration::from_secs(8),
        ..config()
    };
    let start = Instant::now();
    let err = fetcher(cfg)
        .get(&format!("http://{addr}/big"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(err.to_string().contains("/big"));
}

#[tokio::test]
async fn chunked_body_without_length_is_capped() {
    let addr = raw_server(|mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await;
        let chunk = vec![b'x'; 64 * 1024];
        for _ in 0..64 {
            let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
            frame.extend_from_slice(&chunk);
            frame.extend_from_slice(b"\r\n");
            if s.write_all(&frame).await.is_err() {
                return;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n").await;
    })
    .await;
    let url = format!("http://{addr}/");
    let small = FetchConfig {
        max_body_bytes: 1024 * 1024,
        ..config()
    };
    let err = fetcher(small).get(&url, &Validators::default()).await.unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");

    // The same stream within the cap is read completely.
    let resp = fetcher(config()).get(&url, &Validators::default()).await.unwrap();
    assert_eq!(resp.body.len(), 64 * 64 * 1024);
}

#[tokio::test]
async fn silent_server_times_out() {
    let addr = raw_server(|s| async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(s);
    })
    .await;
    let cfg = FetchConfig {
        timeout: Duration::from_millis(300),
        max_retries: 0,
        ..config()
    };
    let start = Instant::now();
    let err = fetcher(cfg)
        .get(&format!("http://{addr}/slow"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Timeout { .. }), "{err}");
    assert!(err.is_transient());
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn redirects_followed_loops_and_long_chains_refused() {
    let redirect = |to: &'static str| move || async move { (StatusCode::FOUND, [(header::LOCATION, to)]) };
    let app = Router::new()
        .route("/a", get(redirect("/b")))
        .route("/b", get(redirect("/a")))
        .route("/r1", get(redirect("/r2")))
        .route("/r2", get(redirect("r3#frag")))
        .route("/r3", get(redirect("/final")))
        .route("/final", get(|| async { "landed" }))
        .route("/nowhere", get(|| async { StatusCode::FOUND }))
        .route("/ftp", get(redirect("ftp://example.com/x")));
    let addr = serve(app).await;
    let f = fetcher(config());
    let get = |path: &str| {
        let f = f.clone();
        let url = format!("http://{addr}{path}");
        async move { f.get(&url, &Validators::default()).await }
    };

    let err = get("/a").await.unwrap_err();
    assert!(matches!(err, FetchError::TooManyRedirects { .. }), "{err}");
    assert!(!err.is_transient());

    let ok = get("/r1").await.unwrap();
    assert_eq!(ok.final_url.as_str(), format!("http://{addr}/final"));
    assert_eq!(ok.body, b"landed");

    let short = fetcher(FetchConfig {
        max_redirects: 2,
        ..config()
    });
    let err = short
        .get(&format!("http://{addr}/r1"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooManyRedirects { max: 2, .. }), "{err}");

    assert!(matches!(
        get("/nowhere").await,
        Err(FetchError::Status { status: 302, .. })
    ));
    assert!(matches!(get("/ftp").await, Err(FetchError::InvalidUrl { .. })));
}

#[tokio::test]
async fn retry_after_is_honoured_then_success() {
    let hits = Hits::default();
    let h = hits.clone();
    let app = Router::new().route(
        "/",
        get(move || async move {
            if h.hit() == 1 {
                (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "1")], "busy").into_response()
            } else {
                "ok".into_response()
            }
        }),
    );
    let addr = serve(app).await;
    let start = Instant::now();
    let resp = fetcher(config())
        .get(&format!("http://{addr}/"), &Validators::default())
        .await
        .unwrap();
    assert_eq!(resp.body, b"ok");
    assert_eq!(hits.get(), 2);
    // backoff_base is 10 ms, so only Retry-After explains a 1 s wait.
    assert!(start.elapsed() >= Duration::from_millis(950), "{:?}", start.elapsed());
    assert!(resp.elapsed >= Duration::from_millis(950));
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let hits = Hits::default();
    let h = hits.clone();
    let app = Router::new().route(
        "/gone",
        get(move || async move {
            h.hit();
            StatusCode::NOT_FOUND
        }),
    );
    let addr = serve(app).await;
    let err = fetcher(config())
        .get(&format!("http://{addr}/gone"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Status { status: 404, .. }), "{err}");
    assert!(!err.is_transient());
    assert_eq!(hits.get(), 1);
    assert_eq!(err.to_string(), format!("HTTP 404 from http://{addr}/gone"));
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let hits = Hits::default();
    let h = hits.clone();
    let app = Router::new().route(
        "/",
        get(move || async move {
            h.hit();
            StatusCode::INTERNAL_SERVER_ERROR
        }),
    );
    let addr = serve(app).await;
    let cfg = FetchConfig {
        max_retries: 2,
        ..config()
    };
    let err = fetcher(cfg)
        .get(&format!("http://{addr}/"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Status { status: 500, .. }), "{err}");
    assert!(err.is_transient());
    assert_eq!(hits.get(), 3);
}

#[tokio::test]
async fn connection_refused_is_a_transient_network_error() {
    // Bind then drop to get a port nobody listens on.
    let port = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let cfg = FetchConfig {
        max_retries: 1,
        ..config()
    };
    let err = fetcher(cfg)
        .get(&format!("http://127.0.0.1:{port}/"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Network { .. }), "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn invalid_urls_are_rejected() {
    let f = fetcher(config());
    for bad in ["", "not a url", "ftp://127.0.0.1/", "file:///etc/passwd", "http://"] {
        let err = f.get(bad, &Validators::default()).await.unwrap_err();
        assert!(matches!(err, FetchError::InvalidUrl { .. }), "{bad}: {err}");
    }
}
