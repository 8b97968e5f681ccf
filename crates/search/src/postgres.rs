//! PostgreSQL full-text search: [`PgSearch`], the [`Search`] that every
//! web process of a deployment shares, in the database beside the store.
//!
//! Each article is a row of `search_docs` holding a stored, weighted
//! `tsvector` (title A, entity names B, body C, source name D) built with
//! the text-search configuration of the article's language (`german` stems
//! "Wahlen" and "Wahl" alike), or `simple` (lowercasing, no stemming, no
//! stop words) when the language is unknown or the server has no
//! configuration for it. A query goes through `websearch_to_tsquery`
//! (quotes for phrases, `-` to exclude, `or`; it never fails on syntax)
//! once per configuration in use, and each document is matched against
//! the parse made with its own configuration, so stems always meet stems
//! made the same way. A GIN index serves the match; the source, date and
//! entity filters are plain indexed columns. Unlike the tantivy index,
//! accents are not folded ("zurich" does not find "Zürich"; `unaccent` is
//! an extension this crate does not require), and a query of exclusions
//! alone ("-strike") finds nothing instead of every other article, which
//! would take a scan of the whole table.
//!
//! Ranking is `ts_rank` with weights that mirror the tantivy boosts (title
//! three times the body, entities one and a half), divided by the log of
//! the document's length. PostgreSQL's ranking has no IDF: `ts_rank` (like
//! `ts_rank_cd`) counts matches, their weights and their proximity, never
//! how rare a word is across the articles, so a common word in a title
//! counts as much as a rare one. Queries mixing a rare, telling word with
//! common ones rank worse than with BM25: an article with the common words
//! in its title outranks the one about the rare word. Filters, "newest
//! first" and the set of matches are unaffected. `ts_rank` and not
//! `ts_rank_cd`: cover density scores a title word and a body word far
//! apart below the same two words adjacent in the body, which undoes the
//! title's weight.
//!
//! Snippets come from `ts_headline`, run only on the page of hits returned
//! (it parses each body again). Its markup is not trusted: highlights are
//! delimited with control characters and become a [`Snippet`], escaped by
//! [`Snippet::to_html`] like tantivy's.
//!
//! Cost: ranking and the total read the `tsvector` of every match, so a
//! word found in most articles is slow where tantivy is not (about half a
//! second for 50,000 matches on a 2-core machine; a rarer word takes a few
//! milliseconds).
//! Very large deployments (tens of millions of articles, or wanting BM25)
//! would put OpenSearch behind the same [`Search`] trait.

use std::collections::{HashMap, HashSet};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use newsdesk_domain::ArticleId;
use newsdesk_postgres::{DbError, PgError, Postgres, Row, ToSql, Transaction};

use crate::schema::entity_key;
use crate::snippet::Snippet;
use crate::{Hit, Result, Search, SearchDoc, SearchError, SearchQuery, SearchResults, Sort, MAX_LIMIT, MAX_OFFSET};

/// The schema's name in `schema_versions`.
const COMPONENT: &str = "search";

