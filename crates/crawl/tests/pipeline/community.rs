//! Readers' accounts and comments over real HTTP: registration, login,
//! threaded comments, escaping of hostile text, CSRF refusal, reporting
//! and moderation.

use newsdesk_newswire::Newswire;

use super::support::*;

async fn first_article(h: &Harness, wire: &Newswire) -> String {
    subscribe_outlets(&h.store, wire);
    h.crawler.run_pass().await.unwrap();
    let card = h.store.latest(1, 0).unwrap().remove(0);
    format!("/article/{}", card.id.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_thread_escape_and_survive_reload() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    let article = first_article(&h, &wire).await;
    let site = serve_site(&h).await;
    let ada = browser();
    let csrf = sign_up(&ada, &site, "ada").await;

    let (_, before) = page(&ada, &format!("{site}{article}")).await;
    assert!(before.contains("No comments yet"));
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let (status, _) = post(
        &ada,
        &format!("{site}{article}/comments"),
        &[("csrf", &csrf), ("body", hostile)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, with_comment) = page(&ada, &format!("{site}{article}")).await;
    assert!(
        with_comment.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "comment shown, escaped"
    );
    assert!(!with_comment.contains("<script>alert") && !with_comment.contains("<img src=x"));

    let parent = with_comment
        .split("id=\"comment-")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let reply = [
        ("csrf", csrf.as_str()),
        ("body", "A thoughtful reply"),
        ("parent", parent.as_str()),
    ];
    assert_eq!(post(&ada, &format!("{site}{article}/comments"), &reply).await.0, 303);

    // A fresh visitor sees both, the reply nested inside its parent.
    let (_, reloaded) = page(&browser(), &format!("{site}{article}")).await;
    let parent_at = reloaded.find(&format!("id=\"comment-{parent}\"")).unwrap();
    let reply_at = reloaded.find("A thoughtful reply").unwrap();
    let parent_end = parent_at + reloaded[parent_at..].find("</li>").unwrap();
    assert!(
        parent_at < reply_at && reply_at < parent_end,
        "the reply sits inside its parent's thread"
    );

    // Edit within the window.
    let edit = [("csrf", csrf.as_str()), ("body", "Second thoughts")];
    assert_eq!(
        post(&ada, &format!("{site}/comments/{parent}/edit"), &edit).await.0,
        303
    );
    assert!(page(&ada, &format!("{site}{article}"))
        .await
        .1
        .contains("Second thoughts"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    let article = first_article(&h, &wire).await;
    let site = serve_site(&h).await;
    let ada = browser();
    let csrf = sign_up(&ada, &site, "ada").await;

    let url = format!("{site}{article}/comments");
    assert_eq!(post(&ada, &url, &[("body", "no token")]).await.0, 403);
    assert_eq!(
        post(&ada, &url, &[("csrf", "forged"), ("body", "bad token")]).await.0,
        403
    );
    // A cross-site attacker has the victim's cookies but not the token.
    let (status, _) = post(
        &browser(),
        &format!("{site}/register"),
        &[("csrf", &csrf), ("username", "mallory"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(status, 403, "another visitor's token is not accepted");
    assert!(!page(&ada, &format!("{site}{article}")).await.1.contains("no token"));

    let resp = ada.get(format!("{site}/")).send().await.unwrap();
    let headers = resp.headers();
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_report_and_moderators_hide() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    let article = first_article(&h, &wire).await;
    let site = serve_site(&h).await;
    // Admins come from the command line, never from registering first.
    newsdesk_web::create_account(h.db.as_ref(), "admin", PASSWORD, newsdesk_domain::Role::Admin).unwrap();
    let admin = browser();
    let admin_csrf = log_in(&admin, &site, "admin").await;
    let bob = browser();
    let bob_csrf = sign_up(&bob, &site, "bob").await;

    post(
        &admin,
        &format!("{site}{article}/comments"),
        &[("csrf", &admin_csrf), ("body", "Buy cheap watches")],
    )
    .await;
    let (_, page_html) = page(&bob, &format!("{site}{article}")).await;
    let id = page_html
        .split("id=\"comment-")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        post(
            &bob,
            &format!("{site}/comments/{id}/report"),
            &[("csrf", &bob_csrf), ("reason", "spam")]
        )
        .await
        .0,
        303
    );
    assert_eq!(
        page(&bob, &format!("{site}/moderation")).await.0,
        403,
        "readers cannot moderate"
    );
    assert_eq!(
        post(
            &bob,
            &format!("{site}/comments/{id}/hide"),
            &[("csrf", &bob_csrf), ("hidden", "1")]
        )
        .await
        .0,
        403
    );

    let (_, queue) = page(&admin, &format!("{site}/moderation")).await;
    assert!(queue.contains("Buy cheap watches"));
    assert_eq!(
        post(
            &admin,
            &format!("{site}/comments/{id}/hide"),
            &[("csrf", &admin_csrf), ("hidden", "1")]
        )
        .await
        .0,
        303
    );
    let (_, seen) = page(&browser(), &format!("{site}{article}")).await;
    assert!(seen.contains("hidden by a moderator") && !seen.contains("Buy cheap watches"));

    // Login: a wrong password is refused, the right one works.
    let carol = browser();
    let (_, form) = page(&carol, &format!("{site}/login")).await;
    let csrf = csrf_of(&form);
    let wrong = [
        ("csrf", csrf.as_str()),
        ("username", "bob"),
        ("password", "wrong password!"),
    ];
    assert_eq!(post(&carol, &format!("{site}/login"), &wrong).await.0, 401);
    let right = [("csrf", csrf.as_str()), ("username", "BOB"), ("password", PASSWORD)];
    assert_eq!(post(&carol, &format!("{site}/login"), &right).await.0, 303);
    assert!(page(&carol, &format!("{site}/me/comments"))
        .await
        .1
        .contains("Your comments"));
}
