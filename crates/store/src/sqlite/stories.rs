//! Queries on `stories`, `story_links` and the articles' story columns.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use newsdesk_domain::{ArticleId, Story, StoryId};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::rows::{self, millis, opt_time, sql_int, time, Ctx, CARD_COLS};
use crate::policy::{
    rank_related, rank_top, redirects, top_since, PER_RELATED_STORY, RELATED_STORIES, SEED_LEAD_CHARS, TOP_CANDIDATES,
};
use crate::{ArticleStory, ClusterSeed, RelatedArticle, Result, StoryArticle, StoryAssignment};

const STORY_COLS: &str = "id, headline, first_seen, last_seen, article_count, source_count, original_share";

fn story_row(row: &Row<'_>) -> rusqlite::Result<Story> {
    Ok(Story {
        id: StoryId(row.get("id")?),
        headline: row.get("headline")?,
        first_seen: time(row, "first_seen")?,
        last_seen: time(row, "last_seen")?,
        article_count: row.get("article_count")?,
        source_count: row.get("source_count")?,
        original_share: row.get("original_share")?,
    })
}

pub(crate) fn assign(conn: &Connection, a: &StoryAssignment) -> Result<()> {
    let story = a.story.0;
    conn.execute("INSERT OR IGNORE INTO stories (id) VALUES (?1)", [story])
        .ctx("create story")?;
    for gone in a.merged.iter().filter(|g| g.0 != story) {
        conn.execute("UPDATE articles SET story_id = ?1 WHERE story_id = ?2", [story, gone.0])
            .ctx("move merged story's articles")?;
        conn.execute("DELETE FROM stories WHERE id = ?1", [gone.0])
            .ctx("delete merged story")?;
    }
    let n = conn
        .execute("UPDATE articles SET story_id = ?1 WHERE id = ?2", [story, a.article.0])
        .ctx("set article story")?;
    if n == 0 {
        return Err(crate::StoreError::NotFound(format!("article {}", a.article.0)));
    }
    let mut touched = BTreeSet::from([story]);
    for (article, origin) in &a.syndicated {
        let s: Option<Option<i64>> = conn
            .query_row(
                "UPDATE articles SET syndicated = 1, origin = ?2 WHERE id = ?1 RETURNING story_id",
                params![article.0, origin],
                |r| r.get(0),
            )
            .optional()
            .ctx("mark syndicated")?;
        touched.extend(s.flatten());
    }
    for (related, score) in a.related.iter().filter(|(r, _)| r.0 != story) {
        link(conn, story, related.0, *score)?;
    }
    touched.extend(apply_moves(conn, a)?);
    for (old, new) in redirects(a) {
        conn.execute(
            "INSERT INTO story_redirects (old_id, new_id) VALUES (?1, ?2)
             ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id",
            [old, new],
        )
        .ctx("redirect a removed story")?;
        conn.execute("UPDATE story_redirects SET new_id = ?2 WHERE new_id = ?1", [old, new])
            .ctx("follow redirects to a removed story")?;
    }
    touched.iter().try_for_each(|&s| refresh(conn, s))
}

/// Where a story that no longer exists went, if it was merged or dissolved.
pub(crate) fn redirect(conn: &Connection, id: StoryId) -> Result<Option<StoryId>> {
    conn.prepare_cached("SELECT new_id FROM story_redirects WHERE old_id = ?1")
        .and_then(|mut st| st.query_row([id.0], |r| r.get(0)).optional())
        .map(|id| id.map(StoryId))
        .ctx("look up story redirect")
}

