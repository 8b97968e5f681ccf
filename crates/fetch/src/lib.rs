//! Network edge of newsdesk: everything that talks to the outside web.
//!
//! [`Fetcher`] performs polite, bounded, SSRF-safe HTTP GETs (robots.txt,
//! per-host rate limits, retries, conditional requests, size caps), and the
//! rest turns what comes back into domain data: [`Response::text`] decodes
//! bodies to text, [`parse_feed`] parses RSS/Atom/JSON Feed into
//! [`newsdesk_domain::FeedEntry`], [`urls`] canonicalises links and
//! [`next_interval`] decides when a feed should be polled next. [`read_page`]
//! reads a page saved to a file through the same charset rules.

#![warn(missing_docs)]

mod charset;
mod client;
mod error;
mod feed;
mod local;
mod rate_limit;
mod robots;
mod schedule;
mod ssrf;
pub mod urls;
pub mod warc;

pub use crate::warc::{Archive, ArchivedPage, RecordError};
pub use client::{FetchConfig, Fetcher, Response, Validators};
pub use error::FetchError;
pub use feed::{discover_feeds, parse_feed, ParsedFeed};
pub use local::read_page;
pub use schedule::{error_backoff, next_interval, ScheduleBounds};
