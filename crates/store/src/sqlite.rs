//! The SQLite implementation of [`Store`].
//!
//! One writer connection sits behind a mutex, so writes are serialised
//! inside the process; every write runs in a `BEGIN IMMEDIATE` transaction
//! so that a second process on the same file waits (`busy_timeout`) instead
//! of failing halfway. Reads go through a small pool of separate
//! connections: in WAL mode they see the last committed state and never
//! wait for the writer.

mod analysis;
mod articles;
mod community;
mod feeds;
mod fetch_log;
mod hosts;
mod migrations;
mod reading;
mod rows;
mod sources;
mod stories;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use newsdesk_domain::{
    Analysis, Article, ArticleId, Extracted, Feed, FeedEntry, FeedId, Section, Source, SourceId, Story, StoryId,
};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::{
    AppPassword, ArticleCard, ArticleStory, ArticleView, ClusterSeed, CommentOnArticle, Community, Completed, Cursor,
    EntityRef, FetchRecord, HostLease, Listed, Listing, Marks, NewComment, Pick, PollSuccess, Queued, Reading,
    RelatedArticle, Result, Store, StoreError, StoredRobots, StoryArticle, StoryAssignment, StoryLead, Window,
};
use newsdesk_domain::{Comment, CommentId, Interest, Role, User, UserId};
use rows::Ctx;

/// How long a connection waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;

/// Idle reader connections kept for reuse; bursts beyond this open
/// short-lived extra connections rather than waiting.
const MAX_IDLE_READERS: usize = 32;

/// A [`Store`] backed by one SQLite database file.
pub struct SqliteStore {
    /// Shared with the story lead, which writes through it too.
    writer: Arc<Mutex<Connection>>,
    /// `None` for in-memory stores, whose data only the writer connection sees.
    readers: Option<ReaderPool>,
    /// Whether a caller holds the story lead of an in-memory store (a
    /// file's is a lock on a file beside it).
    lead_held: Arc<AtomicBool>,
    stored: Arc<hosts::Stored>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.readers.as_ref().map(|r| r.path.as_path());
        f.debug_struct("SqliteStore")
            .field("path", &path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating it and its parent directories if needed) the database
    /// at `path` in WAL mode and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Database(format!("create directory {}: {e}", dir.display())))?;
        }
        let mut writer = Connection::open(path).ctx(&format!("open {}", path.display()))?;
        configure(&writer)?;
        enable_wal(&writer)?;
        migrations::migrate(&mut writer)?;
        Ok(Self::with(writer, Some(ReaderPool::new(path))))
    }

    /// A private, empty in-memory database, for tests. All access goes
    /// through one connection.
    pub fn open_in_memory() -> Result<Self> {
        let mut writer = Connection::open_in_memory().ctx("open in-memory database")?;
        configure(&writer)?;
        migrations::migrate(&mut writer)?;
        Ok(Self::with(writer, None))
    }

    fn with(writer: Connection, readers: Option<ReaderPool>) -> Self {
        Self {
            writer: Arc::new(Mutex::new(writer)),
            readers,
            lead_held: Arc::default(),
            stored: Arc::default(),
        }
    }

    /// The schema version (`PRAGMA user_version`) of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        self.read(migrations::version)
    }

    /// Runs `f` in an IMMEDIATE transaction on the writer and commits; any
    /// error rolls everything back.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        write_on(&self.writer, f)
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        match &self.readers {
            Some(pool) => pool.with(f),
            None => f(&lock(&self.writer)),
        }
    }
}

/// Runs `f` in an IMMEDIATE transaction on `writer` and commits; any error
/// rolls everything back.
fn write_on<T>(writer: &Mutex<Connection>, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
    let mut conn = lock(writer);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("begin transaction")?;
    let out = f(&tx)?;
    tx.commit().ctx("commit transaction")?;
    Ok(out)
}

fn article_view(c: &Connection, id: ArticleId, related: usize) -> Result<Option<ArticleView>> {
    let Some(article) = articles::get(c, id)? else {
        return Ok(None);
    };
    let Some(source) = sources::get(c, article.source_id)? else {
        return Ok(None);
    };
    let story = match stories::of_article(c, id)? {
        Some(m) => stories::get(c, m.story)?.map(|story| (m, story)),
        None => None,
    };
    Ok(Some(ArticleView {
        article,
        source,
        story,
        related: stories::related(c, id, related)?,
        analysis: analysis::get(c, id)?,
        entities: analysis::of_article(c, id)?,
    }))
}

