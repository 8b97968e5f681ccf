//! The article page's data in one statement.
//!
//! The page is the site's hottest read. Asked part by part it took a dozen
//! round trips, and each one costs a hop to the driver's I/O thread and
//! back: profiled under load, half the process's time went to waking
//! threads. One statement is one round trip and, being one statement, one
//! consistent snapshot without a transaction. Lists come back as JSON
//! (times as unix milliseconds); related stories are ranked here, by the
//! same `policy::rank_related` as SQLite.

use chrono::{DateTime, Utc};
use newsdesk_domain::{ArticleId, EntityKind, Source, Story, StoryId};
use newsdesk_postgres::GenericClient;
use serde::Deserialize;

use super::rows::{self, first, get, int, ARTICLE_COLS, R};
use crate::policy::{card_excerpt, rank_related, PER_RELATED_STORY, RELATED_STORIES};
use crate::{ArticleCard, ArticleStory, ArticleView, EntityRef, RelatedArticle, StoreError};

/// A card as JSON, selected from `articles x JOIN sources s`.
const CARD_JSON: &str = "json_build_object('id', x.id, 'title', x.title, 'url', x.url,
    'source_name', s.name, 'source_slug', s.slug,
    'published', (extract(epoch FROM x.published_at) * 1000)::BIGINT,
    'discovered', (extract(epoch FROM x.discovered_at) * 1000)::BIGINT,
    'excerpt', x.excerpt, 'image', x.image)";

/// What a card needs of `articles x`: the limit applies before the JSON
/// is built, so only the cards shown are built.
const CARD_COLS: &str =
    "x.id, x.title, x.url, x.source_id, x.published_at, x.discovered_at, x.sort_at, x.excerpt, x.image";

/// The statement, composed once: the page is the site's hottest read.
static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(compose);

