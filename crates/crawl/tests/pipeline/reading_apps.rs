//! The Google Reader API driven by a client we did not write (the
//! `greader_api` crate, which the NewsFlash reader uses) against the
//! running site: sign-in with an app password, the subscriptions and
//! folders, paging the reading list, marking read, starring, and "mark all
//! as read"; and what a caller without valid credentials gets.

use std::collections::BTreeSet;

use greader_api::models::{State, StreamQuery};
use greader_api::{ApiError, AuthData, AuthInput, GReaderApi, GoogleAuthInput};
use newsdesk_domain::Section;
use newsdesk_newswire::Newswire;
use reqwest_greader::Client as AppClient;

use super::support::*;

const READING_LIST: &str = "user/-/state/com.google/reading-list";

/// Makes an app password on the account page and returns its secret.
async fn app_password(reader: &reqwest::Client, site: &str, csrf: &str) -> String {
    let form = [("csrf", csrf), ("name", "NewsFlash")];
    let (status, page) = post(reader, &format!("{site}/me/app-passwords"), &form).await;
    assert_eq!(status, 200);
    const OPENING: &str = "<code class=\"secret\">";
    let at = page.find(OPENING).expect("the secret is shown once") + OPENING.len();
    page[at..].split('<').next().unwrap().to_string()
}

async fn app_for(site: &str, username: &str, password: &str) -> (GReaderApi, Result<AuthData, ApiError>) {
    let api = GReaderApi::new(url::Url::parse(site).unwrap(), AuthData::Uninitialized);
    let input = AuthInput::Google(GoogleAuthInput {
        username: username.into(),
        password: password.into(),
    });
    let login = api.login(&input, &AppClient::new()).await;
    (api, login)
}

/// Item ids of the whole stream, page by page.
async fn all_items(api: &GReaderApi, client: &AppClient, stream: &str, exclude_read: bool) -> Vec<String> {
    let mut ids = Vec::new();
    let mut continuation: Option<String> = None;
    loop {
        let query = StreamQuery {
            stream_id: Some(stream),
            amount: Some(7),
            continuation: continuation.as_deref(),
            exclude_stream: exclude_read.then_some(State::Read.as_str()),
            ..StreamQuery::default()
        };
        let page = api.stream_contents(&query, client).await.unwrap();
        assert!(page.items.len() <= 7);
        ids.extend(page.items.into_iter().map(|i| i.id));
        match page.continuation {
            Some(c) => continuation = Some(c),
            None => return ids,
        }
    }
}

