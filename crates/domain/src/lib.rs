//! Domain types shared by every stage of the newsdesk pipeline.
//!
//! Data flows one way: fetch → extract → analyze → cluster → store → web.
//! Each stage speaks in these types, so no stage needs to import a later one.
//! This crate holds plain data only: no I/O, no parsing, no policy.

#![warn(missing_docs)]

mod analysis;
mod community;
mod interest;
mod section;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

pub use analysis::{Analysis, Entity, EntityKind, Quote};
pub use community::{Comment, CommentId, Role, User, UserId};
pub use interest::{Interest, Mode, Target};
pub use section::Section;

/// Row id of a publisher ("source"), e.g. one outlet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceId(pub i64);

/// Row id of a subscribed feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FeedId(pub i64);

/// Row id of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ArticleId(pub i64);

/// One item of a parsed feed, before its page has been fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedEntry {
    /// The feed's own id for the item (RSS guid, Atom id, JSON Feed id); falls back to the link.
    pub guid: String,
    /// Canonicalised link to the article page.
    pub url: String,
    /// Headline as the feed gives it; the page's own may replace it.
    pub title: Option<String>,
    /// The feed's summary or content, as plain text.
    pub summary: Option<String>,
    /// Author as the feed names them.
    pub author: Option<String>,
    /// Publication time the feed states.
    pub published: Option<DateTime<Utc>>,
    /// The item's first category as the feed names it ("Sport", "Tech"),
    /// a hint for the article's section.
    #[serde(default)]
    pub category: Option<String>,
}

/// What the extractor makes of one article page; `newsdesk extract` prints
/// it as JSON, field for field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extracted {
    /// Headline, without the site name some pages append to it.
    pub title: Option<String>,
    /// The authors joined for display ("Ana Ruiz, Bo Li").
    pub byline: Option<String>,
    /// Each author's name, in the page's order.
    #[serde(default)]
    pub authors: Vec<String>,
    /// Publication time as the page states it, zone included.
    #[serde(serialize_with = "rfc3339")]
    pub published: Option<DateTime<FixedOffset>>,
    /// Last update as the page states it, zone included.
    #[serde(serialize_with = "rfc3339")]
    pub modified: Option<DateTime<FixedOffset>>,
    /// The publication's name ("The Harbour Times").
    pub site_name: Option<String>,
    /// Absolute URL of the lead image.
    pub image: Option<String>,
    /// ISO 639-1 code where known.
    pub lang: Option<String>,
    /// Absolute URL the page names as its own (`rel=canonical`, `og:url`…).
    pub canonical_url: Option<String>,
    /// The page's summary of itself (`og:description`, meta description…).
    pub description: Option<String>,
    /// Section of the publication the article runs in ("World").
    #[serde(default)]
    pub section: Option<String>,
    /// Topic tags the page declares, at most 50.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Plain text; paragraphs separated by one blank line.
    pub text: String,
    /// Sanitised HTML of the body, with absolute links.
    pub html: String,
}

/// Writes a time as `to_rfc3339` does: serde's default writes a zero offset
/// as `Z`, and `newsdesk extract` has always written `+00:00`.
fn rfc3339<S: serde::Serializer>(t: &Option<DateTime<FixedOffset>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&t.to_rfc3339()),
        None => s.serialize_none(),
    }
}

/// A publisher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Row id.
    pub id: SourceId,
    /// Display name; unique.
    pub name: String,
    /// URL-safe unique name used in links (`/source/{slug}`).
    pub slug: String,
    /// The publisher's site, where known.
    pub homepage: Option<String>,
}

/// A subscribed feed with its polling state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    /// Row id.
    pub id: FeedId,
    /// The publisher the feed belongs to.
    pub source_id: SourceId,
    /// Feed URL; unique.
    pub url: String,
    /// The feed's own title, from its last parsed body.
    pub title: Option<String>,
    /// `ETag` of the last response, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified` of the last response, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// When the feed was last polled, successfully or not.
    pub last_checked_at: Option<DateTime<Utc>>,
    /// When the feed is next due.
    pub next_check_at: DateTime<Utc>,
    /// Current polling interval; adapts to how often the feed publishes.
    pub interval_secs: i64,
    /// Why the last poll failed; cleared by a success.
    pub last_error: Option<String>,
    /// Consecutive failures; reset by a success.
    pub error_count: i64,
}

/// Where an article is in the ingest pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    /// Seen in a feed; its page has not been fetched yet.
    Pending,
    /// Page fetched and extracted.
    Ready,
    /// Page fetch or extraction failed; the feed's summary stands in for the body.
    Failed,
}

/// A stored article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Row id.
    pub id: ArticleId,
    /// The publisher.
    pub source_id: SourceId,
    /// The feed it was found in, if that feed is still subscribed.
    pub feed_id: Option<FeedId>,
    /// The feed's id for the item ([`FeedEntry::guid`]).
    pub guid: Option<String>,
    /// Canonical URL; unique across the store.
    pub url: String,
    /// Where it is in the ingest pipeline.
    pub status: ArticleStatus,
    /// Headline: the page's once extracted, the feed's before.
    pub title: String,
    /// Authors for display.
    pub byline: Option<String>,
    /// Publication time, from the page or else the feed.
    pub published_at: Option<DateTime<Utc>>,
    /// When the crawler first saw it in a feed.
    pub discovered_at: DateTime<Utc>,
    /// Absolute URL of the lead image.
    pub image: Option<String>,
    /// ISO 639-1 code where known.
    pub lang: Option<String>,
    /// Short plain-text excerpt for listings.
    pub excerpt: Option<String>,
    /// Plain-text body; paragraphs separated by one blank line.
    pub text: String,
    /// Sanitised body HTML.
    pub html: String,
    /// Why the page fetch or extraction last failed.
    pub last_error: Option<String>,
    /// The category its feed item carried, kept for filing it under a section.
    pub feed_category: Option<String>,
}

/// Row id of a story: the id of the article that founded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StoryId(pub i64);

/// A story: articles from one or more outlets about the same event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    /// Row id.
    pub id: StoryId,
    /// Title of the story's earliest original (non-syndicated) article.
    pub headline: String,
    /// Earliest article time (published, else discovered).
    pub first_seen: DateTime<Utc>,
    /// Latest article time (published, else discovered).
    pub last_seen: DateTime<Utc>,
    /// Articles in the story.
    pub article_count: i64,
    /// Distinct outlets among them.
    pub source_count: i64,
    /// Share of the story's articles that are original reporting (not
    /// syndicated copies), in [0, 1].
    pub original_share: f64,
}
