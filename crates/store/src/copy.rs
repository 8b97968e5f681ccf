//! Moving a whole instance from SQLite to PostgreSQL (`newsdesk migrate`).
//!
//! Every table is copied row by row with its ids, in an order that keeps
//! foreign keys satisfied, all in one PostgreSQL transaction: an
//! interrupted copy leaves the target as empty as it was. Identity
//! sequences then continue after the copied ids, each table's rows are
//! counted on both sides, and the planner's statistics are gathered.

use std::path::Path;

use chrono::{DateTime, Utc};
use newsdesk_postgres::{PgError, Postgres, ToSql};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};

use crate::{PostgresStore, Result, SqliteStore, StoreError};

/// How a column is stored: SQLite keeps times as unix milliseconds and
/// flags as 0/1; PostgreSQL as `timestamptz` and `boolean`.
#[derive(Clone, Copy)]
enum Kind {
    Int,
    Text,
    Real,
    Time,
    Flag,
}

use Kind::{Flag, Int, Real, Text, Time};

/// Tables in an order where every row's references are already copied
/// (comments reply to earlier, smaller ids), with the columns both
/// schemas share; each table's key (primary key) comes first, and the
/// number of its columns is in [`key_len`].
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "sources",
        &[("id", Int), ("name", Text), ("slug", Text), ("homepage", Text)],
    ),
    (
        "feeds",
        &[
            ("id", Int),
            ("source_id", Int),
            ("url", Text),
            ("title", Text),
            ("etag", Text),
            ("last_modified", Text),
            ("last_checked_at", Time),
            ("next_check_at", Time),
            ("interval_secs", Int),
            ("last_error", Text),
            ("error_count", Int),
            ("created_at", Time),
            ("host", Text),
        ],
    ),
    (
        "hosts",
        &[
            ("host", Text),
            ("next_fetch_at", Time),
            ("lease_holder", Text),
            ("lease_until", Time),
            ("robots", Text),
            ("robots_at", Time),
        ],
    ),
    (
        "stories",
        &[
            ("id", Int),
            ("headline", Text),
            ("first_seen", Time),
            ("last_seen", Time),
            ("article_count", Int),
            ("source_count", Int),
            ("original_share", Real),
        ],
    ),
    (
        "articles",
        &[
            ("id", Int),
            ("source_id", Int),
            ("feed_id", Int),
            ("guid", Text),
            ("url", Text),
            ("status", Text),
            ("title", Text),
            ("byline", Text),
            ("published_at", Time),
            ("discovered_at", Time),
            ("sort_at", Time),
            ("image", Text),
            ("lang", Text),
            ("site_name", Text),
            ("description", Text),
            ("excerpt", Text),
            ("text", Text),
            ("html", Text),
            ("modified_at", Time),
            ("attempts", Int),
            ("last_error", Text),
            ("story_id", Int),
            ("syndicated", Flag),
            ("origin", Text),
            ("section", Text),
            ("feed_category", Text),
            ("host", Text),
        ],
    ),
    ("cluster_queue", &[("article_id", Int)]),
    (
        "jobs",
        &[
            ("name", Text),
            ("holder", Text),
            ("lease_until", Time),
            ("done_at", Time),
        ],
    ),
    (
        "article_aliases",
        &[("url", Text), ("article_id", Int), ("feed_id", Int), ("guid", Text)],
    ),
    (
        "fetch_log",
        &[
            ("id", Int),
            ("at", Time),
            ("url", Text),
            ("feed_id", Int),
            ("article_id", Int),
            ("http_status", Int),
            ("error", Text),
            ("bytes", Int),
            ("elapsed_ms", Int),
        ],
    ),
    (
        "story_links",
        &[("story_id", Int), ("related_id", Int), ("score", Real)],
    ),
    (
        "analyses",
        &[("article_id", Int), ("analysis", Text), ("analyzed_at", Time)],
    ),
    (
        "entities",
        &[("id", Int), ("slug", Text), ("name", Text), ("kind", Text)],
    ),
    (
        "article_entities",
        &[
            ("article_id", Int),
            ("entity_id", Int),
            ("mentions", Int),
            ("sort_at", Time),
        ],
    ),
    ("llm_cache", &[("key", Text), ("reply", Text), ("created_at", Time)]),
    ("secrets", &[("name", Text), ("value", Text)]),
    (
        "users",
        &[
            ("id", Int),
            ("username", Text),
            ("password_hash", Text),
            ("role", Text),
            ("created_at", Time),
            ("feed_token", Text),
        ],
    ),
    (
        "sessions",
        &[("token_hash", Text), ("user_id", Int), ("expires_at", Time)],
    ),
    (
        "comments",
        &[
            ("id", Int),
            ("article_id", Int),
            ("user_id", Int),
            ("parent_id", Int),
            ("body", Text),
            ("created_at", Time),
            ("edited_at", Time),
            ("deleted", Flag),
            ("hidden", Flag),
            ("reports", Int),
        ],
    ),
    (
        "comment_reports",
        &[
            ("comment_id", Int),
            ("user_id", Int),
            ("reason", Text),
            ("created_at", Time),
        ],
    ),
    (
        "interests",
        &[
            ("user_id", Int),
            ("kind", Text),
            ("key", Text),
            ("mode", Text),
            ("label", Text),
            ("created_at", Time),
        ],
    ),
    ("saved", &[("user_id", Int), ("article_id", Int), ("saved_at", Time)]),
    (
        "read_marks",
        &[("user_id", Int), ("article_id", Int), ("read_at", Time)],
    ),
    (
        "app_passwords",
        &[
            ("id", Int),
            ("user_id", Int),
            ("name", Text),
            ("secret_hash", Text),
            ("created_at", Time),
        ],
    ),
];

