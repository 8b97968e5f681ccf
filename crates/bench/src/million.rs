//! A million-article PostgreSQL database, and what running one costs
//! (issue #18): `seed` writes the archive of [`crate::generate`] with
//! binary `COPY`, a few statements per 5,000 articles where the store
//! makes several per article; `lag`
//! watches the story queue while something ingests, for how long a stored
//! article waits for its story; `bloat` makes a million updates of the
//! rows the crawl updates most and reports what the tables grow to.
//!
//! The page latency under ingest is measured from outside, by
//! `bench/million.sh`, which drives these with `newsdesk serve`,
//! `newsdesk import warc` and wrk.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use newsdesk_domain::Analysis;
use newsdesk_postgres::{PgError, Postgres, ToSql, Transaction};
use newsdesk_store::{PostgresStore, Store};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use crate::generate::{self, Archive, Synthetic, SOURCES};

/// Articles written per transaction: a failed chunk is all that is lost.
const CHUNK: usize = 5_000;

/// What `seed` writes.
pub struct Seed {
    /// An empty PostgreSQL database (postgres://…).
    pub database: String,
    /// Ready articles, each with its analysis and story.
    pub articles: usize,
    /// Host rows, the sources' own among them, as a crawl of that many sites leaves.
    pub hosts: usize,
}

/// Ids the store would have given, so rows can reference each other before
/// they are written: article `i` is `i + 1`, and a story takes its
/// founding article's id, as the clusterer's stories do.
fn article_id(i: usize) -> i64 {
    i as i64 + 1
}

/// Writes the archive and prints how long each part took.
pub fn seed(b: &Seed) -> Result<()> {
    let store = PostgresStore::connect(&b.database).context("connecting the store (an empty database)")?;
    let now = Utc::now();
    let mut feeds = Vec::with_capacity(SOURCES);
    for i in 0..SOURCES {
        let homepage = format!("https://{}/", generate::host(i));
        let source = store.upsert_source(&format!("Bench Source {i}"), Some(&homepage))?;
        let feed = store.add_feed(source.id, &format!("{homepage}feed.xml"))?;
        feeds.push((source.id.0, feed.id.0));
    }
    let pg = Postgres::connect(&b.database, 1)?;
    let started = Instant::now();
    copy_stories(&pg, b.articles)?;
    let mut archive = Archive::new(b.articles, now);
    let mut entities = Entities::default();
    for start in (0..b.articles).step_by(CHUNK) {
        let chunk: Vec<(i64, Synthetic)> = (start..(start + CHUNK).min(b.articles))
            .map(|i| (article_id(i), archive.article(i)))
            .collect();
        let new_entities = entities.add(&chunk);
        pg.write(async |tx| {
            copy_entities(tx, &new_entities).await?;
            copy_articles(tx, &chunk, &feeds, now).await?;
            copy_analyses(tx, &chunk, &entities, now).await
        })?;
        if (start / CHUNK) % 20 == 19 {
            eprintln!("{} articles in {:.0?}", start + chunk.len(), started.elapsed());
        }
    }
    println!(
        "copied {} articles, their analyses and {} entities in {:.1?}",
        b.articles,
        entities.ids.len(),
        started.elapsed()
    );
    let started = Instant::now();
    finish(&pg, b)?;
    println!(
        "linked and counted stories, made hosts and analysed in {:.1?}",
        started.elapsed()
    );
    Ok(())
}

/// Entity ids by name, given in order of first mention.
#[derive(Default)]
struct Entities {
    ids: HashMap<String, i64>,
}

impl Entities {
    /// Gives ids to the chunk's new names; returns them for copying.
    fn add(&mut self, chunk: &[(i64, Synthetic)]) -> Vec<(i64, String, &'static str)> {
        let mut new = Vec::new();
        for (_, article) in chunk {
            for e in &article.analysis.entities {
                if !self.ids.contains_key(&e.name) {
                    let id = self.ids.len() as i64 + 1;
                    self.ids.insert(e.name.clone(), id);
                    new.push((id, e.name.clone(), e.kind.as_str()));
                }
            }
        }
        new
    }

