//! `newsdesk migrate --from sqlite:PATH --to postgres://…`: an instance
//! moved to PostgreSQL, with a progress bar and the count check's table.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use newsdesk_store::Progress;

/// Copies the SQLite file named by `from` (`sqlite:PATH` or a path) into
/// the empty PostgreSQL database `to`, then prints each table's counts.
pub async fn run(from: &str, to: &str) -> Result<()> {
    let path = PathBuf::from(from.strip_prefix("sqlite:").unwrap_or(from));
    if !path.is_file() {
        bail!("--from: no SQLite database at {}", path.display());
    }
    if !newsdesk_store::is_postgres(to) {
        bail!("--to must be a postgres:// or postgresql:// URL");
    }
    let to = to.to_owned();
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg:16} [{bar:30}] {pos}/{len} rows, {per_sec}, {eta} left")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    let shown = bar.clone();
    let tables = tokio::task::spawn_blocking(move || {
        newsdesk_store::copy_sqlite_to_postgres(&path, &to, |p| match p {
            Progress::Table { table, rows } => {
                shown.set_message(table.to_owned());
                shown.inc_length(rows);
            }
            Progress::Row => shown.inc(1),
        })
    })
    .await??;
    bar.finish_and_clear();
    for t in &tables {
        println!(
            "{:<17} {:>9} rows in SQLite, {:>9} in PostgreSQL",
            t.table, t.source_rows, t.target_rows
        );
    }
    let rows: u64 = tables.iter().map(|t| t.target_rows).sum();
    println!("moved {rows} rows in {} tables; every count matches", tables.len());
    Ok(())
}