/// Locks without panicking: a panic elsewhere mid-transaction already rolled
/// that transaction back when it unwound, so the connection is usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Per-connection settings (they are not stored in the database file).
fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT).ctx("set busy timeout")?;
    // More distinct statements than rusqlite's default 16 run on every
    // connection (a "For you" page alone uses a dozen shapes); re-parsing
    // evicted ones showed in profiles.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "foreign_keys", true)
        .ctx("enable foreign keys")?;
    // NORMAL is durable across application crashes in WAL mode; only an OS
    // crash or power loss may drop the last transactions.
    conn.pragma_update(None, "synchronous", "NORMAL").ctx("set synchronous")
}

/// WAL lets readers proceed while the crawler writes. The mode is stored in
/// the file, but setting it on every open is cheap and self-healing.
fn enable_wal(conn: &Connection) -> Result<()> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .ctx("enable WAL")?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(%mode, "SQLite refused WAL mode; readers will wait for writers");
    }
    Ok(())
}

/// Reader connections, checked out per call and returned afterwards.
struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        // Bind first so the pool lock is released before any slow open.
        let idle = lock(&self.idle).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        let out = f(&conn);
        let mut idle = lock(&self.idle);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        out
    }

    fn open(&self) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(&self.path, flags).ctx(&format!("open reader for {}", self.path.display()))?;
        configure(&conn)?;
        // Opened read-write so WAL shared memory works in every case, but
        // guarded so a bug in a read path cannot write.
        conn.pragma_update(None, "query_only", true).ctx("set query_only")?;
        Ok(conn)
    }
}

impl Store for SqliteStore {
    fn upsert_source(&self, name: &str, homepage: Option<&str>) -> Result<Source> {
        self.write(|tx| sources::upsert(tx, name, homepage))
    }

    fn sources(&self) -> Result<Vec<Source>> {
        self.read(sources::all)
    }

    fn source(&self, id: SourceId) -> Result<Option<Source>> {
        self.read(|c| sources::get(c, id))
    }

    fn source_by_slug(&self, slug: &str) -> Result<Option<Source>> {
        self.read(|c| sources::by_slug(c, slug))
    }

    fn add_feed(&self, source: SourceId, url: &str) -> Result<Feed> {
        self.write(|tx| feeds::add(tx, source, url, Utc::now()))
    }

    fn remove_feed(&self, url: &str) -> Result<bool> {
        self.write(|tx| feeds::remove(tx, url))
    }

    fn feeds(&self) -> Result<Vec<Feed>> {
        self.read(feeds::all)
    }

    fn feeds_of_source(&self, source: SourceId) -> Result<Vec<Feed>> {
        self.read(|c| feeds::of_source(c, source))
    }

