//! Queries on the analyze stage's output (`analyses`, `entities`,
//! `article_entities`) and the LLM reply cache.

use chrono::{DateTime, Utc};
use newsdesk_domain::{Analysis, ArticleId, EntityKind};
use newsdesk_postgres::GenericClient;
use tokio_postgres::Row;

use super::rows::{self, all, each, first, get, int, ms, run, CARD_COLS, R};
use crate::text::slugify;
use crate::{ArticleCard, EntityRef, StoreError};

/// Replaces the analysis of `article` and its entity links.
pub(crate) async fn save(c: &impl GenericClient, article: ArticleId, analysis: &Analysis, at: DateTime<Utc>) -> R<()> {
    let json = serde_json::to_string(analysis).map_err(|e| StoreError::Invalid(format!("analysis: {e}")))?;
    // Listed by section from the article's row, so a section page is one
    // index walk.
    run(
        c,
        "file article under its section",
        "UPDATE articles SET section = $2 WHERE id = $1",
        &[&article.0, &analysis.section.map(|s| s.as_str())],
    )
    .await?;
    run(
        c,
        "save analysis",
        "INSERT INTO analyses (article_id, analysis, analyzed_at) VALUES ($1, $2, $3)
         ON CONFLICT (article_id) DO UPDATE SET analysis = excluded.analysis, analyzed_at = excluded.analyzed_at",
        &[&article.0, &json, &ms(at)],
    )
    .await?;
    run(
        c,
        "clear article entities",
        "DELETE FROM article_entities WHERE article_id = $1",
        &[&article.0],
    )
    .await?;
    // Entities in slug order: concurrent analyses naming the same people
    // then wait for each other instead of deadlocking.
    let mut entities: Vec<_> = analysis.entities.iter().map(|e| (slugify(&e.name), e)).collect();
    entities.sort_by(|a, b| a.0.cmp(&b.0));
    for (slug, e) in &entities {
        let id = upsert_entity(c, slug, &e.name, e.kind).await?;
        run(
            c,
            "link article entity",
            "INSERT INTO article_entities (article_id, entity_id, mentions, sort_at)
             SELECT $1, $2, $3, sort_at FROM articles WHERE id = $1
             ON CONFLICT (article_id, entity_id) DO UPDATE SET mentions = article_entities.mentions + excluded.mentions",
            &[&article.0, &id, &i64::from(e.mentions)],
        )
        .await?;
    }
    Ok(())
}

/// The entity row for a slug, created on first sight. `DO NOTHING` takes
/// no lock on a row that exists (an update would hold it to the end of
/// this transaction); the select then finds it.
async fn upsert_entity(c: &impl GenericClient, slug: &str, name: &str, kind: EntityKind) -> R<i64> {
    let inserted = first(
        c,
        "insert entity",
        "INSERT INTO entities (slug, name, kind) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING RETURNING id",
        &[&slug, &name, &kind.as_str()],
    )
    .await?;
    let row = match inserted {
        Some(row) => row,
        None => first(c, "find entity", "SELECT id FROM entities WHERE slug = $1", &[&slug])
            .await?
            .ok_or_else(|| StoreError::Database(format!("entity {slug} vanished")))?,
    };
    get(&row, "id")
}

pub(crate) async fn get_one(c: &impl GenericClient, article: ArticleId) -> R<Option<Analysis>> {
    let row = first(
        c,
        "read analysis",
        "SELECT analysis FROM analyses WHERE article_id = $1",
        &[&article.0],
    )
    .await?;
    let json: Option<String> = row.map(|r| get(&r, "analysis")).transpose()?;
    // A row this build cannot read (written by a newer one) counts as absent.
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

const ENTITY_COLS: &str = "e.slug AS slug, e.name AS name, e.kind AS kind";

fn entity_ref(row: &Row) -> R<EntityRef> {
    Ok(EntityRef {
        slug: get(row, "slug")?,
        name: get(row, "name")?,
        kind: EntityKind::parse(get(row, "kind")?),
        mentions: u32::try_from(get::<i64>(row, "mentions")?).unwrap_or(u32::MAX),
    })
}

/// One entity by slug; `mentions` counts the articles naming it.
pub(crate) async fn by_slug(c: &impl GenericClient, slug: &str) -> R<Option<EntityRef>> {
    let sql = format!(
        "SELECT {ENTITY_COLS}, (SELECT count(*) FROM article_entities ae WHERE ae.entity_id = e.id) AS mentions
         FROM entities e WHERE e.slug = $1"
    );
    first(c, "read entity", &sql, &[&slug])
        .await?
        .as_ref()
        .map(entity_ref)
        .transpose()
}

/// Entities of one article, most mentioned first.
pub(crate) async fn of_article(c: &impl GenericClient, article: ArticleId) -> R<Vec<EntityRef>> {
    let sql = format!(
        "SELECT {ENTITY_COLS}, ae.mentions AS mentions FROM article_entities ae JOIN entities e ON e.id = ae.entity_id
         WHERE ae.article_id = $1 ORDER BY ae.mentions DESC, e.name COLLATE \"C\""
    );
    each(&all(c, "list article entities", &sql, &[&article.0]).await?, entity_ref)
}

/// Listed articles naming the entity, newest first.
pub(crate) async fn articles_mentioning(c: &impl GenericClient, slug: &str, limit: usize) -> R<Vec<ArticleCard>> {
    let sql = format!(
        "SELECT {CARD_COLS} FROM entities e
         JOIN article_entities ae ON ae.entity_id = e.id
         JOIN articles a ON a.id = ae.article_id
         JOIN sources s ON s.id = a.source_id
         WHERE e.slug = $1 AND a.status <> 'pending'
         ORDER BY a.sort_at DESC, a.id DESC LIMIT $2"
    );
    each(
        &all(c, "list articles mentioning entity", &sql, &[&slug, &int(limit)]).await?,
        rows::card,
    )
}

pub(crate) async fn llm_cached(c: &impl GenericClient, key: &str) -> R<Option<String>> {
    let row = first(
        c,
        "read LLM cache",
        "SELECT reply FROM llm_cache WHERE key = $1",
        &[&key],
    )
    .await?;
    row.map(|r| get(&r, "reply")).transpose()
}

pub(crate) async fn cache_llm(c: &impl GenericClient, key: &str, reply: &str, at: DateTime<Utc>) -> R<()> {
    run(
        c,
        "write LLM cache",
        "INSERT INTO llm_cache (key, reply, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET reply = excluded.reply, created_at = excluded.created_at",
        &[&key, &reply, &ms(at)],
    )
    .await?;
    Ok(())
}

/// The secret called `name`, inserting `fresh` when there is none.
pub(crate) async fn secret(c: &impl GenericClient, name: &str, fresh: &str) -> R<String> {
    run(
        c,
        "keep secret",
        "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        &[&name, &fresh],
    )
    .await?;
    let row = first(c, "read secret", "SELECT value FROM secrets WHERE name = $1", &[&name]).await?;
    row.map(|r| get(&r, "value"))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("secret {name}")).into())
}
