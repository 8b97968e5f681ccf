//! Stories on every backend: assignment, merges, syndication, rankings.

mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use newsdesk_domain::{ArticleId, Extracted, FeedEntry, StoryId};
use newsdesk_store::{PollSuccess, Queued, StoryAssignment};
use support::{each, Backend};

fn t(hours: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000, 0).unwrap() + Duration::hours(hours)
}

/// Stores one ready article per (outlet, title, hour) and returns their ids.
fn articles(store: &dyn Backend, items: &[(&str, &str, i64)]) -> Vec<ArticleId> {
    items
        .iter()
        .enumerate()
        .map(|(i, (outlet, title, hour))| {
            let source = store.upsert_source(outlet, None).unwrap();
            let feed = store
                .add_feed(source.id, &format!("https://{}.example/feed", outlet.to_lowercase()))
                .unwrap();
            let poll = PollSuccess {
                checked_at: t(*hour),
                next_check_at: t(*hour + 1),
                interval_secs: 3600,
                etag: None,
                last_modified: None,
                title: None,
            };
            let entry = FeedEntry {
                guid: format!("g{i}"),
                url: format!("https://{}.example/{i}", outlet.to_lowercase()),
                title: Some(title.to_string()),
                summary: None,
                author: None,
                published: Some(t(*hour)),
                category: None,
            };
            let Queued::New(id) = store.record_poll(feed.id, &poll, &[entry]).unwrap()[0] else {
                panic!("not new")
            };
            let page = Extracted {
                title: Some(title.to_string()),
                published: Some(t(*hour).fixed_offset()),
                text: format!("{title}. Body."),
                html: "<p>Body.</p>".into(),
                ..Extracted::default()
            };
            store
                .complete_article(id, &format!("https://{}.example/{i}", outlet.to_lowercase()), &page)
                .unwrap();
            id
        })
        .collect()
}

/// `article` joining the story `story` founded, and nothing else.
fn arrival(article: ArticleId, story: ArticleId) -> StoryAssignment {
    StoryAssignment {
        article,
        story: StoryId(story.0),
        merged: vec![],
        syndicated: vec![],
        related: vec![],
        moved: vec![],
        emptied: vec![],
    }
}

fn assign(store: &dyn Backend, article: ArticleId, story: ArticleId) {
    store.assign_story(&arrival(article, story)).unwrap();
}

/// Issue #14: the clusterer revises earlier decisions; the store follows
/// in the arrival's transaction.
#[test]
fn revised_articles_move_and_emptied_stories_go() {
    each("revised_articles_move_and_emptied_stories_go", |db| {
        let store = db.open();
        let store = &*store;
        let a = articles(
            store,
            &[
                ("Gazette", "Bridge closed", 0),
                ("Ledger", "Bridge shut", 1),
                ("Courier", "Bridge reopens", 2),
                ("Gazette", "Strike ends", 3),
            ],
        );
        assign(store, a[0], a[0]);
        assign(store, a[1], a[1]);
        assign(store, a[3], a[0]);
        // a[2] joins a[0]'s story, which takes a[1] from its own (now empty)
        // story and gives a[3] a story of its own (a split).
        store
            .assign_story(&StoryAssignment {
                moved: vec![(a[1], StoryId(a[0].0)), (a[3], StoryId(a[3].0))],
                emptied: vec![StoryId(a[1].0)],
                ..arrival(a[2], a[0])
            })
            .unwrap();
        assert!(store.story(StoryId(a[1].0)).unwrap().is_none(), "emptied story deleted");
        assert_eq!(store.story_redirect(StoryId(a[1].0)).unwrap(), Some(StoryId(a[0].0)));
        let bridge = store.story(StoryId(a[0].0)).unwrap().unwrap();
        assert_eq!((bridge.article_count, bridge.source_count), (3, 3));
        let strike = store.story(StoryId(a[3].0)).unwrap().unwrap();
        assert_eq!((strike.article_count, strike.headline.as_str()), (1, "Strike ends"));
        assert_eq!(store.article_story(a[1]).unwrap().unwrap().story, StoryId(a[0].0));
        assert_eq!(store.article_story(a[3]).unwrap().unwrap().story, StoryId(a[3].0));
    });
}

