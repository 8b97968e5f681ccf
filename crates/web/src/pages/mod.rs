//! Page handlers: each reads the store on a blocking thread and renders.

pub mod account;
pub mod admin;
pub mod ai;
pub(crate) mod cards;
pub mod comments;
pub(crate) mod layout;
pub mod moderation;
pub mod reader;
pub mod search;
pub mod stories;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use chrono::Utc;
use maud::{html, Markup, PreEscaped};
use std::collections::HashSet;

use newsdesk_domain::{Article, ArticleId, ArticleStatus, Feed, Section, Source, Target};
use newsdesk_store::{ArticleView, Community, Reading, Store};
use serde::Deserialize;

use crate::session::Visitor;
use crate::{personal, timefmt, AppState, WebError};

const PAGE_SIZE: usize = 50;

/// Runs a store call on a blocking thread, in turn with the others.
pub(crate) async fn store_call<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn Store) -> newsdesk_store::Result<T> + Send + 'static,
) -> Result<T, WebError> {
    let _slot = state.store_slot().await?;
    Ok(newsdesk_store::blocking(&state.store, move |s| f(s)).await?)
}

/// Runs a community (accounts, comments) call on a blocking thread, in turn
/// with the store calls.
pub(crate) async fn blocking_community<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn Community) -> newsdesk_store::Result<T> + Send + 'static,
) -> Result<T, WebError> {
    let _slot = state.store_slot().await?;
    Ok(newsdesk_store::blocking(&state.community, move |c| f(c)).await?)
}

/// Runs a call on readers' own lists on a blocking thread, in turn with the
/// store calls.
pub(crate) async fn blocking_reading<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn Reading) -> newsdesk_store::Result<T> + Send + 'static,
) -> Result<T, WebError> {
    let _slot = state.store_slot().await?;
    Ok(newsdesk_store::blocking(&state.reading, move |r| f(r)).await?)
}

#[derive(Deserialize)]
pub struct Paging {
    page: Option<usize>,
}

impl Paging {
    fn number(&self) -> usize {
        self.page.unwrap_or(1).clamp(1, 10_000)
    }
}

pub async fn home(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(paging): Query<Paging>,
) -> Result<Markup, WebError> {
    let page = paging.number();
    let now = Utc::now();
    let (top, mut cards) = store_call(&state, move |s| {
        let top = if page == 1 { s.top_stories(10, now)? } else { Vec::new() };
        Ok((top, s.latest(PAGE_SIZE, (page - 1) * PAGE_SIZE)?))
    })
    .await?;
    let full_page = cards.len() == PAGE_SIZE;
    let (cards_read, _) = personalise(&state, &visitor, &mut cards).await?;
    let body = html! {
        @if !top.is_empty() {
            h1 { "Top stories" }
            (stories::top_list(&top, now))
        }
        h2.section { "Latest news" }
        @if cards.is_empty() {
            (layout::message("No articles yet. Feeds are being fetched; check back in a minute."))
        } @else {
            (cards::list_marked(&cards, now, &cards_read))
            (pager("/", page, full_page))
        }
    };
    Ok(layout::page(&visitor, &state.site_name, body))
}

fn pager(path: &str, page: usize, has_more: bool) -> Markup {
    html! {
        nav.pager aria-label="Pages" {
            @if page > 1 { a rel="prev" href={ (path) "?page=" (page - 1) } { "← Newer" } }
            @if has_more { a rel="next" href={ (path) "?page=" (page + 1) } { "Older →" } }
        }
    }
}

pub async fn article(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Query(ask): Query<ai::AskParams>,
) -> Result<Markup, WebError> {
    // One blocking hop for every read the page needs: the page is the
    // site's hottest, and each hop costs a thread hand-off.
    let community = state.community.clone();
    let found = store_call(&state, move |s| {
        let Some(view) = s.article_view(ArticleId(id), stories::RELATED_SHOWN)? else {
            return Ok(None);
        };
        Ok(Some((view, community.comments_of_article(ArticleId(id))?)))
    })
    .await?;
    let (view, comments) = found.ok_or(WebError::NotFound)?;
    let ArticleView {
        article,
        source,
        story,
        related,
        analysis,
        entities,
    } = view;
    let context = stories::ArticleContext { story, related };
    let saved = reader::opened(&state, &visitor, article.id).await?;
    let panel = ai::panel(&state, &article, analysis, entities, ask).await?;
    let now = Utc::now();
    let body = html! {
        (stories::story_line(&context))
        (article_body(&state, &article, &source))
        @if let Some(saved) = saved { (reader::article_buttons(&visitor, article.id, saved)) }
        (ai::render(&panel, article.id))
        (comments::section(&visitor, article.id, &comments, now))
        (stories::related_block(&context, now))
    };
    Ok(layout::page(&visitor, &article.title, body))
}

fn article_body(state: &AppState, a: &Article, source: &Source) -> Markup {
    let when = a.published_at.unwrap_or(a.discovered_at);
    html! {
        article.story {
            header {
                p.meta { a.source href={ "/source/" (source.slug) } { (source.name) } }
                h1 { (a.title) }
                p.meta {
                    @if let Some(byline) = &a.byline { span.byline { (byline) } " · " }
                    time datetime=(when.to_rfc3339()) { (timefmt::relative(when, Utc::now())) " · " (timefmt::absolute(when)) }
                }
            }
            @if let Some(image) = a.image.as_deref().and_then(|i| crate::images::lead(state, i)) {
                img.lead src=(image) alt={ "Image for: " (a.title) } loading="lazy";
            }
            @match a.status {
                ArticleStatus::Ready => div.body { (PreEscaped(crate::images::body(state, &a.html))) },
                _ => {
                    @if let Some(excerpt) = &a.excerpt { p { (excerpt) } }
                    (layout::message("We could not fetch the full article; read it at the publisher."))
                }
            }
            p.original { a href=(a.url) rel="noopener noreferrer" { "Read the original at " (source.name) " →" } }
        }
    }
}

