//! Mapping between SQLite rows and domain types, plus error context.
//!
//! Timestamps are stored as unix milliseconds (UTC) in INTEGER columns: they
//! sort and compare cheaply and index compactly.

use chrono::{DateTime, Utc};
use newsdesk_domain::{Article, ArticleId, ArticleStatus, Feed, FeedId, Source, SourceId};
use rusqlite::types::Type;
use rusqlite::Row;

use crate::{ArticleCard, FetchRecord, Result, StoreError};

/// Attaches a short description of the failed operation to SQLite errors.
pub(crate) trait Ctx<T> {
    fn ctx(self, what: &str) -> Result<T>;
}

impl<T> Ctx<T> for rusqlite::Result<T> {
    fn ctx(self, what: &str) -> Result<T> {
        self.map_err(|e| StoreError::Database(format!("{what}: {e}")))
    }
}

pub(crate) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Listing key: [`crate::policy::sort_time`] in milliseconds.
pub(crate) fn sort_key(published: Option<DateTime<Utc>>, discovered: DateTime<Utc>) -> i64 {
    millis(crate::policy::sort_time(published, discovered))
}

/// Converts counts from the API to SQLite integers, saturating.
pub(crate) fn sql_int(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

fn conversion_error(col: &str, msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, Type::Integer, format!("{col}: {msg}").into())
}

fn from_millis(col: &str, ms: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| conversion_error(col, format!("timestamp {ms} out of range")))
}

pub(crate) fn time(row: &Row<'_>, col: &str) -> rusqlite::Result<DateTime<Utc>> {
    from_millis(col, row.get(col)?)
}

pub(crate) fn opt_time(row: &Row<'_>, col: &str) -> rusqlite::Result<Option<DateTime<Utc>>> {
    row.get::<_, Option<i64>>(col)?
        .map(|ms| from_millis(col, ms))
        .transpose()
}

fn parse_status(s: &str) -> rusqlite::Result<ArticleStatus> {
    match s {
        "pending" => Ok(ArticleStatus::Pending),
        "ready" => Ok(ArticleStatus::Ready),
        "failed" => Ok(ArticleStatus::Failed),
        other => Err(conversion_error("status", format!("unknown status {other:?}"))),
    }
}

pub(crate) const SOURCE_COLS: &str = "id, name, slug, homepage";

pub(crate) fn source(row: &Row<'_>) -> rusqlite::Result<Source> {
    Ok(Source {
        id: SourceId(row.get("id")?),
        name: row.get("name")?,
        slug: row.get("slug")?,
        homepage: row.get("homepage")?,
    })
}

pub(crate) const FEED_COLS: &str = "id, source_id, url, title, etag, last_modified, \
     last_checked_at, next_check_at, interval_secs, last_error, error_count";

pub(crate) fn feed(row: &Row<'_>) -> rusqlite::Result<Feed> {
    Ok(Feed {
        id: FeedId(row.get("id")?),
        source_id: SourceId(row.get("source_id")?),
        url: row.get("url")?,
        title: row.get("title")?,
        etag: row.get("etag")?,
        last_modified: row.get("last_modified")?,
        last_checked_at: opt_time(row, "last_checked_at")?,
        next_check_at: time(row, "next_check_at")?,
        interval_secs: row.get("interval_secs")?,
        last_error: row.get("last_error")?,
        error_count: row.get("error_count")?,
    })
}

pub(crate) const ARTICLE_COLS: &str = "id, source_id, feed_id, guid, url, status, title, \
     byline, published_at, discovered_at, image, lang, excerpt, text, html, last_error, feed_category";

pub(crate) fn article(row: &Row<'_>) -> rusqlite::Result<Article> {
    Ok(Article {
        id: ArticleId(row.get("id")?),
        source_id: SourceId(row.get("source_id")?),
        feed_id: row.get::<_, Option<i64>>("feed_id")?.map(FeedId),
        guid: row.get("guid")?,
        url: row.get("url")?,
        status: parse_status(&row.get::<_, String>("status")?)?,
        title: row.get("title")?,
        byline: row.get("byline")?,
        published_at: opt_time(row, "published_at")?,
        discovered_at: time(row, "discovered_at")?,
        image: row.get("image")?,
        lang: row.get("lang")?,
        excerpt: row.get("excerpt")?,
        text: row.get("text")?,
        html: row.get("html")?,
        last_error: row.get("last_error")?,
        feed_category: row.get("feed_category")?,
    })
}

/// Card columns, selected from `articles a JOIN sources s`.
pub(crate) const CARD_COLS: &str = "a.id AS id, a.title AS title, a.url AS url, \
     s.name AS source_name, s.slug AS source_slug, a.published_at AS published_at, \
     a.discovered_at AS discovered_at, a.excerpt AS excerpt, a.image AS image";

pub(crate) fn card(row: &Row<'_>) -> rusqlite::Result<ArticleCard> {
    let excerpt: Option<String> = row.get("excerpt")?;
    Ok(ArticleCard {
        id: ArticleId(row.get("id")?),
        title: row.get("title")?,
        url: row.get("url")?,
        source_name: row.get("source_name")?,
        source_slug: row.get("source_slug")?,
        published_at: opt_time(row, "published_at")?,
        discovered_at: time(row, "discovered_at")?,
        excerpt: crate::policy::card_excerpt(excerpt),
        image: row.get("image")?,
    })
}

pub(crate) const FETCH_COLS: &str = "at, url, feed_id, article_id, http_status, error, bytes, elapsed_ms";

pub(crate) fn fetch_record(row: &Row<'_>) -> rusqlite::Result<FetchRecord> {
    let status: Option<i64> = row.get("http_status")?;
    let bytes: i64 = row.get("bytes")?;
    let elapsed: i64 = row.get("elapsed_ms")?;
    Ok(FetchRecord {
        at: time(row, "at")?,
        url: row.get("url")?,
        feed_id: row.get::<_, Option<i64>>("feed_id")?.map(FeedId),
        article_id: row.get::<_, Option<i64>>("article_id")?.map(ArticleId),
        http_status: status.and_then(|s| u16::try_from(s).ok()),
        error: row.get("error")?,
        bytes: u64::try_from(bytes).unwrap_or(0),
        elapsed_ms: u64::try_from(elapsed).unwrap_or(0),
    })
}
