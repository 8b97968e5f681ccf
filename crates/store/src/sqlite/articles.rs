//! Queries on `articles` (and their `article_aliases`): the ingest queue,
//! page completion with canonical-URL merging, and listings.

use chrono::{DateTime, Utc};
use newsdesk_domain::{Article, ArticleId, ArticleStatus, Extracted, FeedEntry, FeedId, SourceId};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};

use super::hosts;
use super::rows::{self, millis, sort_key, sql_int, Ctx, ARTICLE_COLS, CARD_COLS};
use crate::policy::{archived_entry, host_of, non_blank, page_excerpt, MAX_ATTEMPTS};
use crate::{ArticleCard, Completed, Listing, Queued, Result, StoreError};

/// Queues feed entries as pending articles. Entries whose URL or
/// (feed, GUID) is already stored, or was seen earlier in `entries`, are
/// reported as [`Queued::Known`] and left untouched.
pub(crate) fn queue(
    conn: &Connection,
    source: SourceId,
    feed: FeedId,
    discovered_at: DateTime<Utc>,
    entries: &[FeedEntry],
) -> Result<Vec<Queued>> {
    // Validate first so a bad entry cannot leave half a batch behind.
    if let Some(bad) = entries.iter().find(|e| e.url.trim().is_empty()) {
        return Err(StoreError::Invalid(format!("feed entry {:?} has no URL", bad.guid)));
    }
    entries
        .iter()
        .map(|entry| {
            let guid = non_blank(Some(&entry.guid));
            match find_known(conn, feed, guid, entry.url.trim())? {
                Some(id) => Ok(Queued::Known(id)),
                None => insert_pending(conn, source, Some(feed), discovered_at, entry).map(Queued::New),
            }
        })
        .collect()
}

/// The article already stored under this URL or this feed's GUID, directly
/// or through an alias left by a canonicalisation or merge.
fn find_known(conn: &Connection, feed: FeedId, guid: Option<&str>, url: &str) -> Result<Option<ArticleId>> {
    conn.prepare_cached(
        "SELECT id FROM articles WHERE url = ?1
         UNION ALL SELECT id FROM articles WHERE feed_id = ?2 AND guid = ?3
         UNION ALL SELECT article_id FROM article_aliases WHERE url = ?1
         UNION ALL SELECT article_id FROM article_aliases WHERE feed_id = ?2 AND guid = ?3
         LIMIT 1",
    )
    .and_then(|mut st| st.query_row(params![url, feed.0, guid], |r| r.get(0)).optional())
    .map(|id| id.map(ArticleId))
    .ctx("look up known article")
}

fn insert_pending(
    conn: &Connection,
    source: SourceId,
    feed: Option<FeedId>,
    discovered_at: DateTime<Utc>,
    entry: &FeedEntry,
) -> Result<ArticleId> {
    let url = entry.url.trim();
    let title = non_blank(entry.title.as_deref()).unwrap_or(url);
    let host = host_of(url);
    hosts::mark_pages(conn, &host)?;
    conn.prepare_cached(
        "INSERT INTO articles (source_id, feed_id, guid, url, status, title, byline,
             published_at, discovered_at, sort_at, excerpt, feed_category, host)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .and_then(|mut st| {
        st.execute(params![
            source.0,
            feed.map(|f| f.0),
            non_blank(Some(&entry.guid)),
            url,
            title,
            non_blank(entry.author.as_deref()),
            entry.published.map(millis),
            millis(discovered_at),
            sort_key(entry.published, discovered_at),
            non_blank(entry.summary.as_deref()),
            non_blank(entry.category.as_deref()),
            host,
        ])
    })
    .ctx("insert pending article")?;
    Ok(ArticleId(conn.last_insert_rowid()))
}

pub(crate) fn get(conn: &Connection, id: ArticleId) -> Result<Option<Article>> {
    let sql = format!("SELECT {ARTICLE_COLS} FROM articles WHERE id = ?1");
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_row([id.0], rows::article).optional())
        .ctx("load article")
}

fn get_existing(conn: &Connection, id: ArticleId) -> Result<Article> {
    get(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("article {}", id.0)))
}

