//! The PostgreSQL implementation of [`Store`], [`Community`] and [`Reading`].
//!
//! The traits stay synchronous and the bridge is inside: every method
//! blocks its thread on one future over a pooled connection
//! ([`newsdesk_postgres::Postgres`]). Callers already run store calls on
//! blocking threads, so making 45 methods async would have changed every
//! caller and gained nothing. Writes run in READ COMMITTED transactions
//! that are retried on serialization failures, deadlocks and lost insert
//! races; decisions that read and then write lock what they read
//! (`FOR UPDATE`) or let `INSERT … ON CONFLICT` decide; the article page
//! is one statement, so one snapshot (`view`).

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
mod view;

use chrono::{DateTime, Utc};
use newsdesk_domain::{
    Analysis, Article, ArticleId, Comment, CommentId, Extracted, Feed, FeedEntry, FeedId, Interest, Role, Section,
    Source, SourceId, Story, StoryId, User, UserId,
};
use newsdesk_postgres::{Postgres, Transaction};
use rows::R;

use crate::{
    AppPassword, ArticleCard, ArticleStory, ArticleView, ClusterSeed, CommentOnArticle, Community, Completed, Cursor,
    EntityRef, FetchRecord, HostLease, Listed, Listing, Marks, NewComment, Pick, PollSuccess, Queued, Reading,
    RelatedArticle, Result, Store, StoreError, StoredRobots, StoryArticle, StoryAssignment, StoryLead, Window,
};

/// Connections a store keeps open: the web's concurrent store calls and
/// the crawl's writers share them.
const MAX_CONNECTIONS: usize = 16;

