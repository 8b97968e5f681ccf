//! The machine-readable side of the site: JSON API (checked against its
//! OpenAPI document), Atom feeds, metrics, and cache validators.

use newsdesk_newswire::Newswire;
use serde_json::Value;

use super::support::*;

async fn json(url: &str) -> (u16, Value) {
    let resp = reqwest::get(url).await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_serves_what_its_openapi_document_promises() {
    let wire = Newswire::start().await.unwrap();
    let (h, site) = crawled_site(&wire).await;

    let (status, page) = json(&format!("{site}/api/v1/articles?per_page=5")).await;
    assert_eq!(status, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    assert_eq!(page["next_page"], 2);
    let id = page["items"][0]["id"].as_i64().unwrap();
    let slug = page["items"][0]["source"]["slug"].as_str().unwrap().to_string();
    let (_, article) = json(&format!("{site}/api/v1/articles/{id}")).await;
    assert_eq!(article["title"], page["items"][0]["title"]);
    assert!(!article["text"].as_str().unwrap().is_empty());

    let (_, stories) = json(&format!("{site}/api/v1/stories")).await;
    let story = stories[0]["id"].as_i64().expect("a top story");
    let entity = h
        .store
        .entities_of(newsdesk_domain::ArticleId(id))
        .unwrap()
        .remove(0)
        .slug;
    let (_, doc) = json(&format!("{site}/api/openapi.json")).await;
    for path in doc["paths"].as_object().unwrap().keys() {
        let path_id = if path.starts_with("/api/v1/stories/") {
            story
        } else {
            id
        };
        let path_slug = if path.starts_with("/api/v1/entities/") {
            &entity
        } else {
            &slug
        };
        let url = format!(
            "{site}{}",
            path.replace("{id}", &path_id.to_string()).replace("{slug}", path_slug)
        );
        assert_eq!(
            reqwest::get(&url).await.unwrap().status(),
            200,
            "documented {path} does not answer"
        );
    }

    let (status, err) = json(&format!("{site}/api/v1/articles/999999")).await;
    assert_eq!((status, err["error"]["status"].as_i64()), (404, Some(404)));
    let (status, err) = json(&format!("{site}/api/v1/articles/abc")).await;
    assert_eq!(status, 400);
    assert!(err["error"]["message"].as_str().unwrap().contains("abc"));
    assert_eq!(json(&format!("{site}/api/v1/nothing-here")).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atom_feeds_metrics_and_etags() {
    let wire = Newswire::start().await.unwrap();
    let (h, site) = crawled_site(&wire).await;

    let latest = reqwest::get(format!("{site}/feeds/latest.atom"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let feed = feed_rs::parser::parse(&latest[..]).expect("our Atom parses");
    assert_eq!(feed.entries.len(), 49);
    let top = reqwest::get(format!("{site}/feeds/top.atom"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let stories = feed_rs::parser::parse(&top[..]).unwrap().entries.len();
    assert!(
        (1..49).contains(&stories),
        "one entry per top story, not per article: {stories}"
    );
    let card = h.store.latest(1, 0).unwrap().remove(0);
    let entity = h.store.entities_of(card.id).unwrap().remove(0).slug;
    let named = reqwest::get(format!("{site}/feeds/entity/{entity}.atom"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(!feed_rs::parser::parse(&named[..]).unwrap().entries.is_empty());
    let slug = h.store.sources().unwrap()[0].slug.clone();
    let own = reqwest::get(format!("{site}/feeds/source/{slug}.atom"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(!feed_rs::parser::parse(&own[..]).unwrap().entries.is_empty());
    assert_eq!(get_text(&format!("{site}/feeds/source/nope.atom")).await.0, 404);

    let first = reqwest::get(format!("{site}/")).await.unwrap();
    let etag = first.headers()["etag"].clone();
    assert!(first.headers()["cache-control"].to_str().unwrap().contains("public"));
    let again = reqwest::Client::new()
        .get(format!("{site}/"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let (_, metrics) = get_text(&format!("{site}/metrics")).await;
    assert!(
        metrics.contains("newsdesk_http_requests_total{route=\"/\""),
        "{metrics}"
    );
    assert!(metrics.contains("newsdesk_http_request_duration_seconds"));
    assert!(metrics.contains("newsdesk_fetches_total{kind=\"page\",outcome=\"ok\"}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_database_gives_error_pages_not_a_dead_server() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    let site = serve_site(&h).await;
    // Break the articles table under the running server, as a corrupt or
    // half-migrated database would.
    h.sql("ALTER TABLE articles RENAME TO articles_gone");

    let (status, page) = get_text(&format!("{site}/")).await;
    assert_eq!(status, 503);
    assert!(
        page.contains("Something went wrong on our side"),
        "a proper error page: {page}"
    );
    // SQLite says "no such table", PostgreSQL "relation … does not exist".
    assert!(
        !page.contains("no such table") && !page.contains("does not exist"),
        "internal details stay in the log"
    );
    assert_eq!(get_text(&format!("{site}/healthz")).await.0, 503);
    assert_eq!(json(&format!("{site}/api/v1/articles")).await.0, 503);
    assert_eq!(
        get_text(&format!("{site}/static/style.css")).await.0,
        200,
        "the server is still up"
    );

    h.sql("ALTER TABLE articles_gone RENAME TO articles");
    assert_eq!(
        get_text(&format!("{site}/")).await.0,
        200,
        "and recovers with the database"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_page_api_and_feed() {
    let wire = Newswire::start().await.unwrap();
    let (_h, site) = crawled_site(&wire).await;

    let (status, page) = get_text(&format!("{site}/search?q=Veltrix")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<mark>Veltrix</mark>"), "highlighted snippets");
    assert!(page.matches("href=\"/article/").count() >= 3);
    let (status, found) = json(&format!("{site}/api/v1/search?q=veltrix&sort=newest")).await;
    assert_eq!(status, 200);
    assert!(found["total"].as_u64().unwrap() >= 3);
    let feed = reqwest::get(format!("{site}/feeds/search.atom?q=veltrix"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(feed_rs::parser::parse(&feed[..]).unwrap().entries.len() >= 3);
    // Hostile queries and bad filters: results or a clear 400, never a 500.
    for q in ["%22", "AND", "title%3A", "%2A", "%F0%9F%98%80"] {
        assert_eq!(get_text(&format!("{site}/search?q={q}")).await.0, 200, "query {q}");
    }
    assert_eq!(get_text(&format!("{site}/search?q=x&from=yesterday")).await.0, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_stories_full_coverage_and_related_articles() {
    let wire = Newswire::start().await.unwrap();
    let (_h, site) = crawled_site(&wire).await;

    let (_, home) = get_text(&format!("{site}/")).await;
    assert!(home.contains("Top stories"));
    let story = home
        .split("href=\"/story/")
        .nth(1)
        .expect("a top story")
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (status, page) = get_text(&format!("{site}/story/{story}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("articles from") && page.contains("original reporting"),
        "coverage line"
    );
    let first = page
        .split("href=\"/article/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();

    let (_, article) = get_text(&format!("{site}/article/{first}")).await;
    assert!(article.contains("Related Articles"));
    assert!(article.contains("Read also: "));
    assert!(
        article.contains(&format!("href=\"/story/{story}\"")),
        "the article links its story"
    );
    let related = article.split("Related Articles").nth(1).unwrap();
    assert!(related.contains(" ago") || related.contains("Just now") || related.contains("Yesterday"));
    assert_eq!(get_text(&format!("{site}/story/99999999")).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ai_panel_entity_pages_and_ask() {
    let wire = Newswire::start().await.unwrap();
    let (h, site) = crawled_site(&wire).await;
    let card = h.store.latest(1, 0).unwrap().remove(0);
    let article = format!("{site}/article/{}", card.id.0);

    let (_, page) = get_text(&article).await;
    assert!(page.contains("AI features") && page.contains("Summary") && page.contains("Ask about this article"));
    let entity = page
        .split("href=\"/entity/")
        .nth(1)
        .expect("an entity link")
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (status, entity_page) = get_text(&format!("{site}/entity/{entity}")).await;
    assert_eq!(status, 200);
    assert!(
        entity_page.contains(&format!("href=\"/article/{}\"", card.id.0)),
        "the entity page lists the article"
    );

    // The answer comes from the article's own sentences, with citations.
    let word = card
        .title
        .split_whitespace()
        .max_by_key(|w| w.len())
        .unwrap()
        .trim_matches(|c: char| !c.is_alphanumeric());
    let (_, answered) = get_text(&format!("{article}?q=What+about+{word}%3F")).await;
    assert!(answered.contains("class=\"citations\""), "cited sentences");
    let (_, unanswered) = get_text(&format!("{article}?q=zyxwvut+qwertyuiop")).await;
    assert!(unanswered.contains("does not answer"));
    assert_eq!(get_text(&format!("{site}/entity/no-such-entity")).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_pages_are_served_from_memory_briefly_but_forms_never() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    let site = serve_site(&h).await;
    let (_, empty) = get_text(&format!("{site}/")).await;
    assert!(empty.contains("No articles yet"));
    subscribe_outlets(&h.store, &wire);
    h.crawler.run_pass().await.unwrap();
    let (_, cached) = get_text(&format!("{site}/")).await;
    assert_eq!(cached, empty, "within the TTL the kept page is served");
    tokio::time::sleep(newsdesk_web::PAGE_TTL).await;
    let (_, fresh) = get_text(&format!("{site}/")).await;
    assert!(
        fresh.contains("href=\"/article/"),
        "after the TTL the page is rendered again"
    );

    // A page with a CSRF field is rendered for each visitor with their own token.
    let client = || reqwest::Client::builder().cookie_store(true).build().unwrap();
    let (a, b) = (client(), client());
    let token = |page: String| {
        page.split("name=\"csrf\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    let first = token(
        a.get(format!("{site}/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let second = token(
        b.get(format!("{site}/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert_ne!(first, second);
}

/// Issue #15, row 12: readers' browsers load publishers' images from us.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn article_images_come_through_the_signed_proxy() {
    let wire = Newswire::start().await.unwrap();
    let (h, site) = crawled_site(&wire).await;
    let card = h.store.latest(1, 0).unwrap().remove(0);
    let resp = reqwest::get(format!("{site}/article/{}", card.id.0)).await.unwrap();
    let csp = resp.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    let page = resp.text().await.unwrap();
    let src = page
        .split("<img class=\"lead\" src=\"")
        .nth(1)
        .expect("the article shows its lead image")
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(src.starts_with("/img/"), "{src}");
    for outlet in wire.outlets() {
        assert!(
            !page.contains(&format!("src=\"{}", outlet.homepage.trim_end_matches('/'))),
            "no image straight from the publisher"
        );
    }

    let image = reqwest::get(format!("{site}{src}")).await.unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/svg+xml");
    assert!(image.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert!(image.bytes().await.unwrap().starts_with(b"<svg"));

    // Another address under the same signature is no image of ours.
    let forged = src.replace("images", "secrets");
    assert_eq!(reqwest::get(format!("{site}{forged}")).await.unwrap().status(), 404);
    let unsigned = format!("{site}/img/00000000000000000000000000000000?url=http%3A%2F%2F127.0.0.1%2F");
    assert_eq!(reqwest::get(unsigned).await.unwrap().status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_analysed_article_is_filed_under_one_section() {
    let wire = Newswire::start().await.unwrap();
    let (h, site) = crawled_site(&wire).await;
    let (_, latest) = json(&format!("{site}/api/v1/articles?per_page=100")).await;
    // Listed articles include failed fetches, which have no text to analyse.
    let mut analysed: Vec<i64> = latest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .filter(|&id| h.store.analysis(newsdesk_domain::ArticleId(id)).unwrap().is_some())
        .collect();
    assert!(analysed.len() > 40, "{} analysed", analysed.len());

    let mut filed = Vec::new();
    for section in newsdesk_domain::Section::ALL {
        let slug = section.as_str();
        let (status, page) = json(&format!("{site}/api/v1/articles?section={slug}&per_page=100")).await;
        assert_eq!(status, 200);
        let items = page["items"].as_array().unwrap();
        for item in items {
            let id = newsdesk_domain::ArticleId(item["id"].as_i64().unwrap());
            let analysis = h.store.analysis(id).unwrap().expect("analysed");
            assert_eq!(analysis.section, Some(section), "article {} listed under {slug}", id.0);
            filed.push(id.0);
        }
        let html = reqwest::get(format!("{site}/section/{slug}")).await.unwrap();
        assert_eq!(html.status(), 200);
        let html = html.text().await.unwrap();
        assert!(html.contains(&format!("<h1>{}</h1>", section.label())));
        for item in items {
            let link = format!("/article/{}\"", item["id"]);
            assert!(html.contains(&link), "the {slug} page lists {link}");
        }
        let atom = reqwest::get(format!("{site}/feeds/section/{slug}.atom")).await.unwrap();
        let feed = feed_rs::parser::parse(&atom.bytes().await.unwrap()[..]).expect("our Atom parses");
        assert_eq!(feed.entries.len(), items.len().min(50), "{slug} feed");
    }
    filed.sort_unstable();
    analysed.sort_unstable();
    assert_eq!(filed, analysed, "each analysed article in exactly one section");

    assert_eq!(
        reqwest::get(format!("{site}/section/weather")).await.unwrap().status(),
        404
    );
    assert_eq!(
        reqwest::get(format!("{site}/feeds/section/weather.atom"))
            .await
            .unwrap()
            .status(),
        404
    );
    let (status, err) = json(&format!("{site}/api/v1/articles?section=weather")).await;
    assert_eq!(status, 400);
    assert!(err["error"]["message"].as_str().unwrap().contains("world"), "{err}");
}
