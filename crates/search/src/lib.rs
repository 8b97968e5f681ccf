//! Full-text search over newsdesk's articles.
//!
//! Callers hold a [`Search`]: the crawler adds each article as it is stored
//! and commits once per pass, the website searches. Two implementations:
//! [`SearchIndex`], an on-disk [tantivy] index beside the database (the
//! default), and [`PgSearch`], PostgreSQL full-text search, which every web
//! process of a deployment shares (see the `postgres` module for how its
//! ranking differs). The store stays the only source of truth — an index
//! holds nothing that cannot be rebuilt from it with [`Search::rebuild`]
//! (`newsdesk reindex`).
//!
//! The tantivy index ranks by BM25 over the title (boosted), body text,
//! source name and entity names; filters by source, publication date and
//! entity narrow the matches without changing their order. Queries are
//! parsed leniently, so no input makes a search fail. See `schema.rs` for
//! how text is tokenised.

#![warn(missing_docs)]

mod doc;
mod postgres;
mod query;
mod schema;
mod snippet;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use newsdesk_domain::ArticleId;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{Query, QueryParser};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument, Term};

pub use doc::SearchDoc;
pub use postgres::PgSearch;
pub use query::{SearchQuery, Sort, MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS};
pub use snippet::Snippet;

use schema::Fields;

/// Indexing memory shared by the writer's threads; segments are flushed
/// when it fills. Enough for a crawl pass, small beside the web server.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// A title match counts this many times a body match.
const TITLE_BOOST: f32 = 3.0;
/// Entity names are few and precise: a match there says more than one in
/// the body.
const ENTITY_BOOST: f32 = 1.5;

/// Why an index operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index directory could not be created or opened.
    #[error("search index at {path}: {message}")]
    Open {
        /// The index directory.
        path: PathBuf,
        /// What went wrong there.
        message: String,
    },
    /// Another process holds the index's writer lock.
    #[error(
        "search index at {0} is in use by another newsdesk process (stop `newsdesk serve` first, or point search_dir elsewhere)"
    )]
    Locked(PathBuf),
    /// tantivy failed to read or write the index.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The article source given to [`Search::rebuild`] failed.
    #[error("rebuilding the search index: {0}")]
    Source(String),
    /// PostgreSQL failed, or refused a statement.
    #[error("search: {0}")]
    Postgres(#[from] newsdesk_postgres::PgError),
    /// A PostgreSQL rebuild met a concurrent write and cannot be replayed,
    /// having consumed its documents.
    #[error("rebuilding the search index conflicted with another write to it; run it again")]
    Conflict,
}

impl newsdesk_postgres::Transient for SearchError {
    fn is_transient(&self) -> bool {
        matches!(self, SearchError::Postgres(e) if e.is_transient())
    }
}

/// What every index operation returns.
pub type Result<T> = std::result::Result<T, SearchError>;

/// The results of one search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// Matching articles in all, not only on this page.
    pub total: usize,
    /// This page of them, in the query's order.
    pub hits: Vec<Hit>,
}

/// One matching article.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The article's row id in the store.
    pub id: ArticleId,
    /// Headline.
    pub title: String,
    /// Canonical URL of the publisher's page.
    pub url: String,
    /// The publisher's display name.
    pub source_name: String,
    /// The publisher's slug, for its page link.
    pub source_slug: String,
    /// Publication time, or discovery time when the page gave none.
    pub published: DateTime<Utc>,
    /// Where in the text the query matched; the text's opening when only
    /// the title, source or filters matched.
    pub snippet: Snippet,
}

/// A full-text index of articles, whatever holds it. Every method blocks:
/// call them off the async runtime.
pub trait Search: Send + Sync {
    /// Adds the article, replacing any earlier version with the same id.
    /// It becomes searchable at the next [`commit`](Search::commit) (or,
    /// in PostgreSQL, when enough are pending to be written in a batch).
    fn index_article(&self, doc: &SearchDoc) -> Result<()>;

    /// Makes every article indexed so far durable and searchable: call it
    /// once per batch, not per article.
    fn commit(&self) -> Result<()>;

    /// Replaces the whole index with `docs`, in one commit: searches see
    /// the old index until the new one is complete, and an `Err` from
    /// `docs` (or any failure) leaves the old index as it was. Returns how
    /// many were indexed.
    fn rebuild(&self, docs: &mut dyn Iterator<Item = std::result::Result<SearchDoc, String>>) -> Result<usize>;

    /// Those of `ids` the index holds no document for (as of the last
    /// commit), in their order.
    fn missing(&self, ids: &[ArticleId]) -> Result<Vec<ArticleId>>;

