//! Crawl leases and the story lead on every backend: what several workers
//! on one database rely on.

mod support;

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use newsdesk_domain::{ArticleId, Extracted, FeedEntry, StoryId};
use newsdesk_store::{PollSuccess, Queued, StoredRobots, StoryAssignment};
use support::{each, Backend};

fn poll_later() -> PollSuccess {
    let now = Utc::now();
    PollSuccess {
        checked_at: now,
        next_check_at: now + Duration::hours(1),
        interval_secs: 3600,
        etag: None,
        last_modified: None,
        title: None,
    }
}

/// Queues a page on `host` through a feed on `feed_host`.
fn queue_page(store: &dyn Backend, feed_host: &str, host: &str, n: u32) -> ArticleId {
    let source = store.upsert_source(feed_host, None).unwrap();
    let feed = store.add_feed(source.id, &format!("https://{feed_host}/feed")).unwrap();
    let entry = FeedEntry {
        guid: format!("g{n}"),
        url: format!("https://{host}/{n}"),
        title: Some(format!("Page {n}")),
        summary: None,
        author: None,
        published: None,
        category: None,
    };
    let Queued::New(id) = store.record_poll(feed.id, &poll_later(), &[entry]).unwrap()[0] else {
        panic!("new article")
    };
    id
}

fn hosts(leases: &[newsdesk_store::HostLease]) -> Vec<&str> {
    leases.iter().map(|l| l.host.as_str()).collect()
}

#[test]
fn a_host_is_leased_to_one_worker_until_released_or_expired() {
    each("a_host_is_leased_to_one_worker", |db| {
        let (a, b) = (db.open(), db.open());
        // A new feed is due at once; its host has work.
        let source = a.upsert_source("Wire", None).unwrap();
        a.add_feed(source.id, "https://Feeds.Wire.example/rss").unwrap();
        queue_page(a.as_ref(), "paper.example", "www.paper.example", 1);
        // Both backends keep whole milliseconds.
        let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis() + 1).unwrap();
        let until = now + Duration::seconds(30);

        let first = a.claim_hosts("w1", now, until, &[], 10).unwrap();
        assert_eq!(hosts(&first), ["feeds.wire.example", "www.paper.example"]);
        assert!(
            b.claim_hosts("w2", now, until, &[], 10).unwrap().is_empty(),
            "leased hosts are not claimed twice"
        );

        // paper.example's feed is not due until its first poll's time: only
        // its queued page counts, and that is leased already.
        let feeds = a.due_feeds_of_host("feeds.wire.example", now, 10).unwrap();
        assert_eq!(feeds.len(), 1);
        assert_eq!(a.pending_of_host("www.paper.example", 10).unwrap().len(), 1);
        assert!(a.pending_of_host("feeds.wire.example", 10).unwrap().is_empty());

        // Released with a later contact time and robots.txt, the host goes back.
        let robots = StoredRobots {
            body: "User-agent: *\nCrawl-delay: 2\n".into(),
            fetched_at: now,
        };
        a.release_host("www.paper.example", "w1", now + Duration::seconds(2), Some(&robots))
            .unwrap();
        let second = b.claim_hosts("w2", now, until, &[], 10).unwrap();
        assert_eq!(hosts(&second), ["www.paper.example"]);
        assert_eq!(second[0].next_fetch_at, now + Duration::seconds(2));
        assert_eq!(
            second[0].robots.as_ref().map(|r| r.body.as_str()),
            Some(robots.body.as_str())
        );
        assert!(a.renew_host("www.paper.example", "w2", until).unwrap());
        assert!(!a.renew_host("www.paper.example", "w1", until).unwrap(), "w1 lost it");
        // A release by a worker that lost the lease changes nothing.
        a.release_host("www.paper.example", "w1", now, None).unwrap();
        assert!(a.claim_hosts("w3", now, until, &[], 10).unwrap().is_empty());

        // w1 dies holding the wire's host: once its lease expires, it is taken.
        let later = until + Duration::seconds(1);
        let taken = b
            .claim_hosts("w2", later, later + Duration::seconds(30), &[], 10)
            .unwrap();
        assert_eq!(hosts(&taken), ["feeds.wire.example", "www.paper.example"]);
        assert!(!a.renew_host("feeds.wire.example", "w1", until).unwrap());

        // A host without work is never claimed; skipped hosts neither.
        let far = later + Duration::seconds(60);
        assert_eq!(
            hosts(
                &a.claim_hosts("w1", far, far, &["www.paper.example".into()], 10)
                    .unwrap()
            ),
            ["feeds.wire.example"]
        );
    });
}

#[test]
fn the_story_lead_has_one_holder_and_serves_the_queue_in_order() {
    each("the_story_lead_has_one_holder", |db| {
        let store = db.open();
        let ids: Vec<ArticleId> = (1..=3)
            .map(|n| queue_page(store.as_ref(), "paper.example", "paper.example", n))
            .collect();
        for (n, id) in ids.iter().enumerate() {
            let page = Extracted {
                text: format!("Text {n}."),
                ..Extracted::default()
            };
            store
                .complete_article(*id, &format!("https://paper.example/{}", n + 1), &page)
                .unwrap();
        }
        // Storing the same page again (a worker whose lease had expired)
        // writes nothing and queues nothing.
        let again = store
            .complete_article(ids[0], "https://paper.example/1", &Extracted::default())
            .unwrap();
        assert_eq!(again, newsdesk_store::Completed::Repeat(ids[0]));
        assert_eq!(store.article(ids[0]).unwrap().unwrap().text, "Text 0.");

        let other = db.open();
        let lead = store.lead_stories().unwrap().expect("the first asker leads");
        assert!(other.lead_stories().unwrap().is_none(), "one holder at a time");
        assert!(store.lead_stories().unwrap().is_none(), "even in the same process");
        assert_eq!(lead.waiting(10).unwrap(), ids);

        lead.assign(&StoryAssignment {
            article: ids[0],
            story: StoryId(ids[0].0),
            merged: Vec::new(),
            syndicated: Vec::new(),
            related: Vec::new(),
            moved: Vec::new(),
            emptied: Vec::new(),
        })
        .unwrap();
        lead.pass(&[ids[1]]).unwrap();
        assert_eq!(lead.waiting(10).unwrap(), [ids[2]]);
        assert_eq!(store.article_story(ids[0]).unwrap().unwrap().story, StoryId(ids[0].0));
        assert!(store.article_story(ids[1]).unwrap().is_none());

        // Word of a stored article reaches the holder, from another handle.
        assert!(!lead.wait(StdDuration::from_millis(50)).unwrap());
        let id = queue_page(other.as_ref(), "paper.example", "paper.example", 4);
        other
            .complete_article(id, "https://paper.example/4", &Extracted::default())
            .unwrap();
        if db.name() == "postgres" {
            assert!(lead.wait(StdDuration::from_secs(5)).unwrap());
        }
        assert_eq!(lead.waiting(10).unwrap(), [ids[2], id]);

        drop(lead);
        let next = other.lead_stories().unwrap().expect("a dropped lead is free again");
        assert_eq!(next.waiting(10).unwrap(), [ids[2], id]);
    });
}
