//! The article card used in listings: source, relative time, headline and a
//! two-line excerpt, as aggregators show them.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use maud::{html, Markup};
use newsdesk_domain::ArticleId;
use newsdesk_store::ArticleCard;

use crate::timefmt;

pub fn list(cards: &[ArticleCard], now: DateTime<Utc>) -> Markup {
    list_marked(cards, now, &HashSet::new())
}

/// The list with the reader's `read` articles dimmed.
pub fn list_marked(cards: &[ArticleCard], now: DateTime<Utc>, read: &HashSet<ArticleId>) -> Markup {
    html! {
        ol.cards {
            @for card in cards { li { (one(card, now, read.contains(&card.id))) } }
        }
    }
}

pub fn one(card: &ArticleCard, now: DateTime<Utc>, read: bool) -> Markup {
    let when = card.published_at.unwrap_or(card.discovered_at);
    html! {
        article.card.read[read] {
            p.meta {
                a.source href={ "/source/" (card.source_slug) } { (card.source_name) }
                " · "
                time datetime=(when.to_rfc3339()) title=(timefmt::absolute(when)) { (timefmt::relative(when, now)) }
            }
            h2 { a href={ "/article/" (card.id.0) } { (card.title) } }
            @if let Some(excerpt) = &card.excerpt {
                p.excerpt { (excerpt) }
            }
        }
    }
}
