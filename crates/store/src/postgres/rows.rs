//! Statements, row mapping and errors for the PostgreSQL store.
//!
//! Statements are prepared once per connection (`prepare_cached`); columns
//! are read with `try_get`, so a type mismatch is an error, not a panic.
//! Timestamps are `timestamptz` cut to milliseconds on the way in, which is
//! what SQLite keeps, so both backends return the same instants; text is
//! ordered `COLLATE "C"` (by code point), as SQLite orders it, whatever the
//! server's locale.

use chrono::{DateTime, Utc};
use newsdesk_domain::{Article, ArticleId, ArticleStatus, Feed, FeedId, Source, SourceId, Story, StoryId};
use newsdesk_postgres::{GenericClient, PgError, Row, ToSql, Transient};
use tokio_postgres::types::FromSql;

use crate::policy::card_excerpt;
use crate::{ArticleCard, FetchRecord, StoreError};

/// Why a call failed inside a transaction: a store rule, or the database,
/// or a race another transaction won (worth running again).
#[derive(Debug)]
pub(crate) enum Fail {
    Store(StoreError),
    Db(PgError),
    Race(PgError),
}

pub(crate) type R<T> = std::result::Result<T, Fail>;

impl From<PgError> for Fail {
    fn from(e: PgError) -> Fail {
        Fail::Db(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        Fail::Store(e)
    }
}

impl Transient for Fail {
    fn is_transient(&self) -> bool {
        match self {
            Fail::Db(e) => e.is_transient(),
            Fail::Race(_) => true,
            Fail::Store(_) => false,
        }
    }
}

impl From<Fail> for StoreError {
    fn from(f: Fail) -> StoreError {
        match f {
            Fail::Store(e) => e,
            Fail::Db(e) | Fail::Race(e) => StoreError::Database(e.to_string()),
        }
    }
}

pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

async fn prepared(c: &impl GenericClient, what: &str, sql: &str) -> R<tokio_postgres::Statement> {
    Ok(c.prepare_cached(sql).await.map_err(|e| PgError::query(what, e))?)
}

/// Every row of a query.
pub(crate) async fn all(c: &impl GenericClient, what: &str, sql: &str, params: Params<'_>) -> R<Vec<Row>> {
    let st = prepared(c, what, sql).await?;
    Ok(c.query(&st, params).await.map_err(|e| PgError::query(what, e))?)
}

/// The first row of a query, if any.
pub(crate) async fn first(c: &impl GenericClient, what: &str, sql: &str, params: Params<'_>) -> R<Option<Row>> {
    let st = prepared(c, what, sql).await?;
    Ok(c.query_opt(&st, params).await.map_err(|e| PgError::query(what, e))?)
}

/// Runs a statement; returns the rows it changed.
pub(crate) async fn run(c: &impl GenericClient, what: &str, sql: &str, params: Params<'_>) -> R<u64> {
    let st = prepared(c, what, sql).await?;
    Ok(c.execute(&st, params).await.map_err(|e| PgError::query(what, e))?)
}

/// [`run`], where a unique violation means another transaction got there
/// first: running the whole transaction again sees its row and decides anew.
pub(crate) async fn run_racing(c: &impl GenericClient, what: &str, sql: &str, params: Params<'_>) -> R<u64> {
    let st = prepared(c, what, sql).await?;
    c.execute(&st, params).await.map_err(|e| {
        let lost_race = e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION);
        let e = PgError::query(what, e);
        if lost_race {
            Fail::Race(e)
        } else {
            Fail::Db(e)
        }
    })
}

/// One column, typed; a mismatch is an error naming the column.
pub(crate) fn get<'a, T: FromSql<'a>>(row: &'a Row, col: &str) -> R<T> {
    row.try_get(col)
        .map_err(|e| Fail::Store(StoreError::Database(format!("column {col}: {e}"))))
}

