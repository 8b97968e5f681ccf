//! Queries on `stories`, `story_links` and the articles' story columns.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use newsdesk_domain::{ArticleId, Story, StoryId};
use newsdesk_postgres::GenericClient;

use super::rows::{self, all, each, first, get, int, ms, run, CARD_COLS, R, STORY_COLS};
use crate::policy::{
    rank_related, rank_top, redirects, top_since, PER_RELATED_STORY, RELATED_STORIES, SEED_LEAD_CHARS, TOP_CANDIDATES,
};
use crate::{ArticleStory, ClusterSeed, RelatedArticle, StoreError, StoryArticle, StoryAssignment};

/// Stores one clustering decision. The stories it touches are locked in id
/// order first, so two decisions merging the same stories wait for each
/// other instead of interleaving.
pub(crate) async fn assign(c: &impl GenericClient, a: &StoryAssignment) -> R<()> {
    let story = a.story.0;
    run(
        c,
        "create story",
        "INSERT INTO stories (id) VALUES ($1) ON CONFLICT DO NOTHING",
        &[&story],
    )
    .await?;
    let merged: Vec<i64> = a.merged.iter().map(|g| g.0).filter(|&g| g != story).collect();
    let mut locked: Vec<i64> = merged.iter().copied().chain([story]).collect();
    locked.sort_unstable();
    run(
        c,
        "lock stories",
        "SELECT id FROM stories WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        &[&locked],
    )
    .await?;
    for gone in &merged {
        run(
            c,
            "move merged story's articles",
            "UPDATE articles SET story_id = $1 WHERE story_id = $2",
            &[&story, gone],
        )
        .await?;
        run(c, "delete merged story", "DELETE FROM stories WHERE id = $1", &[gone]).await?;
    }
    let n = run(
        c,
        "set article story",
        "UPDATE articles SET story_id = $1 WHERE id = $2",
        &[&story, &a.article.0],
    )
    .await?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("article {}", a.article.0)).into());
    }
    let mut touched = BTreeSet::from([story]);
    for (article, origin) in &a.syndicated {
        let row = first(
            c,
            "mark syndicated",
            "UPDATE articles SET syndicated = TRUE, origin = $2 WHERE id = $1 RETURNING story_id",
            &[&article.0, origin],
        )
        .await?;
        if let Some(row) = row {
            touched.extend(get::<Option<i64>>(&row, "story_id")?);
        }
    }
    for (related, score) in a.related.iter().filter(|(r, _)| r.0 != story) {
        link(c, story, related.0, *score).await?;
    }
    touched.extend(apply_moves(c, a).await?);
    for (old, new) in redirects(a) {
        run(
            c,
            "redirect a removed story",
            "INSERT INTO story_redirects (old_id, new_id) VALUES ($1, $2)
             ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id",
            &[&old, &new],
        )
        .await?;
        run(
            c,
            "follow redirects to a removed story",
            "UPDATE story_redirects SET new_id = $2 WHERE new_id = $1",
            &[&old, &new],
        )
        .await?;
    }
    for s in touched {
        refresh(c, s).await?;
    }
    Ok(())
}

/// Where a story that no longer exists went (see the SQLite twin).
pub(crate) async fn redirect(c: &impl GenericClient, id: StoryId) -> R<Option<StoryId>> {
    let row = first(
        c,
        "look up story redirect",
        "SELECT new_id FROM story_redirects WHERE old_id = $1",
        &[&id.0],
    )
    .await?;
    row.map(|r| get(&r, "new_id").map(StoryId)).transpose()
}

