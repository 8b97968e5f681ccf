//! Queries on `articles` and `article_aliases`: the ingest queue, page
//! completion with canonical-URL merging, and listings.

use chrono::{DateTime, Utc};
use newsdesk_domain::{Article, ArticleId, ArticleStatus, Extracted, FeedEntry, FeedId, SourceId};
use newsdesk_postgres::{GenericClient, ToSql};

use super::hosts;
use super::rows::{self, all, each, first, get, int, ms, run, run_racing, ARTICLE_COLS, CARD_COLS, R};
use crate::policy::{archived_entry, host_of, non_blank, page_excerpt, sort_time, MAX_ATTEMPTS};
use crate::{ArticleCard, Completed, Listing, Queued, StoreError};

/// Queues feed entries as pending articles (see the SQLite twin). An entry
/// queued at the same moment by another process is reported as known.
pub(crate) async fn queue(
    c: &impl GenericClient,
    source: SourceId,
    feed: FeedId,
    discovered_at: DateTime<Utc>,
    entries: &[FeedEntry],
) -> R<Vec<Queued>> {
    if let Some(bad) = entries.iter().find(|e| e.url.trim().is_empty()) {
        return Err(StoreError::Invalid(format!("feed entry {:?} has no URL", bad.guid)).into());
    }
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let guid = non_blank(Some(&entry.guid));
        let url = entry.url.trim();
        let queued = match find_known(c, feed, guid, url).await? {
            Some(id) => Queued::Known(id),
            None => match insert_pending(c, source, Some(feed), discovered_at, entry).await? {
                Some(id) => Queued::New(id),
                None => Queued::Known(
                    find_known(c, feed, guid, url)
                        .await?
                        .ok_or_else(|| StoreError::Database(format!("{url} was queued and is gone")))?,
                ),
            },
        };
        out.push(queued);
    }
    Ok(out)
}

/// The article already stored under this URL or this feed's GUID, directly
/// or through an alias.
async fn find_known(c: &impl GenericClient, feed: FeedId, guid: Option<&str>, url: &str) -> R<Option<ArticleId>> {
    let row = first(
        c,
        "look up known article",
        "SELECT id FROM articles WHERE url = $1
         UNION ALL SELECT id FROM articles WHERE feed_id = $2 AND guid = $3
         UNION ALL SELECT article_id FROM article_aliases WHERE url = $1
         UNION ALL SELECT article_id FROM article_aliases WHERE feed_id = $2 AND guid = $3
         LIMIT 1",
        &[&url, &feed.0, &guid],
    )
    .await?;
    row.map(|r| get(&r, "id").map(ArticleId)).transpose()
}

/// Inserts a pending row; `None` when a concurrent call stored the same
/// URL or GUID first.
async fn insert_pending(
    c: &impl GenericClient,
    source: SourceId,
    feed: Option<FeedId>,
    discovered_at: DateTime<Utc>,
    entry: &FeedEntry,
) -> R<Option<ArticleId>> {
    let url = entry.url.trim();
    let title = non_blank(entry.title.as_deref()).unwrap_or(url);
    let host = host_of(url);
    hosts::mark_pages(c, &host).await?;
    let row = first(
        c,
        "insert pending article",
        "INSERT INTO articles (source_id, feed_id, guid, url, status, title, byline,
             published_at, discovered_at, sort_at, excerpt, feed_category, host)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT DO NOTHING RETURNING id",
        &[
            &source.0,
            &feed.map(|f| f.0),
            &non_blank(Some(&entry.guid)),
            &url,
            &title,
            &non_blank(entry.author.as_deref()),
            &entry.published.map(ms),
            &ms(discovered_at),
            &ms(sort_time(entry.published, discovered_at)),
            &non_blank(entry.summary.as_deref()),
            &non_blank(entry.category.as_deref()),
            &host,
        ],
    )
    .await?;
    row.map(|r| get(&r, "id").map(ArticleId)).transpose()
}

pub(crate) async fn get_one(c: &impl GenericClient, id: ArticleId) -> R<Option<Article>> {
    let sql = format!("SELECT {ARTICLE_COLS} FROM articles WHERE id = $1");
    first(c, "load article", &sql, &[&id.0])
        .await?
        .as_ref()
        .map(rows::article)
        .transpose()
}

