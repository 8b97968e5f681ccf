//! Every store test runs on each backend: SQLite on a temporary file, and
//! PostgreSQL on a fresh database of the server named by
//! `NEWSDESK_TEST_POSTGRES` (skipped, saying so, without one).

#![allow(dead_code)] // each test file uses its own share of these

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use newsdesk_domain::{ArticleId, Extracted, FeedEntry, FeedId};
use newsdesk_postgres::testing::TestDatabase;
/// What the tests need of a store: both traits.
pub use newsdesk_store::Database as Backend;
use newsdesk_store::Queued;
use newsdesk_store::{PostgresStore, SqliteStore};
use tempfile::TempDir;

/// One empty database of one backend.
pub enum Db {
    Sqlite(TempDir),
    Postgres(TestDatabase),
}

impl Db {
    /// A new handle on this database, as a second process would open it.
    pub fn open(&self) -> Box<dyn Backend> {
        match self {
            Db::Sqlite(dir) => Box::new(SqliteStore::open(&sqlite_path(dir)).expect("open SQLite store")),
            Db::Postgres(db) => Box::new(PostgresStore::connect(db.url()).expect("connect PostgreSQL store")),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }
}

pub fn sqlite_path(dir: &TempDir) -> PathBuf {
    dir.path().join("data").join("newsdesk.db")
}

/// Runs `body` once per backend available, each on a fresh database,
/// saying on stderr which one runs (a failure's output ends with it).
pub fn each(test: &str, body: impl Fn(&Db)) {
    let mut dbs = vec![Db::Sqlite(TempDir::new().expect("temporary directory"))];
    dbs.extend(TestDatabase::create(test).map(Db::Postgres));
    for db in &dbs {
        eprintln!("{test}: on {}", db.name());
        body(db);
    }
}

/// A ready article of `feed`, published `n` seconds into the tests' epoch.
pub fn ready_article(store: &dyn Backend, feed: FeedId, n: u32) -> ArticleId {
    let entry = FeedEntry {
        guid: format!("g{n}"),
        url: format!("https://example.com/{n}"),
        title: Some(format!("Article {n}")),
        summary: None,
        author: None,
        published: Some(Utc.timestamp_opt(1_700_000_000 + i64::from(n), 0).unwrap()),
        category: None,
    };
    let poll = newsdesk_store::PollSuccess {
        checked_at: Utc::now(),
        next_check_at: Utc::now(),
        interval_secs: 900,
        etag: None,
        last_modified: None,
        title: None,
    };
    let Queued::New(id) = store.record_poll(feed, &poll, &[entry]).unwrap()[0] else {
        panic!("new article")
    };
    let page = Extracted {
        text: "Text.".into(),
        ..Extracted::default()
    };
    store
        .complete_article(id, &format!("https://example.com/{n}"), &page)
        .unwrap();
    id
}