    /// Articles searchable now (as of the last commit).
    fn num_docs(&self) -> Result<u64>;

    /// Runs `q`. Never fails on what the query says, only on I/O.
    fn search(&self, q: &SearchQuery) -> Result<SearchResults>;

    /// The ids of `q`'s hits, in order, without their snippets or stored
    /// fields: what a list built from several searches needs.
    fn hit_ids(&self, q: &SearchQuery) -> Result<Vec<ArticleId>> {
        Ok(self.search(q)?.hits.into_iter().map(|h| h.id).collect())
    }
}

/// The tantivy index: one writer, any number of concurrent searches.
pub struct SearchIndex {
    fields: Fields,
    reader: IndexReader,
    parser: QueryParser,
    writer: Mutex<IndexWriter>,
    /// Shown in errors; `None` in memory.
    path: Option<PathBuf>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the directory and an empty index
    /// if needed. Takes the index's write lock for as long as it is open.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        let fail = |message: String| SearchError::Open {
            path: dir.to_path_buf(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| fail(format!("creating the directory: {e}")))?;
        let directory = MmapDirectory::open(dir).map_err(|e| fail(e.to_string()))?;
        let (schema, fields) = schema::build();
        let index = Index::open_or_create(directory, schema).map_err(|e| match e {
            // Written with other fields: say so plainly instead of failing on some later query.
            tantivy::TantivyError::SchemaError(_) => fail(
                "it was built by another version of newsdesk; delete the directory and run `newsdesk reindex`".into(),
            ),
            e => fail(e.to_string()),
        })?;
        Self::from_index(index, fields, Some(dir.to_path_buf()))
    }

    /// An index in memory, for tests.
    pub fn open_in_ram() -> Result<SearchIndex> {
        let (schema, fields) = schema::build();
        Self::from_index(Index::create_in_ram(schema), fields, None)
    }

    fn from_index(index: Index, fields: Fields, path: Option<PathBuf>) -> Result<SearchIndex> {
        schema::register_analyzer(&index);
        let writer = index.writer(WRITER_MEMORY).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => SearchError::Locked(path.clone().unwrap_or_default()),
            e => SearchError::Index(e),
        })?;
        // Only the holder of the write lock can commit, and it reloads right
        // after each commit: no file watcher needed.
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let mut parser = QueryParser::for_index(&index, vec![fields.title, fields.text, fields.source, fields.entity]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(fields.title, TITLE_BOOST);
        parser.set_field_boost(fields.entity, ENTITY_BOOST);
        Ok(SearchIndex {
            fields,
            reader,
            parser,
            writer: Mutex::new(writer),
            path,
        })
    }

    /// Adds the article, replacing any earlier version with the same id.
    /// It becomes searchable at the next [`commit`](Self::commit).
    pub fn index_article(&self, doc: &SearchDoc) -> Result<()> {
        let writer = self.writer();
        writer.delete_term(Term::from_field_i64(self.fields.id, doc.id.0));
        writer.add_document(doc.to_tantivy(&self.fields))?;
        Ok(())
    }

    /// Makes every article indexed so far durable and searchable. Costs a
    /// disk sync: call it once per batch, not per article.
    pub fn commit(&self) -> Result<()> {
        self.writer().commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Replaces the whole index with `docs`, in one commit: searches see
    /// the old index until the new one is complete, and a failing `docs`
    /// leaves the old index as it was. Returns how many were indexed.
    pub fn rebuild<E: std::fmt::Display>(
        &self,
        docs: impl IntoIterator<Item = std::result::Result<SearchDoc, E>>,
    ) -> Result<usize> {
        let mut writer = self.writer();
        let added = add_all(&writer, &self.fields, docs);
        match added {
            Ok(n) => {
                writer.commit()?;
                drop(writer);
                self.reader.reload()?;
                Ok(n)
            }
            Err(e) => {
                writer.rollback()?;
                Err(e)
            }
        }
    }

    /// Those of `ids` the index holds no document for (as of the last
    /// commit): a term lookup each, no document read.
    pub fn missing(&self, ids: impl IntoIterator<Item = ArticleId>) -> Result<Vec<ArticleId>> {
        let searcher = self.reader.searcher();
        let mut missing = Vec::new();
        for id in ids {
            if searcher.doc_freq(&Term::from_field_i64(self.fields.id, id.0))? == 0 {
                missing.push(id);
            }
        }
        Ok(missing)
    }

    /// Articles searchable now (as of the last commit).
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Runs `q`. Never fails on what the query says, only on I/O.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        self.run(&searcher, q, query::text_query(&self.parser, q))
            .or_else(|_| self.run(&searcher, q, query::plain_text_query(&self.parser, q)))
    }

    /// The ids of `q`'s hits, in order: the search without snippets, each
    /// hit's stored id read alone.
    pub fn hit_ids(&self, q: &SearchQuery) -> Result<Vec<ArticleId>> {
        let searcher = self.reader.searcher();
        let (addresses, _) = self
            .top(&searcher, q, query::text_query(&self.parser, q))
            .or_else(|_| self.top(&searcher, q, query::plain_text_query(&self.parser, q)))?;
        addresses
            .iter()
            .map(|&a| {
                let stored: TantivyDocument = searcher.doc(a)?;
                Ok(doc::id_of(&self.fields, &stored))
            })
            .collect()
    }

    fn run(&self, searcher: &Searcher, q: &SearchQuery, text: Box<dyn Query>) -> Result<SearchResults> {
        let (addresses, total) = self.top(searcher, q, text.box_clone())?;
        let hits = self.hits(searcher, text.as_ref(), &addresses)?;
        Ok(SearchResults { total, hits })
    }

    /// The page of hits `q` asks for, and how many there are in all.
    fn top(&self, searcher: &Searcher, q: &SearchQuery, text: Box<dyn Query>) -> Result<(Vec<DocAddress>, usize)> {
        let full = query::full_query(&self.fields, text, q);
        let limit = q.limit.clamp(1, MAX_LIMIT);
        let top = TopDocs::with_limit(limit).and_offset(q.offset.min(MAX_OFFSET));
        let (addresses, total) = match q.effective_sort() {
            Sort::Relevance => {
                let (hits, total) = searcher.search(&full, &(top.order_by_score(), Count))?;
                (hits.into_iter().map(|(_, a)| a).collect::<Vec<_>>(), total)
            }
            Sort::Newest => {
                let by_date = top.order_by_fast_field::<tantivy::DateTime>("published", Order::Desc);
                let (hits, total) = searcher.search(&full, &(by_date, Count))?;
                (hits.into_iter().map(|(_, a)| a).collect(), total)
            }
        };
        Ok((addresses, total))
    }

    fn hits(&self, searcher: &Searcher, text: &dyn Query, addresses: &[DocAddress]) -> Result<Vec<Hit>> {
        let mut snippets = SnippetGenerator::create(searcher, text, self.fields.text)?;
        snippets.set_max_num_chars(snippet::SNIPPET_CHARS);
        addresses
            .iter()
            .map(|&a| {
                let stored: TantivyDocument = searcher.doc(a)?;
                Ok(doc::hit(&self.fields, &stored, &snippets))
            })
            .collect()
    }

    fn writer(&self) -> MutexGuard<'_, IndexWriter> {
        // A panic while holding the lock leaves the writer usable: tantivy
        // keeps uncommitted work consistent, and the next commit decides.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The inherent methods, which keep their generic signatures for callers