/// Append-only: a change is a new step.
const MIGRATIONS: &[&str] = &[r#"
    -- Plain text as the default parser should read it. The parser takes
    -- anything shaped like an HTML tag for one and drops it, so "x<y and
    -- a>b" would lose three words: a zero-width space after each '<' stops
    -- that (snippets take it out again). The control characters that mark
    -- ts_headline's highlights are blanked.
    CREATE FUNCTION search_plain(t TEXT) RETURNS TEXT
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT replace(translate(t, E'\x01\x02', '  '), '<', E'<\u200B') $$;

    CREATE TABLE search_docs (
        article_id  BIGINT PRIMARY KEY,
        title       TEXT NOT NULL,
        body        TEXT NOT NULL,
        source_name TEXT NOT NULL,
        source_slug TEXT NOT NULL,
        -- Entity names trimmed and lowercased, for the entity filter.
        entity_keys TEXT[] NOT NULL,
        published   TIMESTAMPTZ NOT NULL,
        url         TEXT NOT NULL,
        -- The text-search configuration, by name: a regconfig column would
        -- stop pg_upgrade.
        config      TEXT NOT NULL,
        tsv         TSVECTOR NOT NULL
    );
    CREATE INDEX search_docs_tsv ON search_docs USING gin (tsv);
    CREATE INDEX search_docs_entities ON search_docs USING gin (entity_keys);
    CREATE INDEX search_docs_newest ON search_docs (published DESC, article_id DESC);
    CREATE INDEX search_docs_source ON search_docs (source_slug, published DESC);
    CREATE INDEX search_docs_config ON search_docs (config);
"#];

/// PostgreSQL's built-in text-search configurations by the ISO 639-1, -2/B
/// and -3 codes of their language. Those the server lacks (older versions
/// have fewer) are left out when connecting.
const LANGUAGES: &[(&str, &[&str])] = &[
    ("arabic", &["ar", "ara"]),
    ("armenian", &["hy", "hye", "arm"]),
    ("basque", &["eu", "eus", "baq"]),
    ("catalan", &["ca", "cat"]),
    ("danish", &["da", "dan"]),
    ("dutch", &["nl", "nld", "dut"]),
    ("english", &["en", "eng"]),
    ("finnish", &["fi", "fin"]),
    ("french", &["fr", "fra", "fre"]),
    ("german", &["de", "deu", "ger"]),
    ("greek", &["el", "ell", "gre"]),
    ("hindi", &["hi", "hin"]),
    ("hungarian", &["hu", "hun"]),
    ("indonesian", &["id", "ind"]),
    ("irish", &["ga", "gle"]),
    ("italian", &["it", "ita"]),
    ("lithuanian", &["lt", "lit"]),
    ("nepali", &["ne", "nep"]),
    ("norwegian", &["no", "nb", "nn", "nor", "nob", "nno"]),
    ("portuguese", &["pt", "por"]),
    ("romanian", &["ro", "ron", "rum"]),
    ("russian", &["ru", "rus"]),
    ("serbian", &["sr", "srp"]),
    ("spanish", &["es", "spa"]),
    ("swedish", &["sv", "swe"]),
    ("tamil", &["ta", "tam"]),
    ("turkish", &["tr", "tur"]),
    ("yiddish", &["yi", "yid"]),
];

/// The configuration of articles in no language the server has one for.
const FALLBACK_CONFIG: &str = "simple";

/// Documents written per statement, and pending documents that trigger a
/// write before the commit: bounds the memory a long crawl pass holds.
const WRITE_BATCH: usize = 500;
/// Ids checked per statement by `missing`.
const MISSING_BATCH: usize = 10_000;

/// Weights of D (source name), C (body), B (entities) and A (title).
const RANK_WEIGHTS: &str = "{0.1, 0.2, 0.3, 0.6}";
/// Highlight delimiters: control characters, which `search_plain` removes
/// from the text, so no text can forge or break a highlight.
const HL_START: char = '\u{1}';
const HL_STOP: char = '\u{2}';
/// What `search_plain` puts after each `<`.
const TAG_BREAK: char = '\u{200B}';
/// About `SNIPPET_CHARS` of text around the best match.
const HEADLINE_OPTIONS: &str = "StartSel=\"\u{1}\", StopSel=\"\u{2}\", MaxWords=35, MinWords=15, ShortWord=3";
/// Body characters `ts_headline` reads: its cost grows with the text, and
/// a match further in shows the opening instead.
const HEADLINE_SOURCE_CHARS: usize = 50_000;
/// Body characters fetched for a snippet of the opening.
const OPENING_CHARS: usize = 1_000;
/// Serialises rebuilds: several web processes starting on an empty index
/// would otherwise all rebuild it at once.
const REBUILD_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext('newsdesk search rebuild'))";

/// Search in PostgreSQL; see the module documentation.
pub struct PgSearch {
    pg: Arc<Postgres>,
    /// Language code to configuration, for the server's configurations.
    by_lang: HashMap<&'static str, &'static str>,
    /// Every configuration a document can have: what queries are parsed with.
    configs: Vec<String>,
    /// Indexed, not yet written.
    pending: Mutex<Vec<SearchDoc>>,
}

impl std::fmt::Debug for PgSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSearch").field("pg", &self.pg).finish_non_exhaustive()
    }
}

impl PgSearch {
    /// Connects to `url` with up to `max_connections` pooled connections;
    /// see [`PgSearch::new`].
    pub fn connect(url: &str, max_connections: usize) -> Result<PgSearch> {
        PgSearch::new(Arc::new(Postgres::connect(url, max_connections)?))
    }

