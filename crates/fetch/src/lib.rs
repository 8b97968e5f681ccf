//! Network edge of newsdesk: everything that talks to the outside web.
//!
//! [`Fetcher`] performs polite, bounded, SSRF-safe HTTP GETs (robots.txt,
//! per-host rate limits, retries, conditional requests, size caps), and the
//! helper modules turn what comes back into domain data: [`charset`] decodes
//! bodies to text, [`feed`] parses RSS/Atom/JSON Feed into
//! [`newsdesk_domain::FeedEntry`], [`urls`] canonicalises links and
//! [`schedule`] decides when a feed should be polled next. [`read_page`]
//! reads a page saved to a file through the same charset rules.

pub mod charset;
pub mod client;
pub mod error;
pub mod feed;
mod local;
pub mod rate_limit;
pub mod robots;
pub mod schedule;
pub mod ssrf;
pub mod urls;

pub use client::{FetchConfig, Fetcher, Response, Validators};
pub use error::FetchError;
pub use feed::{discover_feeds, parse_feed, ParsedFeed};
pub use local::read_page;
