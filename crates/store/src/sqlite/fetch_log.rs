//! The append-only `fetch_log` table.

use rusqlite::{params, Connection};

use super::rows::{self, millis, sql_int, Ctx, FETCH_COLS};
use crate::{FetchRecord, Result};

pub(crate) fn insert(conn: &Connection, r: &FetchRecord) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO fetch_log (at, url, feed_id, article_id, http_status, error, bytes, elapsed_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut st| {
        st.execute(params![
            millis(r.at),
            r.url,
            r.feed_id.map(|f| f.0),
            r.article_id.map(|a| a.0),
            r.http_status,
            r.error,
            sql_int(r.bytes),
            sql_int(r.elapsed_ms),
        ])
    })
    .ctx("insert fetch log")?;
    Ok(())
}

pub(crate) fn recent(conn: &Connection, limit: usize) -> Result<Vec<FetchRecord>> {
    let sql = format!("SELECT {FETCH_COLS} FROM fetch_log ORDER BY at DESC, id DESC LIMIT ?1");
    conn.prepare_cached(&sql)
        .and_then(|mut st| st.query_map([sql_int(limit)], rows::fetch_record)?.collect())
        .ctx("list fetch log")
}