    /// An article's entities with their mentions, one row per entity.
    fn of(&self, analysis: &Analysis) -> Vec<(i64, i64)> {
        let mut mentions: HashMap<i64, i64> = HashMap::new();
        for e in &analysis.entities {
            *mentions.entry(self.ids[&e.name]).or_default() += i64::from(e.mentions);
        }
        mentions.into_iter().collect()
    }
}

/// A URL slug for a generated name: its ASCII words, lower-cased and dashed.
fn slug(name: &str, id: i64) -> String {
    let words: Vec<String> = name.split_whitespace().map(str::to_ascii_lowercase).collect();
    // The id keeps two names that differ only in case or spacing apart.
    format!("{}-{id}", words.join("-"))
}

/// One row per story, each named by its founder; counts come at the end.
fn copy_stories(pg: &Postgres, articles: usize) -> Result<()> {
    let founders: Vec<i64> = (0..articles)
        .filter(|&i| generate::story_founder(i) == i)
        .map(article_id)
        .collect();
    pg.write(async |tx| {
        let mut rows = Copy::start(tx, "COPY stories (id) FROM STDIN BINARY", &[Type::INT8]).await?;
        for id in &founders {
            rows.write(&[id]).await?;
        }
        rows.finish().await
    })?;
    Ok(())
}

async fn copy_entities(tx: &Transaction<'_>, new: &[(i64, String, &'static str)]) -> Result<(), PgError> {
    let mut rows = Copy::start(
        tx,
        "COPY entities (id, slug, name, kind) FROM STDIN BINARY",
        &[Type::INT8, Type::TEXT, Type::TEXT, Type::TEXT],
    )
    .await?;
    for (id, name, kind) in new {
        rows.write(&[id, &slug(name, *id), name, kind]).await?;
    }
    rows.finish().await
}

async fn copy_articles(
    tx: &Transaction<'_>,
    chunk: &[(i64, Synthetic)],
    feeds: &[(i64, i64)],
    now: DateTime<Utc>,
) -> Result<(), PgError> {
    let mut rows = Copy::start(
        tx,
        "COPY articles (id, source_id, feed_id, guid, url, status, title, byline, published_at, discovered_at,
                        sort_at, lang, excerpt, text, html, story_id, host, section) FROM STDIN BINARY",
        &[
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TIMESTAMPTZ,
            Type::TIMESTAMPTZ,
            Type::TIMESTAMPTZ,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
        ],
    )
    .await?;
    for (id, a) in chunk {
        let (source_id, feed_id) = feeds[a.source];
        let published = a.entry.published.unwrap_or(now);
        let story = article_id(generate::story_founder((id - 1) as usize));
        rows.write(&[
            id,
            &source_id,
            &feed_id,
            &a.entry.guid,
            &a.entry.url,
            &"ready",
            &a.entry.title.as_deref().unwrap_or_default(),
            &a.entry.author,
            &published,
            &published,
            &published,
            &a.page.lang,
            &a.entry.summary,
            &a.page.text,
            &a.page.html,
            &story,
            &generate::host(a.source),
            &a.analysis.section.map(|s| s.as_str()),
        ])
        .await?;
    }
    rows.finish().await
}

async fn copy_analyses(
    tx: &Transaction<'_>,
    chunk: &[(i64, Synthetic)],
    entities: &Entities,
    now: DateTime<Utc>,
) -> Result<(), PgError> {
    let mut rows = Copy::start(
        tx,
        "COPY analyses (article_id, analysis, analyzed_at) FROM STDIN BINARY",
        &[Type::INT8, Type::TEXT, Type::TIMESTAMPTZ],
    )
    .await?;
    for (id, a) in chunk {
        let json = serde_json::to_string(&a.analysis).expect("an analysis serialises");
        rows.write(&[id, &json, &now]).await?;
    }
    rows.finish().await?;
    let mut rows = Copy::start(
        tx,
        "COPY article_entities (article_id, entity_id, mentions, sort_at) FROM STDIN BINARY",
        &[Type::INT8, Type::INT8, Type::INT8, Type::TIMESTAMPTZ],
    )
    .await?;
    for (id, a) in chunk {
        let published = a.entry.published.unwrap_or(now);
        for (entity, mentions) in entities.of(&a.analysis) {
            rows.write(&[id, &entity, &mentions, &published]).await?;
        }
    }
    rows.finish().await
}