/// A [`Store`] and [`Community`] on a PostgreSQL database.
#[derive(Debug)]
pub struct PostgresStore {
    pg: Postgres,
    /// For the story lead's session of its own.
    url: String,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`)
    /// and brings the schema up to date.
    pub fn connect(url: &str) -> Result<Self> {
        let pg = Postgres::connect(url, MAX_CONNECTIONS).map_err(|e| StoreError::Database(e.to_string()))?;
        pg.migrate(migrations::COMPONENT, migrations::MIGRATIONS)
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(Self {
            pg,
            url: url.to_string(),
        })
    }

    fn read<T: Send>(&self, f: impl AsyncFnOnce(&newsdesk_postgres::Client) -> R<T> + Send) -> Result<T> {
        self.pg.read(f).map_err(StoreError::from)
    }

    fn write<T: Send>(&self, f: impl AsyncFnMut(&Transaction<'_>) -> R<T> + Send) -> Result<T> {
        self.pg.write(f).map_err(StoreError::from)
    }
}

impl Store for PostgresStore {
    fn upsert_source(&self, name: &str, homepage: Option<&str>) -> Result<Source> {
        self.write(async |tx| sources::upsert(tx, name, homepage).await)
    }

    fn sources(&self) -> Result<Vec<Source>> {
        self.read(async |c| sources::list(c).await)
    }

    fn source(&self, id: SourceId) -> Result<Option<Source>> {
        self.read(async |c| sources::get_one(c, id).await)
    }

    fn source_by_slug(&self, slug: &str) -> Result<Option<Source>> {
        self.read(async |c| sources::by_slug(c, slug).await)
    }

    fn add_feed(&self, source: SourceId, url: &str) -> Result<Feed> {
        let now = Utc::now();
        self.write(async |tx| feeds::add(tx, source, url, now).await)
    }

    fn remove_feed(&self, url: &str) -> Result<bool> {
        self.write(async |tx| feeds::remove(tx, url).await)
    }

    fn feeds(&self) -> Result<Vec<Feed>> {
        self.read(async |c| feeds::every(c).await)
    }

    fn feeds_of_source(&self, source: SourceId) -> Result<Vec<Feed>> {
        self.read(async |c| feeds::of_source(c, source).await)
    }

    fn due_feeds(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Feed>> {
        self.read(async |c| feeds::due(c, now, limit).await)
    }

    fn record_poll(&self, feed: FeedId, poll: &PollSuccess, entries: &[FeedEntry]) -> Result<Vec<Queued>> {
        self.write(async |tx| {
            feeds::record_success(tx, feed, poll).await?;
            let source = feeds::get_one(tx, feed)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("feed {}", feed.0)))?
                .source_id;
            articles::queue(tx, source, feed, poll.checked_at, entries).await
        })
    }

    fn record_feed_error(
        &self,
        feed: FeedId,
        error: &str,
        at: DateTime<Utc>,
        next_check_at: DateTime<Utc>,
    ) -> Result<()> {
        self.write(async |tx| feeds::record_error(tx, feed, error, at, next_check_at).await)
    }

    fn pending_articles(&self, limit: usize) -> Result<Vec<Article>> {
        self.read(async |c| articles::pending(c, limit).await)
    }

    fn claim_hosts(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        skip: &[String],
        limit: usize,
    ) -> Result<Vec<HostLease>> {
        self.write(async |tx| hosts::claim(tx, worker, now, until, skip, limit).await)
    }

    fn renew_host(&self, host: &str, worker: &str, until: DateTime<Utc>) -> Result<bool> {
        self.write(async |tx| hosts::renew(tx, host, worker, until).await)
    }

    fn release_host(
        &self,
        host: &str,
        worker: &str,
        next_fetch_at: DateTime<Utc>,
        robots: Option<&StoredRobots>,
    ) -> Result<()> {
        self.write(async |tx| hosts::release(tx, host, worker, next_fetch_at, robots).await)
    }

    fn claim_job(&self, name: &str, worker: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool> {
        self.write(async |tx| hosts::claim_job(tx, name, worker, now, until).await)
    }

    fn renew_job(&self, name: &str, worker: &str, until: DateTime<Utc>) -> Result<bool> {
        self.write(async |tx| hosts::update_job(tx, name, worker, until, false).await)
    }

    fn finish_job(&self, name: &str, worker: &str, at: DateTime<Utc>) -> Result<bool> {
        self.write(async |tx| hosts::update_job(tx, name, worker, at, true).await)
    }

    fn due_feeds_of_host(&self, host: &str, now: DateTime<Utc>, limit: usize) -> Result<Vec<Feed>> {
        self.read(async |c| hosts::due_feeds(c, host, now, limit).await)
    }

    fn pending_of_host(&self, host: &str, limit: usize) -> Result<Vec<Article>> {
        self.read(async |c| hosts::pending(c, host, limit).await)
    }

    fn complete_article(&self, id: ArticleId, canonical_url: &str, page: &Extracted) -> Result<Completed> {
        self.write(async |tx| articles::complete(tx, id, canonical_url, page).await)
    }

    fn store_archived(
        &self,
        source: SourceId,
        url: &str,
        fetched_at: DateTime<Utc>,
        canonical_url: &str,
        page: &Extracted,
    ) -> Result<Completed> {
        self.write(async |tx| articles::store_archived(tx, source, url, fetched_at, canonical_url, page).await)
    }

    fn fail_article(&self, id: ArticleId, error: &str, retry: bool) -> Result<()> {
        self.write(async |tx| articles::fail(tx, id, error, retry).await)
    }

    fn article(&self, id: ArticleId) -> Result<Option<Article>> {
        self.read(async |c| articles::get_one(c, id).await)
    }

    fn ready_articles_after(&self, after: ArticleId, limit: usize) -> Result<Vec<Article>> {
        self.read(async |c| articles::ready_after(c, after, limit).await)
    }

    fn ready_article_ids(&self) -> Result<Vec<ArticleId>> {
        self.read(async |c| articles::ready_ids(c).await)
    }

    fn latest(&self, limit: usize, offset: usize) -> Result<Vec<ArticleCard>> {
        self.read(async |c| articles::latest(c, Listing::All, limit, offset).await)
    }

    fn latest_of_source(&self, source: SourceId, limit: usize, offset: usize) -> Result<Vec<ArticleCard>> {
        self.read(async |c| articles::latest(c, Listing::Source(source), limit, offset).await)
    }

    fn latest_in_section(&self, section: Section, limit: usize, offset: usize) -> Result<Vec<ArticleCard>> {
        self.read(async |c| articles::latest(c, Listing::Section(section), limit, offset).await)
    }

    fn lead_stories(&self) -> Result<Option<std::sync::Arc<dyn StoryLead>>> {
        Ok(hosts::PgLead::take(&self.url)?.map(|lead| std::sync::Arc::new(lead) as _))
    }

    fn waiting_for_stories(&self) -> Result<usize> {
        self.read(async |c| {
            let row = rows::first(
                c,
                "count the story queue",
                "SELECT count(*) AS n FROM cluster_queue",
                &[],
            )
            .await?;
            Ok(row.map(|r| rows::get::<i64>(&r, "n")).transpose()?.unwrap_or(0) as usize)
        })
    }

    fn assign_story(&self, assignment: &StoryAssignment) -> Result<()> {
        self.write(async |tx| stories::assign(tx, assignment).await)
    }

    fn story(&self, id: StoryId) -> Result<Option<Story>> {
        self.read(async |c| stories::get_one(c, id).await)
    }

    fn story_redirect(&self, id: StoryId) -> Result<Option<StoryId>> {
        self.read(async |c| stories::redirect(c, id).await)
    }

    fn article_story(&self, article: ArticleId) -> Result<Option<ArticleStory>> {
        self.read(async |c| stories::of_article(c, article).await)
    }

    fn story_articles(&self, id: StoryId) -> Result<Vec<StoryArticle>> {
        self.read(async |c| stories::articles(c, id).await)
    }

    fn top_stories(&self, limit: usize, now: DateTime<Utc>) -> Result<Vec<Story>> {
        self.read(async |c| stories::top(c, limit, now).await)
    }

    fn related_articles(&self, article: ArticleId, limit: usize) -> Result<Vec<RelatedArticle>> {
        self.read(async |c| stories::related(c, article, limit).await)
    }

    fn article_view(&self, id: ArticleId, related: usize) -> Result<Option<ArticleView>> {
        self.read(async |c| view::article_view(c, id, related).await)
    }

    fn cluster_seeds(&self, since: DateTime<Utc>) -> Result<Vec<ClusterSeed>> {
        self.read(async |c| stories::seeds(c, since).await)
    }

    fn log_fetch(&self, record: &FetchRecord) -> Result<()> {
        self.write(async |tx| fetch_log::insert(tx, record).await)
    }

    fn recent_fetches(&self, limit: usize) -> Result<Vec<FetchRecord>> {
        self.read(async |c| fetch_log::recent(c, limit).await)
    }

    fn save_analysis(&self, article: ArticleId, analysis: &Analysis, at: DateTime<Utc>) -> Result<()> {
        self.write(async |tx| analysis::save(tx, article, analysis, at).await)
    }

    fn analysis(&self, article: ArticleId) -> Result<Option<Analysis>> {
        self.read(async |c| analysis::get_one(c, article).await)
    }

    fn entity(&self, slug: &str) -> Result<Option<EntityRef>> {
        self.read(async |c| analysis::by_slug(c, slug).await)
    }

    fn entities_of(&self, article: ArticleId) -> Result<Vec<EntityRef>> {
        self.read(async |c| analysis::of_article(c, article).await)
    }

    fn articles_mentioning(&self, slug: &str, limit: usize) -> Result<Vec<ArticleCard>> {
        self.read(async |c| analysis::articles_mentioning(c, slug, limit).await)
    }

    fn llm_cached(&self, key: &str) -> Result<Option<String>> {
        self.read(async |c| analysis::llm_cached(c, key).await)
    }

    fn cache_llm(&self, key: &str, reply: &str, at: DateTime<Utc>) -> Result<()> {
        self.write(async |tx| analysis::cache_llm(tx, key, reply, at).await)
    }

    fn secret(&self, name: &str, fresh: &str) -> Result<String> {
        self.write(async |tx| analysis::secret(tx, name, fresh).await)
    }

    fn parallel_calls(&self) -> usize {
        MAX_CONNECTIONS
    }
}

impl Community for PostgresStore {
    fn create_user(&self, username: &str, password_hash: &str, role: Role, at: DateTime<Utc>) -> Result<User> {
        self.write(async |tx| community::create_user(tx, username, password_hash, role, at).await)
    }

    fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>> {
        self.read(async |c| community::user_for_login(c, username).await)
    }

    fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.write(async |tx| community::create_session(tx, token_hash, user, now, expires_at).await)
    }

    fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        self.read(async |c| community::session_user(c, token_hash, now).await)
    }

    fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.write(async |tx| community::delete_session(tx, token_hash).await)
    }

    fn add_comment(&self, comment: &NewComment) -> Result<Comment> {
        self.write(async |tx| community::add_comment(tx, comment).await)
    }

    fn comment(&self, id: CommentId) -> Result<Option<Comment>> {
        self.read(async |c| community::get_comment(c, id).await)
    }

    fn comments_of_article(&self, article: ArticleId) -> Result<Vec<Comment>> {
        self.read(async |c| community::of_article(c, article).await)
    }

    fn comments_of_user(&self, user: UserId, limit: usize) -> Result<Vec<CommentOnArticle>> {
        self.read(async |c| community::of_user(c, user, limit).await)
    }

    fn edit_comment(&self, id: CommentId, body: &str, at: DateTime<Utc>) -> Result<()> {
        self.write(async |tx| community::edit(tx, id, body, at).await)
    }

    fn delete_comment(&self, id: CommentId) -> Result<()> {
        self.write(async |tx| community::delete(tx, id).await)
    }

    fn report_comment(&self, id: CommentId, reporter: UserId, reason: &str, at: DateTime<Utc>) -> Result<()> {
        self.write(async |tx| community::report(tx, id, reporter, reason, at).await)
    }

    fn set_comment_hidden(&self, id: CommentId, hidden: bool) -> Result<()> {
        self.write(async |tx| community::set_hidden(tx, id, hidden).await)
    }

    fn reported_comments(&self, limit: usize) -> Result<Vec<CommentOnArticle>> {
        self.read(async |c| community::reported(c, limit).await)
    }
}

impl Reading for PostgresStore {
    fn set_interest(&self, user: UserId, interest: &Interest, on: bool, at: DateTime<Utc>) -> Result<()> {
        self.write(async |tx| reading::set_interest(tx, user, interest, on, at).await)
    }

    fn interests(&self, user: UserId) -> Result<Vec<Interest>> {
        self.read(async |c| reading::interests(c, user).await)
    }

    fn pick(&self, pick: Pick<'_>, window: &Window) -> Result<Vec<Listed>> {
        self.read(async |c| reading::pick(c, pick, window).await)
    }

    fn keys(&self, pick: Pick<'_>, window: &Window) -> Result<Vec<Cursor>> {
        self.read(async |c| reading::keys(c, pick, window).await)
    }

    fn marks(&self, user: UserId, articles: &[ArticleId]) -> Result<Vec<Marks>> {
        self.read(async |c| reading::marks(c, user, articles).await)
    }

    fn set_read(&self, user: UserId, articles: &[ArticleId], read: bool, at: DateTime<Utc>) -> Result<usize> {
        self.write(async |tx| reading::set_read(tx, user, articles, read, at).await)
    }

    fn set_saved(&self, user: UserId, article: ArticleId, saved: bool, at: DateTime<Utc>) -> Result<()> {
        self.write(async |tx| reading::set_saved(tx, user, article, saved, at).await)
    }

    fn create_app_password(
        &self,
        user: UserId,
        name: &str,
        secret_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<AppPassword> {
        self.write(async |tx| reading::create_app_password(tx, user, name, secret_hash, at).await)
    }

    fn app_passwords(&self, user: UserId) -> Result<Vec<AppPassword>> {
        self.read(async |c| reading::app_passwords(c, user).await)
    }

    fn delete_app_password(&self, user: UserId, id: i64) -> Result<bool> {
        self.write(async |tx| reading::delete_app_password(tx, user, id).await)
    }

    fn app_password_by_secret(&self, secret_hash: &str) -> Result<Option<(AppPassword, User)>> {
        self.read(async |c| reading::app_password_by_secret(c, secret_hash).await)
    }

    fn app_password(&self, id: i64) -> Result<Option<(AppPassword, User)>> {
        self.read(async |c| reading::app_password_by_id(c, id).await)
    }

    fn feed_token(&self, user: UserId, fresh: &str) -> Result<String> {
        match self.read(async |c| reading::existing_feed_token(c, user).await)? {
            Some(token) => Ok(token),
            None => self.write(async |tx| reading::feed_token(tx, user, fresh).await),
        }
    }

    fn user_by_feed_token(&self, token: &str) -> Result<Option<User>> {
        self.read(async |c| reading::user_by_feed_token(c, token).await)
    }

    fn delete_user(&self, user: UserId) -> Result<()> {
        self.write(async |tx| reading::delete_user(tx, user).await)
    }
}