fn compose() -> String {
    let article_cols: Vec<String> = ARTICLE_COLS.split(", ").map(|c| format!("a.{}", c.trim())).collect();
    format!(
        "SELECT {article},
            s.name AS source_name, s.slug AS source_slug, s.homepage AS source_homepage,
            a.story_id, a.syndicated, a.origin,
            st.headline, st.first_seen, st.last_seen, st.article_count, st.source_count, st.original_share,
            (SELECT analysis FROM analyses WHERE article_id = a.id) AS analysis,
            (SELECT json_agg(json_build_object('slug', e.slug, 'name', e.name, 'kind', e.kind, 'mentions', ae.mentions)
                             ORDER BY ae.mentions DESC, e.name COLLATE \"C\")
             FROM article_entities ae JOIN entities e ON e.id = ae.entity_id
             WHERE ae.article_id = a.id) AS entities,
            (SELECT json_agg({CARD_JSON} ORDER BY x.source_id = a.source_id, x.sort_at DESC, x.id DESC)
             FROM (SELECT {CARD_COLS} FROM articles x
                   WHERE x.story_id = a.story_id AND x.id <> a.id AND x.status <> 'pending'
                   ORDER BY x.source_id = a.source_id, x.sort_at DESC, x.id DESC LIMIT $2) x
             JOIN sources s ON s.id = x.source_id) AS same_story,
            (SELECT json_agg(json_build_object('story', l.related_id, 'score', l.score,
                        'last_seen', (extract(epoch FROM ls.last_seen) * 1000)::BIGINT,
                        'cards', (SELECT json_agg({CARD_JSON} ORDER BY x.sort_at DESC, x.id DESC)
                            FROM (SELECT {CARD_COLS} FROM articles x
                                  WHERE x.story_id = l.related_id AND x.status <> 'pending'
                                  ORDER BY x.sort_at DESC, x.id DESC LIMIT $4) x
                            JOIN sources s ON s.id = x.source_id)))
             FROM (SELECT * FROM story_links WHERE story_id = a.story_id
                   ORDER BY score DESC, related_id LIMIT $3) l
             JOIN stories ls ON ls.id = l.related_id) AS linked
         FROM articles a JOIN sources s ON s.id = a.source_id LEFT JOIN stories st ON st.id = a.story_id
         WHERE a.id = $1",
        article = article_cols.join(", "),
    )
}

#[derive(Deserialize)]
struct CardJson {
    id: i64,
    title: String,
    url: String,
    source_name: String,
    source_slug: String,
    published: Option<i64>,
    discovered: i64,
    excerpt: Option<String>,
    image: Option<String>,
}

#[derive(Deserialize)]
struct EntityJson {
    slug: String,
    name: String,
    kind: String,
    mentions: i64,
}

#[derive(Deserialize)]
struct LinkedJson {
    story: i64,
    score: f64,
    last_seen: i64,
    cards: Option<Vec<CardJson>>,
}

pub(crate) async fn article_view(c: &impl GenericClient, id: ArticleId, related: usize) -> R<Option<ArticleView>> {
    let args: rows::Params = &[&id.0, &int(related), &int(RELATED_STORIES), &int(PER_RELATED_STORY)];
    let Some(row) = first(c, "read article page", &SQL, args).await? else {
        return Ok(None);
    };
    let article = rows::article(&row)?;
    let source = Source {
        id: article.source_id,
        name: get(&row, "source_name")?,
        slug: get(&row, "source_slug")?,
        homepage: get(&row, "source_homepage")?,
    };
    let story = match get::<Option<i64>>(&row, "story_id")? {
        Some(story_id) => get::<Option<String>>(&row, "headline")?
            .map(|headline| -> R<_> {
                let member = ArticleStory {
                    story: StoryId(story_id),
                    syndicated: get(&row, "syndicated")?,
                    origin: get(&row, "origin")?,
                };
                let story = Story {
                    id: StoryId(story_id),
                    headline,
                    first_seen: get(&row, "first_seen")?,
                    last_seen: get(&row, "last_seen")?,
                    article_count: get(&row, "article_count")?,
                    source_count: get(&row, "source_count")?,
                    original_share: get(&row, "original_share")?,
                };
                Ok((member, story))
            })
            .transpose()?,
        None => None,
    };
    let analysis: Option<String> = get(&row, "analysis")?;
    Ok(Some(ArticleView {
        article,
        source,
        story,
        related: related_of(&row, related)?,
        // A row this build cannot read (written by a newer one) counts as absent.
        analysis: analysis.and_then(|j| serde_json::from_str(&j).ok()),
        entities: json::<Vec<EntityJson>>(&row, "entities")?
            .unwrap_or_default()
            .into_iter()
            .map(|e| EntityRef {
                slug: e.slug,
                name: e.name,
                kind: EntityKind::parse(&e.kind),
                mentions: u32::try_from(e.mentions).unwrap_or(u32::MAX),
            })
            .collect(),
    }))
}

/// Other outlets' articles on the story, then the related stories'
/// articles, best ranked first, as `Store::related_articles` lists them.
fn related_of(row: &tokio_postgres::Row, limit: usize) -> R<Vec<RelatedArticle>> {
    let mut out = Vec::with_capacity(limit);
    for card in json::<Vec<CardJson>>(row, "same_story")?.unwrap_or_default() {
        out.push(RelatedArticle {
            card: card_of(card)?,
            same_story: true,
        });
    }
    if out.len() >= limit {
        return Ok(out);
    }
    let mut linked = json::<Vec<LinkedJson>>(row, "linked")?.unwrap_or_default();
    let ranks: Vec<(i64, f64, DateTime<Utc>)> = linked
        .iter()
        .map(|l| Ok((l.story, l.score, instant(l.last_seen)?)))
        .collect::<R<_>>()?;
    for story in rank_related(&ranks) {
        let Some(l) = linked.iter_mut().find(|l| l.story == story) else {
            continue;
        };
        for card in l.cards.take().unwrap_or_default() {
            out.push(RelatedArticle {
                card: card_of(card)?,
                same_story: false,
            });
        }
        if out.len() >= limit {
            break;
        }
    }
    out.truncate(limit);
    Ok(out)
}

fn card_of(c: CardJson) -> R<ArticleCard> {
    Ok(ArticleCard {
        id: ArticleId(c.id),
        title: c.title,
        url: c.url,
        source_name: c.source_name,
        source_slug: c.source_slug,
        published_at: c.published.map(instant).transpose()?,
        discovered_at: instant(c.discovered)?,
        excerpt: card_excerpt(c.excerpt),
        image: c.image,
    })
}

fn instant(ms: i64) -> R<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Database(format!("timestamp {ms} out of range")).into())
}

/// A JSON column decoded; SQL NULL (an empty aggregate) is `None`.
fn json<T: for<'de> Deserialize<'de>>(row: &tokio_postgres::Row, col: &str) -> R<Option<T>> {
    let value: Option<serde_json::Value> = get(row, col)?;
    value
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| StoreError::Database(format!("column {col}: {e}")).into())
}
