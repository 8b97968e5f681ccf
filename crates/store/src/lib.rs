//! Persistence for newsdesk: everything the pipeline and the website keep.
//!
//! Three traits cover it, so the backends are interchangeable behind
//! them:
//!
//! - [`Store`], the pipeline's data: sources and their feeds with their
//!   polling state; the pending queue (feed entries waiting for their page)
//!   and the articles it becomes; the hosts that crawl work is leased by,
//!   and the archive files an import leases; each article's analysis and
//!   the entity index built from it; the story queue, served by the one
//!   [`StoryLead`]; stories, syndication marks, related-story links and
//!   where merged stories went; the fetch log; and the cache of LLM
//!   replies.
//! - [`Community`], the readers' side: accounts, login sessions, comments
//!   and reports of comments.
//! - [`Reading`], each reader's own newsdesk: follows and hides, saved
//!   articles, read marks, app passwords for reading apps.
//!
//! Two backends implement all three, chosen by [`open`] from the configured
//! database: [`SqliteStore`], the embedded default, on one SQLite file
//! (writes through one connection behind a mutex, each in a `BEGIN
//! IMMEDIATE` transaction; reads through a pool of query-only connections
//! that, in WAL mode, never wait for the writer), and [`PostgresStore`] on
//! a PostgreSQL server, for several processes or machines. Each brings its
//! schema up to date on open with numbered migrations. The traits are
//! synchronous: async callers run them on blocking threads through
//! [`blocking`].

#![warn(missing_docs)]

use chrono::{DateTime, Utc};
use newsdesk_domain::{
    Analysis, Article, ArticleId, EntityKind, Extracted, Feed, FeedEntry, FeedId, Section, Source, SourceId, Story,
    StoryId,
};

mod blocking;
mod community;
mod copy;
mod policy;
mod postgres;
mod reading;
mod sqlite;
mod text;

pub use blocking::blocking;
pub use community::{CommentOnArticle, Community, NewComment};
pub use copy::{copy_sqlite_to_postgres, CopiedTable, Progress};
pub use postgres::PostgresStore;
pub use reading::{AppPassword, Cursor, Listed, Marks, Pick, Reading, Window, MAX_APP_PASSWORDS, MAX_INTERESTS};
pub use sqlite::SqliteStore;

/// All three traits: everything a newsdesk keeps, on one database.
pub trait Database: Store + Community + Reading {}
impl<T: Store + Community + Reading> Database for T {}

/// Opens the database `spec` names: a `postgres://` (or `postgresql://`)
/// URL, else the path of a SQLite file, created if missing.
pub fn open(spec: &str) -> Result<std::sync::Arc<dyn Database>> {
    Ok(if is_postgres(spec) {
        std::sync::Arc::new(PostgresStore::connect(spec)?)
    } else {
        std::sync::Arc::new(SqliteStore::open(std::path::Path::new(spec))?)
    })
}

/// Whether `spec` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres(spec: &str) -> bool {
    let scheme = spec.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    matches!(scheme.as_deref(), Some("postgres" | "postgresql"))
}

/// What every store call returns.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed (I/O, lock timeout, corrupt file, bad schema version).
    #[error("database error: {0}")]
    Database(String),
    /// A row the call refers to does not exist (a feed, a source, a comment…).
    #[error("{0} not found")]
    NotFound(String),
    /// The input breaks a rule of the data (an empty name, a reply on another article…).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A uniqueness rule was broken, e.g. a username that is taken.
    #[error("{0}")]
    Conflict(String),
    /// The call's blocking thread panicked or was cancelled at shutdown.
    #[error("store call did not finish: {0}")]
    Interrupted(String),
}

/// A feed poll that succeeded (200 or 304).
#[derive(Debug, Clone, PartialEq)]
pub struct PollSuccess {
    /// When the poll ran.
    pub checked_at: DateTime<Utc>,
    /// When the feed is next due.
    pub next_check_at: DateTime<Utc>,
    /// The polling interval the schedule settled on.
    pub interval_secs: i64,
    /// The response's `ETag`, for the next conditional request.
    pub etag: Option<String>,
    /// The response's `Last-Modified`, for the next conditional request.
    pub last_modified: Option<String>,
    /// The feed's own title, when the body was parsed.
    pub title: Option<String>,
}

