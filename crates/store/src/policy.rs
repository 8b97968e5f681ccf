//! The rules both backends share, so SQLite and PostgreSQL decide alike:
//! limits, listing order, which excerpt an article shows, how top stories
//! and related stories are ranked, and how roles are spelled.

use chrono::{DateTime, Duration, Utc};
use newsdesk_domain::{Extracted, Role, Story};

use crate::text::excerpt;

/// Page fetches an article gets (with `retry`) before it is marked failed.
pub(crate) const MAX_ATTEMPTS: i64 = 3;
/// Polling interval of a new feed until the crawler adapts it.
pub(crate) const DEFAULT_INTERVAL_SECS: i64 = 15 * 60;
/// Length of excerpts derived from a page's description or text.
const EXCERPT_CHARS: usize = 300;
/// Listing excerpts are capped here: a feed "summary" is sometimes the whole article.
const CARD_EXCERPT_CHARS: usize = 300;
/// Characters of body text handed to the clusterer on restart.
pub(crate) const SEED_LEAD_CHARS: i64 = 3_000;
/// Stories older than this (since their latest article) are not "top".
const TOP_WINDOW_HOURS: i64 = 72;
/// A top story's score halves every this many hours.
const TOP_HALF_LIFE_HOURS: f64 = 12.0;
/// Stories read before ranking: the most recently active ones.
pub(crate) const TOP_CANDIDATES: usize = 2_000;
/// Related stories consulted, and articles shown from each.
pub(crate) const RELATED_STORIES: usize = 10;
pub(crate) const PER_RELATED_STORY: usize = 2;

/// The host a URL names, lower case; empty for a URL without one. Crawl
/// work is leased by it.
pub(crate) fn host_of(url: &str) -> String {
    url::Url::parse(url.trim())
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}

/// The feed entry an archived page stands for: its URL and title, nothing
/// a feed would add.
pub(crate) fn archived_entry(url: &str, page: &Extracted) -> newsdesk_domain::FeedEntry {
    newsdesk_domain::FeedEntry {
        guid: String::new(),
        url: url.trim().to_string(),
        title: page.title.clone(),
        summary: None,
        author: None,
        published: None,
        category: None,
    }
}

/// Where the stories a decision removed now live, for their old pages:
/// a merged story in the one it joined; a story left empty in the one most
/// of the moved articles went to (else the arrival's).
pub(crate) fn redirects(a: &crate::StoryAssignment) -> Vec<(i64, i64)> {
    let mut counts: std::collections::BTreeMap<i64, usize> = std::collections::BTreeMap::new();
    for (_, to) in &a.moved {
        *counts.entry(to.0).or_default() += 1;
    }
    let most = counts
        .iter()
        .max_by_key(|&(id, n)| (*n, std::cmp::Reverse(*id)))
        .map_or(a.story.0, |(id, _)| *id);
    let merged = a.merged.iter().map(|g| (g.0, a.story.0));
    let emptied = a.emptied.iter().map(|g| (g.0, most));
    merged.chain(emptied).filter(|(old, new)| old != new).collect()
}

/// Trims and turns blank strings into `None`: feeds often carry `""` fields.
pub(crate) fn non_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Listing time: the publication time, else the discovery time. A published
/// time in the future (bad feed clocks, wrong time zones) is clamped to the
/// discovery time so such articles cannot pin themselves to the top.
pub(crate) fn sort_time(published: Option<DateTime<Utc>>, discovered: DateTime<Utc>) -> DateTime<Utc> {
    published.map_or(discovered, |p| p.min(discovered))
}

/// The excerpt a completed article lists with: the feed's summary, else the
/// page's description, else the start of its text.
pub(crate) fn page_excerpt(feed_summary: Option<&str>, page: &Extracted) -> Option<String> {
    non_blank(feed_summary)
        .map(str::to_owned)
        .or_else(|| page.description.as_deref().and_then(|d| excerpt(d, EXCERPT_CHARS)))
        .or_else(|| excerpt(&page.text, EXCERPT_CHARS))
}

/// A stored excerpt as a listing shows it.
pub(crate) fn card_excerpt(stored: Option<String>) -> Option<String> {
    stored.and_then(|e| excerpt(&e, CARD_EXCERPT_CHARS))
}

/// The oldest `last_seen` a top story may have.
pub(crate) fn top_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::hours(TOP_WINDOW_HOURS)
}

/// Ranks recent stories by coverage (outlets, then articles) weighed
/// against age, and keeps the best `limit`.
pub(crate) fn rank_top(mut stories: Vec<Story>, now: DateTime<Utc>, limit: usize) -> Vec<Story> {
    let score = |s: &Story| {
        let age_hours = (now - s.last_seen).num_minutes().max(0) as f64 / 60.0;
        let coverage = 1.0 + s.source_count as f64 + 0.25 * (s.article_count - s.source_count).max(0) as f64;
        coverage * 0.5f64.powf(age_hours / TOP_HALF_LIFE_HOURS)
    };
    stories.sort_by(|a, b| {
        score(b)
            .total_cmp(&score(a))
            .then(b.last_seen.cmp(&a.last_seen))
            .then(b.id.cmp(&a.id))
    });
    stories.truncate(limit);
    stories
}

/// Orders linked stories `(id, link score, last seen)`: link score damped
/// by how far each story's latest article lags the freshest one.
pub(crate) fn rank_related(linked: &[(i64, f64, DateTime<Utc>)]) -> Vec<i64> {
    let Some(freshest) = linked.iter().map(|l| l.2).max() else {
        return Vec::new();
    };
    let mut ranked: Vec<(f64, i64)> = linked
        .iter()
        .map(|&(id, score, last)| {
            let lag_days = (freshest - last).num_milliseconds() as f64 / 86_400_000.0;
            (score * 0.5f64.powf(lag_days), id)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.into_iter().map(|(_, id)| id).collect()
}

/// Roles as the `users.role` column spells them.
const ROLES: [(Role, &str); 3] = [
    (Role::Admin, "admin"),
    (Role::Moderator, "moderator"),
    (Role::Reader, "reader"),
];

pub(crate) fn role_name(role: Role) -> &'static str {
    ROLES
        .iter()
        .find(|(r, _)| *r == role)
        .map_or("reader", |(_, text)| *text)
}

/// An unknown spelling (from a newer build) reads as the least privilege.
pub(crate) fn parse_role(spelled: &str) -> Role {
    ROLES
        .iter()
        .find(|(_, text)| *text == spelled)
        .map_or(Role::Reader, |(role, _)| *role)
}
