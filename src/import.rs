//! `newsdesk import warc FILE…`: web archives into the store, with a
//! progress bar, through the crawl's own path (`Crawler::import_warc`).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use newsdesk_crawl::ImportReport;

use crate::app;
use crate::config::Config;

/// Imports each file in turn. Fails only when a file cannot be opened (or
/// the store or index cannot): bad records are counted and skipped.
pub async fn warc(config: &Config, paths: &[PathBuf]) -> Result<()> {
    let store = app::open_store(config)?;
    let mut crawler = app::crawler(config, store, app::fetcher(config)?, app::embeddings(config).await?);
    match app::open_index(config) {
        Ok(index) => crawler = crawler.search(index),
        Err(e) => tracing::warn!("importing without updating search: {e:#}; run `newsdesk reindex` later"),
    }
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}] {pos} records, {per_sec}")
            .context("progress bar template")?,
    );
    let mut total = ImportReport::default();
    let started = Instant::now();
    for path in paths {
        bar.set_message(path.display().to_string());
        let shown = bar.clone();
        let report = crawler
            .import_warc(path, move |_| shown.inc(1))
            .await
            .with_context(|| format!("reading {}", path.display()))?;
        let Some(report) = report else {
            // `suspend`, not `println`: a hidden bar (no terminal) drops lines.
            bar.suspend(|| {
                println!(
                    "{}: imported already, or being imported by another worker",
                    path.display()
                )
            });
            continue;
        };
        let line = format!(
            "{}: {} imported, {} already stored, {} skipped{}",
            path.display(),
            report.imported,
            report.repeats,
            report.skipped,
            if report.finished {
                ""
            } else {
                "; another worker took it over"
            }
        );
        bar.suspend(|| println!("{line}"));
        total.imported += report.imported;
        total.repeats += report.repeats;
        total.skipped += report.skipped;
        total.other_records += report.other_records;
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let pages = total.imported + total.repeats + total.skipped;
    println!(
        "imported {} pages, {} already stored, {} skipped ({} other records) from {} files in {secs:.1} s ({:.0} pages/s)",
        total.imported,
        total.repeats,
        total.skipped,
        total.other_records,
        paths.len(),
        pages as f64 / secs.max(1e-9)
    );
    Ok(())
}
