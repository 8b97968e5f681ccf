//! Rows 3, 10 and 13 of issue #15: metric labels a client can invent,
//! forms with a visitor's token sent as publicly cacheable, who may read
//! `/metrics`, whose address `X-Forwarded-For` is, and a comment on a
//! missing article.

use newsdesk_web::ServerConfig;
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL};
use reqwest::Method;

use super::support::*;

#[tokio::test]
async fn invented_methods_do_not_grow_the_metrics() {
    let site = site(ServerConfig::default()).await;
    let client = browser();
    let invented = "X".repeat(2048);
    for i in 0..20 {
        let method = Method::from_bytes(format!("{invented}{i}").as_bytes()).unwrap();
        client.request(method, format!("{}/", site.base)).send().await.unwrap();
    }
    let (status, metrics) = get(&client, &format!("{}/metrics", site.base)).await;
    assert_eq!(status, 200);
    assert!(!metrics.contains(&invented), "an invented method became a label");
    assert!(metrics.contains("method=\"other\""), "invented methods share one label");
}

#[tokio::test]
async fn forms_with_a_visitors_token_are_never_cached() {
    let site = site(ServerConfig::default()).await;
    for path in ["/login", "/register"] {
        let resp = browser().get(format!("{}{path}", site.base)).send().await.unwrap();
        let cache = resp.headers()[CACHE_CONTROL].to_str().unwrap().to_string();
        assert!(
            cache.contains("no-store") && cache.contains("private"),
            "{path}: {cache}"
        );
    }
    let home = browser().get(format!("{}/", site.base)).send().await.unwrap();
    assert!(home.headers()[CACHE_CONTROL].to_str().unwrap().contains("public"));
}

#[tokio::test]
async fn metrics_are_for_loopback_or_the_token_and_proxies_name_the_client() {
    let site = site(ServerConfig {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        metrics_token: Some("scrape-me".into()),
        ..ServerConfig::default()
    })
    .await;
    let client = browser();
    let url = format!("{}/metrics", site.base);
    let through_proxy = |token: Option<&str>| {
        let mut req = client.get(&url).header("x-forwarded-for", "203.0.113.5");
        if let Some(token) = token {
            req = req.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        req.send()
    };
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        200,
        "the machine itself"
    );
    assert_eq!(
        through_proxy(None).await.unwrap().status(),
        404,
        "a stranger behind the proxy"
    );
    assert_eq!(through_proxy(Some("guess")).await.unwrap().status(), 404);
    let scraped = through_proxy(Some("scrape-me")).await.unwrap();
    assert_eq!(scraped.status(), 200, "a scraper with the token");
    assert_eq!(scraped.headers()[CACHE_CONTROL], "no-store");

    let untrusted = browser_from("127.0.0.9".parse().unwrap());
    let spoofed = untrusted
        .get(&url)
        .header("x-forwarded-for", "203.0.113.5")
        .send()
        .await
        .unwrap();
    assert_eq!(
        spoofed.status(),
        200,
        "a client that is no proxy cannot disguise itself"
    );
}

#[tokio::test]
async fn a_comment_on_a_missing_article_is_not_found() {
    let site = site(ServerConfig::default()).await;
    let ada = browser();
    let token = register(&ada, &site, "ada").await;
    let resp = post(
        &ada,
        &format!("{}/article/987654/comments", site.base),
        &[("csrf", &token), ("body", "hello")],
    )
    .await;
    assert_eq!(resp.status(), 404);
}
