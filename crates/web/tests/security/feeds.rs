//! Rows 5 and 6 of issue #15: a publisher's control character breaking
//! every Atom feed, and private feed addresses and errors shown to all.

use newsdesk_web::ServerConfig;

use super::support::*;

/// What XML 1.0 allows: tab, line feed, carriage return and no other C0.
fn assert_xml_chars(url: &str, body: &str) {
    let bad: Vec<char> = body
        .chars()
        .filter(|c| {
            (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{7f}'..)) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
        })
        .collect();
    assert!(bad.is_empty(), "{url} holds characters XML forbids: {bad:?}");
}

#[tokio::test]
async fn control_characters_never_reach_an_atom_feed() {
    let site = site(ServerConfig::default()).await;
    let client = browser();
    for path in [
        "/feeds/latest.atom".to_string(),
        format!("/feeds/source/{}.atom", site.source_slug),
        "/feeds/search.atom?q=%01harbour%0B".to_string(),
    ] {
        let (status, body) = get(&client, &format!("{}{path}", site.base)).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains("<feed"), "{path}: {body}");
        assert_xml_chars(&path, &body);
    }
    let (_, latest) = get(&client, &format!("{}/feeds/latest.atom", site.base)).await;
    assert!(
        latest.contains("Harbour reopens"),
        "the title stays, less the control character"
    );
}

#[tokio::test]
async fn feed_credentials_tokens_and_errors_stay_private() {
    let site = site(ServerConfig::default()).await;
    let client = browser();
    for path in [
        format!("/api/v1/sources/{}", site.source_slug),
        "/api/v1/sources".to_string(),
        format!("/source/{}", site.source_slug),
        "/sources".to_string(),
    ] {
        let (status, body) = get(&client, &format!("{}{path}", site.base)).await;
        assert_eq!(status, 200, "{path}");
        for secret in ["hunter22", "reader:", "s3cret-token", "10.9.8.7"] {
            assert!(!body.contains(secret), "{path} shows {secret:?}");
        }
    }
    let (_, api) = get(&client, &format!("{}/api/v1/sources/{}", site.base, site.source_slug)).await;
    let json: serde_json::Value = serde_json::from_str(&api).unwrap();
    let feed = &json["feeds"][0];
    assert_eq!(feed["url"], "http://gazette.example/feed.xml");
    assert_eq!(feed["failing"], true, "that it fails is public, why is not");

    newsdesk_web::create_account(site.db.as_ref(), "operator", PASSWORD, newsdesk_domain::Role::Admin).unwrap();
    let admin = browser();
    let (_, form) = get(&admin, &format!("{}/login", site.base)).await;
    let fields = [
        ("csrf", csrf_of(&form)),
        ("username", "operator".into()),
        ("password", PASSWORD.into()),
    ];
    post(
        &admin,
        &format!("{}/login", site.base),
        &fields.each_ref().map(|(k, v)| (*k, v.as_str())),
    )
    .await;
    let (_, admin_page) = get(&admin, &format!("{}/admin/feeds", site.base)).await;
    assert!(admin_page.contains(FEED_ERROR), "the admin sees why it fails");
    assert!(admin_page.contains("s3cret-token"), "and the address as subscribed");
}
