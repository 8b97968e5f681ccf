//! Each reader's own newsdesk over real HTTP, on the crawled newswire:
//! following a source and an entity, hiding a source, "For you" and its
//! private feed, saving and reading, exports, and deleting the account.

use std::collections::BTreeSet;

use newsdesk_newswire::Newswire;
use newsdesk_store::ArticleCard;

use super::support::*;

const ENTITY: &str = "teresa-okafor";

/// Ids of the articles a page links to, in page order, each once.
fn linked_articles(html: &str) -> BTreeSet<i64> {
    html.split("href=\"/article/")
        .skip(1)
        .filter_map(|rest| rest.split(['"', '#', '/']).next()?.parse().ok())
        .collect()
}

/// Ids of the cards a list shows dimmed as read.
fn read_cards(html: &str) -> BTreeSet<i64> {
    html.split("<article class=\"card")
        .skip(1)
        .filter(|card| card.starts_with(" read\""))
        .filter_map(|card| linked_articles(card.split("</article>").next()?).into_iter().next())
        .collect()
}

fn ids(cards: &[ArticleCard]) -> BTreeSet<i64> {
    cards.iter().map(|c| c.id.0).collect()
}

async fn set_interest(client: &reqwest::Client, site: &str, csrf: &str, mode: &str, kind: &str, key: &str) {
    let form = [
        ("csrf", csrf),
        ("mode", mode),
        ("kind", kind),
        ("key", key),
        ("next", "/for-you"),
    ];
    let (status, _) = post(client, &format!("{site}/me/interests"), &form).await;
    assert_eq!(status, 303, "{mode} {kind} {key}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_follows_hides_saves_reads_and_leaves() {
    let wire = Newswire::start().await.unwrap();
    let (h, site) = crawled_site(&wire).await;
    let sources = h.store.sources().unwrap();
    let followed = &sources[0];
    let mentioning = h.store.articles_mentioning(ENTITY, 100).unwrap();
    assert!(!mentioning.is_empty(), "the newswire names {ENTITY}");
    let hidden_slug = mentioning
        .iter()
        .map(|c| c.source_slug.clone())
        .find(|s| *s != followed.slug)
        .unwrap_or_else(|| sources[1].slug.clone());
    let of_followed = h.store.latest_of_source(followed.id, 100, 0).unwrap();

    let ada = browser();
    let csrf = sign_up(&ada, &site, "ada").await;
    let (status, _) = page(&ada, &format!("{site}/for-you")).await;
    assert_eq!(status, 200);
    set_interest(&ada, &site, &csrf, "follow", "source", &followed.slug).await;
    set_interest(&ada, &site, &csrf, "follow", "entity", ENTITY).await;
    let (_, for_you) = page(&ada, &format!("{site}/for-you")).await;
    let expected: BTreeSet<i64> = ids(&of_followed).union(&ids(&mentioning)).copied().collect();
    assert_eq!(
        linked_articles(&for_you),
        expected,
        "the source's articles and the entity's"
    );
    assert!(for_you.contains("more in this story") || expected.len() == linked_articles(&for_you).len());

    // Hiding a source takes it off "For you", the home page, stories and search.
    set_interest(&ada, &site, &csrf, "hide", "source", &hidden_slug).await;
    let hidden_ids: BTreeSet<i64> = h
        .store
        .latest(1000, 0)
        .unwrap()
        .iter()
        .filter(|c| c.source_slug == hidden_slug)
        .map(|c| c.id.0)
        .collect();
    assert!(!hidden_ids.is_empty());
    let (_, for_you) = page(&ada, &format!("{site}/for-you")).await;
    let shown = linked_articles(&for_you);
    assert_eq!(shown, &expected - &hidden_ids);
    let (_, home) = page(&ada, &format!("{site}/")).await;
    assert!(linked_articles(&home).is_disjoint(&hidden_ids), "home hides the source");
    let (_, anonymous_home) = get_text(&format!("{site}/")).await;
    assert!(
        !linked_articles(&anonymous_home).is_disjoint(&hidden_ids),
        "only for ada"
    );
    let hidden_card = h
        .store
        .latest(1000, 0)
        .unwrap()
        .into_iter()
        .find(|c| c.source_slug == hidden_slug)
        .unwrap();
    if let Some(story) = h.store.article_story(hidden_card.id).unwrap() {
        let (_, story_page) = page(&ada, &format!("{site}/story/{}", story.story.0)).await;
        assert!(
            linked_articles(&story_page).is_disjoint(&hidden_ids),
            "story hides the source"
        );
    }
    let word = hidden_card
        .title
        .split_whitespace()
        .max_by_key(|w| w.len())
        .unwrap()
        .to_string();
    let (_, results) = page(&ada, &format!("{site}/search?q={}", urlencode(&word))).await;
    assert!(
        linked_articles(&results).is_disjoint(&hidden_ids),
        "search hides the source"
    );

    // The private feed carries the same articles, to anyone with its token only.
    let feed_path = for_you
        .split("href=\"/feeds/for-you/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a private feed link");
    let response = reqwest::get(format!("{site}/feeds/for-you/{feed_path}")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("private"));
    let feed = feed_rs::parser::parse(response.bytes().await.unwrap().as_ref()).unwrap();
    let in_feed: BTreeSet<i64> = feed
        .entries
        .iter()
        .flat_map(|e| e.links.iter())
        .filter_map(|l| l.href.rsplit("/article/").next()?.parse().ok())
        .collect();
    assert_eq!(in_feed, shown);
    assert_eq!(get_text(&format!("{site}/feeds/for-you/not-a-token.atom")).await.0, 404);

    // Saving and reading.
    let article = *shown.iter().next().unwrap();
    let (_, opened) = page(&ada, &format!("{site}/article/{article}")).await;
    assert!(opened.contains("Mark unread"));
    let save = [("csrf", csrf.as_str()), ("on", "1")];
    assert_eq!(
        post(&ada, &format!("{site}/article/{article}/save"), &save).await.0,
        303
    );
    let (_, saved) = page(&ada, &format!("{site}/me/saved")).await;
    assert_eq!(linked_articles(&saved), BTreeSet::from([article]));
    let card = h
        .store
        .latest(1000, 0)
        .unwrap()
        .into_iter()
        .find(|c| c.id.0 == article)
        .unwrap();
    let (_, json) = page(&ada, &format!("{site}/me/saved.json")).await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json[0]["url"], card.url.as_str());
    let (_, bookmarks) = page(&ada, &format!("{site}/me/saved.html")).await;
    assert!(bookmarks.starts_with("<!DOCTYPE NETSCAPE-Bookmark-file-1>"));
    assert!(bookmarks.contains(&format!("href=\"{}\"", card.url)));
    let (_, home) = page(&ada, &format!("{site}/")).await;
    assert_eq!(read_cards(&home), BTreeSet::from([article]), "opened, so read");
    let unread = [("csrf", csrf.as_str()), ("on", "0")];
    assert_eq!(
        post(&ada, &format!("{site}/article/{article}/read"), &unread).await.0,
        303
    );
    let (_, home) = page(&ada, &format!("{site}/")).await;
    assert!(read_cards(&home).is_empty());

    // Leaving: a wrong password keeps the account; the right one deletes it,
    // its comment reads "[deleted]", and the name can sign up anew.
    let comment = [("csrf", csrf.as_str()), ("body", "A comment to be erased")];
    assert_eq!(
        post(&ada, &format!("{site}/article/{article}/comments"), &comment)
            .await
            .0,
        303
    );
    let wrong = [("csrf", csrf.as_str()), ("password", "not it at all")];
    assert_eq!(post(&ada, &format!("{site}/me/delete"), &wrong).await.0, 403);
    let right = [("csrf", csrf.as_str()), ("password", PASSWORD)];
    assert_eq!(post(&ada, &format!("{site}/me/delete"), &right).await.0, 200);
    let (_, article_page) = get_text(&format!("{site}/article/{article}")).await;
    assert!(!article_page.contains("A comment to be erased"));
    assert!(article_page.contains("[deleted]"));
    assert_eq!(page(&ada, &format!("{site}/for-you")).await.0, 303, "signed out");
    let again = browser();
    sign_up(&again, &site, "ada").await;
    let (_, fresh) = page(&again, &format!("{site}/me/following")).await;
    assert!(fresh.contains("You follow nothing yet"));
    assert_eq!(
        page(&again, &format!("{site}/me/saved"))
            .await
            .1
            .matches("href=\"/article/")
            .count(),
        0
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