    fn due_feeds(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Feed>> {
        self.read(|c| feeds::due(c, now, limit))
    }

    fn record_poll(&self, feed: FeedId, poll: &PollSuccess, entries: &[FeedEntry]) -> Result<Vec<Queued>> {
        self.write(|tx| {
            feeds::record_success(tx, feed, poll)?;
            let source = feeds::get(tx, feed)?
                .ok_or_else(|| StoreError::NotFound(format!("feed {}", feed.0)))?
                .source_id;
            articles::queue(tx, source, feed, poll.checked_at, entries)
        })
    }

    fn record_feed_error(
        &self,
        feed: FeedId,
        error: &str,
        at: DateTime<Utc>,
        next_check_at: DateTime<Utc>,
    ) -> Result<()> {
        self.write(|tx| feeds::record_error(tx, feed, error, at, next_check_at))
    }

    fn pending_articles(&self, limit: usize) -> Result<Vec<Article>> {
        self.read(|c| articles::pending(c, limit))
    }

    fn claim_hosts(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        skip: &[String],
        limit: usize,
    ) -> Result<Vec<HostLease>> {
        self.write(|tx| hosts::claim(tx, worker, now, until, skip, limit))
    }

    fn renew_host(&self, host: &str, worker: &str, until: DateTime<Utc>) -> Result<bool> {
        self.write(|tx| hosts::renew(tx, host, worker, until))
    }

    fn release_host(
        &self,
        host: &str,
        worker: &str,
        next_fetch_at: DateTime<Utc>,
        robots: Option<&StoredRobots>,
    ) -> Result<()> {
        self.write(|tx| hosts::release(tx, host, worker, next_fetch_at, robots))
    }

    fn claim_job(&self, name: &str, worker: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool> {
        self.write(|tx| hosts::claim_job(tx, name, worker, now, until))
    }

    fn renew_job(&self, name: &str, worker: &str, until: DateTime<Utc>) -> Result<bool> {
        self.write(|tx| hosts::update_job(tx, name, worker, until, false))
    }

    fn finish_job(&self, name: &str, worker: &str, at: DateTime<Utc>) -> Result<bool> {
        self.write(|tx| hosts::update_job(tx, name, worker, at, true))
    }

    fn due_feeds_of_host(&self, host: &str, now: DateTime<Utc>, limit: usize) -> Result<Vec<Feed>> {
        self.read(|c| hosts::due_feeds(c, host, now, limit))
    }

    fn pending_of_host(&self, host: &str, limit: usize) -> Result<Vec<Article>> {
        self.read(|c| hosts::pending(c, host, limit))
    }

    fn complete_article(&self, id: ArticleId, canonical_url: &str, page: &Extracted) -> Result<Completed> {
        let completed = self.write(|tx| articles::complete(tx, id, canonical_url, page))?;
        self.stored.tell();
        Ok(completed)
    }

    fn store_archived(
        &self,
        source: SourceId,
        url: &str,
        fetched_at: DateTime<Utc>,
        canonical_url: &str,
        page: &Extracted,
    ) -> Result<Completed> {
        let completed = self.write(|tx| articles::store_archived(tx, source, url, fetched_at, canonical_url, page))?;
        self.stored.tell();
        Ok(completed)
    }

    fn fail_article(&self, id: ArticleId, error: &str, retry: bool) -> Result<()> {
        self.write(|tx| articles::fail(tx, id, error, retry))
    }

    fn article(&self, id: ArticleId) -> Result<Option<Article>> {
        self.read(|c| articles::get(c, id))
    }

    fn ready_articles_after(&self, after: ArticleId, limit: usize) -> Result<Vec<Article>> {
        self.read(|c| articles::ready_after(c, after, limit))
    }

    fn ready_article_ids(&self) -> Result<Vec<ArticleId>> {
        self.read(articles::ready_ids)
    }

    fn latest(&self, limit: usize, offset: usize) -> Result<Vec<ArticleCard>> {
        self.read(|c| articles::latest(c, Listing::All, limit, offset))
    }

    fn latest_of_source(&self, source: SourceId, limit: usize, offset: usize) -> Result<Vec<ArticleCard>> {
        self.read(|c| articles::latest(c, Listing::Source(source), limit, offset))
    }

    fn latest_in_section(&self, section: Section, limit: usize, offset: usize) -> Result<Vec<ArticleCard>> {
        self.read(|c| articles::latest(c, Listing::Section(section), limit, offset))
    }

    fn lead_stories(&self) -> Result<Option<Arc<dyn StoryLead>>> {
        let path = self.readers.as_ref().map(|r| r.path.as_path());
        let Some(hold) = hosts::Hold::take(path, &self.lead_held)? else {
            return Ok(None);
        };
        Ok(Some(Arc::new(hosts::SqliteLead {
            writer: self.writer.clone(),
            _hold: hold,
            stored: self.stored.clone(),
        })))
    }

    fn waiting_for_stories(&self) -> Result<usize> {
        self.read(|c| {
            c.query_row("SELECT count(*) FROM cluster_queue", [], |r| r.get::<_, i64>(0))
                .ctx("count the story queue")
                .map(|n| n as usize)
        })
    }

    fn assign_story(&self, assignment: &StoryAssignment) -> Result<()> {
        self.write(|tx| stories::assign(tx, assignment))
    }

    fn story(&self, id: StoryId) -> Result<Option<Story>> {
        self.read(|c| stories::get(c, id))
    }

    fn story_redirect(&self, id: StoryId) -> Result<Option<StoryId>> {
        self.read(|c| stories::redirect(c, id))
    }

    fn article_story(&self, article: ArticleId) -> Result<Option<ArticleStory>> {
        self.read(|c| stories::of_article(c, article))
    }

    fn story_articles(&self, id: StoryId) -> Result<Vec<StoryArticle>> {
        self.read(|c| stories::articles(c, id))
    }

    fn top_stories(&self, limit: usize, now: DateTime<Utc>) -> Result<Vec<Story>> {
        self.read(|c| stories::top(c, limit, now))
    }

    fn related_articles(&self, article: ArticleId, limit: usize) -> Result<Vec<RelatedArticle>> {
        self.read(|c| stories::related(c, article, limit))
    }

    fn article_view(&self, id: ArticleId, related: usize) -> Result<Option<ArticleView>> {
        self.read(|c| {
            // One read transaction: every part comes from the same snapshot.
            let tx = c.unchecked_transaction().ctx("begin read")?;
            let view = article_view(&tx, id, related)?;
            tx.finish().ctx("end read")?;
            Ok(view)
        })
    }

    fn cluster_seeds(&self, since: DateTime<Utc>) -> Result<Vec<ClusterSeed>> {
        self.read(|c| stories::seeds(c, since))
    }

    fn log_fetch(&self, record: &FetchRecord) -> Result<()> {
        self.write(|tx| fetch_log::insert(tx, record))
    }

    fn recent_fetches(&self, limit: usize) -> Result<Vec<FetchRecord>> {
        self.read(|c| fetch_log::recent(c, limit))
    }

    fn save_analysis(&self, article: ArticleId, analysis: &Analysis, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| analysis::save(tx, article, analysis, at))
    }

    fn analysis(&self, article: ArticleId) -> Result<Option<Analysis>> {
        self.read(|c| analysis::get(c, article))
    }

    fn entity(&self, slug: &str) -> Result<Option<EntityRef>> {
        self.read(|c| analysis::by_slug(c, slug))
    }

    fn entities_of(&self, article: ArticleId) -> Result<Vec<EntityRef>> {
        self.read(|c| analysis::of_article(c, article))
    }

    fn articles_mentioning(&self, slug: &str, limit: usize) -> Result<Vec<ArticleCard>> {
        self.read(|c| analysis::articles_mentioning(c, slug, limit))
    }

    fn llm_cached(&self, key: &str) -> Result<Option<String>> {
        self.read(|c| analysis::llm_cached(c, key))
    }

    fn cache_llm(&self, key: &str, reply: &str, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| analysis::cache_llm(tx, key, reply, at))
    }

