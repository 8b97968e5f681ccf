//! End-to-end checks of the newswire over real loopback HTTP.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::Utc;
use feed_rs::model::FeedType;
use newsdesk_newswire::{FeedFormat, Newswire, CLUTTER, OVERSIZED_BYTES};
use reqwest::redirect::Policy;
use reqwest::StatusCode;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn get_text(c: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = r.status();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn content_has_enough_outlets_articles_and_events() {
    let nw = Newswire::start().await.unwrap();
    let outlets = nw.outlets();
    let articles = nw.articles();
    let events = nw.events();

    assert!(outlets.len() >= 6, "only {} outlets", outlets.len());
    let names: BTreeSet<_> = outlets.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names.len(), outlets.len(), "outlet names must be distinct");
    let formats: BTreeSet<_> = outlets.iter().map(|o| format!("{:?}", o.format)).collect();
    assert_eq!(formats.len(), outlets.len(), "one feed format per outlet");
    for f in [
        FeedFormat::Rss2,
        FeedFormat::Rss2SummaryOnly,
        FeedFormat::Rss1,
        FeedFormat::Atom,
        FeedFormat::JsonFeed,
    ] {
        assert!(outlets.iter().any(|o| o.format == f), "no {f:?} outlet");
    }

    assert!(articles.len() >= 48, "only {} articles", articles.len());
    assert!(events.len() >= 8, "only {} events", events.len());

    // Outlets covering each event.
    let mut coverage: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for a in &articles {
        coverage.entry(&a.event).or_default().insert(&a.outlet);
    }
    assert_eq!(coverage.len(), events.len(), "every event has articles");
    let well_covered = coverage.values().filter(|o| o.len() >= 3).count();
    assert!(
        well_covered * 4 >= coverage.len() * 3,
        "most events need >= 3 outlets: {coverage:?}"
    );

    let urls: BTreeSet<_> = articles.iter().map(|a| a.url.as_str()).collect();
    assert_eq!(urls.len(), articles.len(), "article URLs are unique");
    let headlines: BTreeSet<_> = articles.iter().map(|a| a.headline.as_str()).collect();
    assert_eq!(headlines.len(), articles.len(), "headlines are unique");

    for a in &articles {
        assert!(
            (4..=8).contains(&a.paragraphs.len()),
            "{}: {} paragraphs",
            a.url,
            a.paragraphs.len()
        );
        assert!(a.paragraphs.iter().all(|p| !p.trim().is_empty()));
        // The clean text must never contain clutter, or the extractor test
        // that forbids it would be meaningless.
        for s in CLUTTER {
            assert!(!a.headline.contains(s), "{}: headline has {s:?}", a.url);
            for p in &a.paragraphs {
                assert!(!p.contains(s), "{}: paragraph has {s:?}: {p}", a.url);
            }
        }
    }

    // Syndication: at least one event carries the same wire story at 2+ outlets.
    let mut wire: BTreeMap<(&str, &str), Vec<_>> = BTreeMap::new();
    for a in articles.iter().filter(|a| a.syndicated_from.is_some()) {
        wire.entry((&a.event, a.syndicated_from.as_deref().unwrap()))
            .or_default()
            .push(a);
    }
    assert!(wire.values().any(|copies| copies.len() >= 2), "no syndicated story");
    for copies in wire.values() {
        let first = &copies[0].paragraphs[0];
        assert!(copies.iter().all(|c| &c.paragraphs[0] == first));
        let outlets: BTreeSet<_> = copies.iter().map(|c| &c.outlet).collect();
        assert_eq!(outlets.len(), copies.len());
    }
    nw.shutdown().await;
}

