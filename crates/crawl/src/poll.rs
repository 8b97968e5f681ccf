//! Feed polling: fetch a due feed (conditionally), queue its new entries
//! and schedule the next poll, all in one store transaction; or record the
//! failure and back off.

use std::time::Duration;

use chrono::{DateTime, Utc};
use newsdesk_domain::Feed;
use newsdesk_fetch::{error_backoff, next_interval, parse_feed, FetchError, Response, ScheduleBounds, Validators};
use newsdesk_store::{blocking, PollSuccess, Queued, StoreError};

use crate::fetch_log::Fetched;
use crate::{Crawler, PassReport};

/// Base delay after a failed feed poll; doubles with each consecutive failure.
const FEED_ERROR_BACKOFF: Duration = Duration::from_secs(5 * 60);

/// Why a poll failed: the fetch or parse, or storing its result.
#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Crawler {
    pub(crate) async fn poll_feed(self, feed: Feed) -> PassReport {
        let validators = Validators {
            etag: feed.etag.clone(),
            last_modified: feed.last_modified.clone(),
        };
        let fetched = self.fetcher.get(&feed.url, &validators).await;
        self.log_fetch(&feed.url, Fetched::Feed(feed.id), &fetched).await;
        let outcome = match fetched {
            Ok(resp) => self.record_poll(&feed, resp).await,
            Err(e) => Err(e.into()),
        };
        match outcome {
            Ok(new_articles) => PassReport {
                feeds_polled: 1,
                new_articles,
                ..Default::default()
            },
            Err(error) => {
                self.record_feed_error(&feed, error).await;
                PassReport {
                    feeds_polled: 1,
                    feeds_failed: 1,
                    ..Default::default()
                }
            }
        }
    }

    /// Stores a successful poll; returns how many entries were new.
    async fn record_poll(&self, feed: &Feed, resp: Response) -> Result<usize, PollError> {
        let now = Utc::now();
        let previous = Duration::from_secs(feed.interval_secs.max(60) as u64);
        let (entries, title) = if resp.not_modified {
            (Vec::new(), None)
        } else {
            let parsed = parse_feed(&resp.body, &resp.final_url)?;
            (parsed.entries, parsed.title)
        };
        let times: Vec<DateTime<Utc>> = entries.iter().filter_map(|e| e.published).collect();
        let interval = next_interval(&times, now, previous, ScheduleBounds::default());
        let poll = PollSuccess {
            checked_at: now,
            next_check_at: now + chrono::Duration::from_std(interval).unwrap_or_default(),
            interval_secs: interval.as_secs() as i64,
            etag: resp.etag.or_else(|| feed.etag.clone()),
            last_modified: resp.last_modified.or_else(|| feed.last_modified.clone()),
            title,
        };
        let id = feed.id;
        let queued = blocking(&self.store, move |s| s.record_poll(id, &poll, &entries)).await?;
        Ok(queued.iter().filter(|q| matches!(q, Queued::New(_))).count())
    }

    async fn record_feed_error(&self, feed: &Feed, error: PollError) {
        tracing::warn!(feed = %feed.url, %error, "feed poll failed");
        let now = Utc::now();
        let delay = error_backoff(feed.error_count + 1, FEED_ERROR_BACKOFF);
        let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
        let (id, error) = (feed.id, error.to_string());
        if let Err(e) = blocking(&self.store, move |s| s.record_feed_error(id, &error, now, next)).await {
            tracing::error!("recording feed error: {e}");
        }
    }
}
