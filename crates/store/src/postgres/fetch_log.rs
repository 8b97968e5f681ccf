//! The append-only `fetch_log` table.

use newsdesk_postgres::GenericClient;

use super::rows::{self, all, each, int, ms, run, FETCH_COLS, R};
use crate::FetchRecord;

pub(crate) async fn insert(c: &impl GenericClient, r: &FetchRecord) -> R<()> {
    run(
        c,
        "insert fetch log",
        "INSERT INTO fetch_log (at, url, feed_id, article_id, http_status, error, bytes, elapsed_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &ms(r.at),
            &r.url,
            &r.feed_id.map(|f| f.0),
            &r.article_id.map(|a| a.0),
            &r.http_status.map(i64::from),
            &r.error,
            &int(r.bytes),
            &int(r.elapsed_ms),
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn recent(c: &impl GenericClient, limit: usize) -> R<Vec<FetchRecord>> {
    let sql = format!("SELECT {FETCH_COLS} FROM fetch_log ORDER BY at DESC, id DESC LIMIT $1");
    each(
        &all(c, "list fetch log", &sql, &[&int(limit)]).await?,
        rows::fetch_record,
    )
}
