//! Rows 2, 7, 8, 9 and 13 of issue #15: argon2 memory under many logins at
//! once, locking a reader out with wrong passwords, the `next=` redirect,
//! who owns a new instance, and passwords of spaces.

use std::net::{IpAddr, Ipv4Addr};

use newsdesk_web::ServerConfig;
use reqwest::header::LOCATION;

use super::support::*;

fn loopback(third: u8, fourth: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, third, fourth))
}

async fn try_login(client: &reqwest::Client, base: &str, name: &str, password: &str, next: &str) -> reqwest::Response {
    let (_, form) = get(client, &format!("{base}/login")).await;
    let csrf = csrf_of(&form);
    let fields = [
        ("csrf", csrf.as_str()),
        ("username", name),
        ("password", password),
        ("next", next),
    ];
    post(client, &format!("{base}/login"), &fields).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_failing_cannot_lock_a_reader_out() {
    let site = site(ServerConfig::default()).await;
    register(&browser(), &site, "ada").await;
    let stranger = browser_from(loopback(0, 2));
    for _ in 0..10 {
        let wrong = try_login(&stranger, &site.base, "ada", "not her password", "/").await;
        assert_eq!(wrong.status(), 401);
    }
    let more = try_login(&stranger, &site.base, "ada", "not her password", "/").await;
    assert_eq!(more.status(), 429, "the guesser is stopped");
    let owner = browser_from(loopback(0, 3));
    let right = try_login(&owner, &site.base, "ada", PASSWORD, "/").await;
    assert_eq!(right.status(), 303, "the owner, elsewhere, still gets in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_logins_at_once_are_hashed_a_few_at_a_time() {
    let site = site(ServerConfig::default()).await;
    // Twice what the gate admits (a few per core) from as many addresses,
    // so no per-address limit is what stops them.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let clients = (cores * 10).min(250);
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..clients {
        let client = browser_from(loopback(1, 1 + i as u8));
        let base = site.base.clone();
        attempts.spawn(async move {
            try_login(&client, &base, "nobody", "a wrong password", "/")
                .await
                .status()
                .as_u16()
        });
    }
    let statuses = attempts.join_all().await;
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
    assert!(statuses.contains(&429), "some were told to come back: {statuses:?}");
    assert!(statuses.contains(&401), "some were checked: {statuses:?}");
}

#[tokio::test]
async fn next_never_leaves_the_site_or_breaks_the_redirect() {
    let site = site(ServerConfig::default()).await;
    register(&browser(), &site, "ada").await;
    for next in [
        "/\t/evil.example/x",
        "/a\r\nSet-Cookie: x=1",
        "/a\nb",
        "/a\0b",
        "//evil.example",
    ] {
        let resp = try_login(&browser(), &site.base, "ada", PASSWORD, next).await;
        assert_eq!(resp.status(), 303, "{next:?}");
        assert_eq!(resp.headers()[LOCATION], "/", "{next:?}");
    }
    let resp = try_login(&browser(), &site.base, "ada", PASSWORD, "/article/1#comments").await;
    assert_eq!(resp.headers()[LOCATION], "/article/1#comments");
}

#[tokio::test]
async fn registering_first_grants_nothing_and_admins_come_from_the_operator() {
    let site = site(ServerConfig::default()).await;
    let first = browser();
    register(&first, &site, "eager").await;
    let (status, _) = get(&first, &format!("{}/admin/feeds", site.base)).await;
    assert_eq!(status, 403, "the first to register is a reader");

    newsdesk_web::create_account(site.db.as_ref(), "operator", PASSWORD, newsdesk_domain::Role::Admin).unwrap();
    let operator = browser();
    assert_eq!(
        try_login(&operator, &site.base, "operator", PASSWORD, "/")
            .await
            .status(),
        303
    );
    let (status, _) = get(&operator, &format!("{}/admin/feeds", site.base)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_password_of_spaces_is_refused() {
    let site = site(ServerConfig::default()).await;
    let client = browser();
    let (_, form) = get(&client, &format!("{}/register", site.base)).await;
    let csrf = csrf_of(&form);
    let spaces = " ".repeat(12);
    let fields = [
        ("csrf", csrf.as_str()),
        ("username", "blank"),
        ("password", spaces.as_str()),
    ];
    let resp = post(&client, &format!("{}/register", site.base), &fields).await;
    assert_eq!(resp.status(), 200, "the form again, with the reason");
    assert!(resp.text().await.unwrap().contains("besides spaces"));
    assert!(newsdesk_store::Community::user_for_login(site.db.as_ref(), "blank")
        .unwrap()
        .is_none());
}
