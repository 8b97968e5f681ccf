//! Crawl leases on the `hosts` table, and the story writer's queue and
//! lead (see the SQLite twin). Workers claiming at once skip each other's
//! locked rows (`FOR UPDATE SKIP LOCKED`), so no host goes to two.

use std::time::Duration;

use chrono::{DateTime, Utc};
use newsdesk_domain::{Article, ArticleId, Feed, FeedId};
use newsdesk_postgres::{GenericClient, Session};

use super::rows::{self, all, each, first, get, int, ms, run, Fail, ARTICLE_COLS, FEED_COLS, R};
use super::stories;
use crate::{HostLease, Result, StoreError, StoredRobots, StoryAssignment, StoryLead};

/// The session-level advisory lock the story writer holds ("newslead").
const STORY_LEAD_LOCK: i64 = 0x6e65_7773_6c65_6164;
/// The channel a stored article is announced on.
pub(crate) const STORED_CHANNEL: &str = "newsdesk_stored";

/// Makes sure `host` has a row, so its work can be leased.
pub(crate) async fn ensure(c: &impl GenericClient, host: &str) -> R<()> {
    run(
        c,
        "add host",
        "INSERT INTO hosts (host) VALUES ($1) ON CONFLICT DO NOTHING",
        &[&host],
    )
    .await?;
    Ok(())
}

/// Notes that a page waits on `host`. The row stays locked until the
/// transaction commits, which is what makes [`release`]'s recount safe.
pub(crate) async fn mark_pages(c: &impl GenericClient, host: &str) -> R<()> {
    run(
        c,
        "mark host with pages",
        "INSERT INTO hosts (host, pages_pending) VALUES ($1, TRUE)
         ON CONFLICT (host) DO UPDATE SET pages_pending = TRUE WHERE NOT hosts.pages_pending",
        &[&host],
    )
    .await?;
    Ok(())
}

/// Brings the host's first feed due time up to date after a feed of it
/// was added, polled or removed.
pub(crate) async fn refresh_feeds(c: &impl GenericClient, host: &str) -> R<()> {
    run(
        c,
        "refresh host's feed time",
        "UPDATE hosts SET feeds_due_at = (SELECT min(next_check_at) FROM feeds WHERE host = $1)
         WHERE host = $1",
        &[&host],
    )
    .await?;
    Ok(())
}

/// [`refresh_feeds`] for the host of `feed`.
pub(crate) async fn refresh_feeds_of(c: &impl GenericClient, feed: FeedId) -> R<()> {
    let row = rows::first(
        c,
        "find feed's host",
        "SELECT host FROM feeds WHERE id = $1",
        &[&feed.0],
    )
    .await?;
    match row {
        Some(row) => refresh_feeds(c, &get::<String>(&row, "host")?).await,
        None => Ok(()),
    }
}

/// Leases hosts with waiting pages first, then hosts with a due feed: each
/// walk goes in contact order over an index of hosts with that work,
/// passes over rows other claimers hold, and stops at `limit`, however
/// many hosts are idle.
pub(crate) async fn claim(
    c: &impl GenericClient,
    worker: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    skip: &[String],
    limit: usize,
) -> R<Vec<HostLease>> {
    let mut rows = Vec::new();
    for work in ["pages_pending", "feeds_due_at <= $2"] {
        let wanted = limit.saturating_sub(rows.len());
        if wanted == 0 {
            break;
        }
        let sql = format!(
            "WITH due AS (
                 SELECT host FROM hosts
                 WHERE {work} AND (lease_until IS NULL OR lease_until < $2) AND host <> ALL($4)
                 ORDER BY next_fetch_at, host COLLATE \"C\" LIMIT $5
                 FOR UPDATE SKIP LOCKED)
             UPDATE hosts SET lease_holder = $1, lease_until = $3 FROM due WHERE hosts.host = due.host
             RETURNING hosts.host, hosts.next_fetch_at, hosts.robots, hosts.robots_at"
        );
        let args: rows::Params = &[&worker, &ms(now), &ms(until), &skip, &int(wanted)];
        rows.extend(all(c, "claim hosts", &sql, args).await?);
    }
    let mut leases = each(&rows, |row| {
        let robots = match (get::<Option<String>>(row, "robots")?, get(row, "robots_at")?) {
            (Some(body), Some(fetched_at)) => Some(StoredRobots { body, fetched_at }),
            _ => None,
        };
        Ok(HostLease {
            host: get(row, "host")?,
            next_fetch_at: get(row, "next_fetch_at")?,
            robots,
        })
    })?;
    leases.sort_by(|a, b| (a.next_fetch_at, &a.host).cmp(&(b.next_fetch_at, &b.host)));
    Ok(leases)
}