fn article_id(item: &str) -> i64 {
    let hex = item.rsplit('/').next().unwrap();
    i64::from_str_radix(hex, 16).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reading_app_syncs_through_the_google_reader_api() {
    let wire = Newswire::start().await.unwrap();
    let (h, site) = crawled_site(&wire).await;
    let source = h.store.sources().unwrap().remove(0);
    let section = Section::ALL
        .into_iter()
        .max_by_key(|s| h.store.latest_in_section(*s, 100, 0).unwrap().len())
        .unwrap();
    let expected: BTreeSet<i64> = h
        .store
        .latest_of_source(source.id, 100, 0)
        .unwrap()
        .into_iter()
        .chain(h.store.latest_in_section(section, 100, 0).unwrap())
        .map(|c| c.id.0)
        .collect();

    let ada = browser();
    let csrf = sign_up(&ada, &site, "ada").await;
    for (kind, key) in [("source", source.slug.as_str()), ("section", section.as_str())] {
        let form = [
            ("csrf", csrf.as_str()),
            ("mode", "follow"),
            ("kind", kind),
            ("key", key),
        ];
        assert_eq!(post(&ada, &format!("{site}/me/interests"), &form).await.0, 303);
    }
    let secret = app_password(&ada, &site, &csrf).await;

    // Wrong credentials are refused; the right ones sign in.
    assert!(matches!(
        app_for(&site, "ada", "wrong").await.1,
        Err(ApiError::AccessDenied)
    ));
    assert!(matches!(
        app_for(&site, "bob", &secret).await.1,
        Err(ApiError::AccessDenied)
    ));
    assert!(
        matches!(app_for(&site, "ada", PASSWORD).await.1, Err(ApiError::AccessDenied)),
        "app passwords only"
    );
    let (api, login) = app_for(&site, "ADA", &secret).await;
    login.expect("signed in with the app password");
    let client = AppClient::new();
    assert_eq!(api.user_info(&client).await.unwrap().user_name, "ada");

    // Follows are the subscriptions; sections are folders.
    let subscriptions = api.subscription_list(&client).await.unwrap().subscriptions;
    let ids: BTreeSet<String> = subscriptions.iter().map(|f| f.id.clone()).collect();
    let source_stream = format!("feed/source/{}", source.slug);
    let folder = format!("user/-/label/{}", section.label());
    assert_eq!(
        ids,
        BTreeSet::from([source_stream.clone(), format!("feed/section/{}", section.as_str())])
    );
    let filed = subscriptions
        .iter()
        .find(|f| f.id.starts_with("feed/section/"))
        .unwrap();
    assert_eq!(filed.categories[0].id, folder);
    let tags: Vec<String> = api
        .tag_list(&client)
        .await
        .unwrap()
        .tags
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert!(tags.contains(&folder) && tags.contains(&State::Starred.as_str().to_string()));

    // The reading list, paged 7 at a time, is what ada follows, each once.
    let items = all_items(&api, &client, READING_LIST, false).await;
    let read_list: BTreeSet<i64> = items.iter().map(|i| article_id(i)).collect();
    assert_eq!(read_list.len(), items.len(), "no item twice across pages");
    assert_eq!(read_list, expected);
    let unread = |counts: greader_api::models::Unread, id: &str| {
        counts.unreadcounts.iter().find(|c| c.id == id).map(|c| c.count)
    };
    let counts = api.unread_count(&client).await.unwrap();
    assert_eq!(unread(counts, READING_LIST), Some(expected.len() as u64));
    let query = StreamQuery {
        stream_id: Some(&source_stream),
        amount: Some(1000),
        ..StreamQuery::default()
    };
    let refs = api
        .items_ids(&query, &client)
        .await
        .unwrap()
        .item_refs
        .unwrap_or_default();
    assert_eq!(refs.len(), h.store.latest_of_source(source.id, 100, 0).unwrap().len());

    // Marking read and starring, seen by the next sync and by the site.
    api.tag_edit(&items[..3], &[State::Read.as_str()], &[], &client)
        .await
        .unwrap();
    let unread_now = all_items(&api, &client, READING_LIST, true).await;
    assert_eq!(unread_now.len(), items.len() - 3);
    assert!(items[..3].iter().all(|i| !unread_now.contains(i)));
    api.tag_edit(&items[3..4], &[State::Starred.as_str()], &[], &client)
        .await
        .unwrap();
    let starred = all_items(&api, &client, State::Starred.as_str(), false).await;
    assert_eq!(starred, vec![items[3].clone()]);
    let (_, saved_page) = page(&ada, &format!("{site}/me/saved")).await;
    assert!(saved_page.contains(&format!("href=\"/article/{}\"", article_id(&items[3]))));
    let contents = api.items_contents(&items[..2], &client).await.unwrap();
    assert_eq!(contents.items.len(), 2);
    assert!(contents
        .items
        .iter()
        .all(|i| i.categories.iter().any(|c| c.ends_with("/state/com.google/read"))));
    api.tag_edit(&items[..1], &[], &[State::Read.as_str()], &client)
        .await
        .unwrap();
    assert_eq!(
        all_items(&api, &client, READING_LIST, true).await.len(),
        items.len() - 2
    );

    // "Mark all as read" on one subscription, then on everything.
    api.mark_all_as_read(&source_stream, None, &client).await.unwrap();
    let counts = api.unread_count(&client).await.unwrap();
    assert_eq!(unread(counts, &source_stream), Some(0));
    api.mark_all_as_read(READING_LIST, None, &client).await.unwrap();
    assert!(all_items(&api, &client, READING_LIST, true).await.is_empty());

    // Without a valid token: 401. A revoked app password signs nobody in.
    let anonymous = reqwest::get(format!("{site}/reader/api/0/user-info")).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let forged = reqwest::Client::new()
        .get(format!("{site}/reader/api/0/user-info"))
        .header("authorization", "GoogleLogin auth=1/0000")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let (_, account) = page(&ada, &format!("{site}/me/account")).await;
    let revoke = account
        .split("action=\"/me/app-passwords/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let form = [("csrf", csrf.as_str())];
    assert_eq!(
        post(&ada, &format!("{site}/me/app-passwords/{revoke}"), &form).await.0,
        303
    );
    assert!(matches!(api.user_info(&client).await, Err(ApiError::AccessDenied)));
}