#[test]
fn a_story_counts_its_articles_sources_and_original_share() {
    each("a_story_counts_its_articles_sources_and_original_share", |db| {
        let store = db.open();
        let store = &*store;
        let a = articles(
            store,
            &[
                ("Gazette", "Bridge closed", 0),
                ("Ledger", "Bridge shut", 1),
                ("Courier", "Bridge copy", 2),
            ],
        );
        assign(store, a[0], a[0]);
        assign(store, a[1], a[0]);
        store
            .assign_story(&StoryAssignment {
                syndicated: vec![(a[2], Some("Gazette".into()))],
                ..arrival(a[2], a[0])
            })
            .unwrap();
        let story = store.story(StoryId(a[0].0)).unwrap().unwrap();
        assert_eq!((story.article_count, story.source_count), (3, 3));
        assert!((story.original_share - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(story.headline, "Bridge closed");
        assert_eq!((story.first_seen, story.last_seen), (t(0), t(2)));
        let listed = store.story_articles(story.id).unwrap();
        assert_eq!(
            listed.iter().map(|s| s.card.id).collect::<Vec<_>>(),
            a,
            "timeline order"
        );
        assert!(listed[2].syndicated && listed[2].origin.as_deref() == Some("Gazette"));
        let of = store.article_story(a[2]).unwrap().unwrap();
        assert!(of.syndicated && of.story == story.id);
        assert_eq!(store.article_story(ArticleId(999)).unwrap(), None);
    });
}

#[test]
fn merging_moves_articles_and_deletes_the_merged_story() {
    each("merging_moves_articles_and_deletes_the_merged_story", |db| {
        let store = db.open();
        let store = &*store;
        let a = articles(
            store,
            &[
                ("Gazette", "Flood", 0),
                ("Ledger", "Flooding", 1),
                ("Courier", "Floods", 2),
            ],
        );
        assign(store, a[0], a[0]);
        assign(store, a[1], a[1]);
        store
            .assign_story(&StoryAssignment {
                merged: vec![StoryId(a[1].0)],
                ..arrival(a[2], a[0])
            })
            .unwrap();
        assert_eq!(store.story(StoryId(a[1].0)).unwrap(), None);
        assert_eq!(store.story(StoryId(a[0].0)).unwrap().unwrap().article_count, 3);
        assert_eq!(store.article_story(a[1]).unwrap().unwrap().story, StoryId(a[0].0));
        // The merged story's address leads to the survivor, and on to
        // wherever that goes next.
        assert_eq!(store.story_redirect(StoryId(a[1].0)).unwrap(), Some(StoryId(a[0].0)));
        assert_eq!(store.story_redirect(StoryId(a[0].0)).unwrap(), None);
        let later = articles(store, &[("Herald", "Flood waters recede", 3)])[0];
        store
            .assign_story(&StoryAssignment {
                merged: vec![StoryId(a[0].0)],
                ..arrival(later, later)
            })
            .unwrap();
        for old in [a[0], a[1]] {
            assert_eq!(store.story_redirect(StoryId(old.0)).unwrap(), Some(StoryId(later.0)));
        }
    });
}

#[test]
fn related_articles_list_other_outlets_first_then_related_stories() {
    each("related_articles_list_other_outlets_first_then_related_stories", |db| {
        let store = db.open();
        let store = &*store;
        let a = articles(
            store,
            &[
                ("Gazette", "Bridge closed", 0),
                ("Ledger", "Bridge shut", 1),
                ("Gazette", "Bridge: what now", 3),
                ("Courier", "Ferries add sailings", 2),
                ("Herald", "Unrelated cup final", 2),
            ],
        );
        for &i in &a[..3] {
            assign(store, i, a[0]);
        }
        assign(store, a[4], a[4]);
        store
            .assign_story(&StoryAssignment {
                related: vec![(StoryId(a[0].0), 0.2), (StoryId(12345), 0.9)],
                ..arrival(a[3], a[3])
            })
            .unwrap();
        let related = store.related_articles(a[0], 10).unwrap();
        let got: Vec<(ArticleId, bool)> = related.iter().map(|r| (r.card.id, r.same_story)).collect();
        assert_eq!(got, vec![(a[1], true), (a[2], true), (a[3], false)]);
        assert_eq!(store.related_articles(a[0], 1).unwrap().len(), 1);
        assert!(store.related_articles(ArticleId(999), 5).unwrap().is_empty());

        // The article page reads all of it at once, the same way.
        let view = store.article_view(a[0], 10).unwrap().expect("the article");
        assert_eq!((view.article.id, view.source.name.as_str()), (a[0], "Gazette"));
        let (member, story) = view.story.expect("clustered");
        assert_eq!((member.story, story.article_count), (StoryId(a[0].0), 3));
        assert_eq!(view.related, related);
        assert_eq!((view.analysis, view.entities.len()), (None, 0));
        assert_eq!(store.article_view(a[4], 1).unwrap().unwrap().related.len(), 0);
        assert_eq!(store.article_view(ArticleId(999), 5).unwrap(), None);
    });
}

#[test]
fn top_stories_weigh_coverage_against_age() {
    each("top_stories_weigh_coverage_against_age", |db| {
        let store = db.open();
        let store = &*store;
        let a = articles(
            store,
            &[
                ("Gazette", "Big story", 0),
                ("Ledger", "Big story 2", 1),
                ("Courier", "Big story 3", 2),
                ("Herald", "Small fresh story", 2),
                ("Gazette", "Big old story", -100),
                ("Ledger", "Big old story 2", -100),
            ],
        );
        for &i in &a[..3] {
            assign(store, i, a[0]);
        }
        assign(store, a[3], a[3]);
        assign(store, a[4], a[4]);
        assign(store, a[5], a[4]);
        let top = store.top_stories(10, t(3)).unwrap();
        let ids: Vec<StoryId> = top.iter().map(|s| s.id).collect();
        assert_eq!(
            ids,
            vec![StoryId(a[0].0), StoryId(a[3].0)],
            "the old story left the window"
        );
        // A day later a fresh single article beats the stale three-outlet story.
        let fresh = articles(store, &[("Herald", "Breaking", 26)]);
        assign(store, fresh[0], fresh[0]);
        assert_eq!(store.top_stories(1, t(26)).unwrap()[0].id, StoryId(fresh[0].0));
    });
}

#[test]
fn seeds_replay_the_window_in_arrival_order() {
    each("seeds_replay_the_window_in_arrival_order", |db| {
        let store = db.open();
        let store = &*store;
        let a = articles(
            store,
            &[
                ("Gazette", "Old", -200),
                ("Ledger", "New", 0),
                ("Courier", "Unclustered", 0),
            ],
        );
        assign(store, a[0], a[0]);
        assign(store, a[1], a[1]);
        let seeds = store.cluster_seeds(t(-72)).unwrap();
        assert_eq!(seeds.len(), 1);
        assert_eq!((seeds[0].article, seeds[0].story), (a[1], StoryId(a[1].0)));
        assert_eq!(seeds[0].source, "Ledger");
        assert!(seeds[0].lead.starts_with("New"));
    });
}

#[test]
fn assigning_an_unknown_article_fails_cleanly() {
    each("assigning_an_unknown_article_fails_cleanly", |db| {
        let store = db.open();
        let store = &*store;
        let err = store.assign_story(&arrival(ArticleId(42), ArticleId(42)));
        assert!(err.is_err());
        assert_eq!(store.story(StoryId(42)).unwrap(), None, "rolled back");
    });
}

#[test]
fn two_merges_of_one_story_at_once_leave_consistent_stories() {
    each("two_merges_of_one_story_at_once_leave_consistent_stories", |db| {
        let store = db.open();
        let store = &*store;
        let a = articles(
            store,
            &[
                ("Gazette", "Storm", 0),
                ("Ledger", "Storm hits", 1),
                ("Courier", "Storm damage", 2),
                ("Herald", "After the storm", 3),
                ("Tribune", "Storm costs", 4),
            ],
        );
        for &id in &a[..3] {
            assign(store, id, id);
        }
        // Two decisions at once both fold story a[1] into a different survivor.
        let plans = [(a[3], a[0]), (a[4], a[2])];
        let gone = StoryId(a[1].0);
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        std::thread::scope(|s| {
            for (article, survivor) in plans {
                let (barrier, store) = (barrier.clone(), db.open());
                s.spawn(move || {
                    barrier.wait();
                    store
                        .assign_story(&StoryAssignment {
                            merged: vec![gone],
                            ..arrival(article, survivor)
                        })
                        .expect("racing merge");
                });
            }
        });
        assert_eq!(store.story(gone).unwrap(), None, "the merged story is gone");
        let mut placed = 0;
        for survivor in [a[0], a[2]] {
            let story = store.story(StoryId(survivor.0)).unwrap().expect("survivor stays");
            let members = store.story_articles(story.id).unwrap();
            assert_eq!(story.article_count, members.len() as i64, "counts match members");
            placed += members.len();
        }
        assert_eq!(placed, 5, "every article sits in a surviving story");
    });
}