/// Columns of `table`'s primary key: the first of its listed columns.
fn key_len(table: &str) -> usize {
    match table {
        "story_links" | "article_entities" | "comment_reports" | "saved" | "read_marks" => 2,
        "interests" => 3,
        _ => 1,
    }
}

/// Rows read from SQLite at a time: memory stays bounded whatever the size
/// of the instance (an article row carries its whole text and HTML).
const BATCH: usize = 256;

/// Tables whose `id` PostgreSQL generates: their sequences must continue
/// after the copied ids.
const IDENTITY_TABLES: &[&str] = &[
    "sources",
    "feeds",
    "articles",
    "fetch_log",
    "entities",
    "users",
    "comments",
    "app_passwords",
];

/// One table copied, as the count check found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedTable {
    /// The table.
    pub table: &'static str,
    /// Rows in the SQLite file.
    pub source_rows: u64,
    /// Rows in PostgreSQL afterwards.
    pub target_rows: u64,
}

/// Copies everything in the SQLite file `from` into the PostgreSQL database
/// `to`, which must hold no newsdesk data yet. `progress` is told each
/// table as it starts (with its row count) and every copied row. Fails,
/// leaving the target as it was, on any error or on a count that differs.
pub fn copy_sqlite_to_postgres(
    from: &Path,
    to: &str,
    mut progress: impl FnMut(Progress<'_>) + Send,
) -> Result<Vec<CopiedTable>> {
    // Opening brings both schemas to this build's version.
    drop(SqliteStore::open(from)?);
    drop(PostgresStore::connect(to)?);
    let sqlite = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::Database(format!("open {}: {e}", from.display())))?;
    // Behind a mutex only so the copy's future may hold it (it is Send).
    let sqlite = std::sync::Mutex::new(sqlite);
    let pg = Postgres::connect(to, 1).map_err(|e| StoreError::Database(e.to_string()))?;
    let totals = TABLES
        .iter()
        .map(|(table, _)| count_sqlite(&lock(&sqlite), table))
        .collect::<Result<Vec<u64>>>()?;
    let counted = pg
        .write(async |tx| {
            refuse_data(tx).await?;
            for ((table, columns), total) in TABLES.iter().zip(&totals) {
                progress(Progress::Table { table, rows: *total });
                copy_table(&sqlite, tx, table, columns, &mut progress).await?;
            }
            for table in IDENTITY_TABLES {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
                );
                tx.execute(sql.as_str(), &[])
                    .await
                    .map_err(|e| PgError::query("continue identity sequence", e))?;
            }
            let mut counted = Vec::with_capacity(TABLES.len());
            for ((table, _), total) in TABLES.iter().zip(&totals) {
                let row = tx
                    .query_one(format!("SELECT count(*) FROM {table}").as_str(), &[])
                    .await
                    .map_err(|e| PgError::query("count copied rows", e))?;
                let target_rows = u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
                if target_rows != *total {
                    return Err(CopyError::Store(StoreError::Database(format!(
                        "{table}: {total} rows in SQLite but {target_rows} in PostgreSQL; nothing was kept"
                    ))));
                }
                counted.push(CopiedTable {
                    table,
                    source_rows: *total,
                    target_rows,
                });
            }
            // The planner's statistics, which a bulk load leaves empty
            // until autovacuum comes by: the first pages should not pay.
            tx.batch_execute("ANALYZE")
                .await
                .map_err(|e| PgError::query("analyze the copied tables", e))?;
            Ok(counted)
        })
        .map_err(StoreError::from)?;
    Ok(counted)
}

/// What [`copy_sqlite_to_postgres`] reports as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// A table starts, with the rows it holds.
    Table {
        /// The table.
        table: &'a str,
        /// Its rows in the SQLite file.
        rows: u64,
    },
    /// One more row copied.
    Row,
}

/// The copy's error inside its transaction: a store rule or the database.
enum CopyError {
    Store(StoreError),
    Db(PgError),
}

impl From<PgError> for CopyError {
    fn from(e: PgError) -> Self {
        CopyError::Db(e)
    }
}

impl newsdesk_postgres::Transient for CopyError {
    fn is_transient(&self) -> bool {
        // Never run again: `progress` has already been told about rows.
        false
    }
}

impl From<CopyError> for StoreError {
    fn from(e: CopyError) -> Self {
        match e {
            CopyError::Store(e) => e,
            CopyError::Db(e) => StoreError::Database(e.to_string()),
        }
    }
}