    fn secret(&self, name: &str, fresh: &str) -> Result<String> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO secrets (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
                [name, fresh],
            )
            .ctx("keep secret")?;
            tx.query_row("SELECT value FROM secrets WHERE name = ?1", [name], |r| r.get(0))
                .ctx("read secret")
        })
    }

    fn parallel_calls(&self) -> usize {
        // One may run while another waits on the disk or the writer lock.
        std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
    }
}

impl Community for SqliteStore {
    fn create_user(&self, username: &str, password_hash: &str, role: Role, at: DateTime<Utc>) -> Result<User> {
        self.write(|tx| community::create_user(tx, username, password_hash, role, at))
    }

    fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        self.read(|c| community::user_for_login(c, username))
    }

    fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.write(|tx| community::create_session(tx, token_hash, user, now, expires_at))
    }

    fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        self.read(|c| community::session_user(c, token_hash, now))
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.write(|tx| community::delete_session(tx, token_hash))
    }

    fn add_comment(&self, comment: &NewComment) -> Result<Comment> {
        self.write(|tx| community::add_comment(tx, comment))
    }

    fn comment(&self, id: CommentId) -> Result<Option<Comment>> {
        self.read(|c| community::get_comment(c, id))
    }

    fn comments_of_article(&self, article: ArticleId) -> Result<Vec<Comment>> {
        self.read(|c| community::of_article(c, article))
    }

    fn comments_of_user(&self, user: UserId, limit: usize) -> Result<Vec<CommentOnArticle>> {
        self.read(|c| community::of_user(c, user, limit))
    }

    fn edit_comment(&self, id: CommentId, body: &str, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| community::edit(tx, id, body, at))
    }

    fn delete_comment(&self, id: CommentId) -> Result<()> {
        self.write(|tx| community::delete(tx, id))
    }

    fn report_comment(&self, id: CommentId, reporter: UserId, reason: &str, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| community::report(tx, id, reporter, reason, at))
    }

    fn set_comment_hidden(&self, id: CommentId, hidden: bool) -> Result<()> {
        self.write(|tx| community::set_hidden(tx, id, hidden))
    }

    fn reported_comments(&self, limit: usize) -> Result<Vec<CommentOnArticle>> {
        self.read(|c| community::reported(c, limit))
    }
}