/// Moves the articles the clusterer revised and deletes the stories that
/// lost their last article; returns every story left changed. The
/// stories involved are locked in id order first, as above.
async fn apply_moves(c: &impl GenericClient, a: &StoryAssignment) -> R<BTreeSet<i64>> {
    if a.moved.is_empty() && a.emptied.is_empty() {
        return Ok(BTreeSet::new());
    }
    let ids: Vec<i64> = a.moved.iter().map(|(m, _)| m.0).collect();
    let rows = all(
        c,
        "find moved articles' stories",
        "SELECT story_id FROM articles WHERE id = ANY($1) AND story_id IS NOT NULL",
        &[&ids],
    )
    .await?;
    let mut touched: BTreeSet<i64> = a.moved.iter().map(|(_, to)| to.0).collect();
    for row in &rows {
        touched.insert(get(row, "story_id")?);
    }
    let new: Vec<i64> = touched.iter().copied().collect();
    run(
        c,
        "create stories",
        "INSERT INTO stories (id) SELECT unnest($1::BIGINT[]) ON CONFLICT DO NOTHING",
        &[&new],
    )
    .await?;
    run(
        c,
        "lock stories",
        "SELECT id FROM stories WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        &[&new],
    )
    .await?;
    for (article, to) in &a.moved {
        run(
            c,
            "move article to its story",
            "UPDATE articles SET story_id = $2 WHERE id = $1",
            &[&article.0, &to.0],
        )
        .await?;
    }
    for gone in &a.emptied {
        run(
            c,
            "delete emptied story",
            "DELETE FROM stories WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM articles WHERE story_id = $1)",
            &[&gone.0],
        )
        .await?;
        touched.remove(&gone.0);
    }
    Ok(touched)
}

/// Links two stories both ways, keeping the best score; a story that no
/// longer exists is skipped.
async fn link(c: &impl GenericClient, a: i64, b: i64, score: f32) -> R<()> {
    for (from, to) in [(a, b), (b, a)] {
        run(
            c,
            "link related stories",
            "INSERT INTO story_links (story_id, related_id, score)
             SELECT $1, $2, $3 WHERE (SELECT count(*) FROM stories WHERE id IN ($1, $2)) = 2
             ON CONFLICT (story_id, related_id) DO UPDATE SET score = GREATEST(story_links.score, excluded.score)",
            &[&from, &to, &f64::from(score)],
        )
        .await?;
    }
    Ok(())
}

/// Recomputes a story's counts and headline from its articles.
async fn refresh(c: &impl GenericClient, story: i64) -> R<()> {
    run(
        c,
        "refresh story counts",
        "UPDATE stories SET
             article_count = (SELECT count(*) FROM articles WHERE story_id = $1),
             source_count = (SELECT count(DISTINCT source_id) FROM articles WHERE story_id = $1),
             first_seen = coalesce((SELECT min(sort_at) FROM articles WHERE story_id = $1), 'epoch'),
             last_seen = coalesce((SELECT max(sort_at) FROM articles WHERE story_id = $1), 'epoch'),
             original_share = coalesce((SELECT avg(CASE WHEN syndicated THEN 0.0 ELSE 1.0 END)::float8
                                        FROM articles WHERE story_id = $1), 1.0),
             headline = coalesce((SELECT title FROM articles WHERE story_id = $1
                                  ORDER BY syndicated, sort_at, id LIMIT 1), '')
         WHERE id = $1",
        &[&story],
    )
    .await?;
    Ok(())
}

pub(crate) async fn get_one(c: &impl GenericClient, id: StoryId) -> R<Option<Story>> {
    let sql = format!("SELECT {STORY_COLS} FROM stories WHERE id = $1");
    first(c, "get story", &sql, &[&id.0])
        .await?
        .as_ref()
        .map(rows::story)
        .transpose()
}

pub(crate) async fn of_article(c: &impl GenericClient, article: ArticleId) -> R<Option<ArticleStory>> {
    let row = first(
        c,
        "get article story",
        "SELECT story_id, syndicated, origin FROM articles WHERE id = $1 AND story_id IS NOT NULL",
        &[&article.0],
    )
    .await?;
    row.map(|r| {
        Ok(ArticleStory {
            story: StoryId(get(&r, "story_id")?),
            syndicated: get(&r, "syndicated")?,
            origin: get(&r, "origin")?,
        })
    })
    .transpose()
}

pub(crate) async fn articles(c: &impl GenericClient, id: StoryId) -> R<Vec<StoryArticle>> {
    let sql = format!(
        "SELECT {CARD_COLS}, a.syndicated AS syndicated, a.origin AS origin
         FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE a.story_id = $1 AND a.status <> 'pending' ORDER BY a.sort_at, a.id"
    );
    let rows = all(c, "list story articles", &sql, &[&id.0]).await?;
    each(&rows, |r| {
        Ok(StoryArticle {
            card: rows::card(r)?,
            syndicated: get(r, "syndicated")?,
            origin: get(r, "origin")?,
        })
    })
}