fn count_sqlite(c: &Connection, table: &str) -> Result<u64> {
    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0))
        .map(|n| u64::try_from(n).unwrap_or(0))
        .map_err(|e| StoreError::Database(format!("count {table}: {e}")))
}

/// A target that already holds sources, articles or accounts is refused:
/// merging two instances is not what a move does.
async fn refuse_data(tx: &newsdesk_postgres::Transaction<'_>) -> std::result::Result<(), CopyError> {
    let row = tx
        .query_one(
            "SELECT (SELECT count(*) FROM sources) + (SELECT count(*) FROM articles) + (SELECT count(*) FROM users)",
            &[],
        )
        .await
        .map_err(|e| PgError::query("look for existing data", e))?;
    if row.get::<_, i64>(0) > 0 {
        return Err(CopyError::Store(StoreError::Conflict(
            "the PostgreSQL database already holds newsdesk data; migrate into an empty database".into(),
        )));
    }
    Ok(())
}

async fn copy_table(
    sqlite: &std::sync::Mutex<Connection>,
    tx: &newsdesk_postgres::Transaction<'_>,
    table: &str,
    columns: &[(&str, Kind)],
    progress: &mut (impl FnMut(Progress<'_>) + Send),
) -> std::result::Result<(), CopyError> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        placeholders.join(", ")
    );
    let statement = tx
        .prepare(&insert)
        .await
        .map_err(|e| PgError::query(&format!("prepare copy of {table}"), e))?;
    let mut after: Option<Vec<Value>> = None;
    loop {
        let batch = read_batch(&lock(sqlite), table, columns, after.as_deref()).map_err(CopyError::Store)?;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        after = Some(last[..key_len(table)].to_vec());
        for row in batch {
            let fields = row
                .into_iter()
                .zip(columns)
                .map(|(value, (name, kind))| convert(value, *kind, table, name))
                .collect::<Result<Vec<Field>>>()
                .map_err(CopyError::Store)?;
            let params: Vec<&(dyn ToSql + Sync)> = fields.iter().map(Field::as_sql).collect();
            tx.execute(&statement, &params)
                .await
                .map_err(|e| PgError::query(&format!("copy a row of {table}"), e))?;
            progress(Progress::Row);
        }
    }
}

fn lock(m: &std::sync::Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Up to [`BATCH`] rows of `table` after the key `after`, in key order.
fn read_batch(
    c: &Connection,
    table: &str,
    columns: &[(&str, Kind)],
    after: Option<&[Value]>,
) -> Result<Vec<Vec<Value>>> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let key = names[..key_len(table)].join(", ");
    let from = match after {
        Some(values) => {
            let marks = vec!["?"; values.len()].join(", ");
            format!("WHERE ({key}) > ({marks})")
        }
        None => String::new(),
    };
    let sql = format!(
        "SELECT {} FROM {table} {from} ORDER BY {key} LIMIT {BATCH}",
        names.join(", ")
    );
    let fail = |e: rusqlite::Error| StoreError::Database(format!("read {table}: {e}"));
    let mut statement = c.prepare_cached(&sql).map_err(fail)?;
    let args = rusqlite::params_from_iter(after.unwrap_or_default());
    let rows = statement
        .query_map(args, |row| (0..columns.len()).map(|i| row.get::<_, Value>(i)).collect())
        .map_err(fail)?;
    rows.collect::<rusqlite::Result<Vec<Vec<Value>>>>().map_err(fail)
}

/// A value ready for PostgreSQL.
enum Field {
    Int(Option<i64>),
    Text(Option<String>),
    Real(Option<f64>),
    Time(Option<DateTime<Utc>>),
    Flag(Option<bool>),
}

impl Field {
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Field::Int(v) => v,
            Field::Text(v) => v,
            Field::Real(v) => v,
            Field::Time(v) => v,
            Field::Flag(v) => v,
        }
    }
}

fn convert(value: Value, kind: Kind, table: &str, column: &str) -> Result<Field> {
    let bad = || StoreError::Invalid(format!("{table}.{column} holds a value newsdesk never writes there"));
    Ok(match (kind, value) {
        (Int, Value::Null) => Field::Int(None),
        (Int, Value::Integer(n)) => Field::Int(Some(n)),
        (Text, Value::Null) => Field::Text(None),
        (Text, Value::Text(s)) => Field::Text(Some(s)),
        (Real, Value::Null) => Field::Real(None),
        (Real, Value::Real(x)) => Field::Real(Some(x)),
        (Real, Value::Integer(n)) => Field::Real(Some(n as f64)),
        (Time, Value::Null) => Field::Time(None),
        (Time, Value::Integer(ms)) => Field::Time(Some(DateTime::from_timestamp_millis(ms).ok_or_else(bad)?)),
        (Flag, Value::Null) => Field::Flag(None),
        (Flag, Value::Integer(n)) => Field::Flag(Some(n != 0)),
        _ => return Err(bad()),
    })
}
