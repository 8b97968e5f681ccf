//! Crawl leases on the `hosts` table, and the story writer's queue.
//!
//! One process owns a SQLite file, so leases here only keep that process's
//! crawl tasks apart; the rules are PostgreSQL's, for the same tests.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use newsdesk_domain::{Article, ArticleId, Feed, FeedId};
use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{self, millis, opt_time, sql_int, time, Ctx, ARTICLE_COLS, FEED_COLS};
use super::{lock, stories, write_on};
use crate::{HostLease, Result, StoreError, StoredRobots, StoryAssignment, StoryLead};

/// Makes sure `host` has a row, so its work can be leased.
pub(crate) fn ensure(conn: &Connection, host: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO hosts (host) VALUES (?1)")
        .and_then(|mut st| st.execute([host]))
        .ctx("add host")?;
    Ok(())
}

/// Notes that a page waits on `host`.
pub(crate) fn mark_pages(conn: &Connection, host: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO hosts (host, pages_pending) VALUES (?1, 1)
         ON CONFLICT (host) DO UPDATE SET pages_pending = 1 WHERE NOT pages_pending",
    )
    .and_then(|mut st| st.execute([host]))
    .ctx("mark host with pages")?;
    Ok(())
}

/// Brings the host's first feed due time up to date after a feed of it
/// was added, polled or removed.
pub(crate) fn refresh_feeds(conn: &Connection, host: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE hosts SET feeds_due_at = (SELECT min(next_check_at) FROM feeds WHERE host = ?1)
         WHERE host = ?1",
    )
    .and_then(|mut st| st.execute([host]))
    .ctx("refresh host's feed time")?;
    Ok(())
}

/// [`refresh_feeds`] for the host of `feed`.
pub(crate) fn refresh_feeds_of(conn: &Connection, feed: FeedId) -> Result<()> {
    let host: Option<String> = conn
        .prepare_cached("SELECT host FROM feeds WHERE id = ?1")
        .and_then(|mut st| st.query_row([feed.0], |r| r.get(0)).optional())
        .ctx("find feed's host")?;
    match host {
        Some(host) => refresh_feeds(conn, &host),
        None => Ok(()),
    }
}