/// What queueing one feed entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// A new pending article row.
    New(ArticleId),
    /// Already stored (same canonical URL, or same feed GUID).
    Known(ArticleId),
}

/// The result of completing an article with its extracted page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completed {
    /// The page was stored on the article's own row.
    Stored(ArticleId),
    /// The page's canonical URL belongs to another stored article: this row
    /// was folded into that one, whose id is given.
    MergedInto(ArticleId),
    /// The article was stored already (by a worker whose lease on the host
    /// had expired when this one took it): nothing was written.
    Repeat(ArticleId),
}

/// A host leased to one crawl worker (see [`Store::claim_hosts`]).
#[derive(Debug, Clone, PartialEq)]
pub struct HostLease {
    /// The host, lower case, as URLs name it.
    pub host: String,
    /// Not before this may the host be contacted: the last request any
    /// worker sent it, plus its interval.
    pub next_fetch_at: DateTime<Utc>,
    /// Its robots.txt as a worker last fetched it.
    pub robots: Option<StoredRobots>,
}

/// A host's robots.txt, kept with the host so every worker obeys the same rules.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRobots {
    /// The file's text; empty when the host has none (everything allowed).
    pub body: String,
    /// When it was fetched.
    pub fetched_at: DateTime<Utc>,
}

/// The right to write story decisions, held by one process at a time on a
/// database (see [`Store::lead_stories`]). Stored articles wait in a queue
/// until the holder assigns them; a holder that lost the right cannot write.
pub trait StoryLead: Send + Sync {
    /// Up to `limit` stored articles waiting for a story, in the order they
    /// were discovered (a feed's poll, an archived page's fetch time).
    fn waiting(&self, limit: usize) -> Result<Vec<ArticleId>>;
    /// Stores a decision as [`Store::assign_story`] does, and takes the
    /// article off the queue, in one transaction.
    fn assign(&self, assignment: &StoryAssignment) -> Result<()>;
    /// Takes articles off the queue without a story of their own (the
    /// clusterer found them duplicates of clustered ones).
    fn pass(&self, articles: &[ArticleId]) -> Result<()>;
    /// Waits up to `timeout` for word that articles were stored (from any
    /// process); returns whether word came.
    fn wait(&self, timeout: std::time::Duration) -> Result<bool>;
}

/// An article as listed on the home and source pages.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleCard {
    /// The article's row id.
    pub id: ArticleId,
    /// Headline.
    pub title: String,
    /// Canonical URL of the publisher's page.
    pub url: String,
    /// The publisher's display name.
    pub source_name: String,
    /// The publisher's slug, for its page link.
    pub source_slug: String,
    /// Publication time, where known.
    pub published_at: Option<DateTime<Utc>>,
    /// When the crawler first saw the article.
    pub discovered_at: DateTime<Utc>,
    /// Short plain-text excerpt.
    pub excerpt: Option<String>,
    /// Absolute URL of the lead image.
    pub image: Option<String>,
}

/// A named entity as stored, for links and entity pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRef {
    /// Stable URL key derived from the name ("marco-rubio").
    pub slug: String,
    /// Canonical name, as the analysis gave it.
    pub name: String,
    /// Person, organisation, place or other.
    pub kind: EntityKind,
    /// Mentions in one article (from [`Store::entities_of`]) or the number
    /// of articles naming it (from [`Store::entity`]).
    pub mentions: u32,
}

/// One HTTP fetch, successful or not, for the fetch log.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchRecord {
    /// When the fetch started.
    pub at: DateTime<Utc>,
    /// The URL requested.
    pub url: String,
    /// The feed polled, for a feed fetch.
    pub feed_id: Option<FeedId>,
    /// The article whose page was fetched, for a page fetch.
    pub article_id: Option<ArticleId>,
    /// The response status; none when no response came.
    pub http_status: Option<u16>,
    /// Why the fetch failed, if it did.
    pub error: Option<String>,
    /// Body bytes received.
    pub bytes: u64,
    /// Time the fetch took.
    pub elapsed_ms: u64,
}

