//! Queries on the analyze stage's output: `analyses` (one JSON document per
//! article, so page views never recompute it) and `entities` with
//! `article_entities` (which articles name whom, for entity pages), and
//! `llm_cache` (replies of the optional LLM, by request key).

use chrono::{DateTime, Utc};
use newsdesk_domain::{Analysis, ArticleId, EntityKind};
use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{self, millis, sql_int, Ctx, CARD_COLS};
use crate::text::slugify;
use crate::{ArticleCard, EntityRef, Result, StoreError};

/// Replaces the analysis of `article` and its entity links.
pub(crate) fn save(conn: &Connection, article: ArticleId, analysis: &Analysis, at: DateTime<Utc>) -> Result<()> {
    let json = serde_json::to_string(analysis).map_err(|e| StoreError::Invalid(format!("analysis: {e}")))?;
    conn.prepare_cached(
        "INSERT INTO analyses (article_id, analysis, analyzed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(article_id) DO UPDATE SET analysis = excluded.analysis, analyzed_at = excluded.analyzed_at",
    )
    .and_then(|mut st| st.execute(params![article.0, json, millis(at)]))
    .ctx("save analysis")?;
    // Listed by section from the article's row, so a section page is one index walk.
    conn.prepare_cached("UPDATE articles SET section = ?2 WHERE id = ?1")
        .and_then(|mut st| st.execute(params![article.0, analysis.section.map(|s| s.as_str())]))
        .ctx("file article under its section")?;
    conn.prepare_cached("DELETE FROM article_entities WHERE article_id = ?1")
        .and_then(|mut st| st.execute([article.0]))
        .ctx("clear article entities")?;
    for e in &analysis.entities {
        let id = upsert_entity(conn, &e.name, e.kind)?;
        conn.prepare_cached(
            "INSERT INTO article_entities (article_id, entity_id, mentions, sort_at)
             SELECT ?1, ?2, ?3, sort_at FROM articles WHERE id = ?1
             ON CONFLICT(article_id, entity_id) DO UPDATE SET mentions = mentions + excluded.mentions",
        )
        .and_then(|mut st| st.execute(params![article.0, id, e.mentions]))
        .ctx("link article entity")?;
    }
    Ok(())
}

/// The entity row for a name (by slug), created on first sight.
fn upsert_entity(conn: &Connection, name: &str, kind: EntityKind) -> Result<i64> {
    let slug = slugify(name);
    conn.prepare_cached(
        "INSERT INTO entities (slug, name, kind) VALUES (?1, ?2, ?3)
         ON CONFLICT(slug) DO UPDATE SET slug = slug RETURNING id",
    )
    .and_then(|mut st| st.query_row(params![slug, name, kind.as_str()], |r| r.get(0)))
    .ctx("upsert entity")
}

pub(crate) fn get(conn: &Connection, article: ArticleId) -> Result<Option<Analysis>> {
    let json: Option<String> = conn
        .prepare_cached("SELECT analysis FROM analyses WHERE article_id = ?1")
        .and_then(|mut st| st.query_row([article.0], |r| r.get(0)).optional())
        .ctx("read analysis")?;
    // A row this build cannot read (written by a newer one) counts as absent.
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

const ENTITY_COLS: &str = "e.slug AS slug, e.name AS name, e.kind AS kind";

fn entity_ref(row: &rusqlite::Row<'_>) -> rusqlite::Result<EntityRef> {
    let kind: String = row.get("kind")?;
    Ok(EntityRef {
        slug: row.get("slug")?,
        name: row.get("name")?,
        kind: EntityKind::parse(&kind),
        mentions: row.get("mentions")?,
    })
}

/// One entity by slug; `mentions` counts the articles naming it.
pub(crate) fn by_slug(conn: &Connection, slug: &str) -> Result<Option<EntityRef>> {
    let sql = format!(
        "SELECT {ENTITY_COLS}, (SELECT count(*) FROM article_entities ae WHERE ae.entity_id = e.id) AS mentions
         FROM entities e WHERE e.slug = ?1"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_row([slug], entity_ref).optional())
        .ctx("read entity")
}

/// Entities of one article, most mentioned first; `mentions` counts mentions in it.
pub(crate) fn of_article(conn: &Connection, article: ArticleId) -> Result<Vec<EntityRef>> {
    let sql = format!(
        "SELECT {ENTITY_COLS}, ae.mentions AS mentions FROM article_entities ae JOIN entities e ON e.id = ae.entity_id
         WHERE ae.article_id = ?1 ORDER BY ae.mentions DESC, e.name"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_map([article.0], entity_ref)?.collect())
        .ctx("list article entities")
}

/// Listed articles naming the entity, newest first.
pub(crate) fn articles_mentioning(conn: &Connection, slug: &str, limit: usize) -> Result<Vec<ArticleCard>> {
    let sql = format!(
        "SELECT {CARD_COLS} FROM entities e
         JOIN article_entities ae ON ae.entity_id = e.id
         JOIN articles a ON a.id = ae.article_id
         JOIN sources s ON s.id = a.source_id
         WHERE e.slug = ?1 AND a.status <> 'pending'
         ORDER BY a.sort_at DESC, a.id DESC LIMIT ?2"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_map(params![slug, sql_int(limit)], rows::card)?.collect())
        .ctx("list articles mentioning entity")
}

pub(crate) fn llm_cached(conn: &Connection, key: &str) -> Result<Option<String>> {
    conn.prepare_cached("SELECT reply FROM llm_cache WHERE key = ?1")
        .and_then(|mut st| st.query_row([key], |r| r.get(0)).optional())
        .ctx("read LLM cache")
}

pub(crate) fn cache_llm(conn: &Connection, key: &str, reply: &str, at: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO llm_cache (key, reply, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(key) DO UPDATE SET reply = excluded.reply, created_at = excluded.created_at",
    )
    .and_then(|mut st| st.execute(params![key, reply, millis(at)]))
    .ctx("write LLM cache")?;
    Ok(())
}