/// The article, locked until the transaction ends: completing and merging
/// read it and then decide.
async fn lock(c: &impl GenericClient, id: ArticleId) -> R<Article> {
    let sql = format!("SELECT {ARTICLE_COLS} FROM articles WHERE id = $1 FOR UPDATE");
    match first(c, "lock article", &sql, &[&id.0]).await? {
        Some(row) => rows::article(&row),
        None => Err(StoreError::NotFound(format!("article {}", id.0)).into()),
    }
}

/// Stores a page read from an archive (see the SQLite twin). When another
/// process stores the same URL at once, its row wins and this is a repeat.
pub(crate) async fn store_archived(
    c: &impl GenericClient,
    source: SourceId,
    url: &str,
    fetched_at: DateTime<Utc>,
    canonical_url: &str,
    page: &Extracted,
) -> R<Completed> {
    if let Some(known) = resolve_url(c, url.trim()).await? {
        return Ok(Completed::Repeat(known));
    }
    let entry = archived_entry(url, page);
    match insert_pending(c, source, None, fetched_at, &entry).await? {
        Some(id) => complete(c, id, canonical_url, page).await,
        None => resolve_url(c, url.trim())
            .await?
            .map(Completed::Repeat)
            .ok_or_else(|| StoreError::Database(format!("{url} was stored and is gone")).into()),
    }
}

/// Completes `id` with its extracted page, moving it to `canonical_url` or
/// folding it into the article that already owns that URL. Two pages
/// completing onto one new URL at once: the second's update meets the
/// first's row, and its transaction runs again and merges.
pub(crate) async fn complete(
    c: &impl GenericClient,
    id: ArticleId,
    canonical_url: &str,
    page: &Extracted,
) -> R<Completed> {
    let article = lock(c, id).await?;
    if article.status == ArticleStatus::Ready {
        return Ok(Completed::Repeat(id));
    }
    let url = non_blank(Some(canonical_url)).unwrap_or(&article.url);
    if url != article.url {
        if let Some(owner) = resolve_url(c, url).await?.filter(|&owner| owner != id) {
            merge(c, &article, owner, page).await?;
            return Ok(Completed::MergedInto(owner));
        }
        add_alias(c, &article.url, id, &article).await?;
        run(
            c,
            "drop alias of canonical URL",
            "DELETE FROM article_aliases WHERE url = $1",
            &[&url],
        )
        .await?;
    }
    apply_page(c, &article, url, page).await?;
    Ok(Completed::Stored(id))
}

async fn resolve_url(c: &impl GenericClient, url: &str) -> R<Option<ArticleId>> {
    let row = first(
        c,
        "resolve URL",
        "SELECT id FROM articles WHERE url = $1
         UNION ALL SELECT article_id FROM article_aliases WHERE url = $1
         LIMIT 1",
        &[&url],
    )
    .await?;
    row.map(|r| get(&r, "id").map(ArticleId)).transpose()
}

async fn add_alias(c: &impl GenericClient, url: &str, target: ArticleId, from: &Article) -> R<()> {
    run(
        c,
        "record article alias",
        "INSERT INTO article_aliases (url, article_id, feed_id, guid) VALUES ($1, $2, $3, $4)
         ON CONFLICT (url) DO UPDATE SET article_id = excluded.article_id,
             feed_id = excluded.feed_id, guid = excluded.guid",
        &[&url, &target.0, &from.feed_id.map(|f| f.0), &from.guid],
    )
    .await?;
    Ok(())
}

/// Deletes `article` in favour of `owner` (see the SQLite twin).
async fn merge(c: &impl GenericClient, article: &Article, owner: ArticleId, page: &Extracted) -> R<()> {
    let owner = lock(c, owner).await?;
    run(
        c,
        "move aliases",
        "UPDATE article_aliases SET article_id = $2 WHERE article_id = $1",
        &[&article.id.0, &owner.id.0],
    )
    .await?;
    run(
        c,
        "delete merged article",
        "DELETE FROM articles WHERE id = $1",
        &[&article.id.0],
    )
    .await?;
    add_alias(c, &article.url, owner.id, article).await?;
    if owner.status != ArticleStatus::Ready {
        apply_page(c, &owner, &owner.url, page).await?;
    }
    Ok(())
}

