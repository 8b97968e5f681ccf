//! Every fetch, feed or page, successful or not, goes to the store's fetch
//! log and the `newsdesk_fetches_total` counter.

use chrono::Utc;
use newsdesk_domain::{ArticleId, FeedId};
use newsdesk_fetch::{FetchError, Response};
use newsdesk_store::{blocking, FetchRecord};

use crate::Crawler;

/// What a fetch was for.
#[derive(Clone, Copy)]
pub(crate) enum Fetched {
    Feed(FeedId),
    Page(ArticleId),
}

impl Crawler {
    pub(crate) async fn log_fetch(&self, url: &str, what: Fetched, fetched: &Result<Response, FetchError>) {
        let kind = match what {
            Fetched::Feed(_) => "feed",
            Fetched::Page(_) => "page",
        };
        let outcome = if fetched.is_ok() { "ok" } else { "error" };
        metrics::counter!("newsdesk_fetches_total", "kind" => kind, "outcome" => outcome).increment(1);
        let record = FetchRecord {
            at: Utc::now(),
            url: url.to_string(),
            feed_id: match what {
                Fetched::Feed(id) => Some(id),
                Fetched::Page(_) => None,
            },
            article_id: match what {
                Fetched::Page(id) => Some(id),
                Fetched::Feed(_) => None,
            },
            http_status: match fetched {
                Ok(r) => Some(r.status),
                Err(FetchError::Status { status, .. }) => Some(*status),
                Err(_) => None,
            },
            error: fetched.as_ref().err().map(ToString::to_string),
            bytes: fetched.as_ref().map(|r| r.body.len() as u64).unwrap_or(0),
            elapsed_ms: fetched.as_ref().map(|r| r.elapsed.as_millis() as u64).unwrap_or(0),
        };
        if let Err(e) = blocking(&self.store, move |s| s.log_fetch(&record)).await {
            tracing::error!("writing fetch log: {e}");
        }
    }
}