impl Reading for SqliteStore {
    fn set_interest(&self, user: UserId, interest: &Interest, on: bool, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| reading::set_interest(tx, user, interest, on, at))
    }

    fn interests(&self, user: UserId) -> Result<Vec<Interest>> {
        self.read(|c| reading::interests(c, user))
    }

    fn pick(&self, pick: Pick<'_>, window: &Window) -> Result<Vec<Listed>> {
        self.read(|c| reading::pick(c, pick, window))
    }

    fn keys(&self, pick: Pick<'_>, window: &Window) -> Result<Vec<Cursor>> {
        self.read(|c| reading::keys(c, pick, window))
    }

    fn marks(&self, user: UserId, articles: &[ArticleId]) -> Result<Vec<Marks>> {
        self.read(|c| reading::marks(c, user, articles))
    }

    fn set_read(&self, user: UserId, articles: &[ArticleId], read: bool, at: DateTime<Utc>) -> Result<usize> {
        self.write(|tx| reading::set_read(tx, user, articles, read, at))
    }

    fn set_saved(&self, user: UserId, article: ArticleId, saved: bool, at: DateTime<Utc>) -> Result<()> {
        self.write(|tx| reading::set_saved(tx, user, article, saved, at))
    }

    fn create_app_password(
        &self,
        user: UserId,
        name: &str,
        secret_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<AppPassword> {
        self.write(|tx| reading::create_app_password(tx, user, name, secret_hash, at))
    }

    fn app_passwords(&self, user: UserId) -> Result<Vec<AppPassword>> {
        self.read(|c| reading::app_passwords(c, user))
    }

    fn delete_app_password(&self, user: UserId, id: i64) -> Result<bool> {
        self.write(|tx| reading::delete_app_password(tx, user, id))
    }

    fn app_password_by_secret(&self, secret_hash: &str) -> Result<Option<(AppPassword, User)>> {
        self.read(|c| reading::app_password_by_secret(c, secret_hash))
    }

    fn app_password(&self, id: i64) -> Result<Option<(AppPassword, User)>> {
        self.read(|c| reading::app_password_by_id(c, id))
    }

    fn feed_token(&self, user: UserId, fresh: &str) -> Result<String> {
        match self.read(|c| reading::existing_feed_token(c, user))? {
            Some(token) => Ok(token),
            None => self.write(|tx| reading::feed_token(tx, user, fresh)),
        }
    }

    fn user_by_feed_token(&self, token: &str) -> Result<Option<User>> {
        self.read(|c| reading::user_by_feed_token(c, token))
    }

    fn delete_user(&self, user: UserId) -> Result<()> {
        self.write(|tx| reading::delete_user(tx, user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(store: &SqliteStore, sql: &str) -> String {
        let conn = lock(&store.writer);
        let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        // Unbound parameters would be an error; NULLs are planned like real values.
        let nulls = vec![rusqlite::types::Null; st.parameter_count()];
        let rows = st
            .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
            .unwrap();
        rows.collect::<rusqlite::Result<Vec<_>>>().unwrap().join("; ")
    }

    #[test]
    fn hot_queries_use_indexes() {
        let store = SqliteStore::open_in_memory().unwrap();
        let cases = [
            (
                "SELECT id FROM feeds WHERE next_check_at <= 5 ORDER BY next_check_at, id LIMIT 3",
                "feeds_due",
            ),
            (
                "SELECT a.id FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.status <> 'pending' AND ?1 IS NULL
                 ORDER BY a.sort_at DESC, a.id DESC LIMIT 50 OFFSET 0",
                "articles_latest",
            ),
            (
                "SELECT a.id FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.status <> 'pending' AND a.source_id = 1
                 ORDER BY a.sort_at DESC, a.id DESC LIMIT 50",
                "articles_source_latest",
            ),
            (
                "SELECT a.id FROM articles a JOIN sources s ON s.id = a.source_id
                 WHERE a.status <> 'pending' AND a.section IS NOT NULL AND a.section = ?1
                 ORDER BY a.sort_at DESC, a.id DESC LIMIT 50",
                "articles_section_latest",
            ),
            (
                "SELECT id FROM articles WHERE status = 'pending'
                 ORDER BY attempts, discovered_at, id LIMIT 10",
                "articles_pending",
            ),
        ];
        for (sql, index) in cases {
            let plan = plan(&store, sql);
            assert!(plan.contains(index), "{index} unused: {plan}");
            assert!(
                !plan.contains("TEMP B-TREE"),
                "sorts instead of walking an index: {plan}"
            );
        }
    }

    /// `.cargo/config.toml` builds SQLite without the global locks that
    /// serialised concurrent readers; a build that lost it would be slow, not wrong.
    #[test]
    fn sqlite_is_built_without_global_locks() {
        let store = SqliteStore::open_in_memory().unwrap();
        let conn = lock(&store.writer);
        let options: Vec<String> = conn
            .prepare("PRAGMA compile_options")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"), "{options:?}");
        assert!(!options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
    }

    #[test]
    fn poisoned_writer_lock_is_recovered() {
        let store = std::sync::Arc::new(SqliteStore::open_in_memory().unwrap());
        let s = std::sync::Arc::clone(&store);
        let _ = std::thread::spawn(move || {
            let _guard = s.writer.lock().unwrap();
            panic!("poison the writer lock");
        })
        .join();
        assert!(store.writer.is_poisoned());
        store.upsert_source("Still works", None).unwrap();
        assert_eq!(store.sources().unwrap().len(), 1);
    }
}