pub async fn sources(State(state): State<AppState>, visitor: Visitor) -> Result<Markup, WebError> {
    let (sources, feeds) = store_call(&state, |s| Ok((s.sources()?, s.feeds()?))).await?;
    let body = html! {
        h1 { "Sources" }
        ul.sources {
            @for source in &sources {
                @let own: Vec<&Feed> = feeds.iter().filter(|f| f.source_id == source.id).collect();
                @let failing = own.iter().filter(|f| f.last_error.is_some()).count();
                li {
                    a href={ "/source/" (source.slug) } { (source.name) }
                    " — " (own.len()) " feed" @if own.len() != 1 { "s" }
                    @if failing > 0 { ", " span.error { (failing) " failing" } }
                }
            }
        }
    };
    Ok(layout::page(&visitor, "Sources", body))
}

pub async fn source(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    Query(paging): Query<Paging>,
) -> Result<Markup, WebError> {
    let page = paging.number();
    let found = store_call(&state, move |s| {
        let Some(source) = s.source_by_slug(&slug)? else {
            return Ok(None);
        };
        let feeds = s.feeds_of_source(source.id)?;
        let cards = s.latest_of_source(source.id, PAGE_SIZE, (page - 1) * PAGE_SIZE)?;
        Ok(Some((source, feeds, cards)))
    })
    .await?;
    let (source, feeds, cards) = found.ok_or(WebError::NotFound)?;
    let path = format!("/source/{}", source.slug);
    let interests = personal::Interests::of(&state, visitor.user.as_ref().map(|u| u.id)).await?;
    let target = Target::Source(source.slug.clone());
    let body = html! {
        h1 { (source.name) }
        (reader::interest_buttons(&visitor, &interests, &target, &source.name, &path))
        @if let Some(home) = &source.homepage { p { a href=(home) rel="noopener noreferrer" { (home) } } }
        (feed_health(&feeds))
        h2 { "Latest from " (source.name) }
        (cards::list(&cards, Utc::now()))
        (pager(&path, page, cards.len() == PAGE_SIZE))
    };
    Ok(layout::page(&visitor, &source.name, body))
}

/// A section's latest articles, newest first, with its feed.
pub async fn section(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    Query(paging): Query<Paging>,
) -> Result<Markup, WebError> {
    let section = Section::from_slug(&slug).ok_or(WebError::NotFound)?;
    let page = paging.number();
    let mut cards = store_call(&state, move |s| {
        s.latest_in_section(section, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    })
    .await?;
    let full_page = cards.len() == PAGE_SIZE;
    let (read, interests) = personalise(&state, &visitor, &mut cards).await?;
    let path = format!("/section/{}", section.as_str());
    let target = Target::Section(section);
    let body = html! {
        h1 { (section.label()) }
        (reader::interest_buttons(&visitor, &interests, &target, section.label(), &path))
        p.meta { a href={ "/feeds/section/" (section.as_str()) ".atom" } { "Atom feed" } }
        @if cards.is_empty() && page == 1 {
            p { "No articles filed under " (section.label()) " yet." }
        }
        (cards::list_marked(&cards, Utc::now(), &read))
        (pager(&path, page, full_page))
    };
    Ok(layout::page(&visitor, section.label(), body))
}

/// Drops what the signed-in reader hides from `cards` and finds which of
/// the rest they have read; nothing changes for other visitors.
async fn personalise(
    state: &AppState,
    visitor: &Visitor,
    cards: &mut Vec<newsdesk_store::ArticleCard>,
) -> Result<(HashSet<ArticleId>, personal::Interests), WebError> {
    let Some(user) = visitor.user.as_ref().map(|u| u.id) else {
        return Ok((HashSet::new(), personal::Interests::default()));
    };
    let interests = personal::Interests::of(state, Some(user)).await?;
    cards.retain(|c| !interests.hides_card(c));
    let read = reader::read_among(state, user, cards.iter().map(|c| c.id).collect()).await?;
    Ok((read, interests))
}

fn feed_health(feeds: &[Feed]) -> Markup {
    let now = Utc::now();
    html! {
        section.feeds aria-label="Feeds" {
            h2 { "Feeds" }
            ul {
                @for feed in feeds {
                    li {
                        code { (public_address(&feed.url)) }
                        @match (&feed.last_error, feed.last_checked_at) {
                            (Some(_), _) => { " — " span.error { "failing (" (feed.error_count) "×)" } },
                            (None, Some(t)) => { " — ok, checked " (timefmt::relative(t, now)) },
                            (None, None) => { " — not checked yet" },
                        }
                    }
                }
            }
        }
    }
}

/// A feed's address fit for strangers: an operator may subscribe with a
/// password or a private token in it, so credentials and the query string
/// are left out.
pub(crate) fn public_address(url: &str) -> String {
    let Ok(mut url) = url::Url::parse(url) else {
        return "(an unreadable address)".into();
    };
    // Both fail only for URLs that cannot carry credentials anyway.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match store_call(&state, |s| s.latest(1, 0)).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "store unavailable"),
    }
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
}

const STYLE: &str = include_str!("../../assets/style.css");

pub async fn not_found() -> WebError {
    WebError::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses_carry_no_secrets() {
        assert_eq!(
            public_address("http://user:pw@feeds.example/feed.xml?token=s3cret#x"),
            "http://feeds.example/feed.xml"
        );
        assert_eq!(public_address("not a url"), "(an unreadable address)");
    }
}
