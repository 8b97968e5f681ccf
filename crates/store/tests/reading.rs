//! Each reader's follows, saves, read marks, app passwords and account
//! deletion, on every backend.

mod support;

use chrono::Utc;
use newsdesk_domain::{Analysis, ArticleId, Entity, EntityKind, Interest, Mode, Role, Section, Target, UserId};
use newsdesk_store::{Cursor, NewComment, Pick, StoreError, Window};
use support::{each, ready_article, Backend};

fn filed(section: Section, person: &str) -> Analysis {
    Analysis {
        entities: vec![Entity {
            name: person.into(),
            kind: EntityKind::Person,
            mentions: 1,
        }],
        section: Some(section),
        ..Analysis::default()
    }
}

fn reader(store: &dyn Backend, name: &str) -> UserId {
    store.create_user(name, "hash", Role::Reader, Utc::now()).unwrap().id
}

fn follow(target: Target) -> Interest {
    Interest {
        mode: Mode::Follow,
        label: target.key().to_string(),
        target,
    }
}

fn ids(listed: &[newsdesk_store::Listed]) -> Vec<ArticleId> {
    listed.iter().map(|l| l.card.id).collect()
}

#[test]
fn follows_and_hides_toggle_and_switch() {
    each("follows_and_hides_toggle_and_switch", |db| {
        let store = db.open();
        let ada = reader(&*store, "ada");
        let now = Utc::now();
        let source = follow(Target::Source("paper".into()));
        store.set_interest(ada, &source, true, now).unwrap();
        store.set_interest(ada, &source, true, now).unwrap();
        let science = follow(Target::Section(Section::Science));
        let later = now + chrono::Duration::seconds(1);
        store.set_interest(ada, &science, true, later).unwrap();
        assert_eq!(
            store.interests(ada).unwrap(),
            vec![source.clone(), science.clone()],
            "oldest first"
        );

        // Hiding a followed source replaces the follow.
        let hidden = Interest {
            mode: Mode::Hide,
            ..source.clone()
        };
        store.set_interest(ada, &hidden, true, now).unwrap();
        assert_eq!(store.interests(ada).unwrap(), vec![hidden.clone(), science.clone()]);
        // Unfollowing what is hidden leaves the hide alone; unhiding removes it.
        store.set_interest(ada, &source, false, now).unwrap();
        assert_eq!(store.interests(ada).unwrap().len(), 2);
        store.set_interest(ada, &hidden, false, now).unwrap();
        assert_eq!(store.interests(ada).unwrap(), vec![science]);

        let empty = follow(Target::Search("  ".into()));
        assert!(matches!(
            store.set_interest(ada, &empty, true, now),
            Err(StoreError::Invalid(_))
        ));
        let long = follow(Target::Keyword("x".repeat(201)));
        assert!(matches!(
            store.set_interest(ada, &long, true, now),
            Err(StoreError::Invalid(_))
        ));
        assert!(
            store.interests(reader(&*store, "bob")).unwrap().is_empty(),
            "per reader"
        );

        // A reader's list is bounded; changing a kept one is always allowed.
        let cat = reader(&*store, "cat");
        for n in 0..newsdesk_store::MAX_INTERESTS {
            let word = follow(Target::Keyword(format!("w{n}")));
            store.set_interest(cat, &word, true, now).unwrap();
        }
        let one_more = follow(Target::Keyword("one more".into()));
        assert!(matches!(
            store.set_interest(cat, &one_more, true, now),
            Err(StoreError::Invalid(_))
        ));
        let kept = Interest {
            mode: Mode::Hide,
            ..follow(Target::Keyword("w0".into()))
        };
        store.set_interest(cat, &kept, true, now).unwrap();
    });
}