/// holding the concrete index.
impl Search for SearchIndex {
    fn index_article(&self, doc: &SearchDoc) -> Result<()> {
        SearchIndex::index_article(self, doc)
    }

    fn commit(&self) -> Result<()> {
        SearchIndex::commit(self)
    }

    fn rebuild(&self, docs: &mut dyn Iterator<Item = std::result::Result<SearchDoc, String>>) -> Result<usize> {
        SearchIndex::rebuild(self, docs)
    }

    fn missing(&self, ids: &[ArticleId]) -> Result<Vec<ArticleId>> {
        SearchIndex::missing(self, ids.iter().copied())
    }

    fn num_docs(&self) -> Result<u64> {
        Ok(SearchIndex::num_docs(self))
    }

    fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        SearchIndex::search(self, q)
    }

    fn hit_ids(&self, q: &SearchQuery) -> Result<Vec<ArticleId>> {
        SearchIndex::hit_ids(self, q)
    }
}

/// Clears the writer's pending state and adds every document; the caller
/// commits or rolls back.
fn add_all<E: std::fmt::Display>(
    writer: &IndexWriter,
    fields: &Fields,
    docs: impl IntoIterator<Item = std::result::Result<SearchDoc, E>>,
) -> Result<usize> {
    writer.delete_all_documents()?;
    let mut n = 0;
    for doc in docs {
        let doc = doc.map_err(|e| SearchError::Source(e.to_string()))?;
        writer.add_document(doc.to_tantivy(fields))?;
        n += 1;
    }
    Ok(n)
}