/// What the clusterer decided when one article arrived; stored in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryAssignment {
    /// The article that arrived.
    pub article: ArticleId,
    /// The article's story; created if new.
    pub story: StoryId,
    /// Stories folded into `story`: their articles move over and they are deleted.
    pub merged: Vec<StoryId>,
    /// Articles now known to be syndicated copies, with their origin where known.
    pub syndicated: Vec<(ArticleId, Option<String>)>,
    /// Other stories close to this article, with similarity scores in [0, 1].
    pub related: Vec<(StoryId, f32)>,
    /// Earlier articles the clusterer moved once this one arrived, in
    /// order, each with its story now (created if new): arrival order
    /// should not decide stories.
    pub moved: Vec<(ArticleId, StoryId)>,
    /// Stories those moves left without articles: they are deleted.
    pub emptied: Vec<StoryId>,
}

/// An article's place in a story.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleStory {
    /// The story.
    pub story: StoryId,
    /// Whether the article is a near-verbatim copy of another outlet's report.
    pub syndicated: bool,
    /// Wire agency or publisher the copy came from, where known.
    pub origin: Option<String>,
}

/// One article on a story page.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryArticle {
    /// The article as listed.
    pub card: ArticleCard,
    /// Whether it is a near-verbatim copy of another outlet's report.
    pub syndicated: bool,
    /// Wire agency or publisher the copy came from, where known.
    pub origin: Option<String>,
}

/// One entry of an article's "Related Articles".
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedArticle {
    /// The article as listed.
    pub card: ArticleCard,
    /// In the same story (another outlet's report), not only a related story.
    pub same_story: bool,
}

/// Everything the article page shows from the store, read together.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleView {
    /// The article itself.
    pub article: Article,
    /// Its publisher.
    pub source: Source,
    /// The article's place in its story, and the story, once clustered.
    pub story: Option<(ArticleStory, Story)>,
    /// Its "Related Articles", as [`Store::related_articles`] ranks them.
    pub related: Vec<RelatedArticle>,
    /// Its analysis, once analysed.
    pub analysis: Option<Analysis>,
    /// The entities it names, most mentioned first.
    pub entities: Vec<EntityRef>,
}

/// A stored article as the clusterer needs it to rebuild its window on start.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSeed {
    /// The article.
    pub article: ArticleId,
    /// The story it was assigned to.
    pub story: StoryId,
    /// Headline.
    pub title: String,
    /// The start of the body (at most a few thousand characters).
    pub lead: String,
    /// The publisher's name.
    pub source: String,
    /// Authors for display.
    pub byline: Option<String>,
    /// Publication time, where known.
    pub published_at: Option<DateTime<Utc>>,
    /// Whether it was marked a syndicated copy.
    pub syndicated: bool,
    /// Wire agency or publisher the copy came from, where known.
    pub origin: Option<String>,
}

/// Which listed articles a "latest" page shows.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Listing {
    All,
    Source(SourceId),
    Section(Section),
}

/// Storage for the whole pipeline. Implementations must be safe to share
/// across threads and must keep every method atomic.
pub trait Store: Send + Sync {
    /// Finds a source by name or creates it; its slug is derived from the name and unique.
    fn upsert_source(&self, name: &str, homepage: Option<&str>) -> Result<Source>;
    /// Every source, by name (case-insensitively).
    fn sources(&self) -> Result<Vec<Source>>;
    /// A source by id.
    fn source(&self, id: SourceId) -> Result<Option<Source>>;
    /// A source by the slug in its page's URL.
    fn source_by_slug(&self, slug: &str) -> Result<Option<Source>>;

