//! Accounts, sessions and comments on every backend.

mod support;

use chrono::{Duration, Utc};
use newsdesk_domain::{ArticleId, CommentId, FeedEntry, Role, UserId};
use newsdesk_store::{NewComment, PollSuccess, Queued, StoreError};
use support::{each, Backend, Db};

/// A store with two articles to comment on.
fn setup(db: &Db) -> (Box<dyn Backend>, [ArticleId; 2]) {
    let store = db.open();
    let source = store.upsert_source("Paper", None).unwrap();
    let feed = store.add_feed(source.id, "https://paper.example/feed").unwrap();
    let now = Utc::now();
    let poll = PollSuccess {
        checked_at: now,
        next_check_at: now,
        interval_secs: 60,
        etag: None,
        last_modified: None,
        title: None,
    };
    let entries: Vec<FeedEntry> = (0..2)
        .map(|i| FeedEntry {
            guid: format!("g{i}"),
            url: format!("https://paper.example/{i}"),
            title: Some(format!("Story {i}")),
            summary: None,
            author: None,
            published: None,
            category: None,
        })
        .collect();
    let ids: Vec<ArticleId> = store
        .record_poll(feed.id, &poll, &entries)
        .unwrap()
        .into_iter()
        .map(|q| match q {
            Queued::New(id) | Queued::Known(id) => id,
        })
        .collect();
    (store, [ids[0], ids[1]])
}

fn comment(store: &dyn Backend, article: ArticleId, user: UserId, parent: Option<CommentId>, body: &str) -> CommentId {
    let new = NewComment {
        article_id: article,
        user_id: user,
        parent_id: parent,
        body: body.into(),
        at: Utc::now(),
    };
    store.add_comment(&new).unwrap().id
}

#[test]
fn accounts_keep_their_role_and_usernames_are_unique_ignoring_case() {
    each(
        "accounts_keep_their_role_and_usernames_are_unique_ignoring_case",
        |db| {
            let (store, _) = setup(db);
            let store = &*store;
            let now = Utc::now();
            assert_eq!(
                store.create_user("Ada", "hash-a", Role::Reader, now).unwrap().role,
                Role::Reader,
                "the first account gets no privilege for being first"
            );
            assert_eq!(
                store.create_user("bob", "hash-b", Role::Admin, now).unwrap().role,
                Role::Admin
            );
            assert_eq!(
                store.create_user("cy", "hash-c", Role::Moderator, now).unwrap().role,
                Role::Moderator
            );
            assert!(matches!(
                store.create_user("ADA", "x", Role::Reader, now),
                Err(StoreError::Conflict(_))
            ));
            let (user, hash) = store.user_for_login("ada").unwrap().unwrap();
            assert_eq!((user.username.as_str(), hash.as_str()), ("Ada", "hash-a"));
            assert!(store.user_for_login("nobody").unwrap().is_none());
        },
    );
}

#[test]
fn sessions_expire_and_can_be_ended() {
    each("sessions_expire_and_can_be_ended", |db| {
        let (store, _) = setup(db);
        let store = &*store;
        let now = Utc::now();
        let user = store.create_user("ada", "h", Role::Reader, now).unwrap();
        store
            .create_session("old", user.id, now - Duration::days(2), now - Duration::seconds(1))
            .unwrap();
        store
            .create_session("live", user.id, now, now + Duration::hours(1))
            .unwrap();
        assert_eq!(store.session_user("live", now).unwrap().unwrap().id, user.id);
        assert!(
            store.session_user("old", now - Duration::days(1)).unwrap().is_none(),
            "a new session sweeps the expired ones from the table"
        );
        assert!(store.session_user("never", now).unwrap().is_none());
        store.delete_session("live").unwrap();
        assert!(store.session_user("live", now).unwrap().is_none());
    });
}

#[test]
fn threads_edits_deletes_and_reports() {
    each("threads_edits_deletes_and_reports", |db| {
        let (store, [a, b]) = setup(db);
        let store = &*store;
        let now = Utc::now();
        let ada = store.create_user("ada", "h", Role::Reader, now).unwrap().id;
        let bob = store.create_user("bob", "h", Role::Reader, now).unwrap().id;
        let root = comment(store, a, ada, None, "First!");
        let reply = comment(store, a, bob, Some(root), "A reply");
        comment(store, b, bob, None, "Elsewhere");
        let on_other_article = NewComment {
            article_id: b,
            user_id: bob,
            parent_id: Some(root),
            body: "x".into(),
            at: now,
        };
        assert!(matches!(
            store.add_comment(&on_other_article),
            Err(StoreError::Invalid(_))
        ));
        let on_no_article = NewComment {
            article_id: ArticleId(9_999),
            parent_id: None,
            ..on_other_article
        };
        assert!(matches!(
            store.add_comment(&on_no_article),
            Err(StoreError::NotFound(_))
        ));

        let thread = store.comments_of_article(a).unwrap();
        assert_eq!(thread.iter().map(|c| c.id).collect::<Vec<_>>(), vec![root, reply]);
        assert_eq!(thread[1].parent_id, Some(root));
        assert_eq!(thread[1].username, "bob");

        store.edit_comment(reply, "An edited reply", now).unwrap();
        let edited = store.comment(reply).unwrap().unwrap();
        assert_eq!(edited.body, "An edited reply");
        assert!(edited.edited_at.is_some());
        store.delete_comment(root).unwrap();
        let deleted = store.comment(root).unwrap().unwrap();
        assert!(deleted.deleted && deleted.body.is_empty());
        assert_eq!(
            store.comments_of_article(a).unwrap().len(),
            2,
            "replies keep their thread"
        );

        store.report_comment(reply, ada, "spam", now).unwrap();
        store.report_comment(reply, ada, "spam again", now).unwrap();
        store.report_comment(reply, bob, "rude", now).unwrap();
        let reported = store.reported_comments(10).unwrap();
        assert_eq!(reported.len(), 1);
        assert_eq!(
            (reported[0].comment.reports, reported[0].article_title.as_str()),
            (2, "Story 0")
        );
        store.set_comment_hidden(reply, true).unwrap();
        assert!(store.comment(reply).unwrap().unwrap().hidden);
        assert!(matches!(
            store.set_comment_hidden(CommentId(999), true),
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store.report_comment(CommentId(999), ada, "x", now),
            Err(StoreError::NotFound(_))
        ));

        let mine = store.comments_of_user(bob, 10).unwrap();
        assert_eq!(mine.len(), 2);
        assert_eq!(mine[0].article_title, "Story 1", "newest first");
    });
}
