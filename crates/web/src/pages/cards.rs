//! The article card used in listings: source, relative time, headline and a
//! two-line excerpt, as aggregators show them.

use chrono::{DateTime, Utc};
use maud::{html, Markup};
use newsdesk_store::ArticleCard;

use crate::timefmt;

pub fn list(cards: &[ArticleCard], now: DateTime<Utc>) -> Markup {
    html! {
        ol.cards {
            @for card in cards { li { (one(card, now)) } }
        }
    }
}

fn one(card: &ArticleCard, now: DateTime<Utc>) -> Markup {
    let when = card.published_at.unwrap_or(card.discovered_at);
    html! {
        article.card {
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