    /// Search in `pg`'s database (which may be the store's pool), bringing
    /// its tables up to date first.
    pub fn new(pg: Arc<Postgres>) -> Result<PgSearch> {
        pg.migrate(COMPONENT, MIGRATIONS)?;
        let present: HashSet<String> = pg.read(async |c| {
            let rows = c
                .query(
                    "SELECT cfgname::text FROM pg_ts_config WHERE cfgnamespace = 'pg_catalog'::regnamespace",
                    &[],
                )
                .await
                .map_err(failed("list text-search configurations"))?;
            Ok::<_, SearchError>(rows.iter().map(|r| r.get(0)).collect())
        })?;
        let mut by_lang = HashMap::new();
        let mut configs = vec![FALLBACK_CONFIG.to_owned()];
        for &(config, codes) in LANGUAGES.iter().filter(|(c, _)| present.contains(*c)) {
            by_lang.extend(codes.iter().map(|&code| (code, config)));
            configs.push(config.to_owned());
        }
        Ok(PgSearch {
            pg,
            by_lang,
            configs,
            pending: Mutex::default(),
        })
    }

    /// The configuration for a document in `lang` (`de`, `deu`, `de-AT`).
    fn config(&self, lang: Option<&str>) -> &'static str {
        let code = lang.and_then(|l| l.trim().split(['-', '_']).next()).unwrap_or_default();
        let code = code.to_ascii_lowercase();
        self.by_lang.get(code.as_str()).copied().unwrap_or(FALLBACK_CONFIG)
    }

    fn pending(&self) -> MutexGuard<'_, Vec<SearchDoc>> {
        // The vector is consistent whatever panicked while it was held.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes `docs` in one transaction.
    fn write(&self, docs: &[SearchDoc]) -> Result<()> {
        let rows = Rows::new(self, docs);
        self.pg.write(async |tx| rows.upsert(tx).await)
    }

    /// The rebuild's transaction: empties the table, writes what `feed`
    /// brings, and commits only when it says the documents are complete.
    fn rebuild_from(&self, feed: mpsc::Receiver<Feed>) -> Result<usize> {
        let mut started = false;
        // `move`: the closure owns the receiver (Send, not Sync) and its flag.
        self.pg.write(async move |tx| {
            // The documents are consumed as they are written: a retried
            // transaction could not see them again.
            if std::mem::replace(&mut started, true) {
                return Err(SearchError::Conflict);
            }
            tx.batch_execute(REBUILD_LOCK)
                .await
                .map_err(failed("lock the index for rebuilding"))?;
            // Not TRUNCATE, which would lock searches out until the commit.
            tx.batch_execute("DELETE FROM search_docs")
                .await
                .map_err(failed("empty the index"))?;
            let mut n = 0;
            loop {
                // A blocking receive: this thread runs nothing else, and the
                // connection's I/O is driven elsewhere.
                match feed.recv() {
                    Ok(Feed::Docs(docs)) => {
                        Rows::new(self, &docs).upsert(tx).await?;
                        n += docs.len();
                    }
                    Ok(Feed::Failed(e)) => return Err(SearchError::Source(e)),
                    Ok(Feed::Done) => return Ok(n),
                    // The feeding thread panicked.
                    Err(_) => return Err(SearchError::Source("the articles stopped coming".into())),
                }
            }
        })
    }

    /// One search statement; see `search_sql`.
    fn query(&self, sql: &str, q: &SearchQuery, limit: i64, offset: i64) -> Result<Vec<Row>> {
        let text = q.effective_text().replace('\0', " ");
        let source = q.source.as_deref().map(sql_text);
        let entity = q.entity.as_deref().map(|e| sql_text(&entity_key(e)));
        let (from, to) = (q.from.map(whole_second), q.to.map(whole_second));
        let mut params: Vec<&(dyn ToSql + Sync)> =
            vec![&source, &entity, &from, &to, &limit, &offset, &HEADLINE_OPTIONS];
        if !text.is_empty() {
            params.extend([&text as &(dyn ToSql + Sync), &self.configs]);
        }
        self.pg.read(async |c| {
            let rows = c.query(sql, &params).await.map_err(failed("search"))?;
            Ok::<_, SearchError>(rows)
        })
    }
}

impl Search for PgSearch {
    fn index_article(&self, doc: &SearchDoc) -> Result<()> {
        let batch = {
            let mut pending = self.pending();
            pending.push(doc.clone());
            if pending.len() < WRITE_BATCH {
                return Ok(());
            }
            std::mem::take(&mut *pending)
        };
        // A failed write loses the batch; `missing` finds its articles at
        // the next start.
        self.write(&batch)
    }