/// Related-story links, story counts as the store's refresh computes them,
/// the hosts, the feeds' next poll a year ahead (as `generate`'s last poll
/// leaves them: a `serve` on the archive fetches nothing), identity
/// sequences past the copied ids, and statistics.
fn finish(pg: &Postgres, b: &Seed) -> Result<()> {
    let links: Vec<(i64, i64, f64)> = (0..b.articles)
        .filter(|&i| generate::story_founder(i) == i)
        .flat_map(|i| {
            generate::related_founders(i, b.articles)
                .into_iter()
                .flat_map(move |(j, score)| {
                    let (a, b) = (article_id(i), article_id(j));
                    [(a, b, f64::from(score)), (b, a, f64::from(score))]
                })
        })
        .collect();
    let hosts = b.hosts as i64;
    pg.write(async |tx| {
        let mut rows = Copy::start(
            tx,
            "COPY story_links (story_id, related_id, score) FROM STDIN BINARY",
            &[Type::INT8, Type::INT8, Type::FLOAT8],
        )
        .await?;
        for (a, b, score) in &links {
            rows.write(&[a, b, score]).await?;
        }
        rows.finish().await?;
        let steps: [(&str, &[&(dyn ToSql + Sync)]); 6] = [
            (
                "UPDATE stories s SET article_count = c.n, source_count = c.sources, first_seen = c.first,
                     last_seen = c.last, original_share = 1.0, headline = c.headline
                 FROM (SELECT story_id, count(*) AS n, count(DISTINCT source_id) AS sources, min(sort_at) AS first,
                              max(sort_at) AS last, (array_agg(title ORDER BY sort_at, id))[1] AS headline
                       FROM articles WHERE story_id IS NOT NULL GROUP BY story_id) c
                 WHERE s.id = c.story_id",
                &[],
            ),
            (
                "INSERT INTO hosts (host) SELECT 'h' || g || '.example'
                 FROM generate_series(1::bigint, $1::bigint - (SELECT count(*) FROM hosts)) g
                 ON CONFLICT DO NOTHING",
                &[&hosts],
            ),
            ("UPDATE feeds SET next_check_at = now() + interval '1 year'", &[]),
            (
                "UPDATE hosts SET feeds_due_at = (SELECT min(next_check_at) FROM feeds f WHERE f.host = hosts.host)
                 WHERE feeds_due_at IS NOT NULL",
                &[],
            ),
            (
                "SELECT setval(pg_get_serial_sequence('articles', 'id'), (SELECT max(id) FROM articles))",
                &[],
            ),
            (
                "SELECT setval(pg_get_serial_sequence('entities', 'id'), (SELECT max(id) FROM entities))",
                &[],
            ),
        ];
        for (sql, params) in steps {
            tx.execute(sql, params)
                .await
                .map_err(|e| PgError::query("finish the archive", e))?;
        }
        Ok::<_, PgError>(())
    })?;
    // The story update leaves a dead version of every story row: a fresh
    // deployment would not have them.
    pg.read(async |c| {
        c.batch_execute("VACUUM ANALYZE")
            .await
            .map_err(|e| PgError::query("vacuum", e))
    })?;
    Ok(())
}

/// A binary `COPY … FROM STDIN` in progress.
struct Copy {
    writer: std::pin::Pin<Box<BinaryCopyInWriter>>,
}

impl Copy {
    async fn start(tx: &Transaction<'_>, sql: &str, types: &[Type]) -> Result<Copy, PgError> {
        let sink = tx.copy_in(sql).await.map_err(|e| PgError::query("start COPY", e))?;
        Ok(Copy {
            writer: Box::pin(BinaryCopyInWriter::new(sink, types)),
        })
    }

