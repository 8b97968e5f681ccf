//! Schema migrations, tracked with `PRAGMA user_version`.
//!
//! `MIGRATIONS[i]` brings the schema from version `i` to `i + 1`. Entries are
//! append-only: never edit one that has shipped, add a new one instead.

use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, TransactionBehavior};

use super::rows::Ctx;
use crate::{Result, StoreError};

const MIGRATIONS: &[&str] = &[
    V1,
    COMMUNITY,
    STORIES,
    ANALYSIS,
    SECRETS,
    WEB_HOMEPAGES,
    SECTIONS,
    READING,
    ENTITY_TIMES,
    FEED_CATEGORIES,
    CRAWL_HOSTS,
    STORY_REDIRECTS,
];

/// Initial schema. Timestamps are unix milliseconds (UTC).
const V1: &str = r#"
CREATE TABLE sources (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    slug     TEXT NOT NULL UNIQUE,
    homepage TEXT
);

CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    source_id       INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    url             TEXT NOT NULL UNIQUE,
    title           TEXT,
    etag            TEXT,
    last_modified   TEXT,
    last_checked_at INTEGER,
    next_check_at   INTEGER NOT NULL,
    interval_secs   INTEGER NOT NULL,
    last_error      TEXT,
    error_count     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
CREATE INDEX feeds_due ON feeds(next_check_at);
CREATE INDEX feeds_source ON feeds(source_id);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    feed_id       INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
    guid          TEXT,
    url           TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'ready', 'failed')),
    title         TEXT NOT NULL,
    byline        TEXT,
    published_at  INTEGER,
    discovered_at INTEGER NOT NULL,
    -- coalesce(published_at, discovered_at), kept in a column so listings
    -- can walk an index instead of sorting the whole table.
    sort_at       INTEGER NOT NULL,
    image         TEXT,
    lang          TEXT,
    site_name     TEXT,
    description   TEXT,
    excerpt       TEXT,
    text          TEXT NOT NULL DEFAULT '',
    html          TEXT NOT NULL DEFAULT '',
    modified_at   INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    UNIQUE (feed_id, guid)
);
-- Partial indexes: queries must repeat the exact status predicate.
CREATE INDEX articles_latest ON articles(sort_at DESC, id DESC) WHERE status <> 'pending';
CREATE INDEX articles_source_latest ON articles(source_id, sort_at DESC, id DESC)
    WHERE status <> 'pending';
CREATE INDEX articles_pending ON articles(attempts, discovered_at, id) WHERE status = 'pending';

-- URLs and feed GUIDs that once named an article which has since moved to
-- its canonical URL or was merged into another article. Without these, the
-- next poll would queue the old entry again, fetch it, and merge it again.
CREATE TABLE article_aliases (
    url        TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    feed_id    INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
    guid       TEXT
);
CREATE INDEX article_aliases_article ON article_aliases(article_id);
CREATE INDEX article_aliases_feed_guid ON article_aliases(feed_id, guid);

-- A log, not a relation: ids are kept as plain integers so that removing a
-- feed or merging an article does not rewrite history.
CREATE TABLE fetch_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    url         TEXT NOT NULL,
    feed_id     INTEGER,
    article_id  INTEGER,
    http_status INTEGER,
    error       TEXT,
    bytes       INTEGER NOT NULL DEFAULT 0,
    elapsed_ms  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX fetch_log_at ON fetch_log(at DESC, id DESC);
"#;