    fn commit(&self) -> Result<()> {
        let batch = std::mem::take(&mut *self.pending());
        if batch.is_empty() {
            return Ok(());
        }
        self.write(&batch)
    }

    fn rebuild(&self, docs: &mut dyn Iterator<Item = std::result::Result<SearchDoc, String>>) -> Result<usize> {
        self.pending().clear();
        // The transaction runs on a thread of its own while this one reads
        // the documents: its future must be `Send`, which `docs` is not,
        // and reading the store (blocking calls, maybe into another pool)
        // has no place inside the driver's runtime.
        // A std channel: its blocking send works whatever thread reads the
        // documents, even one driving async tasks.
        let (send, feed) = mpsc::sync_channel(2);
        std::thread::scope(|scope| {
            let writer = scope.spawn(move || self.rebuild_from(feed));
            // Owned here, so a panic in `docs` drops it and the writer
            // rolls back instead of waiting.
            let send = send;
            send_all(docs, &send);
            drop(send);
            writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    fn missing(&self, ids: &[ArticleId]) -> Result<Vec<ArticleId>> {
        let mut missing = Vec::new();
        for chunk in ids.chunks(MISSING_BATCH) {
            let chunk: Vec<i64> = chunk.iter().map(|id| id.0).collect();
            let rows = self.pg.read(async |c| {
                c.query(
                    "SELECT u.id FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, n)
                     WHERE NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.article_id = u.id)
                     ORDER BY u.n",
                    &[&chunk],
                )
                .await
                .map_err(failed("look for unindexed articles"))
            })?;
            missing.extend(rows.iter().map(|r| ArticleId(r.get(0))));
        }
        Ok(missing)
    }

    fn num_docs(&self) -> Result<u64> {
        let n: i64 = self.pg.read(async |c| {
            let row = c
                .query_one("SELECT count(*) FROM search_docs", &[])
                .await
                .map_err(failed("count indexed articles"))?;
            Ok::<_, SearchError>(row.get(0))
        })?;
        Ok(n as u64)
    }

    fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let sql = search_sql(!q.effective_text().is_empty(), q.effective_sort());
        let limit = q.limit.clamp(1, MAX_LIMIT) as i64;
        let offset = q.offset.min(MAX_OFFSET) as i64;
        let rows = self.query(&sql, q, limit, offset)?;
        let total = match rows.first() {
            Some(row) => row.get::<_, i64>("total"),
            // A page past the last hit has no row to carry the total.
            None if offset > 0 => self.query(&sql, q, 1, 0)?.first().map_or(0, |r| r.get("total")),
            None => 0,
        };
        Ok(SearchResults {
            total: total as usize,
            hits: rows.iter().map(hit).collect(),
        })
    }
}

/// What the thread reading a rebuild's documents sends its transaction.
enum Feed {
    Docs(Vec<SearchDoc>),
    Failed(String),
    Done,
}

/// Sends `docs` in batches, then `Done`, or stops at the first error. A
/// closed channel means the transaction failed; it reports why.
fn send_all(docs: &mut dyn Iterator<Item = std::result::Result<SearchDoc, String>>, send: &mpsc::SyncSender<Feed>) {
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    for doc in docs {
        let message = match doc {
            Ok(doc) => {
                batch.push(doc);
                if batch.len() < WRITE_BATCH {
                    continue;
                }
                Feed::Docs(std::mem::replace(&mut batch, Vec::with_capacity(WRITE_BATCH)))
            }
            Err(e) => {
                let _ = send.send(Feed::Failed(e));
                return;
            }
        };
        if send.send(message).is_err() {
            return;
        }
    }
    if !batch.is_empty() && send.send(Feed::Docs(batch)).is_err() {
        return;
    }
    let _ = send.send(Feed::Done);
}

/// Documents as one array per column, for a single `INSERT … SELECT FROM
/// unnest(…)` per batch.
struct Rows {
    ids: Vec<i64>,
    titles: Vec<String>,
    bodies: Vec<String>,
    source_names: Vec<String>,
    source_slugs: Vec<String>,
    /// Each document's entity names, a line each.
    names: Vec<String>,
    /// Each document's entity keys, separated by `KEY_SEPARATOR`.
    keys: Vec<String>,
    published: Vec<DateTime<Utc>>,
    urls: Vec<String>,
    configs: Vec<&'static str>,
}

/// Separates entity keys within one array element; taken out of the keys.
const KEY_SEPARATOR: char = '\u{1f}';

impl Rows {
    /// The last version of each document in `docs`: one statement cannot
    /// update a row twice.
    fn new(search: &PgSearch, docs: &[SearchDoc]) -> Rows {
        let mut seen = HashSet::new();
        let latest: Vec<&SearchDoc> = docs.iter().rev().filter(|d| seen.insert(d.id)).collect();
        let column = |f: fn(&SearchDoc) -> &str| latest.iter().map(|d| sql_text(f(d))).collect::<Vec<_>>();
        Rows {
            ids: latest.iter().map(|d| d.id.0).collect(),
            titles: column(|d| &d.title),
            bodies: column(|d| &d.text),
            source_names: column(|d| &d.source_name),
            source_slugs: column(|d| &d.source_slug),
            names: latest.iter().map(|d| sql_text(&d.entities.join("\n"))).collect(),
            keys: latest
                .iter()
                .map(|d| {
                    let keys: Vec<String> = d
                        .entities
                        .iter()
                        .map(|e| entity_key(&e.replace(KEY_SEPARATOR, " ")))
                        .collect();
                    sql_text(&keys.join(&KEY_SEPARATOR.to_string()))
                })
                .collect(),
            published: latest.iter().map(|d| whole_second(d.published)).collect(),
            urls: column(|d| &d.url),
            configs: latest.iter().map(|d| search.config(d.lang.as_deref())).collect(),
        }
    }