    async fn write(&mut self, row: &[&(dyn ToSql + Sync)]) -> Result<(), PgError> {
        self.writer
            .as_mut()
            .write(row)
            .await
            .map_err(|e| PgError::query("COPY a row", e))
    }

    async fn finish(mut self) -> Result<(), PgError> {
        self.writer
            .as_mut()
            .finish()
            .await
            .map(drop)
            .map_err(|e| PgError::query("finish COPY", e))
    }
}

/// How long `lag` watches.
pub struct Lag {
    /// The database something is ingesting into.
    pub database: String,
    /// Stop after this long, or once the queue has been empty this long after work was seen.
    pub seconds: u64,
    /// How often the queue is read.
    pub every_ms: u64,
}

/// Reads the story queue every `every_ms` until it drains and prints how
/// long each article that came and went stayed in it: the story writer's
/// lag, from the article being stored to its story being written, less up
/// to one interval (an article is first seen at the read after it came).
pub fn lag(b: &Lag) -> Result<()> {
    let pg = Postgres::connect(&b.database, 1)?;
    let started = Instant::now();
    let mut waiting: HashMap<i64, Instant> = HashMap::new();
    let mut lags = Vec::new();
    let mut idle_since = Instant::now();
    let mut peak = 0;
    while started.elapsed() < Duration::from_secs(b.seconds) {
        let queued: Vec<i64> = pg.read(async |c| {
            let rows = c
                .query("SELECT article_id FROM cluster_queue", &[])
                .await
                .map_err(|e| PgError::query("read the story queue", e))?;
            Ok::<_, PgError>(rows.iter().map(|r| r.get(0)).collect())
        })?;
        let now = Instant::now();
        peak = peak.max(queued.len());
        let present: std::collections::HashSet<i64> = queued.iter().copied().collect();
        waiting.retain(|id, since| {
            let stays = present.contains(id);
            if !stays {
                lags.push(now - *since);
            }
            stays
        });
        for id in queued {
            waiting.entry(id).or_insert(now);
        }
        if !waiting.is_empty() {
            idle_since = now;
        } else if !lags.is_empty() && idle_since.elapsed() > Duration::from_secs(10) {
            break;
        }
        std::thread::sleep(Duration::from_millis(b.every_ms));
    }
    print_percentiles("story lag", &mut lags, &format!("longest queue {peak}"));
    Ok(())
}