/// Completes `id` with its extracted page, moving it to `canonical_url` or
/// folding it into the article that already owns that URL.
pub(crate) fn complete(conn: &Connection, id: ArticleId, canonical_url: &str, page: &Extracted) -> Result<Completed> {
    let article = get_existing(conn, id)?;
    if article.status == ArticleStatus::Ready {
        return Ok(Completed::Repeat(id));
    }
    let url = non_blank(Some(canonical_url)).unwrap_or(&article.url);
    if url != article.url {
        if let Some(owner) = resolve_url(conn, url)?.filter(|&owner| owner != id) {
            merge(conn, &article, owner, page)?;
            return Ok(Completed::MergedInto(owner));
        }
        // Remember the feed's URL so the next poll recognises the entry.
        add_alias(conn, &article.url, id, &article)?;
        conn.execute("DELETE FROM article_aliases WHERE url = ?1", [url])
            .ctx("drop alias of canonical URL")?;
    }
    apply_page(conn, &article, url, page)?;
    Ok(Completed::Stored(id))
}

/// Stores a page read from an archive, fetched from `url` at `fetched_at`,
/// as a ready article of `source` under the canonical-URL policy; a page
/// whose URL is already stored (directly or as an alias) is a repeat.
pub(crate) fn store_archived(
    conn: &Connection,
    source: SourceId,
    url: &str,
    fetched_at: DateTime<Utc>,
    canonical_url: &str,
    page: &Extracted,
) -> Result<Completed> {
    if let Some(known) = resolve_url(conn, url.trim())? {
        return Ok(Completed::Repeat(known));
    }
    let id = insert_pending(conn, source, None, fetched_at, &archived_entry(url, page))?;
    complete(conn, id, canonical_url, page)
}

/// The article stored under `url`, directly or as an alias.
fn resolve_url(conn: &Connection, url: &str) -> Result<Option<ArticleId>> {
    conn.prepare_cached(
        "SELECT id FROM articles WHERE url = ?1
         UNION ALL SELECT article_id FROM article_aliases WHERE url = ?1
         LIMIT 1",
    )
    .and_then(|mut st| st.query_row([url], |r| r.get(0)).optional())
    .map(|id| id.map(ArticleId))
    .ctx("resolve URL")
}

/// Records that `url` (with the feed GUID of `from`) now means `target`.
fn add_alias(conn: &Connection, url: &str, target: ArticleId, from: &Article) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO article_aliases (url, article_id, feed_id, guid)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut st| st.execute(params![url, target.0, from.feed_id.map(|f| f.0), from.guid]))
    .ctx("record article alias")?;
    Ok(())
}

/// Deletes `article` in favour of `owner`, keeping its URL, GUID and
/// aliases as aliases of `owner`. An owner still waiting for its own fetch
/// gets this page now: it is the same canonical page.
fn merge(conn: &Connection, article: &Article, owner: ArticleId, page: &Extracted) -> Result<()> {
    conn.execute(
        "UPDATE article_aliases SET article_id = ?2 WHERE article_id = ?1",
        params![article.id.0, owner.0],
    )
    .ctx("move aliases")?;
    conn.execute("DELETE FROM articles WHERE id = ?1", [article.id.0])
        .ctx("delete merged article")?;
    add_alias(conn, &article.url, owner, article)?;
    let owner = get_existing(conn, owner)?;
    if owner.status != ArticleStatus::Ready {
        apply_page(conn, &owner, &owner.url, page)?;
    }
    Ok(())
}