#[test]
fn picks_page_by_cursor_in_both_directions() {
    each("picks_page_by_cursor_in_both_directions", |db| {
        let store = db.open();
        let store = &*store;
        let paper = store.upsert_source("Paper", None).unwrap();
        let feed = store.add_feed(paper.id, "https://example.com/feed").unwrap();
        let other = store.upsert_source("Other", None).unwrap();
        let other_feed = store.add_feed(other.id, "https://other.example/feed").unwrap();
        let a: Vec<ArticleId> = (1..=5).map(|n| ready_article(store, feed.id, n)).collect();
        let b = ready_article(store, other_feed.id, 6);
        for (i, id) in a.iter().enumerate() {
            let section = if i % 2 == 0 { Section::Science } else { Section::Sports };
            store
                .save_analysis(*id, &filed(section, "Ada Lovelace"), Utc::now())
                .unwrap();
        }
        store
            .save_analysis(b, &filed(Section::Science, "Grace Hopper"), Utc::now())
            .unwrap();

        let newest = |pick| ids(&store.pick(pick, &Window::newest(10)).unwrap());
        assert_eq!(newest(Pick::Source(&paper.slug)), vec![a[4], a[3], a[2], a[1], a[0]]);
        assert_eq!(newest(Pick::Section(Section::Science)), vec![b, a[4], a[2], a[0]]);
        assert_eq!(newest(Pick::Entity("grace-hopper")), vec![b]);
        let hits = [a[1], b, ArticleId(999_999)];
        assert_eq!(newest(Pick::Ids(&hits)), vec![b, a[1]]);
        assert!(newest(Pick::Source("nobody")).is_empty());

        // Two pages newest first, then oldest first from the same cursor.
        let first = store.pick(Pick::Source(&paper.slug), &Window::newest(2)).unwrap();
        assert_eq!(ids(&first), vec![a[4], a[3]]);
        assert_eq!(first[0].section, Some(Section::Science));
        let after = Some(first[1].cursor);
        let next = Window {
            after,
            ..Window::newest(2)
        };
        assert_eq!(
            ids(&store.pick(Pick::Source(&paper.slug), &next).unwrap()),
            vec![a[2], a[1]]
        );
        let back = Window {
            after,
            oldest_first: true,
            ..Window::newest(10)
        };
        assert_eq!(ids(&store.pick(Pick::Source(&paper.slug), &back).unwrap()), vec![a[4]]);
        let Cursor { sort_at, .. } = first[1].cursor;
        let since = Window {
            since: Some(sort_at),
            ..Window::newest(10)
        };
        assert_eq!(
            ids(&store.pick(Pick::Source(&paper.slug), &since).unwrap()),
            vec![a[4], a[3]]
        );
        let until = Window {
            until: Some(sort_at),
            ..Window::newest(10)
        };
        assert_eq!(ids(&store.pick(Pick::Source(&paper.slug), &until).unwrap()).len(), 3);
        let too_many = vec![a[0]; 10_001];
        assert!(matches!(
            store.pick(Pick::Ids(&too_many), &Window::newest(1)),
            Err(StoreError::Invalid(_))
        ));
    });
}

#[test]
fn saves_and_read_marks_are_per_reader() {
    each("saves_and_read_marks_are_per_reader", |db| {
        let store = db.open();
        let store = &*store;
        let source = store.upsert_source("Paper", None).unwrap();
        let feed = store.add_feed(source.id, "https://example.com/feed").unwrap();
        let [x, y, z] = [1, 2, 3].map(|n| ready_article(store, feed.id, n));
        let (ada, bob) = (reader(store, "ada"), reader(store, "bob"));
        let now = Utc::now();

        store.set_saved(ada, y, true, now).unwrap();
        store.set_saved(ada, y, true, now).unwrap();
        store.set_saved(ada, x, true, now).unwrap();
        assert!(matches!(
            store.set_saved(ada, ArticleId(999_999), true, now),
            Err(StoreError::NotFound(_))
        ));
        let saved = |user| ids(&store.pick(Pick::Saved(user), &Window::newest(10)).unwrap());
        assert_eq!(saved(ada), vec![y, x]);
        assert!(saved(bob).is_empty());
        store.set_saved(ada, x, false, now).unwrap();
        assert_eq!(saved(ada), vec![y]);

        assert_eq!(store.set_read(ada, &[x, z, ArticleId(999_999)], true, now).unwrap(), 2);
        assert_eq!(store.set_read(ada, &[x], true, now).unwrap(), 0, "already read");
        let marks = store.marks(ada, &[x, y, z]).unwrap();
        let flags: Vec<(bool, bool)> = marks.iter().map(|m| (m.read, m.saved)).collect();
        assert_eq!(flags, vec![(true, false), (false, true), (true, false)]);
        assert!(store
            .marks(bob, &[x, y, z])
            .unwrap()
            .iter()
            .all(|m| !m.read && !m.saved));
        assert_eq!(store.set_read(ada, &[z], false, now).unwrap(), 1);
        assert!(!store.marks(ada, &[z]).unwrap()[0].read);
    });
}