pub(crate) async fn renew(c: &impl GenericClient, host: &str, worker: &str, until: DateTime<Utc>) -> R<bool> {
    let n = run(
        c,
        "renew host lease",
        "UPDATE hosts SET lease_until = $3 WHERE host = $1 AND lease_holder = $2",
        &[&host, &worker, &ms(until)],
    )
    .await?;
    Ok(n > 0)
}

pub(crate) async fn release(
    c: &impl GenericClient,
    host: &str,
    worker: &str,
    next_fetch_at: DateTime<Utc>,
    robots: Option<&StoredRobots>,
) -> R<()> {
    // Locked first, so that the recount below, a statement of its own,
    // sees every page queued by a transaction that held the row.
    let held = first(
        c,
        "lock host",
        "SELECT host FROM hosts WHERE host = $1 AND lease_holder = $2 FOR UPDATE",
        &[&host, &worker],
    )
    .await?;
    if held.is_none() {
        return Ok(());
    }
    run(
        c,
        "release host",
        "UPDATE hosts SET lease_holder = NULL, lease_until = NULL,
             next_fetch_at = GREATEST(next_fetch_at, $3),
             robots = COALESCE($4, robots), robots_at = COALESCE($5, robots_at),
             pages_pending = EXISTS (SELECT 1 FROM articles WHERE host = $1 AND status = 'pending')
         WHERE host = $1 AND lease_holder = $2",
        &[
            &host,
            &worker,
            &ms(next_fetch_at),
            &robots.map(|r| &r.body),
            &robots.map(|r| ms(r.fetched_at)),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn claim_job(
    c: &impl GenericClient,
    name: &str,
    worker: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> R<bool> {
    let claimed = first(
        c,
        "claim job",
        "INSERT INTO jobs (name, holder, lease_until) VALUES ($1, $2, $4)
         ON CONFLICT (name) DO UPDATE SET holder = $2, lease_until = $4
         WHERE jobs.done_at IS NULL AND (jobs.lease_until < $3 OR jobs.holder = $2)
         RETURNING name",
        &[&name, &worker, &ms(now), &ms(until)],
    )
    .await?;
    Ok(claimed.is_some())
}

/// Renews (`done` false) or finishes a job; false when `worker` lost it.
pub(crate) async fn update_job(
    c: &impl GenericClient,
    name: &str,
    worker: &str,
    at: DateTime<Utc>,
    done: bool,
) -> R<bool> {
    let sql = if done {
        "UPDATE jobs SET done_at = $3, lease_until = NULL WHERE name = $1 AND holder = $2 AND done_at IS NULL"
    } else {
        "UPDATE jobs SET lease_until = $3 WHERE name = $1 AND holder = $2 AND done_at IS NULL"
    };
    Ok(run(c, "update job", sql, &[&name, &worker, &ms(at)]).await? > 0)
}

pub(crate) async fn due_feeds(c: &impl GenericClient, host: &str, now: DateTime<Utc>, limit: usize) -> R<Vec<Feed>> {
    let sql = format!(
        "SELECT {FEED_COLS} FROM feeds WHERE host = $1 AND next_check_at <= $2
         ORDER BY next_check_at, id LIMIT $3"
    );
    let rows = all(c, "list a host's due feeds", &sql, &[&host, &ms(now), &int(limit)]).await?;
    each(&rows, rows::feed)
}

pub(crate) async fn pending(c: &impl GenericClient, host: &str, limit: usize) -> R<Vec<Article>> {
    let sql = format!(
        "SELECT {ARTICLE_COLS} FROM articles WHERE host = $1 AND status = 'pending'
         ORDER BY attempts, discovered_at, id LIMIT $2"
    );
    let rows = all(c, "list a host's pending articles", &sql, &[&host, &int(limit)]).await?;
    each(&rows, rows::article)
}

/// Puts a newly stored article in the story writer's queue and wakes the
/// writer (the notification goes out when the transaction commits).
pub(crate) async fn enqueue(c: &impl GenericClient, article: ArticleId) -> R<()> {
    run(
        c,
        "queue article for its story",
        "INSERT INTO cluster_queue (article_id) VALUES ($1) ON CONFLICT DO NOTHING",
        &[&article.0],
    )
    .await?;
    run(
        c,
        "announce stored article",
        "SELECT pg_notify($1, '')",
        &[&STORED_CHANNEL],
    )
    .await?;
    Ok(())
}

/// The story lead on PostgreSQL: a session of its own holding the
/// advisory lock and listening for stored articles. Its decisions go
/// through that session, so a holder whose connection (and with it the
/// lock) is gone cannot write.
pub(crate) struct PgLead {
    session: Session,
}

impl PgLead {
    /// Takes the lead, or `None` when another session holds it.
    pub(crate) fn take(url: &str) -> Result<Option<PgLead>> {
        let session = Session::connect(url, "newsdesk story writer").map_err(db)?;
        let held = session
            .write(async |tx| {
                let row = rows::first(
                    tx,
                    "take the story lead",
                    "SELECT pg_try_advisory_lock($1) AS held",
                    &[&STORY_LEAD_LOCK],
                )
                .await?;
                let held = row.map(|r| get::<bool>(&r, "held")).transpose()?.unwrap_or(false);
                if held {
                    run(
                        tx,
                        "listen for stored articles",
                        &format!("LISTEN {STORED_CHANNEL}"),
                        &[],
                    )
                    .await?;
                }
                Ok::<_, Fail>(held)
            })
            .map_err(StoreError::from)?;
        Ok(held.then_some(PgLead { session }))
    }
}

fn db(e: newsdesk_postgres::PgError) -> StoreError {
    StoreError::Database(e.to_string())
}

impl StoryLead for PgLead {
    fn waiting(&self, limit: usize) -> Result<Vec<ArticleId>> {
        self.session
            .write(async |tx| {
                let rows = all(
                    tx,
                    "list articles waiting for a story",
                    "SELECT q.article_id FROM cluster_queue q JOIN articles a ON a.id = q.article_id
                     ORDER BY a.discovered_at, q.article_id LIMIT $1",
                    &[&int(limit)],
                )
                .await?;
                each(&rows, |r| get(r, "article_id").map(ArticleId))
            })
            .map_err(StoreError::from)
    }

    fn assign(&self, assignment: &StoryAssignment) -> Result<()> {
        self.session
            .write(async |tx| {
                stories::assign(tx, assignment).await?;
                dequeue(tx, &[assignment.article]).await
            })
            .map_err(StoreError::from)
    }

    fn pass(&self, articles: &[ArticleId]) -> Result<()> {
        self.session
            .write(async |tx| dequeue(tx, articles).await)
            .map_err(StoreError::from)
    }

    fn wait(&self, timeout: Duration) -> Result<bool> {
        self.session.wait(timeout).map_err(db)
    }
}

async fn dequeue(c: &impl GenericClient, articles: &[ArticleId]) -> R<()> {
    let ids: Vec<i64> = articles.iter().map(|a| a.0).collect();
    run(
        c,
        "take articles off the story queue",
        "DELETE FROM cluster_queue WHERE article_id = ANY($1)",
        &[&ids],
    )
    .await?;
    Ok(())
}
