//! Queries on the `feeds` table: subscriptions and their polling state.

use chrono::{DateTime, Utc};
use newsdesk_domain::{Feed, FeedId, SourceId};
use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{self, millis, sql_int, Ctx, FEED_COLS};
use super::{hosts, sources};
use crate::policy::{host_of, non_blank, DEFAULT_INTERVAL_SECS};
use crate::{PollSuccess, Result, StoreError};

/// Subscribes `source` to `url`; a known URL returns the existing feed as is.
pub(crate) fn add(conn: &Connection, source: SourceId, url: &str, now: DateTime<Utc>) -> Result<Feed> {
    let url = url.trim();
    if url.is_empty() {
        return Err(StoreError::Invalid("feed URL is empty".into()));
    }
    if let Some(existing) = by_url(conn, url)? {
        return Ok(existing);
    }
    if sources::get(conn, source)?.is_none() {
        return Err(StoreError::NotFound(format!("source {}", source.0)));
    }
    let host = host_of(url);
    hosts::ensure(conn, &host)?;
    conn.execute(
        "INSERT INTO feeds (source_id, url, next_check_at, interval_secs, created_at, host)
         VALUES (?1, ?2, ?3, ?4, ?3, ?5)",
        params![source.0, url, millis(now), DEFAULT_INTERVAL_SECS, host],
    )
    .ctx("insert feed")?;
    hosts::refresh_feeds(conn, &host)?;
    let id = FeedId(conn.last_insert_rowid());
    get(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("feed {}", id.0)))
}

pub(crate) fn remove(conn: &Connection, url: &str) -> Result<bool> {
    let n = conn
        .execute("DELETE FROM feeds WHERE url = ?1", [url.trim()])
        .ctx("delete feed")?;
    hosts::refresh_feeds(conn, &host_of(url))?;
    Ok(n > 0)
}

fn one_by(conn: &Connection, column: &str, value: &dyn rusqlite::ToSql) -> Result<Option<Feed>> {
    let sql = format!("SELECT {FEED_COLS} FROM feeds WHERE {column} = ?1");
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_row([value], rows::feed).optional())
        .ctx("load feed")
}

pub(crate) fn get(conn: &Connection, id: FeedId) -> Result<Option<Feed>> {
    one_by(conn, "id", &id.0)
}

fn by_url(conn: &Connection, url: &str) -> Result<Option<Feed>> {
    one_by(conn, "url", &url)
}

fn list(conn: &Connection, tail: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Feed>> {
    let sql = format!("SELECT {FEED_COLS} FROM feeds {tail}");
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_map(args, rows::feed)?.collect())
        .ctx("list feeds")
}

pub(crate) fn all(conn: &Connection) -> Result<Vec<Feed>> {
    list(conn, "ORDER BY id", &[])
}

pub(crate) fn of_source(conn: &Connection, source: SourceId) -> Result<Vec<Feed>> {
    list(conn, "WHERE source_id = ?1 ORDER BY id", &[&source.0])
}

pub(crate) fn due(conn: &Connection, now: DateTime<Utc>, limit: usize) -> Result<Vec<Feed>> {
    let tail = "WHERE next_check_at <= ?1 ORDER BY next_check_at, id LIMIT ?2";
    list(conn, tail, &[&millis(now), &sql_int(limit)])
}

/// Stores the state after a successful poll. Validators are stored exactly
/// as given (a 304 poll passes the old ones back); the title only when the
/// body was parsed, since a 304 carries none.
pub(crate) fn record_success(conn: &Connection, feed: FeedId, poll: &PollSuccess) -> Result<()> {
    let n = conn
        .execute(
            "UPDATE feeds SET title = COALESCE(?2, title), etag = ?3, last_modified = ?4,
                 last_checked_at = ?5, next_check_at = ?6, interval_secs = ?7,
                 last_error = NULL, error_count = 0
             WHERE id = ?1",
            params![
                feed.0,
                non_blank(poll.title.as_deref()),
                poll.etag,
                poll.last_modified,
                millis(poll.checked_at),
                millis(poll.next_check_at),
                poll.interval_secs,
            ],
        )
        .ctx("update feed after poll")?;
    hosts::refresh_feeds_of(conn, feed)?;
    found(n, feed)
}

pub(crate) fn record_error(
    conn: &Connection,
    feed: FeedId,
    error: &str,
    at: DateTime<Utc>,
    next_check_at: DateTime<Utc>,
) -> Result<()> {
    let n = conn
        .execute(
            "UPDATE feeds SET last_error = ?2, error_count = error_count + 1,
                 last_checked_at = ?3, next_check_at = ?4
             WHERE id = ?1",
            params![feed.0, error, millis(at), millis(next_check_at)],
        )
        .ctx("update feed after error")?;
    hosts::refresh_feeds_of(conn, feed)?;
    found(n, feed)
}

fn found(changed: usize, feed: FeedId) -> Result<()> {
    match changed {
        0 => Err(StoreError::NotFound(format!("feed {}", feed.0))),
        _ => Ok(()),
    }
}