pub(crate) async fn top(c: &impl GenericClient, limit: usize, now: DateTime<Utc>) -> R<Vec<Story>> {
    let sql = format!(
        "SELECT {STORY_COLS} FROM stories WHERE last_seen >= $1 AND article_count > 0
         ORDER BY last_seen DESC, id DESC LIMIT $2"
    );
    let rows = all(
        c,
        "list recent stories",
        &sql,
        &[&ms(top_since(now)), &int(TOP_CANDIDATES)],
    )
    .await?;
    Ok(rank_top(each(&rows, rows::story)?, now, limit))
}

pub(crate) async fn related(c: &impl GenericClient, article: ArticleId, limit: usize) -> R<Vec<RelatedArticle>> {
    let Some(row) = first(
        c,
        "get article story",
        "SELECT story_id, source_id FROM articles WHERE id = $1 AND story_id IS NOT NULL",
        &[&article.0],
    )
    .await?
    else {
        return Ok(Vec::new());
    };
    let (story, source): (i64, i64) = (get(&row, "story_id")?, get(&row, "source_id")?);
    let same = format!(
        "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE a.story_id = $1 AND a.id <> $2 AND a.status <> 'pending'
         ORDER BY a.source_id = $3, a.sort_at DESC, a.id DESC LIMIT $4"
    );
    let rows = all(
        c,
        "list same-story articles",
        &same,
        &[&story, &article.0, &source, &int(limit)],
    )
    .await?;
    let mut out = each(&rows, |r| {
        Ok(RelatedArticle {
            card: rows::card(r)?,
            same_story: true,
        })
    })?;
    if out.len() < limit {
        out.extend(from_related_stories(c, story, limit - out.len()).await?);
    }
    Ok(out)
}

/// Articles of the stories linked to `story`, ranked by `policy::rank_related`.
async fn from_related_stories(c: &impl GenericClient, story: i64, limit: usize) -> R<Vec<RelatedArticle>> {
    let rows = all(
        c,
        "list related stories",
        "SELECT l.related_id, l.score, s.last_seen FROM story_links l JOIN stories s ON s.id = l.related_id
         WHERE l.story_id = $1 ORDER BY l.score DESC, l.related_id LIMIT $2",
        &[&story, &int(RELATED_STORIES)],
    )
    .await?;
    let linked = each(&rows, |r| {
        Ok((get(r, "related_id")?, get(r, "score")?, get(r, "last_seen")?))
    })?;
    let sql = format!(
        "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE a.story_id = $1 AND a.status <> 'pending' ORDER BY a.sort_at DESC, a.id DESC LIMIT $2"
    );
    let mut out = Vec::new();
    for id in rank_related(&linked) {
        let rows = all(c, "list related story articles", &sql, &[&id, &int(PER_RELATED_STORY)]).await?;
        for r in &rows {
            out.push(RelatedArticle {
                card: rows::card(r)?,
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

pub(crate) async fn seeds(c: &impl GenericClient, since: DateTime<Utc>) -> R<Vec<ClusterSeed>> {
    let rows = all(
        c,
        "list clustering seeds",
        "SELECT a.id, a.story_id, a.title, left(a.text, ($2::BIGINT)::INT) AS lead, s.name, a.byline,
                a.published_at, a.syndicated, a.origin
         FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE a.story_id IS NOT NULL AND a.sort_at >= $1 ORDER BY a.id",
        &[&ms(since), &SEED_LEAD_CHARS],
    )
    .await?;
    each(&rows, |r| {
        Ok(ClusterSeed {
            article: ArticleId(get(r, "id")?),
            story: StoryId(get(r, "story_id")?),
            title: get(r, "title")?,
            lead: get(r, "lead")?,
            source: get(r, "name")?,
            byline: get(r, "byline")?,
            published_at: get(r, "published_at")?,
            syndicated: get(r, "syndicated")?,
            origin: get(r, "origin")?,
        })
    })
}
