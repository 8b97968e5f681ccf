//! Search results: relevance or newest first, filters for source, date
//! range and entity, highlighted snippets. Reachable from every page's
//! header; the same query also serves the JSON API and an Atom feed.

use axum::extract::{Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{html, Markup, PreEscaped};
use newsdesk_search::{SearchQuery, SearchResults, Sort};
use serde::Deserialize;

use super::layout;
use crate::session::Visitor;
use crate::{timefmt, AppState, WebError};

pub const PER_PAGE: usize = 20;

/// The query string of `/search`, `/api/v1/search` and `/feeds/search.atom`.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    pub source: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    pub entity: Option<String>,
    /// `newest` or (default) relevance.
    pub sort: Option<String>,
    pub page: Option<usize>,
}

fn day(s: &Option<String>, plus_days: i64) -> Result<Option<DateTime<Utc>>, WebError> {
    let Some(s) = s.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| WebError::BadRequest(format!("{s:?} is not a date like 2025-08-17")))?;
    Ok(date
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc() + chrono::Duration::days(plus_days)))
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

impl SearchParams {
    pub fn page(&self) -> usize {
        self.page.unwrap_or(1).clamp(1, 500)
    }

    pub fn to_query(&self, per_page: usize) -> Result<SearchQuery, WebError> {
        Ok(SearchQuery {
            text: self.q.chars().take(500).collect(),
            source: non_empty(&self.source),
            from: day(&self.from, 0)?,
            // "to" names a day; the index's bound is exclusive, so end after it.
            to: day(&self.to, 1)?,
            entity: non_empty(&self.entity),
            sort: if self.sort.as_deref() == Some("newest") {
                Sort::Newest
            } else {
                Sort::Relevance
            },
            limit: per_page,
            offset: (self.page() - 1) * per_page,
        })
    }
}

/// Runs a search on a blocking thread (tantivy reads are CPU work, and
/// PostgreSQL calls block).
pub async fn run(state: &AppState, query: SearchQuery) -> Result<SearchResults, WebError> {
    let index = state.search.clone();
    tokio::task::spawn_blocking(move || index.search(&query))
        .await
        .map_err(|e| WebError::Unavailable(format!("search task failed: {e}")))?
        .map_err(|e| WebError::Unavailable(format!("search failed: {e}")))
}

pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(params): Query<SearchParams>,
) -> Result<Markup, WebError> {
    let mut results = run(&state, params.to_query(PER_PAGE)?).await?;
    let interests = crate::personal::Interests::of(&state, visitor.user.as_ref().map(|u| u.id)).await?;
    results.hits.retain(|h| !interests.hides(&h.source_slug, &h.title));
    let words = params.q.trim();
    let here = format!("/search?q={}", urlencode(words));
    let target = newsdesk_domain::Target::Search(words.to_string());
    let now = Utc::now();
    let title = if params.q.trim().is_empty() {
        "Search".to_string()
    } else {
        format!("Search: {}", params.q.trim())
    };
    let body = html! {
        h1 { "Search" }
        (filters(&params))
        p.meta role="status" { (results.total) " result" @if results.total != 1 { "s" } }
        ol.cards {
            @for hit in &results.hits {
                li { article.card {
                    p.meta {
                        a.source href={ "/source/" (hit.source_slug) } { (hit.source_name) } " · "
                        time datetime=(hit.published.to_rfc3339()) { (timefmt::relative(hit.published, now)) }
                    }
                    h2 { a href={ "/article/" (hit.id.0) } { (hit.title) } }
                    // Escaped by the index; only <mark> is added.
                    p.excerpt { (PreEscaped(hit.snippet.to_html())) }
                } }
            }
        }
        (pager(&params, results.total))
        @if !words.is_empty() {
            (super::reader::interest_buttons(&visitor, &interests, &target, words, &here))
        }
        p { a href={ "/feeds/search.atom?q=" (urlencode(&params.q)) } { "Follow this search (Atom)" } }
    };
    Ok(layout::page(&visitor, &title, body))
}

fn filters(p: &SearchParams) -> Markup {
    let newest = p.sort.as_deref() == Some("newest");
    html! {
        form.filters method="get" action="/search" role="search" {
            label for="search-q" { "Words" }
            input #search-q type="search" name="q" value=(p.q);
            label for="search-source" { "Source (slug)" }
            input #search-source name="source" value=(p.source.clone().unwrap_or_default());
            label for="search-entity" { "Person, place or organisation" }
            input #search-entity name="entity" value=(p.entity.clone().unwrap_or_default());
            label for="search-from" { "From" }
            input #search-from type="date" name="from" value=(p.from.clone().unwrap_or_default());
            label for="search-to" { "To" }
            input #search-to type="date" name="to" value=(p.to.clone().unwrap_or_default());
            label for="search-sort" { "Order" }
            select #search-sort name="sort" {
                option value="relevance" selected[!newest] { "Best match" }
                option value="newest" selected[newest] { "Newest" }
            }
            button type="submit" { "Search" }
        }
    }
}

fn pager(p: &SearchParams, total: usize) -> Markup {
    let page = p.page();
    let link = |n: usize| {
        let mut url = format!("/search?q={}&page={n}", urlencode(&p.q));
        for (k, v) in [
            ("source", &p.source),
            ("entity", &p.entity),
            ("from", &p.from),
            ("to", &p.to),
            ("sort", &p.sort),
        ] {
            if let Some(v) = non_empty(v) {
                url.push_str(&format!("&{k}={}", urlencode(&v)));
            }
        }
        url
    };
    html! {
        nav.pager aria-label="Result pages" {
            @if page > 1 { a rel="prev" href=(link(page - 1)) { "← Previous" } }
            @if page * PER_PAGE < total { a rel="next" href=(link(page + 1)) { "Next →" } }
        }
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