/// Writes the page into the article's row and marks it ready.
async fn apply_page(c: &impl GenericClient, article: &Article, url: &str, page: &Extracted) -> R<()> {
    let title = non_blank(page.title.as_deref()).unwrap_or(&article.title);
    let byline = non_blank(page.byline.as_deref()).or(article.byline.as_deref());
    let published = page.published.map(|t| t.to_utc()).or(article.published_at);
    let excerpt = page_excerpt(article.excerpt.as_deref(), page);
    run_racing(
        c,
        "store extracted page",
        "UPDATE articles SET url = $2, status = 'ready', title = $3, byline = $4,
             published_at = $5, sort_at = $6, image = COALESCE($7, image),
             lang = COALESCE($8, lang), site_name = COALESCE($9, site_name),
             description = COALESCE($10, description), excerpt = $11, text = $12,
             html = $13, modified_at = COALESCE($14, modified_at), last_error = NULL
         WHERE id = $1",
        &[
            &article.id.0,
            &url,
            &title,
            &byline,
            &published.map(ms),
            &ms(sort_time(published, article.discovered_at)),
            &non_blank(page.image.as_deref()),
            &non_blank(page.lang.as_deref()),
            &non_blank(page.site_name.as_deref()),
            &non_blank(page.description.as_deref()),
            &excerpt,
            &page.text,
            &page.html,
            &page.modified.map(|t| ms(t.to_utc())),
        ],
    )
    .await?;
    // A page fetched again may move in time; its entity links move with it.
    run(
        c,
        "move entity links",
        "UPDATE article_entities SET sort_at = $2 WHERE article_id = $1",
        &[&article.id.0, &ms(sort_time(published, article.discovered_at))],
    )
    .await?;
    hosts::enqueue(c, article.id).await
}

/// Counts a failed page fetch (see the SQLite twin).
pub(crate) async fn fail(c: &impl GenericClient, id: ArticleId, error: &str, retry: bool) -> R<()> {
    let n = run(
        c,
        "record article failure",
        "UPDATE articles SET attempts = attempts + 1, last_error = $2,
             status = CASE
                 WHEN status <> 'pending' THEN status
                 WHEN $3 AND attempts + 1 < $4 THEN 'pending'
                 ELSE 'failed'
             END
         WHERE id = $1",
        &[&id.0, &error, &retry, &MAX_ATTEMPTS],
    )
    .await?;
    match n {
        0 => Err(StoreError::NotFound(format!("article {}", id.0)).into()),
        _ => Ok(()),
    }
}

pub(crate) async fn pending(c: &impl GenericClient, limit: usize) -> R<Vec<Article>> {
    let sql = format!(
        "SELECT {ARTICLE_COLS} FROM articles WHERE status = 'pending'
         ORDER BY attempts, discovered_at, id LIMIT $1"
    );
    each(
        &all(c, "list pending articles", &sql, &[&int(limit)]).await?,
        rows::article,
    )
}

pub(crate) async fn ready_after(c: &impl GenericClient, after: ArticleId, limit: usize) -> R<Vec<Article>> {
    let sql = format!("SELECT {ARTICLE_COLS} FROM articles WHERE id > $1 AND status = 'ready' ORDER BY id LIMIT $2");
    each(
        &all(c, "list ready articles", &sql, &[&after.0, &int(limit)]).await?,
        rows::article,
    )
}

pub(crate) async fn ready_ids(c: &impl GenericClient) -> R<Vec<ArticleId>> {
    let rows = all(
        c,
        "list ready article ids",
        "SELECT id FROM articles WHERE status = 'ready' ORDER BY id",
        &[],
    )
    .await?;
    each(&rows, |r| get(r, "id").map(ArticleId))
}

/// Listed (ready or failed) articles, newest first: all, or one source's or
/// one section's.
pub(crate) async fn latest(
    c: &impl GenericClient,
    listing: Listing,
    limit: usize,
    offset: usize,
) -> R<Vec<ArticleCard>> {
    let (filter, key): (&str, Box<dyn ToSql + Sync + Send>) = match listing {
        Listing::All => ("a.status <> 'pending' AND $3::BIGINT IS NULL", Box::new(None::<i64>)),
        Listing::Source(s) => ("a.status <> 'pending' AND a.source_id = $3", Box::new(s.0)),
        Listing::Section(s) => (
            "a.status <> 'pending' AND a.section IS NOT NULL AND a.section = $3",
            Box::new(s.as_str()),
        ),
    };
    let sql = format!(
        "SELECT {CARD_COLS} FROM articles a JOIN sources s ON s.id = a.source_id
         WHERE {filter} ORDER BY a.sort_at DESC, a.id DESC LIMIT $1 OFFSET $2"
    );
    let args: rows::Params = &[&int(limit), &int(offset), key.as_ref()];
    each(&all(c, "list latest articles", &sql, args).await?, rows::card)
}