/// Moves the articles the clusterer revised and deletes the stories that
/// lost their last article; returns every story left changed.
fn apply_moves(conn: &Connection, a: &StoryAssignment) -> Result<BTreeSet<i64>> {
    let mut touched = BTreeSet::new();
    for (article, to) in &a.moved {
        conn.execute("INSERT OR IGNORE INTO stories (id) VALUES (?1)", [to.0])
            .ctx("create story")?;
        let from: Option<Option<i64>> = conn
            .query_row("SELECT story_id FROM articles WHERE id = ?1", [article.0], |r| r.get(0))
            .optional()
            .ctx("find moved article's story")?;
        conn.execute("UPDATE articles SET story_id = ?2 WHERE id = ?1", [article.0, to.0])
            .ctx("move article to its story")?;
        touched.extend(from.flatten());
        touched.insert(to.0);
    }
    for gone in &a.emptied {
        conn.execute(
            "DELETE FROM stories WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM articles WHERE story_id = ?1)",
            [gone.0],
        )
        .ctx("delete emptied story")?;
        touched.remove(&gone.0);
    }
    Ok(touched)
}

/// Links two stories both ways, keeping the best score; a story that no
/// longer exists (merged or never stored) is skipped.
fn link(conn: &Connection, a: i64, b: i64, score: f32) -> Result<()> {
    for (from, to) in [(a, b), (b, a)] {
        conn.prepare_cached(
            "INSERT INTO story_links (story_id, related_id, score)
             SELECT ?1, ?2, ?3 WHERE (SELECT count(*) FROM stories WHERE id IN (?1, ?2)) = 2
             ON CONFLICT (story_id, related_id) DO UPDATE SET score = max(score, excluded.score)",
        )
        .and_then(|mut st| st.execute(params![from, to, f64::from(score)]))
        .ctx("link related stories")?;
    }
    Ok(())
}

/// Recomputes a story's counts and headline from its articles.
fn refresh(conn: &Connection, story: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE stories SET
             article_count = (SELECT count(*) FROM articles WHERE story_id = ?1),
             source_count = (SELECT count(DISTINCT source_id) FROM articles WHERE story_id = ?1),
             first_seen = coalesce((SELECT min(sort_at) FROM articles WHERE story_id = ?1), 0),
             last_seen = coalesce((SELECT max(sort_at) FROM articles WHERE story_id = ?1), 0),
             original_share = coalesce((SELECT avg(1 - syndicated) FROM articles WHERE story_id = ?1), 1.0),
             headline = coalesce((SELECT title FROM articles WHERE story_id = ?1
                                  ORDER BY syndicated, sort_at, id LIMIT 1), '')
         WHERE id = ?1",
    )
    .and_then(|mut st| st.execute([story]))
    .ctx("refresh story counts")?;
    Ok(())
}

pub(crate) fn get(conn: &Connection, id: StoryId) -> Result<Option<Story>> {
    conn.prepare_cached(&format!("SELECT {STORY_COLS} FROM stories WHERE id = ?1"))
        .and_then(|mut st| st.query_row([id.0], story_row).optional())
        .ctx("get story")
}

pub(crate) fn of_article(conn: &Connection, article: ArticleId) -> Result<Option<ArticleStory>> {
    conn.prepare_cached("SELECT story_id, syndicated, origin FROM articles WHERE id = ?1 AND story_id IS NOT NULL")
        .and_then(|mut st| {
            st.query_row([article.0], |r| {
                Ok(ArticleStory {
                    story: StoryId(r.get(0)?),
                    syndicated: r.get(1)?,
                    origin: r.get(2)?,
                })
            })
            .optional()
        })
        .ctx("get article story")
}

pub(crate) fn articles(conn: &Connection, id: StoryId) -> Result<Vec<StoryArticle>> {
    let sql = format!(
        "SELECT {CARD_COLS}, a.syndicated AS syndicated, a.origin AS origin
         FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE a.story_id = ?1 AND a.status <> 'pending' ORDER BY a.sort_at, a.id"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map([id.0], |r| {
                Ok(StoryArticle {
                    card: rows::card(r)?,
                    syndicated: r.get("syndicated")?,
                    origin: r.get("origin")?,
                })
            })?
            .collect()
        })
        .ctx("list story articles")
}

