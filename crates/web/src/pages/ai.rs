//! The article page's "AI features" panel (summary, key points, people,
//! places and organisations, who said what, "Ask about this article") and
//! the entity pages. Everything but the answer to a question was computed at
//! ingest and is read from the store; the answer is picked from the
//! article's own sentences at request time (a GET form, so it needs no
//! JavaScript and no CSRF token).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use chrono::Utc;
use maud::{html, Markup};
use newsdesk_analyze::Answer;
use newsdesk_domain::{Analysis, Article, ArticleId, EntityKind, Quote, StoryId};
use newsdesk_store::EntityRef;
use serde::Deserialize;

use super::{cards, layout, store_call};
use crate::llm_cache::StoreLlmCache;
use crate::session::Visitor;
use crate::{AppState, WebError};

/// Longest question answered; longer ones are cut.
const MAX_QUESTION_CHARS: usize = 300;

#[derive(Debug, Default, Deserialize)]
pub struct AskParams {
    pub q: Option<String>,
}

pub struct Panel {
    analysis: Option<Analysis>,
    entities: Vec<EntityRef>,
    question: Option<(String, Answer)>,
}

/// The stored analysis and, when asked, the answer to the question.
pub async fn panel(
    state: &AppState,
    article: &Article,
    analysis: Option<Analysis>,
    entities: Vec<EntityRef>,
    ask: AskParams,
) -> Result<Panel, WebError> {
    let question = ask
        .q
        .map(|q| q.chars().take(MAX_QUESTION_CHARS).collect::<String>())
        .filter(|q| !q.trim().is_empty());
    let question = match question {
        Some(q) => {
            let answer = answer(state, article.text.clone(), q.clone()).await?;
            Some((q, answer))
        }
        None => None,
    };
    Ok(Panel {
        analysis,
        entities,
        question,
    })
}

/// The extractive answer, phrased by the LLM when one is configured (it
/// falls back to the extractive answer on any failure or unsupported reply).
async fn answer(state: &AppState, text: String, question: String) -> Result<Answer, WebError> {
    if let Some(llm) = &state.llm {
        return Ok(newsdesk_llm::ask_with_llm(llm, &StoreLlmCache(state), &text, &question).await);
    }
    tokio::task::spawn_blocking(move || newsdesk_analyze::ask(&text, &question))
        .await
        .map_err(|e| WebError::Unavailable(format!("ask failed: {e}")))
}

pub fn render(panel: &Panel, article: ArticleId) -> Markup {
    html! {
        section.ai aria-labelledby="ai-heading" {
            h2 #ai-heading { "AI features" }
            p.meta { "Computed on this server from the article's own text." }
            @if let Some(a) = &panel.analysis {
                @if !a.summary.is_empty() {
                    h3 { "Summary" }
                    @for s in &a.summary { p { (s) } }
                }
                @if !a.key_points.is_empty() {
                    h3 { "Key points" }
                    ul { @for k in &a.key_points { li { (k) } } }
                }
                (entity_lists(&panel.entities))
                (quotes(&a.quotes))
            } @else {
                p.message { "This article has not been analysed yet." }
            }
            (ask_form(article, panel.question.as_ref()))
        }
    }
}

fn entity_lists(entities: &[EntityRef]) -> Markup {
    let groups = [
        (EntityKind::Person, "People"),
        (EntityKind::Place, "Places"),
        (EntityKind::Organization, "Organisations"),
    ];
    html! {
        @for (kind, label) in groups {
            @let of_kind: Vec<&EntityRef> = entities.iter().filter(|e| e.kind == kind).collect();
            @if !of_kind.is_empty() {
                h3 { (label) }
                ul.entities {
                    @for e in of_kind { li { a href={ "/entity/" (e.slug) } { (e.name) } " (" (e.mentions) ")" } }
                }
            }
        }
    }
}