/// Writes the page into `article`'s row and marks it ready. Feed-provided
/// title, byline, date and summary are kept where the page has nothing better.
fn apply_page(conn: &Connection, article: &Article, url: &str, page: &Extracted) -> Result<()> {
    let title = non_blank(page.title.as_deref()).unwrap_or(&article.title);
    let byline = non_blank(page.byline.as_deref()).or(article.byline.as_deref());
    let published = page.published.map(|t| t.to_utc()).or(article.published_at);
    let excerpt = page_excerpt(article.excerpt.as_deref(), page);
    conn.prepare_cached(
        "UPDATE articles SET url = ?2, status = 'ready', title = ?3, byline = ?4,
             published_at = ?5, sort_at = ?6, image = COALESCE(?7, image),
             lang = COALESCE(?8, lang), site_name = COALESCE(?9, site_name),
             description = COALESCE(?10, description), excerpt = ?11, text = ?12,
             html = ?13, modified_at = COALESCE(?14, modified_at), last_error = NULL
         WHERE id = ?1",
    )
    .and_then(|mut st| {
        st.execute(params![
            article.id.0,
            url,
            title,
            byline,
            published.map(millis),
            sort_key(published, article.discovered_at),
            non_blank(page.image.as_deref()),
            non_blank(page.lang.as_deref()),
            non_blank(page.site_name.as_deref()),
            non_blank(page.description.as_deref()),
            excerpt,
            page.text,
            page.html,
            page.modified.map(|t| millis(t.to_utc())),
        ])
    })
    .ctx("store extracted page")?;
    // A page fetched again may move in time; its entity links move with it.
    conn.prepare_cached("UPDATE article_entities SET sort_at = ?2 WHERE article_id = ?1")
        .and_then(|mut st| st.execute(params![article.id.0, sort_key(published, article.discovered_at)]))
        .ctx("move entity links")?;
    hosts::enqueue(conn, article.id)
}

/// Counts a failed page fetch. Ready and failed articles keep their status:
/// a failed re-fetch must not hide a page we already have.
pub(crate) fn fail(conn: &Connection, id: ArticleId, error: &str, retry: bool) -> Result<()> {
    let n = conn
        .execute(
            "UPDATE articles SET attempts = attempts + 1, last_error = ?2,
                 status = CASE
                     WHEN status <> 'pending' THEN status
                     WHEN ?3 AND attempts + 1 < ?4 THEN 'pending'
                     ELSE 'failed'
                 END
             WHERE id = ?1",
            params![id.0, error, retry, MAX_ATTEMPTS],
        )
        .ctx("record article failure")?;
    match n {
        0 => Err(StoreError::NotFound(format!("article {}", id.0))),
        _ => Ok(()),
    }
}

/// Pending articles, oldest first. Articles that already failed a fetch go
/// after fresh ones, so a flaky site cannot starve the queue.
pub(crate) fn pending(conn: &Connection, limit: usize) -> Result<Vec<Article>> {
    let sql = format!(
        "SELECT {ARTICLE_COLS} FROM articles WHERE status = 'pending'
         ORDER BY attempts, discovered_at, id LIMIT ?1"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_map([sql_int(limit)], rows::article)?.collect())
        .ctx("list pending articles")
}

/// Ready articles with ids above `after`, in id order (walks the primary key).
pub(crate) fn ready_after(conn: &Connection, after: ArticleId, limit: usize) -> Result<Vec<Article>> {
    let sql = format!("SELECT {ARTICLE_COLS} FROM articles WHERE id > ?1 AND status = 'ready' ORDER BY id LIMIT ?2");
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_map([after.0, sql_int(limit)], rows::article)?.collect())
        .ctx("list ready articles")
}

pub(crate) fn ready_ids(conn: &Connection) -> Result<Vec<ArticleId>> {
    conn.prepare_cached("SELECT id FROM articles WHERE status = 'ready' ORDER BY id")
        .and_then(|mut st| st.query_map([], |r| Ok(ArticleId(r.get(0)?)))?.collect())
        .ctx("list ready article ids")
}

/// Listed (ready or failed) articles, newest first: all, or one source's or
/// one section's.
pub(crate) fn latest(conn: &Connection, listing: Listing, limit: usize, offset: usize) -> Result<Vec<ArticleCard>> {
    // The predicates match the partial indexes' WHERE clauses verbatim.
    let (filter, key): (&str, Value) = match listing {
        Listing::All => ("a.status <> 'pending' AND ?3 IS NULL", Value::Null),
        Listing::Source(s) => ("a.status <> 'pending' AND a.source_id = ?3", Value::Integer(s.0)),
        Listing::Section(s) => (
            "a.status <> 'pending' AND a.section IS NOT NULL AND a.section = ?3",
            Value::Text(s.as_str().to_owned()),
        ),
    };
    let sql = format!(
        "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE {filter} ORDER BY a.sort_at DESC, a.id DESC LIMIT ?1 OFFSET ?2"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut st| {
            let args = params![sql_int(limit), sql_int(offset), key];
            st.query_map(args, rows::card)?.collect()
        })
        .ctx("list latest articles")
}
