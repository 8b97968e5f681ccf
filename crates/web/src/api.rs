//! The JSON API under `/api/v1`: the same data as the pages, for apps and
//! scripts. Lists are paginated (`page`, `per_page`); errors are JSON
//! `{"error": {"status", "message"}}` with the matching status code. The
//! OpenAPI document (`assets/openapi.json`) is served at `/api/openapi.json`.

use axum::extract::{Path, Query, State};
use axum::handler::Handler;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use newsdesk_domain::{Article, ArticleId, Comment, Feed, Section, Source};
use newsdesk_store::{ArticleCard, Store};
use serde::{Deserialize, Serialize};

use crate::{AppState, WebError};

const MAX_PER_PAGE: usize = 100;

/// The API's routes, nested under `/api`.
pub fn routes() -> Router<AppState> {
    table()
        .into_iter()
        .fold(Router::new(), |router, (_, path, handler)| router.route(path, handler))
        .fallback(|| async { ApiError(WebError::NotFound) })
}

/// Every API route as (method, path under `/api`), read from the table
/// the API router mounts, so the test holding the OpenAPI document to the routes
/// sees exactly what is served.
pub fn endpoints() -> Vec<(Method, &'static str)> {
    table().into_iter().map(|(method, path, _)| (method, path)).collect()
}

/// The one list of API routes.
fn table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        endpoint(Method::GET, "/openapi.json", openapi),
        endpoint(Method::GET, "/v1/articles", articles),
        endpoint(Method::GET, "/v1/articles/{id}", article),
        endpoint(Method::GET, "/v1/articles/{id}/comments", comments),
        endpoint(Method::GET, "/v1/sources", sources),
        endpoint(Method::GET, "/v1/sources/{slug}", source),
        endpoint(Method::GET, "/v1/sources/{slug}/articles", source_articles),
        endpoint(Method::GET, "/v1/search", search),
        endpoint(Method::GET, "/v1/stories", stories),
        endpoint(Method::GET, "/v1/stories/{id}", story),
        endpoint(Method::GET, "/v1/entities/{slug}", entity),
    ]
}

/// A table row whose handler answers exactly the method it is listed under.
fn endpoint<H, T>(method: Method, path: &'static str, handler: H) -> (Method, &'static str, MethodRouter<AppState>)
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("an HTTP method axum routes");
    (method, path, on(filter, handler))
}

/// A [`WebError`] rendered as JSON.
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let WebError::Unavailable(detail) = &self.0 {
            tracing::error!(%detail, "API request failed");
        }
        let status = self.0.status();
        let body = serde_json::json!({ "error": { "status": status.as_u16(), "message": self.0.message() } });
        (status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(Deserialize)]
pub struct Paging {
    page: Option<usize>,
    per_page: Option<usize>,
}

impl Paging {
    /// (page, per_page, offset), clamped to sane bounds.
    fn window(&self) -> (usize, usize, usize) {
        let page = self.page.unwrap_or(1).clamp(1, 100_000);
        let per_page = self.per_page.unwrap_or(20).clamp(1, MAX_PER_PAGE);
        (page, per_page, (page - 1) * per_page)
    }
}

#[derive(Serialize)]
pub struct PageOf<T> {
    items: Vec<T>,
    page: usize,
    per_page: usize,
    /// The next page's number, when there may be one.
    next_page: Option<usize>,
}

impl<T> PageOf<T> {
    fn new(items: Vec<T>, page: usize, per_page: usize) -> Self {
        let next_page = (items.len() == per_page).then_some(page + 1);
        PageOf {
            items,
            page,
            per_page,
            next_page,
        }
    }
}

#[derive(Serialize)]
pub struct ArticleSummary {
    id: i64,
    title: String,
    url: String,
    source: SourceRef,
    published_at: Option<DateTime<Utc>>,
    discovered_at: DateTime<Utc>,
    excerpt: Option<String>,
    image: Option<String>,
}

#[derive(Serialize)]
struct SourceRef {
    name: String,
    slug: String,
}

impl From<ArticleCard> for ArticleSummary {
    fn from(c: ArticleCard) -> Self {
        ArticleSummary {
            id: c.id.0,
            title: c.title,
            url: c.url,
            source: SourceRef {
                name: c.source_name,
                slug: c.source_slug,
            },
            published_at: c.published_at,
            discovered_at: c.discovered_at,
            excerpt: c.excerpt,
            image: c.image,
        }
    }
}

#[derive(Serialize)]
pub struct ArticleDetail {
    id: i64,
    title: String,
    url: String,
    source: SourceRef,
    byline: Option<String>,
    published_at: Option<DateTime<Utc>>,
    image: Option<String>,
    lang: Option<String>,
    excerpt: Option<String>,
    /// Plain text; paragraphs separated by a blank line. Empty when the page could not be fetched.
    text: String,
    /// Sanitised HTML of the body.
    html: String,
}