/// An instant as both backends keep it: whole milliseconds.
pub(crate) fn ms(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// Converts counts from the API to SQL integers, saturating.
pub(crate) fn int(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

pub(crate) const SOURCE_COLS: &str = "id, name, slug, homepage";

pub(crate) fn source(row: &Row) -> R<Source> {
    Ok(Source {
        id: SourceId(get(row, "id")?),
        name: get(row, "name")?,
        slug: get(row, "slug")?,
        homepage: get(row, "homepage")?,
    })
}

pub(crate) const FEED_COLS: &str = "id, source_id, url, title, etag, last_modified, \
     last_checked_at, next_check_at, interval_secs, last_error, error_count";

pub(crate) fn feed(row: &Row) -> R<Feed> {
    Ok(Feed {
        id: FeedId(get(row, "id")?),
        source_id: SourceId(get(row, "source_id")?),
        url: get(row, "url")?,
        title: get(row, "title")?,
        etag: get(row, "etag")?,
        last_modified: get(row, "last_modified")?,
        last_checked_at: get(row, "last_checked_at")?,
        next_check_at: get(row, "next_check_at")?,
        interval_secs: get(row, "interval_secs")?,
        last_error: get(row, "last_error")?,
        error_count: get(row, "error_count")?,
    })
}

pub(crate) const ARTICLE_COLS: &str = "id, source_id, feed_id, guid, url, status, title, \
     byline, published_at, discovered_at, image, lang, excerpt, text, html, last_error, feed_category";

fn status(spelled: &str) -> R<ArticleStatus> {
    match spelled {
        "pending" => Ok(ArticleStatus::Pending),
        "ready" => Ok(ArticleStatus::Ready),
        "failed" => Ok(ArticleStatus::Failed),
        other => Err(StoreError::Database(format!("unknown article status {other:?}")).into()),
    }
}

pub(crate) fn article(row: &Row) -> R<Article> {
    Ok(Article {
        id: ArticleId(get(row, "id")?),
        source_id: SourceId(get(row, "source_id")?),
        feed_id: get::<Option<i64>>(row, "feed_id")?.map(FeedId),
        guid: get(row, "guid")?,
        url: get(row, "url")?,
        status: status(get(row, "status")?)?,
        title: get(row, "title")?,
        byline: get(row, "byline")?,
        published_at: get(row, "published_at")?,
        discovered_at: get(row, "discovered_at")?,
        image: get(row, "image")?,
        lang: get(row, "lang")?,
        excerpt: get(row, "excerpt")?,
        text: get(row, "text")?,
        html: get(row, "html")?,
        last_error: get(row, "last_error")?,
        feed_category: get(row, "feed_category")?,
    })
}

/// Card columns, selected from `articles a JOIN sources s`.
pub(crate) const CARD_COLS: &str = "a.id AS id, a.title AS title, a.url AS url, \
     s.name AS source_name, s.slug AS source_slug, a.published_at AS published_at, \
     a.discovered_at AS discovered_at, a.excerpt AS excerpt, a.image AS image";

pub(crate) fn card(row: &Row) -> R<ArticleCard> {
    Ok(ArticleCard {
        id: ArticleId(get(row, "id")?),
        title: get(row, "title")?,
        url: get(row, "url")?,
        source_name: get(row, "source_name")?,
        source_slug: get(row, "source_slug")?,
        published_at: get(row, "published_at")?,
        discovered_at: get(row, "discovered_at")?,
        excerpt: card_excerpt(get(row, "excerpt")?),
        image: get(row, "image")?,
    })
}

pub(crate) const STORY_COLS: &str = "id, headline, first_seen, last_seen, article_count, source_count, original_share";

pub(crate) fn story(row: &Row) -> R<Story> {
    Ok(Story {
        id: StoryId(get(row, "id")?),
        headline: get(row, "headline")?,
        first_seen: get(row, "first_seen")?,
        last_seen: get(row, "last_seen")?,
        article_count: get(row, "article_count")?,
        source_count: get(row, "source_count")?,
        original_share: get(row, "original_share")?,
    })
}

pub(crate) const FETCH_COLS: &str = "at, url, feed_id, article_id, http_status, error, bytes, elapsed_ms";

pub(crate) fn fetch_record(row: &Row) -> R<FetchRecord> {
    let status: Option<i64> = get(row, "http_status")?;
    Ok(FetchRecord {
        at: get(row, "at")?,
        url: get(row, "url")?,
        feed_id: get::<Option<i64>>(row, "feed_id")?.map(FeedId),
        article_id: get::<Option<i64>>(row, "article_id")?.map(ArticleId),
        http_status: status.and_then(|s| u16::try_from(s).ok()),
        error: get(row, "error")?,
        bytes: u64::try_from(get::<i64>(row, "bytes")?).unwrap_or(0),
        elapsed_ms: u64::try_from(get::<i64>(row, "elapsed_ms")?).unwrap_or(0),
    })
}

/// Maps every row with `f`.
pub(crate) fn each<T>(rows: &[Row], f: impl Fn(&Row) -> R<T>) -> R<Vec<T>> {
    rows.iter().map(f).collect()
}