pub(crate) fn top(conn: &Connection, limit: usize, now: DateTime<Utc>) -> Result<Vec<Story>> {
    let since = millis(top_since(now));
    let stories: Vec<Story> = conn
        .prepare_cached(&format!(
            "SELECT {STORY_COLS} FROM stories WHERE last_seen >= ?1 AND article_count > 0
             ORDER BY last_seen DESC, id DESC LIMIT ?2"
        ))
        .and_then(|mut st| {
            st.query_map(params![since, sql_int(TOP_CANDIDATES)], story_row)?
                .collect()
        })
        .ctx("list recent stories")?;
    Ok(rank_top(stories, now, limit))
}

pub(crate) fn related(conn: &Connection, article: ArticleId, limit: usize) -> Result<Vec<RelatedArticle>> {
    let Some((story, source)) = conn
        .query_row(
            "SELECT story_id, source_id FROM articles WHERE id = ?1 AND story_id IS NOT NULL",
            [article.0],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()
        .ctx("get article story")?
    else {
        return Ok(Vec::new());
    };
    let same = format!(
        "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE a.story_id = ?1 AND a.id <> ?2 AND a.status <> 'pending'
         ORDER BY a.source_id = ?3, a.sort_at DESC, a.id DESC LIMIT ?4"
    );
    let mut out: Vec<RelatedArticle> = conn
        .prepare_cached(&same)
        .and_then(|mut st| {
            st.query_map(params![story, article.0, source, sql_int(limit)], rows::card)?
                .map(|c| c.map(|card| RelatedArticle { card, same_story: true }))
                .collect()
        })
        .ctx("list same-story articles")?;
    if out.len() < limit {
        out.extend(from_related_stories(conn, story, limit - out.len())?);
    }
    Ok(out)
}

/// Articles of the stories linked to `story`: stories ranked by link score
/// damped by how far their latest article lags the freshest one.
fn from_related_stories(conn: &Connection, story: i64, limit: usize) -> Result<Vec<RelatedArticle>> {
    let linked: Vec<(i64, f64, DateTime<Utc>)> = conn
        .prepare_cached(
            "SELECT l.related_id, l.score, s.last_seen FROM story_links l JOIN stories s ON s.id = l.related_id
             WHERE l.story_id = ?1 ORDER BY l.score DESC, l.related_id LIMIT ?2",
        )
        .and_then(|mut st| {
            st.query_map(params![story, sql_int(RELATED_STORIES)], |r| {
                Ok((r.get(0)?, r.get(1)?, time(r, "last_seen")?))
            })?
            .collect()
        })
        .ctx("list related stories")?;
    let sql = format!(
        "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE a.story_id = ?1 AND a.status <> 'pending' ORDER BY a.sort_at DESC, a.id DESC LIMIT ?2"
    );
    let mut out = Vec::new();
    for id in rank_related(&linked) {
        let cards: Vec<_> = conn
            .prepare_cached(&sql)
            .and_then(|mut st| {
                st.query_map(params![id, sql_int(PER_RELATED_STORY)], rows::card)?
                    .collect()
            })
            .ctx("list related story articles")?;
        out.extend(cards.into_iter().map(|card| RelatedArticle {
            card,
            same_story: false,
        }));
        if out.len() >= limit {
            break;
        }
    }
    out.truncate(limit);
    Ok(out)
}

pub(crate) fn seeds(conn: &Connection, since: DateTime<Utc>) -> Result<Vec<ClusterSeed>> {
    conn.prepare_cached(
        "SELECT a.id, a.story_id, a.title, substr(a.text, 1, ?2) AS lead, s.name, a.byline,
                a.published_at, a.syndicated, a.origin
         FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE a.story_id IS NOT NULL AND a.sort_at >= ?1 ORDER BY a.id",
    )
    .and_then(|mut st| {
        st.query_map(params![millis(since), SEED_LEAD_CHARS], |r| {
            Ok(ClusterSeed {
                article: ArticleId(r.get(0)?),
                story: StoryId(r.get(1)?),
                title: r.get(2)?,
                lead: r.get(3)?,
                source: r.get(4)?,
                byline: r.get(5)?,
                published_at: opt_time(r, "published_at")?,
                syndicated: r.get(7)?,
                origin: r.get(8)?,
            })
        })?
        .collect()
    })
    .ctx("list clustering seeds")
}