    async fn upsert(&self, tx: &Transaction<'_>) -> Result<()> {
        tx.execute(
            "INSERT INTO search_docs (article_id, title, body, source_name, source_slug, entity_keys,
                                      published, url, config, tsv)
             SELECT id, title, body, source_name, source_slug, string_to_array(keys, E'\\x1f'),
                    published, url, config,
                    setweight(to_tsvector(config::regconfig, search_plain(title)), 'A')
                    || setweight(to_tsvector(config::regconfig, names), 'B')
                    || setweight(to_tsvector(config::regconfig, search_plain(body)), 'C')
                    || setweight(to_tsvector(config::regconfig, search_plain(source_name)), 'D')
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::text[], $8::timestamptz[], $9::text[], $10::text[])
                  AS u(id, title, body, source_name, source_slug, names, keys, published, url, config)
             ON CONFLICT (article_id) DO UPDATE SET
                 title = excluded.title, body = excluded.body, source_name = excluded.source_name,
                 source_slug = excluded.source_slug, entity_keys = excluded.entity_keys,
                 published = excluded.published, url = excluded.url, config = excluded.config,
                 tsv = excluded.tsv",
            &[
                &self.ids,
                &self.titles,
                &self.bodies,
                &self.source_names,
                &self.source_slugs,
                &self.names,
                &self.keys,
                &self.published,
                &self.urls,
                &self.configs,
            ],
        )
        .await
        .map_err(failed("index articles"))?;
        Ok(())
    }
}

/// The search statement for a query with or without text, in `sort` order.
/// Only these constant fragments make up the SQL; every value is bound:
/// `$1` source slug, `$2` entity key, `$3` from, `$4` to (each NULL for no
/// filter), `$5` limit, `$6` offset, `$7` headline options and, with text,
/// `$8` the text and `$9` the configurations to parse it with.
fn search_sql(text: bool, sort: Sort) -> String {
    let filters = "($1::text IS NULL OR d.source_slug = $1)
        AND ($2::text IS NULL OR d.entity_keys @> ARRAY[$2::text])
        AND ($3::timestamptz IS NULL OR d.published >= $3)
        AND ($4::timestamptz IS NULL OR d.published < $4)";
    let matches = if text {
        format!(
            "-- MATERIALIZED: each parse is made once, not once per matching row.
             WITH q AS MATERIALIZED (
                 SELECT config, query FROM (
                     SELECT c AS config, websearch_to_tsquery(c::regconfig, $8) AS query
                     FROM unnest($9::text[]) AS c
                     -- An index probe each: parse only with configurations in use.
                     WHERE EXISTS (SELECT 1 FROM search_docs WHERE config = c)
                 ) parsed
                 -- A parse with nothing to look up (only stop words, or only
                 -- exclusions like \"-word\") finds nothing rather than scan every row.
                 WHERE querytree(query) NOT IN ('', 'T')
             ), m AS (
                 SELECT d.article_id AS id, d.published AS at, q.query,
                        ts_rank('{RANK_WEIGHTS}', d.tsv, q.query, 1) AS rank
                 FROM q JOIN search_docs d ON d.config = q.config AND d.tsv @@ q.query
                 WHERE {filters}
             )"
        )
    } else {
        format!(
            "WITH m AS (
                 SELECT d.article_id AS id, d.published AS at, NULL::tsquery AS query, 0::real AS rank
                 FROM search_docs d WHERE {filters}
             )"
        )
    };
    let order = match sort {
        Sort::Relevance => "rank DESC, at DESC, id DESC",
        Sort::Newest => "at DESC, id DESC",
    };
    // `total` is counted before the limit; `ts_headline` runs on the page only.
    format!(
        "{matches}, page AS (
             SELECT m.*, count(*) OVER () AS total FROM m ORDER BY {order} LIMIT $5 OFFSET $6
         )
         SELECT p.total, p.id, d.title, d.url, d.source_name, d.source_slug, p.at,
                ts_headline(d.config::regconfig, search_plain(left(d.body, {HEADLINE_SOURCE_CHARS})),
                            p.query, $7) AS headline,
                left(d.body, {OPENING_CHARS}) AS opening
         FROM page p JOIN search_docs d ON d.article_id = p.id
         ORDER BY {order}"
    )
}