    /// Subscribes to a feed; adding a known URL returns the existing feed.
    /// A new feed is due at once.
    fn add_feed(&self, source: SourceId, url: &str) -> Result<Feed>;
    /// Unsubscribes; its articles stay. Returns false when no such feed.
    fn remove_feed(&self, url: &str) -> Result<bool>;
    /// Every subscribed feed, in subscription order.
    fn feeds(&self) -> Result<Vec<Feed>>;
    /// A source's feeds, in subscription order.
    fn feeds_of_source(&self, source: SourceId) -> Result<Vec<Feed>>;
    /// Feeds whose `next_check_at` is at or before `now`, most overdue first.
    fn due_feeds(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Feed>>;
    /// Records a successful poll and queues its entries as pending articles,
    /// in one transaction: a crash leaves either both or neither.
    fn record_poll(&self, feed: FeedId, poll: &PollSuccess, entries: &[FeedEntry]) -> Result<Vec<Queued>>;
    /// Records a failed poll: sets `last_error`, bumps `error_count`, reschedules.
    fn record_feed_error(
        &self,
        feed: FeedId,
        error: &str,
        at: DateTime<Utc>,
        next_check_at: DateTime<Utc>,
    ) -> Result<()>;

    /// Pending articles: those that failed fewest times first, then oldest first.
    fn pending_articles(&self, limit: usize) -> Result<Vec<Article>>;

    /// Leases to `worker`, until `until`, up to `limit` hosts that have work
    /// (a feed due at `now` or a pending page), that nobody holds or whose
    /// lease expired before `now`, and that are not in `skip`; the hosts
    /// contacted longest ago first. Workers claiming at once get different
    /// hosts.
    fn claim_hosts(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        skip: &[String],
        limit: usize,
    ) -> Result<Vec<HostLease>>;
    /// Extends `worker`'s lease on `host` to `until`. False when the lease
    /// was lost (it expired and another worker took the host): the worker
    /// must stop crawling the host at once.
    fn renew_host(&self, host: &str, worker: &str, until: DateTime<Utc>) -> Result<bool>;
    /// Ends `worker`'s lease on `host`, recording when the host may next be
    /// contacted and, when the worker fetched it anew, its robots.txt.
    fn release_host(
        &self,
        host: &str,
        worker: &str,
        next_fetch_at: DateTime<Utc>,
        robots: Option<&StoredRobots>,
    ) -> Result<()>;
    /// Leases the job `name` (an archive file to import) to `worker` until
    /// `until`, unless it is done or another worker's lease on it is live
    /// at `now`. Whether it was leased.
    fn claim_job(&self, name: &str, worker: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool>;
    /// Extends `worker`'s lease on the job to `until`; false when it was
    /// lost, and the worker must stop.
    fn renew_job(&self, name: &str, worker: &str, until: DateTime<Utc>) -> Result<bool>;
    /// Marks `worker`'s job done at `at`; false when the lease was lost.
    fn finish_job(&self, name: &str, worker: &str, at: DateTime<Utc>) -> Result<bool>;
    /// [`Store::due_feeds`] on one host.
    fn due_feeds_of_host(&self, host: &str, now: DateTime<Utc>, limit: usize) -> Result<Vec<Feed>>;
    /// [`Store::pending_articles`] on one host.
    fn pending_of_host(&self, host: &str, limit: usize) -> Result<Vec<Article>>;
    /// Stores the extracted page and marks the article ready. `canonical_url`
    /// (already canonicalised) replaces the stored URL when it differs.
    fn complete_article(&self, id: ArticleId, canonical_url: &str, page: &Extracted) -> Result<Completed>;
    /// Stores a page read from an archive, fetched from `url` at
    /// `fetched_at`, as a ready article of `source` under `canonical_url`
    /// (the same policy as [`Store::complete_article`]), queued for its
    /// story. A page whose URL is already stored is a
    /// [`Completed::Repeat`] and changes nothing.
    fn store_archived(
        &self,
        source: SourceId,
        url: &str,
        fetched_at: DateTime<Utc>,
        canonical_url: &str,
        page: &Extracted,
    ) -> Result<Completed>;
    /// Records a failed page fetch. With `retry` the article stays pending
    /// until it has failed three times; then, or without `retry`, it is
    /// marked failed and listed with its feed summary.
    fn fail_article(&self, id: ArticleId, error: &str, retry: bool) -> Result<()>;
    /// An article by id, in any status.
    fn article(&self, id: ArticleId) -> Result<Option<Article>>;
    /// Up to `limit` ready articles with ids above `after`, in id order:
    /// call again with the last id to walk them all in batches.
    fn ready_articles_after(&self, after: ArticleId, limit: usize) -> Result<Vec<Article>>;
    /// The id of every ready article, in id order (8 bytes each: for
    /// checking what a derived index lacks).
    fn ready_article_ids(&self) -> Result<Vec<ArticleId>>;
    /// Ready and failed articles, newest first (published time, else discovery time).
    fn latest(&self, limit: usize, offset: usize) -> Result<Vec<ArticleCard>>;
    /// [`Store::latest`], for one source.
    fn latest_of_source(&self, source: SourceId, limit: usize, offset: usize) -> Result<Vec<ArticleCard>>;
    /// [`Store::latest`], for one section (as its analysis filed them).
    fn latest_in_section(&self, section: Section, limit: usize, offset: usize) -> Result<Vec<ArticleCard>>;

    /// Tries to become the one story writer on this database; `None` while
    /// another holds the lead (on PostgreSQL, another process's session;
    /// on SQLite, another caller in this process). The lead is given up
    /// when the value is dropped, or when its holder dies.
    fn lead_stories(&self) -> Result<Option<std::sync::Arc<dyn StoryLead>>>;
    /// How many stored articles wait for their story.
    fn waiting_for_stories(&self) -> Result<usize>;
    /// Stores a clustering decision: the article's story (created if new),
    /// merged stories folded in, syndication marks, related-story links; and
    /// refreshes the counts of every story touched.
    fn assign_story(&self, assignment: &StoryAssignment) -> Result<()>;
    /// A story by id.
    fn story(&self, id: StoryId) -> Result<Option<Story>>;
    /// Where a story that was merged into another, or dissolved, went:
    /// its old address leads there.
    fn story_redirect(&self, id: StoryId) -> Result<Option<StoryId>>;
    /// The article's story and syndication, once clustered.
    fn article_story(&self, article: ArticleId) -> Result<Option<ArticleStory>>;
    /// A story's articles in time order (oldest first: the story's timeline).
    fn story_articles(&self, id: StoryId) -> Result<Vec<StoryArticle>>;
    /// Stories active in the three days before `now`, ranked by coverage
    /// (outlets, then articles) weighed against age (the score halves every
    /// 12 hours since the story's latest article).
    fn top_stories(&self, limit: usize, now: DateTime<Utc>) -> Result<Vec<Story>>;
    /// "Related Articles" for an article: the same story's articles from
    /// other outlets (newest first), then its outlet's other articles on it,
    /// then articles of related stories, best link and most recent first.
    fn related_articles(&self, article: ArticleId, limit: usize) -> Result<Vec<RelatedArticle>>;
    /// The article page's data (with up to `related` related articles), as
    /// one consistent read on one connection: the page is the site's hottest.
    fn article_view(&self, id: ArticleId, related: usize) -> Result<Option<ArticleView>>;
    /// Clustered articles listed since `since`, in id (arrival) order: the
    /// clusterer's window to rebuild after a restart.
    fn cluster_seeds(&self, since: DateTime<Utc>) -> Result<Vec<ClusterSeed>>;

    /// Appends one fetch to the fetch log.
    fn log_fetch(&self, record: &FetchRecord) -> Result<()>;
    /// Most recent fetch log rows, newest first.
    fn recent_fetches(&self, limit: usize) -> Result<Vec<FetchRecord>>;

    /// Stores (or replaces) an article's analysis and links it to its entities.
    fn save_analysis(&self, article: ArticleId, analysis: &Analysis, at: DateTime<Utc>) -> Result<()>;
    /// The stored analysis of an article, if it has been analysed.
    fn analysis(&self, article: ArticleId) -> Result<Option<Analysis>>;
    /// An entity by slug; its `mentions` is the number of articles naming it.
    fn entity(&self, slug: &str) -> Result<Option<EntityRef>>;
    /// The entities an article names, most mentioned first, with slugs for links.
    fn entities_of(&self, article: ArticleId) -> Result<Vec<EntityRef>>;
    /// Listed articles naming an entity, newest first.
    fn articles_mentioning(&self, slug: &str, limit: usize) -> Result<Vec<ArticleCard>>;

    /// A cached LLM reply by request key (see `newsdesk_llm::LlmCache`).
    fn llm_cached(&self, key: &str) -> Result<Option<String>>;
    /// Caches an LLM reply, replacing any under the same key.
    fn cache_llm(&self, key: &str, reply: &str, at: DateTime<Utc>) -> Result<()>;

    /// The secret called `name`, keeping `fresh` as it when there is none
    /// yet: the first process to ask decides, and every later one (and
    /// every restart) gets the same value.
    fn secret(&self, name: &str, fresh: &str) -> Result<String>;

    /// How many calls are worth running at once. A call on a local file
    /// keeps a core busy, so more than a few per core only adds thread
    /// switches; a call to a database server mostly waits on it, so as
    /// many as there are connections can be in flight.
    fn parallel_calls(&self) -> usize;
}
