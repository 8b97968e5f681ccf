//! Subscribing: feed discovery from a site page, and OPML round trips.

use super::support::*;
use newsdesk_newswire::Newswire;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_site_page_subscribes_to_its_feed() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    let subscriptions = h.subscriptions();
    for outlet in wire.outlets() {
        let feed = subscriptions.add(&outlet.homepage, None).await.unwrap();
        assert_eq!(feed.url, outlet.feed_url, "discovered from {}", outlet.homepage);
    }
    let err = subscriptions.add("http://10.0.0.1/", None).await.unwrap_err();
    assert!(err.to_string().contains("SSRF"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opml_export_then_import_keeps_every_feed() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    subscribe_outlets(&h.store, &wire);
    let xml = h.subscriptions().export_opml().await.unwrap();

    let other = harness(&wire);
    assert_eq!(
        other.subscriptions().import_opml(&xml).await.unwrap(),
        wire.outlets().len()
    );
    let mut before: Vec<_> = h.store.feeds().unwrap().into_iter().map(|f| f.url).collect();
    let mut after: Vec<_> = other.store.feeds().unwrap().into_iter().map(|f| f.url).collect();
    before.sort();
    after.sort();
    assert_eq!(before, after);
    let names: Vec<_> = other.store.sources().unwrap().into_iter().map(|s| s.name).collect();
    assert!(wire.outlets().iter().all(|o| names.contains(&o.name)));
    assert!(other.subscriptions().import_opml("<opml><body><outline").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_homepage_is_a_web_address_or_nothing() {
    let wire = Newswire::start().await.unwrap();
    let h = harness(&wire);
    let xml = r#"<opml version="2.0"><head/><body>
        <outline text="Script" xmlUrl="https://script.example/feed" htmlUrl="javascript:alert(document.domain)"/>
        <outline text="Data" xmlUrl="https://data.example/feed" htmlUrl="data:text/html,hi"/>
        <outline text="Web" xmlUrl="https://web.example/feed" htmlUrl="https://web.example/"/>
        </body></opml>"#;
    assert_eq!(h.subscriptions().import_opml(xml).await.unwrap(), 3);
    let homepages: Vec<_> = h
        .store
        .sources()
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.homepage))
        .collect();
    assert!(homepages.contains(&("Script".into(), None)), "{homepages:?}");
    assert!(homepages.contains(&("Data".into(), None)), "{homepages:?}");
    assert!(
        homepages.contains(&("Web".into(), Some("https://web.example/".into()))),
        "{homepages:?}"
    );
}