#[test]
fn app_passwords_and_feed_tokens_find_their_reader() {
    each("app_passwords_and_feed_tokens_find_their_reader", |db| {
        let store = db.open();
        let (ada, bob) = (reader(&*store, "ada"), reader(&*store, "bob"));
        let now = Utc::now();
        let phone = store.create_app_password(ada, "Phone", "hash-1", now).unwrap();
        store.create_app_password(ada, "Tablet", "hash-2", now).unwrap();
        let names: Vec<String> = store.app_passwords(ada).unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names, vec!["Phone", "Tablet"]);
        let (found, user) = store.app_password_by_secret("hash-1").unwrap().unwrap();
        assert_eq!((found.id, user.id), (phone.id, ada));
        assert_eq!(store.app_password(phone.id).unwrap().unwrap().1.username, "ada");
        assert!(!store.delete_app_password(bob, phone.id).unwrap(), "not bob's");
        assert!(store.delete_app_password(ada, phone.id).unwrap());
        assert!(store.app_password_by_secret("hash-1").unwrap().is_none());
        for n in 0..newsdesk_store::MAX_APP_PASSWORDS {
            store.create_app_password(bob, "App", &format!("bob-{n}"), now).unwrap();
        }
        let full = store.create_app_password(bob, "App", "bob-last", now);
        assert!(matches!(full, Err(StoreError::Invalid(_))), "{full:?}");

        let token = store.feed_token(ada, "fresh-1").unwrap();
        assert_eq!(token, "fresh-1");
        assert_eq!(store.feed_token(ada, "fresh-2").unwrap(), "fresh-1", "made once");
        assert_eq!(store.user_by_feed_token("fresh-1").unwrap().unwrap().id, ada);
        assert!(store.user_by_feed_token("fresh-2").unwrap().is_none());
    });
}

#[test]
fn a_deleted_account_leaves_only_its_comments_as_deleted() {
    each("a_deleted_account_leaves_only_its_comments_as_deleted", |db| {
        let store = db.open();
        let store = &*store;
        let source = store.upsert_source("Paper", None).unwrap();
        let feed = store.add_feed(source.id, "https://example.com/feed").unwrap();
        let article = ready_article(store, feed.id, 1);
        let (ada, bob) = (reader(store, "ada"), reader(store, "bob"));
        let now = Utc::now();
        let comment = |user, parent, body: &str| {
            let new = NewComment {
                article_id: article,
                user_id: user,
                parent_id: parent,
                body: body.into(),
                at: now,
            };
            store.add_comment(&new).unwrap().id
        };
        let mine = comment(ada, None, "Mine");
        let reply = comment(bob, Some(mine), "A reply");
        store
            .create_session("session", ada, now, now + chrono::Duration::days(1))
            .unwrap();
        store
            .set_interest(ada, &follow(Target::Entity("ada-lovelace".into())), true, now)
            .unwrap();
        store.set_saved(ada, article, true, now).unwrap();
        store.set_read(ada, &[article], true, now).unwrap();
        store.create_app_password(ada, "Phone", "hash-1", now).unwrap();
        store.feed_token(ada, "token").unwrap();
        store.set_saved(bob, article, true, now).unwrap();

        store.delete_user(ada).unwrap();
        assert!(store.session_user("session", now).unwrap().is_none());
        assert!(store.interests(ada).unwrap().is_empty());
        assert!(store.pick(Pick::Saved(ada), &Window::newest(5)).unwrap().is_empty());
        assert!(!store.marks(ada, &[article]).unwrap()[0].read);
        assert!(store.app_passwords(ada).unwrap().is_empty());
        assert!(store.user_by_feed_token("token").unwrap().is_none());
        assert!(store.user_for_login("ada").unwrap().is_none(), "the name is free");
        let gone = store.comment(mine).unwrap().unwrap();
        assert!(gone.deleted && gone.body.is_empty());
        assert_eq!(store.comment(reply).unwrap().unwrap().body, "A reply", "replies stay");
        assert_eq!(store.pick(Pick::Saved(bob), &Window::newest(5)).unwrap().len(), 1);
        assert!(matches!(store.delete_user(ada), Err(StoreError::NotFound(_))));
        reader(store, "ada");
    });
}
