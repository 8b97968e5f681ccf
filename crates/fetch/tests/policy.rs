//! Fetch policy against loopback servers: robots.txt, per-host rate limits
//! and the SSRF guard.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use common::{config, serve, Hits};
use newsdesk_fetch::{FetchConfig, FetchError, Fetcher, Validators};

fn fetcher(cfg: FetchConfig) -> Fetcher {
    Fetcher::new(cfg).unwrap()
}

/// A server whose robots.txt is `robots` (status, body) and which records
/// the time of every non-robots request.
async fn site(robots: (StatusCode, &'static str)) -> (String, Hits, Arc<Mutex<Vec<Instant>>>) {
    let robots_hits = Hits::default();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (rh, s) = (robots_hits.clone(), seen.clone());
    let app = Router::new()
        .route(
            "/robots.txt",
            get(move || async move {
                rh.hit();
                robots
            }),
        )
        .fallback(move || async move {
            s.lock().unwrap().push(Instant::now());
            "page"
        });
    let addr = serve(app).await;
    (format!("http://{addr}"), robots_hits, seen)
}

#[tokio::test]
async fn robots_disallowed_path_refused_allowed_path_fetched() {
    let robots = "User-agent: *\nDisallow: /private\n\nUser-agent: otherbot\nDisallow: /\n";
    let (base, robots_hits, seen) = site((StatusCode::OK, robots)).await;
    let f = fetcher(FetchConfig {
        obey_robots: true,
        ..config()
    });
    let err = f
        .get(&format!("{base}/private/story"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::RobotsDisallowed { .. }), "{err}");
    assert!(err.to_string().contains("/private/story"));
    assert!(seen.lock().unwrap().is_empty(), "disallowed page was requested");

    let ok = f.get(&format!("{base}/public"), &Validators::default()).await.unwrap();
    assert_eq!(ok.body, b"page");
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(robots_hits.get(), 1, "robots.txt is cached per origin");
}

#[tokio::test]
async fn missing_robots_allows_and_failing_robots_defers() {
    let (base, _, seen) = site((StatusCode::NOT_FOUND, "")).await;
    let f = fetcher(FetchConfig {
        obey_robots: true,
        ..config()
    });
    assert!(f.get(&format!("{base}/x"), &Validators::default()).await.is_ok());

    let (base, robots_hits, seen_down) = site((StatusCode::SERVICE_UNAVAILABLE, "")).await;
    let f = fetcher(FetchConfig {
        obey_robots: true,
        max_retries: 0,
        ..config()
    });
    let err = f.get(&format!("{base}/x"), &Validators::default()).await.unwrap_err();
    assert!(matches!(err, FetchError::RobotsUnavailable { .. }), "{err}");
    assert!(err.is_transient());
    assert!(seen_down.lock().unwrap().is_empty());
    assert_eq!(robots_hits.get(), 1);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn crawl_delay_raises_host_interval() {
    let (base, _, seen) = site((StatusCode::OK, "User-agent: *\nCrawl-delay: 1\n")).await;
    let f = fetcher(FetchConfig {
        obey_robots: true,
        ..config()
    });
    for page in ["/one", "/two"] {
        f.get(&format!("{base}{page}"), &Validators::default()).await.unwrap();
    }
    let seen = seen.lock().unwrap();
    let gap = seen[1] - seen[0];
    assert!(gap >= Duration::from_millis(950), "gap {gap:?}");
}

#[tokio::test]
async fn same_host_requests_are_spaced() {
    let (base, _, seen) = site((StatusCode::OK, "")).await;
    let f = fetcher(FetchConfig {
        per_host_interval: Duration::from_millis(200),
        ..config()
    });
    let (url_a, url_b, none) = (format!("{base}/a"), format!("{base}/b"), Validators::default());
    let (a, b) = tokio::join!(f.get(&url_a, &none), f.get(&url_b, &none));
    a.unwrap();
    b.unwrap();
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    let gap = seen[1] - seen[0];
    assert!(gap >= Duration::from_millis(180), "gap {gap:?}");
}

/// A loopback server that counts every request it receives.
async fn counting_server() -> (u16, Hits) {
    let hits = Hits::default();
    let h = hits.clone();
    let app = Router::new().fallback(move || async move {
        h.hit();
        "secret"
    });
    (serve(app).await.port(), hits)
}

#[tokio::test]
async fn loopback_refused_unless_allow_listed() {
    let (port, hits) = counting_server().await;
    let closed = fetcher(FetchConfig {
        allow_hosts: Vec::new(),
        ..config()
    });
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://127.1:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
    ] {
        let err = closed.get(&url, &Validators::default()).await.unwrap_err();
        assert!(matches!(err, FetchError::Blocked { .. }), "{url}: {err}");
        assert!(err.to_string().contains("loopback"), "{err}");
    }
    // A name is checked after resolution, by the guarded resolver.
    let err = closed
        .get(&format!("http://localhost:{port}/"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Blocked { .. }), "{err}");
    assert!(err.to_string().contains("localhost"), "{err}");
    assert_eq!(hits.get(), 0);

    // Allow-listed by exact host, or by network.
    let by_host = fetcher(config());
    let url = format!("http://127.0.0.1:{port}/");
    assert_eq!(by_host.get(&url, &Validators::default()).await.unwrap().body, b"secret");
    let by_net = fetcher(FetchConfig {
        allow_hosts: vec!["127.0.0.0/8".into()],
        ..config()
    });
    assert!(by_net.get(&url, &Validators::default()).await.is_ok());
    assert_eq!(hits.get(), 2);
}

#[tokio::test]
async fn private_and_metadata_literals_refused_without_connecting() {
    let f = fetcher(FetchConfig {
        // Belt and braces: if the guard were bypassed, fail fast.
        connect_timeout: Duration::from_millis(200),
        max_retries: 0,
        ..config()
    });
    let cases = [
        ("http://10.0.0.1/", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "the cloud metadata address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://[fd00:ec2::254]/", "the cloud metadata address"),
        ("http://100.64.0.1/", "CGNAT"),
        ("http://[::ffff:192.168.0.1]/", "private"),
        ("http://0.0.0.0/", "unspecified"),
    ];
    for (url, reason) in cases {
        let start = Instant::now();
        let err = f.get(url, &Validators::default()).await.unwrap_err();
        assert!(matches!(err, FetchError::Blocked { .. }), "{url}: {err}");
        assert!(err.to_string().contains(reason), "{url}: {err}");
        assert!(
            start.elapsed() < Duration::from_millis(100),
            "{url} took {:?}",
            start.elapsed()
        );
        assert!(!err.is_transient());
    }
    let err = f.get("http://10.0.0.1/", &Validators::default()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused to fetch http://10.0.0.1/: 10.0.0.1 is a private address (SSRF guard)"
    );
}

#[tokio::test]
async fn redirects_into_blocked_addresses_are_refused() {
    let (target_port, target_hits) = counting_server().await;
    let to_localhost = format!("http://localhost:{target_port}/internal");
    let app =
        Router::new()
            .route(
                "/metadata",
                get(|| async {
                    (
                        StatusCode::FOUND,
                        [(header::LOCATION, "http://169.254.169.254/latest/meta-data/")],
                    )
                        .into_response()
                }),
            )
            .route(
                "/localhost",
                get(move || async move {
                    (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, to_localhost)]).into_response()
                }),
            );
    let addr = serve(app).await;
    let f = fetcher(FetchConfig {
        connect_timeout: Duration::from_millis(200),
        max_retries: 0,
        ..config()
    });
    let err = f
        .get(&format!("http://{addr}/metadata"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Blocked { .. }), "{err}");
    assert!(err.to_string().contains("169.254.169.254"), "{err}");

    let err = f
        .get(&format!("http://{addr}/localhost"), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Blocked { .. }), "{err}");
    assert_eq!(target_hits.get(), 0);
}
