//! Queries on `feeds`: subscriptions and their polling state.

use chrono::{DateTime, Utc};
use newsdesk_domain::{Feed, FeedId, SourceId};
use newsdesk_postgres::GenericClient;

use super::rows::{self, all, each, first, int, ms, run, FEED_COLS, R};
use super::{hosts, sources};
use crate::policy::{host_of, non_blank, DEFAULT_INTERVAL_SECS};
use crate::{PollSuccess, StoreError};

/// Subscribes `source` to `url`; a known URL (even one subscribed by a
/// concurrent call) returns the existing feed as is.
pub(crate) async fn add(c: &impl GenericClient, source: SourceId, url: &str, now: DateTime<Utc>) -> R<Feed> {
    let url = url.trim();
    if url.is_empty() {
        return Err(StoreError::Invalid("feed URL is empty".into()).into());
    }
    if let Some(existing) = by_url(c, url).await? {
        return Ok(existing);
    }
    if sources::get_one(c, source).await?.is_none() {
        return Err(StoreError::NotFound(format!("source {}", source.0)).into());
    }
    let host = host_of(url);
    hosts::ensure(c, &host).await?;
    let sql = format!(
        "INSERT INTO feeds (source_id, url, next_check_at, interval_secs, created_at, host)
         VALUES ($1, $2, $3, $4, $3, $5) ON CONFLICT (url) DO NOTHING RETURNING {FEED_COLS}"
    );
    let args: rows::Params = &[&source.0, &url, &ms(now), &DEFAULT_INTERVAL_SECS, &host];
    match first(c, "insert feed", &sql, args).await? {
        Some(row) => {
            hosts::refresh_feeds(c, &host).await?;
            rows::feed(&row)
        }
        None => by_url(c, url)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("feed {url}")).into()),
    }
}

pub(crate) async fn remove(c: &impl GenericClient, url: &str) -> R<bool> {
    let n = run(c, "delete feed", "DELETE FROM feeds WHERE url = $1", &[&url.trim()]).await?;
    hosts::refresh_feeds(c, &host_of(url)).await?;
    Ok(n > 0)
}

pub(crate) async fn get_one(c: &impl GenericClient, id: FeedId) -> R<Option<Feed>> {
    let sql = format!("SELECT {FEED_COLS} FROM feeds WHERE id = $1");
    first(c, "load feed", &sql, &[&id.0])
        .await?
        .as_ref()
        .map(rows::feed)
        .transpose()
}

async fn by_url(c: &impl GenericClient, url: &str) -> R<Option<Feed>> {
    let sql = format!("SELECT {FEED_COLS} FROM feeds WHERE url = $1");
    first(c, "load feed", &sql, &[&url])
        .await?
        .as_ref()
        .map(rows::feed)
        .transpose()
}

async fn list(c: &impl GenericClient, tail: &str, args: rows::Params<'_>) -> R<Vec<Feed>> {
    let sql = format!("SELECT {FEED_COLS} FROM feeds {tail}");
    each(&all(c, "list feeds", &sql, args).await?, rows::feed)
}

pub(crate) async fn every(c: &impl GenericClient) -> R<Vec<Feed>> {
    list(c, "ORDER BY id", &[]).await
}

pub(crate) async fn of_source(c: &impl GenericClient, source: SourceId) -> R<Vec<Feed>> {
    list(c, "WHERE source_id = $1 ORDER BY id", &[&source.0]).await
}

pub(crate) async fn due(c: &impl GenericClient, now: DateTime<Utc>, limit: usize) -> R<Vec<Feed>> {
    let tail = "WHERE next_check_at <= $1 ORDER BY next_check_at, id LIMIT $2";
    list(c, tail, &[&ms(now), &int(limit)]).await
}

/// Stores the state after a successful poll (see the SQLite twin).
pub(crate) async fn record_success(c: &impl GenericClient, feed: FeedId, poll: &PollSuccess) -> R<()> {
    let n = run(
        c,
        "update feed after poll",
        "UPDATE feeds SET title = COALESCE($2, title), etag = $3, last_modified = $4,
             last_checked_at = $5, next_check_at = $6, interval_secs = $7,
             last_error = NULL, error_count = 0
         WHERE id = $1",
        &[
            &feed.0,
            &non_blank(poll.title.as_deref()),
            &poll.etag,
            &poll.last_modified,
            &ms(poll.checked_at),
            &ms(poll.next_check_at),
            &poll.interval_secs,
        ],
    )
    .await?;
    hosts::refresh_feeds_of(c, feed).await?;
    found(n, feed)
}

pub(crate) async fn record_error(
    c: &impl GenericClient,
    feed: FeedId,
    error: &str,
    at: DateTime<Utc>,
    next_check_at: DateTime<Utc>,
) -> R<()> {
    let n = run(
        c,
        "update feed after error",
        "UPDATE feeds SET last_error = $2, error_count = error_count + 1,
             last_checked_at = $3, next_check_at = $4
         WHERE id = $1",
        &[&feed.0, &error, &ms(at), &ms(next_check_at)],
    )
    .await?;
    hosts::refresh_feeds_of(c, feed).await?;
    found(n, feed)
}

fn found(changed: u64, feed: FeedId) -> R<()> {
    match changed {
        0 => Err(StoreError::NotFound(format!("feed {}", feed.0)).into()),
        _ => Ok(()),
    }
}
