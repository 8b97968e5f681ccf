//! Stored analyses and the entity index built from them, on every backend.

mod support;

use chrono::Utc;
use newsdesk_domain::{Analysis, ArticleId, Entity, EntityKind, Quote, Section};
use support::{each, ready_article};

fn analysis(people: &[(&str, u32)]) -> Analysis {
    Analysis {
        summary: vec!["First sentence.".into()],
        key_points: vec!["Point.".into()],
        entities: people
            .iter()
            .map(|(name, mentions)| Entity {
                name: name.to_string(),
                kind: EntityKind::Person,
                mentions: *mentions,
            })
            .chain([Entity {
                name: "Brussels".into(),
                kind: EntityKind::Place,
                mentions: 1,
            }])
            .collect(),
        quotes: vec![Quote {
            text: "We agree,".into(),
            speaker: Some("Marco Rubio".into()),
            start: 1,
            end: 10,
        }],
        section: Some(Section::World),
    }
}

#[test]
fn analyses_round_trip_and_index_entities() {
    each("analyses_round_trip_and_index_entities", |db| {
        let store = db.open();
        let store = &*store;
        let source = store.upsert_source("Example", None).unwrap();
        let feed = store.add_feed(source.id, "https://example.com/feed").unwrap();
        let a = ready_article(store, feed.id, 1);
        let b = ready_article(store, feed.id, 2);
        assert_eq!(store.analysis(a).unwrap(), None);

        let first = analysis(&[("Marco Rubio", 3), ("Steve Witkoff", 1)]);
        store.save_analysis(a, &first, Utc::now()).unwrap();
        store
            .save_analysis(b, &analysis(&[("Marco Rubio", 1)]), Utc::now())
            .unwrap();
        assert_eq!(store.analysis(a).unwrap(), Some(first));

        let rubio = store.entity("marco-rubio").unwrap().expect("entity by slug");
        assert_eq!(
            (rubio.name.as_str(), rubio.kind, rubio.mentions),
            ("Marco Rubio", EntityKind::Person, 2)
        );
        let names: Vec<_> = store
            .entities_of(a)
            .unwrap()
            .into_iter()
            .map(|e| (e.slug, e.mentions))
            .collect();
        assert_eq!(names[0], ("marco-rubio".to_string(), 3));
        assert_eq!(names.len(), 3);
        let cards = store.articles_mentioning("marco-rubio", 10).unwrap();
        assert_eq!(
            cards.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![b, a],
            "newest first"
        );
        assert_eq!(store.articles_mentioning("steve-witkoff", 10).unwrap().len(), 1);
        assert!(store.entity("nobody").unwrap().is_none());
    });
}

#[test]
fn re_analysis_replaces_links() {
    each("re_analysis_replaces_links", |db| {
        let store = db.open();
        let store = &*store;
        let source = store.upsert_source("Example", None).unwrap();
        let feed = store.add_feed(source.id, "https://example.com/feed").unwrap();
        let a = ready_article(store, feed.id, 1);
        store
            .save_analysis(a, &analysis(&[("Steve Witkoff", 1)]), Utc::now())
            .unwrap();
        store
            .save_analysis(a, &analysis(&[("Marco Rubio", 2)]), Utc::now())
            .unwrap();
        assert!(store.articles_mentioning("steve-witkoff", 10).unwrap().is_empty());
        assert_eq!(store.entity("marco-rubio").unwrap().map(|e| e.mentions), Some(1));
    });
}

#[test]
fn articles_are_listed_under_the_section_their_analysis_gives() {
    each("articles_are_listed_under_the_section_their_analysis_gives", |db| {
        let store = db.open();
        let store = &*store;
        let source = store.upsert_source("Example", None).unwrap();
        let feed = store.add_feed(source.id, "https://example.com/feed").unwrap();
        let [a, b, c] = [1, 2, 3].map(|n| ready_article(store, feed.id, n));
        let filed = |section| Analysis {
            section,
            ..analysis(&[])
        };
        store
            .save_analysis(a, &filed(Some(Section::Sports)), Utc::now())
            .unwrap();
        store
            .save_analysis(b, &filed(Some(Section::World)), Utc::now())
            .unwrap();
        store
            .save_analysis(c, &filed(Some(Section::Sports)), Utc::now())
            .unwrap();
        let ids = |section| -> Vec<ArticleId> {
            let cards = store.latest_in_section(section, 10, 0).unwrap();
            cards.into_iter().map(|c| c.id).collect()
        };
        assert_eq!(ids(Section::Sports), vec![c, a], "newest first");
        assert_eq!(ids(Section::World), vec![b]);
        assert!(ids(Section::Health).is_empty());
        assert_eq!(
            store.latest_in_section(Section::Sports, 1, 1).unwrap()[0].id,
            a,
            "paged"
        );

        // A new analysis refiles the article; one without a section unfiles it.
        store
            .save_analysis(c, &filed(Some(Section::World)), Utc::now())
            .unwrap();
        store.save_analysis(a, &filed(None), Utc::now()).unwrap();
        assert!(ids(Section::Sports).is_empty());
        assert_eq!(ids(Section::World), vec![c, b]);
    });
}

#[test]
fn llm_replies_are_cached_by_key() {
    each("llm_replies_are_cached_by_key", |db| {
        let store = db.open();
        let store = &*store;
        assert_eq!(store.llm_cached("k").unwrap(), None);
        store.cache_llm("k", "first", Utc::now()).unwrap();
        store.cache_llm("k", "second", Utc::now()).unwrap();
        assert_eq!(store.llm_cached("k").unwrap().as_deref(), Some("second"));
    });
}
