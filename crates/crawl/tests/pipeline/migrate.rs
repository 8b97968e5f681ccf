//! `newsdesk migrate`'s copy: an instance crawled on SQLite, moved to
//! PostgreSQL, serves the same pages (home, stories, articles with their
//! comments, sources) from either database.

use chrono::Utc;
use newsdesk_domain::Role;
use newsdesk_newswire::Newswire;
use newsdesk_postgres::testing::TestDatabase;
use newsdesk_store::NewComment;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migrated_instance_serves_the_same_site() {
    let Some(target) = TestDatabase::create("a_migrated_instance_serves_the_same_site") else {
        return;
    };
    if on_postgres() {
        eprintln!("the source must be SQLite: this test runs on the suite's SQLite pass");
        return;
    }
    let wire = Newswire::start().await.unwrap();
    let (h, sqlite_site) = crawled_site(&wire).await;
    let article = h.store.latest(1, 0).unwrap()[0].id;
    let ada =
        h.db.create_user("Ada", "argon2-hash", Role::Reader, Utc::now())
            .unwrap();
    let first =
        h.db.add_comment(&NewComment {
            article_id: article,
            user_id: ada.id,
            parent_id: None,
            body: "First <b>comment</b>".into(),
            at: Utc::now(),
        })
        .unwrap();
    h.db.add_comment(&NewComment {
        article_id: article,
        user_id: ada.id,
        parent_id: Some(first.id),
        body: "A reply".into(),
        at: Utc::now(),
    })
    .unwrap();

    let from = std::path::PathBuf::from(&h.database);
    let url = target.url().to_owned();
    let copied = tokio::task::spawn_blocking(move || newsdesk_store::copy_sqlite_to_postgres(&from, &url, |_| {}))
        .await
        .unwrap()
        .unwrap();
    assert!(copied.iter().all(|t| t.source_rows == t.target_rows), "{copied:?}");
    assert!(copied.iter().any(|t| t.table == "comments" && t.target_rows == 2));

    let postgres = newsdesk_store::open(target.url()).unwrap();
    let postgres_site = serve_database(&h, postgres.clone(), None).await;
    let mut paths = vec!["/".to_owned(), "/sources".to_owned(), format!("/article/{}", article.0)];
    for story in h.store.top_stories(5, Utc::now()).unwrap() {
        paths.push(format!("/story/{}", story.id.0));
    }
    for source in h.store.sources().unwrap().iter().take(3) {
        paths.push(format!("/source/{}", source.slug));
    }
    for path in &paths {
        let (a, b) = (
            get_text(&format!("{sqlite_site}{path}")).await,
            get_text(&format!("{postgres_site}{path}")).await,
        );
        assert_eq!(a.0, 200, "{path} on SQLite");
        assert_eq!(a, b, "{path} differs between SQLite and PostgreSQL");
    }
    let (_, page) = get_text(&format!("{postgres_site}/article/{}", article.0)).await;
    assert!(page.contains("First &lt;b&gt;comment&lt;/b&gt;") && page.contains("A reply"));

    // New rows continue after the copied ids.
    let source = postgres.upsert_source("A new outlet", None).unwrap();
    assert!(h.store.sources().unwrap().iter().all(|s| s.id < source.id));
    // A second migration into a database with data is refused.
    let from = std::path::PathBuf::from(&h.database);
    let url = target.url().to_owned();
    let again = tokio::task::spawn_blocking(move || newsdesk_store::copy_sqlite_to_postgres(&from, &url, |_| {}))
        .await
        .unwrap();
    assert!(again.unwrap_err().to_string().contains("already holds newsdesk data"));
}
