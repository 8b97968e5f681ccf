//! Outgoing Atom feeds: top stories, the latest articles, each source,
//! each entity, and any search.
//!
//! Titles, names and excerpts come from publishers and searchers, and XML
//! 1.0 forbids most control characters even when escaped: one `&#1;` makes
//! the whole feed unreadable. So characters XML cannot carry are dropped
//! from the finished document, whatever field brought them.

use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, Utc};
use newsdesk_domain::Section;
use newsdesk_store::ArticleCard;

use crate::pages::search::SearchParams;
use crate::pages::store_call;
use crate::{AppState, WebError};

pub(crate) const ENTRIES: usize = 50;

/// Top stories, each as the entry of its earliest original article.
pub async fn top(State(state): State<AppState>) -> Result<Response, WebError> {
    let cards = store_call(&state, |s| {
        let mut leads = Vec::new();
        for story in s.top_stories(ENTRIES, Utc::now())? {
            let members = s.story_articles(story.id)?;
            let lead = members.iter().find(|m| !m.syndicated).or(members.first());
            leads.extend(lead.map(|m| m.card.clone()));
        }
        Ok(leads)
    })
    .await?;
    Ok(render(
        &format!("{}: top stories", state.site_name),
        "/feeds/top.atom",
        &cards,
    ))
}

pub async fn latest(State(state): State<AppState>) -> Result<Response, WebError> {
    let cards = store_call(&state, |s| s.latest(ENTRIES, 0)).await?;
    Ok(render(
        &format!("{}: latest", state.site_name),
        "/feeds/latest.atom",
        &cards,
    ))
}

pub async fn entity(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, WebError> {
    let slug = file.strip_suffix(".atom").ok_or(WebError::NotFound)?.to_string();
    let found = store_call(&state, move |s| {
        let Some(e) = s.entity(&slug)? else { return Ok(None) };
        Ok(Some((e.name, s.articles_mentioning(&slug, ENTRIES)?)))
    })
    .await?;
    let (name, cards) = found.ok_or(WebError::NotFound)?;
    Ok(render(
        &format!("{}: {name}", state.site_name),
        &format!("/feeds/entity/{file}"),
        &cards,
    ))
}

pub async fn source(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, WebError> {
    let slug = file.strip_suffix(".atom").ok_or(WebError::NotFound)?.to_string();
    let found = store_call(&state, move |s| {
        let Some(src) = s.source_by_slug(&slug)? else {
            return Ok(None);
        };
        Ok(Some((src.name.clone(), s.latest_of_source(src.id, ENTRIES, 0)?)))
    })
    .await?;
    let (name, cards) = found.ok_or(WebError::NotFound)?;
    Ok(render(
        &format!("{}: {name}", state.site_name),
        &format!("/feeds/source/{file}"),
        &cards,
    ))
}

/// A section's latest articles.
pub async fn section(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, WebError> {
    let section = file
        .strip_suffix(".atom")
        .and_then(Section::from_slug)
        .ok_or(WebError::NotFound)?;
    let cards = store_call(&state, move |s| s.latest_in_section(section, ENTRIES, 0)).await?;
    Ok(render(
        &format!("{}: {}", state.site_name, section.label()),
        &format!("/feeds/section/{file}"),
        &cards,
    ))
}

/// Any search as a feed, newest first, so a reader can follow a topic.
pub async fn search(State(state): State<AppState>, Query(params): Query<SearchParams>) -> Result<Response, WebError> {
    let mut query = params.to_query(ENTRIES)?;
    query.sort = newsdesk_search::Sort::Newest;
    let results = crate::pages::search::run(&state, query).await?;
    let cards: Vec<ArticleCard> = results
        .hits
        .into_iter()
        .map(|h| ArticleCard {
            id: h.id,
            title: h.title,
            url: h.url,
            source_name: h.source_name,
            source_slug: h.source_slug,
            published_at: Some(h.published),
            discovered_at: h.published,
            excerpt: Some(h.snippet.text),
            image: None,
        })
        .collect();
    let self_path = format!(
        "/feeds/search.atom?q={}",
        form_urlencoded::byte_serialize(params.q.as_bytes()).collect::<String>()
    );
    Ok(render(
        &format!("{}: {}", state.site_name, params.q.trim()),
        &self_path,
        &cards,
    ))
}

fn fixed(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.fixed_offset()
}

/// Builds the feed; ids are the publishers' URLs, links point at our pages.
pub(crate) fn render(title: &str, self_path: &str, cards: &[ArticleCard]) -> Response {
    let updated = cards
        .iter()
        .map(|c| c.published_at.unwrap_or(c.discovered_at))
        .max()
        .unwrap_or_else(Utc::now);
    let feed = Feed {
        title: Text::plain(title),
        id: self_path.to_string(),
        updated: fixed(updated),
        links: vec![Link {
            href: self_path.to_string(),
            rel: "self".into(),
            ..Link::default()
        }],
        entries: cards.iter().map(entry).collect(),
        ..Feed::default()
    };
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml_chars_only(feed.to_string()),
    )
        .into_response()
}

/// The document without the characters XML 1.0 does not allow.
fn xml_chars_only(mut xml: String) -> String {
    let allowed =
        |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    if !xml.chars().all(allowed) {
        xml.retain(allowed);
    }
    xml
}

fn entry(card: &ArticleCard) -> Entry {
    let when = fixed(card.published_at.unwrap_or(card.discovered_at));
    Entry {
        title: Text::plain(card.title.clone()),
        id: card.url.clone(),
        updated: when,
        published: Some(when),
        authors: vec![Person {
            name: card.source_name.clone(),
            ..Person::default()
        }],
        links: vec![
            Link {
                href: format!("/article/{}", card.id.0),
                rel: "alternate".into(),
                ..Link::default()
            },
            Link {
                href: card.url.clone(),
                rel: "via".into(),
                ..Link::default()
            },
        ],
        summary: card.excerpt.clone().map(Text::plain),
        content: None::<Content>,
        ..Entry::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_forbids_are_dropped() {
        assert_eq!(
            xml_chars_only("<t>a\u{1}b\u{b}\u{FFFE}c\td\u{10400}</t>".into()),
            "<t>abc\td\u{10400}</t>"
        );
    }
}