fn detail(a: Article, s: Source) -> ArticleDetail {
    ArticleDetail {
        id: a.id.0,
        title: a.title,
        url: a.url,
        source: SourceRef {
            name: s.name,
            slug: s.slug,
        },
        byline: a.byline,
        published_at: a.published_at,
        image: a.image,
        lang: a.lang,
        excerpt: a.excerpt,
        text: a.text,
        html: a.html,
    }
}

#[derive(Serialize)]
pub struct CommentView {
    id: i64,
    parent_id: Option<i64>,
    author: String,
    /// Null when deleted by its author or hidden by a moderator.
    body: Option<String>,
    created_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
}

impl From<Comment> for CommentView {
    fn from(c: Comment) -> Self {
        let visible = !c.deleted && !c.hidden;
        CommentView {
            id: c.id.0,
            parent_id: c.parent_id.map(|p| p.0),
            author: c.username,
            body: visible.then_some(c.body),
            created_at: c.created_at,
            edited_at: c.edited_at,
        }
    }
}

#[derive(Serialize)]
pub struct SourceDetail {
    name: String,
    slug: String,
    homepage: Option<String>,
    feeds: Vec<FeedHealth>,
}

/// A feed as the public sees it: no credentials, tokens or error text.
#[derive(Serialize)]
struct FeedHealth {
    url: String,
    last_checked_at: Option<DateTime<Utc>>,
    next_check_at: DateTime<Utc>,
    failing: bool,
    error_count: i64,
}

impl From<Feed> for FeedHealth {
    fn from(f: Feed) -> Self {
        FeedHealth {
            url: crate::pages::public_address(&f.url),
            last_checked_at: f.last_checked_at,
            next_check_at: f.next_check_at,
            failing: f.last_error.is_some(),
            error_count: f.error_count,
        }
    }
}

async fn store<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn Store) -> newsdesk_store::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    Ok(crate::pages::store_call(state, f).await?)
}

/// `?section=` on a list of articles.
#[derive(Deserialize)]
pub struct SectionFilter {
    section: Option<String>,
}

impl SectionFilter {
    /// The section asked for; an unknown slug is a 400 naming the known ones.
    fn section(&self) -> Result<Option<Section>, ApiError> {
        let Some(slug) = self.section.as_deref() else {
            return Ok(None);
        };
        Section::from_slug(slug).map(Some).ok_or_else(|| {
            let known: Vec<&str> = Section::ALL.iter().map(|s| s.as_str()).collect();
            let message = format!("unknown section {slug:?}; sections are {}", known.join(", "));
            ApiError(WebError::BadRequest(message))
        })
    }
}

async fn articles(
    State(state): State<AppState>,
    Query(p): Query<Paging>,
    Query(filter): Query<SectionFilter>,
) -> ApiResult<PageOf<ArticleSummary>> {
    let (page, per_page, offset) = p.window();
    let section = filter.section()?;
    let cards = store(&state, move |s| match section {
        Some(section) => s.latest_in_section(section, per_page, offset),
        None => s.latest(per_page, offset),
    })
    .await?;
    Ok(Json(PageOf::new(
        cards.into_iter().map(Into::into).collect(),
        page,
        per_page,
    )))
}

/// Parses a numeric id from the path, as a JSON error rather than axum's plain-text rejection.
fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError(WebError::BadRequest(format!("{raw:?} is not an article id"))))
}