#[tokio::test]
async fn outlets_bind_distinct_loopback_hosts() {
    let nw = Newswire::start().await.unwrap();
    let hosts = nw.hosts();
    for o in nw.outlets() {
        assert!(hosts.contains(&o.host), "{} not in hosts()", o.host);
        assert!(o.homepage.starts_with(&format!("http://{}:", o.host)));
        assert!(o.host.starts_with("127."));
    }
    // On Linux every outlet gets its own IP (fallback: all on 127.0.0.1).
    if cfg!(target_os = "linux") {
        assert_eq!(hosts.len(), nw.outlets().len());
    }
    nw.shutdown().await;
}

#[tokio::test]
async fn feeds_parse_as_declared_and_links_resolve() {
    let nw = Newswire::start().await.unwrap();
    let c = client();
    let articles = nw.articles();
    let max_age = articles.iter().map(|a| a.age).max().unwrap();
    let disallowed = nw.disallowed_url();
    let mut seen_disallowed = 0;

    for o in nw.outlets() {
        let r = c.get(&o.feed_url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{}", o.feed_url);
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        assert_eq!(ct, o.format.content_type());
        let body = r.bytes().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..])
            .unwrap_or_else(|e| panic!("{} ({:?}) does not parse: {e}", o.feed_url, o.format));
        let expected_type = match o.format {
            FeedFormat::Atom => FeedType::Atom,
            FeedFormat::JsonFeed => FeedType::JSON,
            FeedFormat::Rss1 => FeedType::RSS1,
            _ => FeedType::RSS2,
        };
        assert_eq!(feed.feed_type, expected_type, "{}", o.feed_url);

        let mine: Vec<_> = articles.iter().filter(|a| a.outlet == o.name).collect();
        let now = Utc::now();
        let mut links = BTreeSet::new();
        for e in &feed.entries {
            let link = &e.links.first().expect("entry link").href;
            assert!(link.starts_with(&o.homepage.trim_end_matches('/').to_string()));
            links.insert(link.clone());
            if *link == disallowed {
                seen_disallowed += 1;
            }
            // Timestamps are now - offset: in the past and fresh.
            let t = e.published.or(e.updated).expect("entry date");
            assert!(t <= now + chrono::Duration::seconds(2), "{link} in future");
            let oldest = now - chrono::Duration::from_std(max_age).unwrap() - chrono::Duration::minutes(2);
            assert!(t >= oldest, "{link} too old: {t}");
            if o.format.has_full_content() {
                let body = e.content.as_ref().and_then(|c| c.body.clone());
                assert!(body.is_some_and(|b| b.contains("<p>")), "{link} lacks content");
            }
            let (status, _) = get_text(&c, link).await;
            assert_eq!(status, 200, "{link}");
        }
        for a in &mine {
            assert!(links.contains(&a.url), "{} missing from {}", a.url, o.feed_url);
            // Dates match the article's declared age.
            let e = feed.entries.iter().find(|e| e.links[0].href == a.url).unwrap();
            let t = e.published.or(e.updated).unwrap();
            let age = (now - t).to_std().unwrap_or_default();
            assert!(
                age + Duration::from_secs(2) >= a.age && age <= a.age + Duration::from_secs(120),
                "{}: age {age:?} vs {:?}",
                a.url,
                a.age
            );
        }
    }
    assert_eq!(seen_disallowed, 1, "disallowed URL is listed in exactly one feed");
    nw.shutdown().await;
}

#[tokio::test]
async fn homepages_advertise_their_feeds() {
    let nw = Newswire::start().await.unwrap();
    let c = client();
    for o in nw.outlets() {
        let (status, html) = get_text(&c, &o.homepage).await;
        assert_eq!(status, 200);
        let tag = html
            .lines()
            .find(|l| l.contains("rel=\"alternate\""))
            .unwrap_or_else(|| panic!("{} has no alternate link", o.homepage));
        assert!(tag.contains(&format!("type=\"{}\"", o.format.discovery_type())));
        let href = tag.split("href=\"").nth(1).unwrap().split('"').next().unwrap();
        let resolved = reqwest::Url::parse(&o.homepage).unwrap().join(href).unwrap();
        assert_eq!(resolved.as_str(), o.feed_url);
        // Every article is linked from the front page.
        for a in nw.articles().iter().filter(|a| a.outlet == o.name) {
            assert!(html.contains(&a.url), "{} not on {}", a.url, o.homepage);
        }
    }
    nw.shutdown().await;
}

