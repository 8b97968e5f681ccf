//! What a search asks for, and its translation into a tantivy query.
//!
//! The user's text goes through tantivy's query language (`"phrases"`,
//! `-exclusions`, `title:word`), parsed leniently: syntax errors such as an
//! unbalanced quote or a bare `AND` drop the broken part instead of failing,
//! so no query a stranger types can turn into an error page.

use std::ops::Bound;

use chrono::{DateTime, Utc};
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use crate::schema::{entity_key, Fields};

/// Longest query text considered, in characters; the rest is ignored. Real
/// queries are a few words; this bounds the work a pasted essay can cause.
pub const MAX_QUERY_CHARS: usize = 512;
/// Most hits returned by one search.
pub const MAX_LIMIT: usize = 100;
/// Deepest result offset served: paging further is never useful to a reader
/// and makes every search collect that many documents.
pub const MAX_OFFSET: usize = 10_000;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first (BM25; a title match weighs more than a body match).
    #[default]
    Relevance,
    /// Most recently published first.
    Newest,
}

/// One search: free text plus optional filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// What the reader typed. Empty (or only whitespace) matches every
    /// article, which is then listed newest first whatever `sort` says.
    pub text: String,
    /// Only articles of the source with this slug.
    pub source: Option<String>,
    /// Only articles published at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only articles published before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only articles naming this entity (case-insensitive, whole name).
    pub entity: Option<String>,
    /// Order of the hits.
    pub sort: Sort,
    /// Hits per page; clamped to `1..=MAX_LIMIT`.
    pub limit: usize,
    /// Hits skipped, for paging; clamped to `MAX_OFFSET`.
    pub offset: usize,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            text: String::new(),
            source: None,
            from: None,
            to: None,
            entity: None,
            sort: Sort::Relevance,
            limit: 20,
            offset: 0,
        }
    }
}

impl SearchQuery {
    /// A relevance search for `text` with no filters.
    pub fn text(text: impl Into<String>) -> SearchQuery {
        SearchQuery {
            text: text.into(),
            ..SearchQuery::default()
        }
    }

    /// The text actually searched: trimmed and cut to `MAX_QUERY_CHARS`.
    pub(crate) fn effective_text(&self) -> &str {
        let text = self.text.trim();
        match text.char_indices().nth(MAX_QUERY_CHARS) {
            Some((cut, _)) => &text[..cut],
            None => text,
        }
    }

    /// The order actually used: with no text there is no relevance to rank by.
    pub(crate) fn effective_sort(&self) -> Sort {
        if self.effective_text().is_empty() {
            Sort::Newest
        } else {
            self.sort
        }
    }
}

/// The scored part of the query: the parsed text, or every document.
pub(crate) fn text_query(parser: &QueryParser, q: &SearchQuery) -> Box<dyn Query> {
    let text = q.effective_text();
    if text.is_empty() {
        return Box::new(AllQuery);
    }
    // The errors only describe what was dropped; the query is still usable.
    let (query, _dropped) = parser.parse_query_lenient(text);
    query
}

/// The user's words with every bit of query syntax taken out: the fallback
/// for a query that parses but cannot run (`title:*` asks for a fast field
/// the title does not have). Lowercasing keeps `AND`/`OR`/`NOT` words.
pub(crate) fn plain_text_query(parser: &QueryParser, q: &SearchQuery) -> Box<dyn Query> {
    let words: String = q
        .effective_text()
        .chars()
        .flat_map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().collect()
            } else {
                vec![' ']
            }
        })
        .collect();
    text_query(
        parser,
        &SearchQuery {
            text: words,
            ..q.clone()
        },
    )
}

/// The text query narrowed by the filters. Filters score zero, so they
/// never change the ranking among the documents they let through.
pub(crate) fn full_query(fields: &Fields, text: Box<dyn Query>, q: &SearchQuery) -> Box<dyn Query> {
    let filters = filters(fields, q);
    if filters.is_empty() {
        return text;
    }
    let mut clauses = vec![(Occur::Must, text)];
    clauses.extend(filters.into_iter().map(|f| {
        let zero: Box<dyn Query> = Box::new(ConstScoreQuery::new(f, 0.0));
        (Occur::Must, zero)
    }));
    Box::new(BooleanQuery::new(clauses))
}

fn filters(fields: &Fields, q: &SearchQuery) -> Vec<Box<dyn Query>> {
    let mut out: Vec<Box<dyn Query>> = Vec::new();
    if let Some(slug) = &q.source {
        out.push(exact(Term::from_field_text(fields.source_slug, slug)));
    }
    if let Some(entity) = &q.entity {
        out.push(exact(Term::from_field_text(fields.entity_key, &entity_key(entity))));
    }
    if q.from.is_some() || q.to.is_some() {
        let bound = |t: Option<DateTime<Utc>>| t.map(|t| Term::from_field_date_for_search(fields.published, date(t)));
        let lower = bound(q.from).map_or(Bound::Unbounded, Bound::Included);
        let upper = bound(q.to).map_or(Bound::Unbounded, Bound::Excluded);
        out.push(Box::new(RangeQuery::new(lower, upper)));
    }
    out
}

fn exact(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

/// A chrono time as a tantivy date, at the index's one-second precision.
/// tantivy counts nanoseconds in an i64, about 292 years either side of
/// 1970: a date filter beyond that is clamped to it instead of overflowing.
pub(crate) fn date(t: DateTime<Utc>) -> tantivy::DateTime {
    const LIMIT: i64 = 9_000_000_000;
    tantivy::DateTime::from_timestamp_secs(t.timestamp().clamp(-LIMIT, LIMIT))
}