/// Accounts, sessions, comments and their reports.
const COMMUNITY: &str = r#"
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'reader' CHECK (role IN ('reader', 'moderator', 'admin')),
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    parent_id  INTEGER REFERENCES comments(id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    edited_at  INTEGER,
    deleted    INTEGER NOT NULL DEFAULT 0,
    hidden     INTEGER NOT NULL DEFAULT 0,
    reports    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX comments_article ON comments(article_id, created_at, id);
CREATE INDEX comments_user ON comments(user_id, created_at DESC);
CREATE INDEX comments_reported ON comments(reports DESC) WHERE reports > 0;

CREATE TABLE comment_reports (
    comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);
"#;

/// Stories (issue "Stories"): each article's story and whether it is a
/// syndicated copy, the stories with their counts, and links between related
/// stories. A story's id is the id of the article that founded it.
const STORIES: &str = r#"
CREATE TABLE stories (
    id             INTEGER PRIMARY KEY,
    headline       TEXT NOT NULL DEFAULT '',
    first_seen     INTEGER NOT NULL DEFAULT 0,
    last_seen      INTEGER NOT NULL DEFAULT 0,
    article_count  INTEGER NOT NULL DEFAULT 0,
    source_count   INTEGER NOT NULL DEFAULT 0,
    original_share REAL NOT NULL DEFAULT 1.0
);
CREATE INDEX stories_last_seen ON stories(last_seen DESC, id DESC);

ALTER TABLE articles ADD COLUMN story_id INTEGER REFERENCES stories(id) ON DELETE SET NULL;
ALTER TABLE articles ADD COLUMN syndicated INTEGER NOT NULL DEFAULT 0;
-- Wire agency or publisher a syndicated copy came from, where known.
ALTER TABLE articles ADD COLUMN origin TEXT;
CREATE INDEX articles_story ON articles(story_id, sort_at DESC, id DESC) WHERE story_id IS NOT NULL;

-- Related stories, both directions stored; score is the best article-to-story
-- similarity seen between them. Rows die with either story.
CREATE TABLE story_links (
    story_id   INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    related_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    score      REAL NOT NULL,
    PRIMARY KEY (story_id, related_id)
) WITHOUT ROWID;
CREATE INDEX story_links_related ON story_links(related_id);
"#;

/// The analyze stage's output: one JSON analysis per article, and the
/// entities it names (by slug) for entity pages.
const ANALYSIS: &str = r#"
CREATE TABLE analyses (
    article_id  INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    analysis    TEXT NOT NULL,
    analyzed_at INTEGER NOT NULL
);

CREATE TABLE entities (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);

CREATE TABLE article_entities (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    entity_id  INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    mentions   INTEGER NOT NULL,
    PRIMARY KEY (article_id, entity_id)
) WITHOUT ROWID;
CREATE INDEX article_entities_entity ON article_entities(entity_id, article_id);

CREATE TABLE llm_cache (
    key        TEXT PRIMARY KEY,
    reply      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
"#;

/// Keys the site signs with (the image proxy's), made on first use and
/// shared by every process on the database.
const SECRETS: &str = r#"
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// Homepages that are not web addresses (an OPML `htmlUrl="javascript:…"`
/// stored before subscriptions checked them) are dropped.
const WEB_HOMEPAGES: &str = r#"
UPDATE sources SET homepage = NULL
WHERE lower(homepage) NOT LIKE 'http://%' AND lower(homepage) NOT LIKE 'https://%';
"#;

/// The section an article is filed under (`Section::as_str`), set with its
/// analysis; listed newest first per section.
const SECTIONS: &str = r#"
ALTER TABLE articles ADD COLUMN section TEXT;
CREATE INDEX articles_section_latest ON articles(section, sort_at DESC, id DESC)
    WHERE status <> 'pending' AND section IS NOT NULL;
"#;

/// Each reader's own newsdesk (`crate::Reading`): follows and hides, saved
/// articles, read marks, app passwords for reading apps, and the private
/// token of their "For you" feed. Every row dies with its reader; saves and
/// read marks die with their article.
const READING: &str = r#"
CREATE TABLE interests (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    mode       TEXT NOT NULL CHECK (mode IN ('follow', 'hide')),
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, key)
) WITHOUT ROWID;

CREATE TABLE saved (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    saved_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, article_id)
) WITHOUT ROWID;
CREATE INDEX saved_article ON saved(article_id);

CREATE TABLE read_marks (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    read_at    INTEGER NOT NULL,
    PRIMARY KEY (user_id, article_id)
) WITHOUT ROWID;
CREATE INDEX read_marks_article ON read_marks(article_id);