fn quotes(quotes: &[Quote]) -> Markup {
    html! {
        @if !quotes.is_empty() {
            h3 { "Who said what" }
            ul.quotes {
                @for q in quotes {
                    li { blockquote { "“" (q.text) "”" } p.meta { "— " (q.speaker.as_deref().unwrap_or("unattributed")) } }
                }
            }
        }
    }
}

fn ask_form(article: ArticleId, question: Option<&(String, Answer)>) -> Markup {
    html! {
        h3 #ask { "Ask about this article" }
        form.stacked method="get" action={ "/article/" (article.0) "#ask" } {
            label for="ask-q" { "Your question" }
            input #ask-q name="q" maxlength=(MAX_QUESTION_CHARS) value=(question.map_or("", |(q, _)| q.as_str()));
            button type="submit" { "Ask" }
        }
        @if let Some((_, answer)) = question {
            div.answer role="status" {
                @if let Some(text) = &answer.generated {
                    p.generated { (text) }
                    p.meta { "Phrased by a language model from the numbered sentences below." }
                }
                @if answer.answered() {
                    ol.citations {
                        @for s in &answer.sentences { li { "[" (s.number) "] " (s.text) } }
                    }
                } @else {
                    p.message { "The article does not answer that." }
                }
            }
        }
    }
}

/// Who said what across a story's outlets, grouped by speaker.
pub async fn story_quotes(state: &AppState, story: StoryId) -> Result<Markup, WebError> {
    let quotes = store_call(state, move |s| {
        let mut all = Vec::new();
        for a in s.story_articles(story)? {
            if let Some(analysis) = s.analysis(a.card.id)? {
                all.extend(analysis.quotes.into_iter().map(|q| (q, a.card.source_name.clone())));
            }
        }
        Ok(all)
    })
    .await?;
    let mut by_speaker: BTreeMap<String, Vec<(Quote, String)>> = BTreeMap::new();
    for (q, source) in quotes {
        by_speaker
            .entry(q.speaker.clone().unwrap_or_else(|| "Unattributed".into()))
            .or_default()
            .push((q, source));
    }
    Ok(html! {
        @if !by_speaker.is_empty() {
            section.quotes aria-labelledby="story-quotes" {
                h2 #story-quotes { "Who said what" }
                @for (speaker, said) in &by_speaker {
                    h3 { (speaker) }
                    ul { @for (q, source) in said { li { "“" (q.text) "” " span.meta { "(" (source) ")" } } } }
                }
            }
        }
    })
}

pub async fn entity(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
) -> Result<Markup, WebError> {
    let found = store_call(&state, move |s| {
        let Some(entity) = s.entity(&slug)? else {
            return Ok(None);
        };
        let cards = s.articles_mentioning(&slug, 50)?;
        let mut stories = Vec::new();
        for c in &cards {
            if let Some(m) = s.article_story(c.id)? {
                if !stories.iter().any(|st: &newsdesk_domain::Story| st.id == m.story) {
                    stories.extend(s.story(m.story)?);
                }
            }
        }
        Ok(Some((entity, cards, stories)))
    })
    .await?;
    let (entity, mut cards, stories) = found.ok_or(WebError::NotFound)?;
    let interests = crate::personal::Interests::of(&state, visitor.user.as_ref().map(|u| u.id)).await?;
    cards.retain(|c| !interests.hides_card(c));
    let target = newsdesk_domain::Target::Entity(entity.slug.clone());
    let here = format!("/entity/{}", entity.slug);
    let now = Utc::now();
    let body = html! {
        p.meta { (entity.kind.as_str()) }
        h1 { (entity.name) }
        p.meta { "Named in " (entity.mentions) " article" @if entity.mentions != 1 { "s" } }
        (super::reader::interest_buttons(&visitor, &interests, &target, &entity.name, &here))
        @if !stories.is_empty() {
            h2 { "Stories" }
            (super::stories::top_list(&stories, now))
        }
        h2 { "Articles" }
        (cards::list(&cards, now))
    };
    Ok(layout::page(&visitor, &entity.name, body))
}
