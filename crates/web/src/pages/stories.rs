//! Stories: the same event across outlets. Top stories on the home page,
//! the story page ("full coverage" with a timeline and the share of
//! original reporting; a merged or dissolved story's page redirects to
//! where its articles went), and an article's "Related Articles".

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use newsdesk_domain::{Story, StoryId};
use newsdesk_store::{ArticleStory, RelatedArticle, StoryArticle};

use super::{layout, store_call};
use crate::session::Visitor;
use crate::{timefmt, AppState, WebError};

/// "12 articles from 5 sources".
pub fn coverage(story: &Story) -> String {
    let plural = |n: i64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{} from {}",
        plural(story.article_count, "article"),
        plural(story.source_count, "source")
    )
}

pub fn top_list(stories: &[Story], now: DateTime<Utc>) -> Markup {
    html! {
        ol.stories {
            @for story in stories {
                li { article.card {
                    p.meta {
                        (coverage(story)) " · updated "
                        time datetime=(story.last_seen.to_rfc3339()) { (timefmt::relative(story.last_seen, now)) }
                    }
                    h2 { a href={ "/story/" (story.id.0) } { (story.headline) } }
                } }
            }
        }
    }
}

/// A story, or what became of it.
enum Found {
    Story(Story, Vec<StoryArticle>),
    /// Merged into, or dissolved among, others: its address leads on.
    MovedTo(StoryId),
}

pub async fn page(State(state): State<AppState>, visitor: Visitor, Path(id): Path<i64>) -> Result<Response, WebError> {
    let found = store_call(&state, move |s| {
        let Some(story) = s.story(StoryId(id))? else {
            return Ok(s.story_redirect(StoryId(id))?.map(Found::MovedTo));
        };
        Ok(Some(Found::Story(story, s.story_articles(StoryId(id))?)))
    })
    .await?;
    let (story, mut articles) = match found.ok_or(WebError::NotFound)? {
        Found::Story(story, articles) => (story, articles),
        Found::MovedTo(to) => return Ok(Redirect::permanent(&format!("/story/{}", to.0)).into_response()),
    };
    let interests = crate::personal::Interests::of(&state, visitor.user.as_ref().map(|u| u.id)).await?;
    articles.retain(|a| !interests.hides_card(&a.card));
    let quotes = super::ai::story_quotes(&state, story.id).await?;
    let now = Utc::now();
    let body = html! {
        p.meta { "Full coverage" }
        h1 { (story.headline) }
        p.meta {
            (coverage(&story)) " · "
            strong { (format!("{:.0}%", story.original_share * 100.0)) } " original reporting · "
            "first seen " (timefmt::relative(story.first_seen, now))
        }
        h2 { "Timeline" }
        ol.timeline {
            @for a in &articles { li { (timeline_entry(a, now)) } }
        }
        (quotes)
    };
    Ok(layout::page(&visitor, &story.headline, body).into_response())
}

fn timeline_entry(a: &StoryArticle, now: DateTime<Utc>) -> Markup {
    let c = &a.card;
    let when = c.published_at.unwrap_or(c.discovered_at);
    html! {
        article.card {
            p.meta {
                a.source href={ "/source/" (c.source_slug) } { (c.source_name) } " · "
                time datetime=(when.to_rfc3339()) title=(timefmt::absolute(when)) { (timefmt::relative(when, now)) }
                @if a.syndicated {
                    " · " span.tag { "syndicated" @if let Some(o) = &a.origin { " from " (o) } }
                }
            }
            h3 { a href={ "/article/" (c.id.0) } { (c.title) } }
            @if let Some(e) = &c.excerpt { p.excerpt { (e) } }
        }
    }
}

/// Related articles shown on an article page.
pub const RELATED_SHOWN: usize = 6;

/// What the article page shows about the article's story.
pub struct ArticleContext {
    pub story: Option<(ArticleStory, Story)>,
    pub related: Vec<RelatedArticle>,
}

/// The story line under the headline, and the "Read also" pointer to the
/// closest related article (another outlet on the same story first).
pub fn story_line(ctx: &ArticleContext) -> Markup {
    let read_also = ctx.related.iter().find(|r| r.same_story).or(ctx.related.first());
    html! {
        @if let Some((membership, story)) = &ctx.story {
            p.storyline {
                "Part of " a href={ "/story/" (story.id.0) } { "full coverage" } ": " (coverage(story))
                @if membership.syndicated {
                    " · " span.tag { "syndicated" @if let Some(o) = &membership.origin { " from " (o) } }
                }
            }
        }
        @if let Some(r) = read_also {
            p.read-also { "Read also: " a href={ "/article/" (r.card.id.0) } { (r.card.title) } " (" (r.card.source_name) ")" }
        }
    }
}

/// "Related Articles", as in the seed page: source, relative time, title, two-line summary.
pub fn related_block(ctx: &ArticleContext, now: DateTime<Utc>) -> Markup {
    html! {
        @if !ctx.related.is_empty() {
            section.related aria-labelledby="related-heading" {
                h2 #related-heading { "Related Articles" }
                ol.cards {
                    @for r in &ctx.related {
                        @let c = &r.card;
                        @let when = c.published_at.unwrap_or(c.discovered_at);
                        li { article.card {
                            p.meta {
                                a.source href={ "/source/" (c.source_slug) } { (c.source_name) } " · "
                                time datetime=(when.to_rfc3339()) { (timefmt::relative(when, now)) }
                            }
                            h3 { a href={ "/article/" (c.id.0) } { (c.title) } }
                            @if let Some(e) = &c.excerpt { p.excerpt { (e) } }
                        } }
                    }
                }
            }
        }
    }
}