async fn article(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<ArticleDetail> {
    let id = parse_id(&id)?;
    let found = store(&state, move |s| {
        let Some(a) = s.article(ArticleId(id))? else {
            return Ok(None);
        };
        Ok(s.source(a.source_id)?.map(|src| detail(a, src)))
    })
    .await?;
    found.map(Json).ok_or(ApiError(WebError::NotFound))
}

async fn comments(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Vec<CommentView>> {
    let id = parse_id(&id)?;
    let list = crate::pages::blocking_community(&state, move |c| c.comments_of_article(ArticleId(id))).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

async fn sources(State(state): State<AppState>) -> ApiResult<Vec<SourceDetail>> {
    let (sources, feeds) = store(&state, |s| Ok((s.sources()?, s.feeds()?))).await?;
    let details = sources
        .into_iter()
        .map(|s| {
            let own = feeds
                .iter()
                .filter(|f| f.source_id == s.id)
                .cloned()
                .map(Into::into)
                .collect();
            SourceDetail {
                name: s.name,
                slug: s.slug,
                homepage: s.homepage,
                feeds: own,
            }
        })
        .collect();
    Ok(Json(details))
}

async fn source(State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<SourceDetail> {
    let found = store(&state, move |s| {
        let Some(src) = s.source_by_slug(&slug)? else {
            return Ok(None);
        };
        let feeds = s.feeds_of_source(src.id)?.into_iter().map(Into::into).collect();
        Ok(Some(SourceDetail {
            name: src.name,
            slug: src.slug,
            homepage: src.homepage,
            feeds,
        }))
    })
    .await?;
    found.map(Json).ok_or(ApiError(WebError::NotFound))
}

async fn source_articles(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(p): Query<Paging>,
) -> ApiResult<PageOf<ArticleSummary>> {
    let (page, per_page, offset) = p.window();
    let cards = store(&state, move |s| {
        let Some(src) = s.source_by_slug(&slug)? else {
            return Ok(None);
        };
        s.latest_of_source(src.id, per_page, offset).map(Some)
    })
    .await?
    .ok_or(ApiError(WebError::NotFound))?;
    Ok(Json(PageOf::new(
        cards.into_iter().map(Into::into).collect(),
        page,
        per_page,
    )))
}

#[derive(Serialize)]
pub struct SearchHit {
    id: i64,
    title: String,
    url: String,
    source: SourceRef,
    published_at: DateTime<Utc>,
    /// Matching passage as plain text.
    snippet: String,
    /// Byte ranges of `snippet` that matched the query.
    highlights: Vec<[usize; 2]>,
}

#[derive(Serialize)]
pub struct SearchPage {
    total: usize,
    page: usize,
    per_page: usize,
    items: Vec<SearchHit>,
}

async fn search(
    State(state): State<AppState>,
    Query(params): Query<crate::pages::search::SearchParams>,
) -> ApiResult<SearchPage> {
    let per_page = crate::pages::search::PER_PAGE;
    let results = crate::pages::search::run(&state, params.to_query(per_page)?).await?;
    let items = results
        .hits
        .into_iter()
        .map(|h| SearchHit {
            id: h.id.0,
            title: h.title,
            url: h.url,
            source: SourceRef {
                name: h.source_name,
                slug: h.source_slug,
            },
            published_at: h.published,
            highlights: h.snippet.highlights.iter().map(|r| [r.start, r.end]).collect(),
            snippet: h.snippet.text,
        })
        .collect();
    Ok(Json(SearchPage {
        total: results.total,
        page: params.page(),
        per_page,
        items,
    }))
}

#[derive(Serialize)]
pub struct StoryView {
    id: i64,
    headline: String,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    article_count: i64,
    source_count: i64,
    /// Share of the story's articles that are original reporting, 0 to 1.
    original_share: f64,
}

impl From<newsdesk_domain::Story> for StoryView {
    fn from(s: newsdesk_domain::Story) -> Self {
        StoryView {
            id: s.id.0,
            headline: s.headline,
            first_seen: s.first_seen,
            last_seen: s.last_seen,
            article_count: s.article_count,
            source_count: s.source_count,
            original_share: s.original_share,
        }
    }
}

#[derive(Serialize)]
pub struct StoryDetail {
    #[serde(flatten)]
    story: StoryView,
    /// Oldest first: the story's timeline.
    articles: Vec<StoryMember>,
}

#[derive(Serialize)]
pub struct StoryMember {
    #[serde(flatten)]
    article: ArticleSummary,
    syndicated: bool,
    origin: Option<String>,
}

/// Top stories by coverage and freshness.
async fn stories(State(state): State<AppState>) -> ApiResult<Vec<StoryView>> {
    let top = store(&state, |s| s.top_stories(30, Utc::now())).await?;
    Ok(Json(top.into_iter().map(Into::into).collect()))
}

async fn story(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<StoryDetail> {
    let id = newsdesk_domain::StoryId(parse_id(&id)?);
    let found = store(&state, move |s| {
        let Some(story) = s.story(id)? else { return Ok(None) };
        Ok(Some((story, s.story_articles(id)?)))
    })
    .await?;
    let (story, members) = found.ok_or(ApiError(WebError::NotFound))?;
    let articles = members
        .into_iter()
        .map(|m| StoryMember {
            article: m.card.into(),
            syndicated: m.syndicated,
            origin: m.origin,
        })
        .collect();
    Ok(Json(StoryDetail {
        story: story.into(),
        articles,
    }))
}

#[derive(Serialize)]
pub struct EntityView {
    slug: String,
    name: String,
    kind: &'static str,
    /// Articles naming it.
    article_count: u32,
    articles: Vec<ArticleSummary>,
}

async fn entity(State(state): State<AppState>, Path(slug): Path<String>) -> ApiResult<EntityView> {
    let found = store(&state, move |s| {
        let Some(e) = s.entity(&slug)? else { return Ok(None) };
        Ok(Some((e, s.articles_mentioning(&slug, 50)?)))
    })
    .await?;
    let (e, cards) = found.ok_or(ApiError(WebError::NotFound))?;
    Ok(Json(EntityView {
        slug: e.slug,
        name: e.name,
        kind: e.kind.as_str(),
        article_count: e.mentions,
        articles: cards.into_iter().map(Into::into).collect(),
    }))
}

async fn openapi() -> impl IntoResponse {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

pub const OPENAPI: &str = include_str!("../assets/openapi.json");