#[tokio::test]
async fn article_pages_carry_all_clutter_and_the_clean_text() {
    let nw = Newswire::start().await.unwrap();
    let c = client();
    let mut all = String::new();
    for a in nw.articles() {
        let (status, html) = get_text(&c, &a.url).await;
        assert_eq!(status, 200, "{}", a.url);
        assert!(html.contains(&a.headline.replace('&', "&amp;")), "{}", a.url);
        for p in &a.paragraphs {
            assert!(html.contains(&p.replace('&', "&amp;")), "{}: missing {p}", a.url);
        }
        let clutter = CLUTTER.iter().filter(|s| html.contains(*s)).count();
        assert!(clutter >= 8, "{}: only {clutter} clutter strings", a.url);
        assert!(html.contains(&a.image_url), "{}: no lead image", a.url);
        all.push_str(&html);
    }
    for s in CLUTTER {
        assert!(all.contains(s), "clutter {s:?} appears in no served page");
    }
    // Lead images are served too.
    let a = &nw.articles()[0];
    let r = c.get(&a.image_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    // Unknown paths are 404s.
    let missing = format!("{}no/such/page", nw.outlets()[0].homepage);
    assert_eq!(get_text(&c, &missing).await.0, 404);
    nw.shutdown().await;
}

#[tokio::test]
async fn robots_disallow_private_and_private_page_exists() {
    let nw = Newswire::start().await.unwrap();
    let c = client();
    for o in nw.outlets() {
        let (status, robots) = get_text(&c, &format!("{}robots.txt", o.homepage)).await;
        assert_eq!(status, 200);
        assert!(robots.lines().any(|l| l.trim() == "Disallow: /private/"));
    }
    let url = nw.disallowed_url();
    assert!(reqwest::Url::parse(&url).unwrap().path().starts_with("/private/"));
    assert_eq!(get_text(&c, &url).await.0, 200);
    assert!(!nw.articles().iter().any(|a| a.url == url));
    // The request log records what was fetched (crawler politeness checks).
    assert!(nw.requests().iter().any(|r| r.url == url));
    nw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_host_misbehaves_as_described() {
    let nw = Newswire::start_with_faults().await.unwrap();
    let f = nw.faults().expect("faults").clone();
    let c = client();
    assert!(!nw.outlets().iter().any(|o| o.homepage.starts_with(&f.base)));
    let fault_ip = reqwest::Url::parse(&f.base).unwrap().host_str().unwrap().to_string();
    assert!(nw.hosts().contains(&fault_ip));

    // The slow feed must not answer within a second, and must not stall
    // other requests meanwhile.
    let slow = {
        let c = c.clone();
        let url = f.slow_feed.clone();
        tokio::spawn(async move { tokio::time::timeout(Duration::from_secs(1), c.get(&url).send()).await })
    };
    let (status, _) = get_text(&c, &f.ok_item).await;
    assert_eq!(status, 200);
    assert!(slow.await.unwrap().is_err(), "slow feed answered within 1 s");

    assert_eq!(get_text(&c, &f.error_500_feed).await.0, 500);

    let (status, body) = get_text(&c, &f.malformed_feed).await;
    assert_eq!(status, 200);
    assert!(feed_rs::parser::parse(body.as_bytes()).is_err());

    let (status, body) = get_text(&c, &f.html_instead_of_feed).await;
    assert_eq!(status, 200);
    assert!(body.contains("<html"));

    // Redirects: check Location only; never follow to the SSRF targets.
    let location = |r: &reqwest::Response| r.headers()["location"].to_str().unwrap().to_string();
    let r = c.get(&f.redirect_loop_feed).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let next = location(&r);
    assert_ne!(next, f.redirect_loop_feed);
    let r = c.get(&next).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), f.redirect_loop_feed);
    let r = c.get(&f.ssrf_metadata_feed).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), "http://169.254.169.254/latest/meta-data/");
    let r = c.get(&f.ssrf_private_feed).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(location(&r), "http://10.0.0.1/");

    // The bad-items feed itself is valid and lists every bad item.
    let (status, body) = get_text(&c, &f.bad_items_feed).await;
    assert_eq!(status, 200);
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
    let links: BTreeSet<_> = feed.entries.iter().map(|e| e.links[0].href.clone()).collect();
    for u in [
        &f.ok_item,
        &f.pdf_item,
        &f.png_item,
        &f.oversized_item,
        &f.wrong_charset_item,
        &f.not_found_item,
        &f.disallowed_item,
    ] {
        assert!(links.contains(u), "{u} not in bad-items feed");
    }

    let (_, ok) = get_text(&c, &f.ok_item).await;
    assert!(ok.contains(&f.ok_item_headline));
    assert!(f.ok_item_paragraphs.iter().all(|p| ok.contains(p)));

    let r = c.get(&f.pdf_item).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    let r = c.get(&f.png_item).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));

    // Oversized: streamed without Content-Length, exactly OVERSIZED_BYTES.
    let mut r = c.get(&f.oversized_item).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-length").is_none());
    let mut total = 0;
    while let Some(chunk) = r.chunk().await.unwrap() {
        total += chunk.len();
    }
    assert_eq!(total, OVERSIZED_BYTES);

    // Wrong charset: the header and <meta> lie; the bytes are windows-1251.
    let r = c.get(&f.wrong_charset_item).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/html; charset=ISO-8859-1");
    let bytes = r.bytes().await.unwrap();
    assert!(std::str::from_utf8(&bytes).is_err());
    assert!(bytes
        .windows(b"charset=\"utf-8\"".len())
        .any(|w| w == b"charset=\"utf-8\""));
    let (text, _, bad) = encoding_rs::WINDOWS_1251.decode(&bytes);
    assert!(!bad);
    assert!(text.contains(&f.wrong_charset_headline));
    assert!(f.wrong_charset_paragraphs.iter().all(|p| text.contains(p.as_str())));

    assert_eq!(get_text(&c, &f.not_found_item).await.0, 404);

    let (status, robots) = get_text(&c, &format!("{}/robots.txt", f.base)).await;
    assert_eq!(status, 200);
    assert!(robots.contains("Disallow: /private/"));
    assert!(reqwest::Url::parse(&f.disallowed_item)
        .unwrap()
        .path()
        .starts_with("/private/"));
    assert_eq!(get_text(&c, &f.disallowed_item).await.0, 200);

    nw.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_prompt_even_with_a_request_in_flight() {
    let nw = Newswire::start_with_faults().await.unwrap();
    let f = nw.faults().unwrap().clone();
    let home = nw.outlets()[0].homepage.clone();
    let c = client();
    let pending = {
        let c = c.clone();
        tokio::spawn(async move { c.get(&f.slow_feed).send().await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    nw.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    // The in-flight slow request ends (with 503 or a closed connection).
    let res = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("slow request still hanging after shutdown")
        .unwrap();
    if let Ok(r) = res {
        assert_ne!(r.status(), 200);
    }
    // Nothing answers any more.
    assert!(c.get(&home).send().await.is_err());
}

#[tokio::test]
async fn dropping_stops_the_servers() {
    let c = client();
    let home = {
        let nw = Newswire::start().await.unwrap();
        let home = nw.outlets()[0].homepage.clone();
        assert_eq!(get_text(&c, &home).await.0, 200);
        home
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(c.get(&home).send().await.is_err());
}