/// A hit from a row of the search statement.
fn hit(row: &Row) -> Hit {
    let headline: Option<String> = row.get("headline");
    Hit {
        id: ArticleId(row.get("id")),
        title: row.get("title"),
        url: row.get("url"),
        source_name: row.get("source_name"),
        source_slug: row.get("source_slug"),
        published: row.get("at"),
        snippet: headline
            .as_deref()
            .and_then(headline_snippet)
            .unwrap_or_else(|| Snippet::lead(row.get("opening"))),
    }
}

/// The snippet in `ts_headline`'s output, `None` if nothing is highlighted
/// (the query matched elsewhere than the body).
fn headline_snippet(marked: &str) -> Option<Snippet> {
    let mut text = String::with_capacity(marked.len());
    let mut highlights = Vec::new();
    let (mut start, mut previous) = (None, None);
    for c in marked.trim().chars() {
        match c {
            HL_START => start = Some(text.len()),
            HL_STOP => {
                if let Some(start) = start.take().filter(|&s| s < text.len()) {
                    highlights.push(start..text.len());
                }
            }
            TAG_BREAK if previous == Some('<') => {}
            c => text.push(c),
        }
        previous = Some(c);
    }
    (!highlights.is_empty()).then_some(Snippet { text, highlights })
}

/// `s` as PostgreSQL text, which cannot hold NUL.
fn sql_text(s: &str) -> String {
    s.replace('\0', " ")
}

/// The time at the tantivy index's one-second precision, so both give the
/// same times and date filters, and no earlier than PostgreSQL can store
/// (4713 BC; chrono goes back much further).
fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    const EARLIEST: i64 = -210_000_000_000;
    DateTime::from_timestamp(t.timestamp().max(EARLIEST), 0).unwrap_or(t)
}

/// Wraps a driver error with what was being done.
fn failed(what: &'static str) -> impl FnOnce(DbError) -> PgError {
    move |e| PgError::query(what, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_markup_becomes_a_snippet() {
        let s = headline_snippet(" the \u{1}harbour\u{2} \u{1}strikes\u{2} were <\u{200B}script>x<\u{200B}\u{200B}/b ")
            .unwrap();
        assert_eq!(s.text, "the harbour strikes were <script>x<\u{200B}/b");
        let marked: Vec<&str> = s.highlights.iter().map(|r| &s.text[r.clone()]).collect();
        assert_eq!(marked, ["harbour", "strikes"]);
        assert_eq!(headline_snippet("no match here"), None);
        let stray = headline_snippet("\u{2}a \u{1}\u{2} \u{1}b\u{2} \u{1}c").unwrap();
        assert_eq!(stray.highlights, vec![3..4], "unpaired or empty marks are dropped");
    }

    #[test]
    fn search_sql_numbers_its_parameters_without_gaps() {
        for (text, top) in [(false, 7), (true, 9)] {
            for sort in [Sort::Relevance, Sort::Newest] {
                let sql = search_sql(text, sort);
                for n in 1..=top {
                    assert!(sql.contains(&format!("${n}")), "${n} in {sql}");
                }
                assert!(!sql.contains(&format!("${}", top + 1)));
            }
        }
    }
}