fn print_percentiles(what: &str, times: &mut [Duration], extra: &str) {
    if times.is_empty() {
        println!("{what}: nothing measured");
        return;
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    println!(
        "{what}: {} samples, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; {extra}",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

/// What `bloat` updates.
pub struct Bloat {
    /// A database `seed` filled.
    pub database: String,
    /// Row updates of each kind.
    pub updates: usize,
    /// Rows per `UPDATE` statement.
    pub batch: usize,
    /// How long to let autovacuum catch up afterwards.
    pub settle_secs: u64,
}

/// The tables whose rows the crawl rewrites most: a host row on every
/// lease, claim and release; an article row when its page or story changes.
const UPDATED: [&str; 2] = ["hosts", "articles"];

/// Makes `updates` host-row updates as lease renewals write them, and
/// `updates` article-row updates as re-seating writes them (each article
/// moved to another story and back, two updates, so the archive keeps its
/// stories), at random rows, in batches; prints each table's size (heap,
/// TOAST and indexes) and dead rows before, right after, after autovacuum
/// had `settle_secs`, and after a plain `VACUUM`.
pub fn bloat(b: &Bloat) -> Result<()> {
    let pg = Postgres::connect(&b.database, 1)?;
    // A database copied from a template starts with no statistics.
    pg.read(async |c| {
        c.batch_execute("ANALYZE hosts, articles")
            .await
            .map_err(|e| PgError::query("analyze", e))
    })?;
    report(&pg, "before")?;
    let (articles, hosts): (i64, Vec<String>) = pg.read(async |c| {
        let max = c
            .query_one("SELECT max(id) FROM articles", &[])
            .await
            .map_err(|e| PgError::query("count articles", e))?;
        let hosts = c
            .query("SELECT host FROM hosts", &[])
            .await
            .map_err(|e| PgError::query("list hosts", e))?;
        Ok::<_, PgError>((max.get(0), hosts.iter().map(|r| r.get(0)).collect()))
    })?;
    let started = Instant::now();
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let (mut host_updates, mut article_updates) = (0, 0);
    while host_updates < b.updates || article_updates < b.updates {
        let renewed: Vec<&str> = (0..b.batch)
            .map(|_| hosts[(xorshift(&mut rng) % hosts.len() as u64) as usize].as_str())
            .collect();
        let picked: Vec<i64> = (0..b.batch / 2)
            .map(|_| 1 + (xorshift(&mut rng) % articles as u64) as i64)
            .collect();
        let (h, a) = pg.write(async |tx| {
            let h = tx
                .execute(
                    "UPDATE hosts SET lease_holder = 'bench', lease_until = now() + interval '60 seconds',
                         next_fetch_at = now() + interval '1 second'
                     WHERE host = ANY($1)",
                    &[&renewed],
                )
                .await
                .map_err(|e| PgError::query("renew hosts", e))?;
            let placed = tx
                .query(
                    "SELECT id, story_id FROM articles WHERE id = ANY($1) AND story_id IS NOT NULL AND story_id <> 1
                     FOR UPDATE",
                    &[&picked],
                )
                .await
                .map_err(|e| PgError::query("read stories", e))?;
            let moved: Vec<i64> = placed.iter().map(|r| r.get(0)).collect();
            let stories: Vec<i64> = placed.iter().map(|r| r.get(1)).collect();
            let away = tx
                .execute("UPDATE articles SET story_id = 1 WHERE id = ANY($1)", &[&moved])
                .await
                .map_err(|e| PgError::query("move articles", e))?;
            let back = tx
                .execute(
                    "UPDATE articles a SET story_id = m.story FROM unnest($1::bigint[], $2::bigint[]) AS m(id, story)
                     WHERE a.id = m.id",
                    &[&moved, &stories],
                )
                .await
                .map_err(|e| PgError::query("move articles back", e))?;
            Ok::<_, PgError>((h as usize, (away + back) as usize))
        })?;
        host_updates += h;
        article_updates += a;
    }
    println!(
        "{host_updates} host-row and {article_updates} article-row updates in {:.1?}",
        started.elapsed()
    );
    report(&pg, "right after")?;
    std::thread::sleep(Duration::from_secs(b.settle_secs));
    report(&pg, &format!("{} s later (autovacuum)", b.settle_secs))?;
    pg.read(async |c| {
        c.batch_execute("VACUUM hosts, articles")
            .await
            .map_err(|e| PgError::query("vacuum", e))
    })?;
    report(&pg, "after VACUUM")
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Each updated table's total size, its dead rows and its last autovacuum.
fn report(pg: &Postgres, when: &str) -> Result<()> {
    for table in UPDATED {
        let (size, live, dead, vacuumed): (i64, i64, i64, Option<DateTime<Utc>>) = pg.read(async |c| {
            let row = c
                .query_one(
                    "SELECT pg_total_relation_size(relid), n_live_tup, n_dead_tup, last_autovacuum
                     FROM pg_stat_user_tables WHERE relname = $1",
                    &[&table],
                )
                .await
                .map_err(|e| PgError::query("table statistics", e))?;
            Ok::<_, PgError>((row.get(0), row.get(1), row.get(2), row.get(3)))
        })?;
        println!(
            "{when}: {table} {:.1} MiB, {live} live rows, {dead} dead, last autovacuum {}",
            size as f64 / 1024.0 / 1024.0,
            vacuumed.map_or("never".to_owned(), |t| t.format("%H:%M:%S").to_string())
        );
    }
    Ok(())
}