CREATE TABLE app_passwords (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX app_passwords_user ON app_passwords(user_id);

ALTER TABLE users ADD COLUMN feed_token TEXT;
CREATE UNIQUE INDEX users_feed_token ON users(feed_token) WHERE feed_token IS NOT NULL;
"#;

/// An entity's articles newest first from its index alone: the listing
/// time rides along in `article_entities`, kept with the article's.
const ENTITY_TIMES: &str = r#"
ALTER TABLE article_entities ADD COLUMN sort_at INTEGER NOT NULL DEFAULT 0;
UPDATE article_entities SET sort_at = (SELECT sort_at FROM articles WHERE id = article_id);
DROP INDEX article_entities_entity;
CREATE INDEX article_entities_latest ON article_entities(entity_id, sort_at DESC, article_id DESC);
"#;

/// The category a feed item carried, for filing its article under a
/// section when the page names none.
const FEED_CATEGORIES: &str = r#"
ALTER TABLE articles ADD COLUMN feed_category TEXT;
"#;

/// Crawl work shared by several workers: each feed and pending page names
/// its host; a host is leased to one worker at a time and carries when it
/// may next be contacted, its robots.txt, whether pages wait on it and
/// when its first feed is due (so claims walk only hosts with work). An
/// archive file being imported is a job, leased the same way. Stored pages wait in
/// `cluster_queue` for the one story writer. `url_host` is registered by
/// [`migrate`] for the backfill.
const CRAWL_HOSTS: &str = r#"
ALTER TABLE feeds ADD COLUMN host TEXT NOT NULL DEFAULT '';
UPDATE feeds SET host = url_host(url);
CREATE INDEX feeds_host_due ON feeds(host, next_check_at);
ALTER TABLE articles ADD COLUMN host TEXT NOT NULL DEFAULT '';
UPDATE articles SET host = url_host(url) WHERE status = 'pending';
CREATE INDEX articles_host_pending ON articles(host, attempts, discovered_at, id) WHERE status = 'pending';
CREATE TABLE hosts (
    host          TEXT PRIMARY KEY,
    next_fetch_at INTEGER NOT NULL DEFAULT 0,
    lease_holder  TEXT,
    lease_until   INTEGER,
    robots        TEXT,
    robots_at     INTEGER,
    pages_pending INTEGER NOT NULL DEFAULT 0,
    feeds_due_at  INTEGER
);
CREATE INDEX hosts_with_pages ON hosts(next_fetch_at, host) WHERE pages_pending;
CREATE INDEX hosts_feeds_due ON hosts(feeds_due_at, next_fetch_at);
INSERT OR IGNORE INTO hosts (host)
    SELECT host FROM feeds UNION SELECT host FROM articles WHERE status = 'pending';
UPDATE hosts SET
    pages_pending = EXISTS (SELECT 1 FROM articles a WHERE a.host = hosts.host AND a.status = 'pending'),
    feeds_due_at = (SELECT min(next_check_at) FROM feeds f WHERE f.host = hosts.host);
CREATE TABLE cluster_queue (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
);
CREATE TABLE jobs (
    name        TEXT PRIMARY KEY,
    holder      TEXT,
    lease_until INTEGER,
    done_at     INTEGER
);
"#;

/// Where a merged or dissolved story's articles went, so its old address
/// still leads somewhere.
const STORY_REDIRECTS: &str = r#"
CREATE TABLE story_redirects (
    old_id INTEGER PRIMARY KEY,
    new_id INTEGER NOT NULL
);
"#;

/// The schema version this build writes.
pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

/// Applies pending migrations in one IMMEDIATE transaction, so two processes
/// opening the same file at once cannot both migrate.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    conn.create_scalar_function("url_host", 1, FunctionFlags::SQLITE_DETERMINISTIC, |ctx| {
        Ok(crate::policy::host_of(&ctx.get::<String>(0)?))
    })
    .ctx("register url_host")?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin migration")?;
    let current: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .ctx("read schema version")?;
    if current > LATEST {
        return Err(StoreError::Database(format!(
            "database schema version {current} is newer than this build ({LATEST})"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let version = i as i64 + 1;
        tx.execute_batch(sql).ctx(&format!("apply migration {version}"))?;
        // user_version lives in the database header and is transactional,
        // so the version bump commits (or rolls back) with the schema.
        tx.pragma_update(None, "user_version", version)
            .ctx("set schema version")?;
        tracing::info!(version, "applied store migration");
    }
    tx.commit().ctx("commit migration")
}

/// The schema version stored in the database.
pub(crate) fn version(conn: &Connection) -> Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .ctx("read schema version")
}