/// Leases hosts with waiting pages first, then hosts with a due feed; each
/// walk goes in contact order over an index of hosts with that work and
/// stops at `limit`, however many hosts are idle.
pub(crate) fn claim(
    conn: &Connection,
    worker: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    skip: &[String],
    limit: usize,
) -> Result<Vec<HostLease>> {
    let skip = serde_json::to_string(skip).unwrap_or_else(|_| "[]".into());
    let mut leases = Vec::new();
    for work in ["pages_pending", "feeds_due_at <= ?2"] {
        let wanted = limit.saturating_sub(leases.len());
        if wanted == 0 {
            break;
        }
        let sql = format!(
            "UPDATE hosts SET lease_holder = ?1, lease_until = ?3
             WHERE host IN (
                 SELECT host FROM hosts
                 WHERE {work} AND (lease_until IS NULL OR lease_until < ?2)
                   AND host NOT IN (SELECT value FROM json_each(?4))
                 ORDER BY next_fetch_at, host LIMIT ?5)
             RETURNING host, next_fetch_at, robots, robots_at"
        );
        let found = conn
            .prepare_cached(&sql)
            .and_then(|mut st| {
                st.query_map(
                    params![worker, millis(now), millis(until), skip, sql_int(wanted)],
                    lease,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .ctx("claim hosts")?;
        leases.extend(found);
    }
    leases.sort_by(|a, b| (a.next_fetch_at, &a.host).cmp(&(b.next_fetch_at, &b.host)));
    Ok(leases)
}

fn lease(row: &rusqlite::Row<'_>) -> rusqlite::Result<HostLease> {
    let robots = match (row.get::<_, Option<String>>("robots")?, opt_time(row, "robots_at")?) {
        (Some(body), Some(fetched_at)) => Some(StoredRobots { body, fetched_at }),
        _ => None,
    };
    Ok(HostLease {
        host: row.get("host")?,
        next_fetch_at: time(row, "next_fetch_at")?,
        robots,
    })
}

pub(crate) fn renew(conn: &Connection, host: &str, worker: &str, until: DateTime<Utc>) -> Result<bool> {
    let n = conn
        .prepare_cached("UPDATE hosts SET lease_until = ?3 WHERE host = ?1 AND lease_holder = ?2")
        .and_then(|mut st| st.execute(params![host, worker, millis(until)]))
        .ctx("renew host lease")?;
    Ok(n > 0)
}

pub(crate) fn release(
    conn: &Connection,
    host: &str,
    worker: &str,
    next_fetch_at: DateTime<Utc>,
    robots: Option<&StoredRobots>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE hosts SET lease_holder = NULL, lease_until = NULL,
             next_fetch_at = MAX(next_fetch_at, ?3),
             robots = COALESCE(?4, robots), robots_at = COALESCE(?5, robots_at),
             pages_pending = EXISTS (SELECT 1 FROM articles WHERE host = ?1 AND status = 'pending')
         WHERE host = ?1 AND lease_holder = ?2",
    )
    .and_then(|mut st| {
        st.execute(params![
            host,
            worker,
            millis(next_fetch_at),
            robots.map(|r| &r.body),
            robots.map(|r| millis(r.fetched_at)),
        ])
    })
    .ctx("release host")?;
    Ok(())
}

pub(crate) fn claim_job(
    conn: &Connection,
    name: &str,
    worker: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool> {
    let claimed = conn
        .prepare_cached(
            "INSERT INTO jobs (name, holder, lease_until) VALUES (?1, ?2, ?4)
             ON CONFLICT (name) DO UPDATE SET holder = ?2, lease_until = ?4
             WHERE jobs.done_at IS NULL AND (jobs.lease_until < ?3 OR jobs.holder = ?2)
             RETURNING name",
        )
        .and_then(|mut st| {
            st.query_row(params![name, worker, millis(now), millis(until)], |_| Ok(()))
                .optional()
        })
        .ctx("claim job")?;
    Ok(claimed.is_some())
}

/// Renews (`done` false) or finishes a job; false when `worker` lost it.
pub(crate) fn update_job(conn: &Connection, name: &str, worker: &str, at: DateTime<Utc>, done: bool) -> Result<bool> {
    let sql = if done {
        "UPDATE jobs SET done_at = ?3, lease_until = NULL WHERE name = ?1 AND holder = ?2 AND done_at IS NULL"
    } else {
        "UPDATE jobs SET lease_until = ?3 WHERE name = ?1 AND holder = ?2 AND done_at IS NULL"
    };
    let n = conn
        .prepare_cached(sql)
        .and_then(|mut st| st.execute(params![name, worker, millis(at)]))
        .ctx("update job")?;
    Ok(n > 0)
}

pub(crate) fn due_feeds(conn: &Connection, host: &str, now: DateTime<Utc>, limit: usize) -> Result<Vec<Feed>> {
    let sql = format!(
        "SELECT {FEED_COLS} FROM feeds WHERE host = ?1 AND next_check_at <= ?2
         ORDER BY next_check_at, id LIMIT ?3"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut st| {
            st.query_map(params![host, millis(now), sql_int(limit)], rows::feed)?
                .collect()
        })
        .ctx("list a host's due feeds")
}

pub(crate) fn pending(conn: &Connection, host: &str, limit: usize) -> Result<Vec<Article>> {
    let sql = format!(
        "SELECT {ARTICLE_COLS} FROM articles WHERE host = ?1 AND status = 'pending'
         ORDER BY attempts, discovered_at, id LIMIT ?2"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_map(params![host, sql_int(limit)], rows::article)?.collect())
        .ctx("list a host's pending articles")
}

/// Puts a newly stored article in the story writer's queue.
pub(crate) fn enqueue(conn: &Connection, article: ArticleId) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO cluster_queue (article_id) VALUES (?1)")
        .and_then(|mut st| st.execute([article.0]))
        .ctx("queue article for its story")?;
    Ok(())
}

/// Word that articles were stored, for a waiting story writer.
#[derive(Default)]
pub(crate) struct Stored {
    count: Mutex<u64>,
    changed: Condvar,
}

impl Stored {
    pub(crate) fn tell(&self) {
        *lock(&self.count) += 1;
        self.changed.notify_all();
    }

    fn wait(&self, timeout: Duration) -> bool {
        let guard = lock(&self.count);
        let start = *guard;
        let (_guard, result) = self
            .changed
            .wait_timeout_while(guard, timeout, |n| *n == start)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        !result.timed_out()
    }
}

/// The story lead of a SQLite store, writing through the store's own
/// writer connection.
pub(crate) struct SqliteLead {
    pub(crate) writer: Arc<Mutex<Connection>>,
    /// Held, never read: the lead lasts as long as it does.
    pub(crate) _hold: Hold,
    pub(crate) stored: Arc<Stored>,
}

/// What makes a SQLite lead exclusive.
pub(crate) enum Hold {
    /// An exclusive lock on a file beside the database: released when
    /// dropped or when the process dies, and seen by every process and
    /// every handle on the file.
    File(#[allow(dead_code)] std::fs::File), // held, never read: the lock lives while it is open
    /// For an in-memory store, which no other handle can open.
    Flag(Arc<AtomicBool>),
}

impl Hold {
    /// Takes the lead for the database at `path` (`None`: in memory).
    pub(crate) fn take(path: Option<&Path>, flag: &Arc<AtomicBool>) -> Result<Option<Hold>> {
        let Some(path) = path else {
            let taken = flag.swap(true, Ordering::AcqRel);
            return Ok((!taken).then(|| Hold::Flag(flag.clone())));
        };
        let mut name = path.as_os_str().to_owned();
        name.push(".story-lead");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&name)
            .map_err(|e| StoreError::Database(format!("open {}: {e}", Path::new(&name).display())))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Hold::File(file))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Database(format!("lock the story lead: {e}"))),
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if let Hold::Flag(flag) = self {
            flag.store(false, Ordering::Release);
        }
    }
}

impl StoryLead for SqliteLead {
    fn waiting(&self, limit: usize) -> Result<Vec<ArticleId>> {
        let conn = lock(&self.writer);
        conn.prepare_cached(
            "SELECT q.article_id FROM cluster_queue q JOIN articles a ON a.id = q.article_id
             ORDER BY a.discovered_at, q.article_id LIMIT ?1",
        )
        .and_then(|mut st| st.query_map([sql_int(limit)], |r| Ok(ArticleId(r.get(0)?)))?.collect())
        .ctx("list articles waiting for a story")
    }

    fn assign(&self, assignment: &StoryAssignment) -> Result<()> {
        write_on(&self.writer, |tx| {
            stories::assign(tx, assignment)?;
            dequeue(tx, &[assignment.article])
        })
    }

    fn pass(&self, articles: &[ArticleId]) -> Result<()> {
        write_on(&self.writer, |tx| dequeue(tx, articles))
    }

    fn wait(&self, timeout: Duration) -> Result<bool> {
        Ok(self.stored.wait(timeout))
    }
}

fn dequeue(conn: &Connection, articles: &[ArticleId]) -> Result<()> {
    for article in articles {
        conn.prepare_cached("DELETE FROM cluster_queue WHERE article_id = ?1")
            .and_then(|mut st| st.execute([article.0]))
            .ctx("take article off the story queue")?;
    }
    Ok(())
}
