//! Row 1 of issue #15: CSRF by cookie planting. A page on another port of
//! the same host can set our `nd_csrf` cookie (cookies ignore ports) and
//! post a form carrying the value it planted. A signed-in reader's token
//! is now bound to their session, and a browser's `Sec-Fetch-Site` and
//! `Origin` must name this site.

use newsdesk_web::ServerConfig;

use super::support::*;

const PLANTED: &str = "6161616161616161616161616161616161616161616161616161616161616161";

#[tokio::test]
async fn a_planted_cookie_does_not_pass_for_a_signed_in_reader() {
    let site = site(ServerConfig::default()).await;
    let (ada, jar) = browser_with_jar("127.0.0.1".parse().unwrap());
    let token = register(&ada, &site, "ada").await;
    let comments = format!("{}/article/{}/comments", site.base, site.article.0);

    // The attacker's page on another port sets the cookie, then posts.
    jar.add_cookie_str(&format!("nd_csrf={PLANTED}; Path=/"), &site.base.parse().unwrap());
    let forged = post(&ada, &comments, &[("csrf", PLANTED), ("body", "forged")]).await;
    assert_eq!(forged.status(), 403, "a planted token is not the session's");

    let real = post(&ada, &comments, &[("csrf", &token), ("body", "mine")]).await;
    assert_eq!(real.status(), 303, "the session's own token still works");
    let (_, page) = get(&ada, &format!("{}/article/{}", site.base, site.article.0)).await;
    assert!(page.contains("mine") && !page.contains("forged"));
}

#[tokio::test]
async fn a_browser_saying_the_post_comes_from_elsewhere_is_refused() {
    let site = site(ServerConfig::default()).await;
    let ada = browser();
    let token = register(&ada, &site, "ada").await;
    let comments = format!("{}/article/{}/comments", site.base, site.article.0);
    let send = |headers: &'static [(&'static str, &'static str)], body: &'static str| {
        let mut req = ada.post(&comments).form(&[("csrf", token.as_str()), ("body", body)]);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.send()
    };
    let other_port = format!("http://127.0.0.1:{}", site.addr.port().wrapping_add(1).max(1));
    let own = site.base.clone();

    assert_eq!(
        send(&[("sec-fetch-site", "same-site")], "a").await.unwrap().status(),
        403
    );
    assert_eq!(
        send(&[("sec-fetch-site", "cross-site")], "b").await.unwrap().status(),
        403
    );
    let from_other_port = ada
        .post(&comments)
        .header("origin", other_port)
        .form(&[("csrf", token.as_str()), ("body", "c")])
        .send()
        .await
        .unwrap();
    assert_eq!(from_other_port.status(), 403, "another port is another origin");
    const SANDBOXED: &[(&str, &str)] = &[("origin", "null"), ("sec-fetch-site", "cross-site")];
    assert_eq!(send(SANDBOXED, "d").await.unwrap().status(), 403);
    // Chromium sends "null" for our own forms under `Referrer-Policy: no-referrer`.
    const OWN_FORM: &[(&str, &str)] = &[("origin", "null"), ("sec-fetch-site", "same-origin")];
    assert_eq!(send(OWN_FORM, "d2").await.unwrap().status(), 303);

    let same = ada
        .post(&comments)
        .header("origin", own)
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf", token.as_str()), ("body", "e")])
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 303, "our own page's post goes through");
}

#[tokio::test]
async fn with_a_public_url_posts_must_come_from_it() {
    let site = site(ServerConfig {
        public_url: Some("http://news.example.org".into()),
        ..ServerConfig::default()
    })
    .await;
    let ada = browser();
    let (_, form) = get(&ada, &format!("{}/login", site.base)).await;
    let csrf = csrf_of(&form);
    let login = |origin: &'static str| {
        ada.post(format!("{}/login", site.base))
            .header("origin", origin)
            .form(&[("csrf", csrf.as_str()), ("username", "nobody"), ("password", PASSWORD)])
            .send()
    };
    assert_eq!(login("http://127.0.0.1").await.unwrap().status(), 403);
    assert_eq!(
        login("http://news.example.org").await.unwrap().status(),
        401,
        "the public origin reaches the login check"
    );
}
